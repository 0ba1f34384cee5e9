/* SPDX-License-Identifier: MIT */
/*
 * vhost-user back-end state machine.  Handlers sit in a table indexed by
 * request code; each one validates the fields it uses (ring indexes,
 * sizes, addresses) and returns 0 or a negative errno with a reason.
 */
#include "vhost/vu_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/vhost.h>

#include "virtio/guest_fault.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Forget ring idx (stopped by now): its fds and its memory. */
static void vring_free(struct vu_dev *d, unsigned idx)
{
	struct vu_vring *vr = d->vring[idx];

	if (!vr)
		return;
	close_fd(&vr->kick_fd);
	close_fd(&vr->call_fd);
	close_fd(&vr->err_fd);
	free(vr);
	d->vring[idx] = NULL;
}

void vu_dev_init(struct vu_dev *d, const struct vu_dev_config *cfg)
{
	*d = (struct vu_dev){ .sock = -1, .cfg = *cfg, .backend_req_fd = -1,
			     .log_call_fd = -1, .log_fault_slot = -1 };
}

/* Rings the device has: 2 per queue pair it offers. */
static unsigned nvrings(const struct vu_dev *d)
{
	return 2 * d->cfg.queue_pairs;
}

static bool has_protocol(const struct vu_dev *d, unsigned bit)
{
	return d->protocol_features & (1ull << bit);
}

bool vu_dev_fault_reason(const struct vu_dev *d, char *buf, size_t len)
{
	if (d->mem && guest_mem_fault_reason(d->mem, buf, len))
		return true;
	if (!guest_fault_read(&d->log_fault))
		return false;
	snprintf(buf, len, "the dirty log shrank under us (front-end truncated it?)");
	return true;
}

bool vu_dev_logging(const struct vu_dev *d)
{
	return (d->features & (1ull << VHOST_F_LOG_ALL)) && d->log.bits;
}

static void vring_stop(struct vu_dev *d, unsigned idx)
{
	struct vu_vring *vr = d->vring[idx];

	if (!vr || !vr->started)
		return;
	d->cfg.ops->queue_stop(d->cfg.opaque, idx);
	vr->base = vq_dev_base(&vr->vq);
	vr->started = false;
	/* every write of the ring is logged by now */
	if (vu_dev_logging(d) && d->log_call_fd >= 0)
		eventfd_write(d->log_call_fd, 1);
}

static void stop_all(struct vu_dev *d)
{
	for (unsigned i = 0; i < nvrings(d); i++)
		vring_stop(d, i);
}

static bool vring_ready(const struct vu_dev *d, const struct vu_vring *vr)
{
	bool enabled = vr->enabled ||
		       !(d->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES));

	return d->mem && vr->num && vr->addr_set && vr->kick_set && enabled;
}

/* Translate one ring area; NULL if it is not inside one region or not
 * aligned.  Alignment is checked on our pointer too: a region's uva and its
 * mmap_offset need not agree on it. */
static void *ring_area(const struct vu_dev *d, uint64_t uva, size_t len, size_t align)
{
	void *p;

	if (uva % align)
		return NULL;
	p = guest_mem_uva_ptr(d->mem, uva, len);
	return (uintptr_t)p % align ? NULL : p;
}

