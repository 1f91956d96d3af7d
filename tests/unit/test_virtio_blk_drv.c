/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The block driver PD's core (host/sel4/virtio_blk_drv.c) against svmm's
 * own device side: the virtio-mmio transport and virtio-blk device over an
 * in-memory disk, in a fake "physical memory" holding the driver's DMA
 * region and the client's data region. Requests come through the sDDF
 * queues, from raw entries or from svmm's client (host/sel4/sddf_blk_client.c)
 * whose wait runs the driver, so the whole seL4 disk path runs here:
 * virtio-blk backend, sDDF queue, driver, virtio-mmio device, disk.
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
#include "host/sel4/sddf_blk.h"
#include "host/sel4/sddf_blk_client.h"
#include "host/sel4/virtio_blk_drv.h"
#include "tests/fuzz/fake_guest.h"
#include "virtio/blk.h"
#include "virtio/mmio.h"

#define BLOCK	    SDDF_BLK_TRANSFER_SIZE
#define WINDOW	    0x0a000000ull /* the 32 transports, as on QEMU virt */
#define SLOT	    5u		  /* where the disk sits; the others are empty */
#define IRQ_LINE    (16u + SLOT)
#define PHYS	    0x40000000ull /* the fake physical memory */
#define DMA_OFF	    0x0000u
#define DATA_OFF    0x8000u
#define DATA_SIZE   (4u * BLOCK)
#define PHYS_SIZE   (DATA_OFF + DATA_SIZE)
#define DISK_BLOCKS 16u

struct fixture {
	struct vm vm;
	struct fake_guest g;
	struct fake_irq irq;
	struct fake_log log;
	struct virtio_blk blk;
	struct virtio_mmio mmio;
	uint8_t disk[DISK_BLOCKS * BLOCK];
	unsigned reads, writes, flushes;
	int fail_with;
	_Alignas(4096) uint8_t info[SDDF_BLK_STORAGE_INFO_REGION_SIZE];
	_Alignas(4096) uint8_t req[SDDF_BLK_QUEUE_REGION_SIZE];
	_Alignas(4096) uint8_t resp[SDDF_BLK_QUEUE_REGION_SIZE];
	struct sddf_blk_queues queues;
	struct vblk_drv drv;
	struct sddf_blk_client client;
	unsigned notifies_to_client;
	bool readonly_disk; /* the description's readonly, told to the driver */
};

/* ---- the disk behind svmm's virtio-blk device ---- */

static int disk_rw(struct fixture *f, bool write, uint64_t offset,
		   const struct blk_io_segment *segs, unsigned count)
{
	if (f->fail_with != 0)
		return f->fail_with;
	for (unsigned i = 0; i < count; i++) {
		if (write)
			memcpy(f->disk + offset, segs[i].base, segs[i].len);
		else
			memcpy(segs[i].base, f->disk + offset, segs[i].len);
		offset += segs[i].len;
	}
	return 0;
}

static int disk_read(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count)
{
	struct fixture *f = ctx;

	f->reads++;
	return disk_rw(f, false, offset, segs, count);
}

static int disk_write(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count)
{
	struct fixture *f = ctx;

	f->writes++;
	return disk_rw(f, true, offset, segs, count);
}

static int disk_flush(void *ctx)
{
	struct fixture *f = ctx;

	f->flushes++;
	return f->fail_with;
}

static const struct blk_backend_ops disk_ops = {
    .read = disk_read, .write = disk_write, .flush = disk_flush};

/* ---- the driver's registers: the VM bus, as the device side sees accesses ---- */

static uint32_t bus_read(void *ctx, uint32_t offset)
{
	struct fixture *f = ctx;
	struct access acc = {.gpa = WINDOW + offset, .size = 4};

	/* An empty transport reads as nothing at all. */
	return bus_dispatch(&f->vm.mmio, &acc) == 0 ? (uint32_t)acc.value : 0;
}

static void bus_write(void *ctx, uint32_t offset, uint32_t value)
{
	struct fixture *f = ctx;
	struct access acc = {.gpa = WINDOW + offset, .size = 4, .is_write = true, .value = value};

	(void)bus_dispatch(&f->vm.mmio, &acc);
}

/* ---- set-up ---- */

static struct fixture *fixture_new(bool readonly)
{
	static struct fixture f;
	struct blk_backend backend = {.ops = &disk_ops,
				      .ctx = &f,
				      .capacity_bytes = sizeof(f.disk),
				      .readonly = readonly,
				      .serial = "drv-test"};
	struct log_sink sink;

