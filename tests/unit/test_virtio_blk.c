/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk driven as a driver would drive it: split rings built by hand
 * in a fake guest RAM, the device brought up by setting the state a
 * transport would set, notifies delivered through its ops; an in-memory
 * disk as the backend records every call, so tests can tell that a bad
 * request never reached it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/vm.h"
#include "virtio/blk.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"

#define RAM_GPA	    0x40000000ull
#define RAM_SIZE    0x100000ull /* 1 MiB */
#define QSIZE	    256
#define DESC_GPA    (RAM_GPA + 0x0000) /* 256 descriptors: 4 KiB */
#define AVAIL_GPA   (RAM_GPA + 0x1000)
#define USED_GPA    (RAM_GPA + 0x2000)
#define HDR_GPA	    (RAM_GPA + 0x4000)
#define STATUS_GPA  (RAM_GPA + 0x5000)
#define DATA_GPA    (RAM_GPA + 0x10000)
#define DISK_SIZE   (64u * 1024u) /* 128 sectors */
#define DISK_SECT   (DISK_SIZE / 512u)
#define POISON	    0xa5
#define STATUS_NONE 0xee /* what the status byte holds before the device answers */

struct backend_record {
	uint8_t disk[DISK_SIZE];
	unsigned reads, writes, flushes, discards, zeroes;
	uint64_t last_offset, last_len;
	unsigned last_count;
	bool last_unmap;
	int fail_with;	     /* every call returns this when non-zero */
	int flush_fail_with; /* and flush this */
	uint8_t *ram;	     /* segments must point into it */
};

struct transport_record {
	unsigned signal_used;
	unsigned needs_reset;
};

struct fixture {
	struct vm vm;
	struct virtio_blk blk;
	uint8_t *ram;
	struct backend_record be;
	struct transport_record transport;
	unsigned logs;
	uint16_t next_desc;
	uint16_t avail_idx;
};

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* ---- the in-memory backend ---- */

static uint64_t seg_total(const struct backend_record *be, const struct blk_io_segment *segs,
			  unsigned count)
{
	uint64_t total = 0;

	assert_true(count >= 1);
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *p = segs[i].base;

		/* The device hands over host pointers into guest RAM and nothing else. */
		assert_true(p >= be->ram && p + segs[i].len <= be->ram + RAM_SIZE);
		assert_true(segs[i].len > 0);
		total += segs[i].len;
	}
	return total;
}

static int fake_read(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count)
{
	struct backend_record *be = ctx;
	uint64_t total = seg_total(be, segs, count);

	be->reads++;
	be->last_offset = offset;
	be->last_len = total;
	be->last_count = count;
	assert_true(offset % 512 == 0 && total % 512 == 0);
	assert_true(offset <= DISK_SIZE && total <= DISK_SIZE - offset);
	if (be->fail_with != 0)
		return be->fail_with;
	for (unsigned i = 0; i < count; i++) {
		memcpy(segs[i].base, be->disk + offset, segs[i].len);
		offset += segs[i].len;
	}
	return 0;
}

static int fake_write(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count)
{
	struct backend_record *be = ctx;
	uint64_t total = seg_total(be, segs, count);

	be->writes++;
	be->last_offset = offset;
	be->last_len = total;
	be->last_count = count;
	assert_true(offset % 512 == 0 && total % 512 == 0);
	assert_true(offset <= DISK_SIZE && total <= DISK_SIZE - offset);
	if (be->fail_with != 0)
		return be->fail_with;
	for (unsigned i = 0; i < count; i++) {
		memcpy(be->disk + offset, segs[i].base, segs[i].len);
		offset += segs[i].len;
	}
	return 0;
}

static int fake_flush(void *ctx)
{
	struct backend_record *be = ctx;

	be->flushes++;
	return be->fail_with != 0 ? be->fail_with : be->flush_fail_with;
}

static int fake_discard(void *ctx, uint64_t offset, uint64_t len)
{
	struct backend_record *be = ctx;

	be->discards++;
	be->last_offset = offset;
	be->last_len = len;
	assert_true(offset % 512 == 0 && len % 512 == 0 && len > 0);
	assert_true(offset <= DISK_SIZE && len <= DISK_SIZE - offset);
	if (be->fail_with != 0)
		return be->fail_with;
	memset(be->disk + offset, 0xdd, len); /* deallocated: contents undefined */
	return 0;
}

static int fake_write_zeroes(void *ctx, uint64_t offset, uint64_t len, bool unmap)
{
	struct backend_record *be = ctx;

	be->zeroes++;
	be->last_offset = offset;
	be->last_len = len;
	be->last_unmap = unmap;
	assert_true(offset % 512 == 0 && len % 512 == 0 && len > 0);
	assert_true(offset <= DISK_SIZE && len <= DISK_SIZE - offset);
	if (be->fail_with != 0)
		return be->fail_with;
	memset(be->disk + offset, 0, len);
	return 0;
}

static const struct blk_backend_ops fake_ops = {
    .read = fake_read,
    .write = fake_write,
    .flush = fake_flush,
    .discard = fake_discard,
    .write_zeroes = fake_write_zeroes,
};

/* ---- the transport and the log ---- */

static void fake_signal_used(struct virtio_device *dev, unsigned queue)
{
	struct fixture *f = dev->transport_ctx;

	assert_int_equal(queue, 0);
	f->transport.signal_used++;
}

static void fake_signal_config(struct virtio_device *dev)
{
	(void)dev;
}

