/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sDDF's block queues (host/sel4/sddf_blk.c) at both ends, and svmm's
 * client (host/sel4/sddf_blk_client.c) against a server in the same
 * process: the client's wait serves the request queue from a disk in
 * memory, as the driver PD does on its notification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/errors.h"
#include "host/sel4/sddf_blk.h"
#include "host/sel4/sddf_blk_client.h"

#define BLOCK	    SDDF_BLK_TRANSFER_SIZE
#define DISK_BLOCKS 16u

struct fixture {
	_Alignas(4096) uint8_t info[SDDF_BLK_STORAGE_INFO_REGION_SIZE];
	_Alignas(4096) uint8_t req[SDDF_BLK_QUEUE_REGION_SIZE];
	_Alignas(4096) uint8_t resp[SDDF_BLK_QUEUE_REGION_SIZE];
	_Alignas(4096) uint8_t data[2 * BLOCK];
	uint8_t disk[DISK_BLOCKS * BLOCK];
	struct sddf_blk_queues server;
	struct sddf_blk_client client;
	unsigned waits, served, flushes;
	int wait_error;
	bool serve;		  /* the wait serves what is queued */
	uint32_t status;	  /* answered instead of serving, unless OK */
	bool wrong_id;		  /* answer with another request's id */
	struct sddf_blk_req last; /* the last request served */
};

/* The server: every queued request, against the disk in memory. */
static void serve(struct fixture *f)
{
	struct sddf_blk_req req;

	while (sddf_blk_dequeue_req(&f->server, &req) == 0) {
		struct sddf_blk_resp resp = {.id = req.id, .status = SDDF_BLK_RESP_OK};

		f->last = req;
		f->served++;
		if (req.code == SDDF_BLK_REQ_FLUSH) {
			f->flushes++;
		} else if (f->status != SDDF_BLK_RESP_OK) {
			resp.status = f->status;
		} else {
			resp.status = sddf_blk_check_transfer(&req, sizeof(f->data), DISK_BLOCKS);
			if (resp.status == SDDF_BLK_RESP_OK) {
				uint8_t *slice = f->data + req.io_or_offset;
				uint8_t *disk = f->disk + req.block_number * BLOCK;

				if (req.code == SDDF_BLK_REQ_READ)
					memcpy(slice, disk, req.count * BLOCK);
				else
					memcpy(disk, slice, req.count * BLOCK);
				resp.success_count = req.count;
			}
		}
		if (f->wrong_id)
			resp.id++;
		assert_int_equal(sddf_blk_enqueue_resp(&f->server, &resp), 0);
	}
}

static int wait_for_server(void *ctx)
{
	struct fixture *f = ctx;

	f->waits++;
	if (f->wait_error < 0)
		return f->wait_error;
	if (f->serve)
		serve(f);
	return 0;
}

static struct fixture *fixture_new(void)
{
	static struct fixture f;
	struct sddf_blk_storage_info fields = {
	    .sector_size = 512, .block_size = 1, .capacity = DISK_BLOCKS};

	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < sizeof(f.disk); i++)
		f.disk[i] = (uint8_t)(i * 7 + i / 512);
	memcpy(fields.serial_number, "sddf-test-disk-serial-number", 28);
	sddf_blk_storage_publish((struct sddf_blk_storage_info *)f.info, &fields);
	sddf_blk_queues_init(&f.server, f.req, f.resp, sizeof(f.req), SDDF_BLK_QUEUE_CAPACITY);
	f.serve = true;
	assert_int_equal(sddf_blk_client_init(&f.client, f.info, f.req, f.resp, f.data,
					      sizeof(f.data), wait_for_server, &f),
			 0);
	return &f;
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64_at(const uint8_t *p)
{
	return le32_at(p) | (uint64_t)le32_at(p + 4) << 32;
}

