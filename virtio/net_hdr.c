/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-net header's offload requests: see virtio/net_hdr.h.
 */
#include "virtio/net_hdr.h"

#include <stdbool.h>
#include <stddef.h>

#include "core/endian.h"

/* A checksum starting inside the Ethernet header checksums nothing a protocol has. */
#define NET_HDR_ETH_HLEN 14

/* The header's fields, in host order. */
struct net_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

static void net_hdr_decode(const uint8_t in[VIRTIO_NET_HDR_LEN], struct net_hdr *h)
{
	h->flags = in[0];
	h->gso_type = in[1];
	h->hdr_len = (uint16_t)le_load(in + 2, 2);
	h->gso_size = (uint16_t)le_load(in + 4, 2);
	h->csum_start = (uint16_t)le_load(in + 6, 2);
	h->csum_offset = (uint16_t)le_load(in + 8, 2);
}

static void net_hdr_encode(const struct net_hdr *h, uint16_t num_buffers,
			   uint8_t out[VIRTIO_NET_HDR_LEN])
{
	out[0] = h->flags;
	out[1] = h->gso_type;
	le_store(out + 2, h->hdr_len, 2);
	le_store(out + 4, h->gso_size, 2);
	le_store(out + 6, h->csum_start, 2);
	le_store(out + 8, h->csum_offset, 2);
	le_store(out + VIRTIO_NET_HDR_NUM_BUFFERS, num_buffers, 2);
}

static bool net_hdr_has(uint64_t features, unsigned bit)
{
	return (features >> bit & 1) != 0;
}

uint64_t virtio_net_guest_offloads(uint64_t features)
{
	const uint64_t uso = 1ull << VIRTIO_NET_F_GUEST_USO4 | 1ull << VIRTIO_NET_F_GUEST_USO6;

	features &= VIRTIO_NET_GUEST_OFFLOADS;
	if (!net_hdr_has(features, VIRTIO_NET_F_GUEST_CSUM))
		return 0;
	if ((features & uso) != uso)
		features &= ~uso;
	return features;
}

/* Whether segmentation type `gso` was negotiated for this direction. */
static bool net_hdr_gso_negotiated(uint8_t gso, uint64_t features, bool tx)
{
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return net_hdr_has(features, tx ? VIRTIO_NET_F_HOST_TSO4 : VIRTIO_NET_F_GUEST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return net_hdr_has(features, tx ? VIRTIO_NET_F_HOST_TSO6 : VIRTIO_NET_F_GUEST_TSO6);
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		return tx ? net_hdr_has(features, VIRTIO_NET_F_HOST_USO)
			  : (virtio_net_guest_offloads(features) &
			     1ull << VIRTIO_NET_F_GUEST_USO4) != 0;
	default:
		/* UFO, ECN (on anything) and unknown types are never offered. */
		return false;
	}
}

/*
 * The request in `h` against its frame and the features, for either
 * direction. NULL when it may go on; `h` then has the fields the request
 * does not use zeroed.
 */
static const char *net_hdr_check(struct net_hdr *h, uint64_t frame_len, uint64_t features, bool tx)
{
	bool csum = (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;

	if (csum) {
		if (!net_hdr_has(features, tx ? VIRTIO_NET_F_CSUM : VIRTIO_NET_F_GUEST_CSUM))
			return "asks for a checksum offload not negotiated";
		/* 32-bit sums of 16-bit fields: nothing wraps. */
		if (h->csum_start < NET_HDR_ETH_HLEN ||
		    (uint64_t)h->csum_start + h->csum_offset + 2u > frame_len)
			return "has its checksum outside the frame";
	} else {
		h->csum_start = 0;
		h->csum_offset = 0;
	}
	if (h->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		h->hdr_len = 0;
		h->gso_size = 0;
		return NULL;
	}
	if (!net_hdr_gso_negotiated(h->gso_type, features, tx))
		return "asks for a segmentation offload not negotiated";
	/* Segments are checksummed by whoever cuts them, from the partial checksum. */
	if (!csum)
		return "asks for segmentation without a partial checksum";
	if (h->gso_size == 0)
		return "asks for segments of 0 bytes";
	if (h->hdr_len > frame_len)
		return "has a header length past the frame";
	return NULL;
}

const char *virtio_net_hdr_check_tx(const uint8_t in[VIRTIO_NET_HDR_LEN], uint64_t frame_len,
				    uint64_t features, uint8_t out[VIRTIO_NET_HDR_LEN])
{
	struct net_hdr h;
	const char *why;

	net_hdr_decode(in, &h);
	/* DATA_VALID and RSC_INFO are the device's to set; a driver's are ignored. */
	h.flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM;
	why = net_hdr_check(&h, frame_len, features, true);
	if (why == NULL)
		net_hdr_encode(&h, 0, out);
	return why;
}

const char *virtio_net_hdr_check_rx(const uint8_t in[VIRTIO_NET_HDR_LEN], uint64_t frame_len,
				    uint64_t features, uint8_t out[VIRTIO_NET_HDR_LEN])
{
	struct net_hdr h;
	const char *why;

	net_hdr_decode(in, &h);
	/* Checksum already verified: only for a driver that takes checksum hints. */
	h.flags &= net_hdr_has(features, VIRTIO_NET_F_GUEST_CSUM)
		       ? VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID
		       : VIRTIO_NET_HDR_F_NEEDS_CSUM;
	why = net_hdr_check(&h, frame_len, features, false);
	if (why == NULL)
		net_hdr_encode(&h, 1, out);
	return why;
}
