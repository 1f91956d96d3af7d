/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio-mmio block driver's core; what it does is in virtio_blk_drv.h. */
#include "host/sel4/virtio_blk_drv.h"

#include "core/errors.h"
#include "core/string.h"
#include "virtio/blk.h"
#include "virtio/device.h"
#include "virtio/mmio.h"
#include "virtio/virtqueue.h"

#define PAGE		  0x1000u
#define AVAIL_OFFSET	  (16u * VBLK_QUEUE_SIZE) /* right after the descriptor table */
#define USED_OFFSET	  PAGE
#define HEADERS_OFFSET	  (2 * PAGE)
#define STATUS_OFFSET	  (3 * PAGE)
#define SECTORS_PER_BLOCK (SDDF_BLK_TRANSFER_SIZE / VIRTIO_BLK_SECTOR_SIZE)

_Static_assert(AVAIL_OFFSET + 6 + 2 * VBLK_QUEUE_SIZE <= USED_OFFSET, "avail ring fits");
_Static_assert(USED_OFFSET + 6 + 8 * VBLK_QUEUE_SIZE <= HEADERS_OFFSET, "used ring fits");
_Static_assert(VIRTIO_BLK_HEADER_SIZE *VBLK_SLOTS <= PAGE, "headers fit");
_Static_assert(STATUS_OFFSET + VBLK_SLOTS <= VBLK_DMA_SIZE, "statuses fit");

static uint32_t reg_read(const struct vblk_drv *d, uint32_t reg)
{
	return d->regs.read(d->regs.ctx, d->base + reg);
}

static void reg_write(const struct vblk_drv *d, uint32_t reg, uint32_t value)
{
	d->regs.write(d->regs.ctx, d->base + reg, value);
}

/* Little-endian stores and loads in the DMA region (the device reads them as such). */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const volatile uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const volatile uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

int vblk_probe(const struct vblk_regs *regs)
{
	for (unsigned slot = 0; slot < VBLK_QEMU_VIRT_MMIO_SLOTS; slot++) {
		uint32_t base = slot * VIRTIO_MMIO_SIZE;
		uint32_t version = regs->read(regs->ctx, base + VIRTIO_MMIO_REG_VERSION);

		if (regs->read(regs->ctx, base + VIRTIO_MMIO_REG_MAGIC) == VIRTIO_MMIO_MAGIC &&
		    (version == 1 || version == 2) &&
		    regs->read(regs->ctx, base + VIRTIO_MMIO_REG_DEVICE_ID) == VIRTIO_ID_BLOCK)
			return (int)slot;
	}
	return -1;
}

