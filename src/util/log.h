/* SPDX-License-Identifier: MIT */
/*
 * Leveled logging for the daemon and the layers it drives: one line per
 * event, "time level [module] message", to stderr or a log file.
 *
 * A .c file that logs names its module once, after its includes:
 *
 *	LOG_MODULE("vhost");
 *
 * and then writes log_error/log_warn/log_info/log_debug(fmt, ...).  A
 * message about one object starts with that object's name ("vm1: vring 0
 * started"); the module says which part of uvnet is talking.
 */
#ifndef UVNET_UTIL_LOG_H
#define UVNET_UTIL_LOG_H

#include <stdbool.h>

/* Not LOG_ERR/LOG_INFO: those are <syslog.h>'s. */
enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Parse "error|warn|info|debug"; false if it is none of them. */
bool log_level_parse(const char *s, enum log_level *out);
void log_set_level(enum log_level level);
/* Send further lines to `path` (append); 0 or -errno. */
int log_set_file(const char *path);

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

extern enum log_level log_threshold;

#define LOG_MODULE(name) static const char log_module[] __attribute__((unused)) = name

#define log_at(lvl, ...) \
	do { if ((lvl) <= log_threshold) log_msg((lvl), log_module, __VA_ARGS__); } while (0)
#define log_error(...) log_at(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