	memset(&f, 0, sizeof(f));
	sink = fake_log_sink(&f.log);
	vm_init(&f.vm, "test", &sink);
	fake_irq_attach(&f.irq, &f.vm);
	assert_int_equal(fake_guest_init(&f.g, &f.vm.mem, PHYS, PHYS_SIZE), 0);
	for (size_t i = 0; i < sizeof(f.disk); i++)
		f.disk[i] = (uint8_t)(i * 13 + i / BLOCK);
	assert_int_equal(virtio_blk_init(&f.blk, &f.vm, "disk", &backend), 0);
	assert_int_equal(
	    virtio_mmio_init(&f.mmio, &f.blk.virtio, WINDOW + SLOT * VIRTIO_MMIO_SIZE, IRQ_LINE),
	    0);
	sddf_blk_queues_init(&f.queues, f.req, f.resp, sizeof(f.req), SDDF_BLK_QUEUE_CAPACITY);
	return &f;
}

static struct vblk_regs regs_of(struct fixture *f)
{
	return (struct vblk_regs){.read = bus_read, .write = bus_write, .ctx = f};
}

static void bring_up(struct fixture *f)
{
	const struct vblk_regs regs = regs_of(f);

	assert_int_equal(vblk_probe(&regs), (int)SLOT);
	assert_int_equal(vblk_init(&f->drv, &regs, SLOT, f->g.ram + DMA_OFF, PHYS + DMA_OFF,
				   PHYS + DATA_OFF, DATA_SIZE, f->readonly_disk,
				   (struct sddf_blk_storage_info *)f->info),
			 0);
}

static void fixture_free(struct fixture *f)
{
	fake_guest_free(&f->g);
}

/* The PD's notified(): the client's channel, then every interrupt the device raised. */
static void run_driver(struct fixture *f)
{
	unsigned pulses = f->irq.total_pulses;

	if (vblk_serve(&f->drv, &f->queues))
		f->notifies_to_client++;
	while (f->irq.total_pulses != pulses) {
		pulses = f->irq.total_pulses;
		if (vblk_complete(&f->drv, &f->queues))
			f->notifies_to_client++;
		if (vblk_serve(&f->drv, &f->queues))
			f->notifies_to_client++;
	}
}

static struct sddf_blk_resp request(struct fixture *f, uint32_t code, uint64_t io, uint64_t block,
				    uint16_t count)
{
	struct sddf_blk_req req = {
	    .code = code, .io_or_offset = io, .block_number = block, .count = count, .id = 77};
	struct sddf_blk_resp resp;

	assert_int_equal(sddf_blk_enqueue_req(&f->queues, &req), 0);
	run_driver(f);
	assert_int_equal(sddf_blk_dequeue_resp(&f->queues, &resp), 0);
	assert_int_equal(resp.id, 77);
	return resp;
}

/* ---- tests ---- */

static void test_probe_and_init_publish_the_device(void **state)
{
	struct fixture *f = fixture_new(false);
	const struct sddf_blk_storage_info *info = (const void *)f->info;

	(void)state;
	assert_false(sddf_blk_storage_ready(info));
	bring_up(f);
	assert_true(sddf_blk_storage_ready(info));
	assert_int_equal(info->capacity, DISK_BLOCKS);
	assert_int_equal(info->sector_size, 512);
	assert_false(info->read_only);
	assert_false(f->drv.legacy);
	assert_true(f->drv.has_flush);
	/* Modern: VERSION_1 taken, DRIVER_OK set, queue 0 live. */
	assert_true(f->blk.virtio.driver_features & 1ull << VIRTIO_F_VERSION_1);
	assert_true(f->blk.virtio.status & VIRTIO_STATUS_DRIVER_OK);
	assert_true(f->blk.virtio.queues[0].ready);
	fixture_free(f);
}

static void test_probe_finds_nothing_without_a_block_device(void **state)
{
	struct fixture *f = fixture_new(false);
	const struct vblk_regs regs = regs_of(f);

	(void)state;
	assert_int_equal(bus_unregister(&f->vm.mmio, WINDOW + SLOT * VIRTIO_MMIO_SIZE), 0);
	assert_int_equal(vblk_probe(&regs), -1);
	fixture_free(f);
}

