/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes virtio-blk as a hostile driver: the input chooses the disk (its
 * size, read-only or not, what the backend offers and how it fails) and
 * the queue layout, then a sequence of operations that post block
 * requests (well-formed, subtly wrong, or raw descriptor soup), scribble
 * over guest RAM (the rings and headers included), notify, reset and read
 * the config space.
 *
 * Guest RAM and the disk are heap blocks of exactly their size, and the
 * in-memory backend copies every byte it is asked to, so AddressSanitizer
 * catches any host pointer the device gets wrong; the backend also aborts
 * on any call the device should never make (past the disk's end, not
 * sector-aligned, a write to a read-only disk, a pointer outside RAM).
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_virtio_blk.c \
 *     virtio/blk.c virtio/virtqueue.c virtio/device.c core/errors.c \
 *     core/guest_mem.c core/log.c core/vm.c -o /tmp/fblk
 *   /tmp/fblk -max_total_time=60
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/vm.h"
#include "virtio/blk.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"

#define RAM_GPA	    0x10000ull
#define RAM_SIZE    0x10000ull
#define MAX_OPS	    256
#define MAX_SEGS    8
#define MAX_SECTORS 64 /* the disk is at most 32 KiB (plus a partial sector) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *data;
	size_t size, pos;
};

struct fuzz {
	struct vm vm;
	struct virtio_blk blk;
	struct blk_backend_ops ops;
	uint8_t *ram;
	uint8_t *disk;
	uint64_t disk_size;
	bool readonly;
	uint8_t fail_mode; /* which backend calls fail, and how */
	unsigned calls;
	bool event_idx, indirect, no_flush_feature;
	uint16_t size;
	uint64_t desc, avail, used;
	/* The driver's side of the ring. */
	uint16_t next_desc, avail_idx;
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

/* A guest address: mostly inside RAM, sometimes near its end, now and then anything. */
static uint64_t take_gpa(struct input *in)
{
	uint8_t kind = take8(in);

	if (kind < 0xf0)
		return RAM_GPA + take16(in);
	if (kind < 0xf8)
		return RAM_GPA + RAM_SIZE - (take8(in) & 0x1f);
	return take64(in);
}

static void poke(struct fuzz *f, uint64_t gpa, const void *src, size_t len)
{
	/* The harness writes as the driver would, and only inside RAM. */
	if (gpa < RAM_GPA || gpa - RAM_GPA > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_GPA))
		return;
	memcpy(f->ram + (gpa - RAM_GPA), src, len);
}

static void poke_le(struct fuzz *f, uint64_t gpa, uint64_t v, unsigned bytes)
{
	uint8_t b[8];

	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	poke(f, gpa, b, bytes);
}

static void put_desc(struct fuzz *f, uint64_t table, uint16_t i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	poke_le(f, table + 16ull * i, addr, 8);
	poke_le(f, table + 16ull * i + 8, len, 4);
	poke_le(f, table + 16ull * i + 12, flags, 2);
	poke_le(f, table + 16ull * i + 14, next, 2);
}

/* ---- the in-memory backend, which trusts nothing the device hands it ---- */

static struct fuzz *fuzz_from(void *ctx)
{
	return ctx;
}

static void check_range(const struct fuzz *f, uint64_t offset, uint64_t len)
{
	if (offset % VIRTIO_BLK_SECTOR_SIZE != 0 || len % VIRTIO_BLK_SECTOR_SIZE != 0 ||
	    offset > f->disk_size || len > f->disk_size - offset)
		abort();
}

static uint64_t check_segs(const struct fuzz *f, uint64_t offset, const struct blk_io_segment *segs,
			   unsigned count)
{
	uint64_t total = 0;

	if (count == 0 || count > VIRTQ_MAX_CHAIN)
		abort();
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *p = segs[i].base;

		if (p < f->ram || p > f->ram + RAM_SIZE || segs[i].len > RAM_SIZE ||
		    segs[i].len > (size_t)(f->ram + RAM_SIZE - p))
			abort();
		total += segs[i].len;
	}
	check_range(f, offset, total);
	return total;
}

/* Fails some calls, as the input chose: 0, or the error to return. */
static int backend_failure(struct fuzz *f)
{
	f->calls++;
	switch (f->fail_mode & 3) {
	case 1:
		return f->calls % 3 == 0 ? -SVMM_EIO : 0;
	case 2:
		return f->calls % 2 == 0 ? -SVMM_ENOTSUP : 0;
	case 3:
		return f->calls % 5 == 0 ? -SVMM_ENOSPC : 0;
	default:
		return 0;
	}
}

