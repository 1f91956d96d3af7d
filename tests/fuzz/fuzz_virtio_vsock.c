/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes virtio-vsock as a hostile driver facing a host that misbehaves
 * too. The input chooses the queue layout, then a sequence of operations:
 * tx packets with mostly plausible headers (any op, CID, port, type, length
 * and credit), rx and event buffers, raw descriptors on any queue, RAM
 * scribbles, notifies, resets, and host events (connects, data, consumption,
 * closes, answers to guest connects), while the fake host answers the
 * device's calls with short reads, end of file, errors and lies.
 *
 * The fake host checks the device's promises and aborts when one breaks:
 * ops only for ids the host owns, ops->close exactly once per id, never
 * more unconsumed guest bytes than VSOCK_HOST_BUF_ALLOC per connection, and
 * never a pull bigger than the guest's credit or one packet. Guest RAM is
 * one heap block of exactly its size and the host writes every byte it is
 * offered room for, so AddressSanitizer catches a wrong host pointer.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_virtio_vsock.c \
 *     virtio/vsock.c virtio/virtqueue.c virtio/device.c core/errors.c \
 *     core/guest_mem.c core/log.c core/vm.c -o /tmp/fvsock
 *   /tmp/fvsock -max_total_time=60
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/vm.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"
#include "virtio/vsock.h"

#define RAM_GPA	 0x100000ull
#define RAM_SIZE 0x20000ull /* 128 KiB: room for a maximal packet and the rings */
#define MAX_OPS	 1024
/* Rings at fixed places unless the input moves them. */
#define RING_AREA 0x4000ull /* per queue: desc, avail, used */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size, pos;
};

struct host_conn {
	bool owned;
	uint32_t held;	   /* guest bytes given and not yet consumed */
	uint32_t readable; /* bytes the host end has for the guest */
	uint8_t mode;	   /* how this end behaves (see host_send, host_recv) */
};

struct queue_driver {
	uint16_t size;
	uint64_t desc, avail, used;
	uint16_t next_desc, avail_idx;
};

struct fuzz {
	struct vm vm;
	struct virtio_vsock vs;
	uint8_t *ram;
	uint64_t cid;
	bool event_idx, indirect;
	struct queue_driver q[VSOCK_NUM_QUEUES];
	int8_t connect_answer;
	uint8_t connect_mode; /* how the next guest-initiated connection's host end behaves */
	/* The last host-initiated connection, so the guest can answer it. */
	uint32_t last_local_port, last_guest_port;
	struct host_conn conns[VSOCK_MAX_CONNS];
};

static uint8_t take8(struct input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static uint16_t take16(struct input *in)
{
	return (uint16_t)(take8(in) | take8(in) << 8);
}

static uint32_t take32(struct input *in)
{
	return take16(in) | (uint32_t)take16(in) << 16;
}

static uint64_t take64(struct input *in)
{
	return take32(in) | (uint64_t)take32(in) << 32;
}

/* A guest address: mostly inside RAM, sometimes at its end, sometimes anywhere. */
static uint64_t take_gpa(struct input *in)
{
	uint8_t kind = take8(in);

	if (kind < 0xf0)
		return RAM_GPA + (take32(in) % RAM_SIZE);
	if (kind < 0xf8)
		return RAM_GPA + RAM_SIZE - (take8(in) & 0x3f);
	return take64(in);
}

static void poke(struct fuzz *f, uint64_t gpa, const void *src, size_t len)
{
	/* The harness writes as the driver would, and only inside RAM. */
	if (gpa < RAM_GPA || gpa - RAM_GPA > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_GPA))
		return;
	memcpy(f->ram + (gpa - RAM_GPA), src, len);
}

static void poke16(struct fuzz *f, uint64_t gpa, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	poke(f, gpa, b, sizeof(b));
}

static void put_desc(struct fuzz *f, uint64_t table, uint16_t i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t d[16];

	for (unsigned b = 0; b < 8; b++)
		d[b] = (uint8_t)(addr >> (8 * b));
	for (unsigned b = 0; b < 4; b++)
		d[8 + b] = (uint8_t)(len >> (8 * b));
	d[12] = (uint8_t)flags;
	d[13] = (uint8_t)(flags >> 8);
	d[14] = (uint8_t)next;
	d[15] = (uint8_t)(next >> 8);
	poke(f, table + 16ull * i, d, sizeof(d));
}

