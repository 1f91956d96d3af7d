/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-vsock driven as a guest driver would drive it: split rings built by
 * hand in a fake guest RAM, packets posted on tx, rx buffers posted and read
 * back, notifies delivered through the device ops; a fake host records what
 * the device asked of it and serves data from per-connection buffers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/vm.h"
#include "host/linux/event_loop.h"
#include "host/linux/vsock_unix.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"
#include "virtio/vsock.h"

#define RAM_GPA	 0x40000000ull
#define RAM_SIZE 0x200000ull /* 2 MiB */
#define QSIZE	 64
/* Per queue: descriptors, avail and used rings one page each. */
#define QUEUE_GPA(q) (RAM_GPA + (uint64_t)(q)*0x4000)
#define DESC_GPA(q)  (QUEUE_GPA(q) + 0x0000)
#define AVAIL_GPA(q) (QUEUE_GPA(q) + 0x1000)
#define USED_GPA(q)  (QUEUE_GPA(q) + 0x2000)
#define DATA_GPA     (RAM_GPA + 0x10000)
#define DATA_END     (RAM_GPA + RAM_SIZE)

#define CID	    7u
#define RX_BUF_SIZE (VSOCK_HDR_SIZE + 4096)
#define SINK_SIZE   (256 * 1024)
#define SOURCE_SIZE (256 * 1024)
#define MAX_PKT	    (VSOCK_HDR_SIZE + VSOCK_MAX_PAYLOAD)

/* What the fake host holds for one connection id. */
struct host_conn {
	bool open;
	uint8_t *sink; /* guest bytes received */
	size_t sink_len;
	uint8_t *source; /* bytes for the guest */
	size_t source_len, source_pos;
	bool source_eof;
	bool recv_error;
	bool send_error;
	unsigned shutdown_writes;
	unsigned closes;
	unsigned established;
	unsigned connects;
	uint32_t connect_port;
};

struct fake_host {
	int connect_answer; /* 1, 0 or negative */
	/* How much of each send the host passes on at once: all, or none. */
	bool consume_all;
	size_t recv_chunk; /* most bytes per recv call (0: no limit) */
	unsigned connect_calls;
	unsigned recv_calls;
	unsigned close_calls;
	struct host_conn conns[VSOCK_MAX_CONNS];
};

struct queue_driver {
	uint16_t next_desc;
	uint16_t avail_idx;
	uint16_t used_seen;
	uint64_t head_gpa[QSIZE]; /* first buffer of the chain at each head */
};

struct fixture {
	struct vm vm;
	struct virtio_vsock vs;
	uint8_t *ram;
	uint64_t data_next;
	struct queue_driver q[VSOCK_NUM_QUEUES];
	struct fake_host host;
	unsigned signals;
	unsigned needs_reset;
	unsigned logs;
	/* End-to-end tests: the real unix-socket host instead of the fake one. */
	struct vsock_unix *vu;
	struct event_loop loop;
	char dir[64];
	char path[128];
};

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* ---- fake host ---- */

static int host_connect(void *ctx, unsigned conn, uint32_t port)
{
	struct fake_host *h = ctx;

	assert_true(conn < VSOCK_MAX_CONNS);
	h->connect_calls++;
	h->conns[conn].connects++;
	h->conns[conn].connect_port = port;
	if (h->connect_answer >= 0) {
		assert_false(h->conns[conn].open);
		h->conns[conn].open = true;
	}
	return h->connect_answer;
}

static void host_established(void *ctx, unsigned conn)
{
	struct fake_host *h = ctx;

	assert_true(h->conns[conn].open);
	h->conns[conn].established++;
}

static int host_send(void *ctx, unsigned conn, const void *data, size_t len)
{
	struct fake_host *h = ctx;
	struct host_conn *c = &h->conns[conn];

	assert_true(c->open);
	if (c->send_error)
		return -SVMM_EIO;
	assert_true(c->sink_len + len <= SINK_SIZE);
	memcpy(c->sink + c->sink_len, data, len);
	c->sink_len += len;
	return h->consume_all ? (int)len : 0;
}

static int host_recv(void *ctx, unsigned conn, void *buf, size_t len)
{
	struct fake_host *h = ctx;
	struct host_conn *c = &h->conns[conn];
	size_t avail;

	assert_true(c->open);
	assert_true(len > 0);
	h->recv_calls++;
	if (c->recv_error)
		return VSOCK_RECV_ERROR;
	avail = c->source_len - c->source_pos;
	if (avail == 0)
		return c->source_eof ? VSOCK_RECV_EOF : 0;
	if (len > avail)
		len = avail;
	if (h->recv_chunk != 0 && len > h->recv_chunk)
		len = h->recv_chunk;
	memcpy(buf, c->source + c->source_pos, len);
	c->source_pos += len;
	return (int)len;
}

static void host_shutdown_write(void *ctx, unsigned conn)
{
	struct fake_host *h = ctx;

	assert_true(h->conns[conn].open);
	h->conns[conn].shutdown_writes++;
}

static void host_close(void *ctx, unsigned conn)
{
	struct fake_host *h = ctx;

	assert_true(h->conns[conn].open);
	h->conns[conn].open = false;
	h->conns[conn].closes++;
	h->close_calls++;
}

static const struct vsock_host_ops fake_host_ops = {
    .connect = host_connect,
    .established = host_established,
    .send = host_send,
    .recv = host_recv,
    .shutdown_write = host_shutdown_write,
    .close = host_close,
};

/* ---- fake transport and log ---- */

static void fake_signal_used(struct virtio_device *dev, unsigned queue)
{
	struct fixture *f = dev->transport_ctx;

	assert_true(queue < VSOCK_NUM_QUEUES);
	f->signals++;
}

static void fake_signal_config(struct virtio_device *dev)
{
	(void)dev;
}

static void fake_needs_reset(struct virtio_device *dev)
{
	struct fixture *f = dev->transport_ctx;

	f->needs_reset++;
}

static const struct virtio_transport_ops fake_transport = {
    .signal_used = fake_signal_used,
    .signal_config = fake_signal_config,
    .needs_reset = fake_needs_reset,
};

static void fake_vlog(void *ctx, enum log_level level, const char *fmt, va_list args)
{
	unsigned *logs = ctx;

	(void)level;
	(void)fmt;
	(void)args;
	(*logs)++;
}

/* ---- guest memory and rings ---- */

static uint8_t *host_ptr(struct fixture *f, uint64_t gpa)
{
	assert_true(gpa >= RAM_GPA && gpa < RAM_GPA + RAM_SIZE);
	return f->ram + (gpa - RAM_GPA);
}

