/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the virtio-mmio transport (virtio/mmio.c, with
 * virtio/device.c and virtio/virtqueue.c behind it). The input is a
 * sequence of operations, mostly MMIO accesses (offset, size, value, read
 * or write) on the register window of a small fake device, and also a
 * driver's bring-up shortcut, requests posted on the rings, raw RAM writes,
 * device-side events (config change, failure, stray completions and
 * notifies) and interrupt handling.
 *
 * The fake device checks the transport's promises and aborts when one
 * breaks: config accesses only naturally aligned 1/2/4/8 bytes inside the
 * config window; queue_notify only for an existing queue of a live device;
 * driver_ok only after a valid FEATURES_OK. After every operation the
 * harness checks the state: a live device negotiated VERSION_1 and nothing
 * that was not offered, every ready queue has a legal size and rings in RAM,
 * InterruptStatus holds only its two bits, interrupts only go to the
 * device's line. Guest RAM is exactly sized, so AddressSanitizer catches any
 * access outside it.
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_virtio_mmio)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bus.h"
#include "core/vm.h"
#include "tests/fuzz/fake_guest.h"
#include "virtio/device.h"
#include "virtio/mmio.h"

#define MMIO_BASE   0x0a000000ull
#define IRQ	    33u
#define RAM_GPA	    0x40000000ull
#define RAM_SIZE    0x8000u
#define RING_STRIDE 0x2000u /* each queue's rings; a 256-entry ring takes 6.7 KiB */
#define NUM_QUEUES  3u
#define CONFIG_SIZE 24u
#define MAX_OPS	    512
#define MAX_BUFS    4

#define DEVICE_FEATURES (1ull << 0 | 1ull << 5 | 1ull << 40)
#define CORE_FEATURES                                                                              \
	(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_INDIRECT_DESC | 1ull << VIRTIO_F_EVENT_IDX)

#define R_STATUS       0x070
#define R_INT_STATUS   0x060
#define R_INT_ACK      0x064
#define R_QUEUE_SEL    0x030
#define R_QUEUE_NUM    0x038
#define R_QUEUE_READY  0x044
#define R_QUEUE_NOTIFY 0x050
#define R_DRV_FEAT     0x020
#define R_DRV_FEAT_SEL 0x024
#define R_DESC_LO      0x080
#define R_AVAIL_LO     0x090
#define R_USED_LO      0x0a0

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_virtio_mmio: %s:%d: check failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct fake_dev {
	struct virtio_device dev; /* first: the ops get this pointer */
	uint8_t config[CONFIG_SIZE];
	struct virtq_chain chain;
	uint8_t buf[64];
};

struct harness {
	struct vm vm;
	struct fake_guest g;
	struct fake_irq irq;
	struct fake_log log;
	struct fake_dev fd;
	struct virtio_mmio mmio;
	struct fake_ring rings[NUM_QUEUES];
	bool ring_known[NUM_QUEUES];
};

/* ---- the fake device: checks what the transport hands it ---- */

static void check_config_access(uint32_t offset, uint8_t size)
{
	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	CHECK(offset % size == 0);
	CHECK(offset + size <= VIRTIO_MMIO_SIZE - 0x100);
}

static uint64_t fd_features(struct virtio_device *dev)
{
	(void)dev;
	return DEVICE_FEATURES;
}

static void fd_config_read(struct virtio_device *dev, uint32_t offset, uint8_t size,
			   uint64_t *value)
{
	struct fake_dev *fd = (struct fake_dev *)dev;

	check_config_access(offset, size);
	*value = 0;
	for (unsigned i = 0; i < size && offset + i < CONFIG_SIZE; i++)
		*value |= (uint64_t)fd->config[offset + i] << (8 * i);
}

static void fd_config_write(struct virtio_device *dev, uint32_t offset, uint8_t size,
			    uint64_t value)
{
	struct fake_dev *fd = (struct fake_dev *)dev;

	check_config_access(offset, size);
	for (unsigned i = 0; i < size && offset + i < CONFIG_SIZE; i++)
		fd->config[offset + i] = (uint8_t)(value >> (8 * i));
}