static int vring_start(struct vu_dev *d, unsigned idx, struct error *e)
{
	struct vu_vring *vr = d->vring[idx];
	enum vq_layout layout = vq_layout_from(d->features);
	struct vq_rings r;
	int rc;

	if (!vr || vr->started || !vring_ready(d, vr))
		return 0;
	r.desc = ring_area(d, vr->addr.desc_user_addr, vq_desc_area_size(layout, vr->num), 16);
	r.driver = ring_area(d, vr->addr.avail_user_addr, vq_driver_area_size(layout, vr->num),
			     layout == VQ_SPLIT ? 2 : 4);
	r.device = ring_area(d, vr->addr.used_user_addr, vq_device_area_size(layout, vr->num), 4);
	if (!r.desc || !r.driver || !r.device)
		return error_set(e, -EINVAL,
				 "vring %u: ring address outside the memory table or misaligned", idx);
	rc = vq_dev_init(&vr->vq, layout, vr->num, d->features, d->mem, &r, vr->base);
	if (rc)
		return error_set(e, -EINVAL, "vring %u: size %u or base %#x invalid for a %s ring",
				 idx, vr->num, vr->base, layout == VQ_SPLIT ? "split" : "packed");
	if (vu_dev_logging(d)) {
		uint64_t desc_gpa = 0;

		/* the ring lies inside one region: its gpa is contiguous */
		guest_mem_host_to_gpa(d->mem, r.desc, &desc_gpa);
		vq_dev_set_log(&vr->vq, &d->log, vr->addr.flags & (1u << VHOST_VRING_F_LOG),
			       vr->addr.log_guest_addr, desc_gpa);
	}
	vr->started = true;
	rc = d->cfg.ops->queue_start(d->cfg.opaque, idx);
	if (rc) {
		vr->started = false;
		return error_set(e, -EINVAL, "vring %u: the device could not start it (%s)", idx,
				 strerror(-rc));
	}
	/* As libvhost-user does: a driver that waited for buffers while the
	 * ring was down (a reconnect, a migration) looks again. */
	if (vr->call_fd >= 0)
		eventfd_write(vr->call_fd, 1);
	return 0;
}

static int start_all(struct vu_dev *d, struct error *e)
{
	for (unsigned i = 0; i < nvrings(d); i++) {
		int rc = vring_start(d, i, e);

		if (rc)
			return rc;
	}
	return 0;
}

static void log_unmap(struct vu_dev *d)
{
	guest_fault_del(d->log_fault_slot);
	d->log_fault_slot = -1;
	if (d->log_map)
		munmap(d->log_map, d->log_map_len);
	d->log_map = NULL;
	d->log_map_len = 0;
	d->log = (struct dirty_log){ 0 };
}

void vu_dev_disconnect(struct vu_dev *d)
{
	stop_all(d);
	for (unsigned i = 0; i < nvrings(d); i++)
		vring_free(d, i);
	if (d->mem) {
		guest_mem_release(d->mem);
		free(d->mem);
		d->mem = NULL;
	}
	close_fd(&d->backend_req_fd);
	log_unmap(d);
	close_fd(&d->log_call_fd);
	close_fd(&d->sock);
	vu_msg_reader_reset(&d->reader);
	d->features = d->protocol_features = 0;
	d->features_set = false;
	d->status = 0;
}

void vu_dev_connect(struct vu_dev *d, int sock)
{
	vu_dev_disconnect(d);
	d->sock = sock;
}

static int reply(struct vu_dev *d, struct vu_msg *msg, uint32_t size, struct error *e)
{
	int rc;

	msg->m.hdr.flags = VHOST_USER_VERSION | VHOST_USER_REPLY;
	msg->m.hdr.size = size;
	rc = vu_msg_send(d->sock, &msg->m, NULL, 0);
	if (rc)
		return error_set(e, rc, "%s: sending the reply: %s",
				 vhost_user_request_name(msg->m.hdr.request), strerror(-rc));
	return 0;
}

static int reply_u64(struct vu_dev *d, struct vu_msg *msg, uint64_t v, struct error *e)
{
	msg->m.payload.u64 = v;
	return reply(d, msg, sizeof(v), e);
}

/* A ring index from a message: must name an rx/tx ring we have.  The
 * ring's state is allocated here, the first time a message names it. */
