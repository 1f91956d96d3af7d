/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blk_driver: the block driver protection domain of a VM with a disk on
 * seL4. It drives QEMU virt's virtio-blk device (host/sel4/virtio_blk_drv.h)
 * and serves svmm's sDDF block queue (host/sel4/sddf_blk.h), so the guest's
 * writes land in QEMU's drive file.
 *
 * What the SDF (config/sdf.c) gives it, and nothing else: the 16 KiB
 * window of QEMU virt's 32 virtio-mmio transports (uncached), its DMA
 * region (the virtqueue, by physical address), the storage info, request
 * and response queues and data region it shares with svmm, and the 32
 * transports' interrupts. QEMU assigns its -device virtio-*-device options
 * to slots itself, so the driver probes them at init and takes the first
 * block device's; the SDF cannot know the slot and so names every one.
 * No guest's RAM is mapped here.
 *
 * Faults: a device that fails requests or stops answers them with ERR_IO
 * (svmm gives the guest an I/O error); a driver that faults stops
 * answering, and svmm's wait for its responses ends at a deadline with
 * the disk failed. Either way no vCPU waits for ever.
 */
#include <stdarg.h>
#include <stdint.h>

#include <microkit.h>

#include "host/sel4/format.h"
#include "host/sel4/sddf_blk.h"
#include "host/sel4/virtio_blk_drv.h"

/* 1 for a VM whose description makes its disk readonly (the Makefile builds it so). */
#ifndef BLK_DRIVER_READONLY
#define BLK_DRIVER_READONLY 0
#endif

#define CLIENT_CHANNEL	  0 /* config/sdf.c: .blk_channel_id, the driver's end of svmm's channel */
#define FIRST_IRQ_CHANNEL 1 /* slot i's interrupt is on channel 1 + i */

/* Patched by the microkit tool from the SDF (config/sdf.h names them). */
__attribute__((section(".data"))) uintptr_t blk_mmio_vaddr = 0;
__attribute__((section(".data"))) uintptr_t blk_dma_vaddr = 0;
__attribute__((section(".data"))) uintptr_t blk_dma_paddr = 0;
__attribute__((section(".data"))) uintptr_t blk_data_paddr = 0;
__attribute__((section(".data"))) uintptr_t blk_data_vaddr = 0;
__attribute__((section(".data"))) size_t blk_data_size = 0;
__attribute__((section(".data"))) uintptr_t blk_storage_info_vaddr = 0;
__attribute__((section(".data"))) uintptr_t blk_req_queue_vaddr = 0;
__attribute__((section(".data"))) uintptr_t blk_resp_queue_vaddr = 0;

struct blk_driver {
	struct vblk_drv drv;
	struct sddf_blk_queues queues;
	bool ready;
};

/* Microkit's entry points take no context: the one object they reach. */
static struct blk_driver the_driver;

static uint32_t mmio_read(void *ctx, uint32_t offset)
{
	(void)ctx;
	return *(volatile uint32_t *)(blk_mmio_vaddr + offset);
}

/* Stores to the device come after every store to the DMA region before them. */
static void mmio_write(void *ctx, uint32_t offset, uint32_t value)
{
	(void)ctx;
	__asm__ volatile("dsb sy" ::: "memory");
	*(volatile uint32_t *)(blk_mmio_vaddr + offset) = value;
}

/* One line on the debug console, printf-style. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[160];
	va_list args;

	va_start(args, fmt);
	sel4_vformat(line, sizeof(line), fmt, args);
	va_end(args);
	microkit_dbg_puts(line);
}

void init(void)
{
	struct blk_driver *b = &the_driver;
	const struct vblk_regs regs = {.read = mmio_read, .write = mmio_write};
	int slot = vblk_probe(&regs);

	sddf_blk_queues_init(&b->queues, (void *)blk_req_queue_vaddr, (void *)blk_resp_queue_vaddr,
			     SDDF_BLK_QUEUE_REGION_SIZE, SDDF_BLK_QUEUE_CAPACITY);
	if (slot < 0) {
		microkit_dbg_puts(
		    "blk_driver: no virtio-blk device in QEMU virt's virtio-mmio slots "
		    "(give QEMU -drive file=IMG,if=none,format=raw,id=d0 "
		    "-device virtio-blk-device,drive=d0): the guest's disk fails\n");
		return;
	}
	if (vblk_init(&b->drv, &regs, (unsigned)slot, (void *)blk_dma_vaddr, blk_dma_paddr,
		      blk_data_paddr, blk_data_size, BLK_DRIVER_READONLY != 0,
		      (struct sddf_blk_storage_info *)blk_storage_info_vaddr) < 0) {
		say("blk_driver: the virtio-blk device in slot %d refused the driver (features or "
		    "queue size): the guest's disk fails\n",
		    slot);
		return;
	}
	b->ready = true;
	say("blk_driver: virtio-blk in slot %d%s, %llu KiB%s\n", slot,
	    b->drv.legacy ? " (legacy)" : "",
	    (unsigned long long)(b->drv.capacity * (SDDF_BLK_TRANSFER_SIZE / 1024)),
	    b->drv.read_only ? ", read-only" : "");
}

#ifdef BLK_DRIVER_TEST_FAULT_ON_WRITE
/*
 * check-sel4's blkfault build only (make SEL4_BLK_TEST_FAULT=1): the driver
 * faults when the first write reaches it, so the test sees what a guest
 * gets from a dead driver. The shipped driver never contains this.
 */
static void test_fault_on_write(const struct sddf_blk_queues *q)
{
	const struct sddf_blk_req_queue *req = q->req;

	if (q->capacity != 0 && req->tail != req->head &&
	    req->entries[req->head % q->capacity].code == SDDF_BLK_REQ_WRITE) {
		microkit_dbg_puts("blk_driver: test build: faulting on the first write\n");
		*(volatile uint32_t *)0 = 0;
	}
}
#endif

void notified(microkit_channel ch)
{
	struct blk_driver *b = &the_driver;
	bool answered = false;

#ifdef BLK_DRIVER_TEST_FAULT_ON_WRITE
	test_fault_on_write(&b->queues);
#endif
	if (ch == FIRST_IRQ_CHANNEL + b->drv.slot && b->ready) {
		answered = vblk_complete(&b->drv, &b->queues);
		microkit_irq_ack(ch);
	} else if (ch != CLIENT_CHANNEL) {
		return;
	}
	if (!b->ready) {
		/* No device: answer every request with an error so that svmm need not wait. */
		struct sddf_blk_req req;

		while (sddf_blk_resp_length(&b->queues) < b->queues.capacity &&
		       sddf_blk_dequeue_req(&b->queues, &req) == 0) {
			struct sddf_blk_resp resp = {.status = SDDF_BLK_RESP_ERR_NO_DEVICE,
						     .id = req.id};

			answered |= sddf_blk_enqueue_resp(&b->queues, &resp) == 0;
		}
	} else {
		/* Slots freed by the interrupt take the requests that waited for them. */
		answered |= vblk_serve(&b->drv, &b->queues);
	}
	if (answered)
		microkit_notify(CLIENT_CHANNEL);
}