static void fake_needs_reset(struct virtio_device *dev)
{
	struct fixture *f = dev->transport_ctx;

	f->transport.needs_reset++;
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

/* ---- guest memory, little-endian whatever the host is ---- */

static uint8_t *host(struct fixture *f, uint64_t gpa)
{
	assert_true(gpa >= RAM_GPA && gpa < RAM_GPA + RAM_SIZE);
	return f->ram + (gpa - RAM_GPA);
}

static void put16(struct fixture *f, uint64_t gpa, uint16_t v)
{
	uint8_t *p = host(f, gpa);

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
	uint8_t *p = host(f, gpa);

	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(struct fixture *f, uint64_t gpa)
{
	return get16(f, gpa) | (uint32_t)get16(f, gpa + 2) << 16;
}

/* Fills `buf` with bytes that differ from sector to sector and from `seed` to seed. */
static void pattern(uint8_t *buf, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i ^ (i >> 9) ^ seed);
}

/* ---- set-up ---- */

static struct blk_backend fake_backend(struct fixture *f)
{
	struct blk_backend backend = {
	    .ops = &fake_ops,
	    .ctx = &f->be,
	    .capacity_bytes = DISK_SIZE,
	    .can_discard = true,
	    .can_write_zeroes = true,
	    .serial = "svmm-test-disk-0001",
	};

	return backend;
}

static void attach(struct fixture *f, const struct blk_backend *backend)
{
	assert_int_equal(virtio_blk_init(&f->blk, &f->vm, "virtio-blk0", backend), 0);
	/* What a transport does when it attaches the device. */
	f->blk.virtio.transport = &fake_transport;
	f->blk.virtio.transport_ctx = f;
}

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct log_sink sink = {.vlog = fake_vlog, .max_level = LOG_DEBUG};
	struct blk_backend backend;

	assert_non_null(f);
	f->ram = calloc(1, RAM_SIZE);
	assert_non_null(f->ram);
	f->be.ram = f->ram;
	pattern(f->be.disk, DISK_SIZE, 0x11);
	sink.ctx = &f->logs;
	vm_init(&f->vm, "test", &sink);
	assert_int_equal(guest_mem_add(&f->vm.mem, RAM_GPA, RAM_SIZE, f->ram), 0);
	backend = fake_backend(f);
	attach(f, &backend);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

/* What a driver does through the transport: negotiate, set up the queue, DRIVER_OK. */
static void bring_up_with(struct fixture *f, uint64_t driver_features)
{
	struct virtio_device *dev = &f->blk.virtio;
	struct virtq *vq = &dev->queues[0];

	dev->driver_features = driver_features;
	dev->status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	vq->size = QSIZE;
	vq->desc_gpa = DESC_GPA;
	vq->avail_gpa = AVAIL_GPA;
	vq->used_gpa = USED_GPA;
	assert_int_equal(virtq_enable(vq), 0);
	vq->ready = true;
	dev->status |= VIRTIO_STATUS_DRIVER_OK;
	if (dev->ops->driver_ok != NULL)
		dev->ops->driver_ok(dev);
}

/* A driver that accepted everything the device offered. */
static void bring_up(struct fixture *f)
{
	struct virtio_device *dev = &f->blk.virtio;

	bring_up_with(f, dev->ops->features(dev) | 1ull << VIRTIO_F_VERSION_1);
}

/* Posts one request made of `n` segments; returns its head descriptor. */
static uint16_t post(struct fixture *f, const struct seg *segs, unsigned n)
{
	uint16_t head = f->next_desc;

	for (unsigned i = 0; i < n; i++) {
		uint16_t id = (uint16_t)((head + i) % QSIZE);
		uint64_t d = DESC_GPA + 16ull * id;
		uint16_t flags = segs[i].write ? VIRTQ_DESC_F_WRITE : 0;

		if (i + 1 < n)
			flags |= VIRTQ_DESC_F_NEXT;
		put64(f, d, segs[i].gpa);
		put32(f, d + 8, segs[i].len);
		put16(f, d + 12, flags);
		put16(f, d + 14, (uint16_t)((id + 1) % QSIZE));
	}
	f->next_desc = (uint16_t)((head + n) % QSIZE);
	put16(f, AVAIL_GPA + 4 + 2 * (f->avail_idx % QSIZE), head);
	f->avail_idx++;
	put16(f, AVAIL_GPA + 2, f->avail_idx);
	return head;
}

static void notify(struct fixture *f)
{
	f->blk.virtio.ops->queue_notify(&f->blk.virtio, 0);
}

static uint16_t used_idx(struct fixture *f)
{
	return get16(f, USED_GPA + 2);
}

static uint32_t used_id(struct fixture *f, unsigned i)
{
	return get32(f, USED_GPA + 4 + 8 * (i % QSIZE));
}

static uint32_t used_len(struct fixture *f, unsigned i)
{
	return get32(f, USED_GPA + 4 + 8 * (i % QSIZE) + 4);
}

static void put_header(struct fixture *f, uint64_t gpa, uint32_t type, uint64_t sector)
{
	put32(f, gpa, type);
	put32(f, gpa + 4, 0);
	put64(f, gpa + 8, sector);
}

static void put_range(struct fixture *f, uint64_t gpa, uint64_t sector, uint32_t sectors,
		      uint32_t flags)
{
	put64(f, gpa, sector);
	put32(f, gpa + 8, sectors);
	put32(f, gpa + 12, flags);
}

/*
 * Sends the usual three-part request (header, data, status) and serves it:
 * the status byte the device wrote. Checks that exactly one request
 * completed, with the given head.
 */
static uint8_t request(struct fixture *f, uint32_t type, uint64_t sector, uint32_t data_len,
		       bool data_writable)
{
	struct seg segs[3] = {
	    {HDR_GPA, VIRTIO_BLK_HEADER_SIZE, false},
	    {DATA_GPA, data_len, data_writable},
	    {STATUS_GPA, 1, true},
	};
	struct seg no_data[2] = {segs[0], segs[2]};
	uint16_t before = used_idx(f), head;

	put_header(f, HDR_GPA, type, sector);
	*host(f, STATUS_GPA) = STATUS_NONE;
	head = data_len != 0 ? post(f, segs, 3) : post(f, no_data, 2);
	notify(f);
	assert_int_equal(used_idx(f), (uint16_t)(before + 1));
	assert_int_equal(used_id(f, before), head);
	return *host(f, STATUS_GPA);
}

static uint32_t last_used_len(struct fixture *f)
{
	return used_len(f, (uint16_t)(used_idx(f) - 1));
}

static uint64_t config(struct fixture *f, uint32_t offset, uint8_t size)
{
	uint64_t value = 0xdeadbeefdeadbeefull;

	f->blk.virtio.ops->config_read(&f->blk.virtio, offset, size, &value);
	return value;
}

static unsigned backend_calls(const struct fixture *f)
{
	return f->be.reads + f->be.writes + f->be.flushes + f->be.discards + f->be.zeroes;
}

/* ---- identity, features, config space ---- */

static void test_identity_and_features(void **state)
{
	struct fixture *f = *state;
	struct virtio_device *dev = &f->blk.virtio;
	uint64_t features = dev->ops->features(dev);

	assert_int_equal(dev->ops->device_id, VIRTIO_ID_BLOCK);
	assert_int_equal(dev->ops->device_id, 2);
	assert_int_equal(dev->ops->num_queues, 1);
	assert_ptr_equal(dev->vm, &f->vm);
	assert_string_equal(dev->name, "virtio-blk0");
	assert_true(features & 1ull << VIRTIO_BLK_F_SEG_MAX);
	assert_true(features & 1ull << VIRTIO_BLK_F_BLK_SIZE);
	assert_true(features & 1ull << VIRTIO_BLK_F_FLUSH);
	assert_true(features & 1ull << VIRTIO_BLK_F_DISCARD);
	assert_true(features & 1ull << VIRTIO_BLK_F_WRITE_ZEROES);
	assert_false(features & 1ull << VIRTIO_BLK_F_RO);
	assert_false(features & 1ull << VIRTIO_BLK_F_MQ);
	assert_false(features & 1ull << VIRTIO_BLK_F_CONFIG_WCE);
	assert_false(features & 1ull << VIRTIO_BLK_F_SIZE_MAX);
	/* Bits 1, 2, 4-6, 9-14 are this device's; nothing outside 0..23 comes from it. */
	assert_int_equal(features >> 24, 0);
}

static void test_config_space(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(config(f, VIRTIO_BLK_CFG_CAPACITY, 8), DISK_SECT);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_CAPACITY, 4), DISK_SECT);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_CAPACITY + 4, 4), 0);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_CAPACITY, 1), DISK_SECT & 0xff);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_SIZE_MAX, 4), 0);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_SEG_MAX, 4), VIRTQ_MAX_CHAIN - 2);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_SEG_MAX, 4), 254);
	assert_int_equal(config(f, 0x10, 4), 0); /* geometry: not offered */
	assert_int_equal(config(f, VIRTIO_BLK_CFG_BLK_SIZE, 4), 512);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_BLK_SIZE, 2), 512);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_BLK_SIZE + 1, 1), 2);
	assert_int_equal(config(f, 0x18, 8), 0); /* topology: not offered */
	assert_int_equal(config(f, 0x20, 1), 0); /* writeback: no CONFIG_WCE */
	assert_int_equal(config(f, VIRTIO_BLK_CFG_NUM_QUEUES, 2), 1);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, 4),
			 VIRTIO_BLK_MAX_DISCARD_SECTORS);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_MAX_DISCARD_SEG, 4), VIRTIO_BLK_MAX_RANGES);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_DISCARD_ALIGNMENT, 4), 8);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECT, 4),
			 VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, 4), VIRTIO_BLK_MAX_RANGES);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP, 1), 1);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP, 4), 1); /* padding 0 */
	/* Past the fields, and across the end: zeros, never stale bytes. */
	assert_int_equal(config(f, VIRTIO_BLK_CFG_SIZE, 4), 0);
	assert_int_equal(config(f, 0x100, 8), 0);
	assert_int_equal(config(f, UINT32_MAX, 8), 0);
	assert_int_equal(config(f, UINT32_MAX - 3, 8), 0);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_SIZE - 4, 8), 1); /* may_unmap, then nothing */
}