static int vring_index(struct vu_dev *d, uint32_t idx, const char *req,
		       struct error *e)
{
	if (idx >= nvrings(d))
		return error_set(e, -EINVAL, "%s: vring index %u out of range (device has %u)",
				 req, idx, nvrings(d));
	if (!d->vring[idx]) {
		struct vu_vring *vr = malloc(sizeof(*vr));

		if (!vr)
			return error_set(e, -ENOMEM, "%s: vring %u: out of memory", req, idx);
		*vr = (struct vu_vring){ .kick_fd = -1, .call_fd = -1, .err_fd = -1 };
		d->vring[idx] = vr;
	}
	return (int)idx;
}

typedef int (*handler_fn)(struct vu_dev *d, struct vu_msg *msg, struct error *e);

static int get_features(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	return reply_u64(d, msg, d->cfg.features, e);
}

static int set_features(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	uint64_t f = msg->m.payload.u64;

	if (f & ~d->cfg.features)
		return error_set(e, -EINVAL, "SET_FEATURES: bits %#llx were not offered",
				 (unsigned long long)(f & ~d->cfg.features));
	if (!(f & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)))
		d->protocol_features = 0;
	/* Rings pick the layout and event-idx mode up at start: restart them. */
	stop_all(d);
	d->features = f;
	d->features_set = true;
	return start_all(d, e);
}

static int get_protocol_features(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	return reply_u64(d, msg, d->cfg.protocol_features, e);
}

static int set_protocol_features(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	uint64_t f = msg->m.payload.u64;

	if (f & ~d->cfg.protocol_features)
		return error_set(e, -EINVAL, "SET_PROTOCOL_FEATURES: bits %#llx were not offered",
				 (unsigned long long)(f & ~d->cfg.protocol_features));
	d->protocol_features = f;
	return 0;
}

static int set_owner(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	(void)d;
	(void)msg;
	(void)e;
	return 0;
}

/* RESET_OWNER / RESET_DEVICE: back to the state right after connecting. */
static int reset_owner(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	int sock = d->sock;

	(void)msg;
	(void)e;
	d->sock = -1; /* keep the connection */
	vu_dev_disconnect(d);
	d->sock = sock;
	return 0;
}

/* Pages of a mapping past the end of its file map fine but fault (SIGBUS)
 * when touched: a region must lie inside its file. */
static int region_in_file(int fd, const struct vhost_user_region *r)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode) && (r->mmap_offset > (uint64_t)st.st_size ||
				    r->size > (uint64_t)st.st_size - r->mmap_offset))
		return -ERANGE;
	return 0;
}

/*
 * A front-end that shrinks a region's file after handing it over would make
 * our next access to it fault (SIGBUS).  A memfd can be sealed against
 * that: QEMU seals its memfd backends itself, and where the front-end left
 * sealing allowed we add the seal.  Other files (hugetlbfs, tmpfs) cannot
 * be protected; the caller reports them.
 */
static bool sealed_against_shrink(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0)
		return false;
	return (seals & F_SEAL_SHRINK) || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0;
}

static int map_regions(struct vu_dev *d, struct guest_mem *mem, struct vu_msg *msg,
		       struct error *e)
{
	const struct vhost_user_memory *m = &msg->m.payload.memory;

	guest_mem_init(mem);
	d->unsealed_regions = 0;
	for (unsigned i = 0; i < m->nregions; i++) {
		const struct vhost_user_region *r = &m->regions[i];
		int fd = vu_msg_take_fd(msg, i);
		int rc = region_in_file(fd, r);

		if (!rc && !sealed_against_shrink(fd))
			d->unsealed_regions++;
		if (!rc)
			rc = guest_mem_add_fd(mem, r->gpa, r->size, r->uva, fd, r->mmap_offset);
		if (rc) {
			close(fd);
			guest_mem_release(mem);
			return error_set(e, -EINVAL,
					 "SET_MEM_TABLE: region %u (gpa %#llx size %#llx): %s", i,
					 (unsigned long long)r->gpa, (unsigned long long)r->size,
					 rc == -EEXIST ? "overlaps another region" :
					 rc == -EINVAL ? "zero size or wraps" :
					 rc == -ERANGE ? "beyond the end of its file" :
					 rc == -EMFILE ? "uvnetd maps as many guest memory files as it can" :
					 strerror(-rc));
		}
	}
	return 0;
}

