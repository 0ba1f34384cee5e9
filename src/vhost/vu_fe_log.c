/* SPDX-License-Identifier: MIT */
/*
 * virtio-user front-end, migration: the dirty log (vu_fe_log_start and
 * friends), and the addresses a migration test checks pages by
 * (vu_fe_gpa, vu_fe_vring_area).
 */
#include "vhost/vu_fe_impl.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vhost.h>

#include "vhost/vhost_user.h"
#include "vhost/vu_msg.h"

#define F(bit) (1ull << (bit))
#define P(bit) (1ull << (bit))

static int set_features_log(struct vu_fe *fe, bool log)
{
	uint64_t f = fe->features | (fe->has_pf ? F(VHOST_USER_F_PROTOCOL_FEATURES) : 0);

	return fe_request_u64(fe, VHOST_USER_SET_FEATURES, log ? f | F(VHOST_F_LOG_ALL) : f);
}

static int set_all_addrs(struct vu_fe *fe, bool log)
{
	int rc = 0;

	for (unsigned i = 0; !rc && i < fe->nqp; i++) {
		rc = fe_set_vring_addr(fe, &fe->qp[i].rx.v, log);
		if (!rc)
			rc = fe_set_vring_addr(fe, &fe->qp[i].tx.v, log);
	}
	return rc;
}

/* SET_LOG_BASE with the log's fd; the back-end answers (any payload). */
static int send_log_base(struct vu_fe *fe)
{
	struct vhost_user_msg m = { .hdr = { .request = VHOST_USER_SET_LOG_BASE,
					     .flags = VHOST_USER_VERSION,
					     .size = sizeof(struct vhost_user_log) } };
	struct vu_msg r;
	struct error why;
	int rc;

	m.payload.log = (struct vhost_user_log){ .mmap_size = fe->log_len, .mmap_offset = 0 };
	rc = vu_msg_send(fe->sock, &m, &fe->log_fd, 1);
	if (rc)
		return fe_fail(fe, rc, "sending SET_LOG_BASE: %s", strerror(-rc));
	rc = vu_msg_recv(fe->sock, &r, &why);
	if (rc)
		return fe_fail(fe, rc == -EAGAIN ? -ETIMEDOUT : rc, "reply to SET_LOG_BASE: %s",
			       rc == -EAGAIN ? "none" : why.msg);
	vu_msg_close_fds(&r);
	if (r.m.hdr.request != VHOST_USER_SET_LOG_BASE || !(r.m.hdr.flags & VHOST_USER_REPLY))
		return fe_fail(fe, -EPROTO, "expected a reply to SET_LOG_BASE, got %s",
			       fe_req_name(r.m.hdr.request));
	return 0;
}

int vu_fe_log_start(struct vu_fe *fe)
{
	uint64_t end = fe_addr(fe, fe->mem) + fe->mem_len;
	size_t len;
	int rc;

	if (!fe->cfg.gpa_base || fe->monitor_running)
		return fe_fail(fe, -EINVAL, "a dirty log needs config.gpa_base and config.no_thread");
	if (!vu_fe_connected(fe))
		return fe_fail(fe, -ENOTCONN, "not connected");
	if (!(fe->offered & F(VHOST_F_LOG_ALL)) ||
	    !(fe->protocol_features & P(VHOST_USER_PROTOCOL_F_LOG_SHMFD)))
		return fe_fail(fe, -ENOTSUP, "the back-end offers no dirty-page logging "
			       "(VHOST_F_LOG_ALL and LOG_SHMFD)");
	if (fe->log)
		return 0;
	len = fe_align_up((size_t)((end + 4095) / 4096 + 7) / 8, 4096);
	fe->log_fd = memfd_create("uvnet-virtio-user-log", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fe->log_fd < 0)
		return fe_fail(fe, -errno, "memfd_create: %s", strerror(errno));
	if (ftruncate(fe->log_fd, (off_t)len) ||
	    fcntl(fe->log_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		rc = fe_fail(fe, -errno, "the log's memfd of %zu bytes: %s", len, strerror(errno));
		fe_close_fd(&fe->log_fd);
		return rc;
	}
	fe->log = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fe->log_fd, 0);
	if (fe->log == MAP_FAILED) {
		rc = fe_fail(fe, -errno, "mapping the log: %s", strerror(errno));
		fe->log = NULL;
		fe_close_fd(&fe->log_fd);
		return rc;
	}
	fe->log_len = len;
	/* QEMU's order (vhost_migration_log): the log, LOG_ALL, the rings */
	rc = send_log_base(fe);
	if (!rc)
		rc = set_features_log(fe, true);
	if (!rc)
		rc = set_all_addrs(fe, true);
	return rc;
}

int vu_fe_log_stop(struct vu_fe *fe)
{
	int rc = 0;

	if (!fe->log)
		return 0;
	if (vu_fe_connected(fe)) {
		rc = set_features_log(fe, false);
		if (!rc)
			rc = set_all_addrs(fe, false);
	}
	munmap(fe->log, fe->log_len);
	fe->log = NULL;
	fe->log_len = 0;
	fe_close_fd(&fe->log_fd);
	return rc;
}

const uint8_t *vu_fe_log(const struct vu_fe *fe, size_t *len)
{
	*len = fe->log_len;
	return fe->log;
}

void vu_fe_log_clear(struct vu_fe *fe)
{
	/* as QEMU's sync: each word taken out atomically */
	for (size_t i = 0; i + 8 <= fe->log_len; i += 8)
		__atomic_exchange_n((uint64_t *)(fe->log + i), 0, __ATOMIC_SEQ_CST);
}

uint64_t vu_fe_gpa(const struct vu_fe *fe, const void *p)
{
	if ((const uint8_t *)p < fe->mem || (const uint8_t *)p >= fe->mem + fe->mem_len)
		return 0;
	return fe_addr(fe, p);
}

int vu_fe_vring_area(const struct vu_fe *fe, unsigned vring, enum vu_fe_area area,
		     uint64_t *gpa, void **host, size_t *len)
{
	enum vq_layout l = fe->packed ? VQ_PACKED : VQ_SPLIT;
	const struct fe_vring *v;
	void *p;

	if (vring >= 2 * fe->nqp)
		return -EINVAL;
	v = vring % 2 ? &fe->qp[vring / 2].tx.v : &fe->qp[vring / 2].rx.v;
	switch (area) {
	case VU_FE_AREA_DESC:
		p = v->rings.desc;
		*len = vq_desc_area_size(l, fe->qsize);
		break;
	case VU_FE_AREA_DRIVER:
		p = v->rings.driver;
		*len = vq_driver_area_size(l, fe->qsize);
		break;
	case VU_FE_AREA_DEVICE:
		p = v->rings.device;
		*len = vq_device_area_size(l, fe->qsize);
		break;
	default:
		return -EINVAL;
	}
	*gpa = fe_addr(fe, p);
	*host = p;
	return 0;
}
