/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-vsock device model: packet validation, the connection table and
 * state machine, and credit-based flow control (virtio 1.2, 5.10.6).
 *
 * Packets to the guest are never queued as packets. Each connection keeps
 * a few bits saying which control packets it owes the guest (REQUEST,
 * RESPONSE, CREDIT_UPDATE, ...) and whether the host has data; an rx pass
 * walks the connections round-robin and builds each packet only when an rx
 * buffer is there to hold it. Owed packets therefore coalesce and cannot
 * overflow anything. The one exception is the RST that answers a packet for
 * no connection (there is no connection to hang it on): those wait in a
 * small ring, and while that ring is full the device stops taking tx
 * packets, so a guest that posts no rx buffers only stalls itself.
 */
#include "virtio/vsock.h"

#include "core/endian.h"
#include "core/errors.h"
#include "core/guest_mem.h"
#include "core/string.h"

/* Control packets a connection owes the guest (struct vsock_conn.pending). */
#define VSOCK_PENDING_REQUEST	     (1u << 0)
#define VSOCK_PENDING_RESPONSE	     (1u << 1)
#define VSOCK_PENDING_CREDIT_UPDATE  (1u << 2)
#define VSOCK_PENDING_CREDIT_REQUEST (1u << 3)
#define VSOCK_PENDING_SHUTDOWN	     (1u << 4)
#define VSOCK_PENDING_RST	     (1u << 5)

/* Largest guest CID: 2^32 - 1 is VMADDR_CID_ANY, and the upper 32 bits are reserved. */
#define VSOCK_GUEST_CID_MAX 0xfffffffeull

/* Highest ephemeral port (exclusive): the range stays clear of "any port", 2^32 - 1. */
#define VSOCK_EPHEMERAL_PORT_END 0x80000000u

/* What the rx pass got from one connection. */
enum vsock_rx_result {
	VSOCK_RX_IDLE = 0, /* nothing to send */
	VSOCK_RX_SENT,	   /* one packet went to the guest */
	VSOCK_RX_STOP,	   /* no rx buffer left, or the device failed */
};

/* ---- wire format ---- */

void vsock_hdr_encode(const struct vsock_hdr *hdr, uint8_t out[VSOCK_HDR_SIZE])
{
	le_store(out + 0, hdr->src_cid, 8);
	le_store(out + 8, hdr->dst_cid, 8);
	le_store(out + 16, hdr->src_port, 4);
	le_store(out + 20, hdr->dst_port, 4);
	le_store(out + 24, hdr->len, 4);
	le_store(out + 28, hdr->type, 2);
	le_store(out + 30, hdr->op, 2);
	le_store(out + 32, hdr->flags, 4);
	le_store(out + 36, hdr->buf_alloc, 4);
	le_store(out + 40, hdr->fwd_cnt, 4);
}

void vsock_hdr_decode(const uint8_t in[VSOCK_HDR_SIZE], struct vsock_hdr *hdr)
{
	hdr->src_cid = le_load(in + 0, 8);
	hdr->dst_cid = le_load(in + 8, 8);
	hdr->src_port = (uint32_t)le_load(in + 16, 4);
	hdr->dst_port = (uint32_t)le_load(in + 20, 4);
	hdr->len = (uint32_t)le_load(in + 24, 4);
	hdr->type = (uint16_t)le_load(in + 28, 2);
	hdr->op = (uint16_t)le_load(in + 30, 2);
	hdr->flags = (uint32_t)le_load(in + 32, 4);
	hdr->buf_alloc = (uint32_t)le_load(in + 36, 4);
	hdr->fwd_cnt = (uint32_t)le_load(in + 40, 4);
}

/* ---- connections ---- */

static struct virtio_vsock *vsock_from_dev(struct virtio_device *dev)
{
	return (struct virtio_vsock *)((char *)dev - offsetof(struct virtio_vsock, virtio));
}

static unsigned conn_id(const struct virtio_vsock *vs, const struct vsock_conn *c)
{
	return (unsigned)(c - vs->conns);
}

/* Whether the host holds this connection's id (and so must hear ops->close). */
static bool conn_host_owned(const struct vsock_conn *c)
{
	return c->state == VSOCK_CONN_HOST_CONNECTING || c->state == VSOCK_CONN_GUEST_CONNECTING ||
	       c->state == VSOCK_CONN_ESTABLISHED;
}

/* The connection a host call names, or NULL when the id is not the host's. */
static struct vsock_conn *conn_from_host(struct virtio_vsock *vs, unsigned id)
{
	if (id >= VSOCK_MAX_CONNS || !conn_host_owned(&vs->conns[id]))
		return NULL;
	return &vs->conns[id];
}

static struct vsock_conn *conn_find(struct virtio_vsock *vs, uint32_t local_port,
				    uint32_t peer_port)
{
	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &vs->conns[i];

		if (c->state != VSOCK_CONN_FREE && c->local_port == local_port &&
		    c->peer_port == peer_port)
			return c;
	}
	return NULL;
}

static struct vsock_conn *conn_alloc(struct virtio_vsock *vs)
{
	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++) {
		if (vs->conns[i].state == VSOCK_CONN_FREE)
			return &vs->conns[i];
	}
	return NULL;
}

