/* SPDX-License-Identifier: MIT */
/*
 * Leveled logging for the daemon and the layers it drives: one line per
 * event, "time level [component] message", to stderr or a log file.
 */
#ifndef UVNET_UTIL_LOG_H
#define UVNET_UTIL_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Parse "error|warn|info|debug"; false if it is none of them. */
bool log_level_parse(const char *s, enum log_level *out);
void log_set_level(enum log_level level);
/* Send further lines to `path` (append); 0 or -errno. */
int log_set_file(const char *path);

void log_msg(enum log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

extern enum log_level log_threshold;

#define log_at(lvl, comp, ...) \
	do { if ((lvl) <= log_threshold) log_msg((lvl), (comp), __VA_ARGS__); } while (0)
#define log_err(comp, ...)   log_at(LOG_ERR, comp, __VA_ARGS__)
#define log_warn(comp, ...)  log_at(LOG_WARN, comp, __VA_ARGS__)
#define log_info(comp, ...)  log_at(LOG_INFO, comp, __VA_ARGS__)
#define log_debug(comp, ...) log_at(LOG_DEBUG, comp, __VA_ARGS__)

#endif
