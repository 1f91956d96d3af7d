/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net driven as a guest drives it: registers through the virtio-mmio
 * window on the bus, rings and buffers written into fake guest RAM, a fake
 * backend recording what the device sent. Then the host side: the stream
 * framing passt uses, passt itself when installed, and a tap when this
 * host lets us create one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/vm.h"
#include "host/linux/net_passt.h"
#include "host/linux/net_stream.h"
#include "host/linux/net_tap.h"
#include "virtio/mmio.h"
#include "virtio/net.h"

#define MMIO_BASE 0x0a000000ull
#define IRQ	  40u
#define RAM_GPA	  0x40000000ull
#define RAM_SIZE  (4u << 20)

/* virtio-mmio registers (virtio 1.2, 4.2.2). */
#define R_MAGIC		0x000
#define R_VERSION	0x004
#define R_DEVICE_ID	0x008
#define R_DEV_FEAT	0x010
#define R_DEV_FEAT_SEL	0x014
#define R_DRV_FEAT	0x020
#define R_DRV_FEAT_SEL	0x024
#define R_QUEUE_SEL	0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM	0x038
#define R_QUEUE_READY	0x044
#define R_QUEUE_NOTIFY	0x050
#define R_INT_STATUS	0x060
#define R_INT_ACK	0x064
#define R_STATUS	0x070
#define R_DESC_LO	0x080
#define R_DESC_HI	0x084
#define R_AVAIL_LO	0x090
#define R_AVAIL_HI	0x094
#define R_USED_LO	0x0a0
#define R_USED_HI	0x0a4
#define R_GENERATION	0x0fc
#define R_CONFIG	0x100

#define FEAT_MRG (1ull << VIRTIO_NET_F_MRG_RXBUF)
#define FEAT_STD                                                                                   \
	(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS)

/* Where the test driver puts things in guest RAM. */
#define RING_AREA(q) (RAM_GPA + (uint64_t)(q)*0x8000)
#define BUF_AREA     (RAM_GPA + 0x10000)

static const uint8_t test_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

struct sent_frame {
	size_t len;
	unsigned pieces;
	uint8_t data[VIRTIO_NET_MAX_FRAME];
};

struct fake_backend {
	unsigned sends;
	int result; /* what send returns */
	struct sent_frame last;
	unsigned rx_space_calls, tx_pending_calls;
};

/* The driver's view of one split ring. */
struct ring {
	uint64_t desc, avail, used;
	uint16_t size;
	uint16_t next_desc;
	uint16_t avail_idx;
};

struct fixture {
	struct vm vm;
	uint8_t *ram;
	struct virtio_net net;
	struct virtio_mmio mmio;
	struct fake_backend backend;
	struct ring rings[2];
	unsigned irq_raises, logs;
};

static int fake_send(void *ctx, const struct net_iovec *iov, unsigned count)
{
	struct fake_backend *b = ctx;

	b->sends++;
	b->last.len = 0;
	b->last.pieces = count;
	for (unsigned i = 0; i < count; i++) {
		assert_true(b->last.len + iov[i].len <= sizeof(b->last.data));
		memcpy(b->last.data + b->last.len, iov[i].base, iov[i].len);
		b->last.len += iov[i].len;
	}
	return b->result;
}

static void fake_rx_space(void *ctx)
{
	((struct fake_backend *)ctx)->rx_space_calls++;
}

static void fake_tx_pending(void *ctx)
{
	((struct fake_backend *)ctx)->tx_pending_calls++;
}

static const struct net_backend_ops fake_ops = {
    .send = fake_send,
    .rx_space = fake_rx_space,
    .tx_pending = fake_tx_pending,
};

static int fake_set_level(void *ctx, unsigned line, bool level)
{
	struct fixture *f = ctx;

	if (line == IRQ && level)
		f->irq_raises++;
	return 0;
}

static int fake_pulse(void *ctx, unsigned line)
{
	struct fixture *f = ctx;

	if (line == IRQ)
		f->irq_raises++;
	return 0;
}

static void fake_vlog(void *ctx, enum log_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	((struct fixture *)ctx)->logs++;
}

/* ---- guest memory, little-endian as the rings are ---- */

static uint8_t *gptr(struct fixture *f, uint64_t gpa)
{
	assert_true(gpa >= RAM_GPA && gpa < RAM_GPA + RAM_SIZE);
	return f->ram + (gpa - RAM_GPA);
}