static void test_config_capacity_rounds_down(void **state)
{
	struct fixture *f = *state;
	struct blk_backend backend = fake_backend(f);

	backend.capacity_bytes = 5 * 512 + 511;
	attach(f, &backend);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_CAPACITY, 8), 5);
	backend.capacity_bytes = 0x123456789abcull * 512;
	attach(f, &backend);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_CAPACITY, 8), 0x123456789abcull);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_CAPACITY + 4, 4), 0x1234);
}

static void test_readonly_features(void **state)
{
	struct fixture *f = *state;
	struct blk_backend backend = fake_backend(f);
	uint64_t features;

	backend.readonly = true;
	attach(f, &backend);
	features = f->blk.virtio.ops->features(&f->blk.virtio);
	assert_true(features & 1ull << VIRTIO_BLK_F_RO);
	assert_true(features & 1ull << VIRTIO_BLK_F_FLUSH);
	assert_false(features & 1ull << VIRTIO_BLK_F_DISCARD);
	assert_false(features & 1ull << VIRTIO_BLK_F_WRITE_ZEROES);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, 4), 0);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECT, 4), 0);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP, 1), 0);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_CAPACITY, 8), DISK_SECT);
}

static void test_backend_without_discard(void **state)
{
	struct fixture *f = *state;
	struct blk_backend backend = fake_backend(f);
	uint64_t features;

	backend.can_discard = false;
	attach(f, &backend);
	features = f->blk.virtio.ops->features(&f->blk.virtio);
	assert_false(features & 1ull << VIRTIO_BLK_F_DISCARD);
	assert_true(features & 1ull << VIRTIO_BLK_F_WRITE_ZEROES);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_MAX_DISCARD_SEG, 4), 0);
	/* Without discard, write zeroes never unmaps. */
	assert_int_equal(config(f, VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP, 1), 0);
	bring_up(f);
	put_range(f, DATA_GPA, 0, 8, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(f->be.discards, 0);
}

static void test_init_checks_backend(void **state)
{
	struct fixture *f = *state;
	struct virtio_blk other;
	struct blk_backend backend = fake_backend(f);
	struct blk_backend_ops ops = fake_ops;

	assert_int_equal(virtio_blk_init(&other, &f->vm, "x", NULL), -SVMM_EINVAL);
	backend.ops = NULL;
	assert_int_equal(virtio_blk_init(&other, &f->vm, "x", &backend), -SVMM_EINVAL);
	backend.ops = &ops;
	ops.read = NULL;
	assert_int_equal(virtio_blk_init(&other, &f->vm, "x", &backend), -SVMM_EINVAL);
	ops = fake_ops;
	ops.write = NULL;
	assert_int_equal(virtio_blk_init(&other, &f->vm, "x", &backend), -SVMM_EINVAL);
	/* A read-only backend needs no write operations. */
	backend.readonly = true;
	ops.discard = NULL;
	ops.write_zeroes = NULL;
	ops.flush = NULL;
	assert_int_equal(virtio_blk_init(&other, &f->vm, "x", &backend), 0);
	backend.readonly = false;
	ops = fake_ops;
	ops.discard = NULL;
	assert_int_equal(virtio_blk_init(&other, &f->vm, "x", &backend), -SVMM_EINVAL);
	backend.can_discard = false;
	assert_int_equal(virtio_blk_init(&other, &f->vm, "x", &backend), 0);
	ops.write_zeroes = NULL;
	assert_int_equal(virtio_blk_init(&other, &f->vm, "x", &backend), -SVMM_EINVAL);
	backend.can_write_zeroes = false;
	assert_int_equal(virtio_blk_init(&other, &f->vm, "x", &backend), 0);
}