static int fuzz_read(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count)
{
	struct fuzz *f = fuzz_from(ctx);
	int err;

	check_segs(f, offset, segs, count);
	err = backend_failure(f);
	/* Every byte of every segment is touched, even by a failing read. */
	for (unsigned i = 0; i < count; i++) {
		if (err != 0)
			memset(segs[i].base, 0xbd, segs[i].len);
		else
			memcpy(segs[i].base, f->disk + offset, segs[i].len);
		offset += segs[i].len;
	}
	return err;
}

static int fuzz_write(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count)
{
	struct fuzz *f = fuzz_from(ctx);

	if (f->readonly)
		abort();
	check_segs(f, offset, segs, count);
	for (unsigned i = 0; i < count; i++) {
		memcpy(f->disk + offset, segs[i].base, segs[i].len);
		offset += segs[i].len;
	}
	return backend_failure(f);
}

static int fuzz_flush(void *ctx)
{
	struct fuzz *f = fuzz_from(ctx);

	if (f->readonly)
		abort(); /* the device has nothing to flush on a read-only disk */
	return backend_failure(f);
}

static int fuzz_discard(void *ctx, uint64_t offset, uint64_t len)
{
	struct fuzz *f = fuzz_from(ctx);

	if (f->readonly || len == 0 || len > VIRTIO_BLK_MAX_DISCARD_SECTORS * 512ull)
		abort();
	check_range(f, offset, len);
	memset(f->disk + offset, 0xdd, len);
	return backend_failure(f);
}

static int fuzz_write_zeroes(void *ctx, uint64_t offset, uint64_t len, bool unmap)
{
	struct fuzz *f = fuzz_from(ctx);

	(void)unmap;
	if (f->readonly || len == 0 || len > VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS * 512ull)
		abort();
	check_range(f, offset, len);
	memset(f->disk + offset, 0, len);
	return backend_failure(f);
}

/* ---- the transport ---- */

static void signal_used(struct virtio_device *dev, unsigned queue)
{
	(void)dev;
	if (queue != 0)
		abort();
}

static void signal_config(struct virtio_device *dev)
{
	(void)dev;
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
	struct virtio_device *dev = &f->blk.virtio;
	struct virtq *vq = &dev->queues[0];

	dev->driver_features = dev->ops->features(dev) | 1ull << VIRTIO_F_VERSION_1;
	if (f->no_flush_feature)
		dev->driver_features &= ~(1ull << VIRTIO_BLK_F_FLUSH);
	if (f->event_idx)
		dev->driver_features |= 1ull << VIRTIO_F_EVENT_IDX;
	if (f->indirect)
		dev->driver_features |= 1ull << VIRTIO_F_INDIRECT_DESC;
	dev->status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	vq->size = f->size;
	vq->desc_gpa = f->desc;
	vq->avail_gpa = f->avail;
	vq->used_gpa = f->used;
	vq->event_idx = f->event_idx;
	vq->indirect = f->indirect;
	/* A transport leaves a queue it cannot enable not ready. */
	vq->ready = virtq_enable(vq) == 0;
	f->next_desc = 0;
	f->avail_idx = 0;
	dev->status |= VIRTIO_STATUS_DRIVER_OK;
	dev->ops->driver_ok(dev);
}

/* Chooses the disk and the backend; false when there is no room for it. */
static bool choose_disk(struct fuzz *f, struct input *in)
{
	uint8_t flags = take8(in);
	struct blk_backend backend;

	f->readonly = flags & 1;
	f->fail_mode = (uint8_t)(flags >> 4);
	/* Sometimes a partial last sector, which the guest must never reach. */
	f->disk_size = (uint64_t)(take8(in) % MAX_SECTORS + 1) * VIRTIO_BLK_SECTOR_SIZE +
		       ((flags & 8) ? take8(in) : 0);
	f->disk = malloc(f->disk_size);
	if (f->disk == NULL)
		return false;
	memset(f->disk, 0x11, f->disk_size);
	f->ops = (struct blk_backend_ops){
	    .read = fuzz_read,
	    .write = fuzz_write,
	    .flush = (flags & 4) ? NULL : fuzz_flush,
	    .discard = fuzz_discard,
	    .write_zeroes = fuzz_write_zeroes,
	};
	memset(&backend, 0, sizeof(backend));
	backend.ops = &f->ops;
	backend.ctx = f;
	backend.capacity_bytes = f->disk_size;
	backend.readonly = f->readonly;
	backend.can_discard = flags & 2;
	backend.can_write_zeroes = !(flags & 2) || (flags & 0x40);
	memcpy(backend.serial, "fuzz-disk", 9);
	if (virtio_blk_init(&f->blk, &f->vm, "virtio-blk", &backend) != 0)
		abort();
	return true;
}

