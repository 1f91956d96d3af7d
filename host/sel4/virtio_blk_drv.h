/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The driver side of a virtio-mmio block device (virtio 1.2, sections 4.2
 * and 5.2), serving an sDDF block queue (host/sel4/sddf_blk.h): the core of
 * the block driver PD (host/sel4/blk_driver_pd.c). svmm's virtio/ code is
 * the device side; this reuses its definitions (register map, status and
 * feature bits, request types, descriptor flags).
 *
 * Both register layouts QEMU offers are driven: modern (Version 2) and
 * legacy (Version 1, QEMU's default for virtio-mmio unless
 * -global virtio-mmio.force-legacy=false). One split virtqueue of
 * VBLK_QUEUE_SIZE descriptors lives at the start of the DMA region, laid
 * out as legacy wants it (the used ring on the next 4 KiB page) so one
 * layout serves both; each request in flight takes three descriptors
 * (header, data, status) and a header and status byte in the DMA region.
 * The data descriptor points at the client's data region by its physical
 * address, so the device moves the bytes directly; the driver never maps
 * any guest's RAM.
 *
 * Registers are reached through callbacks so that the core runs off seL4
 * too; the PD's callbacks are uncached loads and stores with the barriers
 * the device needs.
 */
#ifndef SVMM_HOST_SEL4_VIRTIO_BLK_DRV_H
#define SVMM_HOST_SEL4_VIRTIO_BLK_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "host/sel4/sddf_blk.h"

/* QEMU virt's virtio-mmio transports: 32 windows of 0x200 bytes from 0x0a000000, SPI 16 + slot. */
#define VBLK_QEMU_VIRT_MMIO_BASE  0x0a000000u
#define VBLK_QEMU_VIRT_MMIO_SLOTS 32u
#define VBLK_QEMU_VIRT_MMIO_SIZE  0x4000u /* the 32 windows: four 4 KiB pages */
#define VBLK_QEMU_VIRT_FIRST_IRQ  48u	  /* the kernel's number for slot 0's SPI */

#define VBLK_QUEUE_SIZE 64u
#define VBLK_SLOTS	(VBLK_QUEUE_SIZE / 3u) /* requests in flight */
/* The DMA region: rings (0x0000, used ring at 0x1000), headers (0x2000), statuses (0x3000). */
#define VBLK_DMA_SIZE 0x4000u

struct vblk_regs {
	uint32_t (*read)(void *ctx, uint32_t offset); /* offset in the 32-slot window */
	void (*write)(void *ctx, uint32_t offset, uint32_t value);
	void *ctx;
};

struct vblk_request {
	bool busy;
	uint32_t id; /* the client's */
	uint16_t count;
};

struct vblk_drv {
	struct vblk_regs regs;
	uint32_t base; /* the device's window in the 32-slot window */
	unsigned slot;
	bool legacy;
	bool has_flush;
	bool read_only;
	bool broken;	   /* the device failed: every request gets ERR_IO */
	uint64_t capacity; /* SDDF_BLK_TRANSFER_SIZE blocks */
	uint16_t queue_size;
	uint8_t *dma;
	uint64_t dma_paddr;
	uint64_t data_paddr, data_size; /* the client's data region */
	uint16_t avail_idx, used_seen;
	unsigned in_flight;
	struct vblk_request requests[VBLK_SLOTS];
};

/*
 * The first block device among the slots of the window, or -1. A slot
 * holds one when MagicValue is "virt", Version 1 or 2, and DeviceID 2.
 */
int vblk_probe(const struct vblk_regs *regs);

/*
 * Sets up the device of `slot`: reset, feature negotiation (VERSION_1 on a
 * modern device, FLUSH and RO when offered), the queue in the DMA region
 * (VBLK_DMA_SIZE bytes at `dma`, physical `dma_paddr`), DRIVER_OK; then
 * publishes the storage info. `readonly` (the description's): the client
 * is told the disk is read-only and every write is refused, whatever the
 * device offers. 0, or a negative SVMM error with the device left failed
 * and nothing published.
 */
int vblk_init(struct vblk_drv *d, const struct vblk_regs *regs, unsigned slot, void *dma,
	      uint64_t dma_paddr, uint64_t data_paddr, uint64_t data_size, bool readonly,
	      struct sddf_blk_storage_info *info);

/*
 * Takes requests from the client's queue while a slot is free and the
 * response queue has room for every answer owed; requests that need no
 * device (bad parameters, a flush on a device without a cache) are
 * answered at once. Returns whether it answered any (notify the client).
 */
bool vblk_serve(struct vblk_drv *d, struct sddf_blk_queues *q);

/*
 * The device's interrupt: acknowledges it and answers each finished
 * request; a device that needs a reset fails everything in flight. Returns
 * whether it answered any.
 */
bool vblk_complete(struct vblk_drv *d, struct sddf_blk_queues *q);

#endif