static void conn_free(struct vsock_conn *c)
{
	memset(c, 0, sizeof(*c));
}

static void conn_close_host(struct virtio_vsock *vs, struct vsock_conn *c)
{
	if (conn_host_owned(c) && vs->host != NULL && vs->host->close != NULL)
		vs->host->close(vs->host_ctx, conn_id(vs, c));
}

/*
 * The device ends a connection the guest still has: the host hears close,
 * and the guest gets RST (unless it never heard of the connection, when a
 * REQUEST to it has not gone out yet).
 */
static void conn_reset(struct virtio_vsock *vs, struct vsock_conn *c)
{
	conn_close_host(vs, c);
	if (c->state == VSOCK_CONN_GUEST_CONNECTING && !c->request_sent) {
		conn_free(c);
		return;
	}
	c->state = VSOCK_CONN_RESETTING;
	c->pending = VSOCK_PENDING_RST;
	c->host_readable = false;
}

/* The guest ended the connection (RST): nothing more goes to it. */
static void conn_drop(struct virtio_vsock *vs, struct vsock_conn *c)
{
	conn_close_host(vs, c);
	conn_free(c);
}

/* The guest's free receive space, from its latest buf_alloc and fwd_cnt. */
static uint32_t conn_peer_free(const struct vsock_conn *c)
{
	/* Unsigned wrap-around is the protocol's: the counters are free-running. */
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

	/* A fwd_cnt past what was sent, or a shrunk buf_alloc: no credit, not a huge one. */
	if (in_flight > c->peer_buf_alloc)
		return 0;
	return c->peer_buf_alloc - in_flight;
}

static void conn_take_peer_credit(struct vsock_conn *c, const struct vsock_hdr *hdr)
{
	c->peer_buf_alloc = hdr->buf_alloc;
	c->peer_fwd_cnt = hdr->fwd_cnt;
	/* Ask again only after credit came back: one request per stall, no ping-pong. */
	if (conn_peer_free(c) > 0)
		c->credit_requested = false;
}

/*
 * Tells the guest about consumed bytes once its view of our buffer is more
 * than half full: often enough that a guest sending at full credit never
 * waits for long, rarely enough (about twice per buffer) to cost little.
 */
static void conn_maybe_credit_update(struct vsock_conn *c)
{
	uint32_t guest_view_used = c->rx_cnt - c->adv_fwd_cnt;

	if (c->fwd_cnt != c->adv_fwd_cnt && guest_view_used > VSOCK_HOST_BUF_ALLOC / 2)
		c->pending |= VSOCK_PENDING_CREDIT_UPDATE;
}

static void vsock_guest_error(struct virtio_vsock *vs, const struct vsock_hdr *hdr,
			      const char *what)
{
	log_limited(&vs->virtio.vm->log, &vs->log, LOG_WARN,
		    "%s: guest packet op %u from port %u to %llu:%u: %s", vs->virtio.name,
		    (unsigned)hdr->op, (unsigned)hdr->src_port, (unsigned long long)hdr->dst_cid,
		    (unsigned)hdr->dst_port, what);
}

/* Answers a packet that has no connection with RST (never an RST with an RST). */
static void vsock_orphan_rst(struct virtio_vsock *vs, const struct vsock_hdr *hdr)
{
	struct vsock_orphan_rst *rst;

	if (hdr->op == VSOCK_OP_RST)
		return;
	/* The tx pass stops while the ring is full, so this is only a guard. */
	if (vs->orphan_count == VSOCK_ORPHAN_RSTS)
		return;
	rst = &vs->orphans[(vs->orphan_head + vs->orphan_count) % VSOCK_ORPHAN_RSTS];
	/* Reply from the address the guest used, or its socket will not match the RST. */
	rst->cid = hdr->dst_cid;
	rst->local_port = hdr->dst_port;
	rst->peer_port = hdr->src_port;
	rst->type = hdr->type;
	vs->orphan_count++;
}

/* ---- guest to host (tx queue) ---- */

/* How handing a packet's payload to the host went. */
enum vsock_send_status {
	VSOCK_SEND_OK,
	VSOCK_SEND_HOST_FAILED, /* the host end is broken */
	VSOCK_SEND_FAULT,	/* a segment is not in guest memory after all */
};

/*
 * Hands the packet's payload, bytes [VSOCK_HDR_SIZE, + len) of the chain's
 * readable part, to the host piece by piece straight from guest memory.
 * Sets *consumed to the bytes the host passed on at once.
 */
static enum vsock_send_status vsock_send_payload(struct virtio_vsock *vs, struct vsock_conn *c,
						 const struct virtq *vq,
						 const struct virtq_chain *chain, uint32_t len,
						 uint32_t *consumed)
{
	uint64_t skip = VSOCK_HDR_SIZE;

	*consumed = 0;
	for (unsigned i = 0; i < chain->readable_count && len > 0; i++) {
		const struct virtq_segment *seg = &chain->segments[i];
		uint32_t piece;
		const void *src;
		int done;

		if (skip >= seg->len) {
			skip -= seg->len;
			continue;
		}
		piece = seg->len - (uint32_t)skip;
		if (piece > len)
			piece = len;
		src = guest_mem_ptr(vq->mem, seg->gpa + skip, piece);
		if (src == NULL)
			return VSOCK_SEND_FAULT;
		skip = 0;
		done = vs->host->send(vs->host_ctx, conn_id(vs, c), src, piece);
		if (done < 0)
			return VSOCK_SEND_HOST_FAILED;
		/* A host claiming more than it was given is not believed. */
		*consumed += (uint32_t)done > piece ? piece : (uint32_t)done;
		len -= piece;
	}
	return VSOCK_SEND_OK;
}

