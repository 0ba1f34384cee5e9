/* SPDX-License-Identifier: MIT */
/* uvnetctl capture: the client of a capture stream (uvnetctl_capture.c). */
#ifndef UVNET_TOOLS_UVNETCTL_CAPTURE_H
#define UVNET_TOOLS_UVNETCTL_CAPTURE_H

/* The words after "capture"; the exit status (0, 1 refused or broken,
 * 2 a usage error). */
int uvnetctl_capture(const char *control, char **words, int nwords);

#endif
