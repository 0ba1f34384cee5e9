/* SPDX-License-Identifier: MIT */
#include "control/capture_pcap.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct capture_pcap {
	pcap_t *dead;           /* a handle with no interface: link type and snaplen */
	pcap_dumper_t *dump;
};

struct capture_pcap *capture_pcap_open(const char *path, uint32_t snaplen, struct error *e)
{
	struct capture_pcap *w = calloc(1, sizeof(*w));

	if (!w) {
		error_set(e, -ENOMEM, "out of memory");
		return NULL;
	}
	w->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)snaplen,
						       PCAP_TSTAMP_PRECISION_MICRO);
	if (!w->dead) {
		error_set(e, -ENOMEM, "pcap: cannot make a handle");
		free(w);
		return NULL;
	}
	w->dump = pcap_dump_open(w->dead, path);
	if (!w->dump) {
		error_set(e, -EIO, "-w: %s", pcap_geterr(w->dead));
		pcap_close(w->dead);
		free(w);
		return NULL;
	}
	return w;
}

void capture_pcap_write(struct capture_pcap *w, const struct capture_stream_msg *m)
{
	struct pcap_pkthdr h = { .caplen = m->caplen, .len = m->len };

	h.ts.tv_sec = (time_t)m->sec;
	h.ts.tv_usec = (suseconds_t)(m->nsec / 1000);
	pcap_dump((u_char *)w->dump, &h, m->data);
}

int capture_pcap_flush(struct capture_pcap *w)
{
	FILE *f = pcap_dump_file(w->dump);

	if (pcap_dump_flush(w->dump) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

void capture_pcap_close(struct capture_pcap *w)
{
	if (!w)
		return;
	pcap_dump_close(w->dump);
	pcap_close(w->dead);
	free(w);
}