static int set_mem_table(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	struct guest_mem *mem = malloc(sizeof(*mem));
	int rc;

	if (!mem)
		return error_set(e, -ENOMEM, "SET_MEM_TABLE: out of memory");
	rc = map_regions(d, mem, msg, e);
	if (rc) {
		free(mem);
		return rc;
	}
	/* No worker may run on the old mappings once they are unmapped. */
	stop_all(d);
	if (d->mem) {
		guest_mem_release(d->mem);
		free(d->mem);
	}
	d->mem = mem;
	return start_all(d, e);
}

static int set_vring_num(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	struct vhost_vring_state *s = &msg->m.payload.state;
	int idx = vring_index(d, s->index, "SET_VRING_NUM", e);

	if (idx < 0)
		return idx;
	if (s->num == 0 || s->num > VQ_MAX_SIZE)
		return error_set(e, -EINVAL, "SET_VRING_NUM: vring %d size %u, must be 1..%u", idx,
				 s->num, VQ_MAX_SIZE);
	if (d->vring[idx]->started)
		return error_set(e, -EINVAL, "SET_VRING_NUM: vring %d is running", idx);
	d->vring[idx]->num = s->num;
	return 0;
}

static int set_vring_addr(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	struct vhost_vring_addr *a = &msg->m.payload.addr;
	int idx = vring_index(d, a->index, "SET_VRING_ADDR", e);

	if (idx < 0)
		return idx;
	vring_stop(d, (unsigned)idx);
	d->vring[idx]->addr = *a;
	d->vring[idx]->addr_set = true;
	return vring_start(d, (unsigned)idx, e);
}

static int set_vring_base(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	struct vhost_vring_state *s = &msg->m.payload.state;
	int idx = vring_index(d, s->index, "SET_VRING_BASE", e);

	if (idx < 0)
		return idx;
	if (d->vring[idx]->started)
		return error_set(e, -EINVAL, "SET_VRING_BASE: vring %d is running", idx);
	d->vring[idx]->base = s->num;
	return 0;
}

static int get_vring_base(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	struct vhost_vring_state *s = &msg->m.payload.state;
	int idx = vring_index(d, s->index, "GET_VRING_BASE", e);
	struct vu_vring *vr;

	if (idx < 0)
		return idx;
	vr = d->vring[idx];
	vring_stop(d, (unsigned)idx);
	/* The ring is stopped until the next SET_VRING_KICK. */
	vr->kick_set = false;
	close_fd(&vr->kick_fd);
	s->num = vr->base;
	return reply(d, msg, sizeof(*s), e);
}

/* SET_VRING_KICK / CALL / ERR share the payload: index and "no fd". */
static int vring_fd_msg(struct vu_dev *d, struct vu_msg *msg, const char *req,
			struct error *e)
{
	uint64_t v = msg->m.payload.u64;
	int idx;

	if (v & ~(uint64_t)(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD))
		return error_set(e, -EINVAL, "%s: unknown bits in %#llx", req, (unsigned long long)v);
	idx = vring_index(d, (uint32_t)(v & VHOST_USER_VRING_IDX_MASK), req, e);
	return idx;
}

static int set_vring_kick(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	int idx = vring_fd_msg(d, msg, "SET_VRING_KICK", e);

	if (idx < 0)
		return idx;
	vring_stop(d, (unsigned)idx);
	close_fd(&d->vring[idx]->kick_fd);
	d->vring[idx]->kick_fd = vu_msg_take_fd(msg, 0);
	d->vring[idx]->kick_set = true;
	return vring_start(d, (unsigned)idx, e);
}

