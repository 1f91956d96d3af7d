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
 * Attaches `dev` at [base, base + VIRTIO_MMIO_SIZE) with interrupt
 * `irq_line`: registers the window on the VM's bus and describes the device
 * for the guest. 0 or a negative SVMM error.
 */
int virtio_mmio_init(struct virtio_mmio *mmio, struct virtio_device *dev, uint64_t base,
		     unsigned irq_line);

/* The bus handler. */
int virtio_mmio_access(void *mmio, struct access *acc, uint64_t offset);

/* Back to power-on state, as if the driver wrote 0 to Status (a VM reset). */
void virtio_mmio_reset(struct virtio_mmio *mmio);

/*
 * A QueueNotify that arrived another way (a KVM ioeventfd): the same as the
 * guest writing `queue` to the register.
 */
void virtio_mmio_notify(struct virtio_mmio *mmio, unsigned queue);

#endif