static void test_transfers_reach_the_disk(void **state)
{
	struct fixture *f = fixture_new(false);
	uint8_t *data = f->g.ram + DATA_OFF;
	struct sddf_blk_resp resp;

	(void)state;
	bring_up(f);
	memset(data + BLOCK, 0x5a, 2 * BLOCK);
	resp = request(f, SDDF_BLK_REQ_WRITE, BLOCK, 3, 2);
	assert_int_equal(resp.status, SDDF_BLK_RESP_OK);
	assert_int_equal(resp.success_count, 2);
	for (size_t i = 0; i < 2 * BLOCK; i++)
		assert_int_equal(f->disk[3 * BLOCK + i], 0x5a);
	resp = request(f, SDDF_BLK_REQ_READ, 0, 7, 4);
	assert_int_equal(resp.status, SDDF_BLK_RESP_OK);
	assert_memory_equal(data, f->disk + 7 * BLOCK, 4 * BLOCK);
	resp = request(f, SDDF_BLK_REQ_FLUSH, 0, 0, 0);
	assert_int_equal(resp.status, SDDF_BLK_RESP_OK);
	assert_int_equal(f->flushes, 1);
	/* Each answer was signalled to the client. */
	assert_int_equal(f->notifies_to_client, 3);
	fixture_free(f);
}

/* Requests the device must not see are answered at once, and the disk is untouched. */
static void test_bad_requests_never_reach_the_device(void **state)
{
	struct fixture *f = fixture_new(false);

	(void)state;
	bring_up(f);
	assert_int_equal(request(f, SDDF_BLK_REQ_READ, DATA_SIZE - BLOCK, 0, 2).status,
			 SDDF_BLK_RESP_ERR_INVALID_PARAM);
	assert_int_equal(request(f, SDDF_BLK_REQ_WRITE, 0, DISK_BLOCKS - 1, 2).status,
			 SDDF_BLK_RESP_ERR_INVALID_PARAM);
	assert_int_equal(request(f, SDDF_BLK_REQ_READ, 0, 0, 0).status,
			 SDDF_BLK_RESP_ERR_INVALID_PARAM);
	assert_int_equal(request(f, 9, 0, 0, 1).status, SDDF_BLK_RESP_ERR_INVALID_PARAM);
	assert_int_equal(f->reads + f->writes + f->flushes, 0);
	fixture_free(f);
}

static void test_device_errors_are_io_errors(void **state)
{
	struct fixture *f = fixture_new(false);

	(void)state;
	bring_up(f);
	f->fail_with = -SVMM_EIO;
	assert_int_equal(request(f, SDDF_BLK_REQ_READ, 0, 0, 1).status, SDDF_BLK_RESP_ERR_IO);
	assert_int_equal(request(f, SDDF_BLK_REQ_READ, 0, 0, 1).success_count, 0);
	/* The device goes on once its storage does. */
	f->fail_with = 0;
	assert_int_equal(request(f, SDDF_BLK_REQ_READ, 0, 0, 1).status, SDDF_BLK_RESP_OK);
	fixture_free(f);
}

static void test_read_only_device_refuses_writes(void **state)
{
	struct fixture *f = fixture_new(true);

	(void)state;
	bring_up(f);
	assert_true(((const struct sddf_blk_storage_info *)f->info)->read_only);
	assert_int_equal(request(f, SDDF_BLK_REQ_WRITE, 0, 0, 1).status, SDDF_BLK_RESP_ERR_IO);
	assert_int_equal(f->writes, 0);
	assert_int_equal(request(f, SDDF_BLK_REQ_READ, 0, 0, 1).status, SDDF_BLK_RESP_OK);
	fixture_free(f);
}

/* The description's readonly on a writable device: the driver itself refuses writes. */
static void test_description_readonly_is_the_drivers(void **state)
{
	struct fixture *f = fixture_new(false);

	(void)state;
	f->readonly_disk = true;
	bring_up(f);
	assert_true(((const struct sddf_blk_storage_info *)f->info)->read_only);
	assert_int_equal(request(f, SDDF_BLK_REQ_WRITE, 0, 0, 1).status, SDDF_BLK_RESP_ERR_IO);
	assert_int_equal(f->writes, 0);
	assert_int_equal(f->blk.stats.writes, 0); /* the device never saw it */
	assert_int_equal(request(f, SDDF_BLK_REQ_READ, 0, 0, 1).status, SDDF_BLK_RESP_OK);
	fixture_free(f);
}