static void put16(struct fixture *f, uint64_t gpa, uint16_t v)
{
	uint8_t *p = gptr(f, gpa);

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
	uint8_t *p = gptr(f, gpa);

	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(struct fixture *f, uint64_t gpa)
{
	return get16(f, gpa) | (uint32_t)get16(f, gpa + 2) << 16;
}

/* ---- registers ---- */

static uint32_t reg_read(struct fixture *f, uint64_t offset, uint8_t size)
{
	struct access acc = {.gpa = MMIO_BASE + offset, .size = size, .value = 0xdeadbeefull};

	assert_int_equal(bus_dispatch(&f->vm.mmio, &acc), 0);
	return (uint32_t)acc.value;
}

static void reg_write(struct fixture *f, uint64_t offset, uint32_t value)
{
	struct access acc = {
	    .gpa = MMIO_BASE + offset, .size = 4, .is_write = true, .value = value};

	assert_int_equal(bus_dispatch(&f->vm.mmio, &acc), 0);
}

/* ---- the test driver ---- */

static void ring_setup(struct fixture *f, unsigned q, uint16_t size)
{
	struct ring *r = &f->rings[q];
	uint64_t base = RING_AREA(q);

	memset(r, 0, sizeof(*r));
	r->size = size;
	r->desc = base;
	r->avail = base + 16u * size;
	r->used = (r->avail + 6u + 2u * size + 3u) & ~3ull;
	memset(gptr(f, base), 0, 0x8000);
	reg_write(f, R_QUEUE_SEL, q);
	assert_true(reg_read(f, R_QUEUE_NUM_MAX, 4) >= size);
	reg_write(f, R_QUEUE_NUM, size);
	reg_write(f, R_DESC_LO, (uint32_t)r->desc);
	reg_write(f, R_DESC_HI, (uint32_t)(r->desc >> 32));
	reg_write(f, R_AVAIL_LO, (uint32_t)r->avail);
	reg_write(f, R_AVAIL_HI, (uint32_t)(r->avail >> 32));
	reg_write(f, R_USED_LO, (uint32_t)r->used);
	reg_write(f, R_USED_HI, (uint32_t)(r->used >> 32));
	reg_write(f, R_QUEUE_READY, 1);
}

/* Brings the device up as a driver would, accepting `features`. */
static void driver_start(struct fixture *f, uint64_t features, uint16_t qsize, bool driver_ok)
{
	reg_write(f, R_STATUS, 0);
	reg_write(f, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	reg_write(f, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	reg_write(f, R_DRV_FEAT_SEL, 0);
	reg_write(f, R_DRV_FEAT, (uint32_t)features);
	reg_write(f, R_DRV_FEAT_SEL, 1);
	reg_write(f, R_DRV_FEAT, (uint32_t)(features >> 32));
	reg_write(f, R_STATUS,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	assert_true(reg_read(f, R_STATUS, 4) & VIRTIO_STATUS_FEATURES_OK);
	ring_setup(f, VIRTIO_NET_RXQ, qsize);
	ring_setup(f, VIRTIO_NET_TXQ, qsize);
	if (driver_ok)
		reg_write(f, R_STATUS,
			  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			      VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* Makes a chain available (not notified); returns its head. */
static uint16_t post(struct fixture *f, unsigned q, const struct seg *segs, unsigned n)
{
	struct ring *r = &f->rings[q];
	uint16_t head = r->next_desc;

	for (unsigned i = 0; i < n; i++) {
		uint16_t d = (uint16_t)((head + i) % r->size);
		uint64_t at = r->desc + 16u * d;
		uint16_t flags = (uint16_t)((segs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
					    (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));

		put64(f, at, segs[i].gpa);
		put32(f, at + 8, segs[i].len);
		put16(f, at + 12, flags);
		put16(f, at + 14, (uint16_t)((d + 1) % r->size));
	}
	r->next_desc = (uint16_t)((head + n) % r->size);
	put16(f, r->avail + 4 + 2u * (r->avail_idx % r->size), head);
	r->avail_idx++;
	put16(f, r->avail + 2, r->avail_idx);
	return head;
}

static void notify(struct fixture *f, unsigned q)
{
	reg_write(f, R_QUEUE_NOTIFY, q);
}

static uint16_t used_idx(struct fixture *f, unsigned q)
{
	return get16(f, f->rings[q].used + 2);
}

static void used_elem(struct fixture *f, unsigned q, uint16_t i, uint32_t *id, uint32_t *len)
{
	uint64_t at = f->rings[q].used + 4 + 8u * (i % f->rings[q].size);

	*id = get32(f, at);
	*len = get32(f, at + 4);
}

static bool needs_reset(struct fixture *f)
{
	return (reg_read(f, R_STATUS, 4) & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct log_sink sink;
	struct virtio_net_backend backend;

	assert_non_null(f);
	f->ram = calloc(1, RAM_SIZE);
	assert_non_null(f->ram);
	sink = (struct log_sink){.vlog = fake_vlog, .ctx = f, .max_level = LOG_DEBUG};
	vm_init(&f->vm, "test", &sink);
	f->vm.irq_chip =
	    (struct vm_irq_chip){.set_level = fake_set_level, .pulse = fake_pulse, .ctx = f};
	assert_int_equal(guest_mem_add(&f->vm.mem, RAM_GPA, RAM_SIZE, f->ram), 0);
	backend = (struct virtio_net_backend){.ops = &fake_ops, .ctx = &f->backend};
	assert_int_equal(virtio_net_init(&f->net, &f->vm, "virtio-net0", test_mac, &backend), 0);
	assert_int_equal(virtio_mmio_init(&f->mmio, &f->net.dev, MMIO_BASE, IRQ), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

/* A TX request: header then frame, cut into pieces of the given sizes. */
static uint16_t post_tx(struct fixture *f, const uint8_t *hdr, const uint8_t *frame, size_t len,
			const uint32_t *cuts, unsigned ncuts)
{
	struct seg segs[16];
	uint64_t at = BUF_AREA + 0x100000;
	size_t total = VIRTIO_NET_HDR_LEN + len, done = 0;
	unsigned n = 0;

	memcpy(gptr(f, at), hdr, VIRTIO_NET_HDR_LEN);
	memcpy(gptr(f, at + VIRTIO_NET_HDR_LEN), frame, len);
	for (unsigned i = 0; i < ncuts && done < total; i++) {
		segs[n++] = (struct seg){.gpa = at + done, .len = cuts[i]};
		done += cuts[i];
	}
	if (done < total)
		segs[n++] = (struct seg){.gpa = at + done, .len = (uint32_t)(total - done)};
	return post(f, VIRTIO_NET_TXQ, segs, n);
}

static void fill_pattern(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* ---- device tests ---- */

static void test_identity_and_features(void **state)
{
	struct fixture *f = *state;
	uint32_t lo, hi;

	assert_int_equal(reg_read(f, R_MAGIC, 4), 0x74726976);
	assert_int_equal(reg_read(f, R_VERSION, 4), 2);
	assert_int_equal(reg_read(f, R_DEVICE_ID, 4), VIRTIO_ID_NET);
	reg_write(f, R_DEV_FEAT_SEL, 0);
	lo = reg_read(f, R_DEV_FEAT, 4);
	reg_write(f, R_DEV_FEAT_SEL, 1);
	hi = reg_read(f, R_DEV_FEAT, 4);
	assert_true(lo & 1u << VIRTIO_NET_F_MAC);
	assert_true(lo & 1u << VIRTIO_NET_F_MRG_RXBUF);
	assert_true(lo & 1u << VIRTIO_NET_F_STATUS);
	assert_true(hi & 1u << (VIRTIO_F_VERSION_1 - 32));
	/* No offloads (CSUM 0, GUEST_CSUM 1, GUEST_TSO4.. 7-11, HOST_TSO 11-14), no ctrl vq (17),
	 * MQ (22). */
	assert_int_equal(lo & (0x3u | 0x7f80u | 1u << 17 | 1u << 22), 0);
	/* Queue count is part of the device: a third queue does not exist. */
	reg_write(f, R_QUEUE_SEL, 2);
	assert_int_equal(reg_read(f, R_QUEUE_NUM_MAX, 4), 0);
}

static void test_config_space(void **state)
{
	struct fixture *f = *state;
	uint32_t generation;
	uint64_t value;
	unsigned raises;

	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(reg_read(f, R_CONFIG + i, 1), test_mac[i]);
	assert_int_equal(reg_read(f, R_CONFIG, 4), 0x12005452);
	assert_int_equal(reg_read(f, R_CONFIG + 4, 2), 0x5634);
	assert_int_equal(reg_read(f, R_CONFIG + 6, 2), VIRTIO_NET_S_LINK_UP);
	/* Past the end: bytes beyond the config space read as zero. */
	assert_int_equal(reg_read(f, R_CONFIG + 7, 1), 0);
	assert_int_equal(reg_read(f, R_CONFIG + 8, 4), 0);
	assert_int_equal(reg_read(f, R_CONFIG + 0xfc, 4), 0);

	/*
	 * The transport passes only aligned accesses; the device itself must
	 * still cope with any offset and size.
	 */
	f->net.dev.ops->config_read(&f->net.dev, 5, 2, &value);
	assert_int_equal(value, 0x0156);
	f->net.dev.ops->config_read(&f->net.dev, 4, 8, &value);
	assert_int_equal(value, 0x0000000000015634ull);
	f->net.dev.ops->config_read(&f->net.dev, 0xfffffffcu, 8, &value);
	assert_int_equal(value, 0);

	generation = reg_read(f, R_GENERATION, 4);
	raises = f->irq_raises;
	virtio_net_set_link(&f->net, false);
	assert_int_equal(reg_read(f, R_CONFIG + 6, 2), 0);
	assert_int_not_equal(reg_read(f, R_GENERATION, 4), generation);
	assert_true(reg_read(f, R_INT_STATUS, 4) & VIRTIO_MMIO_INT_CONFIG);
	assert_true(f->irq_raises > raises);
	/* No change, no interrupt. */
	raises = f->irq_raises;
	virtio_net_set_link(&f->net, false);
	assert_int_equal(f->irq_raises, raises);
	virtio_net_set_link(&f->net, true);
	assert_int_equal(reg_read(f, R_CONFIG + 6, 2), VIRTIO_NET_S_LINK_UP);
}

static void test_init_rejects_missing_send(void **state)
{
	struct fixture *f = *state;
	static const struct net_backend_ops no_send = {.send = NULL};
	struct virtio_net_backend backend = {.ops = &no_send};
	struct virtio_net *other = calloc(1, sizeof(*other));

	assert_int_equal(virtio_net_init(other, &f->vm, "x", test_mac, &backend), -SVMM_EINVAL);
	assert_int_equal(virtio_net_init(other, &f->vm, "x", test_mac, NULL), -SVMM_EINVAL);
	free(other);
}

static void test_tx_strips_header_across_segments(void **state)
{
	struct fixture *f = *state;
	uint8_t hdr[VIRTIO_NET_HDR_LEN] = {0};
	uint8_t frame[1000];
	/* The header itself is split 5 + 7, and the frame over three more pieces. */
	static const uint32_t cuts[] = {5, 10, 300, 1, 400};
	uint32_t id, len;
	uint16_t head;
	unsigned raises = f->irq_raises;

	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	fill_pattern(frame, sizeof(frame), 3);
	head = post_tx(f, hdr, frame, sizeof(frame), cuts, 5);
	notify(f, VIRTIO_NET_TXQ);
	assert_int_equal(f->backend.sends, 1);
	assert_int_equal(f->backend.last.len, sizeof(frame));
	assert_memory_equal(f->backend.last.data, frame, sizeof(frame));
	/* Pieces: 3 header-free bytes of the 2nd segment, then 300, 1, 400, rest. */
	assert_int_equal(f->backend.last.pieces, 5);
	assert_int_equal(used_idx(f, VIRTIO_NET_TXQ), 1);
	used_elem(f, VIRTIO_NET_TXQ, 0, &id, &len);
	assert_int_equal(id, head);
	assert_int_equal(len, 0);
	assert_true(f->irq_raises > raises);
	assert_int_equal(f->net.stats.tx_frames, 1);
	assert_int_equal(f->net.stats.tx_bytes, sizeof(frame));
	assert_false(needs_reset(f));
}

static void test_tx_backend_full_drops(void **state)
{
	struct fixture *f = *state;
	uint8_t hdr[VIRTIO_NET_HDR_LEN] = {0}, frame[60] = {1};

	driver_start(f, FEAT_STD, 16, true);
	f->backend.result = -SVMM_EBUSY;
	post_tx(f, hdr, frame, sizeof(frame), NULL, 0);
	post_tx(f, hdr, frame, sizeof(frame), NULL, 0);
	notify(f, VIRTIO_NET_TXQ);
	/* Both were offered, refused, and still returned to the driver. */
	assert_int_equal(f->backend.sends, 2);
	assert_int_equal(f->net.stats.tx_dropped, 2);
	assert_int_equal(f->net.stats.tx_frames, 0);
	assert_int_equal(used_idx(f, VIRTIO_NET_TXQ), 2);
	assert_false(needs_reset(f));
}

static void test_tx_hostile_chains(void **state)
{
	struct fixture *f = *state;
	uint8_t hdr[VIRTIO_NET_HDR_LEN] = {0}, frame[60] = {0};
	struct seg segs[3];

	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	/* Shorter than the header. */
	segs[0] = (struct seg){.gpa = BUF_AREA, .len = 11};
	post(f, VIRTIO_NET_TXQ, segs, 1);
	/* A device-writable segment in a transmit request. */
	segs[0] = (struct seg){.gpa = BUF_AREA, .len = 12};
	segs[1] = (struct seg){.gpa = BUF_AREA + 12, .len = 60, .write = true};
	post(f, VIRTIO_NET_TXQ, segs, 2);
	/* Header only: no Ethernet header follows. */
	segs[0] = (struct seg){.gpa = BUF_AREA, .len = 12};
	post(f, VIRTIO_NET_TXQ, segs, 1);
	/* Larger than 65550 bytes: three segments over the same 30000 bytes. */
	memset(gptr(f, BUF_AREA), 0, 12);
	for (unsigned i = 0; i < 3; i++)
		segs[i] = (struct seg){.gpa = BUF_AREA, .len = 30000};
	post(f, VIRTIO_NET_TXQ, segs, 3);
	/* Offloads that were not offered. */
	hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	post_tx(f, hdr, frame, sizeof(frame), NULL, 0);
	notify(f, VIRTIO_NET_TXQ);
	hdr[0] = 0;
	hdr[1] = 1; /* GSO_TCPV4 */
	post_tx(f, hdr, frame, sizeof(frame), NULL, 0);
	notify(f, VIRTIO_NET_TXQ);

	assert_int_equal(f->backend.sends, 0);
	assert_int_equal(f->net.stats.tx_errors, 6);
	assert_int_equal(used_idx(f, VIRTIO_NET_TXQ), 6);
	assert_false(needs_reset(f));
	assert_true(f->logs > 0);
	/* The device still works. */
	hdr[1] = 0;
	post_tx(f, hdr, frame, sizeof(frame), NULL, 0);
	notify(f, VIRTIO_NET_TXQ);
	assert_int_equal(f->backend.sends, 1);
}

static void test_tx_broken_ring_fails_device(void **state)
{
	struct fixture *f = *state;
	struct seg seg = {.gpa = RAM_GPA + RAM_SIZE - 4, .len = 100}; /* runs off guest RAM */

	driver_start(f, FEAT_STD, 16, true);
	post(f, VIRTIO_NET_TXQ, &seg, 1);
	notify(f, VIRTIO_NET_TXQ);
	assert_int_equal(f->backend.sends, 0);
	assert_true(needs_reset(f));
}

static void test_tx_budget_asks_for_poll(void **state)
{
	struct fixture *f = *state;
	uint8_t hdr[VIRTIO_NET_HDR_LEN] = {0}, frame[60] = {0};
	struct seg seg = {.gpa = BUF_AREA, .len = sizeof(hdr) + sizeof(frame)};

	driver_start(f, FEAT_STD, 256, true);
	memcpy(gptr(f, BUF_AREA), hdr, sizeof(hdr));
	for (unsigned i = 0; i < 256; i++)
		post(f, VIRTIO_NET_TXQ, &seg, 1);
	notify(f, VIRTIO_NET_TXQ);
	assert_int_equal(f->backend.sends, VIRTIO_NET_TX_BUDGET);
	assert_int_equal(f->backend.tx_pending_calls, 1);
	/* The host's poll finds the ring empty and says so. */
	assert_false(virtio_net_tx_poll(&f->net));
	assert_int_equal(f->backend.sends, 256);
	assert_int_equal(used_idx(f, VIRTIO_NET_TXQ), 256);
}

static void test_tx_before_driver_ok_waits(void **state)
{
	struct fixture *f = *state;
	uint8_t hdr[VIRTIO_NET_HDR_LEN] = {0}, frame[60] = {0};

	driver_start(f, FEAT_STD, 16, false);
	post_tx(f, hdr, frame, sizeof(frame), NULL, 0);
	notify(f, VIRTIO_NET_TXQ);
	assert_int_equal(f->backend.sends, 0);
	reg_write(f, R_STATUS,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		      VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(f->backend.sends, 1);
}

static void check_rx_header(struct fixture *f, uint64_t gpa, uint16_t num_buffers)
{
	uint8_t *h = gptr(f, gpa);

	for (unsigned i = 0; i < VIRTIO_NET_HDR_NUM_BUFFERS; i++)
		assert_int_equal(h[i], 0);
	assert_int_equal(get16(f, gpa + VIRTIO_NET_HDR_NUM_BUFFERS), num_buffers);
}

static void test_rx_single_buffer_without_mrg(void **state)
{
	struct fixture *f = *state;
	struct seg segs[2] = {{.gpa = BUF_AREA, .len = 7, .write = true},
			      {.gpa = BUF_AREA + 0x100, .len = 2000, .write = true}};
	uint8_t frame[1400];
	uint32_t id, len;
	uint16_t head;
	unsigned raises;

	driver_start(f, FEAT_STD, 16, true);
	fill_pattern(frame, sizeof(frame), 9);
	memset(gptr(f, BUF_AREA), 0xee, 0x1000);
	/* The header straddles the two segments (7 + 5 bytes). */
	head = post(f, VIRTIO_NET_RXQ, segs, 2);
	notify(f, VIRTIO_NET_RXQ);
	raises = f->irq_raises;
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), 0);
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 1);
	used_elem(f, VIRTIO_NET_RXQ, 0, &id, &len);
	assert_int_equal(id, head);
	assert_int_equal(len, VIRTIO_NET_HDR_LEN + sizeof(frame));
	assert_memory_equal(gptr(f, BUF_AREA), (uint8_t[7]){0}, 7);
	assert_memory_equal(gptr(f, BUF_AREA + 0x100), (uint8_t[3]){0}, 3);
	/* num_buffers is 1 without MRG_RXBUF (VERSION_1 makes the field exist). */
	assert_int_equal(get16(f, BUF_AREA + 0x100 + 3), 1);
	assert_memory_equal(gptr(f, BUF_AREA + 0x100 + 5), frame, sizeof(frame));
	assert_int_equal(*gptr(f, BUF_AREA + 0x100 + 5 + sizeof(frame)), 0xee);
	assert_true(f->irq_raises > raises);
	assert_int_equal(f->net.stats.rx_frames, 1);
	assert_int_equal(f->net.stats.rx_bytes, sizeof(frame));
}

static void test_rx_too_small_without_mrg_drops(void **state)
{
	struct fixture *f = *state;
	struct seg seg = {.gpa = BUF_AREA, .len = 1000, .write = true};
	uint8_t frame[1500] = {0};

	driver_start(f, FEAT_STD, 16, true);
	post(f, VIRTIO_NET_RXQ, &seg, 1);
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), -SVMM_E2BIG);
	assert_int_equal(f->net.stats.rx_dropped, 1);
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 0);
	/* The buffer was kept for a frame that fits. */
	assert_int_equal(virtio_net_receive(&f->net, frame, 900), 0);
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 1);
	assert_false(needs_reset(f));
}

static void test_rx_mergeable_spans_buffers(void **state)
{
	struct fixture *f = *state;
	uint8_t frame[1400];
	uint16_t heads[4];
	uint32_t id, len;

	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	fill_pattern(frame, sizeof(frame), 21);
	for (unsigned i = 0; i < 4; i++) {
		struct seg seg = {.gpa = BUF_AREA + 0x1000u * i, .len = 512, .write = true};

		heads[i] = post(f, VIRTIO_NET_RXQ, &seg, 1);
	}
	notify(f, VIRTIO_NET_RXQ);
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), 0);
	/* 12 + 1400 = 1412 bytes: 512 + 512 + 388, all published together. */
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 3);
	check_rx_header(f, BUF_AREA, 3);
	for (unsigned i = 0; i < 3; i++) {
		used_elem(f, VIRTIO_NET_RXQ, (uint16_t)i, &id, &len);
		assert_int_equal(id, heads[i]);
		assert_int_equal(len, i < 2 ? 512 : 388);
	}
	assert_memory_equal(gptr(f, BUF_AREA + 12), frame, 500);
	assert_memory_equal(gptr(f, BUF_AREA + 0x1000), frame + 500, 512);
	assert_memory_equal(gptr(f, BUF_AREA + 0x2000), frame + 1012, 388);
	/* A small frame takes one buffer and says so. */
	assert_int_equal(virtio_net_receive(&f->net, frame, 60), 0);
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 4);
	check_rx_header(f, BUF_AREA + 0x3000, 1);
	used_elem(f, VIRTIO_NET_RXQ, 3, &id, &len);
	assert_int_equal(id, heads[3]);
	assert_int_equal(len, 72);
}

static void test_rx_mergeable_waits_for_enough_buffers(void **state)
{
	struct fixture *f = *state;
	uint8_t frame[1400];
	struct seg seg = {.len = 512, .write = true};
	uint32_t id, len;
	uint16_t first;

	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	fill_pattern(frame, sizeof(frame), 5);
	seg.gpa = BUF_AREA;
	first = post(f, VIRTIO_NET_RXQ, &seg, 1);
	seg.gpa = BUF_AREA + 0x1000;
	post(f, VIRTIO_NET_RXQ, &seg, 1);
	notify(f, VIRTIO_NET_RXQ);
	/* Two buffers hold 1024 of the 1412 bytes: nothing is taken. */
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), -SVMM_ENOSPC);
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 0);
	assert_int_equal(f->backend.rx_space_calls, 0);
	assert_true(virtio_net_rx_ready(&f->net));
	seg.gpa = BUF_AREA + 0x2000;
	post(f, VIRTIO_NET_RXQ, &seg, 1);
	notify(f, VIRTIO_NET_RXQ);
	assert_int_equal(f->backend.rx_space_calls, 1);
	/* The same two buffers are used again, then the new one. */
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), 0);
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 3);
	used_elem(f, VIRTIO_NET_RXQ, 0, &id, &len);
	assert_int_equal(id, first);
	check_rx_header(f, BUF_AREA, 3);
	assert_memory_equal(gptr(f, BUF_AREA + 0x2000), frame + 1012, 388);
	/* Only one wake-up per wait. */
	notify(f, VIRTIO_NET_RXQ);
	assert_int_equal(f->backend.rx_space_calls, 1);
}