/* ---- reads and writes ---- */

static void test_read(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	memset(host(f, DATA_GPA), POISON, 4096);
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, 3, 1024, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(host(f, DATA_GPA), f->be.disk + 3 * 512, 1024);
	assert_int_equal(*host(f, DATA_GPA + 1024), POISON);
	assert_int_equal(f->be.reads, 1);
	assert_int_equal(f->be.last_offset, 3 * 512);
	assert_int_equal(f->be.last_len, 1024);
	assert_int_equal(f->be.last_count, 1);
	/* Data and status were written. */
	assert_int_equal(last_used_len(f), 1025);
	assert_int_equal(f->transport.signal_used, 1);
	assert_int_equal(f->transport.needs_reset, 0);
	assert_int_equal(f->logs, 0);
}

static void test_write(void **state)
{
	struct fixture *f = *state;
	uint8_t before[DISK_SIZE];

	bring_up(f);
	memcpy(before, f->be.disk, DISK_SIZE);
	pattern(host(f, DATA_GPA), 1536, 0x99);
	assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 10, 1536, false), VIRTIO_BLK_S_OK);
	assert_memory_equal(f->be.disk + 10 * 512, host(f, DATA_GPA), 1536);
	assert_memory_equal(f->be.disk, before, 10 * 512);
	assert_memory_equal(f->be.disk + 13 * 512, before + 13 * 512, DISK_SIZE - 13 * 512);
	assert_int_equal(f->be.writes, 1);
	/* Only the status byte was written into the guest. */
	assert_int_equal(last_used_len(f), 1);
	/* The driver has FLUSH: no flush of its own accord. */
	assert_int_equal(f->be.flushes, 0);
}

/* The counters the control API's metrics report. */
static void test_stats_count_requests(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, 3, 1024, true), VIRTIO_BLK_S_OK);
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, 0, 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 10, 1536, false), VIRTIO_BLK_S_OK);
	assert_int_equal(request(f, VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_OK);
	/* Past the end: counted as a read and an error, no bytes. */
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, DISK_SECT, 512, true), VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(f, 0x7f, 0, 0, false), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(f->blk.stats.reads, 3);
	assert_int_equal(f->blk.stats.read_bytes, 1536);
	assert_int_equal(f->blk.stats.writes, 1);
	assert_int_equal(f->blk.stats.write_bytes, 1536);
	assert_int_equal(f->blk.stats.flushes, 1);
	assert_int_equal(f->blk.stats.other, 1);
	assert_int_equal(f->blk.stats.errors, 2);
}

static void test_first_and_last_sector(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, 0, 512, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(host(f, DATA_GPA), f->be.disk, 512);
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, DISK_SECT - 1, 512, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(host(f, DATA_GPA), f->be.disk + DISK_SIZE - 512, 512);
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, 0, DISK_SIZE, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(host(f, DATA_GPA), f->be.disk, DISK_SIZE);
	assert_int_equal(last_used_len(f), DISK_SIZE + 1);
	assert_int_equal(request(f, VIRTIO_BLK_T_OUT, DISK_SECT - 1, 512, false), VIRTIO_BLK_S_OK);
	assert_int_equal(f->logs, 0);
}

/* Framing is free: header, data and status may share or split descriptors. */
static void test_any_layout(void **state)
{
	struct fixture *f = *state;
	/* A write whose header and data share one descriptor, status alone. */
	struct seg out[2] = {{HDR_GPA, 16 + 512, false}, {STATUS_GPA, 1, true}};
	/* A read whose data and status share one descriptor; the header in two. */
	struct seg in[3] = {{HDR_GPA, 8, false}, {HDR_GPA + 8, 8, false}, {DATA_GPA, 1025, true}};
	/* A read split at odd places: 100 + 924 bytes of data, and status with its last. */
	struct seg odd[4] = {{HDR_GPA, 16, false},
			     {DATA_GPA + 3, 100, true},
			     {DATA_GPA + 0x1000, 924, true},
			     {STATUS_GPA, 1, true}};
	uint16_t head;

	bring_up(f);
	put_header(f, HDR_GPA, VIRTIO_BLK_T_OUT, 7);
	pattern(host(f, HDR_GPA + 16), 512, 0x3c);
	*host(f, STATUS_GPA) = STATUS_NONE;
	head = post(f, out, 2);
	notify(f);
	assert_int_equal(used_id(f, 0), head);
	assert_int_equal(*host(f, STATUS_GPA), VIRTIO_BLK_S_OK);
	assert_memory_equal(f->be.disk + 7 * 512, host(f, HDR_GPA + 16), 512);
	assert_int_equal(used_len(f, 0), 1);

	put_header(f, HDR_GPA, VIRTIO_BLK_T_IN, 6);
	memset(host(f, DATA_GPA), POISON, 2048);
	post(f, in, 3);
	notify(f);
	assert_int_equal(used_idx(f), 2);
	assert_memory_equal(host(f, DATA_GPA), f->be.disk + 6 * 512, 1024);
	assert_int_equal(*host(f, DATA_GPA + 1024), VIRTIO_BLK_S_OK);
	assert_int_equal(used_len(f, 1), 1025);

	put_header(f, HDR_GPA, VIRTIO_BLK_T_IN, 2);
	*host(f, STATUS_GPA) = STATUS_NONE;
	post(f, odd, 4);
	notify(f);
	assert_int_equal(used_idx(f), 3);
	assert_int_equal(*host(f, STATUS_GPA), VIRTIO_BLK_S_OK);
	assert_memory_equal(host(f, DATA_GPA + 3), f->be.disk + 2 * 512, 100);
	assert_memory_equal(host(f, DATA_GPA + 0x1000), f->be.disk + 2 * 512 + 100, 924);
	assert_int_equal(f->be.last_count, 2);
	assert_int_equal(used_len(f, 2), 1025);
	assert_int_equal(f->logs, 0);
}

