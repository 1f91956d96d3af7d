/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tap network backend: a Linux tap interface (/dev/net/tun with
 * IFF_TAP | IFF_NO_PI), one Ethernet frame per read or write. It is opened
 * without IFF_VNET_HDR because the virtio-net device offers no offloads:
 * frames cross as plain Ethernet, fully checksummed.
 *
 * The interface is attached if it exists (a persistent tap the user owns
 * needs no privilege) or created with the given name (needs
 * CAP_NET_ADMIN; it then goes away when svmm closes it). svmm does not
 * configure it: bringing it up, addressing or bridging it is the host
 * administrator's job, as with any tap.
 */
#ifndef SVMM_HOST_LINUX_NET_TAP_H
#define SVMM_HOST_LINUX_NET_TAP_H

#include <net/if.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct net_tap {
	int fd; /* non-blocking; watch it for input in the event loop */
	char name[IFNAMSIZ];
};

/*
 * Opens or creates tap interface `name`. On failure returns -errno and
 * writes one line into `why`, e.g.
 *   tap "tap0": Operation not permitted (needs CAP_NET_ADMIN or an existing tap owned by you)
 */
int net_tap_open(struct net_tap *tap, const char *name, char *why, size_t why_len);

/*
 * Sends one frame gathered from iov[0..count). 0, or -errno: -EAGAIN when
 * the interface cannot take it now, -EIO when it is down (the kernel
 * refuses frames then); either way the frame is lost, as on a wire.
 */
int net_tap_send(struct net_tap *tap, const struct iovec *iov, unsigned count);

/*
 * Reads one frame into buf: its length, or -EAGAIN when none is waiting,
 * or another -errno. A frame longer than `len` is cut short by the kernel;
 * give at least the interface MTU plus 14 bytes (VIRTIO_NET_MAX_FRAME
 * covers any MTU up to 64 KiB).
 */
ssize_t net_tap_read(struct net_tap *tap, void *buf, size_t len);

void net_tap_close(struct net_tap *tap);

#endif