/* ---- the fake host: checks the device's promises ---- */

static struct host_conn *owned_conn(struct fuzz *f, unsigned id)
{
	if (id >= VSOCK_MAX_CONNS || !f->conns[id].owned)
		abort(); /* an op for an id the host does not hold */
	return &f->conns[id];
}

static int host_connect(void *ctx, unsigned id, uint32_t port)
{
	struct fuzz *f = ctx;

	(void)port;
	if (id >= VSOCK_MAX_CONNS || f->conns[id].owned)
		abort(); /* an id handed out twice */
	if (f->connect_answer >= 0)
		f->conns[id] = (struct host_conn){.owned = true, .mode = f->connect_mode};
	return f->connect_answer;
}

static void host_established(void *ctx, unsigned id)
{
	owned_conn(ctx, id);
}

static int host_send(void *ctx, unsigned id, const void *data, size_t len)
{
	struct host_conn *c = owned_conn(ctx, id);
	const volatile uint8_t *bytes = data;
	uint32_t now;

	if (len == 0 || len > VSOCK_HOST_BUF_ALLOC - c->held)
		abort(); /* more than the credit the host advertised */
	/* Touch every byte: it must all be guest RAM. */
	(void)bytes[0];
	(void)bytes[len - 1];
	switch (c->mode & 3) {
	case 0:
		now = (uint32_t)len; /* a socket with room */
		break;
	case 1:
		now = 0; /* a full socket: the host holds it all */
		break;
	case 2:
		now = (uint32_t)len / 2;
		break;
	default:
		if (c->mode & 4)
			return -SVMM_EIO; /* the socket broke */
		/* A host that claims to have passed on more than it was given. */
		return (int)len + 7;
	}
	c->held += (uint32_t)len - now;
	return (int)now;
}

static int host_recv(void *ctx, unsigned id, void *buf, size_t len)
{
	struct fuzz *f = ctx;
	struct host_conn *c = owned_conn(f, id);
	const struct vsock_conn *dc = &f->vs.conns[id];
	uint32_t in_flight = dc->tx_cnt - dc->peer_fwd_cnt;
	size_t n;

	if (len == 0 || len > VSOCK_MAX_PAYLOAD)
		abort();
	if (in_flight > dc->peer_buf_alloc || len > dc->peer_buf_alloc - in_flight)
		abort(); /* more than the guest's credit */
	if (c->readable == 0) {
		switch ((c->mode >> 3) & 3) {
		case 1:
			return VSOCK_RECV_EOF;
		case 2:
			return VSOCK_RECV_ERROR;
		default:
			return 0;
		}
	}
	n = len < c->readable ? len : c->readable;
	if ((c->mode & 0x20) && n > 3)
		n = 3; /* short reads */
	/* Every byte offered is written: ASan checks the whole range. */
	memset(buf, 0x5a, len);
	c->readable -= (uint32_t)n;
	/* Now and then a host claims more than there was room for. */
	if ((c->mode & 0xc0) == 0xc0)
		return (int)len + 9;
	return (int)n;
}

static void host_shutdown_write(void *ctx, unsigned id)
{
	owned_conn(ctx, id);
}

static void host_close(void *ctx, unsigned id)
{
	struct host_conn *c = owned_conn(ctx, id);

	c->owned = false;
	c->held = 0;
}

static const struct vsock_host_ops host_ops = {
    .connect = host_connect,
    .established = host_established,
    .send = host_send,
    .recv = host_recv,
    .shutdown_write = host_shutdown_write,
    .close = host_close,
};

static void signal_used(struct virtio_device *dev, unsigned queue)
{
	(void)dev;
	if (queue >= VSOCK_NUM_QUEUES)
		abort();
}

static void signal_config(struct virtio_device *dev)
{
	(void)dev;
	abort(); /* the CID never changes */
}

static void needs_reset(struct virtio_device *dev)
{
	(void)dev;
}

static const struct virtio_transport_ops transport = {
    .signal_used = signal_used,
    .signal_config = signal_config,
    .needs_reset = needs_reset,
};

/* ---- the driver ---- */

