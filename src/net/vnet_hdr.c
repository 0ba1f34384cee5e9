/* SPDX-License-Identifier: MIT */
/*
 * virtio_net_hdr validation and checksum completion.
 */
#include "net/vnet_hdr.h"

#include <errno.h>

#include "net/csum.h"

#define KNOWN_FLAGS (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)

static int gso_type_validate(const struct virtio_net_hdr *h)
{
	uint8_t type = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	bool ecn = h->gso_type & VIRTIO_NET_HDR_GSO_ECN;

	switch (type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return ecn ? -EINVAL : 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		break;
	case VIRTIO_NET_HDR_GSO_UDP:
		if (ecn)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || h->gso_size == 0)
		return -EINVAL;
	return 0;
}

int vnet_hdr_validate_full(const struct virtio_net_hdr *h, size_t frame_len)
{
	if (h->flags & ~KNOWN_FLAGS)
		return -EINVAL;
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (size_t)h->csum_start + h->csum_offset + 2 > frame_len)
		return -EINVAL;
	if (h->hdr_len > frame_len)
		return -EINVAL;
	return gso_type_validate(h);
}

int vnet_hdr_complete_csum(const struct iovec *iov, unsigned n,
			  size_t frame_len, const struct virtio_net_hdr *h)
{
	size_t start = h->csum_start;
	uint16_t csum;

	if (vnet_hdr_validate(h, frame_len) < 0 || frame_len > iov_length(iov, n))
		return -EINVAL;
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	csum = csum_fold(csum_iov(iov, n, start, frame_len - start, 0));
	if (csum == 0)
		csum = 0xffff;
	iov_from_buf(iov, n, start + h->csum_offset, &csum, sizeof(csum));
	return 0;
}