static void test_rx_no_buffers_enospc_then_hook(void **state)
{
	struct fixture *f = *state;
	struct seg seg = {.gpa = BUF_AREA, .len = 2048, .write = true};
	uint8_t frame[64] = {0};

	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	assert_false(virtio_net_rx_ready(&f->net));
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), -SVMM_ENOSPC);
	post(f, VIRTIO_NET_RXQ, &seg, 1);
	assert_true(virtio_net_rx_ready(&f->net));
	assert_true(virtio_net_rx_ready(&f->net)); /* looking takes nothing */
	notify(f, VIRTIO_NET_RXQ);
	assert_int_equal(f->backend.rx_space_calls, 1);
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), 0);
	assert_false(virtio_net_rx_ready(&f->net));
}

static void test_rx_before_driver_ok(void **state)
{
	struct fixture *f = *state;
	uint8_t frame[64] = {0};
	struct seg seg = {.gpa = BUF_AREA, .len = 2048, .write = true};

	driver_start(f, FEAT_STD, 16, false);
	post(f, VIRTIO_NET_RXQ, &seg, 1);
	assert_false(virtio_net_rx_ready(&f->net));
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), -SVMM_ENOSPC);
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 0);
	/* DRIVER_OK resumes the waiting host. */
	reg_write(f, R_STATUS,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		      VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(f->backend.rx_space_calls, 1);
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), 0);
}