static int vsock_guest_rw(struct virtio_vsock *vs, struct vsock_conn *c, const struct virtq *vq,
			  const struct virtq_chain *chain, const struct vsock_hdr *hdr)
{
	uint32_t held = c->rx_cnt - c->fwd_cnt;
	enum vsock_send_status status;
	uint32_t consumed;

	if (c->state != VSOCK_CONN_ESTABLISHED || c->guest_shut_send) {
		vsock_guest_error(vs, hdr, "data on a connection not open for it");
		conn_reset(vs, c);
		return 0;
	}
	if (hdr->len == 0)
		return 0;
	/* The host was promised never to hold more than buf_alloc. */
	if (hdr->len > VSOCK_HOST_BUF_ALLOC - held) {
		vsock_guest_error(vs, hdr, "data beyond the credit the host gave");
		conn_reset(vs, c);
		return 0;
	}
	if (vs->host == NULL || vs->host->send == NULL) {
		conn_reset(vs, c);
		return 0;
	}
	status = vsock_send_payload(vs, c, vq, chain, hdr->len, &consumed);
	if (status == VSOCK_SEND_FAULT)
		return -VIRTQ_ERR_BUFFER_ADDRESS;
	/* Bytes already handed over count either way: the host holds them. */
	c->rx_cnt += hdr->len;
	c->fwd_cnt += consumed;
	if (status == VSOCK_SEND_HOST_FAILED) {
		conn_reset(vs, c);
		return 0;
	}
	conn_maybe_credit_update(c);
	return 0;
}

static void vsock_guest_shutdown(struct virtio_vsock *vs, struct vsock_conn *c,
				 const struct vsock_hdr *hdr)
{
	if (c->state != VSOCK_CONN_ESTABLISHED) {
		vsock_guest_error(vs, hdr, "shutdown of a connection not yet open");
		conn_reset(vs, c);
		return;
	}
	if (hdr->flags & VSOCK_SHUTDOWN_RCV) {
		c->guest_shut_rcv = true;
		c->host_readable = false;
	}
	if ((hdr->flags & VSOCK_SHUTDOWN_SEND) && !c->guest_shut_send) {
		c->guest_shut_send = true;
		if (vs->host != NULL && vs->host->shutdown_write != NULL)
			vs->host->shutdown_write(vs->host_ctx, conn_id(vs, c));
	}
	/*
	 * Both directions shut: the spec's clean close ends with an RST from
	 * the peer, which is us.
	 */
	if (c->guest_shut_rcv && c->guest_shut_send)
		conn_reset(vs, c);
}

/* A REQUEST for no existing connection: ask the host. */
static void vsock_guest_request(struct virtio_vsock *vs, const struct vsock_hdr *hdr)
{
	struct vsock_conn *c = conn_alloc(vs);
	int answer = -SVMM_ENOSYS;

	if (c == NULL) {
		vsock_guest_error(vs, hdr, "connection table full; refused");
		vsock_orphan_rst(vs, hdr);
		return;
	}
	c->state = VSOCK_CONN_HOST_CONNECTING;
	c->local_port = hdr->dst_port;
	c->peer_port = hdr->src_port;
	conn_take_peer_credit(c, hdr);
	if (vs->host != NULL && vs->host->connect != NULL)
		answer = vs->host->connect(vs->host_ctx, conn_id(vs, c), hdr->dst_port);
	if (answer < 0) {
		/* Refused: the host never had the id; the slot carries the RST out. */
		c->state = VSOCK_CONN_RESETTING;
		c->pending = VSOCK_PENDING_RST;
	} else if (answer > 0) {
		c->state = VSOCK_CONN_ESTABLISHED;
		c->pending |= VSOCK_PENDING_RESPONSE;
	}
}

