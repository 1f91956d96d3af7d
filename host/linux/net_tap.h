/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tap network backend: a Linux tap interface (/dev/net/tun with
 * IFF_TAP | IFF_NO_PI), one Ethernet frame per read or write.
 *
 * With headers (net_tap_open's `vnet_hdr`), the tap is opened with
 * IFF_VNET_HDR and TUNSETVNETHDRSZ 12: every frame read or written carries
 * the 12-byte virtio_net_hdr_v1 in front (the kernel leaves num_buffers,
 * the last two bytes, unwritten on reads and ignores them on writes), so
 * checksum and segmentation offloads can cross as the header says. Which
 * offloads the kernel takes is probed once with TUNSETOFFLOAD (each bit
 * it does not know makes it refuse the whole set); the tap then starts
 * with none, and net_tap_set_offload() turns on what the guest's driver
 * accepted. A kernel without vnet headers leaves the tap plain (no header,
 * no offloads) and net_tap_open() says so in its `why` line.
 *
 * The interface is attached if it exists (a persistent tap the user owns
 * needs no privilege) or created with the given name (needs
 * CAP_NET_ADMIN; it then goes away when svmm closes it). svmm does not
 * configure it: bringing it up, addressing or bridging it is the host
 * administrator's job, as with any tap.
 */
#ifndef SVMM_HOST_LINUX_NET_TAP_H
#define SVMM_HOST_LINUX_NET_TAP_H

#include <linux/if_tun.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "virtio/net_hdr.h"

/* UDP segmentation offload, both families (kernel ABI since Linux 6.2; older headers lack it). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

/* The header size with headers on: the device's virtio_net_hdr_v1, num_buffers included. */
#define NET_TAP_VNET_HDR_LEN VIRTIO_NET_HDR_LEN

struct net_tap {
	int fd; /* non-blocking; watch it for input in the event loop */
	char name[IFNAMSIZ];
	bool vnet_hdr; /* frames carry NET_TAP_VNET_HDR_LEN header bytes in front, both ways */
	/* The TUN_F_* sets the kernel accepted when probed (0 without vnet_hdr). */
	unsigned offloads;
};

/*
 * Opens or creates tap interface `name`, with vnet headers if `vnet_hdr`
 * and the kernel has them. On failure returns -errno and writes one line
 * into `why`, e.g.
 *   tap "tap0": Operation not permitted (needs CAP_NET_ADMIN or an existing tap owned by you)
 * On success returns 0 and leaves `why` empty, or, when headers were asked
 * for but the tap carries none or no offloads, writes there the one line
 * saying why (the tap works, without offloads).
 */
int net_tap_open(struct net_tap *tap, const char *name, bool vnet_hdr, char *why, size_t why_len);

/*
 * Lets the kernel hand us frames needing the offloads in `tun_flags` (a
 * subset of tap->offloads; 0 for none): TUNSETOFFLOAD. 0 or -errno.
 */
int net_tap_set_offload(struct net_tap *tap, unsigned tun_flags);

/*
 * Sends one frame gathered from iov[0..count), its header first when
 * tap->vnet_hdr. 0, or -errno: -EAGAIN when the interface cannot take it
 * now, -EIO when it is down (the kernel refuses frames then), -EINVAL for
 * a header the kernel refuses; either way the frame is lost, as on a wire.
 */
int net_tap_send(struct net_tap *tap, const struct iovec *iov, unsigned count);

/*
 * Reads one frame into buf (its header first when tap->vnet_hdr): its
 * length, or -EAGAIN when none is waiting, or another -errno. A frame
 * longer than `len` is cut short by the kernel; give at least the header,
 * the interface MTU and 14 bytes (the header and VIRTIO_NET_MAX_FRAME
 * cover any frame up to 64 KiB, segmentation offloads' too).
 */
ssize_t net_tap_read(struct net_tap *tap, void *buf, size_t len);

void net_tap_close(struct net_tap *tap);

#endif
