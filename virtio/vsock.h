/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-vsock, the socket device (virtio 1.2, section 5.10): stream
 * connections between the guest (CID guest_cid) and the host (CID 2).
 *
 * The device model owns the protocol: packet validation, the connection
 * table (fixed size, no allocation), the per-connection state machine and
 * credit-based flow control in both directions. What a connection is on the
 * host (a unix socket on Linux, a shared-memory queue on seL4) is behind
 * struct vsock_host_ops; the device never sees a file descriptor.
 *
 * Flow control, guest to host: the device advertises VSOCK_HOST_BUF_ALLOC
 * bytes of host buffer per connection. The host must accept every byte the
 * device hands it (it never gets more than that much unconsumed), and
 * reports bytes it has passed on with virtio_vsock_host_consumed(); the
 * device turns those into fwd_cnt and CREDIT_UPDATEs. A guest that sends
 * beyond its credit has its connection reset.
 *
 * Host to guest: the device pulls bytes from the host (ops->recv) straight
 * into the guest's rx buffers, never more than the guest's advertised free
 * space (buf_alloc - (tx_cnt - fwd_cnt)); the host only says when it has
 * something (virtio_vsock_host_readable()). Pulling rather than pushing
 * means no host-side staging copy and no host data stuck in the device.
 *
 * Locking and re-entry: every entry point runs under the VM's device lock
 * (vm_lock_devices()); host ops are called from inside entry points, with
 * that lock held, and must not call back into the device. Anything the host
 * has to say about a connection from inside an op travels in the op's
 * return value.
 */
#ifndef SVMM_VIRTIO_VSOCK_H
#define SVMM_VIRTIO_VSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "core/vm.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"

#define VSOCK_QUEUE_RX	  0 /* device to driver */
#define VSOCK_QUEUE_TX	  1 /* driver to device */
#define VSOCK_QUEUE_EVENT 2
#define VSOCK_NUM_QUEUES  3

/* Well-known CIDs: 2 is the host; guests start at 3. */
#define VSOCK_CID_HOST	    2u
#define VSOCK_GUEST_CID_MIN 3u

/* struct virtio_vsock_hdr on the wire: 44 bytes, little-endian, packed. */
#define VSOCK_HDR_SIZE 44u

#define VSOCK_TYPE_STREAM 1u

#define VSOCK_OP_INVALID	0u
#define VSOCK_OP_REQUEST	1u
#define VSOCK_OP_RESPONSE	2u
#define VSOCK_OP_RST		3u
#define VSOCK_OP_SHUTDOWN	4u
#define VSOCK_OP_RW		5u
#define VSOCK_OP_CREDIT_UPDATE	6u
#define VSOCK_OP_CREDIT_REQUEST 7u

/* SHUTDOWN flags: the sender will receive (RCV) or send (SEND) no more. */
#define VSOCK_SHUTDOWN_RCV  1u
#define VSOCK_SHUTDOWN_SEND 2u

/* The one event the device sends on the event queue (struct virtio_vsock_event). */
#define VSOCK_EVENT_TRANSPORT_RESET 0u

/*
 * Connections open at once (in any state). A guest request beyond this is
 * answered with RST; virtio_vsock_host_connect() fails with -SVMM_ENOSPC.
 */
#define VSOCK_MAX_CONNS 64u
/*
 * Largest payload of one packet, both ways. Linux sends at most 64 KiB per
 * packet (VIRTIO_VSOCK_MAX_PKT_BUF_SIZE); a bigger len is hostile.
 */
#define VSOCK_MAX_PAYLOAD 65536u
/*
 * Host buffer per connection advertised to the guest (buf_alloc): the most
 * guest bytes the host may hold unconsumed for one connection. It bounds
 * the host's memory at VSOCK_MAX_CONNS times this; 64 KiB is one maximal
 * packet, and the host drains into a socket whose own buffer is bigger.
 */
#define VSOCK_HOST_BUF_ALLOC 65536u
/* RSTs for packets that match no connection, waiting for an rx buffer. */
#define VSOCK_ORPHAN_RSTS 16u
/*
 * Host-initiated connections take local ports from here upwards (wrapping
 * inside [base, 2^31)), skipping ports in use; guests' service ports are
 * usually small, so the two rarely meet.
 */