/* One packet on a connection the guest and the device both have. */
static int vsock_guest_conn_packet(struct virtio_vsock *vs, struct vsock_conn *c,
				   const struct virtq *vq, const struct virtq_chain *chain,
				   const struct vsock_hdr *hdr)
{
	/* Every header carries the sender's credit (5.10.6.3), whatever its op. */
	conn_take_peer_credit(c, hdr);
	switch (hdr->op) {
	case VSOCK_OP_REQUEST:
		vsock_guest_error(vs, hdr, "request for a connection already open");
		conn_reset(vs, c);
		return 0;
	case VSOCK_OP_RESPONSE:
		if (c->state != VSOCK_CONN_GUEST_CONNECTING || !c->request_sent) {
			vsock_guest_error(vs, hdr, "response without a request");
			conn_reset(vs, c);
			return 0;
		}
		c->state = VSOCK_CONN_ESTABLISHED;
		if (vs->host != NULL && vs->host->established != NULL)
			vs->host->established(vs->host_ctx, conn_id(vs, c));
		return 0;
	case VSOCK_OP_RST:
		conn_drop(vs, c);
		return 0;
	case VSOCK_OP_SHUTDOWN:
		vsock_guest_shutdown(vs, c, hdr);
		return 0;
	case VSOCK_OP_RW:
		return vsock_guest_rw(vs, c, vq, chain, hdr);
	case VSOCK_OP_CREDIT_UPDATE:
		return 0; /* the credit was taken above */
	case VSOCK_OP_CREDIT_REQUEST:
		if (c->state == VSOCK_CONN_ESTABLISHED)
			c->pending |= VSOCK_PENDING_CREDIT_UPDATE;
		return 0;
	default:
		vsock_guest_error(vs, hdr, "unknown op");
		conn_reset(vs, c);
		return 0;
	}
}

/*
 * Handles one tx packet: 0 (whatever became of the packet), or a negative
 * enum virtq_error when the chain's memory is not there after all.
 */
static int vsock_guest_packet(struct virtio_vsock *vs, const struct virtq *vq,
			      const struct virtq_chain *chain)
{
	uint8_t raw[VSOCK_HDR_SIZE];
	struct vsock_hdr hdr;
	struct vsock_conn *c;
	int err;

	if (chain->readable_len < VSOCK_HDR_SIZE) {
		/* No header means no addresses to answer. */
		log_limited(&vs->virtio.vm->log, &vs->log, LOG_WARN,
			    "%s: tx buffer of %llu bytes is shorter than a packet header; dropped",
			    vs->virtio.name, (unsigned long long)chain->readable_len);
		return 0;
	}
	/* One copy of the header: the guest may rewrite its memory meanwhile. */
	err = virtq_chain_read(vq, chain, 0, raw, sizeof(raw));
	if (err < 0)
		return err;
	vsock_hdr_decode(raw, &hdr);

	if (hdr.src_cid != vs->guest_cid) {
		/* A forged source has nobody to answer; dropping it is all there is. */
		vsock_guest_error(vs, &hdr, "source CID is not the guest's; dropped");
		return 0;
	}
	if (hdr.dst_cid != VSOCK_CID_HOST || hdr.type != VSOCK_TYPE_STREAM) {
		/* Other CIDs (sibling VMs) and socket types are not served: refuse. */
		vsock_orphan_rst(vs, &hdr);
		return 0;
	}
	c = conn_find(vs, hdr.dst_port, hdr.src_port);
	if (hdr.len > VSOCK_MAX_PAYLOAD || hdr.len > chain->readable_len - VSOCK_HDR_SIZE) {
		vsock_guest_error(vs, &hdr, "length past the packet or the maximum");
		/* The stream has lost bytes: it cannot go on. */
		if (c != NULL && c->state != VSOCK_CONN_RESETTING)
			conn_reset(vs, c);
		else if (c == NULL)
			vsock_orphan_rst(vs, &hdr);
		return 0;
	}
	if (c != NULL && c->state == VSOCK_CONN_RESETTING) {
		if (hdr.op == VSOCK_OP_RST || hdr.op == VSOCK_OP_REQUEST) {
			/*
			 * The guest is done with it (or has moved on to a new
			 * connection on the same ports): our RST is moot.
			 */
			conn_free(c);
			c = NULL;
		} else {
			return 0; /* our RST is on its way */
		}
	}
	if (c != NULL)
		return vsock_guest_conn_packet(vs, c, vq, chain, &hdr);
	if (hdr.op == VSOCK_OP_REQUEST)
		vsock_guest_request(vs, &hdr);
	else
		vsock_orphan_rst(vs, &hdr);
	return 0;
}

/*
 * Takes every tx packet there is. Returns true when it stopped early
 * because the orphan RST ring is full (the rx pass must drain it first).
 */
static bool vsock_process_tx(struct virtio_vsock *vs)
{
	struct virtio_device *dev = &vs->virtio;
	struct virtq *vq = &dev->queues[VSOCK_QUEUE_TX];
	bool rechecked = false;

	if (!virtio_device_live(dev) || !vq->ready)
		return false;
	for (;;) {
		int err;

		/* A packet may need one orphan RST: take one only if there is room. */
		if (vs->orphan_count == VSOCK_ORPHAN_RSTS)
			return true;
		err = virtq_next_chain(vq, &vs->tx_chain);
		if (err == 0 && !rechecked) {
			/* Ask for a notify on the next packet, then look once more (see rng.c). */
			virtq_publish_avail_event(vq);
			rechecked = true;
			continue;
		}
		if (err == 0)
			return false;
		rechecked = false;
		if (err > 0)
			err = vsock_guest_packet(vs, vq, &vs->tx_chain);
		if (err < 0) {
			virtio_device_fail(dev, VSOCK_QUEUE_TX, -err);
			return false;
		}
		virtio_complete(dev, VSOCK_QUEUE_TX, vs->tx_chain.head, 0);
	}
}

/* ---- host to guest (rx queue) ---- */

