/* SPDX-License-Identifier: MIT */
/*
 * The metrics endpoint's request reader (daemon/http.c) on bytes from
 * anyone, fed as a client would send them: in two pieces cut where the
 * first byte says, the head's end looked for on each (as reqsrv does);
 * then the request line read.  Checks: every read stays inside the input
 * (it is copied into an allocation of its own size: ASan sees one byte
 * too far); finding the end piecewise agrees with finding it at once; an
 * accepted request has a method and a path starting with '/' and no '?'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request rq;
	size_t cut;
	char *buf;
	bool once, piecewise;

	if (size < 1)
		return 0;
	cut = data[0] % (size);
	buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	size--;
	once = http_head_whole(buf, size, 0);
	piecewise = http_head_whole(buf, cut, 0) || http_head_whole(buf, size, cut);
	if (once != piecewise)
		abort();
	if (http_parse_request(buf, size, &rq) == 0) {
		if (!rq.method[0] || rq.path[0] != '/' || strchr(rq.path, '?') || rq.minor > 9)
			abort();
	}
	free(buf);
	return 0;
}