static void bring_up(struct fuzz *f)
{
	struct virtio_device *dev = &f->vs.virtio;

	dev->driver_features = 1ull << VIRTIO_F_VERSION_1;
	if (f->event_idx)
		dev->driver_features |= 1ull << VIRTIO_F_EVENT_IDX;
	/* Raw descriptors may then name indirect tables. */
	if (f->indirect)
		dev->driver_features |= 1ull << VIRTIO_F_INDIRECT_DESC;
	dev->status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	for (unsigned i = 0; i < VSOCK_NUM_QUEUES; i++) {
		struct virtq *vq = &dev->queues[i];
		struct queue_driver *q = &f->q[i];

		vq->size = q->size;
		vq->desc_gpa = q->desc;
		vq->avail_gpa = q->avail;
		vq->used_gpa = q->used;
		vq->event_idx = f->event_idx;
		vq->indirect = f->indirect;
		/* A transport leaves a queue it cannot enable not ready. */
		vq->ready = virtq_enable(vq) == 0;
		q->next_desc = 0;
		q->avail_idx = 0;
	}
	dev->status |= VIRTIO_STATUS_DRIVER_OK;
	dev->ops->driver_ok(dev);
}

static void choose_layout(struct fuzz *f, struct input *in)
{
	uint8_t flags = take8(in);

	f->event_idx = flags & 1;
	f->indirect = flags & 2;
	f->cid = VSOCK_GUEST_CID_MIN + take8(in);
	f->connect_answer = (int8_t)(take8(in) % 3) - 1;
	for (unsigned i = 0; i < VSOCK_NUM_QUEUES; i++) {
		struct queue_driver *q = &f->q[i];
		uint8_t shape = take8(in);

		/* Mostly a power of two up to 64 at a fixed place; sometimes anything. */
		q->size = (shape & 0x80) ? take16(in) : (uint16_t)(1u << (shape % 7));
		if (shape & 0x40) {
			q->desc = take_gpa(in);
			q->avail = take_gpa(in);
			q->used = take_gpa(in);
		} else {
			q->desc = RAM_GPA + RING_AREA * i;
			q->avail = q->desc + 0x1000;
			q->used = q->desc + 0x2000;
		}
	}
}

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