/* A request with as many data segments as seg_max allows, each half a sector. */
static void test_seg_max_segments(void **state)
{
	struct fixture *f = *state;
	struct seg segs[VIRTIO_BLK_SEG_MAX + 2];

	bring_up(f);
	segs[0] = (struct seg){HDR_GPA, 16, false};
	for (unsigned i = 0; i < VIRTIO_BLK_SEG_MAX; i++)
		segs[1 + i] = (struct seg){DATA_GPA + 1024ull * i, 256, true};
	segs[VIRTIO_BLK_SEG_MAX + 1] = (struct seg){STATUS_GPA, 1, true};
	put_header(f, HDR_GPA, VIRTIO_BLK_T_IN, 1);
	post(f, segs, VIRTIO_BLK_SEG_MAX + 2);
	notify(f);
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(*host(f, STATUS_GPA), VIRTIO_BLK_S_OK);
	assert_int_equal(f->be.last_count, VIRTIO_BLK_SEG_MAX);
	assert_int_equal(f->be.last_offset, 512);
	for (unsigned i = 0; i < VIRTIO_BLK_SEG_MAX; i++)
		assert_memory_equal(host(f, DATA_GPA + 1024ull * i), f->be.disk + 512 + 256ull * i,
				    256);
	assert_int_equal(used_len(f, 0), VIRTIO_BLK_SEG_MAX * 256 + 1);
}

static void test_zero_length_data(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	/* Nothing to move: OK without bothering the backend, even at the very end. */
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, 0, 0, true), VIRTIO_BLK_S_OK);
	assert_int_equal(request(f, VIRTIO_BLK_T_OUT, DISK_SECT, 0, false), VIRTIO_BLK_S_OK);
	assert_int_equal(last_used_len(f), 1);
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, DISK_SECT + 1, 0, true), VIRTIO_BLK_S_IOERR);
	assert_int_equal(backend_calls(f), 0);
}

/* ---- flush, get id, unsupported ---- */

