/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A virtio device as its transport sees it: a set of operations and the
 * state every virtio device has (features, status, queues). Device models
 * (virtio/blk.c, ...) implement the operations; a transport (virtio/mmio.c
 * today, PCI later) drives them. Devices know neither the transport nor the
 * hypervisor.
 */
#ifndef SVMM_VIRTIO_DEVICE_H
#define SVMM_VIRTIO_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/log.h"
#include "core/vm.h"
#include "virtio/virtqueue.h"

#define VIRTIO_MAX_QUEUES 8

/* Feature bits shared by every device type (virtio 1.2, section 6). */
#define VIRTIO_F_INDIRECT_DESC	 28
#define VIRTIO_F_EVENT_IDX	 29
#define VIRTIO_F_VERSION_1	 32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* Device status bits (virtio 1.2, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER	  2
#define VIRTIO_STATUS_DRIVER_OK	  4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED	  128

/* Device type IDs (virtio 1.2, 5). */
#define VIRTIO_ID_NET	  1
#define VIRTIO_ID_BLOCK	  2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG	  4
#define VIRTIO_ID_VSOCK	  19

struct virtio_device;

struct virtio_device_ops {
	uint32_t device_id;
	unsigned num_queues;
	/* Device-specific features (VERSION_1, INDIRECT_DESC, EVENT_IDX are added by the core). */
	uint64_t (*features)(struct virtio_device *dev);
	/*
	 * Reads config space bytes [offset, offset + size) into *value
	 * (little-endian); offsets past the config space read as zero.
	 */
	void (*config_read)(struct virtio_device *dev, uint32_t offset, uint8_t size,
			    uint64_t *value);
	/* Optional: most devices' config space is read-only. */
	void (*config_write)(struct virtio_device *dev, uint32_t offset, uint8_t size,
			     uint64_t value);
	/* The driver made buffers available on `queue`. */
	void (*queue_notify)(struct virtio_device *dev, unsigned queue);
	/* Optional: the driver set DRIVER_OK; the device may start using its queues. */
	void (*driver_ok)(struct virtio_device *dev);
	/* Back to the initial state; queues and features are reset by the core. */
	void (*reset)(struct virtio_device *dev);
};

/*
 * How the device signals the driver; set by the transport (an interrupt
 * line and its InterruptStatus register on virtio-mmio).
 */
struct virtio_transport_ops {
	void (*signal_used)(struct virtio_device *dev, unsigned queue);
	void (*signal_config)(struct virtio_device *dev);
	void (*needs_reset)(struct virtio_device *dev);
};

struct virtio_device {
	const struct virtio_device_ops *ops;
	const struct virtio_transport_ops *transport;
	void *transport_ctx;
	struct vm *vm;
	const char *name; /* for log messages, e.g. "virtio-blk0" */
	uint64_t device_features;
	uint64_t driver_features;
	uint32_t status;
	uint32_t config_generation;
	struct virtq queues[VIRTIO_MAX_QUEUES];
	struct log_ratelimit guest_error_log;
};

/*@
  // The common state as a transport finds it (what virtio_device_init and
  // virtio_device_reset leave): the device's ops readable, every queue on
  // the VM's guest memory map, which is well formed, and these three apart.
  predicate virtio_device_ok(struct virtio_device *dev) =
    \valid(dev) && \valid_read(dev->ops) && guest_mem_ok(&dev->vm->mem) &&
    \separated(dev, dev->ops, &dev->vm->mem) &&
    \forall integer i; 0 <= i < VIRTIO_MAX_QUEUES ==> dev->queues[i].mem == &dev->vm->mem;
*/

/* Sets up the common state; the device's own init calls this first. */
void virtio_device_init(struct virtio_device *dev, const struct virtio_device_ops *ops,
			struct vm *vm, const char *name);

/*
 * The contracts of the functions below are what `make prove` assumes of
 * them when it proves virtio/mmio.c (device.c itself is not proven). The
 * ones that run a device model's callback model it as changing only the
 * common state: what the device writes beyond it (its own structure, guest
 * RAM through its queues, its backend) is the device model's.
 */

/* Whether the driver accepted feature `bit`. */
/*@ requires \valid_read(dev);
    assigns \nothing; */
bool virtio_has_feature(const struct virtio_device *dev, unsigned bit);

