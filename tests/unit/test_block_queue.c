/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host/sel4/block_queue.c on the host: svmm's end (the virtio-blk backend)
 * and the block server's end of the shared-memory request queue, connected
 * in one process with a kick that serves the ring, as blk_server's protected
 * procedure call does on seL4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/errors.h"
#include "host/sel4/block_queue.h"

#define DISK_SIZE (64u << 10)

struct fixture {
	_Alignas(4096) uint8_t queue[BLKQ_QUEUE_REGION_SIZE];
	_Alignas(4096) uint8_t data[4096];
	uint8_t disk_bytes[DISK_SIZE];
	struct blkq_disk disk;
	struct blkq_client client;
	unsigned kicks;
	bool serve_on_kick;
	int kick_error;
};

static int kick(void *ctx)
{
	struct fixture *f = ctx;

	f->kicks++;
	if (f->kick_error < 0)
		return f->kick_error;
	if (f->serve_on_kick)
		blkq_serve(f->queue, sizeof(f->queue), f->data, sizeof(f->data), &f->disk);
	return 0;
}

static struct fixture *fixture_new(size_t data_size)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < DISK_SIZE; i++)
		f.disk_bytes[i] = (uint8_t)(i * 7 + i / 512);
	f.disk = (struct blkq_disk){.bytes = f.disk_bytes, .size = DISK_SIZE};
	memcpy(f.disk.serial, "test-disk", 9);
	f.serve_on_kick = true;
	assert_int_equal(
	    blkq_client_init(&f.client, f.queue, sizeof(f.queue), f.data, data_size, kick, &f), 0);
	return &f;
}

static void test_info_describes_the_disk(void **state)
{
	struct fixture *f = fixture_new(4096);
	struct blkq_info info;
	struct blk_backend backend;

	(void)state;
	assert_int_equal(blkq_client_info(&f->client, &info), 0);
	assert_int_equal(info.capacity, DISK_SIZE);
	assert_int_equal(info.flags, 0);
	assert_memory_equal(info.serial, "test-disk\0", 10);
	blkq_client_backend(&f->client, &info, &backend);
	assert_int_equal(backend.capacity_bytes, DISK_SIZE);
	assert_false(backend.readonly);
	assert_non_null(backend.ops->read);
	assert_non_null(backend.ops->write);
	assert_non_null(backend.ops->flush);
	assert_memory_equal(backend.serial, "test-disk\0", 10);
	assert_int_equal(f->kicks, 1);
}

static void test_read_and_write_across_segments_and_chunks(void **state)
{
	/* A data region of 1 KiB: a 10 KiB transfer takes ten round trips. */
	struct fixture *f = fixture_new(1024);
	struct blkq_info info;
	struct blk_backend backend;
	static uint8_t a[3072], b[512], c[6656], want[10240];
	struct blk_io_segment segs[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};

	(void)state;
	assert_int_equal(blkq_client_info(&f->client, &info), 0);
	blkq_client_backend(&f->client, &info, &backend);
	f->kicks = 0;
	assert_int_equal(backend.ops->read(backend.ctx, 8192, segs, 3), 0);
	assert_int_equal(f->kicks, 10);
	assert_memory_equal(a, f->disk_bytes + 8192, sizeof(a));
	assert_memory_equal(b, f->disk_bytes + 8192 + 3072, sizeof(b));
	assert_memory_equal(c, f->disk_bytes + 8192 + 3584, sizeof(c));

	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (uint8_t)(0xa5 ^ i);
	memcpy(a, want, sizeof(a));
	memcpy(b, want + 3072, sizeof(b));
	memcpy(c, want + 3584, sizeof(c));
	assert_int_equal(backend.ops->write(backend.ctx, 512, segs, 3), 0);
	assert_memory_equal(f->disk_bytes + 512, want, sizeof(want));
	assert_int_equal(backend.ops->flush(backend.ctx), 0);
}

