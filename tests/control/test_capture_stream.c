/* SPDX-License-Identifier: MIT */
/*
 * The capture stream and its pcap file: messages read back as written,
 * piece by piece (a partial message asks for more), a stream that breaks
 * the rules refused with the reason (unknown type, more captured than the
 * frame, beyond the snap length, a bad time, a short END); and the frames
 * written with libpcap's writer read back by libpcap's reader, header by
 * header, microseconds and all.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "control/capture_pcap.h"
#include "control/capture_stream.h"

static void messages_read_back_as_written_whole_or_in_pieces(void **state)
{
	uint8_t buf[512], frame[60];
	struct capture_stream_msg m;
	struct error e;
	size_t n = 0;
	long k;

	(void)state;
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	n += capture_stream_put_frame(buf + n, 1700000000, 999999999, 1514, frame, 60);
	n += capture_stream_put_end(buf + n, 7, 3, CAPTURE_END_PORT_DELETED);
	/* every prefix of the first message is "more, please" */
	for (size_t cut = 0; cut < sizeof(struct capture_stream_hdr) + 60; cut++)
		assert_int_equal(capture_stream_next(buf, cut, &m, &e), 0);
	k = capture_stream_next(buf, n, &m, &e);
	assert_int_equal(k, sizeof(struct capture_stream_hdr) + 60);
	assert_int_equal(m.type, CAPTURE_STREAM_FRAME);
	assert_int_equal(m.sec, 1700000000);
	assert_int_equal(m.nsec, 999999999);
	assert_int_equal(m.len, 1514);
	assert_int_equal(m.caplen, 60);
	assert_memory_equal(m.data, frame, 60);
	k = capture_stream_next(buf + k, n - (size_t)k, &m, &e);
	assert_int_equal(k, capture_stream_end_size());
	assert_int_equal(m.type, CAPTURE_STREAM_END);
	assert_int_equal(m.end.frames, 7);
	assert_int_equal(m.end.dropped, 3);
	assert_int_equal(m.end.reason, CAPTURE_END_PORT_DELETED);
	assert_string_equal(capture_end_reason_name(m.end.reason), "the port was deleted");
	assert_string_equal(capture_end_reason_name(99), "for an unknown reason");
}

static void refused(struct capture_stream_hdr h, const char *want)
{
	uint8_t buf[sizeof(h) + 64] = { 0 };
	struct capture_stream_msg m;
	struct error e = { 0 };

	memcpy(buf, &h, sizeof(h));
	assert_int_equal(capture_stream_next(buf, sizeof(buf), &m, &e), -EPROTO);
	assert_string_equal(e.msg, want);
}

static void a_stream_that_breaks_the_rules_is_refused_with_the_reason(void **state)
{
	(void)state;
	refused((struct capture_stream_hdr){ .type = 3 }, "capture stream: unknown message type 3");
	refused((struct capture_stream_hdr){ .type = CAPTURE_STREAM_FRAME, .caplen = 61, .len = 60 },
		"capture stream: a frame of 60 bytes claims 61 captured");
	refused((struct capture_stream_hdr){ .type = CAPTURE_STREAM_FRAME, .caplen = 262145,
					     .len = 1u << 20 },
		"capture stream: a frame of 1048576 bytes claims 262145 captured");
	refused((struct capture_stream_hdr){ .type = CAPTURE_STREAM_FRAME, .caplen = 4, .len = 4,
					     .nsec = 1000000000 },
		"capture stream: a frame's time 0.1000000000 is not one");
	refused((struct capture_stream_hdr){ .type = CAPTURE_STREAM_FRAME, .caplen = 4, .len = 4,
					     .sec = -1 },
		"capture stream: a frame's time -1.0 is not one");
	refused((struct capture_stream_hdr){ .type = CAPTURE_STREAM_END, .caplen = 8 },
		"capture stream: an end message of 8 bytes");
}

static void pcap_records_read_back_with_libpcap(void **state)
{
	char path[] = "/tmp/uvnet-test-pcap.XXXXXX", errbuf[PCAP_ERRBUF_SIZE];
	uint8_t buf[256], frame[100];
	struct capture_stream_msg m;
	struct capture_pcap *w;
	struct pcap_pkthdr *h;
	const u_char *data;
	struct error e;
	pcap_t *p;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	memset(frame, 0x5a, sizeof(frame));
	w = capture_pcap_open(path, 96, &e);
	assert_non_null(w);
	for (unsigned i = 0; i < 3; i++) {
		size_t n = capture_stream_put_frame(buf, 1700000000 + i, 123456789 + i * 1000, 100 + i,
						    frame, 60 + i);

		assert_int_equal(capture_stream_next(buf, n, &m, &e), (long)n);
		capture_pcap_write(w, &m);
	}
	assert_int_equal(capture_pcap_flush(w), 0);
	capture_pcap_close(w);

	p = pcap_open_offline(path, errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	assert_int_equal(pcap_snapshot(p), 96);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(pcap_next_ex(p, &h, &data), 1);
		assert_int_equal(h->ts.tv_sec, 1700000000 + i);
		assert_int_equal(h->ts.tv_usec, 123456 + i);
		assert_int_equal(h->len, 100 + i);
		assert_int_equal(h->caplen, 60 + i);
		assert_memory_equal(data, frame, 60 + i);
	}
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
	unlink(path);
}

static void a_file_that_cannot_be_written_is_named(void **state)
{
	struct error e = { 0 };

	(void)state;
	assert_null(capture_pcap_open("/nonexistent-dir/x.pcap", 96, &e));
	assert_non_null(strstr(e.msg, "-w: "));
	assert_non_null(strstr(e.msg, "/nonexistent-dir/x.pcap"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(messages_read_back_as_written_whole_or_in_pieces),
		cmocka_unit_test(a_stream_that_breaks_the_rules_is_refused_with_the_reason),
		cmocka_unit_test(pcap_records_read_back_with_libpcap),
		cmocka_unit_test(a_file_that_cannot_be_written_is_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