/*
 * Makes sure an rx buffer is held for the next packet: true, or false when
 * the guest has none (or broke the ring). A buffer too small for a header
 * and some payload is handed back empty: it could never carry data, and
 * holding it would stall every connection behind it.
 */
static bool vsock_rx_hold(struct virtio_vsock *vs)
{
	struct virtio_device *dev = &vs->virtio;
	struct virtq *vq = &dev->queues[VSOCK_QUEUE_RX];
	bool rechecked = false;

	while (!vs->rx_held) {
		int err = virtq_next_chain(vq, &vs->rx_chain);

		if (err == 0 && !rechecked) {
			virtq_publish_avail_event(vq);
			rechecked = true;
			continue;
		}
		if (err == 0)
			return false;
		if (err < 0) {
			virtio_device_fail(dev, VSOCK_QUEUE_RX, -err);
			return false;
		}
		rechecked = false;
		if (vs->rx_chain.writable_len <= VSOCK_HDR_SIZE) {
			log_limited(&dev->vm->log, &vs->log, LOG_WARN,
				    "%s: rx buffer of %llu writable bytes cannot hold a packet; "
				    "returned empty",
				    dev->name, (unsigned long long)vs->rx_chain.writable_len);
			virtio_complete(dev, VSOCK_QUEUE_RX, vs->rx_chain.head, 0);
			continue;
		}
		vs->rx_held = true;
	}
	return true;
}

/* Writes `hdr` at the front of the held rx buffer and gives it to the guest. */
static bool vsock_rx_emit(struct virtio_vsock *vs, const struct vsock_hdr *hdr)
{
	struct virtio_device *dev = &vs->virtio;
	struct virtq *vq = &dev->queues[VSOCK_QUEUE_RX];
	uint8_t raw[VSOCK_HDR_SIZE];
	int err;

	vsock_hdr_encode(hdr, raw);
	err = virtq_chain_write(vq, &vs->rx_chain, 0, raw, sizeof(raw));
	vs->rx_held = false;
	if (err < 0) {
		virtio_device_fail(dev, VSOCK_QUEUE_RX, -err);
		return false;
	}
	virtio_complete(dev, VSOCK_QUEUE_RX, vs->rx_chain.head, VSOCK_HDR_SIZE + hdr->len);
	return true;
}

static void conn_hdr(const struct virtio_vsock *vs, struct vsock_conn *c, uint16_t op,
		     struct vsock_hdr *hdr)
{
	*hdr = (struct vsock_hdr){
	    .src_cid = VSOCK_CID_HOST,
	    .dst_cid = vs->guest_cid,
	    .src_port = c->local_port,
	    .dst_port = c->peer_port,
	    .type = VSOCK_TYPE_STREAM,
	    .op = op,
	    .buf_alloc = VSOCK_HOST_BUF_ALLOC,
	    .fwd_cnt = c->fwd_cnt,
	};
	/* Every packet tells the guest our fwd_cnt, so it counts as an update. */
	c->adv_fwd_cnt = c->fwd_cnt;
}

/* Sends one control packet for `c`, clearing `bit` from its pending set. */
static enum vsock_rx_result conn_emit_control(struct virtio_vsock *vs, struct vsock_conn *c,
					      unsigned bit, uint16_t op, uint32_t flags)
{
	struct vsock_hdr hdr;

	if (!vs->rx_held && !vsock_rx_hold(vs))
		return VSOCK_RX_STOP;
	conn_hdr(vs, c, op, &hdr);
	hdr.flags = flags;
	c->pending &= (uint8_t)~bit;
	return vsock_rx_emit(vs, &hdr) ? VSOCK_RX_SENT : VSOCK_RX_STOP;
}

/* How the host's end answered a pull. */
enum vsock_pull_status {
	VSOCK_PULL_MORE,  /* the host may have more */
	VSOCK_PULL_AGAIN, /* nothing now; the host will say when */
	VSOCK_PULL_EOF,
	VSOCK_PULL_ERROR,
	VSOCK_PULL_FAULT, /* the rx buffer is not in guest memory after all */
};

/*
 * Pulls up to `room` bytes from the host into the held rx buffer, right
 * after the header, straight into guest memory. Returns the byte count.
 */
static uint32_t vsock_pull(struct virtio_vsock *vs, struct vsock_conn *c, uint32_t room,
			   enum vsock_pull_status *status)
{
	const struct virtq *vq = &vs->virtio.queues[VSOCK_QUEUE_RX];
	const struct virtq_chain *chain = &vs->rx_chain;
	uint64_t skip = VSOCK_HDR_SIZE;
	uint32_t total = 0;

	*status = VSOCK_PULL_MORE;
	for (unsigned i = chain->readable_count; i < chain->count && total < room; i++) {
		const struct virtq_segment *seg = &chain->segments[i];
		uint32_t piece;
		void *dst;
		int got;

		if (skip >= seg->len) {
			skip -= seg->len;
			continue;
		}
		piece = seg->len - (uint32_t)skip;
		if (piece > room - total)
			piece = room - total;
		dst = guest_mem_ptr(vq->mem, seg->gpa + skip, piece);
		if (dst == NULL) {
			*status = VSOCK_PULL_FAULT;
			break;
		}
		skip = 0;
		got = vs->host->recv(vs->host_ctx, conn_id(vs, c), dst, piece);
		if (got == VSOCK_RECV_EOF || got < 0) {
			*status = got == VSOCK_RECV_EOF ? VSOCK_PULL_EOF : VSOCK_PULL_ERROR;
			break;
		}
		if (got == 0) {
			*status = VSOCK_PULL_AGAIN;
			break;
		}
		/* A host claiming more than it was given room for is not believed. */
		total += (uint32_t)got > piece ? piece : (uint32_t)got;
		/* A short read: the host's socket is (nearly) empty; ask again next turn. */
		if ((uint32_t)got < piece)
			break;
	}
	return total;
}