/* Serves a queue the way the real devices do: empty, publish avail_event, look again. */
static void fd_process(struct fake_dev *fd, unsigned queue)
{
	struct virtio_device *dev = &fd->dev;
	struct virtq *vq = &dev->queues[queue];
	bool rechecked = false;

	if (!vq->ready)
		return;
	/*
	 * Bounded: the device's own writes may land on avail->idx (a guest can
	 * point buffers at its rings) and keep the queue from ever looking empty.
	 */
	for (unsigned round = 0; round < 4 * VIRTQ_MAX_SIZE; round++) {
		int err = virtq_next_chain(vq, &fd->chain);
		size_t n;

		if (err == 0 && !rechecked) {
			virtq_publish_avail_event(vq);
			rechecked = true;
			continue;
		}
		if (err == 0)
			return;
		if (err < 0) {
			virtio_device_fail(dev, queue, -err);
			return;
		}
		rechecked = false;
		n = fd->chain.readable_len < sizeof(fd->buf) ? (size_t)fd->chain.readable_len
							     : sizeof(fd->buf);
		CHECK(virtq_chain_read(vq, &fd->chain, 0, fd->buf, n) == 0);
		n = fd->chain.writable_len < sizeof(fd->buf) ? (size_t)fd->chain.writable_len
							     : sizeof(fd->buf);
		CHECK(virtq_chain_write(vq, &fd->chain, 0, fd->buf, n) == 0);
		virtio_complete(dev, queue, fd->chain.head, (uint32_t)n);
	}
}

static void fd_queue_notify(struct virtio_device *dev, unsigned queue)
{
	CHECK(queue < NUM_QUEUES);
	CHECK(virtio_device_live(dev));
	fd_process((struct fake_dev *)dev, queue);
}

static void fd_driver_ok(struct virtio_device *dev)
{
	CHECK(dev->status & VIRTIO_STATUS_FEATURES_OK);
	CHECK(dev->status & VIRTIO_STATUS_DRIVER_OK);
	CHECK(virtio_has_feature(dev, VIRTIO_F_VERSION_1));
	CHECK((dev->driver_features & ~(DEVICE_FEATURES | CORE_FEATURES)) == 0);
	for (unsigned q = 0; q < NUM_QUEUES && virtio_device_live(dev); q++)
		fd_process((struct fake_dev *)dev, q);
}

static void fd_reset(struct virtio_device *dev)
{
	(void)dev;
}

static const struct virtio_device_ops fd_ops = {
    .device_id = VIRTIO_ID_RNG,
    .num_queues = NUM_QUEUES,
    .features = fd_features,
    .config_read = fd_config_read,
    .config_write = fd_config_write,
    .queue_notify = fd_queue_notify,
    .driver_ok = fd_driver_ok,
    .reset = fd_reset,
};

/* ---- the driver's side ---- */

static int mmio(struct harness *h, uint64_t offset, uint8_t size, bool is_write, uint64_t *value)
{
	struct access acc = {
	    .gpa = MMIO_BASE + offset, .size = size, .is_write = is_write, .value = *value};
	int err = bus_dispatch(&h->vm.mmio, &acc);

	*value = acc.value;
	return err;
}

static uint32_t reg_read(struct harness *h, uint64_t offset)
{
	uint64_t value = 0;

	CHECK(mmio(h, offset, 4, false, &value) == 0);
	return (uint32_t)value;
}

static void reg_write(struct harness *h, uint64_t offset, uint32_t value)
{
	uint64_t v = value;

	CHECK(mmio(h, offset, 4, true, &v) == 0);
}

static void check_state(struct harness *h)
{
	const struct virtio_device *dev = &h->fd.dev;

	CHECK((h->mmio.interrupt_status & ~3u) == 0);
	CHECK(h->irq.total_pulses == h->irq.pulses[IRQ]);
	if (virtio_device_live(dev)) {
		CHECK(dev->status & VIRTIO_STATUS_FEATURES_OK);
		CHECK(virtio_has_feature(dev, VIRTIO_F_VERSION_1));
	}
	if (dev->status & VIRTIO_STATUS_FEATURES_OK)
		CHECK((dev->driver_features & ~(DEVICE_FEATURES | CORE_FEATURES)) == 0);
	if (dev->status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED))
		CHECK(!virtio_device_live(dev));
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		const struct virtq *vq = &dev->queues[q];

		if (!vq->ready)
			continue;
		CHECK(q < NUM_QUEUES);
		CHECK(vq->size != 0 && vq->size <= VIRTQ_MAX_SIZE &&
		      (vq->size & (vq->size - 1)) == 0);
		CHECK(fake_guest_ptr(&h->g, vq->desc_gpa, 16u * vq->size) != NULL);
		CHECK(fake_guest_ptr(&h->g, vq->avail_gpa, 6u + 2u * vq->size) != NULL);
		CHECK(fake_guest_ptr(&h->g, vq->used_gpa, 6u + 8u * vq->size) != NULL);
	}
	CHECK(h->vm.device_count == 1);
}

