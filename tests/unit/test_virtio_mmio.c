/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport with a trivial device whose ops record every
 * call, on a VM with a fake interrupt controller: registers, feature
 * negotiation, the status machine, queue set-up, notifies, interrupts,
 * config space, and accesses a driver must not make.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/bus.h"
#include "core/errors.h"
#include "core/vm.h"
#include "tests/fuzz/fake_guest.h"
#include "virtio/device.h"
#include "virtio/mmio.h"

#define MMIO_BASE 0x0a000000ull
#define IRQ	  48u
#define RAM_GPA	  0x40000000ull
#define RAM_SIZE  0x10000ull
#define QSIZE	  16
#define BUF_GPA	  (RAM_GPA + 0x8000)

/* Register offsets (virtio 1.2, 4.2.2). */
#define R_MAGIC		 0x000
#define R_VERSION	 0x004
#define R_DEVICE_ID	 0x008
#define R_VENDOR_ID	 0x00c
#define R_DEV_FEAT	 0x010
#define R_DEV_FEAT_SEL	 0x014
#define R_DRV_FEAT	 0x020
#define R_DRV_FEAT_SEL	 0x024
#define R_QUEUE_SEL	 0x030
#define R_QUEUE_NUM_MAX	 0x034
#define R_QUEUE_NUM	 0x038
#define R_QUEUE_READY	 0x044
#define R_QUEUE_NOTIFY	 0x050
#define R_INT_STATUS	 0x060
#define R_INT_ACK	 0x064
#define R_STATUS	 0x070
#define R_DESC_LO	 0x080
#define R_DESC_HI	 0x084
#define R_AVAIL_LO	 0x090
#define R_AVAIL_HI	 0x094
#define R_USED_LO	 0x0a0
#define R_USED_HI	 0x0a4
#define R_SHM_SEL	 0x0ac
#define R_SHM_LEN_LO	 0x0b0
#define R_SHM_LEN_HI	 0x0b4
#define R_QUEUE_RESET	 0x0c0
#define R_CONFIG_GEN	 0x0fc
#define R_CONFIG	 0x100
#define TEST_DEVICE_ID	 42u
#define TEST_NUM_QUEUES	 2u
#define TEST_CONFIG_SIZE 16u

/* The device's own features: one low bit and one high bit. */
#define TEST_FEATURES (1ull << 3 | 1ull << 35)

#define STATUS_NEGOTIATED                                                                          \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK)

struct test_device {
	struct virtio_device dev; /* first: the ops get this pointer */
	uint8_t config[TEST_CONFIG_SIZE];
	unsigned notifies[VIRTIO_MAX_QUEUES];
	unsigned driver_ok_calls, reset_calls, config_writes, config_reads;
	uint32_t last_config_offset;
	uint8_t last_config_size;
	uint64_t last_config_value;
	struct virtq_chain chain;
};

struct fixture {
	struct vm vm;
	struct fake_guest g;
	struct fake_irq irq;
	struct fake_log log;
	struct test_device td;
	struct virtio_mmio mmio;
	struct fake_ring rings[TEST_NUM_QUEUES];
};

/* ---- the fake device ---- */

static struct test_device *td_from(struct virtio_device *dev)
{
	return (struct test_device *)dev;
}

static uint64_t td_features(struct virtio_device *dev)
{
	(void)dev;
	return TEST_FEATURES;
}

static void td_config_read(struct virtio_device *dev, uint32_t offset, uint8_t size,
			   uint64_t *value)
{
	struct test_device *td = td_from(dev);

	td->config_reads++;
	td->last_config_offset = offset;
	td->last_config_size = size;
	*value = 0;
	for (unsigned i = 0; i < size && offset + i < TEST_CONFIG_SIZE; i++)
		*value |= (uint64_t)td->config[offset + i] << (8 * i);
}

static void td_config_write(struct virtio_device *dev, uint32_t offset, uint8_t size,
			    uint64_t value)
{
	struct test_device *td = td_from(dev);

	td->config_writes++;
	td->last_config_offset = offset;
	td->last_config_size = size;
	td->last_config_value = value;
}

/* Answers every request with 0 bytes written, as a minimal device does. */
static void td_queue_notify(struct virtio_device *dev, unsigned queue)
{
	struct test_device *td = td_from(dev);
	int err;

	td->notifies[queue]++;
	while ((err = virtq_next_chain(&dev->queues[queue], &td->chain)) > 0)
		virtio_complete(dev, queue, td->chain.head, 0);
	if (err < 0)
		virtio_device_fail(dev, queue, -err);
	else
		virtq_publish_avail_event(&dev->queues[queue]);
}

static void td_driver_ok(struct virtio_device *dev)
{
	td_from(dev)->driver_ok_calls++;
}

static void td_reset(struct virtio_device *dev)
{
	td_from(dev)->reset_calls++;
}