static void put16(struct fixture *f, uint64_t gpa, uint16_t v)
{
	uint8_t *p = host_ptr(f, gpa);

	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(struct fixture *f, uint64_t gpa, uint32_t v)
{
	put16(f, gpa, (uint16_t)v);
	put16(f, gpa + 2, (uint16_t)(v >> 16));
}

static void put64(struct fixture *f, uint64_t gpa, uint64_t v)
{
	put32(f, gpa, (uint32_t)v);
	put32(f, gpa + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(struct fixture *f, uint64_t gpa)
{
	uint8_t *p = host_ptr(f, gpa);

	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(struct fixture *f, uint64_t gpa)
{
	return get16(f, gpa) | (uint32_t)get16(f, gpa + 2) << 16;
}

/* Guest buffers come from a bump allocator that wraps (tests keep few alive). */
static uint64_t guest_alloc(struct fixture *f, uint32_t len)
{
	uint64_t gpa;

	len = (len + 15) & ~15u;
	if (f->data_next + len > DATA_END)
		f->data_next = DATA_GPA;
	gpa = f->data_next;
	f->data_next += len;
	return gpa;
}

static void post_chain(struct fixture *f, unsigned q, const struct seg *segs, unsigned n)
{
	struct queue_driver *d = &f->q[q];
	uint16_t head = d->next_desc;

	for (unsigned i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((head + i) % QSIZE);
		uint64_t desc = DESC_GPA(q) + 16ull * idx;
		uint16_t flags = (uint16_t)((segs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
					    (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));

		put64(f, desc, segs[i].gpa);
		put32(f, desc + 8, segs[i].len);
		put16(f, desc + 12, flags);
		put16(f, desc + 14, (uint16_t)((idx + 1) % QSIZE));
	}
	d->next_desc = (uint16_t)((head + n) % QSIZE);
	d->head_gpa[head] = segs[0].gpa;
	put16(f, AVAIL_GPA(q) + 4 + 2 * (d->avail_idx % QSIZE), head);
	d->avail_idx++;
	put16(f, AVAIL_GPA(q) + 2, d->avail_idx);
}

static void notify(struct fixture *f, unsigned q)
{
	f->vs.virtio.ops->queue_notify(&f->vs.virtio, q);
}

/* Posts one device-writable rx buffer of `len` bytes. */
static void post_rx(struct fixture *f, uint32_t len, bool kick)
{
	struct seg s = {.gpa = guest_alloc(f, len), .len = len, .write = true};

	memset(host_ptr(f, s.gpa), 0xa5, len);
	post_chain(f, VSOCK_QUEUE_RX, &s, 1);
	if (kick)
		notify(f, VSOCK_QUEUE_RX);
}

static void post_rx_many(struct fixture *f, unsigned count, uint32_t len)
{
	for (unsigned i = 0; i < count; i++)
		post_rx(f, len, false);
	notify(f, VSOCK_QUEUE_RX);
}

static struct vsock_hdr guest_hdr(uint16_t op, uint32_t src_port, uint32_t dst_port)
{
	return (struct vsock_hdr){
	    .src_cid = CID,
	    .dst_cid = VSOCK_CID_HOST,
	    .src_port = src_port,
	    .dst_port = dst_port,
	    .type = VSOCK_TYPE_STREAM,
	    .op = op,
	    .buf_alloc = 256 * 1024,
	};
}

/*
 * Posts a packet on tx as Linux lays it out (header and payload in two
 * buffers; `split` cuts the payload in two more), without notifying.
 */
static void queue_packet(struct fixture *f, const struct vsock_hdr *hdr, const void *payload,
			 uint32_t payload_len, bool split)
{
	struct seg segs[3];
	unsigned n = 0;

	segs[n] = (struct seg){.gpa = guest_alloc(f, VSOCK_HDR_SIZE), .len = VSOCK_HDR_SIZE};
	vsock_hdr_encode(hdr, host_ptr(f, segs[n].gpa));
	n++;
	if (payload_len > 0) {
		uint32_t first = split ? payload_len / 2 : payload_len;

		segs[n] = (struct seg){.gpa = guest_alloc(f, first), .len = first};
		memcpy(host_ptr(f, segs[n].gpa), payload, first);
		n++;
		if (first < payload_len) {
			segs[n] = (struct seg){.gpa = guest_alloc(f, payload_len - first),
					       .len = payload_len - first};
			memcpy(host_ptr(f, segs[n].gpa), (const uint8_t *)payload + first,
			       payload_len - first);
			n++;
		}
	}
	post_chain(f, VSOCK_QUEUE_TX, segs, n);
}

static void send_packet(struct fixture *f, const struct vsock_hdr *hdr, const void *payload,
			uint32_t payload_len)
{
	queue_packet(f, hdr, payload, payload_len, false);
	notify(f, VSOCK_QUEUE_TX);
}

static void send_op(struct fixture *f, uint16_t op, uint32_t src_port, uint32_t dst_port)
{
	struct vsock_hdr hdr = guest_hdr(op, src_port, dst_port);

	send_packet(f, &hdr, NULL, 0);
}

/* How many tx packets the device has handed back. */
static uint16_t tx_used(struct fixture *f)
{
	return get16(f, USED_GPA(VSOCK_QUEUE_TX) + 2);
}

/*
 * Takes the next packet the device put on rx: true and the header (and up
 * to `max` payload bytes), or false when there is none.
 */
static bool pop_rx(struct fixture *f, struct vsock_hdr *hdr, void *payload, size_t max)
{
	struct queue_driver *d = &f->q[VSOCK_QUEUE_RX];
	uint64_t used = USED_GPA(VSOCK_QUEUE_RX);
	uint32_t head, written;
	uint64_t gpa;

	if (get16(f, used + 2) == d->used_seen)
		return false;
	head = get32(f, used + 4 + 8 * (d->used_seen % QSIZE));
	written = get32(f, used + 8 + 8 * (d->used_seen % QSIZE));
	d->used_seen++;
	assert_true(head < QSIZE);
	gpa = d->head_gpa[head];
	assert_true(written >= VSOCK_HDR_SIZE);
	vsock_hdr_decode(host_ptr(f, gpa), hdr);
	assert_int_equal(written, VSOCK_HDR_SIZE + hdr->len);
	if (payload != NULL) {
		assert_true(hdr->len <= max);
		memcpy(payload, host_ptr(f, gpa + VSOCK_HDR_SIZE), hdr->len);
	}
	return true;
}

/* The next rx packet must be `op` from the host to the guest's `guest_port`. */
static struct vsock_hdr expect_rx(struct fixture *f, uint16_t op, uint32_t guest_port)
{
	struct vsock_hdr hdr;

	assert_true(pop_rx(f, &hdr, NULL, 0));
	assert_int_equal(hdr.op, op);
	assert_int_equal(hdr.dst_cid, CID);
	assert_int_equal(hdr.dst_port, guest_port);
	assert_int_equal(hdr.type, VSOCK_TYPE_STREAM);
	return hdr;
}

static void expect_no_rx(struct fixture *f)
{
	struct vsock_hdr hdr;

	assert_false(pop_rx(f, &hdr, NULL, 0));
}

/* ---- fixture ---- */

static void bring_up(struct fixture *f)
{
	struct virtio_device *dev = &f->vs.virtio;

	dev->driver_features = 1ull << VIRTIO_F_VERSION_1;
	dev->status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	for (unsigned q = 0; q < VSOCK_NUM_QUEUES; q++) {
		struct virtq *vq = &dev->queues[q];

		virtq_reset(vq, &f->vm.mem);
		vq->size = QSIZE;
		vq->desc_gpa = DESC_GPA(q);
		vq->avail_gpa = AVAIL_GPA(q);
		vq->used_gpa = USED_GPA(q);
		assert_int_equal(virtq_enable(vq), 0);
		vq->ready = true;
	}
	dev->status |= VIRTIO_STATUS_DRIVER_OK;
	dev->ops->driver_ok(dev);
}

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct log_sink sink = {.vlog = fake_vlog, .max_level = LOG_DEBUG};

	assert_non_null(f);
	f->ram = calloc(1, RAM_SIZE);
	assert_non_null(f->ram);
	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++) {
		f->host.conns[i].sink = calloc(1, SINK_SIZE);
		f->host.conns[i].source = calloc(1, SOURCE_SIZE);
		assert_non_null(f->host.conns[i].sink);
		assert_non_null(f->host.conns[i].source);
	}
	sink.ctx = &f->logs;
	vm_init(&f->vm, "test", &sink);
	assert_int_equal(guest_mem_add(&f->vm.mem, RAM_GPA, RAM_SIZE, f->ram), 0);
	assert_int_equal(virtio_vsock_init(&f->vs, &f->vm, "virtio-vsock0", CID), 0);
	f->vs.virtio.transport = &fake_transport;
	f->vs.virtio.transport_ctx = f;
	f->host.connect_answer = 1;
	f->host.consume_all = true;
	virtio_vsock_set_host(&f->vs, &fake_host_ops, &f->host);
	f->data_next = DATA_GPA;
	bring_up(f);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++) {
		free(f->host.conns[i].sink);
		free(f->host.conns[i].source);
	}
	free(f->ram);
	free(f);
	return 0;
}

/* The host id of the connection guest port `guest_port` opened to host port `port`. */
static unsigned conn_of(struct fixture *f, uint32_t guest_port, uint32_t port)
{
	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++) {
		const struct vsock_conn *c = &f->vs.conns[i];

		if (c->state != VSOCK_CONN_FREE && c->peer_port == guest_port &&
		    c->local_port == port)
			return i;
	}
	fail_msg("no connection %u -> %u", guest_port, port);
	return 0;
}

/* A guest-initiated connection, accepted by the host: returns its id. */
static unsigned open_guest_conn(struct fixture *f, uint32_t guest_port, uint32_t port)
{
	unsigned id;

	send_op(f, VSOCK_OP_REQUEST, guest_port, port);
	expect_rx(f, VSOCK_OP_RESPONSE, guest_port);
	id = conn_of(f, guest_port, port);
	/* Ids are reused: count from here. */
	f->host.conns[id].closes = 0;
	f->host.conns[id].sink_len = 0;
	return id;
}

static void host_give(struct fixture *f, unsigned id, const void *data, size_t len)
{
	struct host_conn *c = &f->host.conns[id];

	assert_true(c->source_len + len <= SOURCE_SIZE);
	memcpy(c->source + c->source_len, data, len);
	c->source_len += len;
	virtio_vsock_host_readable(&f->vs, id);
}

/* ---- tests ---- */

static void test_identity_and_config(void **state)
{
	struct fixture *f = *state;
	struct virtio_device *dev = &f->vs.virtio;
	struct virtio_vsock other;
	uint64_t value;

	assert_int_equal(dev->ops->device_id, VIRTIO_ID_VSOCK);
	assert_int_equal(dev->ops->num_queues, 3);
	assert_int_equal(dev->ops->features(dev), 0);
	dev->ops->config_read(dev, 0, 8, &value);
	assert_int_equal(value, CID);
	dev->ops->config_read(dev, 0, 4, &value);
	assert_int_equal(value, CID);
	dev->ops->config_read(dev, 4, 4, &value);
	assert_int_equal(value, 0);
	dev->ops->config_read(dev, 8, 4, &value);
	assert_int_equal(value, 0);

	assert_int_equal(virtio_vsock_init(&other, &f->vm, "v", 3), 0);
	other.guest_cid = 0x12345678u;
	other.virtio.ops->config_read(&other.virtio, 1, 2, &value);
	assert_int_equal(value, 0x3456);
	assert_int_equal(virtio_vsock_init(&other, &f->vm, "v", 0), -SVMM_EINVAL);
	assert_int_equal(virtio_vsock_init(&other, &f->vm, "v", 2), -SVMM_EINVAL);
	assert_int_equal(virtio_vsock_init(&other, &f->vm, "v", 0xffffffffull), -SVMM_EINVAL);
	assert_int_equal(virtio_vsock_init(&other, &f->vm, "v", 1ull << 32), -SVMM_EINVAL);
	assert_int_equal(virtio_vsock_init(&other, &f->vm, "v", 0xfffffffeull), 0);
}

static void test_header_round_trip(void **state)
{
	struct vsock_hdr in = {
	    .src_cid = 0x0102030405060708ull,
	    .dst_cid = 2,
	    .src_port = 0x11223344,
	    .dst_port = 52,
	    .len = 9,
	    .type = 1,
	    .op = 5,
	    .flags = 3,
	    .buf_alloc = 0x10000,
	    .fwd_cnt = 0xdeadbeef,
	};
	struct vsock_hdr out;
	uint8_t raw[VSOCK_HDR_SIZE];

	(void)state;
	vsock_hdr_encode(&in, raw);
	assert_int_equal(raw[0], 0x08);
	assert_int_equal(raw[7], 0x01);
	assert_int_equal(raw[24], 9);	 /* len */
	assert_int_equal(raw[30], 5);	 /* op */
	assert_int_equal(raw[40], 0xef); /* fwd_cnt, little-endian */
	vsock_hdr_decode(raw, &out);
	assert_int_equal(out.src_cid, in.src_cid);
	assert_int_equal(out.dst_cid, in.dst_cid);
	assert_int_equal(out.src_port, in.src_port);
	assert_int_equal(out.dst_port, in.dst_port);
	assert_int_equal(out.len, in.len);
	assert_int_equal(out.type, in.type);
	assert_int_equal(out.op, in.op);
	assert_int_equal(out.flags, in.flags);
	assert_int_equal(out.buf_alloc, in.buf_alloc);
	assert_int_equal(out.fwd_cnt, in.fwd_cnt);
}

static void test_guest_connect_accepted(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	send_op(f, VSOCK_OP_REQUEST, 1000, 52);
	assert_int_equal(tx_used(f), 1);
	assert_int_equal(f->host.connect_calls, 1);
	id = conn_of(f, 1000, 52);
	assert_int_equal(f->host.conns[id].connect_port, 52);
	hdr = expect_rx(f, VSOCK_OP_RESPONSE, 1000);
	assert_int_equal(hdr.src_cid, VSOCK_CID_HOST);
	assert_int_equal(hdr.src_port, 52);
	assert_int_equal(hdr.len, 0);
	assert_int_equal(hdr.buf_alloc, VSOCK_HOST_BUF_ALLOC);
	assert_int_equal(hdr.fwd_cnt, 0);
	assert_true(f->signals > 0);
	expect_no_rx(f);
	assert_int_equal(f->logs, 0);
}

static void test_guest_connect_refused(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;

	post_rx_many(f, 4, RX_BUF_SIZE);
	f->host.connect_answer = -SVMM_ENOENT;
	send_op(f, VSOCK_OP_REQUEST, 1000, 52);
	hdr = expect_rx(f, VSOCK_OP_RST, 1000);
	assert_int_equal(hdr.src_port, 52);
	assert_int_equal(hdr.src_cid, VSOCK_CID_HOST);
	expect_no_rx(f);
	/* The id never was the host's: no close for it, and the slot is free again. */
	assert_int_equal(f->host.close_calls, 0);
	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++)
		assert_int_equal(f->vs.conns[i].state, VSOCK_CONN_FREE);
}

