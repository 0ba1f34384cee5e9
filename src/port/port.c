/* SPDX-License-Identifier: MIT */
/* What every port kind sets up the same way (port.h). */
#include "port/port.h"

#include <stdio.h>

void port_init(struct port *p, const char *name, const struct port_ops *ops,
	       struct port_env *env)
{
	*p = (struct port){ .ops = ops, .env = env };
	snprintf(p->name, sizeof(p->name), "%s", name);
}

void port_queue_init(struct port_queue *q, struct port *p, unsigned idx, int fd, void *priv)
{
	*q = (struct port_queue){ .port = p, .idx = idx, .fd = fd, .worker = -1, .priv = priv };
}