static const struct virtio_device_ops td_ops = {
    .device_id = TEST_DEVICE_ID,
    .num_queues = TEST_NUM_QUEUES,
    .features = td_features,
    .config_read = td_config_read,
    .config_write = td_config_write,
    .queue_notify = td_queue_notify,
    .driver_ok = td_driver_ok,
    .reset = td_reset,
};

/* ---- registers ---- */

static uint64_t mmio_access(struct fixture *f, uint64_t offset, uint8_t size, bool is_write,
			    uint64_t value)
{
	struct access acc = {
	    .gpa = MMIO_BASE + offset, .size = size, .is_write = is_write, .value = value};

	assert_int_equal(bus_dispatch(&f->vm.mmio, &acc), 0);
	return acc.value;
}

static uint32_t reg_read(struct fixture *f, uint64_t offset)
{
	return (uint32_t)mmio_access(f, offset, 4, false, 0xdeadbeef);
}

static void reg_write(struct fixture *f, uint64_t offset, uint32_t value)
{
	mmio_access(f, offset, 4, true, value);
}

static void write_driver_features(struct fixture *f, uint64_t features)
{
	reg_write(f, R_DRV_FEAT_SEL, 0);
	reg_write(f, R_DRV_FEAT, (uint32_t)features);
	reg_write(f, R_DRV_FEAT_SEL, 1);
	reg_write(f, R_DRV_FEAT, (uint32_t)(features >> 32));
}