/* One access anywhere in the window, of any size; some plain checks on the answer. */
static void op_access(struct harness *h, struct fuzz_input *in)
{
	static const uint8_t sizes[8] = {4, 4, 4, 4, 1, 2, 8, 3};
	uint8_t kind = fuzz_take8(in), size = sizes[fuzz_take8(in) % 8];
	uint64_t offset, value;
	bool is_write = fuzz_take8(in) & 1;
	int err;

	if (kind < 160)
		offset = 4u * (fuzz_take8(in) % 0x40u); /* a register */
	else if (kind < 220)
		offset = 0x100u + fuzz_take8(in); /* config space */
	else
		offset = fuzz_take16(in) % VIRTIO_MMIO_SIZE;
	value = fuzz_take32(in);
	if (size == 8)
		value |= (uint64_t)fuzz_take32(in) << 32;
	err = mmio(h, offset, size, is_write, &value);
	if (offset + size > VIRTIO_MMIO_SIZE) {
		CHECK(err < 0); /* the bus refuses it before the device sees it */
		return;
	}
	CHECK(err == 0);
	if (!is_write && size < 8)
		CHECK(value >> (8 * size) == 0);
	if (!is_write && offset == 0 && size == 4)
		CHECK(value == 0x74726976);
	if (is_write && offset == R_STATUS && size == 4 && (uint32_t)value == 0) {
		CHECK(h->fd.dev.status == 0 && h->mmio.interrupt_status == 0);
		for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
			CHECK(!h->fd.dev.queues[q].ready);
	}
}