static void test_guest_connect_without_host(void **state)
{
	struct fixture *f = *state;

	virtio_vsock_set_host(&f->vs, NULL, NULL);
	post_rx_many(f, 2, RX_BUF_SIZE);
	send_op(f, VSOCK_OP_REQUEST, 1000, 52);
	expect_rx(f, VSOCK_OP_RST, 1000);
}

static void test_guest_connect_answered_later(void **state)
{
	struct fixture *f = *state;
	unsigned a, b;

	post_rx_many(f, 4, RX_BUF_SIZE);
	f->host.connect_answer = 0;
	send_op(f, VSOCK_OP_REQUEST, 1000, 52);
	send_op(f, VSOCK_OP_REQUEST, 1001, 53);
	expect_no_rx(f);
	a = conn_of(f, 1000, 52);
	b = conn_of(f, 1001, 53);
	virtio_vsock_host_connected(&f->vs, a, true);
	expect_rx(f, VSOCK_OP_RESPONSE, 1000);
	f->host.conns[b].open = false; /* the host gave up on it */
	virtio_vsock_host_connected(&f->vs, b, false);
	expect_rx(f, VSOCK_OP_RST, 1001);
	assert_int_equal(f->host.close_calls, 0);
	/* A second answer, or one for an established connection, changes nothing. */
	virtio_vsock_host_connected(&f->vs, a, false);
	virtio_vsock_host_connected(&f->vs, b, true);
	expect_no_rx(f);
	assert_int_equal(f->vs.conns[a].state, VSOCK_CONN_ESTABLISHED);
}

