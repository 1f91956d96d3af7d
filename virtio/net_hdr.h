/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-net header (virtio 1.2, 5.1.6) as the offloads use it: which
 * checksum and segmentation requests a driver may make or be handed, given
 * the features it accepted, and whether a header's numbers fit its frame.
 *
 * Both directions are checked, and only a fresh copy of a checked header
 * is ever passed on: on transmit the guest could rewrite its header in
 * memory between the check and a backend's read, so the backend gets the
 * copy; on receive the header comes from the host (the tap's kernel) and
 * is checked against what the driver accepted, because frames read before
 * a reset still carry what the previous driver had turned on.
 *
 * Offloads (each needs its checksum feature; the core refuses a driver
 * accepting a bit not offered):
 *   transmit: CSUM (partial checksums), HOST_TSO4/6, HOST_USO;
 *   receive:  GUEST_CSUM, GUEST_TSO4/6, GUEST_USO4 + GUEST_USO6 (both, as
 *             the tap turns UDP segmentation on for both families at once).
 * Not offered: ECN and UFO, either way.
 */
#ifndef SVMM_VIRTIO_NET_HDR_H
#define SVMM_VIRTIO_NET_HDR_H

#include <stdint.h>

/* Offload feature bits (virtio 1.2, 5.1.3). */
#define VIRTIO_NET_F_CSUM	0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_HOST_TSO4	11
#define VIRTIO_NET_F_HOST_TSO6	12
#define VIRTIO_NET_F_GUEST_USO4 54
#define VIRTIO_NET_F_GUEST_USO6 55
#define VIRTIO_NET_F_HOST_USO	56

/* Every offload bit the device can offer. */
#define VIRTIO_NET_OFFLOAD_FEATURES                                                                \
	(1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM |                             \
	 1ull << VIRTIO_NET_F_GUEST_TSO4 | 1ull << VIRTIO_NET_F_GUEST_TSO6 |                       \
	 1ull << VIRTIO_NET_F_HOST_TSO4 | 1ull << VIRTIO_NET_F_HOST_TSO6 |                         \
	 1ull << VIRTIO_NET_F_GUEST_USO4 | 1ull << VIRTIO_NET_F_GUEST_USO6 |                       \
	 1ull << VIRTIO_NET_F_HOST_USO)
/* The receive-side ones: what the host may hand the driver. */
#define VIRTIO_NET_GUEST_OFFLOADS                                                                  \
	(1ull << VIRTIO_NET_F_GUEST_CSUM | 1ull << VIRTIO_NET_F_GUEST_TSO4 |                       \
	 1ull << VIRTIO_NET_F_GUEST_TSO6 | 1ull << VIRTIO_NET_F_GUEST_USO4 |                       \
	 1ull << VIRTIO_NET_F_GUEST_USO6)

/* Header flags and gso_type values (5.1.6). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE	    0
#define VIRTIO_NET_HDR_GSO_TCPV4    1
#define VIRTIO_NET_HDR_GSO_UDP	    3
#define VIRTIO_NET_HDR_GSO_TCPV6    4
#define VIRTIO_NET_HDR_GSO_UDP_L4   5
#define VIRTIO_NET_HDR_GSO_ECN	    0x80

/* struct virtio_net_hdr_v1: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset,
 * num_buffers (all le16 after the two bytes). */
#define VIRTIO_NET_HDR_LEN 12
/* Offset of num_buffers inside the header. */
#define VIRTIO_NET_HDR_NUM_BUFFERS 10

/*
 * The receive offloads a driver that accepted `features` takes, as a
 * backend should turn them on: GUEST_CSUM and what builds on it (nothing
 * without it; UDP segmentation only when both families were accepted).
 */
uint64_t virtio_net_guest_offloads(uint64_t features);

/*
 * Checks the header `in` of a `frame_len`-byte frame a driver with
 * `features` sent. NULL, with `out` the header to pass on (flags other
 * than NEEDS_CSUM, and the fields their request does not use, zeroed;
 * num_buffers 0); or why it is refused (a phrase after "transmit request").
 */
const char *virtio_net_hdr_check_tx(const uint8_t in[VIRTIO_NET_HDR_LEN], uint64_t frame_len,
				    uint64_t features, uint8_t out[VIRTIO_NET_HDR_LEN]);

/*
 * Checks the header `in` a backend gave with a `frame_len`-byte frame for
 * a driver with `features`. NULL, with `out` the header for the driver
 * (DATA_VALID only with GUEST_CSUM, unused fields zeroed, num_buffers 1);
 * or why the frame must be dropped (a phrase after "received frame").
 */
const char *virtio_net_hdr_check_rx(const uint8_t in[VIRTIO_NET_HDR_LEN], uint64_t frame_len,
				    uint64_t features, uint8_t out[VIRTIO_NET_HDR_LEN]);

#endif
