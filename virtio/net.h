/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net (virtio 1.2, section 5.1), device ID 1: one receive queue
 * (0) and one transmit queue (1); no control queue, no multiqueue.
 *
 * Design note
 * -----------
 * Features offered: VERSION_1 (from the core), MAC, MRG_RXBUF and STATUS,
 * and the offloads (virtio/net_hdr.h) the backend says it carries: an
 * offload is only right when every hop honours it. The tap backend with
 * IFF_VNET_HDR carries the header both ways (backend.with_header) and
 * names the offloads its kernel takes; passt's stream carries bare frames,
 * so there the header is dropped on transmit, all zero on receive, and no
 * offload is offered: every frame leaves fully checksummed and at most one
 * MTU long. The receive offloads the driver accepted go to the backend's
 * set_offloads hook at DRIVER_OK (none at reset), so the host starts
 * handing over partial checksums and 64 KiB segments only then.
 *
 * The header is always the 12-byte virtio_net_hdr_v1 (VERSION_1 makes
 * num_buffers part of it even without MRG_RXBUF).
 *
 * Transmit: the device takes each chain, reads and checks the 12-byte
 * header (which may be split over segments) and hands the rest to the
 * backend as an iovec pointing straight into guest memory: no copy of the
 * frame. A header-carrying backend gets, in front, the device's own copy
 * of the checked header, never the guest's bytes (which the guest could
 * change after the check). The backend may
 * refuse (full); the frame is then dropped and counted, as a NIC does, and
 * the chain is completed. A bad chain (shorter than the header, with
 * device-writable segments, with a header asking for an offload not
 * negotiated or whose numbers do not fit the frame, or longer than
 * VIRTIO_NET_MAX_FRAME) is dropped, counted (tx_errors) and logged
 * (rate-limited);
 * only a broken ring (virtq_next_chain's errors) fails the device.
 * Work per notify is bounded by VIRTIO_NET_TX_BUDGET chains; when it runs
 * out with chains left, the optional tx_pending hook asks the host to
 * call virtio_net_tx_poll() again soon.
 *
 * Receive: the host hands one frame to virtio_net_receive() (or, with its
 * header, to virtio_net_receive_hdr(), which drops a frame whose header
 * the driver did not negotiate: rx_dropped). The device
 * writes the header and the frame into the guest's buffers: one chain
 * without MRG_RXBUF, as many as needed with it (num_buffers says how
 * many), then returns them to the driver, the header's chain first, with
 * one interrupt. If the guest has not posted room the device takes nothing
 * from the ring (chains it looked at are put back) and returns
 * -SVMM_ENOSPC; the host keeps that frame (net_passt_receive() holds it
 * until consumed; a tap reader keeps the one frame it read) and stops
 * reading its backend until the device calls the backend's rx_space hook,
 * which it does when the guest next notifies the receive queue. An RX chain with
 * device-readable segments, or a mergeable buffer smaller than the header,
 * breaks a driver MUST: the device fails (NEEDS_RESET).
 *
 * A frame spread over several buffers reaches the driver in one used->idx
 * store (virtq_push_used_batch), so a driver already polling the ring
 * (Linux NAPI on another vCPU) never sees num_buffers = N with fewer than
 * N buffers used.
 *
 * Locking: every entry point runs under the VM's device lock (the vCPU
 * threads hold it for MMIO; a host thread calling virtio_net_receive()
 * takes it first). Hooks are called with the lock held: they must only
 * record that work is due, never call back into the device.
 */
#ifndef SVMM_VIRTIO_NET_H
#define SVMM_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vm.h"
#include "virtio/device.h"
#include "virtio/net_hdr.h"
#include "virtio/virtqueue.h"

/* Feature bits (virtio 1.2, 5.1.3); the offload ones are in virtio/net_hdr.h. */
#define VIRTIO_NET_F_MAC       5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS    16

/* Config space status bits (5.1.4). */
#define VIRTIO_NET_S_LINK_UP 1

#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1

/*
 * The largest Ethernet frame (without the virtio header) the device moves
 * either way: a 64 KiB packet plus a 14-byte Ethernet header. Nothing
 * without TSO/GSO comes near it; the bound is there so a hostile chain or
 * a corrupt backend cannot make either side handle more.
 */
#define VIRTIO_NET_MAX_FRAME 65550u

/* Most TX chains one notify (or one virtio_net_tx_poll()) handles. */
#define VIRTIO_NET_TX_BUDGET 256u

/* One piece of a frame. */
struct net_iovec {
	const void *base;
	size_t len;
};