static int set_vring_call(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	int idx = vring_fd_msg(d, msg, "SET_VRING_CALL", e);
	bool running;

	if (idx < 0)
		return idx;
	/* A worker may be signalling the old fd: swap it only while stopped. */
	running = d->vring[idx]->started;
	vring_stop(d, (unsigned)idx);
	close_fd(&d->vring[idx]->call_fd);
	d->vring[idx]->call_fd = vu_msg_take_fd(msg, 0);
	return running ? vring_start(d, (unsigned)idx, e) : 0;
}

/* The device writes the error eventfd when it marks the ring broken. */
static int set_vring_err(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	int idx = vring_fd_msg(d, msg, "SET_VRING_ERR", e);
	bool running;

	if (idx < 0)
		return idx;
	/* as for the call fd: a worker may be signalling the old one */
	running = d->vring[idx]->started;
	vring_stop(d, (unsigned)idx);
	close_fd(&d->vring[idx]->err_fd);
	d->vring[idx]->err_fd = vu_msg_take_fd(msg, 0);
	return running ? vring_start(d, (unsigned)idx, e) : 0;
}

static int get_queue_num(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	return reply_u64(d, msg, d->cfg.queue_pairs, e);
}

static int set_vring_enable(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	struct vhost_vring_state *s = &msg->m.payload.state;
	int idx = vring_index(d, s->index, "SET_VRING_ENABLE", e);

	if (idx < 0)
		return idx;
	if (s->num > 1)
		return error_set(e, -EINVAL, "SET_VRING_ENABLE: vring %d: value %u is not 0 or 1",
				 idx, s->num);
	d->vring[idx]->enabled = s->num;
	if (!s->num) {
		vring_stop(d, (unsigned)idx);
		return 0;
	}
	return vring_start(d, (unsigned)idx, e);
}

static int send_rarp(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	uint8_t mac[6];

	(void)e;
	memcpy(mac, &msg->m.payload.u64, sizeof(mac));
	if (d->cfg.ops->send_rarp)
		d->cfg.ops->send_rarp(d->cfg.opaque, mac);
	return 0;
}

static int net_set_mtu(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	uint64_t mtu = msg->m.payload.u64;

	if (mtu < 68 || mtu > 65535)
		return error_set(e, -EINVAL, "NET_SET_MTU: %llu is not a valid MTU (68..65535)",
				 (unsigned long long)mtu);
	d->mtu = (unsigned)mtu;
	if (d->cfg.ops->set_mtu)
		d->cfg.ops->set_mtu(d->cfg.opaque, d->mtu);
	return 0;
}

static int set_backend_req_fd(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	(void)e;
	close_fd(&d->backend_req_fd);
	d->backend_req_fd = vu_msg_take_fd(msg, 0);
	return 0;
}

/*
 * SET_LOG_BASE (LOG_SHMFD): the log is mmap_size bytes at mmap_offset of
 * the fd.  All of it must lie inside the file (a mapping past its end
 * faults when a worker marks a page there), sealed against shrinking as
 * guest regions are.  The rings stop while the log is swapped: QEMU frees
 * the old log once we reply, so no worker may mark it after that.
 */