/* The bytes sDDF's own code reads: head, tail, then 32-byte entries from offset 16. */
static void test_request_bytes_are_sddfs_layout(void **state)
{
	struct fixture *f = fixture_new();
	struct sddf_blk_queues q;
	struct sddf_blk_req req = {.code = SDDF_BLK_REQ_WRITE,
				   .io_or_offset = 0x3000,
				   .block_number = 0x123456789,
				   .count = 7,
				   .id = 0xabcd};
	const uint8_t *entry = f->req + 16 + 32;
	struct sddf_blk_resp resp = {.status = SDDF_BLK_RESP_ERR_IO, .success_count = 2, .id = 9};

	(void)state;
	sddf_blk_queues_init(&q, f->req, f->resp, sizeof(f->req), SDDF_BLK_QUEUE_CAPACITY);
	assert_int_equal(sddf_blk_enqueue_req(&q, &req), 0);
	assert_int_equal(sddf_blk_enqueue_req(&q, &req), 0);
	assert_int_equal(le32_at(f->req + 0), 0);
	assert_int_equal(le32_at(f->req + 4), 2);
	assert_int_equal(le32_at(entry + 0), SDDF_BLK_REQ_WRITE);
	assert_int_equal(le64_at(entry + 8), 0x3000);
	assert_int_equal(le64_at(entry + 16), 0x123456789);
	assert_int_equal(entry[24] | entry[25] << 8, 7);
	assert_int_equal(le32_at(entry + 28), 0xabcd);
	assert_int_equal(sddf_blk_enqueue_resp(&q, &resp), 0);
	assert_int_equal(le32_at(f->resp + 4), 1);
	assert_int_equal(le32_at(f->resp + 8), SDDF_BLK_RESP_ERR_IO);
	assert_int_equal(f->resp[12] | f->resp[13] << 8, 2);
	assert_int_equal(le32_at(f->resp + 16), 9);
}

static void test_queues_fill_and_drain_in_order(void **state)
{
	struct fixture *f = fixture_new();
	struct sddf_blk_req req = {0}, got;

	(void)state;
	for (uint32_t i = 0; i < SDDF_BLK_QUEUE_CAPACITY; i++) {
		req.id = i;
		assert_int_equal(sddf_blk_enqueue_req(&f->client.queues, &req), 0);
	}
	assert_int_equal(sddf_blk_enqueue_req(&f->client.queues, &req), -1);
	assert_int_equal(sddf_blk_req_length(&f->server), SDDF_BLK_QUEUE_CAPACITY);
	for (uint32_t i = 0; i < SDDF_BLK_QUEUE_CAPACITY; i++) {
		assert_int_equal(sddf_blk_dequeue_req(&f->server, &got), 0);
		assert_int_equal(got.id, i);
	}
	assert_int_equal(sddf_blk_dequeue_req(&f->server, &got), -1);
}

/* Indices no honest producer writes take nothing (the server's view of a hostile client). */
static void test_lying_indices_are_refused(void **state)
{
	struct fixture *f = fixture_new();
	struct sddf_blk_req got;
	struct sddf_blk_resp resp;
	struct sddf_blk_queues tiny;

	(void)state;
	((struct sddf_blk_req_queue *)f->req)->tail = SDDF_BLK_QUEUE_CAPACITY + 1;
	assert_int_equal(sddf_blk_dequeue_req(&f->server, &got), -1);
	((struct sddf_blk_resp_queue *)f->resp)->head = 5;
	((struct sddf_blk_resp_queue *)f->resp)->tail = 4;
	assert_int_equal(sddf_blk_dequeue_resp(&f->client.queues, &resp), -1);
	/* A region too small for the capacity: the queues refuse everything. */
	sddf_blk_queues_init(&tiny, f->req, f->resp, 64, SDDF_BLK_QUEUE_CAPACITY);
	assert_int_equal(tiny.capacity, 0);
	assert_int_equal(sddf_blk_enqueue_req(&tiny, &got), -1);
}

