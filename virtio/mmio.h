/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport, virtio 1.2 "modern" (Version 2) only: each
 * device has a 512-byte register window and one interrupt line, and
 * describes itself to the guest as a "virtio,mmio" node.
 */
#ifndef SVMM_VIRTIO_MMIO_H
#define SVMM_VIRTIO_MMIO_H

#include <stdint.h>

#include "core/access.h"
#include "virtio/device.h"

#define VIRTIO_MMIO_SIZE	 0x200
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050

/* The register window (virtio 1.2, 4.2.2), for the device side here and a driver side. */
#define VIRTIO_MMIO_MAGIC	   0x74726976u /* "virt" */
#define VIRTIO_MMIO_VERSION	   2u	       /* modern; 1 is legacy (virtio 1.2, 4.2.4) */
#define VIRTIO_MMIO_SVMM_VENDOR_ID 0x4d4d5653u /* "SVMM" */

enum virtio_mmio_reg {
	VIRTIO_MMIO_REG_MAGIC = 0x000,
	VIRTIO_MMIO_REG_VERSION = 0x004,
	VIRTIO_MMIO_REG_DEVICE_ID = 0x008,
	VIRTIO_MMIO_REG_VENDOR_ID = 0x00c,
	VIRTIO_MMIO_REG_DEVICE_FEATURES = 0x010,
	VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL = 0x014,
	VIRTIO_MMIO_REG_DRIVER_FEATURES = 0x020,
	VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL = 0x024,
	VIRTIO_MMIO_REG_QUEUE_SEL = 0x030,
	VIRTIO_MMIO_REG_QUEUE_NUM_MAX = 0x034,
	VIRTIO_MMIO_REG_QUEUE_NUM = 0x038,
	/* Legacy (Version 1) only: the driver side uses them on such a device. */
	VIRTIO_MMIO_REG_LEGACY_GUEST_PAGE_SIZE = 0x028,
	VIRTIO_MMIO_REG_LEGACY_QUEUE_ALIGN = 0x03c,
	VIRTIO_MMIO_REG_LEGACY_QUEUE_PFN = 0x040,
	VIRTIO_MMIO_REG_QUEUE_READY = 0x044,
	VIRTIO_MMIO_REG_QUEUE_NOTIFY = VIRTIO_MMIO_QUEUE_NOTIFY,
	VIRTIO_MMIO_REG_INTERRUPT_STATUS = 0x060,
	VIRTIO_MMIO_REG_INTERRUPT_ACK = 0x064,
	VIRTIO_MMIO_REG_STATUS = 0x070,
	VIRTIO_MMIO_REG_QUEUE_DESC_LOW = 0x080,
	VIRTIO_MMIO_REG_QUEUE_DESC_HIGH = 0x084,
	VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW = 0x090,
	VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH = 0x094,
	VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW = 0x0a0,
	VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH = 0x0a4,
	VIRTIO_MMIO_REG_SHM_SEL = 0x0ac,
	VIRTIO_MMIO_REG_SHM_LEN_LOW = 0x0b0,
	VIRTIO_MMIO_REG_SHM_LEN_HIGH = 0x0b4,
	VIRTIO_MMIO_REG_SHM_BASE_LOW = 0x0b8,
	VIRTIO_MMIO_REG_SHM_BASE_HIGH = 0x0bc,
	VIRTIO_MMIO_REG_QUEUE_RESET = 0x0c0,
	VIRTIO_MMIO_REG_CONFIG_GENERATION = 0x0fc,
	VIRTIO_MMIO_REG_CONFIG = 0x100,
};

/* InterruptStatus bits. */
#define VIRTIO_MMIO_INT_VRING  1
#define VIRTIO_MMIO_INT_CONFIG 2

struct virtio_mmio {
	struct virtio_device *dev;
	uint64_t base;
	unsigned irq_line;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint32_t queue_sel;
	uint32_t interrupt_status;
	struct log_ratelimit bad_access_log;
};