static void test_flush(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	assert_int_equal(request(f, VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_OK);
	assert_int_equal(f->be.flushes, 1);
	assert_int_equal(last_used_len(f), 1);
	f->be.fail_with = -SVMM_EIO;
	assert_int_equal(request(f, VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(f->be.flushes, 2);
	assert_true(f->logs > 0);
}

static void test_flush_without_backend_flush(void **state)
{
	struct fixture *f = *state;
	struct blk_backend backend = fake_backend(f);
	struct blk_backend_ops ops = fake_ops;

	ops.flush = NULL;
	backend.ops = &ops;
	attach(f, &backend);
	bring_up(f);
	/* Writes are stable at once: flushing has nothing to do. */
	assert_int_equal(request(f, VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_OK);
	assert_int_equal(backend_calls(f), 0);
}

static void test_get_id(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	memset(host(f, DATA_GPA), POISON, 64);
	assert_int_equal(request(f, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, true),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(host(f, DATA_GPA), "svmm-test-disk-0001", 20); /* with its NUL */
	assert_int_equal(last_used_len(f), 21);
	/* A bigger buffer gets 20 bytes; the rest is left alone. */
	memset(host(f, DATA_GPA), POISON, 64);
	assert_int_equal(request(f, VIRTIO_BLK_T_GET_ID, 0, 32, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(host(f, DATA_GPA), "svmm-test-disk-0001", 20);
	assert_int_equal(*host(f, DATA_GPA + 20), POISON);
	assert_int_equal(last_used_len(f), 21);
	/* A smaller one gets the start. */
	memset(host(f, DATA_GPA), POISON, 64);
	assert_int_equal(request(f, VIRTIO_BLK_T_GET_ID, 0, 4, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(host(f, DATA_GPA), "svmm", 4);
	assert_int_equal(*host(f, DATA_GPA + 4), POISON);
	assert_int_equal(last_used_len(f), 5);
	assert_int_equal(backend_calls(f), 0);
}

static void test_get_id_full_20_bytes(void **state)
{
	struct fixture *f = *state;
	struct blk_backend backend = fake_backend(f);

	memcpy(backend.serial, "ABCDEFGHIJKLMNOPQRST", 20); /* no terminator */
	attach(f, &backend);
	bring_up(f);
	assert_int_equal(request(f, VIRTIO_BLK_T_GET_ID, 0, 20, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(host(f, DATA_GPA), "ABCDEFGHIJKLMNOPQRST", 20);
}

static void test_unsupported_types(void **state)
{
	struct fixture *f = *state;
	static const uint32_t types[] = {2,  3,	 5,  6,	 7,  9,		  VIRTIO_BLK_T_GET_LIFETIME,
					 12, 14, 15, 16, 26, 0x80000000u, UINT32_MAX};

	bring_up(f);
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_int_equal(request(f, types[i], 0, 512, true), VIRTIO_BLK_S_UNSUPP);
		assert_int_equal(last_used_len(f), 1);
	}
	assert_int_equal(backend_calls(f), 0);
	assert_int_equal(f->transport.needs_reset, 0);
}

/* ---- bad requests ---- */

static void test_short_header(void **state)
{
	struct fixture *f = *state;
	struct seg eight[3] = {{HDR_GPA, 8, false}, {DATA_GPA, 512, true}, {STATUS_GPA, 1, true}};
	struct seg none[2] = {{DATA_GPA, 512, true}, {STATUS_GPA, 1, true}};
	struct seg fifteen[2] = {{HDR_GPA, 15, false}, {STATUS_GPA, 1, true}};

	bring_up(f);
	put_header(f, HDR_GPA, VIRTIO_BLK_T_IN, 0);
	*host(f, STATUS_GPA) = STATUS_NONE;
	post(f, eight, 3);
	notify(f);
	assert_int_equal(*host(f, STATUS_GPA), VIRTIO_BLK_S_IOERR);
	*host(f, STATUS_GPA) = STATUS_NONE;
	post(f, none, 2);
	notify(f);
	assert_int_equal(*host(f, STATUS_GPA), VIRTIO_BLK_S_IOERR);
	*host(f, STATUS_GPA) = STATUS_NONE;
	post(f, fifteen, 2);
	notify(f);
	assert_int_equal(*host(f, STATUS_GPA), VIRTIO_BLK_S_IOERR);
	assert_int_equal(used_idx(f), 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(used_len(f, i), 1);
	assert_int_equal(backend_calls(f), 0);
	assert_int_equal(f->transport.needs_reset, 0);
	assert_true(f->logs > 0);
}

static void test_no_status_byte(void **state)
{
	struct fixture *f = *state;
	/* The last segment, where the status belongs, is device-readable. */
	struct seg segs[3] = {{HDR_GPA, 16, false}, {DATA_GPA, 512, false}, {STATUS_GPA, 1, false}};
	struct seg ok[3] = {{HDR_GPA, 16, false}, {DATA_GPA, 512, true}, {STATUS_GPA, 1, true}};

	bring_up(f);
	put_header(f, HDR_GPA, VIRTIO_BLK_T_OUT, 0);
	*host(f, STATUS_GPA) = STATUS_NONE;
	post(f, segs, 3);
	notify(f);
	/* Nowhere to say how it ended: the device needs a reset; nothing was done. */
	assert_int_equal(f->transport.needs_reset, 1);
	assert_true(f->blk.virtio.status & VIRTIO_STATUS_NEEDS_RESET);
	assert_false(virtio_device_live(&f->blk.virtio));
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(*host(f, STATUS_GPA), STATUS_NONE);
	assert_int_equal(backend_calls(f), 0);
	/* And it stops serving until the driver resets it. */
	put_header(f, HDR_GPA, VIRTIO_BLK_T_IN, 0);
	post(f, ok, 3);
	notify(f);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(backend_calls(f), 0);
}

static void test_past_the_end(void **state)
{
	struct fixture *f = *state;
	static const uint64_t bad[] = {DISK_SECT,  DISK_SECT - 1,    DISK_SECT + 1,
				       UINT64_MAX, UINT64_MAX / 512, UINT64_MAX / 512 + 1,
				       1ull << 55};

	bring_up(f);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(host(f, DATA_GPA), POISON, 1024);
		assert_int_equal(request(f, VIRTIO_BLK_T_IN, bad[i], 1024, true),
				 VIRTIO_BLK_S_IOERR);
		assert_int_equal(last_used_len(f), 1);
		assert_int_equal(*host(f, DATA_GPA), POISON);
		assert_int_equal(request(f, VIRTIO_BLK_T_OUT, bad[i], 1024, false),
				 VIRTIO_BLK_S_IOERR);
	}
	assert_int_equal(backend_calls(f), 0);
	assert_int_equal(f->transport.needs_reset, 0);
}

static void test_length_not_sector_multiple(void **state)
{
	struct fixture *f = *state;
	static const uint32_t lens[] = {1, 511, 513, 1000, 4095};

	bring_up(f);
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_int_equal(request(f, VIRTIO_BLK_T_IN, 0, lens[i], true), VIRTIO_BLK_S_IOERR);
		assert_int_equal(last_used_len(f), 1);
		assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 0, lens[i], false),
				 VIRTIO_BLK_S_IOERR);
	}
	assert_int_equal(backend_calls(f), 0);
}

static void test_readonly_rejects_writes(void **state)
{
	struct fixture *f = *state;
	struct blk_backend backend = fake_backend(f);
	uint8_t before[DISK_SIZE];

	backend.readonly = true;
	attach(f, &backend);
	bring_up(f);
	memcpy(before, f->be.disk, DISK_SIZE);
	pattern(host(f, DATA_GPA), 512, 0x55);
	assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 0, 512, false), VIRTIO_BLK_S_IOERR);
	put_range(f, DATA_GPA, 0, 8, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_IOERR);
	put_range(f, DATA_GPA, 0, 8, VIRTIO_BLK_RANGE_F_UNMAP);
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(backend_calls(f), 0);
	assert_memory_equal(f->be.disk, before, DISK_SIZE);
	/* Flushing a read-only disk is fine, and reads work. */
	assert_int_equal(request(f, VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_OK);
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, 1, 512, true), VIRTIO_BLK_S_OK);
	assert_memory_equal(host(f, DATA_GPA), before + 512, 512);
	assert_int_equal(f->be.writes + f->be.discards + f->be.zeroes + f->be.flushes, 0);
	assert_int_equal(f->transport.needs_reset, 0);
}

/* ---- discard and write zeroes ---- */

static void test_discard(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	put_range(f, DATA_GPA, 8, 16, 0);
	put_range(f, DATA_GPA + 16, 64, 8, 0);
	put_range(f, DATA_GPA + 32, 100, 0, 0); /* empty: nothing to do */
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 48, false), VIRTIO_BLK_S_OK);
	assert_int_equal(f->be.discards, 2);
	assert_int_equal(f->be.last_offset, 64 * 512);
	assert_int_equal(f->be.last_len, 8 * 512);
	assert_int_equal(last_used_len(f), 1);
	/* The whole disk in one range. */
	put_range(f, DATA_GPA, 0, DISK_SECT, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_OK);
	assert_int_equal(f->be.last_len, DISK_SIZE);
	assert_int_equal(f->logs, 0);
}

static void test_discard_flags(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	/* Unmap belongs to write zeroes only. */
	put_range(f, DATA_GPA, 0, 8, VIRTIO_BLK_RANGE_F_UNMAP);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_UNSUPP);
	put_range(f, DATA_GPA, 0, 8, 2);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_UNSUPP);
	put_range(f, DATA_GPA, 0, 8, 0x80000000u);
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_UNSUPP);
	/* A bad flag in a later range wins over a bad sector in an earlier one. */
	put_range(f, DATA_GPA, DISK_SECT, 8, 0);
	put_range(f, DATA_GPA + 16, 0, 8, 4);
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 32, false), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(backend_calls(f), 0);
}

