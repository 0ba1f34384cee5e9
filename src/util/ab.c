/* SPDX-License-Identifier: MIT */
/* The A/B toggle of an ab_toggle build (see ab.h). */
#include "util/ab.h"

#include <string.h>

static void on_ab_signal(int sig)
{
	ab_variant_new = sig == SIGUSR2;
}

void ab_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_ab_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
}