#define VSOCK_EPHEMERAL_PORT_BASE 0x40000000u

/* A packet header, decoded. */
struct vsock_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len;
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
};

/* Wire format helpers (also used by tests and fuzzers to build packets). */
void vsock_hdr_encode(const struct vsock_hdr *hdr, uint8_t out[VSOCK_HDR_SIZE]);
void vsock_hdr_decode(const uint8_t in[VSOCK_HDR_SIZE], struct vsock_hdr *hdr);

/* What ops->recv returns besides a byte count. */
#define VSOCK_RECV_EOF	 (-1) /* the host end will send no more: SHUTDOWN(SEND) to the guest */
#define VSOCK_RECV_ERROR (-2) /* the host end failed: RST to the guest */

/*
 * The host side. `conn` is a connection id, 0 .. VSOCK_MAX_CONNS - 1. An id
 * belongs to the host from a successful ops->connect() or
 * virtio_vsock_host_connect() until the device calls ops->close() on it or
 * the host calls virtio_vsock_host_closed(); exactly one of the two ends it,
 * and the device then never mentions that id again until it reuses it.
 */
struct vsock_host_ops {
	/*
	 * The guest asks to connect to host port `port`. 1: connected now; 0:
	 * pending (answer with virtio_vsock_host_connected()); negative:
	 * refused (the guest gets RST, and the id never was the host's).
	 */
	int (*connect)(void *ctx, unsigned conn, uint32_t port);
	/* A host-initiated connection was accepted by the guest (optional). */
	void (*established)(void *ctx, unsigned conn);
	/*
	 * Guest bytes for the host end. The host must take all `len` bytes
	 * (buffering what it cannot pass on at once; the device never makes
	 * it hold more than VSOCK_HOST_BUF_ALLOC). Returns how many it has
	 * already passed on (consumed), 0 .. len; later consumption is
	 * reported with virtio_vsock_host_consumed(). Negative: the host end
	 * failed; the device resets the connection and calls ops->close().
	 */
	int (*send)(void *ctx, unsigned conn, const void *data, size_t len);
	/*
	 * Fills up to `len` bytes of `buf` (which is guest memory) with data
	 * for the guest: the byte count; 0 when nothing is there now (the host
	 * then calls virtio_vsock_host_readable() when there is); or
	 * VSOCK_RECV_EOF / VSOCK_RECV_ERROR.
	 */
	int (*recv)(void *ctx, unsigned conn, void *buf, size_t len);
	/*
	 * The guest will send no more (SHUTDOWN with SEND): the host end may
	 * half-close once it has passed on what it holds (optional).
	 */
	void (*shutdown_write)(void *ctx, unsigned conn);
	/*
	 * The connection is over (guest RST or full shutdown, a protocol
	 * error, a device reset). The host may still pass on the bytes it
	 * holds, but must no longer use the id.
	 */
	void (*close)(void *ctx, unsigned conn);
};

enum vsock_conn_state {
	VSOCK_CONN_FREE = 0,
	VSOCK_CONN_HOST_CONNECTING,  /* guest asked; waiting for the host's answer */
	VSOCK_CONN_GUEST_CONNECTING, /* host asked; REQUEST to the guest pending or sent */
	VSOCK_CONN_ESTABLISHED,
	VSOCK_CONN_RESETTING, /* the host is done with it; RST to the guest pending */
};