static void test_rx_oversize_frame(void **state)
{
	struct fixture *f = *state;
	uint8_t *frame = calloc(1, VIRTIO_NET_MAX_FRAME + 1);
	struct seg seg;

	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	for (unsigned i = 0; i < 16; i++) {
		seg = (struct seg){.gpa = BUF_AREA + 0x1000u * i, .len = 0x1000, .write = true};
		post(f, VIRTIO_NET_RXQ, &seg, 1);
	}
	assert_int_equal(virtio_net_receive(&f->net, frame, VIRTIO_NET_MAX_FRAME + 1), -SVMM_E2BIG);
	/* Fits the limit but not the whole ring (16 x 4 KiB): dropped, not waited for. */
	assert_int_equal(virtio_net_receive(&f->net, frame, 65536), -SVMM_E2BIG);
	assert_int_equal(f->net.stats.rx_dropped, 2);
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 0);
	/* A frame that fits 16 buffers exactly. */
	assert_int_equal(virtio_net_receive(&f->net, frame, 16 * 0x1000 - 12), 0);
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 16);
	check_rx_header(f, BUF_AREA, 16);
	free(frame);
}

static void test_rx_readable_segment_fails_device(void **state)
{
	struct fixture *f = *state;
	struct seg segs[2] = {{.gpa = BUF_AREA, .len = 64},
			      {.gpa = BUF_AREA + 64, .len = 2000, .write = true}};
	uint8_t frame[64] = {0};

	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	post(f, VIRTIO_NET_RXQ, segs, 2);
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), -SVMM_ENOSPC);
	assert_true(needs_reset(f));
	assert_int_equal(used_idx(f, VIRTIO_NET_RXQ), 0);
	/* A reset and a new driver bring it back, and the waiting host is resumed. */
	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	assert_false(needs_reset(f));
	segs[0].write = true;
	post(f, VIRTIO_NET_RXQ, segs, 2);
	notify(f, VIRTIO_NET_RXQ);
	assert_true(f->backend.rx_space_calls >= 1);
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), 0);
}