static void test_transfer_checks_bound_slice_and_disk(void **state)
{
	struct sddf_blk_req req = {.code = SDDF_BLK_REQ_READ, .count = 2};

	(void)state;
	assert_int_equal(sddf_blk_check_transfer(&req, 2 * BLOCK, 4), SDDF_BLK_RESP_OK);
	req.io_or_offset = 1;
	assert_int_equal(sddf_blk_check_transfer(&req, 2 * BLOCK, 4),
			 SDDF_BLK_RESP_ERR_INVALID_PARAM);
	req.io_or_offset = UINT64_MAX;
	assert_int_equal(sddf_blk_check_transfer(&req, 2 * BLOCK, 4),
			 SDDF_BLK_RESP_ERR_INVALID_PARAM);
	req.io_or_offset = 0;
	req.block_number = 3;
	assert_int_equal(sddf_blk_check_transfer(&req, 2 * BLOCK, 4),
			 SDDF_BLK_RESP_ERR_INVALID_PARAM);
	req.block_number = UINT64_MAX;
	assert_int_equal(sddf_blk_check_transfer(&req, 2 * BLOCK, 4),
			 SDDF_BLK_RESP_ERR_INVALID_PARAM);
	req.block_number = 0;
	req.count = 0;
	assert_int_equal(sddf_blk_check_transfer(&req, 2 * BLOCK, 4),
			 SDDF_BLK_RESP_ERR_INVALID_PARAM);
}

static void test_backend_describes_the_published_disk(void **state)
{
	struct fixture *f = fixture_new();
	struct blk_backend backend;

	(void)state;
	assert_int_equal(sddf_blk_client_backend(&f->client, &backend), 0);
	assert_int_equal(backend.capacity_bytes, DISK_BLOCKS * BLOCK);
	assert_false(backend.readonly);
	assert_memory_equal(backend.serial, "sddf-test-disk-seria", VIRTIO_BLK_ID_BYTES);
	((struct sddf_blk_storage_info *)f->info)->ready = 0;
	assert_int_equal(sddf_blk_client_backend(&f->client, &backend), -SVMM_EBUSY);
}

/* A read across blocks, starting and ending inside one, in more chunks than the data region. */
static void test_unaligned_read_spans_chunks(void **state)
{
	struct fixture *f = fixture_new();
	struct blk_backend b;
	static uint8_t buf[5 * BLOCK];
	struct blk_io_segment segs[2] = {{buf, 1000}, {buf + 1000, sizeof(buf) - 1000 - 512}};

	(void)state;
	assert_int_equal(sddf_blk_client_backend(&f->client, &b), 0);
	assert_int_equal(b.ops->read(b.ctx, 3 * 512, segs, 2), 0);
	assert_memory_equal(buf, f->disk + 3 * 512, sizeof(buf) - 512);
	assert_int_equal(f->served, 3); /* 5 blocks in, 2 per chunk */
}

/* A write inside blocks keeps their other bytes: each partial block is read first. */
static void test_unaligned_write_keeps_neighbours(void **state)
{
	struct fixture *f = fixture_new();
	struct blk_backend b;
	static uint8_t before[DISK_BLOCKS * BLOCK];
	uint8_t buf[BLOCK + 1024];
	struct blk_io_segment seg = {buf, sizeof(buf)};

	(void)state;
	memcpy(before, f->disk, sizeof(before));
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(sddf_blk_client_backend(&f->client, &b), 0);
	assert_int_equal(b.ops->write(b.ctx, BLOCK + 3584, &seg, 1), 0);
	assert_memory_equal(f->disk, before, BLOCK + 3584);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(f->disk[BLOCK + 3584 + i], 0xee);
	assert_memory_equal(f->disk + BLOCK + 3584 + sizeof(buf),
			    before + BLOCK + 3584 + sizeof(buf),
			    sizeof(before) - BLOCK - 3584 - sizeof(buf));
	/* Read of the first partial block, of the last, then the write (over 3 blocks, 2 chunks).
	 */
	assert_true(f->served >= 3);
	assert_int_equal(f->last.code, SDDF_BLK_REQ_WRITE);
}

static void test_flush_reaches_the_server(void **state)
{
	struct fixture *f = fixture_new();
	struct blk_backend b;

	(void)state;
	assert_int_equal(sddf_blk_client_backend(&f->client, &b), 0);
	assert_int_equal(b.ops->flush(b.ctx), 0);
	assert_int_equal(f->flushes, 1);
	assert_int_equal(f->last.count, 0);
}

