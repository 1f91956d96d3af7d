/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-mmio, Version 2 (virtio 1.2, section 4.2.2).
 *
 * Choices the spec leaves open:
 * - VendorID is 0x4d4d5653, "SVMM" in little-endian bytes. Drivers match on
 *   DeviceID; the vendor only tells a curious guest who emulates the device.
 * - QueueReset (0x0c0) belongs to VIRTIO_F_RING_RESET, which is not offered
 *   (a device model has no hook to drop one queue's requests), so it reads
 *   0 and writes are ignored. No shared memory regions: SHMLen reads -1,
 *   the spec's "no such region".
 * - Registers take 32-bit aligned accesses only (4.2.2.2); config space
 *   takes naturally aligned 1, 2 and 4-byte accesses, and 8-byte ones too
 *   since ops->config_read handles them. Anything else, reads of write-only
 *   registers, writes to read-only ones and unknown offsets are logged
 *   (rate-limited) and ignored; reads return 0. The bus gets 0 back so the
 *   hypervisor does not log them a second time.
 * - Driver errors in the status sequence are refused rather than obeyed:
 *   FEATURES_OK does not latch for a legacy driver (no VERSION_1) or for
 *   one accepting bits that were not offered; DRIVER_OK does not latch
 *   without FEATURES_OK; queues cannot be enabled before FEATURES_OK (the
 *   ring format depends on the features) and their registers cannot be
 *   changed while they are enabled.
 *
 * Interrupts are edges on the device's line: InterruptStatus records why,
 * and each new reason sends one edge.
 */
#include "virtio/mmio.h"

#include "core/errors.h"
#include "core/string.h"

/*@ requires \valid_read(mmio) && \valid_read(mmio->dev);
    assigns \nothing;
    ensures \result == mmio->dev->vm; */
static struct vm *mmio_vm(const struct virtio_mmio *mmio)
{
	return mmio->dev->vm;
}

/*@ requires \valid_read(acc);
    assigns \nothing; */
static const char *access_kind(const struct access *acc)
{
	return acc->is_write ? "write" : "read";
}

/*@ requires virtio_mmio_ok(mmio) && virtio_mmio_access_ok(mmio, acc);
    assigns mmio->bad_access_log.emitted, acc->value; */
static void ignore_access(struct virtio_mmio *mmio, struct access *acc, uint64_t offset,
			  const char *why)
{
	log_limited(&mmio_vm(mmio)->log, &mmio->bad_access_log, LOG_WARN,
		    "%s: %u-byte %s at register 0x%03llx ignored: %s", mmio->dev->name,
		    (unsigned)acc->size, access_kind(acc), (unsigned long long)offset, why);
	if (!acc->is_write)
		acc->value = 0;
}

/*@ requires \valid_read(dev) && \valid_read(dev->ops);
    assigns \nothing;
    ensures \result <= VIRTIO_MAX_QUEUES; */
static unsigned queue_count(const struct virtio_device *dev)
{
	unsigned n = dev->ops->num_queues;

	return n < VIRTIO_MAX_QUEUES ? n : VIRTIO_MAX_QUEUES;
}

/* The selected queue, or NULL when QueueSel names none. */
/*@ requires virtio_mmio_ok(mmio);
    assigns \nothing;
    ensures \result == \null ||
	    (mmio->queue_sel < VIRTIO_MAX_QUEUES && \result == &mmio->dev->queues[mmio->queue_sel]);
 */
static struct virtq *selected_queue(struct virtio_mmio *mmio)
{
	return mmio->queue_sel < queue_count(mmio->dev) ? &mmio->dev->queues[mmio->queue_sel]
							: NULL;
}

static void raise_interrupt(struct virtio_mmio *mmio, uint32_t reason)
{
	int err;

	mmio->interrupt_status |= reason;
	err = vm_irq_pulse(mmio_vm(mmio), mmio->irq_line);
	if (err < 0)
		log_limited(&mmio_vm(mmio)->log, &mmio->bad_access_log, LOG_WARN,
			    "%s: interrupt %u not delivered: %s", mmio->dev->name, mmio->irq_line,
			    svmm_strerror(err));
}

static void mmio_signal_used(struct virtio_device *dev, unsigned queue)
{
	(void)queue; /* one line and one status bit serve every queue */
	raise_interrupt(dev->transport_ctx, VIRTIO_MMIO_INT_VRING);
}

/* No driver listens before it has at least acknowledged the device. */
static void mmio_signal_config(struct virtio_device *dev)
{
	if (dev->status != 0)
		raise_interrupt(dev->transport_ctx, VIRTIO_MMIO_INT_CONFIG);
}

static const struct virtio_transport_ops mmio_transport_ops = {
    .signal_used = mmio_signal_used,
    .signal_config = mmio_signal_config,
    .needs_reset = mmio_signal_config,
};

/* Back to power-on: the device, its queues, and this transport's registers. */
void virtio_mmio_reset(struct virtio_mmio *mmio)
{
	mmio->device_features_sel = 0;
	mmio->driver_features_sel = 0;
	mmio->queue_sel = 0;
	mmio->interrupt_status = 0;
	virtio_device_reset(mmio->dev);
}

/* Why the driver's accepted features are refused, or NULL when they are fine. */
/*@ requires virtio_device_ok(dev);
    assigns dev->device_features; */
static const char *features_refusal(struct virtio_device *dev)
{
	uint64_t offered = virtio_offered_features(dev);

	if (!virtio_has_feature(dev, VIRTIO_F_VERSION_1))
		return "the driver did not accept VERSION_1 (legacy drivers are not supported)";
	if (dev->driver_features & ~offered)
		return "the driver accepted features the device does not offer";
	return NULL;
}

/*
 * The transport's complaints about the driver's status and queue writes,
 * each in a function of its own: the variadic log call stays out of the
 * register handlers, whose proofs it would burden (WP allocates its
 * arguments as locals of the caller).
 */
/*@ requires virtio_mmio_ok(mmio);
    assigns mmio->bad_access_log.emitted; */
static void refuse_features(struct virtio_mmio *mmio, const char *refusal)
{
	log_limited(&mmio_vm(mmio)->log, &mmio->bad_access_log, LOG_WARN,
		    "%s: FEATURES_OK refused: %s (driver features 0x%llx)", mmio->dev->name,
		    refusal, (unsigned long long)mmio->dev->driver_features);
}

/*@ requires virtio_mmio_ok(mmio);
    assigns mmio->bad_access_log.emitted; */
static void refuse_driver_ok(struct virtio_mmio *mmio)
{
	log_limited(&mmio_vm(mmio)->log, &mmio->bad_access_log, LOG_WARN,
		    "%s: DRIVER_OK refused: features were not negotiated", mmio->dev->name);
}

/*@ requires virtio_mmio_ok(mmio) && \valid_read(vq);
    assigns mmio->bad_access_log.emitted; */
static void report_queue_not_enabled(struct virtio_mmio *mmio, const struct virtq *vq)
{
	log_limited(&mmio_vm(mmio)->log, &mmio->bad_access_log, LOG_WARN,
		    "%s: queue %u not enabled: size %u (expected a power of two up to %u) "
		    "or rings desc 0x%llx avail 0x%llx used 0x%llx not aligned inside "
		    "guest memory",
		    mmio->dev->name, mmio->queue_sel, (unsigned)vq->size, VIRTQ_MAX_SIZE,
		    (unsigned long long)vq->desc_gpa, (unsigned long long)vq->avail_gpa,
		    (unsigned long long)vq->used_gpa);
}

/*@ requires virtio_mmio_ok(mmio);
    assigns mmio->device_features_sel, mmio->driver_features_sel, mmio->queue_sel,
	    mmio->interrupt_status, mmio->bad_access_log.emitted, mmio->dev->device_features,
	    mmio->dev->driver_features, mmio->dev->status, mmio->dev->config_generation,
	    mmio->dev->queues[0 .. VIRTIO_MAX_QUEUES - 1], mmio->dev->guest_error_log;
    ensures virtio_mmio_ok(mmio); */
static void write_status(struct virtio_mmio *mmio, uint32_t value)
{
	struct virtio_device *dev = mmio->dev;
	uint32_t old = dev->status, status;
	const char *refusal;

	if (value == 0) {
		virtio_mmio_reset(mmio);
		return;
	}
	/*
	 * The driver may only add bits (2.1.1: it MUST NOT clear one) and never
	 * sets NEEDS_RESET, which is the device's: bits it tries to clear stay.
	 */
	status = old | (value & 0xffu & ~(uint32_t)VIRTIO_STATUS_NEEDS_RESET);
	if ((status & ~old & VIRTIO_STATUS_FEATURES_OK) &&
	    (refusal = features_refusal(dev)) != NULL) {
		refuse_features(mmio, refusal);
		status &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
	}
	if ((status & ~old & VIRTIO_STATUS_DRIVER_OK) && !(status & VIRTIO_STATUS_FEATURES_OK)) {
		refuse_driver_ok(mmio);
		status &= ~(uint32_t)VIRTIO_STATUS_DRIVER_OK;
	}
	dev->status = status;
	//@ assert virtio_mmio_ok(mmio);
	if (status & ~old & VIRTIO_STATUS_DRIVER_OK)
		virtio_device_driver_ok(dev);
}

/* `whole` with its low or `high` 32 bits replaced by `value`. */
/*@ assigns \nothing; */
static uint64_t with_half(uint64_t whole, bool high, uint32_t value)
{
	if (high)
		return (uint32_t)whole + 0x100000000ull * value;
	return (whole & ~0xffffffffull) | value;
}

/*@ requires virtio_mmio_ok(mmio) && virtio_mmio_access_ok(mmio, acc);
    assigns mmio->dev->driver_features, mmio->bad_access_log.emitted, acc->value; */
static void write_driver_features(struct virtio_mmio *mmio, struct access *acc, uint64_t offset,
				  uint32_t value)
{
	struct virtio_device *dev = mmio->dev;

	if (dev->status & VIRTIO_STATUS_FEATURES_OK) {
		ignore_access(mmio, acc, offset, "features are already negotiated");
		return;
	}
	if (mmio->driver_features_sel > 1) {
		/* No feature bit above 63 exists here; accepting none is the only answer. */
		if (value != 0)
			ignore_access(mmio, acc, offset, "feature bits above 63 are not offered");
		return;
	}
	dev->driver_features =
	    with_half(dev->driver_features, mmio->driver_features_sel == 1, value);
}

/*@ requires virtio_mmio_ok(mmio) && virtio_mmio_access_ok(mmio, acc);
    requires mmio->queue_sel < VIRTIO_MAX_QUEUES && vq == &mmio->dev->queues[mmio->queue_sel];
    assigns *vq, mmio->bad_access_log.emitted, acc->value;
    ensures virtio_mmio_ok(mmio); */
static void write_queue_ready(struct virtio_mmio *mmio, struct access *acc, uint64_t offset,
			      struct virtq *vq, uint32_t value)
{
	struct virtio_device *dev = mmio->dev;
	int err;

	if (value == 0) {
		/* The driver takes the queue back (Linux does when it deletes a queue). */
		vq->ready = false;
		return;
	}
	if (vq->ready)
		return;
	if (!(dev->status & VIRTIO_STATUS_FEATURES_OK)) {
		ignore_access(mmio, acc, offset, "queue enabled before features were negotiated");
		return;
	}
	vq->event_idx = virtio_has_feature(dev, VIRTIO_F_EVENT_IDX);
	vq->indirect = virtio_has_feature(dev, VIRTIO_F_INDIRECT_DESC);
	err = virtq_enable(vq);
	if (err < 0) {
		vq->ready = false;
		report_queue_not_enabled(mmio, vq);
	}
}

/* QueueNum and the ring addresses: only while the selected queue is disabled. */
/*@ requires virtio_mmio_ok(mmio) && virtio_mmio_access_ok(mmio, acc);
    assigns mmio->dev->queues[0 .. VIRTIO_MAX_QUEUES - 1], mmio->bad_access_log.emitted,
	    acc->value;
    ensures virtio_mmio_ok(mmio); */
static void write_queue_config(struct virtio_mmio *mmio, struct access *acc, uint64_t offset,
			       uint32_t value)
{
	struct virtq *vq = selected_queue(mmio);

	if (vq == NULL) {
		ignore_access(mmio, acc, offset, "QueueSel names no queue");
		return;
	}
	if (vq->ready) {
		ignore_access(mmio, acc, offset, "the queue is enabled");
		return;
	}
	switch (offset) {
	case VIRTIO_MMIO_REG_QUEUE_NUM:
		if (value > VIRTQ_MAX_SIZE) {
			ignore_access(mmio, acc, offset, "larger than QueueNumMax");
			/* Leave a size the queue cannot be enabled with. */
			value = 0;
		}
		vq->size = (uint16_t)value;
		break;
	case VIRTIO_MMIO_REG_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DESC_HIGH:
		vq->desc_gpa =
		    with_half(vq->desc_gpa, offset == VIRTIO_MMIO_REG_QUEUE_DESC_HIGH, value);
		break;
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH:
		vq->avail_gpa =
		    with_half(vq->avail_gpa, offset == VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH, value);
		break;
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH:
		vq->used_gpa =
		    with_half(vq->used_gpa, offset == VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH, value);
		break;
	default:
		break;
	}
}

/*@ requires virtio_mmio_ok(mmio) && virtio_mmio_access_ok(mmio, acc);
    assigns mmio->device_features_sel, mmio->driver_features_sel, mmio->queue_sel,
	    mmio->interrupt_status, mmio->bad_access_log.emitted, mmio->dev->device_features,
	    mmio->dev->driver_features, mmio->dev->status, mmio->dev->config_generation,
	    mmio->dev->queues[0 .. VIRTIO_MAX_QUEUES - 1], mmio->dev->guest_error_log, acc->value;
    ensures virtio_mmio_ok(mmio); */
static void register_write(struct virtio_mmio *mmio, struct access *acc, uint64_t offset)
{
	uint32_t value = (uint32_t)acc->value;
	struct virtq *vq;

	switch (offset) {
	case VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL:
		mmio->device_features_sel = value;
		break;
	case VIRTIO_MMIO_REG_DRIVER_FEATURES:
		write_driver_features(mmio, acc, offset, value);
		break;
	case VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL:
		mmio->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_REG_QUEUE_SEL:
		mmio->queue_sel = value;
		break;
	case VIRTIO_MMIO_REG_QUEUE_NUM:
	case VIRTIO_MMIO_REG_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH:
		write_queue_config(mmio, acc, offset, value);
		break;
	case VIRTIO_MMIO_REG_QUEUE_READY:
		vq = selected_queue(mmio);
		if (vq == NULL)
			ignore_access(mmio, acc, offset, "QueueSel names no queue");
		else
			write_queue_ready(mmio, acc, offset, vq, value);
		break;
	case VIRTIO_MMIO_REG_QUEUE_NOTIFY:
		virtio_mmio_notify(mmio, value);
		break;
	case VIRTIO_MMIO_REG_INTERRUPT_ACK:
		mmio->interrupt_status &= ~value;
		break;
	case VIRTIO_MMIO_REG_STATUS:
		write_status(mmio, value);
		break;
	case VIRTIO_MMIO_REG_SHM_SEL:
		break; /* selects among no regions: every length reads -1 */
	case VIRTIO_MMIO_REG_QUEUE_RESET:
		ignore_access(mmio, acc, offset, "VIRTIO_F_RING_RESET is not offered");
		break;
	case VIRTIO_MMIO_REG_MAGIC:
	case VIRTIO_MMIO_REG_VERSION:
	case VIRTIO_MMIO_REG_DEVICE_ID:
	case VIRTIO_MMIO_REG_VENDOR_ID:
	case VIRTIO_MMIO_REG_DEVICE_FEATURES:
	case VIRTIO_MMIO_REG_QUEUE_NUM_MAX:
	case VIRTIO_MMIO_REG_INTERRUPT_STATUS:
	case VIRTIO_MMIO_REG_SHM_LEN_LOW:
	case VIRTIO_MMIO_REG_SHM_LEN_HIGH:
	case VIRTIO_MMIO_REG_SHM_BASE_LOW:
	case VIRTIO_MMIO_REG_SHM_BASE_HIGH:
	case VIRTIO_MMIO_REG_CONFIG_GENERATION:
		ignore_access(mmio, acc, offset, "read-only register");
		break;
	default:
		ignore_access(mmio, acc, offset, "no such register");
		break;
	}
}

/*@ requires virtio_mmio_ok(mmio);
    assigns mmio->dev->device_features; */
static uint32_t device_features_word(struct virtio_mmio *mmio)
{
	uint64_t features = virtio_offered_features(mmio->dev);

	switch (mmio->device_features_sel) {
	case 0:
		return (uint32_t)features;
	case 1:
		return (uint32_t)(features >> 32);
	default:
		return 0;
	}
}

/*@ requires virtio_mmio_ok(mmio) && virtio_mmio_access_ok(mmio, acc);
    assigns mmio->dev->device_features, mmio->bad_access_log.emitted, acc->value; */
static void register_read(struct virtio_mmio *mmio, struct access *acc, uint64_t offset)
{
	struct virtio_device *dev = mmio->dev;
	struct virtq *vq;

	switch (offset) {
	case VIRTIO_MMIO_REG_MAGIC:
		acc->value = VIRTIO_MMIO_MAGIC;
		break;
	case VIRTIO_MMIO_REG_VERSION:
		acc->value = VIRTIO_MMIO_VERSION;
		break;
	case VIRTIO_MMIO_REG_DEVICE_ID:
		acc->value = dev->ops->device_id;
		break;
	case VIRTIO_MMIO_REG_VENDOR_ID:
		acc->value = VIRTIO_MMIO_SVMM_VENDOR_ID;
		break;
	case VIRTIO_MMIO_REG_DEVICE_FEATURES:
		acc->value = device_features_word(mmio);
		break;
	case VIRTIO_MMIO_REG_QUEUE_NUM_MAX:
		acc->value = selected_queue(mmio) != NULL ? VIRTQ_MAX_SIZE : 0;
		break;
	case VIRTIO_MMIO_REG_QUEUE_READY:
		vq = selected_queue(mmio);
		acc->value = vq != NULL && vq->ready;
		break;
	case VIRTIO_MMIO_REG_INTERRUPT_STATUS:
		acc->value = mmio->interrupt_status;
		break;
	case VIRTIO_MMIO_REG_STATUS:
		acc->value = dev->status;
		break;
	case VIRTIO_MMIO_REG_SHM_LEN_LOW:
	case VIRTIO_MMIO_REG_SHM_LEN_HIGH:
	case VIRTIO_MMIO_REG_SHM_BASE_LOW:
	case VIRTIO_MMIO_REG_SHM_BASE_HIGH:
		acc->value = 0xffffffffu;
		break;
	case VIRTIO_MMIO_REG_QUEUE_RESET:
		acc->value = 0;
		break;
	case VIRTIO_MMIO_REG_CONFIG_GENERATION:
		acc->value = dev->config_generation;
		break;
	case VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL:
	case VIRTIO_MMIO_REG_DRIVER_FEATURES:
	case VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL:
	case VIRTIO_MMIO_REG_QUEUE_SEL:
	case VIRTIO_MMIO_REG_QUEUE_NUM:
	case VIRTIO_MMIO_REG_QUEUE_NOTIFY:
	case VIRTIO_MMIO_REG_INTERRUPT_ACK:
	case VIRTIO_MMIO_REG_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH:
	case VIRTIO_MMIO_REG_SHM_SEL:
		ignore_access(mmio, acc, offset, "write-only register");
		break;
	default:
		ignore_access(mmio, acc, offset, "no such register");
		break;
	}
}

/*@ requires virtio_mmio_ok(mmio) && virtio_mmio_access_ok(mmio, acc);
    requires VIRTIO_MMIO_REG_CONFIG <= offset < VIRTIO_MMIO_SIZE;
    assigns mmio->bad_access_log.emitted, mmio->dev->device_features, mmio->dev->driver_features,
	    mmio->dev->status, mmio->dev->config_generation,
	    mmio->dev->queues[0 .. VIRTIO_MAX_QUEUES - 1], mmio->dev->guest_error_log, acc->value;
    ensures virtio_mmio_ok(mmio); */
static void config_access(struct virtio_mmio *mmio, struct access *acc, uint64_t offset)
{
	struct virtio_device *dev = mmio->dev;
	uint32_t at = (uint32_t)(offset - VIRTIO_MMIO_REG_CONFIG);
	uint64_t mask;

	if ((acc->size != 1 && acc->size != 2 && acc->size != 4 && acc->size != 8) ||
	    offset % acc->size != 0) {
		ignore_access(mmio, acc, offset, "config space takes aligned 1, 2, 4 or 8 bytes");
		//@ assert virtio_mmio_ok(mmio);
		return;
	}
	mask = acc->size == 8 ? ~0ull : (1ull << (8u * acc->size)) - 1;
	if (acc->is_write) {
		if (virtio_config_write(dev, at, acc->size, acc->value & mask) < 0)
			ignore_access(mmio, acc, offset, "config space is read-only");
		//@ assert virtio_mmio_ok(mmio);
		return;
	}
	acc->value = virtio_config_read(dev, at, acc->size) & mask;
}

int virtio_mmio_access(void *opaque, struct access *acc, uint64_t offset)
{
	struct virtio_mmio *mmio = (struct virtio_mmio *)opaque;

	if (offset >= VIRTIO_MMIO_SIZE || acc->size > VIRTIO_MMIO_SIZE - offset) {
		ignore_access(mmio, acc, offset, "outside the register window");
		return 0;
	}
	if (offset >= VIRTIO_MMIO_REG_CONFIG) {
		config_access(mmio, acc, offset);
		return 0;
	}
	if (acc->size != 4 || offset % 4 != 0) {
		ignore_access(mmio, acc, offset, "registers take aligned 4-byte accesses");
		return 0;
	}
	if (acc->is_write)
		register_write(mmio, acc, offset);
	else
		register_read(mmio, acc, offset);
	return 0;
}

/*
 * Like every device entry point, this runs under the VM's device lock (the
 * caller takes it, as the vCPU exit path does around bus_dispatch()).
 */
void virtio_mmio_notify(struct virtio_mmio *mmio, unsigned queue)
{
	struct virtio_device *dev = mmio->dev;

	if (queue >= queue_count(dev)) {
		log_limited(&mmio_vm(mmio)->log, &mmio->bad_access_log, LOG_WARN,
			    "%s: notify for queue %u ignored: the device has %u", dev->name, queue,
			    queue_count(dev));
		return;
	}
	virtio_device_notify(dev, queue);
}

int virtio_mmio_init(struct virtio_mmio *mmio, struct virtio_device *dev, uint64_t base,
		     unsigned irq_line)
{
	static const char compatible[] = "virtio,mmio";
	struct vm *vm = dev->vm;
	struct vm_device desc = {
	    .name = "virtio_mmio",
	    .compatible = compatible,
	    .compatible_len = sizeof(compatible),
	    .base = base,
	    .size = VIRTIO_MMIO_SIZE,
	    .irq_line = (int)irq_line,
	    .flags = VM_DEVICE_DMA_COHERENT | VM_DEVICE_IRQ_EDGE,
	};
	int err;

	if (dev->ops == NULL || irq_line > (unsigned)INT32_MAX)
		return -SVMM_EINVAL;
	/* Checked first: the bus has no way to take a registration back. */
	if (vm->device_count == VM_MAX_DEVICES)
		return -SVMM_ENOSPC;
	memset(mmio, 0, sizeof(*mmio));
	mmio->dev = dev;
	mmio->base = base;
	mmio->irq_line = irq_line;
	err = bus_register(&vm->mmio, base, VIRTIO_MMIO_SIZE, virtio_mmio_access, mmio, dev->name);
	if (err < 0)
		return err;
	err = vm_add_device(vm, &desc);
	if (err < 0)
		return err;
	dev->transport = &mmio_transport_ops;
	dev->transport_ctx = mmio;
	return 0;
}