static void test_rx_tiny_mergeable_buffer_fails_device(void **state)
{
	struct fixture *f = *state;
	struct seg seg = {.gpa = BUF_AREA, .len = 8, .write = true};
	uint8_t frame[64] = {0};

	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	post(f, VIRTIO_NET_RXQ, &seg, 1);
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), -SVMM_ENOSPC);
	assert_true(needs_reset(f));
}

static void test_rx_buffer_outside_ram_fails_device(void **state)
{
	struct fixture *f = *state;
	struct seg seg = {.gpa = RAM_GPA + RAM_SIZE - 16, .len = 2048, .write = true};
	uint8_t frame[64] = {0};

	driver_start(f, FEAT_STD | FEAT_MRG, 16, true);
	post(f, VIRTIO_NET_RXQ, &seg, 1);
	assert_int_equal(virtio_net_receive(&f->net, frame, sizeof(frame)), -SVMM_ENOSPC);
	assert_true(needs_reset(f));
}

static void test_two_devices_independent(void **state)
{
	struct fixture *f = *state;
	struct fixture *g;
	uint8_t frame[64] = {0};

	assert_int_equal(setup((void **)&g), 0);
	driver_start(f, FEAT_STD, 16, true);
	driver_start(g, FEAT_STD, 16, true);
	assert_int_equal(virtio_net_receive(&g->net, frame, sizeof(frame)), -SVMM_ENOSPC);
	assert_int_equal(f->net.rx_waiting, false);
	teardown((void **)&g);
}

