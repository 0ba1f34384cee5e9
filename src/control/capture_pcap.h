/* SPDX-License-Identifier: MIT */
/*
 * A capture stream's frames written as a pcap file (Ethernet link type,
 * microsecond timestamps) with libpcap's own writer, so that tcpdump -r,
 * tshark and every other pcap reader take it.  Path "-" is standard
 * output.
 */
#ifndef UVNET_CONTROL_CAPTURE_PCAP_H
#define UVNET_CONTROL_CAPTURE_PCAP_H

#include <stdint.h>

#include "control/capture_stream.h"
#include "util/error.h"

struct capture_pcap;

/* Open `path` for writing ("-": standard output) with the file header of
 * snaplen; NULL with e saying why. */
struct capture_pcap *capture_pcap_open(const char *path, uint32_t snaplen, struct error *e);
/* One FRAME message as a pcap record. */
void capture_pcap_write(struct capture_pcap *w, const struct capture_stream_msg *m);
/* Push what is written to the file (a live reader sees it now): 0 or
 * -errno (-EPIPE: the reader at the other end of a pipe is gone). */
int capture_pcap_flush(struct capture_pcap *w);
void capture_pcap_close(struct capture_pcap *w);

#endif