static int set_log_base(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	const struct vhost_user_log *l = &msg->m.payload.log;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t end, aligned, map_len;
	struct stat st;
	bool restart;
	void *map;
	int fd, rc, slot;

	if (!has_protocol(d, VHOST_USER_PROTOCOL_F_LOG_SHMFD))
		return error_set(e, -EINVAL, "SET_LOG_BASE: LOG_SHMFD was not negotiated");
	if (l->mmap_size == 0 || l->mmap_size > VU_LOG_MAX_BYTES)
		return error_set(e, -EINVAL, "SET_LOG_BASE: log size %llu, must be 1..%llu bytes",
				 (unsigned long long)l->mmap_size,
				 (unsigned long long)VU_LOG_MAX_BYTES);
	if (__builtin_add_overflow(l->mmap_offset, l->mmap_size, &end))
		return error_set(e, -EINVAL, "SET_LOG_BASE: offset %#llx + size %#llx wraps",
				 (unsigned long long)l->mmap_offset,
				 (unsigned long long)l->mmap_size);
	fd = msg->fds[0];
	if (fstat(fd, &st))
		return error_set(e, -errno, "SET_LOG_BASE: the log fd: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) || end > (uint64_t)st.st_size)
		return error_set(e, -EINVAL, "SET_LOG_BASE: log [%#llx, %#llx) is not inside its "
				 "file (%s of %lld bytes)", (unsigned long long)l->mmap_offset,
				 (unsigned long long)end, S_ISREG(st.st_mode) ? "a file" : "not a file",
				 (long long)st.st_size);
	if (!sealed_against_shrink(fd))
		d->unsealed_regions++;
	aligned = l->mmap_offset & ~(uint64_t)(page - 1);
	map_len = end - aligned;
	if (map_len > SIZE_MAX)
		return error_set(e, -EINVAL, "SET_LOG_BASE: log too large to map");
	map_len = (map_len + (uint64_t)page - 1) & ~(uint64_t)(page - 1);
	map = mmap(NULL, (size_t)map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)aligned);
	if (map == MAP_FAILED)
		return error_set(e, -errno, "SET_LOG_BASE: mapping the log: %s", strerror(errno));
	/* a log the front-end shrinks later breaks this port, not uvnetd */
	slot = guest_fault_add(map, (size_t)map_len, &d->log_fault);
	if (slot < 0) {
		munmap(map, (size_t)map_len);
		return error_set(e, slot, "SET_LOG_BASE: uvnetd maps %d guest memory files "
				 "already, its limit", GUEST_FAULT_MAX_MAPPINGS);
	}
	/* rings hold the log only while LOG_ALL is negotiated */
	restart = d->features & (1ull << VHOST_F_LOG_ALL);
	if (restart)
		stop_all(d);
	log_unmap(d);
	d->log_map = map;
	d->log_map_len = (size_t)map_len;
	d->log_fault = 0;
	d->log_fault_slot = slot;
	d->log = (struct dirty_log){ .bits = (uint8_t *)map + (l->mmap_offset - aligned),
				     .len = l->mmap_size };
	if (restart && (rc = start_all(d, e)))
		return rc;
	/* QEMU waits for a reply (of any size; DPDK sends none) */
	return reply(d, msg, 0, e);
}

/* SET_LOG_FD: an eventfd the front-end may wait on for log updates. */
static int set_log_fd(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	(void)e;
	close_fd(&d->log_call_fd);
	d->log_call_fd = vu_msg_take_fd(msg, 0);
	return 0;
}

/* virtio-net config space stays in QEMU: answer with an empty reply, which
 * the protocol defines as "not supported". */
static int get_config(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	return reply(d, msg, 0, e);
}

static int set_config(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	(void)d;
	(void)msg;
	return error_set(e, -EINVAL, "SET_CONFIG: the device has no writable config space");
}

static int set_status(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	uint64_t s = msg->m.payload.u64;

	if (s > 0xff)
		return error_set(e, -EINVAL, "SET_STATUS: %#llx does not fit the 8-bit status",
				 (unsigned long long)s);
	d->status = (uint8_t)s;
	if (s == 0) /* device reset by the driver */
		stop_all(d);
	return 0;
}

static int get_status(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	return reply_u64(d, msg, d->status, e);
}