/*
 * Tries to send one data packet on `c`. VSOCK_RX_IDLE when none went out
 * (the connection's flags may have changed: the caller looks again).
 */
static enum vsock_rx_result conn_emit_data(struct virtio_vsock *vs, struct vsock_conn *c)
{
	enum vsock_pull_status status;
	uint32_t credit = conn_peer_free(c);
	uint32_t room, got;
	struct vsock_hdr hdr;

	if (credit == 0) {
		/* Linux updates credit as its reader drains; ask once in case it does not. */
		if (!c->credit_requested) {
			c->credit_requested = true;
			c->pending |= VSOCK_PENDING_CREDIT_REQUEST;
		}
		return VSOCK_RX_IDLE;
	}
	if (vs->host == NULL || vs->host->recv == NULL) {
		c->host_readable = false;
		return VSOCK_RX_IDLE;
	}
	if (!vsock_rx_hold(vs))
		return VSOCK_RX_STOP;
	room = (uint32_t)(vs->rx_chain.writable_len - VSOCK_HDR_SIZE > VSOCK_MAX_PAYLOAD
			      ? VSOCK_MAX_PAYLOAD
			      : vs->rx_chain.writable_len - VSOCK_HDR_SIZE);
	if (room > credit)
		room = credit;
	got = vsock_pull(vs, c, room, &status);
	if (status == VSOCK_PULL_FAULT) {
		virtio_device_fail(&vs->virtio, VSOCK_QUEUE_RX, VIRTQ_ERR_BUFFER_ADDRESS);
		vs->rx_held = false;
		return VSOCK_RX_STOP;
	}
	if (status == VSOCK_PULL_AGAIN)
		c->host_readable = false;
	if (status == VSOCK_PULL_EOF) {
		c->host_readable = false;
		c->host_eof = true;
		c->shutdown_flags |= VSOCK_SHUTDOWN_SEND;
		c->pending |= VSOCK_PENDING_SHUTDOWN;
	}
	if (got > 0) {
		conn_hdr(vs, c, VSOCK_OP_RW, &hdr);
		hdr.len = got;
		c->tx_cnt += got;
		if (!vsock_rx_emit(vs, &hdr))
			return VSOCK_RX_STOP;
	}
	/* After the bytes that came before it: the guest may still read those. */
	if (status == VSOCK_PULL_ERROR)
		conn_reset(vs, c);
	return got > 0 ? VSOCK_RX_SENT : VSOCK_RX_IDLE;
}

/*
 * Sends the next packet `c` owes the guest, in the order the protocol
 * needs: connection set-up first, credit next, then data, and SHUTDOWN
 * only after the data that precedes it.
 */
static enum vsock_rx_result conn_rx(struct virtio_vsock *vs, struct vsock_conn *c)
{
	enum vsock_rx_result result;

	for (;;) {
		switch (c->state) {
		case VSOCK_CONN_RESETTING:
			result = conn_emit_control(vs, c, VSOCK_PENDING_RST, VSOCK_OP_RST, 0);
			if (result == VSOCK_RX_SENT)
				conn_free(c);
			return result;
		case VSOCK_CONN_GUEST_CONNECTING:
			if (!(c->pending & VSOCK_PENDING_REQUEST))
				return VSOCK_RX_IDLE;
			result =
			    conn_emit_control(vs, c, VSOCK_PENDING_REQUEST, VSOCK_OP_REQUEST, 0);
			if (result == VSOCK_RX_SENT)
				c->request_sent = true;
			return result;
		case VSOCK_CONN_ESTABLISHED:
			break;
		default:
			return VSOCK_RX_IDLE;
		}
		if (c->pending & VSOCK_PENDING_RESPONSE)
			return conn_emit_control(vs, c, VSOCK_PENDING_RESPONSE, VSOCK_OP_RESPONSE,
						 0);
		if (c->pending & VSOCK_PENDING_CREDIT_UPDATE)
			return conn_emit_control(vs, c, VSOCK_PENDING_CREDIT_UPDATE,
						 VSOCK_OP_CREDIT_UPDATE, 0);
		if (c->host_readable && !c->guest_shut_rcv && !c->host_eof) {
			result = conn_emit_data(vs, c);
			if (result != VSOCK_RX_IDLE)
				return result;
			if (c->state != VSOCK_CONN_ESTABLISHED)
				continue; /* the pull reset it: the RST is next */
		}
		if (c->pending & VSOCK_PENDING_CREDIT_REQUEST)
			return conn_emit_control(vs, c, VSOCK_PENDING_CREDIT_REQUEST,
						 VSOCK_OP_CREDIT_REQUEST, 0);
		if (c->pending & VSOCK_PENDING_SHUTDOWN)
			return conn_emit_control(vs, c, VSOCK_PENDING_SHUTDOWN, VSOCK_OP_SHUTDOWN,
						 c->shutdown_flags);
		return VSOCK_RX_IDLE;
	}
}