/* Features: the device's offer, the driver's choice (modern: both 32-bit halves). */
static int negotiate(struct vblk_drv *d)
{
	uint64_t offered = 0, wanted = 1ull << VIRTIO_BLK_F_FLUSH | 1ull << VIRTIO_BLK_F_RO;
	uint64_t chosen;

	for (uint32_t sel = 0; sel < (d->legacy ? 1u : 2u); sel++) {
		reg_write(d, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, sel);
		offered |= (uint64_t)reg_read(d, VIRTIO_MMIO_REG_DEVICE_FEATURES) << (32 * sel);
	}
	if (!d->legacy) {
		if (!(offered & 1ull << VIRTIO_F_VERSION_1))
			return -SVMM_ENOTSUP;
		wanted |= 1ull << VIRTIO_F_VERSION_1;
	}
	chosen = offered & wanted;
	for (uint32_t sel = 0; sel < (d->legacy ? 1u : 2u); sel++) {
		reg_write(d, VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, sel);
		reg_write(d, VIRTIO_MMIO_REG_DRIVER_FEATURES, (uint32_t)(chosen >> (32 * sel)));
	}
	d->has_flush = (chosen & 1ull << VIRTIO_BLK_F_FLUSH) != 0;
	d->read_only = (chosen & 1ull << VIRTIO_BLK_F_RO) != 0;
	if (d->legacy)
		return 0;
	reg_write(d, VIRTIO_MMIO_REG_STATUS,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	if (!(reg_read(d, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return -SVMM_ENOTSUP;
	return 0;
}

/* Queue 0 in the DMA region; the descriptors are filled per request. */
static int setup_queue(struct vblk_drv *d)
{
	uint32_t max;
	uint64_t desc = d->dma_paddr, avail = d->dma_paddr + AVAIL_OFFSET;
	uint64_t used = d->dma_paddr + USED_OFFSET;

	memset(d->dma, 0, VBLK_DMA_SIZE);
	reg_write(d, VIRTIO_MMIO_REG_QUEUE_SEL, 0);
	max = reg_read(d, VIRTIO_MMIO_REG_QUEUE_NUM_MAX);
	if (max < VBLK_QUEUE_SIZE)
		return -SVMM_ENOTSUP;
	d->queue_size = VBLK_QUEUE_SIZE;
	reg_write(d, VIRTIO_MMIO_REG_QUEUE_NUM, d->queue_size);
	if (d->legacy) {
		if (d->dma_paddr % PAGE != 0 || d->dma_paddr / PAGE > UINT32_MAX)
			return -SVMM_EINVAL;
		reg_write(d, VIRTIO_MMIO_REG_LEGACY_GUEST_PAGE_SIZE, PAGE);
		reg_write(d, VIRTIO_MMIO_REG_LEGACY_QUEUE_ALIGN, PAGE);
		reg_write(d, VIRTIO_MMIO_REG_LEGACY_QUEUE_PFN, (uint32_t)(d->dma_paddr / PAGE));
		return 0;
	}
	reg_write(d, VIRTIO_MMIO_REG_QUEUE_DESC_LOW, (uint32_t)desc);
	reg_write(d, VIRTIO_MMIO_REG_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	reg_write(d, VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW, (uint32_t)avail);
	reg_write(d, VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	reg_write(d, VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW, (uint32_t)used);
	reg_write(d, VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	reg_write(d, VIRTIO_MMIO_REG_QUEUE_READY, 1);
	return 0;
}

/* The capacity in 512-byte sectors, as two 32-bit reads the config generation keeps whole. */
static uint64_t read_capacity(const struct vblk_drv *d)
{
	uint32_t reg = VIRTIO_MMIO_REG_CONFIG + VIRTIO_BLK_CFG_CAPACITY;
	uint32_t gen, lo, hi;

	do {
		gen = d->legacy ? 0 : reg_read(d, VIRTIO_MMIO_REG_CONFIG_GENERATION);
		lo = reg_read(d, reg);
		hi = reg_read(d, reg + 4);
	} while (!d->legacy && gen != reg_read(d, VIRTIO_MMIO_REG_CONFIG_GENERATION));
	return (uint64_t)hi << 32 | lo;
}

int vblk_init(struct vblk_drv *d, const struct vblk_regs *regs, unsigned slot, void *dma,
	      uint64_t dma_paddr, uint64_t data_paddr, uint64_t data_size, bool readonly,
	      struct sddf_blk_storage_info *info)
{
	struct sddf_blk_storage_info fields = {
	    .sector_size = VIRTIO_BLK_SECTOR_SIZE, .block_size = 1, .queue_depth = VBLK_SLOTS};
	static const char serial[] = "sel4-virtio-blk";
	int err;

	*d = (struct vblk_drv){.regs = *regs,
			       .base = slot * VIRTIO_MMIO_SIZE,
			       .slot = slot,
			       .dma = dma,
			       .dma_paddr = dma_paddr,
			       .data_paddr = data_paddr,
			       .data_size = data_size};
	if (dma == NULL || slot >= VBLK_QEMU_VIRT_MMIO_SLOTS)
		return -SVMM_EINVAL;
	d->legacy = reg_read(d, VIRTIO_MMIO_REG_VERSION) == 1;
	reg_write(d, VIRTIO_MMIO_REG_STATUS, 0);
	reg_write(d, VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	reg_write(d, VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	err = negotiate(d);
	if (err == 0)
		err = setup_queue(d);
	if (err < 0) {
		reg_write(d, VIRTIO_MMIO_REG_STATUS, VIRTIO_STATUS_FAILED);
		d->broken = true;
		return err;
	}
	d->capacity = read_capacity(d) / SECTORS_PER_BLOCK;
	d->read_only |= readonly;
	reg_write(d, VIRTIO_MMIO_REG_STATUS,
		  reg_read(d, VIRTIO_MMIO_REG_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	fields.read_only = d->read_only;
	fields.capacity = d->capacity;
	memcpy(fields.serial_number, serial, sizeof(serial));
	sddf_blk_storage_publish(info, &fields);
	return 0;
}

static void put_desc(struct vblk_drv *d, unsigned index, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t *desc = d->dma + 16u * index;

	put64(desc, addr);
	put32(desc + 8, len);
	put16(desc + 12, flags);
	put16(desc + 14, next);
}

/* Hands slot `s`'s request to the device: header, the data slice unless a flush, status. */
static void submit(struct vblk_drv *d, unsigned s, const struct sddf_blk_req *req)
{
	unsigned first = 3 * s;
	uint8_t *header = d->dma + HEADERS_OFFSET + VIRTIO_BLK_HEADER_SIZE * s;
	bool flush = req->code == SDDF_BLK_REQ_FLUSH || req->code == SDDF_BLK_REQ_BARRIER;
	uint32_t type = flush				  ? VIRTIO_BLK_T_FLUSH
			: req->code == SDDF_BLK_REQ_WRITE ? VIRTIO_BLK_T_OUT
							  : VIRTIO_BLK_T_IN;
	uint64_t status = d->dma_paddr + STATUS_OFFSET + s;

	put32(header, type);
	put32(header + 4, 0);
	put64(header + 8, flush ? 0 : req->block_number * SECTORS_PER_BLOCK);
	d->dma[STATUS_OFFSET + s] = 0xff; /* a device that writes nothing has not succeeded */
	put_desc(d, first, d->dma_paddr + HEADERS_OFFSET + VIRTIO_BLK_HEADER_SIZE * s,
		 VIRTIO_BLK_HEADER_SIZE, VIRTQ_DESC_F_NEXT, (uint16_t)(first + 1));
	if (flush) {
		put_desc(d, first + 1, status, 1, VIRTQ_DESC_F_WRITE, 0);
	} else {
		put_desc(d, first + 1, d->data_paddr + req->io_or_offset,
			 (uint32_t)req->count * SDDF_BLK_TRANSFER_SIZE,
			 (uint16_t)(VIRTQ_DESC_F_NEXT |
				    (req->code == SDDF_BLK_REQ_READ ? VIRTQ_DESC_F_WRITE : 0)),
			 (uint16_t)(first + 2));
		put_desc(d, first + 2, status, 1, VIRTQ_DESC_F_WRITE, 0);
	}
	d->requests[s] = (struct vblk_request){.busy = true, .id = req->id, .count = req->count};
	d->in_flight++;
	put16(d->dma + AVAIL_OFFSET + 4 + 2 * (d->avail_idx % d->queue_size), (uint16_t)first);
	/* The ring entry is visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	d->avail_idx++;
	put16(d->dma + AVAIL_OFFSET + 2, d->avail_idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* The answer a request gets without the device, or SDDF_BLK_RESP_OK when it goes to it. */
static enum sddf_blk_resp_status precheck(const struct vblk_drv *d, const struct sddf_blk_req *req)
{
	if (d->broken)
		return SDDF_BLK_RESP_ERR_IO;
	switch (req->code) {
	case SDDF_BLK_REQ_READ:
	case SDDF_BLK_REQ_WRITE:
		if (req->code == SDDF_BLK_REQ_WRITE && d->read_only)
			return SDDF_BLK_RESP_ERR_IO;
		return sddf_blk_check_transfer(req, d->data_size, d->capacity);
	case SDDF_BLK_REQ_FLUSH:
	case SDDF_BLK_REQ_BARRIER:
		return SDDF_BLK_RESP_OK;
	default:
		return SDDF_BLK_RESP_ERR_INVALID_PARAM;
	}
}

static int free_slot(const struct vblk_drv *d)
{
	for (unsigned s = 0; s < VBLK_SLOTS; s++)
		if (!d->requests[s].busy)
			return (int)s;
	return -1;
}

bool vblk_serve(struct vblk_drv *d, struct sddf_blk_queues *q)
{
	bool answered = false, submitted = false;
	struct sddf_blk_req req;
	int s;

	while ((s = free_slot(d)) >= 0 && d->in_flight + sddf_blk_resp_length(q) < q->capacity &&
	       sddf_blk_dequeue_req(q, &req) == 0) {
		enum sddf_blk_resp_status status = precheck(d, &req);
		bool needs_device =
		    req.code == SDDF_BLK_REQ_READ || req.code == SDDF_BLK_REQ_WRITE || d->has_flush;

		if (status != SDDF_BLK_RESP_OK || !needs_device) {
			/* Without a cache a completed write is stable: a flush has nothing to do.
			 */
			struct sddf_blk_resp resp = {.status = status, .id = req.id};

			answered |= sddf_blk_enqueue_resp(q, &resp) == 0;
			continue;
		}
		submit(d, (unsigned)s, &req);
		submitted = true;
	}
	if (submitted)
		reg_write(d, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	return answered;
}

/* Answers slot `s`'s request with `status` and frees the slot. */
static void finish(struct vblk_drv *d, unsigned s, enum sddf_blk_resp_status status,
		   struct sddf_blk_queues *q)
{
	struct sddf_blk_resp resp = {.status = status,
				     .success_count =
					 status == SDDF_BLK_RESP_OK ? d->requests[s].count : 0,
				     .id = d->requests[s].id};

	/* Room was kept for it when the request was taken. */
	(void)sddf_blk_enqueue_resp(q, &resp);
	d->requests[s].busy = false;
	d->in_flight--;
}

bool vblk_complete(struct vblk_drv *d, struct sddf_blk_queues *q)
{
	const volatile uint8_t *used = d->dma + USED_OFFSET;
	bool answered = false;
	uint16_t used_idx;

	reg_write(d, VIRTIO_MMIO_REG_INTERRUPT_ACK, reg_read(d, VIRTIO_MMIO_REG_INTERRUPT_STATUS));
	if (!d->broken && (reg_read(d, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET))
		d->broken = true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	used_idx = get16(used + 2);
	/* More than the ring holds since last time: the device is not keeping to the protocol. */
	if ((uint16_t)(used_idx - d->used_seen) > d->queue_size)
		d->broken = true;
	while (!d->broken && d->used_seen != used_idx) {
		uint32_t id = get32(used + 4 + 8 * (d->used_seen % d->queue_size));
		unsigned s = id / 3;

		d->used_seen++;
		if (id % 3 != 0 || s >= VBLK_SLOTS || !d->requests[s].busy) {
			d->broken = true;
			break;
		}
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		finish(d, s,
		       d->dma[STATUS_OFFSET + s] == VIRTIO_BLK_S_OK ? SDDF_BLK_RESP_OK
								    : SDDF_BLK_RESP_ERR_IO,
		       q);
		answered = true;
	}
	if (d->broken) {
		/* Nothing more will come from it: every request in flight is an I/O error. */
		for (unsigned s = 0; s < VBLK_SLOTS; s++) {
			if (d->requests[s].busy) {
				finish(d, s, SDDF_BLK_RESP_ERR_IO, q);
				answered = true;
			}
		}
	}
	return answered;
}