struct vsock_conn {
	uint8_t state;		 /* enum vsock_conn_state */
	uint8_t pending;	 /* control packets to send: VSOCK_PENDING_* (vsock.c) */
	uint8_t shutdown_flags;	 /* for a pending SHUTDOWN */
	bool request_sent;	 /* GUEST_CONNECTING: the REQUEST went out */
	bool host_readable;	 /* the host has data for the guest */
	bool host_eof;		 /* the host sends no more (SHUTDOWN SEND queued or sent) */
	bool guest_shut_rcv;	 /* the guest receives no more */
	bool guest_shut_send;	 /* the guest sends no more */
	bool credit_requested;	 /* a CREDIT_REQUEST went out; the guest's answer is awaited */
	uint32_t local_port;	 /* host side */
	uint32_t peer_port;	 /* guest side */
	uint32_t peer_buf_alloc; /* guest's receive buffer, from its last header */
	uint32_t peer_fwd_cnt;	 /* bytes the guest has consumed, from its last header */
	uint32_t tx_cnt;	 /* bytes sent to the guest */
	uint32_t rx_cnt;	 /* bytes received from the guest */
	uint32_t fwd_cnt;	 /* of rx_cnt, bytes the host has consumed */
	uint32_t adv_fwd_cnt;	 /* fwd_cnt as the guest last heard it */
};

/*
 * An RST for a packet that matches no connection, sent back from the
 * address the guest used (CID, port and socket type), so its socket
 * recognises the answer.
 */
struct vsock_orphan_rst {
	uint64_t cid;
	uint32_t local_port;
	uint32_t peer_port;
	uint16_t type;
};

struct virtio_vsock {
	struct virtio_device virtio; /* first: the transport drives this */
	uint64_t guest_cid;
	const struct vsock_host_ops *host;
	void *host_ctx;
	struct vsock_conn conns[VSOCK_MAX_CONNS];
	struct vsock_orphan_rst orphans[VSOCK_ORPHAN_RSTS];
	unsigned orphan_head, orphan_count;
	unsigned rr_next;	     /* round-robin start for the next rx packet */
	uint32_t next_ephemeral;     /* next local port to try for a host connect */
	bool rx_held;		     /* rx_chain was taken from the queue but not used yet */
	struct log_ratelimit log;    /* hostile or broken guest packets */
	struct virtq_chain tx_chain; /* scratch: too big for a small stack */
	struct virtq_chain rx_chain;
};

/*
 * Sets up the device for guest CID `guest_cid` (>= 3, < 2^32 - 1): 0, or
 * -SVMM_EINVAL for a reserved CID. Attach a transport afterwards
 * (virtio_mmio_init(&mmio, &vs->virtio, ...)) and a host with
 * virtio_vsock_set_host(); without a host every guest connect is refused.
 */
int virtio_vsock_init(struct virtio_vsock *vs, struct vm *vm, const char *name, uint64_t guest_cid);

/* Binds the host side (ops must outlive the device). */
void virtio_vsock_set_host(struct virtio_vsock *vs, const struct vsock_host_ops *ops, void *ctx);

/*
 * Opens a stream from the host to guest port `guest_port`: a REQUEST goes
 * to the guest (once its driver is up) from an ephemeral host port. On
 * success, *conn and *local_port are set and the host later hears
 * ops->established() or ops->close(). -SVMM_ENOSPC when the table is full.
 */
int virtio_vsock_host_connect(struct virtio_vsock *vs, uint32_t guest_port, unsigned *conn,
			      uint32_t *local_port);

/* The host's answer to an ops->connect() that returned 0. */
void virtio_vsock_host_connected(struct virtio_vsock *vs, unsigned conn, bool ok);

/* The host end of `conn` has data for the guest: the device pulls it with ops->recv. */
void virtio_vsock_host_readable(struct virtio_vsock *vs, unsigned conn);

/* The host passed on `n` more of the guest's bytes: they become guest credit. */
void virtio_vsock_host_consumed(struct virtio_vsock *vs, unsigned conn, size_t n);

/* The host end failed or went away: RST to the guest; the id is no longer the host's. */
void virtio_vsock_host_closed(struct virtio_vsock *vs, unsigned conn);

/* Sends what is pending to the guest, as far as rx buffers and credit allow. */
void virtio_vsock_kick_rx(struct virtio_vsock *vs);

/*
 * Drops every connection (ops->close for the host's) and posts
 * TRANSPORT_RESET on the event queue if the driver left a buffer there:
 * the guest must forget its connections too (e.g. after a snapshot restore).
 */
void virtio_vsock_transport_reset(struct virtio_vsock *vs);

#endif