static void choose_layout(struct fuzz *f, struct input *in)
{
	uint8_t flags = take8(in);
	uint8_t shape = take8(in);

	f->event_idx = flags & 1;
	f->indirect = flags & 2;
	f->no_flush_feature = flags & 4;
	/* Mostly a power of two up to 64 at a fixed place; sometimes anything. */
	f->size = (shape & 0x80) ? take16(in) : (uint16_t)(1u << (shape % 7));
	if (shape & 0x40) {
		f->desc = take_gpa(in);
		f->avail = take_gpa(in);
		f->used = take_gpa(in);
	} else {
		f->desc = RAM_GPA;
		f->avail = RAM_GPA + 0x1000;
		f->used = RAM_GPA + 0x2000;
	}
}

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* Puts a chain in the ring, directly or through an indirect table. */
static void post_chain(struct fuzz *f, struct input *in, const struct seg *segs, unsigned count,
		       bool indirect, bool mangle)
{
	uint64_t table = indirect ? take_gpa(in) : f->desc;
	uint16_t table_size = indirect ? (uint16_t)count : f->size;
	uint16_t head = f->next_desc;

	if (f->size == 0 || count == 0)
		return;
	for (unsigned i = 0; i < count; i++) {
		uint16_t id = indirect ? (uint16_t)i : (uint16_t)((head + i) % table_size);
		uint16_t next = indirect ? (uint16_t)(i + 1) : (uint16_t)((id + 1) % table_size);
		uint16_t flags = segs[i].write ? VIRTQ_DESC_F_WRITE : 0;

		if (i + 1 < count)
			flags |= VIRTQ_DESC_F_NEXT;
		/* Now and then a flag or a next index the driver should not send. */
		if (mangle && (take8(in) & 7) == 0) {
			flags ^= (uint16_t)(take8(in) & 7);
			if (take8(in) & 1)
				next = take16(in);
		}
		put_desc(f, table, id, segs[i].gpa, segs[i].len, flags, next);
	}
	if (indirect) {
		put_desc(f, f->desc, head, table, 16u * count, VIRTQ_DESC_F_INDIRECT, 0);
		f->next_desc = (uint16_t)((head + 1) % f->size);
	} else {
		f->next_desc = (uint16_t)((head + count) % f->size);
	}
	poke_le(f, f->avail + 4 + 2ull * (f->avail_idx % f->size), head, 2);
	f->avail_idx++;
	poke_le(f, f->avail + 2, f->avail_idx, 2);
}

static uint32_t take_type(struct input *in)
{
	static const uint32_t types[] = {VIRTIO_BLK_T_IN,	    VIRTIO_BLK_T_OUT,
					 VIRTIO_BLK_T_FLUSH,	    VIRTIO_BLK_T_GET_ID,
					 VIRTIO_BLK_T_DISCARD,	    VIRTIO_BLK_T_WRITE_ZEROES,
					 VIRTIO_BLK_T_IN,	    VIRTIO_BLK_T_OUT,
					 VIRTIO_BLK_T_GET_LIFETIME, VIRTIO_BLK_T_SECURE_ERASE};
	uint8_t pick = take8(in);

	if (pick < 0xf0)
		return types[pick % (sizeof(types) / sizeof(types[0]))];
	return take32(in);
}

/* Writes `n` discard / write-zeroes ranges at gpa, mostly plausible. */
static void put_ranges(struct fuzz *f, struct input *in, uint64_t gpa, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t kind = take8(in);
		uint64_t sector = kind & 0x80 ? take64(in) : take8(in) % (MAX_SECTORS + 4);
		uint32_t sectors = kind & 0x40 ? take32(in) : take8(in) % 16;
		uint32_t flags = kind & 0x20 ? take32(in) : kind & 1;

		poke_le(f, gpa + 16ull * i, sector, 8);
		poke_le(f, gpa + 16ull * i + 8, sectors, 4);
		poke_le(f, gpa + 16ull * i + 12, flags, 4);
	}
}

/*
 * Posts a block request shaped like the real thing: a header, data
 * segments readable or writable as the type wants (mostly), the status.
 */