/* Whether the driver has set DRIVER_OK and the device is not broken. */
/*@ requires \valid_read(dev);
    assigns \nothing; */
bool virtio_device_live(const struct virtio_device *dev);

/*
 * What the device offers: its own bits and those the core implements
 * (VERSION_1, INDIRECT_DESC, EVENT_IDX). Records them in device_features.
 */
/*@ requires virtio_device_ok(dev);
    assigns dev->device_features;
    ensures \result == dev->device_features; */
uint64_t virtio_offered_features(struct virtio_device *dev);

/*
 * Config space bytes [offset, offset + size), little-endian; 0 from a
 * device without config space.
 */
/*@ requires virtio_device_ok(dev);
    assigns \nothing; */
uint64_t virtio_config_read(struct virtio_device *dev, uint32_t offset, uint8_t size);

/* A driver's config space write: 0, or -SVMM_ENOTSUP when it is read-only. */
/*@ requires virtio_device_ok(dev);
    assigns dev->device_features, dev->driver_features, dev->status, dev->config_generation,
	    dev->queues[0 .. VIRTIO_MAX_QUEUES - 1], dev->guest_error_log;
    ensures virtio_device_ok(dev); */
int virtio_config_write(struct virtio_device *dev, uint32_t offset, uint8_t size, uint64_t value);

/*
 * The driver notified `queue` (below ops->num_queues): the device serves
 * it, unless it is not live (before DRIVER_OK, or once broken).
 */
/*@ requires virtio_device_ok(dev);
    assigns dev->device_features, dev->driver_features, dev->status, dev->config_generation,
	    dev->queues[0 .. VIRTIO_MAX_QUEUES - 1], dev->guest_error_log;
    ensures virtio_device_ok(dev); */
void virtio_device_notify(struct virtio_device *dev, unsigned queue);

/* The driver set DRIVER_OK: the device may start using its queues. */
/*@ requires virtio_device_ok(dev);
    assigns dev->device_features, dev->driver_features, dev->status, dev->config_generation,
	    dev->queues[0 .. VIRTIO_MAX_QUEUES - 1], dev->guest_error_log;
    ensures virtio_device_ok(dev); */
void virtio_device_driver_ok(struct virtio_device *dev);

/* Returns a finished request and interrupts the driver if it wants that. */
void virtio_complete(struct virtio_device *dev, unsigned queue, uint16_t head, uint32_t written);

/* The same for several requests that the driver must see at once (virtq_push_used_batch). */
void virtio_complete_batch(struct virtio_device *dev, unsigned queue,
			   const struct virtq_used_elem *elems, unsigned count);

/*
 * Serves one request: `chain` was just taken from `queue`. Sets *written
 * to the bytes written into its device-writable segments. 0, or a negative
 * enum virtq_error when the chain breaks the rules (the device then needs
 * a reset).
 */
typedef int (*virtio_serve_fn)(struct virtio_device *dev, const struct virtq *vq,
			       const struct virtq_chain *chain, uint32_t *written);

/*
 * Serves every request on `queue`, in ring order, each completed before the
 * next is taken, using `chain` as scratch. Not just a quota: with EVENT_IDX
 * the driver sends no further notify for requests it posts while the device
 * is behind, so any left over could wait forever. When the ring looks
 * empty it publishes avail_event and looks once more, for a request posted
 * before the driver could see it. Does nothing unless the device is live.
 */
void virtio_serve_queue(struct virtio_device *dev, unsigned queue, struct virtq_chain *chain,
			virtio_serve_fn serve);

/*
 * The guest broke the rules on `queue` (err: an enum virtq_error): logs
 * once (rate-limited) and sets NEEDS_RESET; the device stops using its
 * queues until the driver resets it. Other devices are unaffected.
 */
void virtio_device_fail(struct virtio_device *dev, unsigned queue, int err);

/* Config space changed: bumps the generation and interrupts the driver. */
void virtio_config_changed(struct virtio_device *dev);

/* Back to power-on state (the transport calls this when the driver writes status 0). */
/*@ requires virtio_device_ok(dev);
    assigns dev->device_features, dev->driver_features, dev->status, dev->config_generation,
	    dev->queues[0 .. VIRTIO_MAX_QUEUES - 1], dev->guest_error_log;
    ensures virtio_device_ok(dev); */
void virtio_device_reset(struct virtio_device *dev);

#endif