static void test_readonly_disk_refuses_writes(void **state)
{
	struct fixture *f = fixture_new(4096);
	struct blkq_info info;
	struct blk_backend backend;
	uint8_t sector[512] = {1};
	struct blk_io_segment seg = {sector, sizeof(sector)};

	(void)state;
	f->disk.readonly = true;
	assert_int_equal(blkq_client_info(&f->client, &info), 0);
	assert_int_equal(info.flags, BLKQ_INFO_READONLY);
	blkq_client_backend(&f->client, &info, &backend);
	assert_true(backend.readonly);
	/* The server refuses even if svmm asked anyway. */
	assert_int_equal(backend.ops->write(backend.ctx, 0, &seg, 1), -SVMM_ENOTSUP);
	assert_int_equal(f->disk_bytes[0], 0);
}

/* Posts a raw request and serves it; returns the response. */
static struct blkq_response raw_request(struct fixture *f, struct blkq_request req)
{
	struct blkq_header *h = (struct blkq_header *)f->queue;
	struct blkq_request *requests = (struct blkq_request *)(f->queue + BLKQ_REQUESTS_OFFSET);
	struct blkq_response *responses =
	    (struct blkq_response *)(f->queue + BLKQ_RESPONSES_OFFSET);
	struct blkq_response resp;

	requests[h->req_head % BLKQ_RING_ENTRIES] = req;
	h->req_head++;
	assert_int_equal(blkq_serve(f->queue, sizeof(f->queue), f->data, sizeof(f->data), &f->disk),
			 1);
	resp = responses[h->resp_tail % BLKQ_RING_ENTRIES];
	h->resp_tail++;
	return resp;
}

static void test_server_checks_every_request(void **state)
{
	struct fixture *f = fixture_new(4096);
	struct blkq_response r;

	(void)state;
	/* Data slices past the data region. */
	r = raw_request(f, (struct blkq_request){
			       .id = 7, .op = BLKQ_OP_READ, .data = 4096 - 511, .length = 512});
	assert_int_equal(r.id, 7);
	assert_int_equal(r.status, BLKQ_EINVAL);
	r = raw_request(
	    f, (struct blkq_request){.op = BLKQ_OP_READ, .data = UINT64_MAX - 10, .length = 512});
	assert_int_equal(r.status, BLKQ_EINVAL);
	/* Disk ranges past the disk, including ones that wrap. */
	r = raw_request(f, (struct blkq_request){
			       .op = BLKQ_OP_WRITE, .offset = DISK_SIZE - 512, .length = 1024});
	assert_int_equal(r.status, BLKQ_EINVAL);
	r = raw_request(f, (struct blkq_request){
			       .op = BLKQ_OP_READ, .offset = UINT64_MAX - 100, .length = 512});
	assert_int_equal(r.status, BLKQ_EINVAL);
	/* INFO needs room for its answer; unknown operations are unsupported. */
	r = raw_request(f, (struct blkq_request){.op = BLKQ_OP_INFO, .length = 8});
	assert_int_equal(r.status, BLKQ_EINVAL);
	r = raw_request(f, (struct blkq_request){.op = 99});
	assert_int_equal(r.status, BLKQ_ENOTSUP);
	/* The last sector is fine. */
	r = raw_request(f,
			(struct blkq_request){
			    .id = 9, .op = BLKQ_OP_READ, .offset = DISK_SIZE - 512, .length = 512});
	assert_int_equal(r.status, BLKQ_OK);
	assert_int_equal(r.length, 512);
	assert_memory_equal(f->data, f->disk_bytes + DISK_SIZE - 512, 512);
}