/* More requests than the virtqueue has slots for: all answered, in the order they came. */
static void test_a_full_queue_is_served_in_turns(void **state)
{
	struct fixture *f = fixture_new(false);
	struct sddf_blk_resp resp;
	unsigned answered = 0;

	(void)state;
	bring_up(f);
	for (uint32_t i = 0; i < 3 * VBLK_SLOTS; i++) {
		struct sddf_blk_req req = {.code = SDDF_BLK_REQ_READ,
					   .block_number = i % DISK_BLOCKS,
					   .count = 1,
					   .id = i};

		assert_int_equal(sddf_blk_enqueue_req(&f->queues, &req), 0);
	}
	run_driver(f);
	while (sddf_blk_dequeue_resp(&f->queues, &resp) == 0) {
		assert_int_equal(resp.status, SDDF_BLK_RESP_OK);
		assert_int_equal(resp.id, answered);
		answered++;
	}
	assert_int_equal(answered, 3 * VBLK_SLOTS);
	assert_int_equal(f->drv.in_flight, 0);
	fixture_free(f);
}

/* A used ring naming no request of the driver's: every request in flight fails, and the rest. */
static void test_a_lying_device_fails_everything(void **state)
{
	struct fixture *f = fixture_new(false);
	struct sddf_blk_req req = {.code = SDDF_BLK_REQ_READ, .count = 1, .id = 1};
	struct sddf_blk_resp resp;
	uint8_t *used_id = f->g.ram + DMA_OFF + 0x1000 + 4;

	(void)state;
	bring_up(f);
	assert_int_equal(sddf_blk_enqueue_req(&f->queues, &req), 0);
	assert_false(vblk_serve(&f->drv, &f->queues));
	used_id[0] = 7; /* not the head of any request's chain */
	assert_true(vblk_complete(&f->drv, &f->queues));
	assert_int_equal(sddf_blk_dequeue_resp(&f->queues, &resp), 0);
	assert_int_equal(resp.status, SDDF_BLK_RESP_ERR_IO);
	assert_int_equal(request(f, SDDF_BLK_REQ_READ, 0, 0, 1).status, SDDF_BLK_RESP_ERR_IO);
	fixture_free(f);
}

/* svmm's client end to end: its wait is the driver's notified(). */
static int client_wait(void *ctx)
{
	struct fixture *f = ctx;

	run_driver(f);
	return sddf_blk_resp_length(&f->queues) > 0 ? 0 : -SVMM_EIO;
}

static void test_svmm_client_through_the_driver(void **state)
{
	struct fixture *f = fixture_new(false);
	struct blk_backend b;
	static uint8_t buf[3 * BLOCK], back[3 * BLOCK];
	struct blk_io_segment seg = {buf, sizeof(buf)}, back_seg = {back, sizeof(back)};

	(void)state;
	bring_up(f);
	assert_int_equal(sddf_blk_client_init(&f->client, f->info, f->req, f->resp,
					      f->g.ram + DATA_OFF, DATA_SIZE, client_wait, f),
			 0);
	assert_int_equal(sddf_blk_client_backend(&f->client, &b), 0);
	assert_int_equal(b.capacity_bytes, sizeof(f->disk));
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 3 + 1);
	/* Sector-aligned but not block-aligned: read-modify-write through the device. */
	assert_int_equal(b.ops->write(b.ctx, 5 * 512, &seg, 1), 0);
	assert_memory_equal(f->disk + 5 * 512, buf, sizeof(buf));
	assert_int_equal(b.ops->read(b.ctx, 5 * 512, &back_seg, 1), 0);
	assert_memory_equal(back, buf, sizeof(buf));
	assert_int_equal(b.ops->flush(b.ctx), 0);
	f->fail_with = -SVMM_EIO;
	assert_int_equal(b.ops->read(b.ctx, 0, &back_seg, 1), -SVMM_EIO);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe_and_init_publish_the_device),
	    cmocka_unit_test(test_probe_finds_nothing_without_a_block_device),
	    cmocka_unit_test(test_transfers_reach_the_disk),
	    cmocka_unit_test(test_bad_requests_never_reach_the_device),
	    cmocka_unit_test(test_device_errors_are_io_errors),
	    cmocka_unit_test(test_read_only_device_refuses_writes),
	    cmocka_unit_test(test_description_readonly_is_the_drivers),
	    cmocka_unit_test(test_a_full_queue_is_served_in_turns),
	    cmocka_unit_test(test_a_lying_device_fails_everything),
	    cmocka_unit_test(test_svmm_client_through_the_driver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