static void test_guest_data_reaches_host(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	uint8_t big[9000];
	unsigned id;

	post_rx_many(f, 8, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	hdr = guest_hdr(VSOCK_OP_RW, 1000, 52);
	hdr.len = 5;
	send_packet(f, &hdr, "hello", 5);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	hdr.len = sizeof(big);
	queue_packet(f, &hdr, big, sizeof(big), true);
	notify(f, VSOCK_QUEUE_TX);
	assert_int_equal(f->host.conns[id].sink_len, 5 + sizeof(big));
	assert_memory_equal(f->host.conns[id].sink, "hello", 5);
	assert_memory_equal(f->host.conns[id].sink + 5, big, sizeof(big));
	assert_int_equal(f->vs.conns[id].fwd_cnt, 5 + sizeof(big));
	/* Nothing asked for an update yet, and little was used. */
	expect_no_rx(f);
	/* A zero-length RW is a no-op. */
	hdr.len = 0;
	send_packet(f, &hdr, NULL, 0);
	assert_int_equal(f->host.conns[id].sink_len, 5 + sizeof(big));
	assert_int_equal(f->logs, 0);
}

static void test_payload_bytes_past_len_are_ignored(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	hdr = guest_hdr(VSOCK_OP_RW, 1000, 52);
	hdr.len = 3;
	send_packet(f, &hdr, "abcdef", 6);
	assert_int_equal(f->host.conns[id].sink_len, 3);
	assert_memory_equal(f->host.conns[id].sink, "abc", 3);
}

static void test_guest_beyond_credit_is_reset(void **state)
{
	struct fixture *f = *state;
	static uint8_t chunk[32768];
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 8, RX_BUF_SIZE);
	f->host.consume_all = false; /* the host socket is full: it holds everything */
	id = open_guest_conn(f, 1000, 52);
	hdr = guest_hdr(VSOCK_OP_RW, 1000, 52);
	hdr.len = sizeof(chunk);
	send_packet(f, &hdr, chunk, sizeof(chunk));
	send_packet(f, &hdr, chunk, sizeof(chunk));
	/* Exactly buf_alloc held: still fine. */
	assert_int_equal(f->host.conns[id].sink_len, VSOCK_HOST_BUF_ALLOC);
	assert_int_equal(f->vs.conns[id].state, VSOCK_CONN_ESTABLISHED);
	expect_no_rx(f);
	/* One byte more than the credit. */
	hdr.len = 1;
	send_packet(f, &hdr, chunk, 1);
	assert_int_equal(f->host.conns[id].sink_len, VSOCK_HOST_BUF_ALLOC);
	assert_int_equal(f->host.conns[id].closes, 1);
	expect_rx(f, VSOCK_OP_RST, 1000);
	assert_true(f->logs > 0);
}

static void test_credit_update_after_consumption(void **state)
{
	struct fixture *f = *state;
	static uint8_t chunk[16384];
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 8, RX_BUF_SIZE);
	f->host.consume_all = false;
	id = open_guest_conn(f, 1000, 52);
	hdr = guest_hdr(VSOCK_OP_RW, 1000, 52);
	hdr.len = sizeof(chunk);
	send_packet(f, &hdr, chunk, sizeof(chunk));
	send_packet(f, &hdr, chunk, sizeof(chunk));
	/* Half the buffer used in the guest's view: no update yet. */
	virtio_vsock_host_consumed(&f->vs, id, 1000);
	expect_no_rx(f);
	/* Past half: the next packet (or consumption) brings an update. */
	send_packet(f, &hdr, chunk, sizeof(chunk));
	hdr = expect_rx(f, VSOCK_OP_CREDIT_UPDATE, 1000);
	assert_int_equal(hdr.fwd_cnt, 1000);
	assert_int_equal(hdr.buf_alloc, VSOCK_HOST_BUF_ALLOC);
	expect_no_rx(f);
	virtio_vsock_host_consumed(&f->vs, id, 20000);
	hdr = expect_rx(f, VSOCK_OP_CREDIT_UPDATE, 1000);
	assert_int_equal(hdr.fwd_cnt, 21000);
	expect_no_rx(f);
	/* A host claiming more than it holds is clamped to what it holds. */
	virtio_vsock_host_consumed(&f->vs, id, 1000000);
	assert_int_equal(f->vs.conns[id].fwd_cnt, 3 * sizeof(chunk));
	/* Consumption for an id the host does not own is ignored. */
	virtio_vsock_host_consumed(&f->vs, VSOCK_MAX_CONNS + 3, 5);
	virtio_vsock_host_consumed(&f->vs, (id + 1) % VSOCK_MAX_CONNS, 5);
}

static void test_credit_request_answered(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	hdr = guest_hdr(VSOCK_OP_RW, 1000, 52);
	hdr.len = 4;
	send_packet(f, &hdr, "abcd", 4);
	send_op(f, VSOCK_OP_CREDIT_REQUEST, 1000, 52);
	hdr = expect_rx(f, VSOCK_OP_CREDIT_UPDATE, 1000);
	assert_int_equal(hdr.fwd_cnt, 4);
	assert_int_equal(hdr.buf_alloc, VSOCK_HOST_BUF_ALLOC);
	(void)id;
}

static void test_host_data_respects_guest_credit(void **state)
{
	struct fixture *f = *state;
	static uint8_t data[10000];
	uint8_t got[RX_BUF_SIZE];
	struct vsock_hdr hdr;
	size_t total = 0;
	unsigned id;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	post_rx_many(f, 16, RX_BUF_SIZE);
	hdr = guest_hdr(VSOCK_OP_REQUEST, 1000, 52);
	hdr.buf_alloc = 3000; /* the guest's socket buffer */
	send_packet(f, &hdr, NULL, 0);
	expect_rx(f, VSOCK_OP_RESPONSE, 1000);
	id = conn_of(f, 1000, 52);
	host_give(f, id, data, sizeof(data));
	while (pop_rx(f, &hdr, got, sizeof(got)) && hdr.op == VSOCK_OP_RW) {
		assert_memory_equal(got, data + total, hdr.len);
		total += hdr.len;
	}
	assert_int_equal(total, 3000);
	/* Out of credit with data waiting: the device asks once. */
	assert_int_equal(hdr.op, VSOCK_OP_CREDIT_REQUEST);
	expect_no_rx(f);
	virtio_vsock_kick_rx(&f->vs);
	expect_no_rx(f);
	/* The guest's reader took 2000 bytes. */
	hdr = guest_hdr(VSOCK_OP_CREDIT_UPDATE, 1000, 52);
	hdr.buf_alloc = 3000;
	hdr.fwd_cnt = 2000;
	send_packet(f, &hdr, NULL, 0);
	assert_true(pop_rx(f, &hdr, got, sizeof(got)));
	assert_int_equal(hdr.op, VSOCK_OP_RW);
	assert_int_equal(hdr.len, 2000);
	assert_memory_equal(got, data + 3000, 2000);
	/* Out of credit again: one more request. */
	expect_rx(f, VSOCK_OP_CREDIT_REQUEST, 1000);
	/* A guest fwd_cnt past what was sent gives no credit at all. */
	hdr = guest_hdr(VSOCK_OP_CREDIT_UPDATE, 1000, 52);
	hdr.buf_alloc = 3000;
	hdr.fwd_cnt = 999999;
	send_packet(f, &hdr, NULL, 0);
	expect_no_rx(f);
	/* Enough credit for the rest; packets are as big as the rx buffers allow. */
	hdr.buf_alloc = 1u << 20;
	hdr.fwd_cnt = 5000;
	send_packet(f, &hdr, NULL, 0);
	total = 5000;
	while (pop_rx(f, &hdr, got, sizeof(got))) {
		assert_int_equal(hdr.op, VSOCK_OP_RW);
		assert_true(hdr.len <= RX_BUF_SIZE - VSOCK_HDR_SIZE);
		assert_memory_equal(got, data + total, hdr.len);
		total += hdr.len;
	}
	assert_int_equal(total, sizeof(data));
	assert_int_equal(f->vs.conns[id].tx_cnt, sizeof(data));
}

static void test_host_data_waits_for_rx_buffers(void **state)
{
	struct fixture *f = *state;
	uint8_t got[RX_BUF_SIZE];
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 1, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	host_give(f, id, "ping", 4);
	expect_no_rx(f);
	/* Nothing pulled while there was no buffer: the data stays with the host. */
	assert_int_equal(f->host.conns[id].source_pos, 0);
	post_rx(f, RX_BUF_SIZE, true);
	assert_true(pop_rx(f, &hdr, got, sizeof(got)));
	assert_int_equal(hdr.op, VSOCK_OP_RW);
	assert_int_equal(hdr.len, 4);
	assert_memory_equal(got, "ping", 4);
	assert_int_equal(hdr.src_port, 52);
	assert_int_equal(hdr.dst_port, 1000);
}

