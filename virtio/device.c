/* SPDX-License-Identifier: Apache-2.0 */
/*
 * State and rules every virtio device shares, whatever its type and
 * transport: feature bits, the status byte, completing requests and
 * failing safely when the guest breaks a ring.
 */
#include "virtio/device.h"

#include "core/errors.h"
#include "core/string.h"

static const char *virtq_error_text(int err)
{
	switch (err < 0 ? -err : err) {
	case VIRTQ_ERR_NOT_READY:
		return "queue not ready";
	case VIRTQ_ERR_RING_ADDRESS:
		return "ring outside guest memory";
	case VIRTQ_ERR_AVAIL_JUMP:
		return "avail index moved by more than the queue size";
	case VIRTQ_ERR_HEAD_INDEX:
		return "avail ring names a descriptor past the table";
	case VIRTQ_ERR_NEXT_INDEX:
		return "descriptor next field past the table";
	case VIRTQ_ERR_CHAIN_TOO_LONG:
		return "descriptor chain loops or is too long";
	case VIRTQ_ERR_BUFFER_ADDRESS:
		return "buffer outside guest memory";
	case VIRTQ_ERR_INDIRECT:
		return "bad indirect descriptor";
	case VIRTQ_ERR_ORDER:
		return "device-readable buffer after a device-writable one";
	case VIRTQ_ERR_USED_INDEX:
		return "used element names a descriptor past the table";
	default:
		return "malformed request";
	}
}

/*
 * device_features only holds the bits every device offers here: a device's
 * own ops->features() may depend on state its init sets after this call,
 * so the transport asks for those when the driver reads them.
 */
void virtio_device_init(struct virtio_device *dev, const struct virtio_device_ops *ops,
			struct vm *vm, const char *name)
{
	memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	dev->vm = vm;
	dev->name = name;
	dev->device_features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_INDIRECT_DESC |
			       1ull << VIRTIO_F_EVENT_IDX;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		virtq_reset(&dev->queues[i], &vm->mem);
}

bool virtio_has_feature(const struct virtio_device *dev, unsigned bit)
{
	return bit < 64 && (dev->driver_features >> bit & 1) != 0;
}

bool virtio_device_live(const struct virtio_device *dev)
{
	return (dev->status & VIRTIO_STATUS_DRIVER_OK) != 0 &&
	       (dev->status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)) == 0;
}

uint64_t virtio_offered_features(struct virtio_device *dev)
{
	uint64_t own = dev->ops->features != NULL ? dev->ops->features(dev) : 0;

	dev->device_features = own | 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_INDIRECT_DESC |
			       1ull << VIRTIO_F_EVENT_IDX;
	return dev->device_features;
}

uint64_t virtio_config_read(struct virtio_device *dev, uint32_t offset, uint8_t size)
{
	uint64_t value = 0;

	if (dev->ops->config_read != NULL)
		dev->ops->config_read(dev, offset, size, &value);
	return value;
}

int virtio_config_write(struct virtio_device *dev, uint32_t offset, uint8_t size, uint64_t value)
{
	if (dev->ops->config_write == NULL)
		return -SVMM_ENOTSUP;
	dev->ops->config_write(dev, offset, size, value);
	return 0;
}

/* Before DRIVER_OK, or once broken, the device must not touch its queues. */
void virtio_device_notify(struct virtio_device *dev, unsigned queue)
{
	if (virtio_device_live(dev) && dev->ops->queue_notify != NULL)
		dev->ops->queue_notify(dev, queue);
}

void virtio_device_driver_ok(struct virtio_device *dev)
{
	if (dev->ops->driver_ok != NULL)
		dev->ops->driver_ok(dev);
}

/*
 * A completion for a queue that is no longer ready, or a device that is no
 * longer live, belongs to a request the driver has given up on (it reset
 * the device or the device failed): it is dropped. Failing the device for
 * it would mark a freshly reset device broken.
 */
void virtio_complete_batch(struct virtio_device *dev, unsigned queue,
			   const struct virtq_used_elem *elems, unsigned count)
{
	struct virtq *vq;
	int err;

	if (queue >= VIRTIO_MAX_QUEUES)
		return;
	vq = &dev->queues[queue];
	if (!vq->ready || !virtio_device_live(dev))
		return;
	err = virtq_push_used_batch(vq, elems, count);
	if (err < 0) {
		virtio_device_fail(dev, queue, -err);
		return;
	}
	if (virtq_needs_interrupt(vq) && dev->transport != NULL && dev->transport->signal_used)
		dev->transport->signal_used(dev, queue);
}

void virtio_complete(struct virtio_device *dev, unsigned queue, uint16_t head, uint32_t written)
{
	const struct virtq_used_elem elem = {.head = head, .written = written};

	virtio_complete_batch(dev, queue, &elem, 1);
}

void virtio_serve_queue(struct virtio_device *dev, unsigned queue, struct virtq_chain *chain,
			virtio_serve_fn serve)
{
	struct virtq *vq = &dev->queues[queue];
	bool rechecked = false;

	if (queue >= VIRTIO_MAX_QUEUES || !virtio_device_live(dev) || !vq->ready)
		return;
	for (;;) {
		uint32_t written = 0;
		int err = virtq_next_chain(vq, chain);

		if (err == 0 && !rechecked) {
			virtq_publish_avail_event(vq);
			rechecked = true;
			continue;
		}
		if (err == 0)
			return;
		rechecked = false;
		if (err > 0)
			err = serve(dev, vq, chain, &written);
		if (err < 0) {
			virtio_device_fail(dev, queue, -err);
			return;
		}
		virtio_complete(dev, queue, chain->head, written);
		if (!virtio_device_live(dev))
			return; /* the used ring was bad: the device awaits a reset */
	}
}

/* err is taken with either sign: callers pass -err of a virtq_* result or the enum itself. */
void virtio_device_fail(struct virtio_device *dev, unsigned queue, int err)
{
	/* Already failed: the first reason is the one worth reading. */
	if (dev->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	log_limited(&dev->vm->log, &dev->guest_error_log, LOG_WARN,
		    "%s: queue %u: %s; device stopped until the driver resets it", dev->name, queue,
		    virtq_error_text(err));
	dev->status |= VIRTIO_STATUS_NEEDS_RESET;
	/* The transport raises the configuration-change interrupt 2.1.2 asks for. */
	if (dev->transport != NULL && dev->transport->needs_reset != NULL)
		dev->transport->needs_reset(dev);
}

void virtio_config_changed(struct virtio_device *dev)
{
	dev->config_generation++;
	if (dev->transport != NULL && dev->transport->signal_config != NULL)
		dev->transport->signal_config(dev);
}

/*
 * The device model goes first so that it can still see its queues (to
 * drop requests in flight); then the common state returns to power-on.
 * guest_error_log is kept: a guest that breaks, resets and breaks again
 * must not flood the host's log.
 */
void virtio_device_reset(struct virtio_device *dev)
{
	if (dev->ops != NULL && dev->ops->reset != NULL)
		dev->ops->reset(dev);
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		virtq_reset(&dev->queues[i], &dev->vm->mem);
	dev->driver_features = 0;
	dev->status = 0;
}