static void test_missing_and_late_responses(void **state)
{
	struct fixture *f = fixture_new(4096);
	struct blkq_info info;

	(void)state;
	/* The kick failed, or returned before the server answered: an I/O error. */
	f->kick_error = -SVMM_EBUSY;
	assert_int_equal(blkq_client_info(&f->client, &info), -SVMM_EBUSY);
	f->kick_error = 0;
	f->serve_on_kick = false;
	assert_int_equal(blkq_client_info(&f->client, &info), -SVMM_EIO);
	/* Served later, the two old requests' responses are skipped for the new one. */
	f->serve_on_kick = true;
	assert_int_equal(blkq_client_info(&f->client, &info), 0);
	assert_int_equal(info.capacity, DISK_SIZE);
	assert_int_equal(blkq_client_info(&f->client, &info), 0);
}

static void test_full_rings(void **state)
{
	struct fixture *f = fixture_new(4096);
	struct blkq_header *h = (struct blkq_header *)f->queue;
	struct blkq_info info;

	(void)state;
	/* A server that never answers: the request ring fills, then svmm stops posting. */
	f->serve_on_kick = false;
	for (unsigned i = 0; i < BLKQ_RING_ENTRIES; i++)
		assert_int_equal(blkq_client_info(&f->client, &info), -SVMM_EIO);
	assert_int_equal(blkq_client_info(&f->client, &info), -SVMM_EBUSY);
	/* The server answers as many as the response ring holds, and no more. */
	h->resp_head = h->resp_tail + BLKQ_RING_ENTRIES - 2;
	assert_int_equal(blkq_serve(f->queue, sizeof(f->queue), f->data, sizeof(f->data), &f->disk),
			 2);
	assert_int_equal(h->req_head - h->req_tail, BLKQ_RING_ENTRIES - 2);
}

static void test_server_ignores_a_bad_queue(void **state)
{
	struct fixture *f = fixture_new(4096);
	struct blkq_header *h = (struct blkq_header *)f->queue;

	(void)state;
	h->req_head = 1;
	h->magic ^= 1;
	assert_int_equal(blkq_serve(f->queue, sizeof(f->queue), f->data, sizeof(f->data), &f->disk),
			 0);
	h->magic ^= 1;
	assert_int_equal(blkq_serve(f->queue, 100, f->data, sizeof(f->data), &f->disk), 0);
	/* Indices no producer could have written. */
	h->req_head = h->req_tail + BLKQ_RING_ENTRIES + 1;
	assert_int_equal(blkq_serve(f->queue, sizeof(f->queue), f->data, sizeof(f->data), &f->disk),
			 0);
}

static void test_client_init_checks_regions(void **state)
{
	static _Alignas(4096) uint8_t queue[BLKQ_QUEUE_REGION_SIZE], data[4096];
	struct blkq_client c;

	(void)state;
	assert_int_equal(blkq_client_init(&c, NULL, 0, data, sizeof(data), kick, NULL),
			 -SVMM_EINVAL);
	assert_int_equal(blkq_client_init(&c, queue, 100, data, sizeof(data), kick, NULL),
			 -SVMM_EINVAL);
	assert_int_equal(blkq_client_init(&c, queue, sizeof(queue), data, 16, kick, NULL),
			 -SVMM_EINVAL);
	assert_int_equal(blkq_client_init(&c, queue, sizeof(queue), data, sizeof(data), NULL, NULL),
			 -SVMM_EINVAL);
	assert_int_equal(blkq_client_init(&c, queue, sizeof(queue), data, 1000, kick, NULL), 0);
	assert_int_equal(c.data_size, 512);
	assert_int_equal(((struct blkq_header *)queue)->magic, BLKQ_MAGIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_info_describes_the_disk),
	    cmocka_unit_test(test_read_and_write_across_segments_and_chunks),
	    cmocka_unit_test(test_readonly_disk_refuses_writes),
	    cmocka_unit_test(test_server_checks_every_request),
	    cmocka_unit_test(test_missing_and_late_responses),
	    cmocka_unit_test(test_full_rings),
	    cmocka_unit_test(test_server_ignores_a_bad_queue),
	    cmocka_unit_test(test_client_init_checks_regions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