/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK: whether FEATURES_OK stuck. */
static bool negotiate(struct fixture *f, uint64_t features)
{
	reg_write(f, R_STATUS, 0);
	reg_write(f, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	reg_write(f, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	write_driver_features(f, features);
	reg_write(f, R_STATUS, STATUS_NEGOTIATED);
	return (reg_read(f, R_STATUS) & VIRTIO_STATUS_FEATURES_OK) != 0;
}

static void setup_queue_regs(struct fixture *f, unsigned q, uint64_t desc, uint64_t avail,
			     uint64_t used, uint32_t size)
{
	reg_write(f, R_QUEUE_SEL, q);
	reg_write(f, R_QUEUE_NUM, size);
	reg_write(f, R_DESC_LO, (uint32_t)desc);
	reg_write(f, R_DESC_HI, (uint32_t)(desc >> 32));
	reg_write(f, R_AVAIL_LO, (uint32_t)avail);
	reg_write(f, R_AVAIL_HI, (uint32_t)(avail >> 32));
	reg_write(f, R_USED_LO, (uint32_t)used);
	reg_write(f, R_USED_HI, (uint32_t)(used >> 32));
}

/* Lays out queue q's ring in RAM and hands it to the device: whether it became ready. */
static bool ring_setup(struct fixture *f, unsigned q)
{
	struct fake_ring *r = &f->rings[q];

	fake_ring_init(r, &f->g, QSIZE, RAM_GPA + 0x1000 * q);
	setup_queue_regs(f, q, r->desc, r->avail, r->used, QSIZE);
	reg_write(f, R_QUEUE_READY, 1);
	return reg_read(f, R_QUEUE_READY) == 1;
}

/* A driver that accepts everything offered, sets up both queues and DRIVER_OK. */
static void bring_up(struct fixture *f)
{
	assert_true(negotiate(f, TEST_FEATURES | 1ull << VIRTIO_F_VERSION_1 |
				     1ull << VIRTIO_F_EVENT_IDX | 1ull << VIRTIO_F_INDIRECT_DESC));
	for (unsigned q = 0; q < TEST_NUM_QUEUES; q++)
		assert_true(ring_setup(f, q));
	reg_write(f, R_STATUS, STATUS_NEGOTIATED | VIRTIO_STATUS_DRIVER_OK);
	assert_true(virtio_device_live(&f->td.dev));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct log_sink sink;

	assert_non_null(f);
	sink = fake_log_sink(&f->log);
	vm_init(&f->vm, "test", &sink);
	fake_irq_attach(&f->irq, &f->vm);
	assert_int_equal(fake_guest_init(&f->g, &f->vm.mem, RAM_GPA, RAM_SIZE), 0);
	virtio_device_init(&f->td.dev, &td_ops, &f->vm, "virtio-test0");
	for (unsigned i = 0; i < TEST_CONFIG_SIZE; i++)
		f->td.config[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(virtio_mmio_init(&f->mmio, &f->td.dev, MMIO_BASE, IRQ), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fake_guest_free(&f->g);
	free(f);
	return 0;
}

/* ---- tests ---- */

static void test_init_describes_device(void **state)
{
	struct fixture *f = *state;
	const struct bus_range *range = bus_find(&f->vm.mmio, MMIO_BASE + 0x1ff);
	const struct vm_device *d = &f->vm.devices[0];

	assert_non_null(range);
	assert_int_equal(range->base, MMIO_BASE);
	assert_int_equal(range->size, VIRTIO_MMIO_SIZE);
	assert_string_equal(range->name, "virtio-test0");
	assert_null(bus_find(&f->vm.mmio, MMIO_BASE + VIRTIO_MMIO_SIZE));
	assert_int_equal(f->vm.device_count, 1);
	assert_string_equal(d->name, "virtio_mmio");
	assert_int_equal(d->compatible_len, sizeof("virtio,mmio"));
	assert_memory_equal(d->compatible, "virtio,mmio", sizeof("virtio,mmio"));
	assert_int_equal(d->base, MMIO_BASE);
	assert_int_equal(d->size, VIRTIO_MMIO_SIZE);
	assert_int_equal(d->irq_line, IRQ);
	assert_int_equal(d->flags, VM_DEVICE_DMA_COHERENT | VM_DEVICE_IRQ_EDGE);
	assert_ptr_equal(f->td.dev.transport_ctx, &f->mmio);
	assert_non_null(f->td.dev.transport);
}

static void test_init_errors(void **state)
{
	struct fixture *f = *state;
	struct test_device *other = calloc(1, sizeof(*other));
	struct virtio_mmio *mmio = calloc(1, sizeof(*mmio));

	assert_non_null(other);
	assert_non_null(mmio);
	virtio_device_init(&other->dev, &td_ops, &f->vm, "virtio-test1");
	/* Overlapping the first window. */
	assert_int_equal(virtio_mmio_init(mmio, &other->dev, MMIO_BASE + 0x100, IRQ + 1),
			 -SVMM_EEXIST);
	assert_int_equal(f->vm.device_count, 1);
	/* No room left in the device table: nothing registered on the bus either. */
	f->vm.device_count = VM_MAX_DEVICES;
	assert_int_equal(virtio_mmio_init(mmio, &other->dev, MMIO_BASE + 0x1000, IRQ + 1),
			 -SVMM_ENOSPC);
	assert_null(bus_find(&f->vm.mmio, MMIO_BASE + 0x1000));
	free(mmio);
	free(other);
}

static void test_identity(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(reg_read(f, R_MAGIC), 0x74726976);
	assert_int_equal(reg_read(f, R_VERSION), 2);
	assert_int_equal(reg_read(f, R_DEVICE_ID), TEST_DEVICE_ID);
	assert_int_equal(reg_read(f, R_VENDOR_ID), 0x4d4d5653);
	assert_int_equal(reg_read(f, R_STATUS), 0);
	assert_int_equal(reg_read(f, R_INT_STATUS), 0);
	assert_int_equal(reg_read(f, R_CONFIG_GEN), 0);
	assert_int_equal(f->log.count, 0);
}

static void test_device_features(void **state)
{
	struct fixture *f = *state;
	uint64_t expected = TEST_FEATURES | 1ull << VIRTIO_F_VERSION_1 |
			    1ull << VIRTIO_F_INDIRECT_DESC | 1ull << VIRTIO_F_EVENT_IDX;

	reg_write(f, R_DEV_FEAT_SEL, 0);
	assert_int_equal(reg_read(f, R_DEV_FEAT), (uint32_t)expected);
	reg_write(f, R_DEV_FEAT_SEL, 1);
	assert_int_equal(reg_read(f, R_DEV_FEAT), (uint32_t)(expected >> 32));
	reg_write(f, R_DEV_FEAT_SEL, 2);
	assert_int_equal(reg_read(f, R_DEV_FEAT), 0);
	reg_write(f, R_DEV_FEAT_SEL, 0xffffffff);
	assert_int_equal(reg_read(f, R_DEV_FEAT), 0);
	assert_int_equal(f->td.dev.device_features, expected);
}

static void test_feature_negotiation(void **state)
{
	struct fixture *f = *state;
	uint64_t accepted = 1ull << 3 | 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_EVENT_IDX;

	assert_true(negotiate(f, accepted));
	assert_int_equal(f->td.dev.driver_features, accepted);
	assert_true(virtio_has_feature(&f->td.dev, 3));
	assert_false(virtio_has_feature(&f->td.dev, 35));
	assert_false(virtio_has_feature(&f->td.dev, 64));
	assert_int_equal(f->log.count, 0);
	/* Once FEATURES_OK is set, the features are fixed. */
	reg_write(f, R_DRV_FEAT_SEL, 0);
	reg_write(f, R_DRV_FEAT, 0);
	assert_int_equal(f->td.dev.driver_features, accepted);
	assert_int_equal(f->log.count, 1);
}

static void test_legacy_driver_refused(void **state)
{
	struct fixture *f = *state;

	/* Everything but VERSION_1. */
	assert_false(negotiate(f, TEST_FEATURES | 1ull << VIRTIO_F_EVENT_IDX));
	assert_int_equal(reg_read(f, R_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	assert_int_equal(f->log.count, 1);
	/* Nor can it go live without FEATURES_OK. */
	reg_write(f, R_STATUS,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	assert_false(reg_read(f, R_STATUS) & VIRTIO_STATUS_DRIVER_OK);
	assert_false(virtio_device_live(&f->td.dev));
	assert_int_equal(f->td.driver_ok_calls, 0);
	/* Trying again with VERSION_1 works. */
	write_driver_features(f, 1ull << VIRTIO_F_VERSION_1);
	reg_write(f, R_STATUS, STATUS_NEGOTIATED);
	assert_int_equal(reg_read(f, R_STATUS), STATUS_NEGOTIATED);
}

static void test_unknown_features_refused(void **state)
{
	struct fixture *f = *state;

	/* Bit 4 is not offered (bit 3 is). */
	assert_false(negotiate(f, 1ull << 4 | 1ull << VIRTIO_F_VERSION_1));
	/* Nor is VIRTIO_F_ACCESS_PLATFORM, or anything high. */
	assert_false(negotiate(f, 1ull << VIRTIO_F_ACCESS_PLATFORM | 1ull << VIRTIO_F_VERSION_1));
	assert_false(negotiate(f, 1ull << 63 | 1ull << VIRTIO_F_VERSION_1));
	/* Bits above 63 cannot be accepted at all: the write is ignored. */
	reg_write(f, R_STATUS, 0);
	reg_write(f, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	write_driver_features(f, 1ull << VIRTIO_F_VERSION_1);
	reg_write(f, R_DRV_FEAT_SEL, 2);
	reg_write(f, R_DRV_FEAT, 1);
	reg_write(f, R_STATUS, STATUS_NEGOTIATED);
	assert_int_equal(reg_read(f, R_STATUS), STATUS_NEGOTIATED);
	assert_int_equal(f->td.dev.driver_features, 1ull << VIRTIO_F_VERSION_1);
}

static void test_status_machine(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	assert_int_equal(f->td.driver_ok_calls, 1);
	assert_int_equal(reg_read(f, R_STATUS), STATUS_NEGOTIATED | VIRTIO_STATUS_DRIVER_OK);
	/* Writing DRIVER_OK again does not start the device twice. */
	reg_write(f, R_STATUS, STATUS_NEGOTIATED | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(f->td.driver_ok_calls, 1);
	/* A driver cannot clear bits (only a reset can), nor set NEEDS_RESET. */
	reg_write(f, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(reg_read(f, R_STATUS), STATUS_NEGOTIATED | VIRTIO_STATUS_DRIVER_OK);
	/* FAILED is the driver's to set. */
	reg_write(f, R_STATUS, STATUS_NEGOTIATED | VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FAILED);
	assert_false(virtio_device_live(&f->td.dev));
}

static void test_reset(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	virtio_config_changed(&f->td.dev);
	reg_write(f, R_DEV_FEAT_SEL, 1);
	assert_int_not_equal(reg_read(f, R_INT_STATUS), 0);
	f->td.reset_calls = 0;
	reg_write(f, R_STATUS, 0);
	assert_int_equal(f->td.reset_calls, 1);
	assert_int_equal(reg_read(f, R_STATUS), 0);
	assert_int_equal(reg_read(f, R_INT_STATUS), 0);
	assert_int_equal(f->td.dev.driver_features, 0);
	assert_false(virtio_device_live(&f->td.dev));
	for (unsigned q = 0; q < TEST_NUM_QUEUES; q++) {
		reg_write(f, R_QUEUE_SEL, q);
		assert_int_equal(reg_read(f, R_QUEUE_READY), 0);
		assert_false(f->td.dev.queues[q].ready);
		assert_int_equal(f->td.dev.queues[q].size, 0);
	}
	/* Selectors are back to 0: DeviceFeatures shows the low word again. */
	assert_int_equal(reg_read(f, R_DEV_FEAT) & 1u << VIRTIO_F_EVENT_IDX,
			 1u << VIRTIO_F_EVENT_IDX);
	/* And the device comes up again. */
	bring_up(f);
	assert_int_equal(f->td.driver_ok_calls, 2);
}

static void test_queue_setup(void **state)
{
	struct fixture *f = *state;
	struct virtq *vq = &f->td.dev.queues[1];

	assert_true(negotiate(f, 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_EVENT_IDX));
	for (unsigned q = 0; q < TEST_NUM_QUEUES; q++) {
		reg_write(f, R_QUEUE_SEL, q);
		assert_int_equal(reg_read(f, R_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
		assert_int_equal(reg_read(f, R_QUEUE_READY), 0);
	}
	/* No queue 2: QueueNumMax 0, and its registers go nowhere. */
	reg_write(f, R_QUEUE_SEL, TEST_NUM_QUEUES);
	assert_int_equal(reg_read(f, R_QUEUE_NUM_MAX), 0);
	reg_write(f, R_QUEUE_NUM, 8);
	reg_write(f, R_QUEUE_READY, 1);
	assert_int_equal(reg_read(f, R_QUEUE_READY), 0);

	assert_true(ring_setup(f, 1));
	assert_true(vq->ready);
	assert_int_equal(vq->size, QSIZE);
	assert_int_equal(vq->desc_gpa, f->rings[1].desc);
	assert_int_equal(vq->avail_gpa, f->rings[1].avail);
	assert_int_equal(vq->used_gpa, f->rings[1].used);
	assert_true(vq->event_idx);
	assert_false(vq->indirect);
	assert_false(f->td.dev.queues[0].ready);
	/* An enabled queue's registers are fixed. */
	reg_write(f, R_QUEUE_NUM, 4);
	reg_write(f, R_DESC_LO, 0x1000);
	assert_int_equal(vq->size, QSIZE);
	assert_int_equal(vq->desc_gpa, f->rings[1].desc);
	/* The driver may take a queue back (and then change it). */
	reg_write(f, R_QUEUE_READY, 0);
	assert_int_equal(reg_read(f, R_QUEUE_READY), 0);
	assert_false(vq->ready);
	reg_write(f, R_QUEUE_NUM, 4);
	assert_int_equal(vq->size, 4);
}

/* 64-bit ring addresses: both halves land. */
static void test_queue_high_addresses(void **state)
{
	struct fixture *f = *state;
	struct virtq *vq = &f->td.dev.queues[0];

	assert_true(negotiate(f, 1ull << VIRTIO_F_VERSION_1));
	setup_queue_regs(f, 0, 0x123456789a0ull, 0x223456789a2ull, 0x323456789a4ull, QSIZE);
	assert_int_equal(vq->desc_gpa, 0x123456789a0ull);
	assert_int_equal(vq->avail_gpa, 0x223456789a2ull);
	assert_int_equal(vq->used_gpa, 0x323456789a4ull);
	/* Not in RAM: the queue stays disabled, and that is logged. */
	reg_write(f, R_QUEUE_READY, 1);
	assert_int_equal(reg_read(f, R_QUEUE_READY), 0);
	assert_false(vq->ready);
	assert_int_equal(f->log.count, 1);
}

static void test_queue_ready_bad_rings(void **state)
{
	struct fixture *f = *state;

	assert_true(negotiate(f, 1ull << VIRTIO_F_VERSION_1));
	/* Used ring past the end of RAM. */
	setup_queue_regs(f, 0, RAM_GPA, RAM_GPA + 0x1000, RAM_GPA + RAM_SIZE - 8, QSIZE);
	reg_write(f, R_QUEUE_READY, 1);
	assert_int_equal(reg_read(f, R_QUEUE_READY), 0);
	/* Size not a power of two, then too large. */
	setup_queue_regs(f, 0, RAM_GPA, RAM_GPA + 0x1000, RAM_GPA + 0x2000, 12);
	reg_write(f, R_QUEUE_READY, 1);
	assert_int_equal(reg_read(f, R_QUEUE_READY), 0);
	reg_write(f, R_QUEUE_NUM, VIRTQ_MAX_SIZE * 2);
	reg_write(f, R_QUEUE_READY, 1);
	assert_int_equal(reg_read(f, R_QUEUE_READY), 0);
	reg_write(f, R_QUEUE_NUM, 0x10004);
	reg_write(f, R_QUEUE_READY, 1);
	assert_int_equal(reg_read(f, R_QUEUE_READY), 0);
	/* Zero: never set. */
	reg_write(f, R_QUEUE_NUM, 0);
	reg_write(f, R_QUEUE_READY, 1);
	assert_int_equal(reg_read(f, R_QUEUE_READY), 0);
	assert_true(f->log.count >= 5);
}

static void test_queue_before_features_ok(void **state)
{
	struct fixture *f = *state;

	reg_write(f, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	fake_ring_init(&f->rings[0], &f->g, QSIZE, RAM_GPA);
	setup_queue_regs(f, 0, f->rings[0].desc, f->rings[0].avail, f->rings[0].used, QSIZE);
	reg_write(f, R_QUEUE_READY, 1);
	assert_int_equal(reg_read(f, R_QUEUE_READY), 0);
	assert_int_equal(f->log.count, 1);
}

static void test_notify_only_when_live(void **state)
{
	struct fixture *f = *state;

	assert_true(negotiate(f, 1ull << VIRTIO_F_VERSION_1));
	assert_true(ring_setup(f, 0));
	assert_true(ring_setup(f, 1));
	/* Queues ready, but no DRIVER_OK yet. */
	reg_write(f, R_QUEUE_NOTIFY, 0);
	virtio_mmio_notify(&f->mmio, 1);
	assert_int_equal(f->td.notifies[0] + f->td.notifies[1], 0);
	reg_write(f, R_STATUS, STATUS_NEGOTIATED | VIRTIO_STATUS_DRIVER_OK);
	reg_write(f, R_QUEUE_NOTIFY, 1);
	assert_int_equal(f->td.notifies[1], 1);
	virtio_mmio_notify(&f->mmio, 0);
	assert_int_equal(f->td.notifies[0], 1);
	/* No such queue. */
	reg_write(f, R_QUEUE_NOTIFY, TEST_NUM_QUEUES);
	reg_write(f, R_QUEUE_NOTIFY, 0xffffffff);
	assert_int_equal(f->td.notifies[0] + f->td.notifies[1], 2);
	/* A broken device hears nothing until reset. */
	virtio_device_fail(&f->td.dev, 0, VIRTQ_ERR_HEAD_INDEX);
	reg_write(f, R_QUEUE_NOTIFY, 0);
	assert_int_equal(f->td.notifies[0], 1);
}

/* Through the whole path: a request, the used ring, the interrupt. */
static void test_request_and_interrupt(void **state)
{
	struct fixture *f = *state;
	struct fake_buf buf = {BUF_GPA, 64, true};
	uint32_t id, len;
	uint16_t head;

	bring_up(f);
	head = fake_ring_post(&f->rings[1], &buf, 1);
	reg_write(f, R_QUEUE_NOTIFY, 1);
	assert_true(fake_ring_pop_used(&f->rings[1], &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 0);
	assert_int_equal(reg_read(f, R_INT_STATUS), VIRTIO_MMIO_INT_VRING);
	assert_int_equal(f->irq.pulses[IRQ], 1);
	assert_int_equal(f->irq.total_pulses, 1);
	reg_write(f, R_INT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(reg_read(f, R_INT_STATUS), 0);
	/* With EVENT_IDX, a driver that asks not to hear about entry 1 yet does not. */
	fake_ring_set_used_event(&f->rings[1], 5);
	fake_ring_post(&f->rings[1], &buf, 1);
	reg_write(f, R_QUEUE_NOTIFY, 1);
	assert_int_equal(fake_ring_used_idx(&f->rings[1]), 2);
	assert_int_equal(f->irq.pulses[IRQ], 1);
	assert_int_equal(reg_read(f, R_INT_STATUS), 0);
	/* The device asked to be notified of the next request. */
	assert_int_equal(fake_ring_avail_event(&f->rings[1]), 2);
}

static void test_interrupt_status_and_ack(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	virtio_config_changed(&f->td.dev);
	assert_int_equal(reg_read(f, R_INT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(f->irq.pulses[IRQ], 1);
	f->td.dev.transport->signal_used(&f->td.dev, 0);
	assert_int_equal(reg_read(f, R_INT_STATUS), VIRTIO_MMIO_INT_CONFIG | VIRTIO_MMIO_INT_VRING);
	assert_int_equal(f->irq.pulses[IRQ], 2);
	/* Acknowledging one reason leaves the other. */
	reg_write(f, R_INT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(reg_read(f, R_INT_STATUS), VIRTIO_MMIO_INT_VRING);
	reg_write(f, R_INT_ACK, 0xffffffff);
	assert_int_equal(reg_read(f, R_INT_STATUS), 0);
	/* InterruptStatus is read-only. */
	reg_write(f, R_INT_STATUS, 3);
	assert_int_equal(reg_read(f, R_INT_STATUS), 0);
	/* Edges only: the line's level was never touched. */
	assert_false(f->irq.level[IRQ]);
}

/* Without an interrupt controller the device keeps working and says so once. */
static void test_interrupt_without_chip(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	f->vm.irq_chip = (struct vm_irq_chip){0};
	virtio_config_changed(&f->td.dev);
	assert_int_equal(reg_read(f, R_INT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(f->log.count, 1);
}

static void test_config_space(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mmio_access(f, R_CONFIG, 1, false, 0), 0xa0);
	assert_int_equal(f->td.last_config_offset, 0);
	assert_int_equal(f->td.last_config_size, 1);
	assert_int_equal(mmio_access(f, R_CONFIG + 5, 1, false, 0), 0xa5);
	assert_int_equal(mmio_access(f, R_CONFIG + 6, 2, false, 0), 0xa7a6);
	assert_int_equal(f->td.last_config_offset, 6);
	assert_int_equal(mmio_access(f, R_CONFIG + 4, 4, false, 0), 0xa7a6a5a4);
	assert_int_equal(mmio_access(f, R_CONFIG + 8, 8, false, 0), 0xafaeadacabaaa9a8ull);
	/* Past the device's config: the device says zero. */
	assert_int_equal(mmio_access(f, R_CONFIG + 0xfc, 4, false, 0), 0);
	assert_int_equal(f->td.last_config_offset, 0xfc);
	assert_int_equal(f->td.config_reads, 6);
	/* Writes reach the device, masked to their size. */
	mmio_access(f, R_CONFIG + 2, 2, true, 0xffff1234);
	assert_int_equal(f->td.config_writes, 1);
	assert_int_equal(f->td.last_config_offset, 2);
	assert_int_equal(f->td.last_config_size, 2);
	assert_int_equal(f->td.last_config_value, 0x1234);
	/* Misaligned or odd sizes are ignored: the device never sees them. */
	assert_int_equal(mmio_access(f, R_CONFIG + 1, 2, false, 0x55), 0);
	assert_int_equal(mmio_access(f, R_CONFIG + 2, 4, false, 0x55), 0);
	assert_int_equal(mmio_access(f, R_CONFIG + 0, 3, false, 0x55), 0);
	mmio_access(f, R_CONFIG + 1, 4, true, 0);
	assert_int_equal(f->td.config_reads, 6);
	assert_int_equal(f->td.config_writes, 1);
	assert_int_equal(f->log.count, 4);
}

static void test_config_read_only(void **state)
{
	struct fixture *f = *state;
	struct virtio_device_ops ops = td_ops;

	ops.config_write = NULL;
	f->td.dev.ops = &ops;
	mmio_access(f, R_CONFIG, 4, true, 1);
	assert_int_equal(f->td.config_writes, 0);
	assert_int_equal(f->log.count, 1);
	f->td.dev.ops = &td_ops;
}

static void test_config_generation(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	assert_int_equal(reg_read(f, R_CONFIG_GEN), 0);
	virtio_config_changed(&f->td.dev);
	assert_int_equal(reg_read(f, R_CONFIG_GEN), 1);
	virtio_config_changed(&f->td.dev);
	assert_int_equal(reg_read(f, R_CONFIG_GEN), 2);
	assert_int_equal(reg_read(f, R_INT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(f->irq.pulses[IRQ], 2);
}

/* Before the driver is even there, a config change interrupts nobody. */
static void test_config_change_before_driver(void **state)
{
	struct fixture *f = *state;

	virtio_config_changed(&f->td.dev);
	assert_int_equal(reg_read(f, R_CONFIG_GEN), 1);
	assert_int_equal(reg_read(f, R_INT_STATUS), 0);
	assert_int_equal(f->irq.total_pulses, 0);
}

static void test_needs_reset(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	virtio_device_fail(&f->td.dev, 1, VIRTQ_ERR_CHAIN_TOO_LONG);
	assert_true(reg_read(f, R_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_false(virtio_device_live(&f->td.dev));
	assert_int_equal(reg_read(f, R_INT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(f->irq.pulses[IRQ], 1);
	assert_int_equal(f->log.count, 1);
	/* Failing again changes nothing and says nothing. */
	virtio_device_fail(&f->td.dev, 0, -VIRTQ_ERR_ORDER);
	assert_int_equal(f->irq.pulses[IRQ], 1);
	assert_int_equal(f->log.count, 1);
	/* A completion for a failed device is dropped. */
	virtio_complete(&f->td.dev, 0, 0, 0);
	assert_int_equal(fake_ring_used_idx(&f->rings[0]), 0);
	/* Reset clears it. */
	reg_write(f, R_STATUS, 0);
	assert_int_equal(reg_read(f, R_STATUS), 0);
	bring_up(f);
}

/* A broken ring, found by the device: NEEDS_RESET through the whole path. */
static void test_hostile_ring_needs_reset(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	fake_ring_set_desc(&f->rings[0], 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
	fake_ring_publish(&f->rings[0], 0);
	reg_write(f, R_QUEUE_NOTIFY, 0);
	assert_true(reg_read(f, R_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(reg_read(f, R_INT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(fake_ring_used_idx(&f->rings[0]), 0);
}

/* A completion arriving after a reset (a slow backend) is dropped, not a failure. */
static void test_completion_after_reset(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	reg_write(f, R_STATUS, 0);
	virtio_complete(&f->td.dev, 0, 3, 0);
	assert_int_equal(reg_read(f, R_STATUS), 0);
	assert_int_equal(f->irq.total_pulses, 0);
	assert_int_equal(f->log.count, 0);
}

static void test_bad_access_sizes(void **state)
{
	struct fixture *f = *state;

	/* Registers take aligned 32-bit accesses only. */
	assert_int_equal(mmio_access(f, R_MAGIC, 1, false, 0x55), 0);
	assert_int_equal(mmio_access(f, R_MAGIC, 2, false, 0x55), 0);
	assert_int_equal(mmio_access(f, R_MAGIC, 8, false, 0x55), 0);
	assert_int_equal(mmio_access(f, R_MAGIC + 2, 4, false, 0x55), 0);
	mmio_access(f, R_STATUS, 1, true, VIRTIO_STATUS_ACKNOWLEDGE);
	mmio_access(f, R_STATUS, 2, true, VIRTIO_STATUS_ACKNOWLEDGE);
	mmio_access(f, R_STATUS, 8, true, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(reg_read(f, R_STATUS), 0);
	/* Called directly, not through the bus: sizes the bus would refuse. */
	{
		struct access acc = {.size = 0, .value = 0x55};

		assert_int_equal(virtio_mmio_access(&f->mmio, &acc, R_CONFIG), 0);
		assert_int_equal(acc.value, 0);
		acc = (struct access){.size = 16, .value = 0x55};
		assert_int_equal(virtio_mmio_access(&f->mmio, &acc, R_CONFIG), 0);
		assert_int_equal(acc.value, 0);
		acc = (struct access){.size = 4, .value = 0x55};
		assert_int_equal(virtio_mmio_access(&f->mmio, &acc, VIRTIO_MMIO_SIZE), 0);
		assert_int_equal(acc.value, 0);
	}
	/* Rate-limited: a guest cannot flood the log. */
	assert_int_equal(f->log.count, LOG_RATELIMIT_BURST);
}

static void test_unknown_and_write_only_offsets(void **state)
{
	struct fixture *f = *state;

	/* Holes in the register map. */
	assert_int_equal(reg_read(f, 0x018), 0);
	assert_int_equal(reg_read(f, 0x040), 0); /* legacy QueuePFN */
	assert_int_equal(reg_read(f, 0x0f8), 0);
	reg_write(f, 0x028, 0x1000); /* legacy GuestPageSize */
	/* Write-only registers read as zero. */
	reg_write(f, R_QUEUE_SEL, 1);
	assert_int_equal(reg_read(f, R_QUEUE_SEL), 0);
	assert_int_equal(f->mmio.queue_sel, 1);
	/* Read-only registers ignore writes. */
	reg_write(f, R_MAGIC, 0);
	assert_int_equal(reg_read(f, R_MAGIC), 0x74726976);
	assert_int_equal(f->log.count, LOG_RATELIMIT_BURST);
}

static void test_optional_registers(void **state)
{
	struct fixture *f = *state;

	/* No shared memory regions: length -1. */
	reg_write(f, R_SHM_SEL, 0);
	assert_int_equal(reg_read(f, R_SHM_LEN_LO), 0xffffffff);
	assert_int_equal(reg_read(f, R_SHM_LEN_HI), 0xffffffff);
	/* QueueReset needs VIRTIO_F_RING_RESET, which is not offered. */
	assert_true(negotiate(f, 1ull << VIRTIO_F_VERSION_1));
	assert_true(ring_setup(f, 0));
	reg_write(f, R_QUEUE_RESET, 1);
	assert_int_equal(reg_read(f, R_QUEUE_RESET), 0);
	assert_int_equal(reg_read(f, R_QUEUE_READY), 1);
	assert_int_equal(f->log.count, 1);
}

/* Two devices on one VM keep their own state: nothing is global. */
static void test_two_devices(void **state)
{
	struct fixture *f = *state;
	struct test_device *other = calloc(1, sizeof(*other));
	struct virtio_mmio *mmio = calloc(1, sizeof(*mmio));
	struct access acc = {.gpa = MMIO_BASE + 0x200 + R_STATUS, .size = 4};

	assert_non_null(other);
	assert_non_null(mmio);
	virtio_device_init(&other->dev, &td_ops, &f->vm, "virtio-test1");
	assert_int_equal(virtio_mmio_init(mmio, &other->dev, MMIO_BASE + 0x200, IRQ + 1), 0);
	bring_up(f);
	assert_int_equal(bus_dispatch(&f->vm.mmio, &acc), 0);
	assert_int_equal(acc.value, 0);
	virtio_config_changed(&f->td.dev);
	assert_int_equal(f->irq.pulses[IRQ], 1);
	assert_int_equal(f->irq.pulses[IRQ + 1], 0);
	assert_int_equal(mmio->interrupt_status, 0);
	free(mmio);
	free(other);
}

#define MMIO_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    MMIO_TEST(test_init_describes_device),
	    MMIO_TEST(test_init_errors),
	    MMIO_TEST(test_identity),
	    MMIO_TEST(test_device_features),
	    MMIO_TEST(test_feature_negotiation),
	    MMIO_TEST(test_legacy_driver_refused),
	    MMIO_TEST(test_unknown_features_refused),
	    MMIO_TEST(test_status_machine),
	    MMIO_TEST(test_reset),
	    MMIO_TEST(test_queue_setup),
	    MMIO_TEST(test_queue_high_addresses),
	    MMIO_TEST(test_queue_ready_bad_rings),
	    MMIO_TEST(test_queue_before_features_ok),
	    MMIO_TEST(test_notify_only_when_live),
	    MMIO_TEST(test_request_and_interrupt),
	    MMIO_TEST(test_interrupt_status_and_ack),
	    MMIO_TEST(test_interrupt_without_chip),
	    MMIO_TEST(test_config_space),
	    MMIO_TEST(test_config_read_only),
	    MMIO_TEST(test_config_generation),
	    MMIO_TEST(test_config_change_before_driver),
	    MMIO_TEST(test_needs_reset),
	    MMIO_TEST(test_hostile_ring_needs_reset),
	    MMIO_TEST(test_completion_after_reset),
	    MMIO_TEST(test_bad_access_sizes),
	    MMIO_TEST(test_unknown_and_write_only_offsets),
	    MMIO_TEST(test_optional_registers),
	    MMIO_TEST(test_two_devices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