static void test_host_data_split_buffers(void **state)
{
	struct fixture *f = *state;
	uint8_t data[300];
	struct seg segs[3];
	struct vsock_hdr hdr;
	unsigned id;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	post_rx_many(f, 1, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	/* Header split across two buffers, payload in a third, as a driver may do. */
	segs[0] = (struct seg){.gpa = guest_alloc(f, 20), .len = 20, .write = true};
	segs[1] = (struct seg){.gpa = guest_alloc(f, 100), .len = 100, .write = true};
	segs[2] = (struct seg){.gpa = guest_alloc(f, 1000), .len = 1000, .write = true};
	post_chain(f, VSOCK_QUEUE_RX, segs, 3);
	f->host.recv_chunk = 50; /* short reads */
	host_give(f, id, data, sizeof(data));
	{
		uint8_t raw[VSOCK_HDR_SIZE];
		uint8_t payload[300];
		uint64_t used = USED_GPA(VSOCK_QUEUE_RX);

		assert_int_equal(get16(f, used + 2), 2);
		memcpy(raw, host_ptr(f, segs[0].gpa), 20);
		memcpy(raw + 20, host_ptr(f, segs[1].gpa), VSOCK_HDR_SIZE - 20);
		vsock_hdr_decode(raw, &hdr);
		assert_int_equal(hdr.op, VSOCK_OP_RW);
		/* One short read ends the packet: 50 bytes, the rest follows later. */
		assert_int_equal(hdr.len, 50);
		memcpy(payload, host_ptr(f, segs[1].gpa + VSOCK_HDR_SIZE - 20), 50);
		assert_memory_equal(payload, data, 50);
	}
}

static void test_round_robin(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	unsigned a, b;
	uint8_t data[RX_BUF_SIZE * 3];
	unsigned from_a = 0, from_b = 0;

	memset(data, 'x', sizeof(data));
	post_rx_many(f, 2, RX_BUF_SIZE);
	a = open_guest_conn(f, 1000, 52);
	b = open_guest_conn(f, 1001, 52);
	host_give(f, a, data, sizeof(data));
	host_give(f, b, data, sizeof(data));
	for (int i = 0; i < 4; i++) {
		post_rx(f, RX_BUF_SIZE, true);
		assert_true(pop_rx(f, &hdr, NULL, 0));
		assert_int_equal(hdr.op, VSOCK_OP_RW);
		if (hdr.dst_port == 1000)
			from_a++;
		else
			from_b++;
	}
	assert_int_equal(from_a, 2);
	assert_int_equal(from_b, 2);
	(void)b;
}

static void test_host_eof_sends_shutdown_after_data(void **state)
{
	struct fixture *f = *state;
	uint8_t got[RX_BUF_SIZE];
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	f->host.conns[id].source_eof = true;
	host_give(f, id, "bye", 3);
	assert_true(pop_rx(f, &hdr, got, sizeof(got)));
	assert_int_equal(hdr.op, VSOCK_OP_RW);
	assert_memory_equal(got, "bye", 3);
	hdr = expect_rx(f, VSOCK_OP_SHUTDOWN, 1000);
	assert_int_equal(hdr.flags, VSOCK_SHUTDOWN_SEND);
	expect_no_rx(f);
	/* The guest can still send; then it closes, and gets the final RST. */
	hdr = guest_hdr(VSOCK_OP_RW, 1000, 52);
	hdr.len = 2;
	send_packet(f, &hdr, "ok", 2);
	assert_int_equal(f->host.conns[id].sink_len, 2);
	hdr = guest_hdr(VSOCK_OP_SHUTDOWN, 1000, 52);
	hdr.flags = VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND;
	send_packet(f, &hdr, NULL, 0);
	expect_rx(f, VSOCK_OP_RST, 1000);
	assert_int_equal(f->host.conns[id].closes, 1);
	assert_int_equal(f->vs.conns[id].state, VSOCK_CONN_FREE);
}

static void test_host_recv_error_resets(void **state)
{
	struct fixture *f = *state;
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	f->host.conns[id].recv_error = true;
	virtio_vsock_host_readable(&f->vs, id);
	expect_rx(f, VSOCK_OP_RST, 1000);
	assert_int_equal(f->host.conns[id].closes, 1);
}

static void test_host_send_error_resets(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	f->host.conns[id].send_error = true;
	hdr = guest_hdr(VSOCK_OP_RW, 1000, 52);
	hdr.len = 2;
	send_packet(f, &hdr, "hi", 2);
	expect_rx(f, VSOCK_OP_RST, 1000);
	assert_int_equal(f->host.conns[id].closes, 1);
}

static void test_guest_shutdown_half_then_full(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	hdr = guest_hdr(VSOCK_OP_SHUTDOWN, 1000, 52);
	hdr.flags = VSOCK_SHUTDOWN_SEND;
	send_packet(f, &hdr, NULL, 0);
	assert_int_equal(f->host.conns[id].shutdown_writes, 1);
	expect_no_rx(f);
	/* Data still flows to the guest after it stopped sending. */
	host_give(f, id, "late", 4);
	assert_true(pop_rx(f, &hdr, NULL, 0));
	assert_int_equal(hdr.op, VSOCK_OP_RW);
	/* Data from a guest that said it would send no more breaks the stream. */
	hdr = guest_hdr(VSOCK_OP_RW, 1000, 52);
	hdr.len = 1;
	send_packet(f, &hdr, "x", 1);
	expect_rx(f, VSOCK_OP_RST, 1000);
	assert_int_equal(f->host.conns[id].sink_len, 0);
	assert_int_equal(f->host.conns[id].closes, 1);
}

static void test_guest_shutdown_receive_stops_data(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	hdr = guest_hdr(VSOCK_OP_SHUTDOWN, 1000, 52);
	hdr.flags = VSOCK_SHUTDOWN_RCV;
	send_packet(f, &hdr, NULL, 0);
	host_give(f, id, "unwanted", 8);
	expect_no_rx(f);
	assert_int_equal(f->host.recv_calls, 0);
	hdr.flags = VSOCK_SHUTDOWN_SEND;
	send_packet(f, &hdr, NULL, 0);
	assert_int_equal(f->host.conns[id].shutdown_writes, 1);
	expect_rx(f, VSOCK_OP_RST, 1000);
	assert_int_equal(f->host.conns[id].closes, 1);
}

static void test_guest_rst_closes(void **state)
{
	struct fixture *f = *state;
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	send_op(f, VSOCK_OP_RST, 1000, 52);
	expect_no_rx(f); /* never an RST for an RST */
	assert_int_equal(f->host.conns[id].closes, 1);
	assert_int_equal(f->vs.conns[id].state, VSOCK_CONN_FREE);
	/* Later packets on those ports match nothing. */
	send_op(f, VSOCK_OP_CREDIT_REQUEST, 1000, 52);
	expect_rx(f, VSOCK_OP_RST, 1000);
}

static void test_host_connect_flow(void **state)
{
	struct fixture *f = *state;
	uint8_t got[RX_BUF_SIZE];
	struct vsock_hdr hdr;
	uint32_t port;
	unsigned id;

	post_rx_many(f, 8, RX_BUF_SIZE);
	assert_int_equal(virtio_vsock_host_connect(&f->vs, 5000, &id, &port), 0);
	assert_true(port >= VSOCK_EPHEMERAL_PORT_BASE);
	f->host.conns[id].open = true;
	hdr = expect_rx(f, VSOCK_OP_REQUEST, 5000);
	assert_int_equal(hdr.src_cid, VSOCK_CID_HOST);
	assert_int_equal(hdr.src_port, port);
	assert_int_equal(hdr.buf_alloc, VSOCK_HOST_BUF_ALLOC);
	/* Data before the guest accepts waits. */
	host_give(f, id, "early", 5);
	expect_no_rx(f);
	assert_int_equal(f->host.conns[id].established, 0);
	hdr = guest_hdr(VSOCK_OP_RESPONSE, 5000, port);
	send_packet(f, &hdr, NULL, 0);
	assert_int_equal(f->host.conns[id].established, 1);
	virtio_vsock_kick_rx(&f->vs);
	assert_true(pop_rx(f, &hdr, got, sizeof(got)));
	assert_int_equal(hdr.op, VSOCK_OP_RW);
	assert_memory_equal(got, "early", 5);
	hdr = guest_hdr(VSOCK_OP_RW, 5000, port);
	hdr.len = 3;
	send_packet(f, &hdr, "yes", 3);
	assert_memory_equal(f->host.conns[id].sink, "yes", 3);
	/* The host end goes away: RST, and no close back to the host. */
	f->host.conns[id].open = false;
	virtio_vsock_host_closed(&f->vs, id);
	expect_rx(f, VSOCK_OP_RST, 5000);
	assert_int_equal(f->host.close_calls, 0);
	assert_int_equal(f->vs.conns[id].state, VSOCK_CONN_FREE);
	/* The next host connect gets another port. */
	{
		uint32_t port2;
		unsigned id2;

		assert_int_equal(virtio_vsock_host_connect(&f->vs, 5000, &id2, &port2), 0);
		assert_int_not_equal(port2, port);
	}
}

static void test_host_connect_refused_by_guest(void **state)
{
	struct fixture *f = *state;
	uint32_t port;
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	assert_int_equal(virtio_vsock_host_connect(&f->vs, 5000, &id, &port), 0);
	f->host.conns[id].open = true;
	expect_rx(f, VSOCK_OP_REQUEST, 5000);
	send_op(f, VSOCK_OP_RST, 5000, port);
	assert_int_equal(f->host.conns[id].closes, 1);
	assert_int_equal(f->host.conns[id].established, 0);
	expect_no_rx(f);
}

static void test_host_connect_before_driver(void **state)
{
	struct fixture *f = *state;
	struct virtio_device *dev = &f->vs.virtio;
	uint32_t port;
	unsigned id, id2;

	/* The driver resets the device (as at boot) and has not come back yet. */
	virtio_device_reset(dev);
	assert_int_equal(virtio_vsock_host_connect(&f->vs, 5000, &id, &port), 0);
	f->host.conns[id].open = true;
	/* A connect the host gives up on before the guest heard of it leaves no trace. */
	assert_int_equal(virtio_vsock_host_connect(&f->vs, 6000, &id2, &port), 0);
	virtio_vsock_host_closed(&f->vs, id2);
	assert_int_equal(f->vs.conns[id2].state, VSOCK_CONN_FREE);
	memset(f->q, 0, sizeof(f->q));
	memset(f->ram, 0, 0x10000);
	bring_up(f);
	expect_no_rx(f);
	post_rx_many(f, 2, RX_BUF_SIZE);
	expect_rx(f, VSOCK_OP_REQUEST, 5000);
	expect_no_rx(f);
}

static void test_forged_source_dropped(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;

	post_rx_many(f, 4, RX_BUF_SIZE);
	hdr = guest_hdr(VSOCK_OP_REQUEST, 1000, 52);
	hdr.src_cid = CID + 1;
	send_packet(f, &hdr, NULL, 0);
	hdr.src_cid = CID | (1ull << 32);
	send_packet(f, &hdr, NULL, 0);
	assert_int_equal(tx_used(f), 2);
	assert_int_equal(f->host.connect_calls, 0);
	expect_no_rx(f);
	assert_int_equal(f->logs, 2);
}

static void test_other_destinations_refused(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;

	post_rx_many(f, 4, RX_BUF_SIZE);
	hdr = guest_hdr(VSOCK_OP_REQUEST, 1000, 52);
	hdr.dst_cid = 9; /* a sibling VM */
	send_packet(f, &hdr, NULL, 0);
	assert_true(pop_rx(f, &hdr, NULL, 0));
	assert_int_equal(hdr.op, VSOCK_OP_RST);
	/* From the address the guest used, so its socket matches it. */
	assert_int_equal(hdr.src_cid, 9);
	assert_int_equal(hdr.src_port, 52);
	assert_int_equal(hdr.dst_port, 1000);
	hdr = guest_hdr(VSOCK_OP_REQUEST, 1000, 52);
	hdr.type = 2; /* SEQPACKET, not negotiated */
	send_packet(f, &hdr, NULL, 0);
	assert_true(pop_rx(f, &hdr, NULL, 0));
	assert_int_equal(hdr.op, VSOCK_OP_RST);
	assert_int_equal(hdr.type, 2);
	assert_int_equal(f->host.connect_calls, 0);
}

static void test_bad_lengths(void **state)
{
	struct fixture *f = *state;
	static uint8_t big[VSOCK_MAX_PAYLOAD + 1];
	struct vsock_hdr hdr;
	unsigned id;

	post_rx_many(f, 8, RX_BUF_SIZE);
	/* len past the chain, no connection: RST. */
	hdr = guest_hdr(VSOCK_OP_RW, 1000, 52);
	hdr.len = 10;
	send_packet(f, &hdr, "abc", 3);
	expect_rx(f, VSOCK_OP_RST, 1000);
	/* len past the chain on a connection: the connection is reset. */
	id = open_guest_conn(f, 1001, 52);
	hdr = guest_hdr(VSOCK_OP_RW, 1001, 52);
	hdr.len = 10;
	send_packet(f, &hdr, "abc", 3);
	expect_rx(f, VSOCK_OP_RST, 1001);
	assert_int_equal(f->host.conns[id].sink_len, 0);
	assert_int_equal(f->host.conns[id].closes, 1);
	/* len past the maximum, even with the bytes there. */
	id = open_guest_conn(f, 1002, 52);
	hdr = guest_hdr(VSOCK_OP_RW, 1002, 52);
	hdr.len = sizeof(big);
	send_packet(f, &hdr, big, sizeof(big));
	expect_rx(f, VSOCK_OP_RST, 1002);
	assert_int_equal(f->host.conns[id].sink_len, 0);
	/* A tx buffer shorter than a header: dropped, nobody to answer. */
	{
		struct seg s = {.gpa = guest_alloc(f, 16), .len = 16};

		post_chain(f, VSOCK_QUEUE_TX, &s, 1);
		notify(f, VSOCK_QUEUE_TX);
	}
	expect_no_rx(f);
	assert_int_equal(f->needs_reset, 0);
	assert_true(f->logs >= 3);
}

static void test_unknown_op(void **state)
{
	struct fixture *f = *state;
	unsigned id;

	post_rx_many(f, 8, RX_BUF_SIZE);
	send_op(f, 99, 1000, 52);
	expect_rx(f, VSOCK_OP_RST, 1000);
	send_op(f, VSOCK_OP_INVALID, 1000, 52);
	expect_rx(f, VSOCK_OP_RST, 1000);
	id = open_guest_conn(f, 1001, 52);
	send_op(f, 99, 1001, 52);
	expect_rx(f, VSOCK_OP_RST, 1001);
	assert_int_equal(f->host.conns[id].closes, 1);
}

static void test_packets_for_no_connection(void **state)
{
	struct fixture *f = *state;
	static const uint16_t ops[] = {VSOCK_OP_RESPONSE, VSOCK_OP_SHUTDOWN, VSOCK_OP_RW,
				       VSOCK_OP_CREDIT_UPDATE, VSOCK_OP_CREDIT_REQUEST};

	post_rx_many(f, 8, RX_BUF_SIZE);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		send_op(f, ops[i], 1000, 52);
		expect_rx(f, VSOCK_OP_RST, 1000);
	}
	send_op(f, VSOCK_OP_RST, 1000, 52);
	expect_no_rx(f);
	assert_int_equal(f->host.connect_calls, 0);
}