struct net_backend_ops {
	/*
	 * Sends one Ethernet frame, gathered from `count` pieces that stay
	 * valid only during the call; with_header: the first piece is the
	 * checked VIRTIO_NET_HDR_LEN-byte header. 0, or a negative error (any
	 * error drops the frame; -SVMM_EBUSY means the backend is full).
	 */
	int (*send)(void *ctx, const struct net_iovec *iov, unsigned count);
	/*
	 * Optional: virtio_net_receive() returned -SVMM_ENOSPC earlier and the
	 * guest has since notified the receive queue: resume reading.
	 */
	void (*rx_space)(void *ctx);
	/*
	 * Optional: transmit stopped at VIRTIO_NET_TX_BUDGET with chains left;
	 * call virtio_net_tx_poll() soon (not from inside this hook).
	 */
	void (*tx_pending)(void *ctx);
	/*
	 * Optional (with offloads): the driver takes these receive offloads
	 * (VIRTIO_NET_GUEST_OFFLOADS bits, see virtio_net_guest_offloads());
	 * 0 at reset. The host may hand such frames over from now on.
	 */
	void (*set_offloads)(void *ctx, uint64_t guest_offloads);
};

/*
 * A backend as the device sees it. (Named virtio_net_backend because
 * config/vm_config.h already has an enum net_backend, and C puts struct
 * and enum tags in one namespace.)
 */
struct virtio_net_backend {
	const struct net_backend_ops *ops;
	void *ctx;
	/* Frames cross with their virtio-net header: send gets it first, receive_hdr gives it. */
	bool with_header;
	/* VIRTIO_NET_OFFLOAD_FEATURES bits the backend carries (with_header only). */
	uint64_t offloads;
};

struct virtio_net_stats {
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_dropped; /* the backend refused them */
	uint64_t tx_errors;  /* malformed chains, dropped */
	uint64_t rx_frames, rx_bytes;
	/* larger than VIRTIO_NET_MAX_FRAME or than the guest's buffers, or a header not negotiated
	 */
	uint64_t rx_dropped;
};

struct virtio_net {
	struct virtio_device dev; /* first: the ops get a struct virtio_device * */
	struct virtio_net_backend backend;
	uint8_t mac[6];
	bool link_up;
	bool rx_waiting; /* receive said ENOSPC; call rx_space on the next RX notify */
	struct virtio_net_stats stats;
	struct log_ratelimit tx_log, rx_log;
	/* Scratch for one request at a time (all entry points hold the device lock). */
	struct virtq_chain chain;
	struct virtq_chain first;	    /* RX: the chain holding the header */
	uint8_t tx_hdr[VIRTIO_NET_HDR_LEN]; /* the checked copy a header-carrying backend gets */
	struct net_iovec iov[VIRTQ_MAX_CHAIN + 1];
	struct virtq_used_elem used[VIRTQ_MAX_SIZE];
};

/*
 * Sets up the device with `mac` (link up). `backend` is copied; its send
 * is required, and offloads need with_header. 0 or -SVMM_EINVAL. The transport is attached
 * separately (virtio_mmio_init(&mmio, &net->dev, ...)).
 */
int virtio_net_init(struct virtio_net *net, struct vm *vm, const char *name, const uint8_t mac[6],
		    const struct virtio_net_backend *backend);

/*
 * Delivers one frame (no virtio header) to the guest. 0 when delivered;
 * -SVMM_ENOSPC when the guest has no (or not enough) buffers posted or the
 * driver is not running: nothing was taken, stop reading until rx_space;
 * -SVMM_E2BIG when the frame is larger than VIRTIO_NET_MAX_FRAME, or than
 * any buffer the guest can ever post: dropped (counted), keep reading.
 */
int virtio_net_receive(struct virtio_net *net, const void *frame, size_t len);

/*
 * The same for a header-carrying backend: `hdr` is the frame's header as
 * the host gave it. Also -SVMM_EINVAL when the header asks for what the
 * driver did not negotiate or does not fit the frame: dropped (counted),
 * keep reading.
 */
int virtio_net_receive_hdr(struct virtio_net *net, const uint8_t hdr[VIRTIO_NET_HDR_LEN],
			   const void *frame, size_t len);

/* Whether the driver is running and has at least one receive buffer posted. */
bool virtio_net_rx_ready(struct virtio_net *net);

/*
 * Transmits what the guest has queued, up to VIRTIO_NET_TX_BUDGET chains.
 * Returns true when chains are left (call again).
 */
bool virtio_net_tx_poll(struct virtio_net *net);

/* Link state in the config space; a change interrupts the driver. */
void virtio_net_set_link(struct virtio_net *net, bool up);

#endif