static void post_request(struct fuzz *f, struct input *in)
{
	struct seg segs[MAX_SEGS + 3];
	uint8_t shape = take8(in);
	uint32_t type = take_type(in);
	uint64_t sector = (shape & 1) ? take64(in) : take8(in) % (MAX_SECTORS + 2);
	uint64_t hdr = take_gpa(in);
	unsigned data_segs = take8(in) % (MAX_SEGS + 1), n = 0;
	bool data_write = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;

	if (shape & 2)
		data_write = !data_write;
	poke_le(f, hdr, type, 4);
	poke_le(f, hdr + 4, (shape & 4) ? take32(in) : 0, 4);
	poke_le(f, hdr + 8, sector, 8);
	/* The header whole, split in two, or short. */
	if (shape & 8) {
		segs[n++] = (struct seg){hdr, 8, false};
		segs[n++] = (struct seg){hdr + 8, (shape & 0x10) ? 8u : take8(in) % 9, false};
	} else {
		segs[n++] = (struct seg){hdr, (shape & 0x10) ? 16u : take8(in) % 40, false};
	}
	for (unsigned i = 0; i < data_segs; i++) {
		uint8_t kind = take8(in);
		uint64_t gpa = take_gpa(in);
		uint32_t len = kind & 0x80 ? take16(in) : (kind % 9) * VIRTIO_BLK_SECTOR_SIZE;

		if (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES) {
			len = kind & 0x80 ? len : 16u * (kind % 20);
			put_ranges(f, in, gpa, len / 16 < 20 ? len / 16 : 20);
		}
		segs[n++] = (struct seg){gpa, len, data_write ^ ((kind & 0x70) == 0x70)};
	}
	/* The status byte alone, merged into the last data, or missing. */
	if ((shape & 0x60) != 0x60)
		segs[n++] = (struct seg){take_gpa(in), (shape & 0x40) ? 1u : take8(in) % 3, true};
	post_chain(f, in, segs, n, f->indirect && (shape & 0x80), (take8(in) & 0xf) == 0);
}

/* Descriptor soup: anything at all. */
static void post_raw(struct fuzz *f, struct input *in)
{
	struct seg segs[MAX_SEGS];
	unsigned count = 1 + take8(in) % MAX_SEGS;

	for (unsigned i = 0; i < count; i++) {
		uint8_t kind = take8(in);

		segs[i] = (struct seg){take_gpa(in), kind & 1 ? take32(in) : take16(in), kind & 2};
	}
	post_chain(f, in, segs, count, f->indirect && (take8(in) & 1), true);
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

static void read_config(struct fuzz *f, struct input *in)
{
	uint32_t offset = take8(in) & 0x80 ? take32(in) : take8(in);
	uint8_t size = (uint8_t)(1u << (take8(in) % 4));
	uint64_t value = 0;

	f->blk.virtio.ops->config_read(&f->blk.virtio, offset, size, &value);
	/* Nothing lies past the fields, and no read returns more bytes than asked. */
	if (offset >= VIRTIO_BLK_CFG_SIZE && value != 0)
		abort();
	if (size < 8 && value >> (8 * size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {.data = data, .size = size};
	struct fuzz *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return 0;
	f->ram = calloc(1, RAM_SIZE);
	vm_init(&f->vm, "fuzz", NULL);
	if (f->ram == NULL || guest_mem_add(&f->vm.mem, RAM_GPA, RAM_SIZE, f->ram) != 0 ||
	    !choose_disk(f, &in))
		goto out;
	f->blk.virtio.transport = &transport;
	f->blk.virtio.transport_ctx = f;
	choose_layout(f, &in);
	bring_up(f);

	for (unsigned op = 0; op < MAX_OPS && in.pos < in.size; op++) {
		switch (take8(&in) % 8) {
		case 0:
		case 1:
		case 2:
			post_request(f, &in);
			break;
		case 3:
			post_raw(f, &in);
			break;
		case 4:
			scribble(f, &in);
			break;
		case 5:
			f->blk.virtio.ops->queue_notify(&f->blk.virtio, take8(&in) & 1);
			break;
		case 6:
			/* The driver resets the device and starts over. */
			virtio_device_reset(&f->blk.virtio);
			if (take8(&in) & 1)
				bring_up(f);
			break;
		case 7:
			read_config(f, &in);
			break;
		}
	}
	/* Whatever is left in the ring gets served once more. */
	f->blk.virtio.ops->queue_notify(&f->blk.virtio, 0);
out:
	free(f->disk);
	free(f->ram);
	free(f);
	return 0;
}