/* A driver's whole bring-up through the registers, with features and sizes from the input. */
static void op_bring_up(struct harness *h, struct fuzz_input *in)
{
	uint8_t how = fuzz_take8(in);
	uint64_t features = how & 1 ? fuzz_take64(in) : DEVICE_FEATURES | CORE_FEATURES;

	reg_write(h, R_STATUS, 0);
	reg_write(h, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	reg_write(h, R_DRV_FEAT_SEL, 0);
	reg_write(h, R_DRV_FEAT, (uint32_t)features);
	reg_write(h, R_DRV_FEAT_SEL, 1);
	reg_write(h, R_DRV_FEAT, (uint32_t)(features >> 32));
	reg_write(h, R_STATUS,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	for (unsigned q = 0; q < NUM_QUEUES; q++) {
		struct fake_ring *r = &h->rings[q];
		uint16_t size = (uint16_t)(1u << (fuzz_take8(in) % 9));

		fake_ring_init(r, &h->g, size, RAM_GPA + q * RING_STRIDE);
		reg_write(h, R_QUEUE_SEL, q);
		reg_write(h, R_QUEUE_NUM, size);
		reg_write(h, R_DESC_LO, (uint32_t)r->desc);
		reg_write(h, R_DESC_LO + 4, (uint32_t)(r->desc >> 32));
		reg_write(h, R_AVAIL_LO, (uint32_t)r->avail);
		reg_write(h, R_AVAIL_LO + 4, (uint32_t)(r->avail >> 32));
		reg_write(h, R_USED_LO, (uint32_t)r->used);
		reg_write(h, R_USED_LO + 4, (uint32_t)(r->used >> 32));
		reg_write(h, R_QUEUE_READY, 1);
		h->ring_known[q] = reg_read(h, R_QUEUE_READY) == 1;
	}
	if (!(how & 2))
		reg_write(h, R_STATUS,
			  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			      VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static void op_post(struct harness *h, struct fuzz_input *in)
{
	unsigned q = fuzz_take8(in) % NUM_QUEUES, n = 1 + fuzz_take8(in) % MAX_BUFS;
	uint8_t how = fuzz_take8(in);
	struct fake_buf bufs[MAX_BUFS];

	for (unsigned i = 0; i < n; i++) {
		bufs[i].gpa = RAM_GPA + fuzz_take16(in) % RAM_SIZE;
		bufs[i].len = fuzz_take8(in) * (1u + (how >> 4));
		bufs[i].device_writes = (fuzz_take8(in) & 1) != 0;
	}
	if (!h->ring_known[q])
		return;
	if (how & 1)
		fake_ring_post_indirect(&h->rings[q],
					RAM_GPA + 3 * RING_STRIDE + 16u * fuzz_take8(in), bufs, n);
	else
		fake_ring_post(&h->rings[q], bufs, n);
	if (how & 2)
		reg_write(h, R_QUEUE_NOTIFY, q);
}

static void op_device_event(struct harness *h, struct fuzz_input *in)
{
	struct virtio_device *dev = &h->fd.dev;

	switch (fuzz_take8(in) % 4) {
	case 0:
		virtio_config_changed(dev);
		break;
	case 1:
		virtio_device_fail(dev, fuzz_take8(in) % NUM_QUEUES, fuzz_take8(in) % 12);
		break;
	case 2: /* a completion the device should not make: hostile to the driver, not to us */
		virtio_complete(dev, fuzz_take8(in) % (VIRTIO_MAX_QUEUES + 2), fuzz_take16(in),
				fuzz_take32(in));
		break;
	default:
		virtio_mmio_notify(&h->mmio, fuzz_take32(in) % (NUM_QUEUES + 3));
		break;
	}
}

/* What a driver's interrupt handler does: read the reason, acknowledge, take used entries. */
static void op_interrupt(struct harness *h)
{
	uint32_t status = reg_read(h, R_INT_STATUS), id, len;

	reg_write(h, R_INT_ACK, status);
	CHECK(reg_read(h, R_INT_STATUS) == 0);
	for (unsigned q = 0; q < NUM_QUEUES && h->ring_known[q]; q++)
		for (unsigned i = 0; i < h->rings[q].size; i++)
			if (!fake_ring_pop_used(&h->rings[q], &id, &len))
				break;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {.data = data, .size = size};
	struct harness *h = calloc(1, sizeof(*h));
	struct log_sink sink;

	if (h == NULL)
		return 0;
	sink = fake_log_sink(&h->log);
	vm_init(&h->vm, "fuzz", &sink);
	fake_irq_attach(&h->irq, &h->vm);
	if (fake_guest_init(&h->g, &h->vm.mem, RAM_GPA, RAM_SIZE) < 0)
		goto out;
	virtio_device_init(&h->fd.dev, &fd_ops, &h->vm, "virtio-fuzz0");
	for (unsigned i = 0; i < CONFIG_SIZE; i++)
		h->fd.config[i] = (uint8_t)(0x40 + i);
	CHECK(virtio_mmio_init(&h->mmio, &h->fd.dev, MMIO_BASE, IRQ) == 0);
	for (unsigned ops = 0; ops < MAX_OPS && fuzz_input_left(&in); ops++) {
		uint8_t op = fuzz_take8(&in);

		switch (op % 10) {
		case 0:
		case 1:
		case 2:
		case 3:
			op_access(h, &in);
			break;
		case 4:
			op_bring_up(h, &in);
			break;
		case 5:
		case 6:
			op_post(h, &in);
			break;
		case 7: { /* raw bytes anywhere in RAM, rings included */
			uint32_t off = fuzz_take16(&in) % RAM_SIZE;
			size_t got;
			const uint8_t *src = fuzz_take_bytes(&in, fuzz_take8(&in), &got);

			fake_guest_write(&h->g, RAM_GPA + off, src,
					 got < RAM_SIZE - off ? got : RAM_SIZE - off);
			break;
		}
		case 8:
			op_device_event(h, &in);
			break;
		default:
			op_interrupt(h);
			break;
		}
		check_state(h);
	}
out:
	fake_guest_free(&h->g);
	free(h);
	return 0;
}