static bool vsock_emit_orphan(struct virtio_vsock *vs)
{
	const struct vsock_orphan_rst *rst = &vs->orphans[vs->orphan_head];
	struct vsock_hdr hdr = {
	    .src_cid = rst->cid,
	    .dst_cid = vs->guest_cid,
	    .src_port = rst->local_port,
	    .dst_port = rst->peer_port,
	    .type = rst->type,
	    .op = VSOCK_OP_RST,
	};

	if (!vsock_rx_hold(vs))
		return false;
	vs->orphan_head = (vs->orphan_head + 1) % VSOCK_ORPHAN_RSTS;
	vs->orphan_count--;
	return vsock_rx_emit(vs, &hdr);
}

/* Sends packets to the guest while there are rx buffers and something to send. */
static void vsock_process_rx(struct virtio_vsock *vs)
{
	struct virtio_device *dev = &vs->virtio;

	if (!virtio_device_live(dev) || !dev->queues[VSOCK_QUEUE_RX].ready)
		return;
	for (;;) {
		bool sent = false;

		if (vs->orphan_count > 0) {
			if (!vsock_emit_orphan(vs))
				return;
			continue;
		}
		/* Round-robin: a connection with a lot of data cannot starve the rest. */
		for (unsigned n = 0; n < VSOCK_MAX_CONNS && !sent; n++) {
			unsigned i = (vs->rr_next + n) % VSOCK_MAX_CONNS;
			enum vsock_rx_result result = conn_rx(vs, &vs->conns[i]);

			if (result == VSOCK_RX_STOP)
				return;
			if (result == VSOCK_RX_SENT) {
				vs->rr_next = (i + 1) % VSOCK_MAX_CONNS;
				sent = true;
			}
		}
		if (!sent)
			return;
	}
}

/*
 * The device's one work loop: tx first (its answers are rx packets), then
 * rx; again while tx waited only for room in the orphan RST ring.
 */
static void vsock_run(struct virtio_vsock *vs)
{
	for (;;) {
		bool tx_blocked = vsock_process_tx(vs);

		vsock_process_rx(vs);
		if (!tx_blocked || vs->orphan_count == VSOCK_ORPHAN_RSTS ||
		    !virtio_device_live(&vs->virtio))
			return;
	}
}

/* ---- virtio device ops ---- */

static uint64_t vsock_features(struct virtio_device *dev)
{
	/*
	 * None: "if no feature bit is set, only stream socket type is
	 * supported" (5.10.3), which is what this device does. Offering
	 * F_STREAM would say the same to drivers that know it (Linux 6.1 does
	 * not) and nothing to the rest.
	 */
	(void)dev;
	return 0;
}

static void vsock_config_read(struct virtio_device *dev, uint32_t offset, uint8_t size,
			      uint64_t *value)
{
	struct virtio_vsock *vs = vsock_from_dev(dev);
	uint64_t v = 0;

	/* le64 guest_cid at offset 0; any other byte reads as zero. */
	for (unsigned i = 0; i < size && i < 8; i++) {
		uint64_t at = (uint64_t)offset + i;

		if (at < 8)
			v |= ((vs->guest_cid >> (8 * at)) & 0xff) << (8 * i);
	}
	*value = v;
}

static void vsock_queue_notify(struct virtio_device *dev, unsigned queue)
{
	/* Event buffers stay with the device until there is an event to report. */
	if (queue == VSOCK_QUEUE_RX || queue == VSOCK_QUEUE_TX)
		vsock_run(vsock_from_dev(dev));
}

static void vsock_driver_ok(struct virtio_device *dev)
{
	/* Host connects made before the driver came up are waiting to go out. */
	vsock_run(vsock_from_dev(dev));
}

static void vsock_drop_all(struct virtio_vsock *vs)
{
	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++) {
		conn_close_host(vs, &vs->conns[i]);
		conn_free(&vs->conns[i]);
	}
	vs->orphan_head = vs->orphan_count = 0;
	vs->rr_next = 0;
}

static void vsock_reset(struct virtio_device *dev)
{
	struct virtio_vsock *vs = vsock_from_dev(dev);

	vsock_drop_all(vs);
	/* The queues are reset by the core: a held buffer is the driver's again. */
	vs->rx_held = false;
}

static const struct virtio_device_ops vsock_ops = {
    .device_id = VIRTIO_ID_VSOCK,
    .num_queues = VSOCK_NUM_QUEUES,
    .features = vsock_features,
    .config_read = vsock_config_read,
    .queue_notify = vsock_queue_notify,
    .driver_ok = vsock_driver_ok,
    .reset = vsock_reset,
};

/* ---- entry points ---- */