/* ---- the stream framing (passt, QEMU's stream netdev) ---- */

static size_t build_stream(uint8_t *out, const size_t *lens, unsigned count)
{
	size_t at = 0;

	for (unsigned i = 0; i < count; i++) {
		net_stream_prefix(out + at, (uint32_t)lens[i]);
		at += NET_STREAM_PREFIX;
		fill_pattern(out + at, lens[i], (uint8_t)i);
		at += lens[i];
	}
	return at;
}

static void test_stream_reassembles_any_split(void **state)
{
	static const size_t lens[] = {60, 1, 1514, 0, 42};
	uint8_t stream[2048], expect[1514];
	size_t total = build_stream(stream, lens, 5);

	(void)state;
	/* Every cut point, and byte-at-a-time. */
	for (size_t chunk = 1; chunk <= total; chunk = chunk < 16 ? chunk + 1 : chunk * 3) {
		struct net_stream_rx rx;
		unsigned got = 0;
		size_t fed = 0;

		assert_int_equal(net_stream_rx_init(&rx), 0);
		while (fed < total) {
			size_t room, n;
			uint8_t *space = net_stream_rx_space(&rx, &room);
			const uint8_t *frame;
			size_t len;

			n = total - fed < chunk ? total - fed : chunk;
			assert_true(room >= n);
			memcpy(space, stream + fed, n);
			net_stream_rx_commit(&rx, n);
			fed += n;
			while (net_stream_rx_peek(&rx, &frame, &len) == 1) {
				unsigned index =
				    got < 3 ? got : got + 1; /* the empty one is skipped */

				assert_int_equal(len, lens[index]);
				fill_pattern(expect, len, (uint8_t)index);
				assert_memory_equal(frame, expect, len);
				/* Held until consumed. */
				assert_int_equal(net_stream_rx_peek(&rx, &frame, &len), 1);
				net_stream_rx_consume(&rx);
				got++;
			}
		}
		assert_int_equal(got, 4);
		net_stream_rx_fini(&rx);
	}
}

static void test_stream_long_run_compacts(void **state)
{
	struct net_stream_rx rx;
	uint8_t frame_bytes[NET_STREAM_PREFIX + 9000];
	size_t lens[1] = {9000};
	size_t one = build_stream(frame_bytes, lens, 1), fed = 0;
	unsigned got = 0;

	(void)state;
	assert_int_equal(net_stream_rx_init(&rx), 0);
	/* 100 frames fed in 7000-byte reads: the buffer must wrap many times. */
	while (got < 100) {
		size_t room, n = 7000;
		uint8_t *space = net_stream_rx_space(&rx, &room);
		const uint8_t *frame;
		size_t len;

		assert_true(room >= n);
		for (size_t i = 0; i < n; i++)
			space[i] = frame_bytes[(fed + i) % one];
		net_stream_rx_commit(&rx, n);
		fed += n;
		while (got < 100 && net_stream_rx_peek(&rx, &frame, &len) == 1) {
			assert_int_equal(len, 9000);
			assert_memory_equal(frame, frame_bytes + NET_STREAM_PREFIX, 9000);
			net_stream_rx_consume(&rx);
			got++;
		}
	}
	net_stream_rx_fini(&rx);
}

static void test_stream_rejects_oversize_length(void **state)
{
	struct net_stream_rx rx;
	size_t room;
	uint8_t *space;
	const uint8_t *frame;
	size_t len;

	(void)state;
	assert_int_equal(net_stream_rx_init(&rx), 0);
	space = net_stream_rx_space(&rx, &room);
	net_stream_prefix(space, NET_STREAM_MAX_FRAME + 1);
	net_stream_rx_commit(&rx, NET_STREAM_PREFIX);
	assert_int_equal(net_stream_rx_peek(&rx, &frame, &len), -EPROTO);
	net_stream_rx_fini(&rx);

	/* The largest allowed frame fits, with room for reading behind it. */
	assert_int_equal(net_stream_rx_init(&rx), 0);
	space = net_stream_rx_space(&rx, &room);
	assert_true(room >= NET_STREAM_PREFIX + NET_STREAM_MAX_FRAME);
	net_stream_prefix(space, NET_STREAM_MAX_FRAME);
	memset(space + NET_STREAM_PREFIX, 0x5a, NET_STREAM_MAX_FRAME);
	net_stream_rx_commit(&rx, NET_STREAM_PREFIX + NET_STREAM_MAX_FRAME - 1);
	assert_int_equal(net_stream_rx_peek(&rx, &frame, &len), 0);
	space = net_stream_rx_space(&rx, &room);
	assert_true(room > 0);
	*space = 0x5a;
	net_stream_rx_commit(&rx, 1);
	assert_int_equal(net_stream_rx_peek(&rx, &frame, &len), 1);
	assert_int_equal(len, NET_STREAM_MAX_FRAME);
	net_stream_rx_fini(&rx);
}