static void test_protocol_errors_on_connections(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	uint32_t port;
	unsigned id;

	post_rx_many(f, 16, RX_BUF_SIZE);
	/* A second REQUEST on an open connection. */
	id = open_guest_conn(f, 1000, 52);
	send_op(f, VSOCK_OP_REQUEST, 1000, 52);
	expect_rx(f, VSOCK_OP_RST, 1000);
	assert_int_equal(f->host.conns[id].closes, 1);
	/* RESPONSE on a connection the guest opened. */
	id = open_guest_conn(f, 1001, 52);
	send_op(f, VSOCK_OP_RESPONSE, 1001, 52);
	expect_rx(f, VSOCK_OP_RST, 1001);
	assert_int_equal(f->host.conns[id].closes, 1);
	/* Data while the host is still deciding. */
	f->host.connect_answer = 0;
	send_op(f, VSOCK_OP_REQUEST, 1002, 52);
	id = conn_of(f, 1002, 52);
	f->host.conns[id].closes = 0;
	hdr = guest_hdr(VSOCK_OP_RW, 1002, 52);
	hdr.len = 1;
	send_packet(f, &hdr, "x", 1);
	expect_rx(f, VSOCK_OP_RST, 1002);
	assert_int_equal(f->host.conns[id].closes, 1);
	/* SHUTDOWN before the guest accepted a host connect. */
	assert_int_equal(virtio_vsock_host_connect(&f->vs, 7000, &id, &port), 0);
	f->host.conns[id].open = true;
	f->host.conns[id].closes = 0;
	expect_rx(f, VSOCK_OP_REQUEST, 7000);
	send_op(f, VSOCK_OP_SHUTDOWN, 7000, port);
	expect_rx(f, VSOCK_OP_RST, 7000);
	assert_int_equal(f->host.conns[id].closes, 1);
	expect_no_rx(f);
}