int virtio_vsock_init(struct virtio_vsock *vs, struct vm *vm, const char *name, uint64_t guest_cid)
{
	if (guest_cid < VSOCK_GUEST_CID_MIN || guest_cid > VSOCK_GUEST_CID_MAX)
		return -SVMM_EINVAL;
	memset(vs, 0, sizeof(*vs));
	virtio_device_init(&vs->virtio, &vsock_ops, vm, name);
	vs->guest_cid = guest_cid;
	vs->next_ephemeral = VSOCK_EPHEMERAL_PORT_BASE;
	return 0;
}

void virtio_vsock_set_host(struct virtio_vsock *vs, const struct vsock_host_ops *ops, void *ctx)
{
	vs->host = ops;
	vs->host_ctx = ctx;
}

static bool vsock_local_port_used(const struct virtio_vsock *vs, uint32_t port)
{
	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++) {
		if (vs->conns[i].state != VSOCK_CONN_FREE && vs->conns[i].local_port == port)
			return true;
	}
	return false;
}

int virtio_vsock_host_connect(struct virtio_vsock *vs, uint32_t guest_port, unsigned *conn,
			      uint32_t *local_port)
{
	struct vsock_conn *c = conn_alloc(vs);
	uint32_t port;

	if (c == NULL)
		return -SVMM_ENOSPC;
	/* At most VSOCK_MAX_CONNS ports are taken, so this finds one within that many + 1. */
	do {
		port = vs->next_ephemeral++;
		if (vs->next_ephemeral >= VSOCK_EPHEMERAL_PORT_END)
			vs->next_ephemeral = VSOCK_EPHEMERAL_PORT_BASE;
	} while (vsock_local_port_used(vs, port));
	c->state = VSOCK_CONN_GUEST_CONNECTING;
	c->pending = VSOCK_PENDING_REQUEST;
	c->local_port = port;
	c->peer_port = guest_port;
	*conn = conn_id(vs, c);
	*local_port = port;
	/*
	 * Only the rx side: a tx packet could name the new connection (a guest
	 * guessing the port) and make the device call ops->close on an id the
	 * host has not been given yet.
	 */
	vsock_process_rx(vs);
	return 0;
}

void virtio_vsock_host_connected(struct virtio_vsock *vs, unsigned conn, bool ok)
{
	struct vsock_conn *c = conn_from_host(vs, conn);

	if (c == NULL || c->state != VSOCK_CONN_HOST_CONNECTING)
		return;
	if (ok) {
		c->state = VSOCK_CONN_ESTABLISHED;
		c->pending |= VSOCK_PENDING_RESPONSE;
	} else {
		c->state = VSOCK_CONN_RESETTING;
		c->pending = VSOCK_PENDING_RST;
	}
	vsock_run(vs);
}

void virtio_vsock_host_readable(struct virtio_vsock *vs, unsigned conn)
{
	struct vsock_conn *c = conn_from_host(vs, conn);

	if (c == NULL)
		return;
	c->host_readable = true;
	vsock_run(vs);
}

void virtio_vsock_host_consumed(struct virtio_vsock *vs, unsigned conn, size_t n)
{
	struct vsock_conn *c = conn_from_host(vs, conn);
	uint32_t held;

	if (c == NULL)
		return;
	held = c->rx_cnt - c->fwd_cnt;
	/* The host cannot consume bytes it was never given. */
	c->fwd_cnt += n > held ? held : (uint32_t)n;
	conn_maybe_credit_update(c);
	vsock_run(vs);
}

void virtio_vsock_host_closed(struct virtio_vsock *vs, unsigned conn)
{
	struct vsock_conn *c = conn_from_host(vs, conn);

	if (c == NULL)
		return;
	if (c->state == VSOCK_CONN_GUEST_CONNECTING && !c->request_sent) {
		conn_free(c);
		return;
	}
	c->state = VSOCK_CONN_RESETTING;
	c->pending = VSOCK_PENDING_RST;
	c->host_readable = false;
	vsock_run(vs);
}

void virtio_vsock_kick_rx(struct virtio_vsock *vs)
{
	vsock_run(vs);
}

void virtio_vsock_transport_reset(struct virtio_vsock *vs)
{
	struct virtio_device *dev = &vs->virtio;
	struct virtq *vq = &dev->queues[VSOCK_QUEUE_EVENT];
	uint8_t event[4];
	int err;

	vsock_drop_all(vs);
	if (!virtio_device_live(dev) || !vq->ready)
		return;
	err = virtq_next_chain(vq, &vs->tx_chain);
	if (err == 0)
		return; /* no buffer: the guest will not hear of it */
	if (err < 0) {
		virtio_device_fail(dev, VSOCK_QUEUE_EVENT, -err);
		return;
	}
	le_store(event, VSOCK_EVENT_TRANSPORT_RESET, 4);
	if (vs->tx_chain.writable_len < sizeof(event)) {
		virtio_complete(dev, VSOCK_QUEUE_EVENT, vs->tx_chain.head, 0);
		return;
	}
	err = virtq_chain_write(vq, &vs->tx_chain, 0, event, sizeof(event));
	if (err < 0) {
		virtio_device_fail(dev, VSOCK_QUEUE_EVENT, -err);
		return;
	}
	virtio_complete(dev, VSOCK_QUEUE_EVENT, vs->tx_chain.head, sizeof(event));
}