static void test_stream_tx_keeps_partial_tail(void **state)
{
	struct net_stream_tx tx;
	uint8_t a[] = {0, 0, 0, 6}, b[] = {1, 2, 3}, c[] = {4, 5, 6};
	struct iovec iov[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
	static const uint8_t rest[] = {2, 3, 4, 5, 6};
	const uint8_t *data;
	size_t len;

	(void)state;
	assert_int_equal(net_stream_tx_init(&tx), 0);
	assert_false(net_stream_tx_pending(&tx));
	net_stream_tx_keep(&tx, iov, 3, 5); /* the prefix and one byte went out */
	assert_true(net_stream_tx_pending(&tx));
	data = net_stream_tx_data(&tx, &len);
	assert_int_equal(len, sizeof(rest));
	assert_memory_equal(data, rest, sizeof(rest));
	net_stream_tx_advance(&tx, 2);
	data = net_stream_tx_data(&tx, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(data, rest + 2, 3);
	net_stream_tx_advance(&tx, 3);
	assert_false(net_stream_tx_pending(&tx));
	net_stream_tx_fini(&tx);
}

/* ---- passt ---- */

static void test_passt_not_found(void **state)
{
	struct net_passt passt;
	struct net_passt_params params = {.program = "svmm-test-no-such-passt"};
	char why[256];
	char *saved_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	(void)state;
	assert_true(net_passt_start(&passt, &params, why, sizeof(why)) < 0);
	assert_string_equal(why, "net user: svmm-test-no-such-passt: No such file or directory");
	/* The default program with nothing on PATH: the install hint. */
	setenv("PATH", "/nonexistent", 1);
	params.program = NULL;
	assert_int_equal(net_passt_start(&passt, &params, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "net user: passt not found (apt-get install passt)");
	if (saved_path != NULL) {
		setenv("PATH", saved_path, 1);
		free(saved_path);
	}
}

static void test_passt_bad_forward(void **state)
{
	static const char *const bad[] = {"tcp:8080",	  "sctp:1:2", "tcp:0:80",
					  "udp:70000:53", "tcp:80:x", "tcp::80"};
	char why[256];

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct net_passt passt;
		/* /bin/true stands in for passt: the forward is rejected before it starts. */
		struct net_passt_params params = {
		    .program = "/bin/true", .forwards = &bad[i], .forward_count = 1};

		assert_int_equal(net_passt_start(&passt, &params, why, sizeof(why)), -EINVAL);
		assert_non_null(strstr(why, "expected tcp:HOST_PORT:GUEST_PORT"));
	}
}

/*
 * A full socket: frames are accepted whole, kept in part, or refused, and
 * whatever reaches the other end is still a clean stream of the accepted
 * frames in order. No passt needed: the backend is pointed at a socketpair.
 */
static void test_passt_full_socket_keeps_stream(void **state)
{
	struct net_passt *passt = calloc(1, sizeof(*passt));
	struct net_stream_rx rx;
	int sv[2], sndbuf = 4096, accepted = 0, refused = 0, seen = 0;
	/* Far over the send buffer, so the first write is cut short. */
	static uint8_t frame[20000];
	struct iovec iov[2] = {{frame, 100}, {frame + 100, sizeof(frame) - 100}};
	bool saw_tail = false;
	const uint8_t *got;
	size_t len;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	passt->fd = sv[0];
	passt->pid = -1;
	assert_int_equal(net_stream_rx_init(&passt->rx), 0);
	assert_int_equal(net_stream_tx_init(&passt->tx), 0);
	assert_int_equal(net_stream_rx_init(&rx), 0);

	for (int i = 0; refused < 3 && i < 1000; i++) {
		int err;

		memset(frame, accepted, sizeof(frame));
		err = net_passt_send(passt, iov, 2);
		if (err == 0) {
			accepted++;
		} else {
			assert_int_equal(err, -EAGAIN);
			refused++;
		}
		saw_tail = saw_tail || net_passt_tx_pending(passt);
	}
	assert_true(accepted > 0);
	assert_int_equal(refused, 3);
	assert_int_equal(passt->tx_dropped, 3);
	/* The peer reads; the held tail goes out first, then nothing else is pending. */
	for (int rounds = 0; rounds < 10000 && seen < accepted; rounds++) {
		size_t room;
		uint8_t *space = net_stream_rx_space(&rx, &room);
		ssize_t n = read(sv[1], space, room);

		if (n > 0)
			net_stream_rx_commit(&rx, (size_t)n);
		net_passt_flush(passt);
		while (net_stream_rx_peek(&rx, &got, &len) == 1) {
			assert_int_equal(len, sizeof(frame));
			assert_int_equal(got[0], seen);
			assert_int_equal(got[len - 1], seen);
			net_stream_rx_consume(&rx);
			seen++;
		}
	}
	assert_int_equal(seen, accepted);
	assert_false(net_passt_tx_pending(passt));
	assert_true(saw_tail);

	/* From the other side: a split frame, then passt going away. */
	net_stream_prefix(frame, 5);
	memcpy(frame + 4, "hello", 5);
	assert_int_equal(write(sv[1], frame, 6), 6);
	assert_int_equal(net_passt_receive(passt, &got, &len), 0);
	assert_int_equal(write(sv[1], frame + 6, 3), 3);
	assert_int_equal(net_passt_receive(passt, &got, &len), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(got, "hello", 5);
	net_passt_consume(passt);
	close(sv[1]);
	assert_int_equal(net_passt_receive(passt, &got, &len), -EPIPE);
	assert_int_equal(net_passt_stop(passt), -1); /* no child to reap */
	net_stream_rx_fini(&rx);
	free(passt);
}

/* An ARP request for 10.0.2.2 from the test MAC. */
static size_t arp_request(uint8_t *out)
{
	static const uint8_t arp[] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
	    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	    10,	  0,	2,    15,   0,	  0,	0,    0,    0,	  0,	10,   0,    2,	  2};

	memcpy(out, arp, sizeof(arp));
	return sizeof(arp);
}

static void test_passt_exchanges_frames(void **state)
{
	static const char *const forwards[] = {"tcp:18222:22", "udp:18253:53"};
	struct net_passt_params params = {.forwards = forwards, .forward_count = 2};
	struct net_passt *passt = calloc(1, sizeof(*passt));
	uint8_t arp[64];
	struct iovec iov[2];
	const uint8_t *frame = NULL;
	size_t len = 0;
	char why[256];
	int err = 0, status;

	(void)state;
	if (net_passt_start(passt, &params, why, sizeof(why)) < 0) {
		free(passt);
		skip(); /* passt is not installed here */
	}
	/* The request in two pieces, as a chain would give it. */
	len = arp_request(arp);
	iov[0] = (struct iovec){arp, 20};
	iov[1] = (struct iovec){arp + 20, len - 20};
	assert_int_equal(net_passt_send(passt, iov, 2), 0);
	for (int tries = 0; tries < 50; tries++) {
		struct pollfd pfd = {.fd = passt->fd, .events = POLLIN};

		poll(&pfd, 1, 100);
		err = net_passt_receive(passt, &frame, &len);
		if (err != 0)
			break;
	}
	if (err == -EPIPE) {
		/* passt exits at once on a host with no routable interface. */
		net_passt_stop(passt);
		free(passt);
		skip();
	}
	assert_int_equal(err, 1);
	/* An ARP reply to our MAC. */
	assert_true(len >= 42);
	assert_memory_equal(frame, test_mac, 6);
	assert_int_equal(frame[12], 0x08);
	assert_int_equal(frame[13], 0x06);
	assert_int_equal(frame[21], 2);
	net_passt_consume(passt);
	status = net_passt_stop(passt);
	/* It ended by itself when its socket closed, before any signal. */
	assert_true(WIFEXITED(status));
	free(passt);
}

/* ---- tap ---- */

static void test_tap_name_errors(void **state)
{
	struct net_tap tap;
	char why[256];

	(void)state;
	assert_int_equal(net_tap_open(&tap, "a-name-that-is-far-too-long", false, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why,
			    "tap \"a-name-that-is-far-too-long\": an interface name has 1 to 15 "
			    "characters");
	assert_int_equal(net_tap_open(&tap, "", false, why, sizeof(why)), -EINVAL);
	/* lo exists and is no tap. */
	if (net_tap_open(&tap, "lo", false, why, sizeof(why)) == -EINVAL)
		assert_non_null(strstr(why, "exists but is not a single-queue tap"));
}

static void test_tap_moves_frames(void **state)
{
	struct net_tap tap;
	char why[256];
	struct ifreq ifr;
	struct sockaddr_ll addr = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	uint8_t frame[60], got[2048];
	struct iovec iov[2];
	int ctl, pkt, err;
	ssize_t n = -1;

	(void)state;
	err = net_tap_open(&tap, "svmmtest%d", false, why, sizeof(why));
	if (err == -EPERM || err == -EACCES || err == -ENOENT || err == -ENODEV)
		skip(); /* no CAP_NET_ADMIN or no tun here */
	assert_int_equal(err, 0);
	assert_int_equal(strncmp(tap.name, "svmmtest", 8), 0);
	/* A down tap refuses frames. */
	memset(frame, 0, sizeof(frame));
	iov[0] = (struct iovec){frame, 14};
	iov[1] = (struct iovec){frame + 14, sizeof(frame) - 14};
	assert_int_equal(net_tap_send(&tap, iov, 2), -EIO);
	assert_int_equal(net_tap_read(&tap, got, sizeof(got)), -EAGAIN);

	/* Up, with a packet socket on the host side of it. */
	ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(ctl >= 0);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, tap.name, IFNAMSIZ);
	assert_int_equal(ioctl(ctl, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(ctl, SIOCSIFFLAGS, &ifr), 0);
	assert_int_equal(ioctl(ctl, SIOCGIFINDEX, &ifr), 0);
	addr.sll_ifindex = ifr.ifr_ifindex;
	pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	assert_true(pkt >= 0);
	assert_int_equal(bind(pkt, (struct sockaddr *)&addr, sizeof(addr)), 0);

	/* Guest to host: a broadcast frame with an experimental EtherType. */
	memset(frame, 0xff, 6);
	memcpy(frame + 6, test_mac, 6);
	frame[12] = 0x88;
	frame[13] = 0xb5;
	fill_pattern(frame + 14, sizeof(frame) - 14, 77);
	assert_int_equal(net_tap_send(&tap, iov, 2), 0);
	for (int tries = 0; tries < 20; tries++) {
		struct pollfd pfd = {.fd = pkt, .events = POLLIN};

		assert_true(poll(&pfd, 1, 1000) > 0);
		n = recv(pkt, got, sizeof(got), 0);
		/* Skip what the kernel itself sends on a new link (IPv6 router solicitations). */
		if (n == (ssize_t)sizeof(frame) && got[12] == 0x88 && got[13] == 0xb5)
			break;
	}
	assert_int_equal(n, sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));

	/* Host to guest. */
	frame[13] = 0xb6;
	assert_int_equal(send(pkt, frame, sizeof(frame), 0), sizeof(frame));
	for (int tries = 0; tries < 20; tries++) {
		struct pollfd pfd = {.fd = tap.fd, .events = POLLIN};

		assert_true(poll(&pfd, 1, 1000) > 0);
		n = net_tap_read(&tap, got, sizeof(got));
		if (n == (ssize_t)sizeof(frame) && got[13] == 0xb6)
			break;
	}
	assert_int_equal(n, sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));
	close(pkt);
	close(ctl);
	net_tap_close(&tap);
}

#define DEVICE_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    DEVICE_TEST(test_identity_and_features),
	    DEVICE_TEST(test_config_space),
	    DEVICE_TEST(test_init_rejects_missing_send),
	    DEVICE_TEST(test_tx_strips_header_across_segments),
	    DEVICE_TEST(test_tx_backend_full_drops),
	    DEVICE_TEST(test_tx_hostile_chains),
	    DEVICE_TEST(test_tx_broken_ring_fails_device),
	    DEVICE_TEST(test_tx_budget_asks_for_poll),
	    DEVICE_TEST(test_tx_before_driver_ok_waits),
	    DEVICE_TEST(test_rx_single_buffer_without_mrg),
	    DEVICE_TEST(test_rx_too_small_without_mrg_drops),
	    DEVICE_TEST(test_rx_mergeable_spans_buffers),
	    DEVICE_TEST(test_rx_mergeable_waits_for_enough_buffers),
	    DEVICE_TEST(test_rx_no_buffers_enospc_then_hook),
	    DEVICE_TEST(test_rx_before_driver_ok),
	    DEVICE_TEST(test_rx_oversize_frame),
	    DEVICE_TEST(test_rx_readable_segment_fails_device),
	    DEVICE_TEST(test_rx_tiny_mergeable_buffer_fails_device),
	    DEVICE_TEST(test_rx_buffer_outside_ram_fails_device),
	    DEVICE_TEST(test_two_devices_independent),
	    cmocka_unit_test(test_stream_reassembles_any_split),
	    cmocka_unit_test(test_stream_long_run_compacts),
	    cmocka_unit_test(test_stream_rejects_oversize_length),
	    cmocka_unit_test(test_stream_tx_keeps_partial_tail),
	    cmocka_unit_test(test_passt_not_found),
	    cmocka_unit_test(test_passt_bad_forward),
	    cmocka_unit_test(test_passt_full_socket_keeps_stream),
	    cmocka_unit_test(test_passt_exchanges_frames),
	    cmocka_unit_test(test_tap_name_errors),
	    cmocka_unit_test(test_tap_moves_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