static void test_request_replaces_resetting_connection(void **state)
{
	struct fixture *f = *state;
	unsigned id;

	post_rx_many(f, 1, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	/* The host end goes; with no rx buffer the RST cannot go out yet. */
	f->host.conns[id].open = false;
	virtio_vsock_host_closed(&f->vs, id);
	assert_int_equal(f->vs.conns[id].state, VSOCK_CONN_RESETTING);
	/* Packets other than RST or REQUEST wait for that RST. */
	send_op(f, VSOCK_OP_CREDIT_REQUEST, 1000, 52);
	assert_int_equal(f->vs.conns[id].state, VSOCK_CONN_RESETTING);
	/* The guest moved on to a new connection on the same ports: it wins. */
	send_op(f, VSOCK_OP_REQUEST, 1000, 52);
	assert_int_equal(f->host.connect_calls, 2);
	post_rx(f, RX_BUF_SIZE, true);
	expect_rx(f, VSOCK_OP_RESPONSE, 1000);
	expect_no_rx(f);
	/* An RST from the guest also makes a pending RST moot. */
	id = conn_of(f, 1000, 52);
	f->host.conns[id].open = false;
	virtio_vsock_host_closed(&f->vs, id);
	send_op(f, VSOCK_OP_RST, 1000, 52);
	assert_int_equal(f->vs.conns[id].state, VSOCK_CONN_FREE);
	post_rx(f, RX_BUF_SIZE, true);
	expect_no_rx(f);
}

static void test_table_full(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	uint32_t port;
	unsigned id;

	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++) {
		post_rx(f, RX_BUF_SIZE, false);
		open_guest_conn(f, 2000 + i, 52);
	}
	post_rx_many(f, 4, RX_BUF_SIZE);
	send_op(f, VSOCK_OP_REQUEST, 3000, 52);
	hdr = expect_rx(f, VSOCK_OP_RST, 3000);
	assert_int_equal(hdr.src_port, 52);
	assert_int_equal(f->host.connect_calls, VSOCK_MAX_CONNS);
	assert_int_equal(virtio_vsock_host_connect(&f->vs, 1, &id, &port), -SVMM_ENOSPC);
	assert_true(f->logs > 0);
	/* One closes; the next request gets its slot. */
	send_op(f, VSOCK_OP_RST, 2005, 52);
	send_op(f, VSOCK_OP_REQUEST, 3000, 52);
	expect_rx(f, VSOCK_OP_RESPONSE, 3000);
}

static void test_orphan_rsts_apply_backpressure(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr hdr;
	unsigned count = 40;

	/* No rx buffers: RSTs cannot go out, so tx stops once the ring is full. */
	for (unsigned i = 0; i < count; i++) {
		hdr = guest_hdr(VSOCK_OP_RW, 1000 + i, 52);
		queue_packet(f, &hdr, NULL, 0, false);
	}
	notify(f, VSOCK_QUEUE_TX);
	assert_int_equal(tx_used(f), VSOCK_ORPHAN_RSTS);
	/* Buffers arrive: every RST goes out, and tx finishes on its own. */
	post_rx_many(f, 48, RX_BUF_SIZE);
	for (unsigned i = 0; i < count; i++)
		expect_rx(f, VSOCK_OP_RST, 1000 + i);
	expect_no_rx(f);
	assert_int_equal(tx_used(f), count);
}

static void test_small_rx_buffers_returned(void **state)
{
	struct fixture *f = *state;
	uint64_t used = USED_GPA(VSOCK_QUEUE_RX);

	post_rx(f, VSOCK_HDR_SIZE, false);
	post_rx(f, RX_BUF_SIZE, false);
	notify(f, VSOCK_QUEUE_RX);
	send_op(f, VSOCK_OP_REQUEST, 1000, 52);
	assert_int_equal(get16(f, used + 2), 2);
	/* The first went back empty. */
	assert_int_equal(get32(f, used + 8), 0);
	f->q[VSOCK_QUEUE_RX].used_seen = 1;
	expect_rx(f, VSOCK_OP_RESPONSE, 1000);
	assert_true(f->logs > 0);
}

static void test_device_reset_closes_everything(void **state)
{
	struct fixture *f = *state;
	struct virtio_device *dev = &f->vs.virtio;
	uint32_t port;
	unsigned a, b, c;

	post_rx_many(f, 8, RX_BUF_SIZE);
	a = open_guest_conn(f, 1000, 52);
	b = open_guest_conn(f, 1001, 53);
	assert_int_equal(virtio_vsock_host_connect(&f->vs, 9, &c, &port), 0);
	f->host.conns[c].open = true;
	dev->ops->reset(dev);
	assert_int_equal(f->host.conns[a].closes, 1);
	assert_int_equal(f->host.conns[b].closes, 1);
	assert_int_equal(f->host.conns[c].closes, 1);
	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++)
		assert_int_equal(f->vs.conns[i].state, VSOCK_CONN_FREE);
	/* The ids are gone: host calls on them are ignored. */
	virtio_vsock_host_readable(&f->vs, a);
	virtio_vsock_host_closed(&f->vs, b);
	assert_int_equal(f->host.recv_calls, 0);
}

static void test_transport_reset_event(void **state)
{
	struct fixture *f = *state;
	struct seg s = {.len = 8, .write = true};
	uint64_t used = USED_GPA(VSOCK_QUEUE_EVENT);
	unsigned id;

	post_rx_many(f, 4, RX_BUF_SIZE);
	id = open_guest_conn(f, 1000, 52);
	s.gpa = guest_alloc(f, 8);
	memset(host_ptr(f, s.gpa), 0xff, 8);
	post_chain(f, VSOCK_QUEUE_EVENT, &s, 1);
	notify(f, VSOCK_QUEUE_EVENT);
	assert_int_equal(get16(f, used + 2), 0); /* kept until there is an event */
	virtio_vsock_transport_reset(&f->vs);
	assert_int_equal(get16(f, used + 2), 1);
	assert_int_equal(get32(f, used + 8), 4);
	assert_int_equal(get32(f, s.gpa), VSOCK_EVENT_TRANSPORT_RESET);
	assert_int_equal(f->host.conns[id].closes, 1);
	/* Without an event buffer the reset still drops everything. */
	id = open_guest_conn(f, 1001, 52);
	virtio_vsock_transport_reset(&f->vs);
	assert_int_equal(f->host.conns[id].closes, 1);
	assert_int_equal(get16(f, used + 2), 1);
}