/*
 * The contracts below are ACSL, proven by `make prove` (the README's
 * "Proofs" section says under which assumptions): for any offset, size and
 * value, an access is free of run-time errors and changes nothing but the
 * transport's registers, the device's common state and the access's value.
 */
/*@
  // A transport as virtio_mmio_init sets it up: its device's common state
  // well formed, and the transport's own registers apart from all of it.
  predicate virtio_mmio_ok(struct virtio_mmio *m) =
    \valid(m) && virtio_device_ok(m->dev) && \separated(m, m->dev, m->dev->ops, &m->dev->vm->mem);

  // The access the bus hands the transport, apart from all of that too.
  predicate virtio_mmio_access_ok(struct virtio_mmio *m, struct access *acc) =
    \valid(acc) && \separated(acc, m, m->dev, m->dev->ops, &m->dev->vm->mem);
*/

/*
 * Attaches `dev` at [base, base + VIRTIO_MMIO_SIZE) with interrupt
 * `irq_line`: registers the window on the VM's bus and describes the device
 * for the guest. 0 or a negative SVMM error.
 */
int virtio_mmio_init(struct virtio_mmio *mmio, struct virtio_device *dev, uint64_t base,
		     unsigned irq_line);

/* The bus handler; `opaque` is the struct virtio_mmio. */
/*@ requires virtio_mmio_ok((struct virtio_mmio *)opaque);
    requires virtio_mmio_access_ok((struct virtio_mmio *)opaque, acc);
    assigns ((struct virtio_mmio *)opaque)->device_features_sel,
	    ((struct virtio_mmio *)opaque)->driver_features_sel,
	    ((struct virtio_mmio *)opaque)->queue_sel,
	    ((struct virtio_mmio *)opaque)->interrupt_status,
	    ((struct virtio_mmio *)opaque)->bad_access_log,
	    ((struct virtio_mmio *)opaque)->dev->device_features,
	    ((struct virtio_mmio *)opaque)->dev->driver_features,
	    ((struct virtio_mmio *)opaque)->dev->status,
	    ((struct virtio_mmio *)opaque)->dev->config_generation,
	    ((struct virtio_mmio *)opaque)->dev->queues[0 .. VIRTIO_MAX_QUEUES - 1],
	    ((struct virtio_mmio *)opaque)->dev->guest_error_log,
	    acc->value;
    ensures virtio_mmio_ok((struct virtio_mmio *)opaque);
    ensures \result == 0; */
int virtio_mmio_access(void *opaque, struct access *acc, uint64_t offset);

/* Back to power-on state, as if the driver wrote 0 to Status (a VM reset). */
/*@ requires virtio_mmio_ok(mmio);
    assigns mmio->device_features_sel, mmio->driver_features_sel, mmio->queue_sel,
	    mmio->interrupt_status, mmio->dev->device_features, mmio->dev->driver_features,
	    mmio->dev->status, mmio->dev->config_generation,
	    mmio->dev->queues[0 .. VIRTIO_MAX_QUEUES - 1], mmio->dev->guest_error_log;
    ensures virtio_mmio_ok(mmio); */
void virtio_mmio_reset(struct virtio_mmio *mmio);

/*
 * A QueueNotify that arrived another way (a KVM ioeventfd): the same as the
 * guest writing `queue` to the register.
 */
/*@ requires virtio_mmio_ok(mmio);
    assigns mmio->bad_access_log, mmio->dev->device_features, mmio->dev->driver_features,
	    mmio->dev->status, mmio->dev->config_generation,
	    mmio->dev->queues[0 .. VIRTIO_MAX_QUEUES - 1], mmio->dev->guest_error_log;
    ensures virtio_mmio_ok(mmio); */
void virtio_mmio_notify(struct virtio_mmio *mmio, unsigned queue);

#endif