static void test_discard_bad_ranges(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	/* Past the end, and a good range before it: nothing is done. */
	put_range(f, DATA_GPA, 0, 8, 0);
	put_range(f, DATA_GPA + 16, DISK_SECT - 4, 8, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 32, false), VIRTIO_BLK_S_IOERR);
	put_range(f, DATA_GPA, UINT64_MAX, 1, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_IOERR);
	put_range(f, DATA_GPA, UINT64_MAX / 512 + 1, 1, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_IOERR);
	put_range(f, DATA_GPA, 1, UINT32_MAX, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_IOERR);
	/* Payload not whole ranges, none at all, or too many. */
	put_range(f, DATA_GPA, 0, 8, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 15, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 17, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 0, false), VIRTIO_BLK_S_IOERR);
	for (unsigned i = 0; i <= VIRTIO_BLK_MAX_RANGES; i++)
		put_range(f, DATA_GPA + 16ull * i, i, 1, 0);
	assert_int_equal(
	    request(f, VIRTIO_BLK_T_DISCARD, 0, 16 * (VIRTIO_BLK_MAX_RANGES + 1), false),
	    VIRTIO_BLK_S_IOERR);
	assert_int_equal(backend_calls(f), 0);
	/* The most ranges allowed is fine. */
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 16 * VIRTIO_BLK_MAX_RANGES, false),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(f->be.discards, VIRTIO_BLK_MAX_RANGES);
	/* The range list must be device-readable. */
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, true), VIRTIO_BLK_S_IOERR);
}

static void test_range_size_limits(void **state)
{
	struct fixture *f = *state;
	struct blk_backend backend = fake_backend(f);

	/* A disk bigger than the limits, so only the limits can refuse. */
	backend.capacity_bytes = 1ull << 40;
	attach(f, &backend);
	bring_up(f);
	f->be.fail_with = -SVMM_ENOTSUP; /* the fake disk is small: never touch it */
	put_range(f, DATA_GPA, 0, VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS + 1, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_IOERR);
	put_range(f, DATA_GPA, 0, VIRTIO_BLK_MAX_DISCARD_SECTORS + 1, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(backend_calls(f), 0);
}

static void test_write_zeroes(void **state)
{
	struct fixture *f = *state;
	uint8_t zeros[8 * 512];

	bring_up(f);
	memset(zeros, 0, sizeof(zeros));
	put_range(f, DATA_GPA, 16, 8, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_OK);
	assert_int_equal(f->be.zeroes, 1);
	assert_int_equal(f->be.last_offset, 16 * 512);
	assert_int_equal(f->be.last_len, 8 * 512);
	assert_false(f->be.last_unmap);
	assert_memory_equal(f->be.disk + 16 * 512, zeros, sizeof(zeros));
	assert_int_equal(f->be.disk[24 * 512], (uint8_t)((24 * 512) ^ 24 ^ 0x11));
	put_range(f, DATA_GPA, 32, 4, VIRTIO_BLK_RANGE_F_UNMAP);
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_OK);
	assert_true(f->be.last_unmap);
	assert_int_equal(last_used_len(f), 1);
	assert_int_equal(f->be.discards, 0);
}

/* ---- backend failures, write-through, batching, lifecycle ---- */

static void test_backend_errors(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	f->be.fail_with = -SVMM_EIO;
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, 0, 512, true), VIRTIO_BLK_S_IOERR);
	/* A failed read promises no data. */
	assert_int_equal(last_used_len(f), 1);
	assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 0, 512, false), VIRTIO_BLK_S_IOERR);
	put_range(f, DATA_GPA, 0, 8, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, false), VIRTIO_BLK_S_IOERR);
	f->be.fail_with = -SVMM_ENOSPC;
	assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 0, 512, false), VIRTIO_BLK_S_IOERR);
	f->be.fail_with = -SVMM_ENOTSUP;
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(request(f, VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_UNSUPP);
	assert_true(f->logs > 0);
	/* Host trouble is never the guest's fault: the device keeps serving. */
	assert_int_equal(f->transport.needs_reset, 0);
	f->be.fail_with = 0;
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, 0, 512, true), VIRTIO_BLK_S_OK);
}

static void test_writethrough_without_flush_feature(void **state)
{
	struct fixture *f = *state;
	struct virtio_device *dev = &f->blk.virtio;
	uint64_t features = dev->ops->features(dev) & ~(1ull << VIRTIO_BLK_F_FLUSH);

	/* A driver that cannot flush must get stable writes (virtio 1.2, 5.2.6.2). */
	bring_up_with(f, features | 1ull << VIRTIO_F_VERSION_1);
	assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 0, 512, false), VIRTIO_BLK_S_OK);
	assert_int_equal(f->be.writes, 1);
	assert_int_equal(f->be.flushes, 1);
	put_range(f, DATA_GPA, 0, 8, 0);
	assert_int_equal(request(f, VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, false), VIRTIO_BLK_S_OK);
	assert_int_equal(f->be.flushes, 2);
	assert_int_equal(request(f, VIRTIO_BLK_T_IN, 0, 512, true), VIRTIO_BLK_S_OK);
	assert_int_equal(f->be.flushes, 2);
	/* A write whose flush fails did not become stable: an error. */
	f->be.flush_fail_with = -SVMM_EIO;
	assert_int_equal(request(f, VIRTIO_BLK_T_OUT, 0, 512, false), VIRTIO_BLK_S_IOERR);
	assert_int_equal(f->be.writes, 2);
	assert_int_equal(f->be.flushes, 3);
}