static void test_broken_ring_needs_reset(void **state)
{
	struct fixture *f = *state;

	/* The avail index jumps past the queue size. */
	put16(f, AVAIL_GPA(VSOCK_QUEUE_TX) + 2, QSIZE + 5);
	notify(f, VSOCK_QUEUE_TX);
	assert_int_equal(f->needs_reset, 1);
	/* A broken device does nothing more until reset. */
	send_op(f, VSOCK_OP_REQUEST, 1000, 52);
	assert_int_equal(f->host.connect_calls, 0);
}

/* ---- end to end: the device with the unix-socket host ---- */

static int e2e_setup(void **state)
{
	struct fixture *f;
	char why[256];

	fixture_setup(state);
	f = *state;
	f->vu = calloc(1, sizeof(*f->vu));
	assert_non_null(f->vu);
	strcpy(f->dir, "/tmp/svmm-vsock-e2e-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vm.vsock", f->dir);
	assert_int_equal(event_loop_init(&f->loop), 0);
	assert_int_equal(vsock_unix_open(f->vu, f->path, why, sizeof(why)), 0);
	assert_int_equal(vsock_unix_attach(f->vu, &f->loop, &f->vs), 0);
	return 0;
}

static int e2e_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	vsock_unix_close(f->vu);
	event_loop_fini(&f->loop);
	free(f->vu);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	return fixture_teardown(state);
}

/* Dispatches the event loop until it has been idle for a moment. */
static void pump(struct fixture *f)
{
	struct epoll_event events[16];

	for (;;) {
		int n = epoll_wait(f->loop.epoll_fd, events, 16, 50);

		assert_true(n >= 0);
		if (n == 0)
			return;
		for (int i = 0; i < n; i++) {
			struct event_source *source = events[i].data.ptr;

			source->on_event(source, events[i].events);
		}
	}
}

static int unix_socket(const char *path, bool listener)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(addr.sun_path, path);
	if (listener) {
		assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
		assert_int_equal(listen(fd, 4), 0);
	} else {
		assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	}
	return fd;
}

static ssize_t read_now(int fd, void *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

	if (n < 0 && errno == ECONNRESET)
		return 0;
	assert_true(n >= 0 || errno == EAGAIN);
	return n;
}

static void test_e2e_host_program_to_guest(void **state)
{
	struct fixture *f = *state;
	uint8_t got[RX_BUF_SIZE];
	struct vsock_hdr hdr;
	char reply[32], expect[32];
	uint32_t port;
	int fd;

	post_rx_many(f, 16, RX_BUF_SIZE);
	fd = unix_socket(f->path, false);
	assert_int_equal(write(fd, "CONNECT 52\nhi", 13), 13);
	pump(f);
	hdr = expect_rx(f, VSOCK_OP_REQUEST, 52);
	port = hdr.src_port;
	assert_true(port >= VSOCK_EPHEMERAL_PORT_BASE);
	assert_int_equal(read_now(fd, reply, sizeof(reply)), -1);
	/* The guest accepts: the program hears "OK <port>", then the bytes flow. */
	hdr = guest_hdr(VSOCK_OP_RESPONSE, 52, port);
	send_packet(f, &hdr, NULL, 0);
	snprintf(expect, sizeof(expect), "OK %u\n", (unsigned)port);
	memset(reply, 0, sizeof(reply));
	assert_int_equal(read_now(fd, reply, sizeof(reply)), (ssize_t)strlen(expect));
	assert_string_equal(reply, expect);
	pump(f);
	assert_true(pop_rx(f, &hdr, got, sizeof(got)));
	assert_int_equal(hdr.op, VSOCK_OP_RW);
	assert_int_equal(hdr.len, 2);
	assert_memory_equal(got, "hi", 2);
	hdr = guest_hdr(VSOCK_OP_RW, 52, port);
	hdr.len = 2;
	send_packet(f, &hdr, "yo", 2);
	assert_int_equal(read_now(fd, reply, sizeof(reply)), 2);
	assert_memory_equal(reply, "yo", 2);
	/* The program is done sending: the guest hears SHUTDOWN(SEND). */
	shutdown(fd, SHUT_WR);
	pump(f);
	hdr = expect_rx(f, VSOCK_OP_SHUTDOWN, 52);
	assert_int_equal(hdr.flags, VSOCK_SHUTDOWN_SEND);
	/* The guest closes too: RST, and the program sees end of file. */
	hdr = guest_hdr(VSOCK_OP_SHUTDOWN, 52, port);
	hdr.flags = VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND;
	send_packet(f, &hdr, NULL, 0);
	expect_rx(f, VSOCK_OP_RST, 52);
	pump(f);
	assert_int_equal(read_now(fd, reply, sizeof(reply)), 0);
	close(fd);
	for (unsigned i = 0; i < VSOCK_MAX_CONNS; i++)
		assert_int_equal(f->vs.conns[i].state, VSOCK_CONN_FREE);
}

static void test_e2e_guest_to_host_program(void **state)
{
	struct fixture *f = *state;
	uint8_t got[RX_BUF_SIZE];
	struct vsock_hdr hdr;
	char path[160], buf[16];
	int listener, fd;

	post_rx_many(f, 16, RX_BUF_SIZE);
	snprintf(path, sizeof(path), "%s_52", f->path);
	listener = unix_socket(path, true);
	send_op(f, VSOCK_OP_REQUEST, 1000, 52);
	expect_rx(f, VSOCK_OP_RESPONSE, 1000);
	fd = accept(listener, NULL, NULL);
	assert_true(fd >= 0);
	hdr = guest_hdr(VSOCK_OP_RW, 1000, 52);
	hdr.len = 3;
	send_packet(f, &hdr, "abc", 3);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(write(fd, "xyz", 3), 3);
	pump(f);
	assert_true(pop_rx(f, &hdr, got, sizeof(got)));
	assert_int_equal(hdr.op, VSOCK_OP_RW);
	assert_memory_equal(got, "xyz", 3);
	/* The guest resets: the program sees end of file. */
	send_op(f, VSOCK_OP_RST, 1000, 52);
	assert_int_equal(read_now(fd, buf, sizeof(buf)), 0);
	close(fd);
	/* Nobody listens on port 53: the guest is refused. */
	send_op(f, VSOCK_OP_REQUEST, 1001, 53);
	expect_rx(f, VSOCK_OP_RST, 1001);
	close(listener);
	expect_no_rx(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_identity_and_config, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test(test_header_round_trip),
	    cmocka_unit_test_setup_teardown(test_guest_connect_accepted, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_connect_refused, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_connect_without_host, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_connect_answered_later, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_data_reaches_host, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_payload_bytes_past_len_are_ignored, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_beyond_credit_is_reset, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_credit_update_after_consumption, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_credit_request_answered, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_data_respects_guest_credit, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_data_waits_for_rx_buffers, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_data_split_buffers, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_round_robin, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_eof_sends_shutdown_after_data, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_recv_error_resets, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_send_error_resets, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_shutdown_half_then_full, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_shutdown_receive_stops_data, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_rst_closes, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_connect_flow, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_connect_refused_by_guest, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_connect_before_driver, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_forged_source_dropped, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_other_destinations_refused, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_lengths, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_op, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_packets_for_no_connection, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_protocol_errors_on_connections, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_request_replaces_resetting_connection,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_table_full, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_orphan_rsts_apply_backpressure, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_small_rx_buffers_returned, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_device_reset_closes_everything, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_transport_reset_event, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_broken_ring_needs_reset, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_e2e_host_program_to_guest, e2e_setup,
					    e2e_teardown),
	    cmocka_unit_test_setup_teardown(test_e2e_guest_to_host_program, e2e_setup,
					    e2e_teardown),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