static void test_device_error_is_an_io_error(void **state)
{
	struct fixture *f = fixture_new();
	struct blk_backend b;
	uint8_t buf[512];
	struct blk_io_segment seg = {buf, sizeof(buf)};

	(void)state;
	assert_int_equal(sddf_blk_client_backend(&f->client, &b), 0);
	f->status = SDDF_BLK_RESP_ERR_IO;
	assert_int_equal(b.ops->read(b.ctx, 0, &seg, 1), -SVMM_EIO);
	/* A device error fails that request only. */
	f->status = SDDF_BLK_RESP_OK;
	assert_int_equal(b.ops->read(b.ctx, 0, &seg, 1), 0);
	assert_memory_equal(buf, f->disk, sizeof(buf));
}

/* A server that never answers (faulted, hung): I/O errors from then on, no more waits. */
static void test_failed_wait_fails_the_disk(void **state)
{
	struct fixture *f = fixture_new();
	struct blk_backend b;
	uint8_t buf[512];
	struct blk_io_segment seg = {buf, sizeof(buf)};
	unsigned waits;

	(void)state;
	assert_int_equal(sddf_blk_client_backend(&f->client, &b), 0);
	f->serve = false;
	f->wait_error = -SVMM_EIO;
	assert_int_equal(b.ops->read(b.ctx, 0, &seg, 1), -SVMM_EIO);
	waits = f->waits;
	f->serve = true;
	f->wait_error = 0;
	assert_int_equal(b.ops->write(b.ctx, 0, &seg, 1), -SVMM_EIO);
	assert_int_equal(f->waits, waits);
}

static void test_answer_to_another_request_fails_the_disk(void **state)
{
	struct fixture *f = fixture_new();
	struct blk_backend b;

	(void)state;
	assert_int_equal(sddf_blk_client_backend(&f->client, &b), 0);
	f->wrong_id = true;
	assert_int_equal(b.ops->flush(b.ctx), -SVMM_EIO);
	f->wrong_id = false;
	assert_int_equal(b.ops->flush(b.ctx), -SVMM_EIO);
}

/* A server whose response indices say more than a queue holds: an I/O error, not a loop. */
static int wait_with_lying_indices(void *ctx)
{
	struct fixture *f = ctx;

	f->waits++;
	((struct sddf_blk_resp_queue *)f->resp)->tail += SDDF_BLK_QUEUE_CAPACITY + 1;
	return 0;
}

static void test_lying_response_indices_fail_the_disk(void **state)
{
	struct fixture *f = fixture_new();
	struct blk_backend b;

	(void)state;
	f->client.wait = wait_with_lying_indices;
	assert_int_equal(sddf_blk_client_backend(&f->client, &b), 0);
	assert_int_equal(b.ops->flush(b.ctx), -SVMM_EIO);
	assert_int_equal(f->waits, 1);
	assert_true(f->client.failed);
}

static void test_init_refuses_missing_regions(void **state)
{
	struct fixture *f = fixture_new();
	struct sddf_blk_client c;

	(void)state;
	assert_int_equal(sddf_blk_client_init(&c, NULL, f->req, f->resp, f->data, sizeof(f->data),
					      wait_for_server, f),
			 -SVMM_EINVAL);
	assert_int_equal(sddf_blk_client_init(&c, f->info, f->req, NULL, f->data, sizeof(f->data),
					      wait_for_server, f),
			 -SVMM_EINVAL);
	assert_int_equal(sddf_blk_client_init(&c, f->info, f->req, f->resp, f->data, BLOCK - 1,
					      wait_for_server, f),
			 -SVMM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_bytes_are_sddfs_layout),
	    cmocka_unit_test(test_queues_fill_and_drain_in_order),
	    cmocka_unit_test(test_lying_indices_are_refused),
	    cmocka_unit_test(test_transfer_checks_bound_slice_and_disk),
	    cmocka_unit_test(test_backend_describes_the_published_disk),
	    cmocka_unit_test(test_unaligned_read_spans_chunks),
	    cmocka_unit_test(test_unaligned_write_keeps_neighbours),
	    cmocka_unit_test(test_flush_reaches_the_server),
	    cmocka_unit_test(test_device_error_is_an_io_error),
	    cmocka_unit_test(test_failed_wait_fails_the_disk),
	    cmocka_unit_test(test_answer_to_another_request_fails_the_disk),
	    cmocka_unit_test(test_lying_response_indices_fail_the_disk),
	    cmocka_unit_test(test_init_refuses_missing_regions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
