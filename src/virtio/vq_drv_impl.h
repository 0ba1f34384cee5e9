/* SPDX-License-Identifier: MIT */
/*
 * Internal to the driver side: what vq_drv.c (layout-independent) and
 * split_drv.c / packed_drv.c share.
 */
#ifndef UVNET_VIRTIO_VQ_DRV_IMPL_H
#define UVNET_VIRTIO_VQ_DRV_IMPL_H

#include <errno.h>

#include "virtio/vq_drv.h"

int vq_drv_fail(struct vq_drv *vq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), cold));

/* Should this buffer of `parts` pieces go through an indirect table? */
static inline bool vq_drv_use_indirect(const struct vq_drv *vq, unsigned parts)
{
	return vq->feat.indirect && vq->ind.host && parts > 1 && parts <= vq->ind.max;
}

/* Fill buffer id's indirect table; returns its (address, length). */
struct vq_buf vq_drv_fill_indirect(struct vq_drv *vq, uint16_t id,
				   const struct vq_buf *out, unsigned nout,
				   const struct vq_buf *in, unsigned nin);

/* Record an added buffer's id for IN_ORDER completion. */
void vq_drv_note_added(struct vq_drv *vq, uint16_t id);

/*
 * Per layout: peek at the next used entry without consuming it (1 found,
 * 0 none, -EIO on a device that ran ahead), and reclaim buffer id: free
 * its descriptors and step the used position past it.
 */
int split_drv_add(struct vq_drv *vq, const struct vq_buf *out, unsigned nout,
		  const struct vq_buf *in, unsigned nin, void *token);
void split_drv_publish(struct vq_drv *vq);
bool split_drv_needs_kick(struct vq_drv *vq);
int split_drv_peek_used(struct vq_drv *vq, uint16_t *id, uint32_t *len);
void split_drv_reclaim(struct vq_drv *vq, uint16_t id);
void split_drv_set_call(struct vq_drv *vq, bool enable);
bool split_drv_has_used(struct vq_drv *vq);

int packed_drv_add(struct vq_drv *vq, const struct vq_buf *out, unsigned nout,
		   const struct vq_buf *in, unsigned nin, void *token);
void packed_drv_publish(struct vq_drv *vq);
bool packed_drv_needs_kick(struct vq_drv *vq);
int packed_drv_peek_used(struct vq_drv *vq, uint16_t *id, uint32_t *len);
void packed_drv_reclaim(struct vq_drv *vq, uint16_t id);
void packed_drv_set_call(struct vq_drv *vq, bool enable);
bool packed_drv_has_used(struct vq_drv *vq);

#endif