static void test_many_requests_one_notify(void **state)
{
	struct fixture *f = *state;
	struct seg r[3] = {{HDR_GPA, 16, false}, {DATA_GPA, 512, true}, {STATUS_GPA, 1, true}};
	struct seg w[3] = {{HDR_GPA + 0x20, 16, false},
			   {DATA_GPA + 0x1000, 1024, false},
			   {STATUS_GPA + 1, 1, true}};
	struct seg id[3] = {
	    {HDR_GPA + 0x40, 16, false}, {DATA_GPA + 0x2000, 20, true}, {STATUS_GPA + 2, 1, true}};
	uint16_t heads[3];

	bring_up(f);
	put_header(f, HDR_GPA, VIRTIO_BLK_T_IN, 1);
	put_header(f, HDR_GPA + 0x20, VIRTIO_BLK_T_OUT, 40);
	put_header(f, HDR_GPA + 0x40, VIRTIO_BLK_T_GET_ID, 0);
	memset(host(f, STATUS_GPA), STATUS_NONE, 3);
	heads[0] = post(f, r, 3);
	heads[1] = post(f, w, 3);
	heads[2] = post(f, id, 3);
	notify(f);
	assert_int_equal(used_idx(f), 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(used_id(f, i), heads[i]);
		assert_int_equal(*host(f, STATUS_GPA + i), VIRTIO_BLK_S_OK);
	}
	assert_int_equal(used_len(f, 0), 513);
	assert_int_equal(used_len(f, 1), 1);
	assert_int_equal(used_len(f, 2), 21);
	assert_int_equal(f->be.reads, 1);
	assert_int_equal(f->be.writes, 1);
	/* Nothing new: a notify does nothing. */
	notify(f);
	assert_int_equal(used_idx(f), 3);
}

static void test_requests_wait_for_driver_ok(void **state)
{
	struct fixture *f = *state;
	struct virtio_device *dev = &f->blk.virtio;
	struct virtq *vq = &dev->queues[0];
	struct seg r[3] = {{HDR_GPA, 16, false}, {DATA_GPA, 512, true}, {STATUS_GPA, 1, true}};

	dev->driver_features = dev->ops->features(dev) | 1ull << VIRTIO_F_VERSION_1;
	dev->status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	vq->size = QSIZE;
	vq->desc_gpa = DESC_GPA;
	vq->avail_gpa = AVAIL_GPA;
	vq->used_gpa = USED_GPA;
	assert_int_equal(virtq_enable(vq), 0);
	vq->ready = true;
	put_header(f, HDR_GPA, VIRTIO_BLK_T_IN, 0);
	post(f, r, 3);
	notify(f);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(backend_calls(f), 0);
	dev->status |= VIRTIO_STATUS_DRIVER_OK;
	dev->ops->driver_ok(dev);
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(*host(f, STATUS_GPA), VIRTIO_BLK_S_OK);
}

static void test_other_queue_ignored(void **state)
{
	struct fixture *f = *state;
	struct seg r[3] = {{HDR_GPA, 16, false}, {DATA_GPA, 512, true}, {STATUS_GPA, 1, true}};

	bring_up(f);
	put_header(f, HDR_GPA, VIRTIO_BLK_T_IN, 0);
	post(f, r, 3);
	f->blk.virtio.ops->queue_notify(&f->blk.virtio, 1);
	f->blk.virtio.ops->queue_notify(&f->blk.virtio, 7);
	assert_int_equal(used_idx(f), 0);
	notify(f);
	assert_int_equal(used_idx(f), 1);
}

static void test_broken_ring_needs_reset(void **state)
{
	struct fixture *f = *state;
	struct seg r[3] = {
	    {HDR_GPA, 16, false}, {RAM_GPA + RAM_SIZE - 256, 512, true}, {STATUS_GPA, 1, true}};

	bring_up(f);
	/* A data buffer running off the end of guest RAM: the virtqueue refuses it. */
	put_header(f, HDR_GPA, VIRTIO_BLK_T_IN, 0);
	post(f, r, 3);
	notify(f);
	assert_int_equal(f->transport.needs_reset, 1);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(backend_calls(f), 0);
}

static void test_two_devices_independent(void **state)
{
	struct fixture *f = *state;
	struct virtio_blk *second = calloc(1, sizeof(*second));
	struct blk_backend backend = fake_backend(f);
	uint64_t capacity = 0;

	assert_non_null(second);
	backend.readonly = true;
	backend.capacity_bytes = 4096;
	assert_int_equal(virtio_blk_init(second, &f->vm, "virtio-blk1", &backend), 0);
	second->virtio.ops->config_read(&second->virtio, VIRTIO_BLK_CFG_CAPACITY, 8, &capacity);
	assert_int_equal(capacity, 8);
	assert_true(second->virtio.ops->features(&second->virtio) & 1ull << VIRTIO_BLK_F_RO);
	assert_false(f->blk.virtio.ops->features(&f->blk.virtio) & 1ull << VIRTIO_BLK_F_RO);
	assert_int_equal(config(f, VIRTIO_BLK_CFG_CAPACITY, 8), DISK_SECT);
	free(second);
}

#define BLK_TEST(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BLK_TEST(test_identity_and_features),
	    BLK_TEST(test_config_space),
	    BLK_TEST(test_config_capacity_rounds_down),
	    BLK_TEST(test_readonly_features),
	    BLK_TEST(test_backend_without_discard),
	    BLK_TEST(test_init_checks_backend),
	    BLK_TEST(test_read),
	    BLK_TEST(test_write),
	    BLK_TEST(test_stats_count_requests),
	    BLK_TEST(test_first_and_last_sector),
	    BLK_TEST(test_any_layout),
	    BLK_TEST(test_seg_max_segments),
	    BLK_TEST(test_zero_length_data),
	    BLK_TEST(test_flush),
	    BLK_TEST(test_flush_without_backend_flush),
	    BLK_TEST(test_get_id),
	    BLK_TEST(test_get_id_full_20_bytes),
	    BLK_TEST(test_unsupported_types),
	    BLK_TEST(test_short_header),
	    BLK_TEST(test_no_status_byte),
	    BLK_TEST(test_past_the_end),
	    BLK_TEST(test_length_not_sector_multiple),
	    BLK_TEST(test_readonly_rejects_writes),
	    BLK_TEST(test_discard),
	    BLK_TEST(test_discard_flags),
	    BLK_TEST(test_discard_bad_ranges),
	    BLK_TEST(test_range_size_limits),
	    BLK_TEST(test_write_zeroes),
	    BLK_TEST(test_backend_errors),
	    BLK_TEST(test_writethrough_without_flush_feature),
	    BLK_TEST(test_many_requests_one_notify),
	    BLK_TEST(test_requests_wait_for_driver_ok),
	    BLK_TEST(test_other_queue_ignored),
	    BLK_TEST(test_broken_ring_needs_reset),
	    BLK_TEST(test_two_devices_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