static const handler_fn handlers[VHOST_USER_REQUEST_MAX] = {
	[VHOST_USER_GET_FEATURES] = get_features,
	[VHOST_USER_SET_FEATURES] = set_features,
	[VHOST_USER_SET_OWNER] = set_owner,
	[VHOST_USER_RESET_OWNER] = reset_owner,
	[VHOST_USER_RESET_DEVICE] = reset_owner,
	[VHOST_USER_SET_MEM_TABLE] = set_mem_table,
	[VHOST_USER_SET_LOG_BASE] = set_log_base,
	[VHOST_USER_SET_LOG_FD] = set_log_fd,
	[VHOST_USER_SET_VRING_NUM] = set_vring_num,
	[VHOST_USER_SET_VRING_ADDR] = set_vring_addr,
	[VHOST_USER_SET_VRING_BASE] = set_vring_base,
	[VHOST_USER_GET_VRING_BASE] = get_vring_base,
	[VHOST_USER_SET_VRING_KICK] = set_vring_kick,
	[VHOST_USER_SET_VRING_CALL] = set_vring_call,
	[VHOST_USER_SET_VRING_ERR] = set_vring_err,
	[VHOST_USER_GET_PROTOCOL_FEATURES] = get_protocol_features,
	[VHOST_USER_SET_PROTOCOL_FEATURES] = set_protocol_features,
	[VHOST_USER_GET_QUEUE_NUM] = get_queue_num,
	[VHOST_USER_SET_VRING_ENABLE] = set_vring_enable,
	[VHOST_USER_SEND_RARP] = send_rarp,
	[VHOST_USER_NET_SET_MTU] = net_set_mtu,
	[VHOST_USER_SET_BACKEND_REQ_FD] = set_backend_req_fd,
	[VHOST_USER_GET_CONFIG] = get_config,
	[VHOST_USER_SET_CONFIG] = set_config,
	[VHOST_USER_SET_STATUS] = set_status,
	[VHOST_USER_GET_STATUS] = get_status,
};

/* Requests that answer with their own payload rather than a REPLY_ACK. */
static bool has_own_reply(uint32_t req)
{
	return req == VHOST_USER_GET_FEATURES || req == VHOST_USER_GET_PROTOCOL_FEATURES ||
	       req == VHOST_USER_GET_VRING_BASE || req == VHOST_USER_GET_QUEUE_NUM ||
	       req == VHOST_USER_GET_CONFIG || req == VHOST_USER_GET_STATUS ||
	       req == VHOST_USER_SET_LOG_BASE;
}

int vu_dev_dispatch(struct vu_dev *d, struct vu_msg *msg, struct error *e)
{
	uint32_t req = msg->m.hdr.request;
	bool ack = (msg->m.hdr.flags & VHOST_USER_NEED_REPLY) &&
		   has_protocol(d, VHOST_USER_PROTOCOL_F_REPLY_ACK) && !has_own_reply(req);
	int rc = vu_msg_validate(msg, e);

	if (!rc && (req >= VHOST_USER_REQUEST_MAX || !handlers[req]))
		rc = error_set(e, -EINVAL, "request %u (%s) is not supported", req,
			       vhost_user_request_name(req));
	if (!rc)
		rc = handlers[req](d, msg, e);
	vu_msg_close_fds(msg); /* whatever a handler did not take */
	if (ack) {
		/* The front-end waits for a status either way; a failure is
		 * still reported to the caller, who drops the connection. */
		int s = reply_u64(d, msg, rc ? 1 : 0, rc ? NULL : e);

		if (!rc && s)
			rc = s;
	}
	return rc;
}

int vu_dev_handle(struct vu_dev *d, struct error *e)
{
	int rc = vu_msg_read(d->sock, &d->reader, e);
	struct vu_msg msg;

	if (rc == -ECONNRESET)
		error_set(e, rc, "front-end closed the connection");
	if (rc <= 0)
		return rc;
	/* a handler may reset the connection, reader included */
	msg = d->reader.msg;
	d->reader.msg.nfds = 0;
	return vu_dev_dispatch(d, &msg, e);
}

uint64_t vu_dev_waiting_ms(const struct vu_dev *d)
{
	return d->sock >= 0 ? vu_msg_reader_waiting_ms(&d->reader) : 0;
}