static void post_chain(struct fuzz *f, unsigned queue, const struct seg *segs, unsigned count)
{
	struct queue_driver *q = &f->q[queue];
	uint16_t head = q->next_desc;

	if (q->size == 0)
		return;
	for (unsigned i = 0; i < count; i++) {
		uint16_t id = (uint16_t)((head + i) % q->size);
		uint16_t flags = (uint16_t)((segs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
					    (i + 1 < count ? VIRTQ_DESC_F_NEXT : 0));

		put_desc(f, q->desc, id, segs[i].gpa, segs[i].len, flags,
			 (uint16_t)((id + 1) % q->size));
	}
	q->next_desc = (uint16_t)((head + count) % q->size);
	poke16(f, q->avail + 4 + 2ull * (q->avail_idx % q->size), head);
	q->avail_idx++;
	poke16(f, q->avail + 2, q->avail_idx);
}

/* A port: mostly one of a few, so packets meet connections. */
static uint32_t take_port(struct input *in)
{
	uint8_t kind = take8(in);

	if (kind < 0xc0)
		return 1000 + (kind & 7);
	if (kind < 0xe0)
		return VSOCK_EPHEMERAL_PORT_BASE + (kind & 7);
	return take32(in);
}

/* A tx packet: a plausible header, hostile now and then, split over 1-3 buffers. */
static void post_packet(struct fuzz *f, struct input *in)
{
	uint8_t shape = take8(in);
	uint8_t layout = take8(in);
	uint8_t raw[VSOCK_HDR_SIZE];
	struct vsock_hdr hdr = {
	    .src_cid = (shape & 1) ? take64(in) : f->cid,
	    .dst_cid = (shape & 2) ? take64(in) : VSOCK_CID_HOST,
	    .src_port = take_port(in),
	    .dst_port = take_port(in),
	    .type = (shape & 4) ? take16(in) : VSOCK_TYPE_STREAM,
	    .op = (uint16_t)(take8(in) % 9),
	    .flags = take8(in) & 7,
	    .buf_alloc = (shape & 8) ? take32(in) : 0x10000,
	    .fwd_cnt = take32(in),
	};
	uint32_t payload = (shape & 0x10) ? take32(in) % (VSOCK_MAX_PAYLOAD + 64) : take8(in);
	uint32_t total = VSOCK_HDR_SIZE + payload;
	uint64_t base = RAM_GPA + 3 * RING_AREA + (take16(in) % 0x4000);
	struct seg segs[3];
	unsigned count = 1 + (shape >> 6) % 3;
	uint32_t cut1, cut2;

	/* Now and then the ports of the connection the host last opened, to answer it. */
	if (layout & 1) {
		hdr.src_port = f->last_guest_port;
		hdr.dst_port = f->last_local_port;
		hdr.buf_alloc = 0x10000;
	}
	/* The header's len: mostly the payload, sometimes a lie. */
	hdr.len = (shape & 0x20) ? take32(in) : payload;
	if (base + total > RAM_GPA + RAM_SIZE)
		base = RAM_GPA + RAM_SIZE - total;
	vsock_hdr_encode(&hdr, raw);
	poke(f, base, raw, sizeof(raw));
	/* Linux's layout (header, then payload) or any split at all. */
	cut1 = count > 1 ? ((layout & 2) ? VSOCK_HDR_SIZE : take16(in) % (total + 1)) : total;
	cut2 = count > 2 ? cut1 + take16(in) % (total - cut1 + 1) : total;
	segs[0] = (struct seg){.gpa = base, .len = cut1};
	segs[1] = (struct seg){.gpa = base + cut1, .len = cut2 - cut1};
	segs[2] = (struct seg){.gpa = base + cut2, .len = total - cut2};
	post_chain(f, VSOCK_QUEUE_TX, segs, count);
}

/* Device-writable buffers for rx or event. */
static void post_writable(struct fuzz *f, struct input *in, unsigned queue)
{
	uint8_t shape = take8(in);
	unsigned count = 1 + shape % 3;
	struct seg segs[3];

	for (unsigned i = 0; i < count; i++) {
		uint32_t len = (shape & 0x80) ? take32(in) % 0x11000 : take16(in) % 0x1100;
		uint64_t gpa =
		    (shape & 0x40) ? take_gpa(in) : RAM_GPA + 3 * RING_AREA + take16(in) % 0x8000;

		if (!(shape & 0x40) && gpa + len > RAM_GPA + RAM_SIZE)
			len = (uint32_t)(RAM_GPA + RAM_SIZE - gpa);
		segs[i] = (struct seg){.gpa = gpa, .len = len, .write = !(shape & 0x20) || i > 0};
	}
	post_chain(f, queue, segs, count);
}

/* Anything at all on any queue, as rng's harness does. */
static void post_raw(struct fuzz *f, struct input *in)
{
	unsigned queue = take8(in) % VSOCK_NUM_QUEUES;
	struct queue_driver *q = &f->q[queue];
	unsigned count = 1 + (take8(in) & 3);
	uint16_t head = q->next_desc;

	if (q->size == 0)
		return;
	for (unsigned i = 0; i < count; i++) {
		uint16_t id = (uint16_t)((head + i) % q->size);

		put_desc(f, q->desc, id, take_gpa(in), take32(in), take16(in), take16(in));
	}
	q->next_desc = (uint16_t)((head + count) % q->size);
	poke16(f, q->avail + 4 + 2ull * (q->avail_idx % q->size), head);
	q->avail_idx++;
	poke16(f, q->avail + 2, q->avail_idx);
}

static void scribble(struct fuzz *f, struct input *in)
{
	uint64_t gpa = RAM_GPA + take16(in);
	size_t len = take8(in) % 32;

	if (len > in->size - in->pos)
		len = in->size - in->pos;
	poke(f, gpa, in->data + in->pos, len);
	in->pos += len;
}

/* An id: mostly one the host holds, sometimes any. */
static unsigned take_id(struct fuzz *f, struct input *in)
{
	uint8_t pick = take8(in);

	if (pick & 0x80)
		return pick & 0x7f; /* possibly not the host's, possibly out of range */
	for (unsigned n = 0; n < VSOCK_MAX_CONNS; n++) {
		unsigned id = (pick + n) % VSOCK_MAX_CONNS;

		if (f->conns[id].owned)
			return id;
	}
	return pick % VSOCK_MAX_CONNS;
}

static void host_event(struct fuzz *f, struct input *in)
{
	struct virtio_vsock *vs = &f->vs;
	uint32_t port;
	unsigned id;

	switch (take8(in) % 9) {
	case 0:
		if (virtio_vsock_host_connect(vs, take_port(in), &id, &port) == 0) {
			if (id >= VSOCK_MAX_CONNS || f->conns[id].owned ||
			    port < VSOCK_EPHEMERAL_PORT_BASE)
				abort();
			f->conns[id] = (struct host_conn){.owned = true, .mode = take8(in)};
			f->last_local_port = port;
			f->last_guest_port = f->vs.conns[id].peer_port;
		}
		break;
	case 1:
		id = take_id(f, in);
		/* Answers only for pending connects; others must be ignored. */
		if (id < VSOCK_MAX_CONNS && f->conns[id].owned &&
		    vs->conns[id].state == VSOCK_CONN_HOST_CONNECTING && !(take8(in) & 1)) {
			f->conns[id].owned = false; /* refused: no longer the host's */
			virtio_vsock_host_connected(vs, id, false);
		} else {
			virtio_vsock_host_connected(vs, id, true);
		}
		break;
	case 2:
		id = take_id(f, in);
		if (id < VSOCK_MAX_CONNS && f->conns[id].owned)
			f->conns[id].readable += take16(in);
		virtio_vsock_host_readable(vs, id);
		break;
	case 3:
		id = take_id(f, in);
		{
			uint32_t n = take32(in) % 0x20000;

			if (id < VSOCK_MAX_CONNS && f->conns[id].owned)
				f->conns[id].held -= n < f->conns[id].held ? n : f->conns[id].held;
			virtio_vsock_host_consumed(vs, id, n);
		}
		break;
	case 4:
		id = take_id(f, in);
		if (id < VSOCK_MAX_CONNS)
			f->conns[id].owned = false;
		virtio_vsock_host_closed(vs, id);
		break;
	case 5:
		id = take_id(f, in);
		if (id < VSOCK_MAX_CONNS)
			f->conns[id].mode = take8(in);
		break;
	case 6:
		f->connect_answer = (int8_t)(take8(in) % 3) - 1;
		f->connect_mode = take8(in);
		break;
	case 7:
		virtio_vsock_kick_rx(vs);
		break;
	case 8:
		virtio_vsock_transport_reset(vs);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {.data = data, .size = size};
	struct fuzz *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return 0;
	f->ram = calloc(1, RAM_SIZE);
	if (f->ram == NULL) {
		free(f);
		return 0;
	}
	vm_init(&f->vm, "fuzz", NULL);
	choose_layout(f, &in);
	if (guest_mem_add(&f->vm.mem, RAM_GPA, RAM_SIZE, f->ram) != 0 ||
	    virtio_vsock_init(&f->vs, &f->vm, "virtio-vsock", f->cid) != 0)
		abort();
	f->vs.virtio.transport = &transport;
	f->vs.virtio.transport_ctx = f;
	virtio_vsock_set_host(&f->vs, &host_ops, f);
	bring_up(f);

	for (unsigned op = 0; op < MAX_OPS && in.pos < in.size; op++) {
		uint64_t value;

		switch (take8(&in) % 10) {
		case 0:
		case 1:
			post_packet(f, &in);
			break;
		case 2:
			post_writable(f, &in,
				      (take8(&in) & 7) == 0 ? VSOCK_QUEUE_EVENT : VSOCK_QUEUE_RX);
			break;
		case 3:
			post_raw(f, &in);
			break;
		case 4:
			scribble(f, &in);
			break;
		case 5:
		case 6:
			f->vs.virtio.ops->queue_notify(&f->vs.virtio, take8(&in) % 4);
			break;
		case 7:
			host_event(f, &in);
			break;
		case 8:
			/* The driver resets the device and starts over. */
			virtio_device_reset(&f->vs.virtio);
			for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++) {
				if (f->conns[i].owned)
					abort(); /* a reset must close every connection */
			}
			if (take8(&in) & 1)
				bring_up(f);
			break;
		case 9:
			f->vs.virtio.ops->config_read(&f->vs.virtio, take8(&in) % 16,
						      (uint8_t)(1 << (take8(&in) % 4)), &value);
			break;
		}
	}
	/* Teardown as svmm does it: a reset closes what is left. */
	virtio_device_reset(&f->vs.virtio);
	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++) {
		if (f->conns[i].owned)
			abort();
	}
	free(f->ram);
	free(f);
	return 0;
}
