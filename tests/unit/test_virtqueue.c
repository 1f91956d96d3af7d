/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The split virtqueue against a hostile driver: every way of breaking a
 * ring this implementation knows, each with the error it must give (and
 * nothing consumed), and the well-formed paths a real driver takes.
 *
 * Guest RAM is exactly RAM_SIZE bytes, so a buffer one byte past its end
 * is outside guest memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "tests/fuzz/fake_guest.h"
#include "virtio/virtqueue.h"

#define RAM_GPA	  0x40000000ull
#define RAM_SIZE  0x10000ull
#define RAM_END	  (RAM_GPA + RAM_SIZE)
#define QSIZE	  8
#define RING_GPA  RAM_GPA
#define BUF_GPA	  (RAM_GPA + 0x8000) /* data buffers */
#define TABLE_GPA (RAM_GPA + 0x4000) /* indirect tables */

struct fixture {
	struct vm vm;
	struct fake_guest g;
	struct fake_ring r;
	struct virtq vq;
	struct virtq_chain chain;
};

static void setup_queue(struct fixture *f, uint16_t size, bool indirect, bool event_idx)
{
	virtq_reset(&f->vq, &f->vm.mem);
	fake_ring_init(&f->r, &f->g, size, RING_GPA);
	fake_ring_to_virtq(&f->r, &f->vq);
	f->vq.indirect = indirect;
	f->vq.event_idx = event_idx;
	assert_int_equal(virtq_enable(&f->vq), 0);
	assert_true(f->vq.ready);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	vm_init(&f->vm, "test", NULL);
	assert_int_equal(fake_guest_init(&f->g, &f->vm.mem, RAM_GPA, RAM_SIZE), 0);
	setup_queue(f, QSIZE, true, false);
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

/*
 * The ring holds one request, whose chain virtq_next_chain() must refuse
 * with `err`: again on a second try, with nothing consumed.
 */
static void expect_rejected(struct fixture *f, int err)
{
	uint16_t before = f->vq.next_avail;

	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), -err);
	assert_int_equal(f->vq.next_avail, before);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), -err);
	assert_int_equal(f->vq.next_avail, before);
}

/* Makes descriptor `head` available. */
static void publish(struct fixture *f, uint16_t head)
{
	fake_ring_publish(&f->r, head);
}

/* ---- hostile rings ---- */

static void test_descriptor_loop(void **state)
{
	struct fixture *f = *state;

	fake_ring_set_desc(&f->r, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	fake_ring_set_desc(&f->r, 1, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 0);
	publish(f, 0);
	expect_rejected(f, VIRTQ_ERR_CHAIN_TOO_LONG);
}

static void test_self_loop(void **state)
{
	struct fixture *f = *state;

	fake_ring_set_desc(&f->r, 3, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 3);
	publish(f, 3);
	expect_rejected(f, VIRTQ_ERR_CHAIN_TOO_LONG);
}

/* Every descriptor of the table, then one more: longer than the queue. */
static void test_chain_longer_than_queue(void **state)
{
	struct fixture *f = *state;

	for (uint16_t i = 0; i < QSIZE; i++)
		fake_ring_set_desc(&f->r, i, BUF_GPA + i, 1, VIRTQ_DESC_F_NEXT,
				   (uint16_t)((i + 1) % QSIZE));
	publish(f, 0);
	expect_rejected(f, VIRTQ_ERR_CHAIN_TOO_LONG);
}

/* The longest legal chain: all `size` descriptors. */
static void test_chain_as_long_as_queue(void **state)
{
	struct fixture *f = *state;

	for (uint16_t i = 0; i < QSIZE; i++)
		fake_ring_set_desc(&f->r, i, BUF_GPA + i, 1, i + 1 < QSIZE ? VIRTQ_DESC_F_NEXT : 0,
				   (uint16_t)(i + 1));
	publish(f, 0);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.count, QSIZE);
	assert_int_equal(f->chain.readable_len, QSIZE);
}

static void test_buffer_past_ram(void **state)
{
	struct fixture *f = *state;

	/* Starts in RAM, ends one byte past it. */
	fake_ring_set_desc(&f->r, 0, RAM_END - 15, 16, 0, 0);
	publish(f, 0);
	expect_rejected(f, VIRTQ_ERR_BUFFER_ADDRESS);
}

static void test_buffer_outside_ram(void **state)
{
	struct fixture *f = *state;

	fake_ring_set_desc(&f->r, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	fake_ring_set_desc(&f->r, 1, RAM_GPA - 0x1000, 16, VIRTQ_DESC_F_WRITE, 0);
	publish(f, 0);
	expect_rejected(f, VIRTQ_ERR_BUFFER_ADDRESS);
}

/* A buffer ending exactly at the end of RAM is fine. */
static void test_buffer_at_ram_end(void **state)
{
	struct fixture *f = *state;

	fake_ring_set_desc(&f->r, 0, RAM_END - 16, 16, VIRTQ_DESC_F_WRITE, 0);
	publish(f, 0);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.segments[0].gpa, RAM_END - 16);
}

/* gpa + len overflows 64 bits: must not wrap around into RAM. */
static void test_buffer_length_wraps(void **state)
{
	struct fixture *f = *state;

	fake_ring_set_desc(&f->r, 0, 0xfffffffffffffff0ull, 0x40000020u, 0, 0);
	publish(f, 0);
	expect_rejected(f, VIRTQ_ERR_BUFFER_ADDRESS);
}

static void test_indirect_inside_indirect(void **state)
{
	struct fixture *f = *state;
	uint64_t t = TABLE_GPA;

	/* Entry 0 an ordinary buffer, entry 1 another table. */
	fake_guest_put64(&f->g, t, BUF_GPA);
	fake_guest_put32(&f->g, t + 8, 16);
	fake_guest_put16(&f->g, t + 12, VIRTQ_DESC_F_NEXT);
	fake_guest_put16(&f->g, t + 14, 1);
	fake_guest_put64(&f->g, t + 16, TABLE_GPA + 0x100);
	fake_guest_put32(&f->g, t + 24, 32);
	fake_guest_put16(&f->g, t + 28, VIRTQ_DESC_F_INDIRECT);
	fake_ring_set_desc(&f->r, 0, t, 32, VIRTQ_DESC_F_INDIRECT, 0);
	publish(f, 0);
	expect_rejected(f, VIRTQ_ERR_INDIRECT);
}

static void test_indirect_not_negotiated(void **state)
{
	struct fixture *f = *state;
	struct fake_buf buf = {BUF_GPA, 16, false};

	setup_queue(f, QSIZE, false, false);
	fake_ring_post_indirect(&f->r, TABLE_GPA, &buf, 1);
	expect_rejected(f, VIRTQ_ERR_INDIRECT);
}

static void test_indirect_with_next(void **state)
{
	struct fixture *f = *state;
	struct fake_buf buf = {BUF_GPA, 16, false};

	fake_ring_add_indirect(&f->r, TABLE_GPA, &buf, 1);
	fake_ring_set_desc(&f->r, 0, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	fake_ring_set_desc(&f->r, 1, BUF_GPA, 16, 0, 0);
	publish(f, 0);
	expect_rejected(f, VIRTQ_ERR_INDIRECT);
}

static void expect_table_len_rejected(struct fixture *f, uint32_t len, int err)
{
	setup_queue(f, QSIZE, true, false);
	fake_ring_set_desc(&f->r, 0, TABLE_GPA, len, VIRTQ_DESC_F_INDIRECT, 0);
	publish(f, 0);
	expect_rejected(f, err);
}

static void test_indirect_table_length(void **state)
{
	struct fixture *f = *state;

	/* A table entry is a whole descriptor: 16 bytes each. */
	expect_table_len_rejected(f, 24, VIRTQ_ERR_INDIRECT);
	expect_table_len_rejected(f, 8, VIRTQ_ERR_INDIRECT);
	expect_table_len_rejected(f, 0, VIRTQ_ERR_INDIRECT);
	/* More entries than a request may have segments. */
	expect_table_len_rejected(f, (VIRTQ_MAX_CHAIN + 1) * 16, VIRTQ_ERR_INDIRECT);
	expect_table_len_rejected(f, 0xfffffff0u, VIRTQ_ERR_INDIRECT);
}

static void test_indirect_table_outside_ram(void **state)
{
	struct fixture *f = *state;

	fake_ring_set_desc(&f->r, 0, RAM_END - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	publish(f, 0);
	expect_rejected(f, VIRTQ_ERR_BUFFER_ADDRESS);
}

static void test_indirect_loop(void **state)
{
	struct fixture *f = *state;
	uint64_t t = TABLE_GPA;

	for (unsigned i = 0; i < 2; i++) {
		fake_guest_put64(&f->g, t + 16 * i, BUF_GPA);
		fake_guest_put32(&f->g, t + 16 * i + 8, 4);
		fake_guest_put16(&f->g, t + 16 * i + 12, VIRTQ_DESC_F_NEXT);
		fake_guest_put16(&f->g, t + 16 * i + 14, (uint16_t)(1 - i));
	}
	fake_ring_set_desc(&f->r, 0, t, 32, VIRTQ_DESC_F_INDIRECT, 0);
	publish(f, 0);
	expect_rejected(f, VIRTQ_ERR_CHAIN_TOO_LONG);
}

static void test_indirect_next_index(void **state)
{
	struct fixture *f = *state;
	struct fake_buf bufs[2] = {{BUF_GPA, 4, false}, {BUF_GPA + 4, 4, false}};

	fake_ring_post_indirect(&f->r, TABLE_GPA, bufs, 2);
	/* The last entry points past a two-entry table. */
	fake_guest_put16(&f->g, TABLE_GPA + 16 + 12, VIRTQ_DESC_F_NEXT);
	fake_guest_put16(&f->g, TABLE_GPA + 16 + 14, 2);
	expect_rejected(f, VIRTQ_ERR_NEXT_INDEX);
}

static void test_head_index(void **state)
{
	struct fixture *f = *state;

	fake_ring_set_desc(&f->r, 0, BUF_GPA, 16, 0, 0);
	publish(f, QSIZE);
	expect_rejected(f, VIRTQ_ERR_HEAD_INDEX);
	fake_guest_put16(&f->g, f->r.avail + 4, 0xffff);
	expect_rejected(f, VIRTQ_ERR_HEAD_INDEX);
}

static void test_next_index(void **state)
{
	struct fixture *f = *state;

	fake_ring_set_desc(&f->r, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, QSIZE);
	publish(f, 0);
	expect_rejected(f, VIRTQ_ERR_NEXT_INDEX);
}

static void test_avail_jump(void **state)
{
	struct fixture *f = *state;
	struct fake_buf buf = {BUF_GPA, 16, false};

	for (unsigned i = 0; i < QSIZE; i++)
		fake_ring_post(&f->r, &buf, 1);
	/* size + 1 requests cannot be outstanding... */
	fake_ring_set_avail_idx(&f->r, QSIZE + 1);
	expect_rejected(f, VIRTQ_ERR_AVAIL_JUMP);
	/* ...nor can the index move backwards (a huge jump modulo 2^16). */
	fake_ring_set_avail_idx(&f->r, 0xffff);
	expect_rejected(f, VIRTQ_ERR_AVAIL_JUMP);
	/* Exactly `size` is a full ring, which is fine. */
	fake_ring_set_avail_idx(&f->r, QSIZE);
	for (unsigned i = 0; i < QSIZE; i++)
		assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 0);
}

static void test_readable_after_writable(void **state)
{
	struct fixture *f = *state;
	struct fake_buf bufs[3] = {
	    {BUF_GPA, 16, false}, {BUF_GPA + 16, 16, true}, {BUF_GPA + 32, 16, false}};

	fake_ring_post(&f->r, bufs, 3);
	expect_rejected(f, VIRTQ_ERR_ORDER);
}

static void test_readable_after_writable_indirect(void **state)
{
	struct fixture *f = *state;
	struct fake_buf bufs[2] = {{BUF_GPA, 16, true}, {BUF_GPA + 16, 16, false}};

	fake_ring_post_indirect(&f->r, TABLE_GPA, bufs, 2);
	expect_rejected(f, VIRTQ_ERR_ORDER);
}

/* A writable direct descriptor, then a table starting with a readable one. */
static void test_readable_after_writable_mixed(void **state)
{
	struct fixture *f = *state;
	struct fake_buf in_table = {BUF_GPA + 16, 16, false};

	fake_ring_add_indirect(&f->r, TABLE_GPA, &in_table, 1);
	fake_ring_set_desc(&f->r, 5, BUF_GPA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	publish(f, 5);
	expect_rejected(f, VIRTQ_ERR_ORDER);
}

static void expect_enable_fails(struct fixture *f, uint16_t size, uint64_t desc, uint64_t avail,
				uint64_t used)
{
	virtq_reset(&f->vq, &f->vm.mem);
	f->vq.size = size;
	f->vq.desc_gpa = desc;
	f->vq.avail_gpa = avail;
	f->vq.used_gpa = used;
	assert_int_equal(virtq_enable(&f->vq), -VIRTQ_ERR_RING_ADDRESS);
	assert_false(f->vq.ready);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), -VIRTQ_ERR_NOT_READY);
}

static void test_rings_outside_ram(void **state)
{
	struct fixture *f = *state;
	uint64_t desc = RAM_GPA, avail = RAM_GPA + 0x1000, used = RAM_GPA + 0x2000;

	expect_enable_fails(f, QSIZE, RAM_GPA - 0x1000, avail, used);
	expect_enable_fails(f, QSIZE, desc, RAM_END, used);
	expect_enable_fails(f, QSIZE, desc, avail, 0);
	/* Each ring straddling the end of RAM by a little (aligned, so only the range is wrong). */
	expect_enable_fails(f, QSIZE, RAM_END - 16 * QSIZE + 16, avail, used);
	expect_enable_fails(f, QSIZE, desc, RAM_END - (6 + 2 * QSIZE) + 2, used);
	expect_enable_fails(f, QSIZE, desc, avail, RAM_END - (6 + 8 * QSIZE + 2) + 4);
	/* Misaligned rings (descriptors 16, avail 2, used 4 bytes). */
	expect_enable_fails(f, QSIZE, desc + 8, avail, used);
	expect_enable_fails(f, QSIZE, desc, avail + 1, used);
	expect_enable_fails(f, QSIZE, desc, avail, used + 2);
	/* Rings ending at the very end of RAM are fine (used is 2 short, to stay aligned). */
	virtq_reset(&f->vq, &f->vm.mem);
	f->vq.size = QSIZE;
	f->vq.desc_gpa = RAM_END - 16 * QSIZE;
	f->vq.avail_gpa = RAM_END - (6 + 2 * QSIZE);
	f->vq.used_gpa = RAM_END - (6 + 8 * QSIZE + 2);
	assert_int_equal(virtq_enable(&f->vq), 0);
}

static void test_bad_sizes(void **state)
{
	struct fixture *f = *state;
	static const uint16_t bad[] = {0, 3, 6, 100, 255, 257, 512, 0x8000, 0xffff};
	static const uint16_t good[] = {1, 2, 4, 128, VIRTQ_MAX_SIZE};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_enable_fails(f, bad[i], RAM_GPA, RAM_GPA + 0x1000, RAM_GPA + 0x2000);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		virtq_reset(&f->vq, &f->vm.mem);
		f->vq.size = good[i];
		f->vq.desc_gpa = RAM_GPA;
		f->vq.avail_gpa = RAM_GPA + 0x1000;
		f->vq.used_gpa = RAM_GPA + 0x2000;
		assert_int_equal(virtq_enable(&f->vq), 0);
	}
}

static void test_not_ready(void **state)
{
	struct fixture *f = *state;

	virtq_reset(&f->vq, &f->vm.mem);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), -VIRTQ_ERR_NOT_READY);
	assert_int_equal(virtq_push_used(&f->vq, 0, 0), -VIRTQ_ERR_NOT_READY);
	assert_false(virtq_needs_interrupt(&f->vq));
}

/* ---- well-formed requests ---- */

static void test_empty(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 0);
	assert_int_equal(f->vq.next_avail, 0);
}

static void test_simple_chain(void **state)
{
	struct fixture *f = *state;
	struct fake_buf bufs[3] = {
	    {BUF_GPA, 16, false}, {BUF_GPA + 0x100, 512, false}, {BUF_GPA + 0x400, 1, true}};
	uint16_t head = fake_ring_post(&f->r, bufs, 3);

	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.head, head);
	assert_int_equal(f->chain.count, 3);
	assert_int_equal(f->chain.readable_count, 2);
	assert_int_equal(f->chain.readable_len, 528);
	assert_int_equal(f->chain.writable_len, 1);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(f->chain.segments[i].gpa, bufs[i].gpa);
		assert_int_equal(f->chain.segments[i].len, bufs[i].len);
		assert_int_equal(f->chain.segments[i].device_writes, bufs[i].device_writes);
	}
	assert_int_equal(f->vq.next_avail, 1);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 0);
}

static void test_chains_in_order(void **state)
{
	struct fixture *f = *state;
	struct fake_buf a = {BUF_GPA, 1, false}, b = {BUF_GPA + 1, 2, true};
	uint16_t ha = fake_ring_post(&f->r, &a, 1), hb = fake_ring_post(&f->r, &b, 1);

	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.head, ha);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.head, hb);
	assert_int_equal(f->chain.readable_count, 0);
	assert_int_equal(f->chain.writable_len, 2);
}

static void test_indirect_chain(void **state)
{
	struct fixture *f = *state;
	struct fake_buf bufs[3] = {
	    {BUF_GPA, 16, false}, {BUF_GPA + 0x100, 100, true}, {BUF_GPA + 0x200, 1, true}};
	uint16_t head = fake_ring_post_indirect(&f->r, TABLE_GPA, bufs, 3);

	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.head, head);
	assert_int_equal(f->chain.count, 3);
	assert_int_equal(f->chain.readable_count, 1);
	assert_int_equal(f->chain.readable_len, 16);
	assert_int_equal(f->chain.writable_len, 101);
	assert_int_equal(f->chain.segments[2].gpa, BUF_GPA + 0x200);
}

/* The WRITE flag on the descriptor naming a table means nothing (2.7.5.3). */
static void test_indirect_pointer_write_flag_ignored(void **state)
{
	struct fixture *f = *state;
	struct fake_buf buf = {BUF_GPA, 16, false};
	uint16_t head = fake_ring_add_indirect(&f->r, TABLE_GPA, &buf, 1);

	fake_ring_set_desc(&f->r, head, TABLE_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE,
			   0);
	publish(f, head);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.readable_count, 1);
}

/* Direct descriptors, then one naming a table, which the device must handle. */
static void test_direct_then_indirect(void **state)
{
	struct fixture *f = *state;
	struct fake_buf in_table = {BUF_GPA + 0x100, 8, true};
	uint16_t table = fake_ring_add_indirect(&f->r, TABLE_GPA, &in_table, 1);

	fake_ring_set_desc(&f->r, 4, BUF_GPA, 4, VIRTQ_DESC_F_NEXT, table);
	publish(f, 4);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.head, 4);
	assert_int_equal(f->chain.count, 2);
	assert_int_equal(f->chain.readable_len, 4);
	assert_int_equal(f->chain.writable_len, 8);
}

/* A table as large as a request may be, every entry a buffer. */
static void test_largest_indirect_table(void **state)
{
	struct fixture *f = *state;
	struct fake_buf *bufs = calloc(VIRTQ_MAX_CHAIN, sizeof(*bufs));

	assert_non_null(bufs);
	for (unsigned i = 0; i < VIRTQ_MAX_CHAIN; i++)
		bufs[i] = (struct fake_buf){BUF_GPA + i, 1, i >= VIRTQ_MAX_CHAIN / 2};
	fake_ring_post_indirect(&f->r, TABLE_GPA, bufs, VIRTQ_MAX_CHAIN);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.count, VIRTQ_MAX_CHAIN);
	assert_int_equal(f->chain.readable_count, VIRTQ_MAX_CHAIN / 2);
	free(bufs);
}

/* Zero-length buffers are allowed but carry nothing: not listed as segments. */
static void test_zero_length_buffer(void **state)
{
	struct fixture *f = *state;
	/* The empty one's address is not even in RAM: it is never used. */
	struct fake_buf bufs[3] = {{BUF_GPA, 4, false}, {0, 0, false}, {BUF_GPA + 4, 4, true}};

	fake_ring_post(&f->r, bufs, 3);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.count, 2);
	assert_int_equal(f->chain.readable_count, 1);
	assert_int_equal(f->chain.segments[1].gpa, BUF_GPA + 4);
}

/* Readable segments of 3, 5 and 7 bytes holding 0, 1, 2, ... 14. */
static void post_numbered(struct fixture *f)
{
	struct fake_buf bufs[4] = {{BUF_GPA, 3, false},
				   {BUF_GPA + 0x100, 5, false},
				   {BUF_GPA + 0x200, 7, false},
				   {BUF_GPA + 0x300, 9, true}};
	uint8_t n = 0;

	for (unsigned i = 0; i < 3; i++)
		for (unsigned j = 0; j < bufs[i].len; j++)
			fake_guest_put(&f->g, bufs[i].gpa + j, n++, 1);
	fake_ring_post(&f->r, bufs, 4);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
}

static void test_chain_read(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[16];

	post_numbered(f);
	/* Across all three segments. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(virtq_chain_read(&f->vq, &f->chain, 2, buf, 10), 0);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(buf[i], 2 + i);
	assert_int_equal(buf[10], 0xee);
	/* All of it, and the very end. */
	assert_int_equal(virtq_chain_read(&f->vq, &f->chain, 0, buf, 15), 0);
	assert_int_equal(buf[14], 14);
	assert_int_equal(virtq_chain_read(&f->vq, &f->chain, 14, buf, 1), 0);
	assert_int_equal(buf[0], 14);
	assert_int_equal(virtq_chain_read(&f->vq, &f->chain, 15, buf, 0), 0);
	/* Past the end: an error, and nothing copied. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(virtq_chain_read(&f->vq, &f->chain, 10, buf, 6),
			 -VIRTQ_ERR_BUFFER_ADDRESS);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(virtq_chain_read(&f->vq, &f->chain, 16, buf, 0),
			 -VIRTQ_ERR_BUFFER_ADDRESS);
	assert_int_equal(virtq_chain_read(&f->vq, &f->chain, UINT64_MAX, buf, 2),
			 -VIRTQ_ERR_BUFFER_ADDRESS);
	assert_int_equal(virtq_chain_read(&f->vq, &f->chain, 1, buf, SIZE_MAX),
			 -VIRTQ_ERR_BUFFER_ADDRESS);
}

static void test_chain_write(void **state)
{
	struct fixture *f = *state;
	struct fake_buf bufs[3] = {
	    {BUF_GPA, 4, false}, {BUF_GPA + 0x100, 3, true}, {BUF_GPA + 0x200, 5, true}};
	const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	fake_guest_fill(&f->g, BUF_GPA, 0xee, 0x300);
	fake_ring_post(&f->r, bufs, 3);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	/* Writable bytes only: offset 1 is the second byte of the first writable segment. */
	assert_int_equal(virtq_chain_write(&f->vq, &f->chain, 1, data, 6), 0);
	assert_int_equal(fake_guest_get(&f->g, BUF_GPA + 0x100, 1), 0xee);
	assert_int_equal(fake_guest_get(&f->g, BUF_GPA + 0x101, 1), 1);
	assert_int_equal(fake_guest_get(&f->g, BUF_GPA + 0x102, 1), 2);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(fake_guest_get(&f->g, BUF_GPA + 0x200 + i, 1), 3 + i);
	assert_int_equal(fake_guest_get(&f->g, BUF_GPA + 0x204, 1), 0xee);
	/* The readable segment is untouched. */
	assert_int_equal(fake_guest_get32(&f->g, BUF_GPA), 0xeeeeeeeeu);
	/* Past the end of the writable space: nothing written. */
	assert_int_equal(virtq_chain_write(&f->vq, &f->chain, 4, data, 5),
			 -VIRTQ_ERR_BUFFER_ADDRESS);
	assert_int_equal(fake_guest_get(&f->g, BUF_GPA + 0x201, 1), 4);
	assert_int_equal(virtq_chain_write(&f->vq, &f->chain, 7, data, 1), 0);
	assert_int_equal(fake_guest_get(&f->g, BUF_GPA + 0x204, 1), 1);
}

static void test_push_used(void **state)
{
	struct fixture *f = *state;
	struct fake_buf buf = {BUF_GPA, 16, true};
	uint16_t head;
	uint32_t id, len;

	fake_ring_post(&f->r, &buf, 1);
	head = fake_ring_post(&f->r, &buf, 1);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	/* Completed out of order: the used ring says which. */
	assert_int_equal(virtq_push_used(&f->vq, head, 12), 0);
	assert_int_equal(fake_ring_used_idx(&f->r), 1);
	assert_true(fake_ring_pop_used(&f->r, &id, &len));
	assert_int_equal(id, head);
	assert_int_equal(len, 12);
	assert_false(fake_ring_pop_used(&f->r, &id, &len));
	/* A head past the table is the device's bug, refused before it reaches the ring. */
	assert_int_equal(virtq_push_used(&f->vq, QSIZE, 0), -VIRTQ_ERR_USED_INDEX);
	assert_int_equal(fake_ring_used_idx(&f->r), 1);
}

/* Several elements, one used->idx store: the driver sees all or nothing. */
static void test_push_used_batch(void **state)
{
	struct fixture *f = *state;
	const struct virtq_used_elem elems[3] = {{2, 100}, {0, 200}, {1, 300}};
	const struct virtq_used_elem bad[2] = {{3, 1}, {QSIZE, 1}};
	uint32_t id, len;

	assert_int_equal(virtq_push_used_batch(&f->vq, elems, 3), 0);
	assert_int_equal(fake_ring_used_idx(&f->r), 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(fake_ring_pop_used(&f->r, &id, &len));
		assert_int_equal(id, elems[i].head);
		assert_int_equal(len, elems[i].written);
	}
	/* One bad element: the index does not move, so no element is handed over. */
	assert_int_equal(virtq_push_used_batch(&f->vq, bad, 2), -VIRTQ_ERR_USED_INDEX);
	assert_int_equal(fake_ring_used_idx(&f->r), 3);
	/* More elements than the ring holds cannot be one update. */
	assert_int_equal(virtq_push_used_batch(&f->vq, elems, QSIZE + 1), -VIRTQ_ERR_USED_INDEX);
	assert_int_equal(fake_ring_used_idx(&f->r), 3);
}

static void test_needs_interrupt_flag(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(virtq_push_used(&f->vq, 0, 0), 0);
	assert_true(virtq_needs_interrupt(&f->vq));
	/* Nothing new since: no interrupt. */
	assert_false(virtq_needs_interrupt(&f->vq));
	fake_ring_set_avail_flags(&f->r, VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(virtq_push_used(&f->vq, 1, 0), 0);
	assert_false(virtq_needs_interrupt(&f->vq));
	fake_ring_set_avail_flags(&f->r, 0);
	assert_int_equal(virtq_push_used(&f->vq, 2, 0), 0);
	assert_true(virtq_needs_interrupt(&f->vq));
}

/* With EVENT_IDX the flag means nothing: used_event decides. */
static void test_event_idx_suppression(void **state)
{
	struct fixture *f = *state;

	setup_queue(f, QSIZE, true, true);
	fake_ring_set_avail_flags(&f->r, VIRTQ_AVAIL_F_NO_INTERRUPT);
	/* The driver wants to hear once used->idx passes 2, i.e. when entry 2 is used. */
	fake_ring_set_used_event(&f->r, 2);
	assert_int_equal(virtq_push_used(&f->vq, 0, 0), 0);
	assert_true(virtq_needs_interrupt(&f->vq)); /* the first decision always interrupts */
	assert_int_equal(virtq_push_used(&f->vq, 1, 0), 0);
	assert_false(virtq_needs_interrupt(&f->vq));
	assert_int_equal(virtq_push_used(&f->vq, 2, 0), 0);
	assert_true(virtq_needs_interrupt(&f->vq));
	assert_int_equal(virtq_push_used(&f->vq, 3, 0), 0);
	assert_false(virtq_needs_interrupt(&f->vq));
	/* Several pushes before one decision: the event lies among them. */
	fake_ring_set_used_event(&f->r, 5);
	assert_int_equal(virtq_push_used(&f->vq, 4, 0), 0);
	assert_int_equal(virtq_push_used(&f->vq, 5, 0), 0);
	assert_int_equal(virtq_push_used(&f->vq, 6, 0), 0);
	assert_true(virtq_needs_interrupt(&f->vq));
	/* An event already passed before the last decision: no interrupt. */
	fake_ring_set_used_event(&f->r, 5);
	assert_int_equal(virtq_push_used(&f->vq, 7, 0), 0);
	assert_false(virtq_needs_interrupt(&f->vq));
}

static void test_avail_event(void **state)
{
	struct fixture *f = *state;
	struct fake_buf buf = {BUF_GPA, 16, false};

	/* Without EVENT_IDX nothing is written where avail_event would be. */
	fake_guest_put16(&f->g, f->r.used + 4 + 8 * QSIZE, 0x1234);
	fake_ring_post(&f->r, &buf, 1);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	virtq_publish_avail_event(&f->vq);
	assert_int_equal(fake_ring_avail_event(&f->r), 0x1234);

	setup_queue(f, QSIZE, true, true);
	virtq_publish_avail_event(&f->vq);
	assert_int_equal(fake_ring_avail_event(&f->r), 0);
	fake_ring_post(&f->r, &buf, 1);
	fake_ring_post(&f->r, &buf, 1);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 0);
	virtq_publish_avail_event(&f->vq);
	assert_int_equal(fake_ring_avail_event(&f->r), 2);
	/* The device never asks not to be notified. */
	assert_int_equal(fake_ring_used_flags(&f->r), 0);
}

/* The free-running 16-bit indices wrap from 65535 to 0 on both rings. */
static void test_index_wraparound(void **state)
{
	struct fixture *f = *state;
	struct fake_buf buf = {BUF_GPA, 16, true};
	uint32_t id, len;

	setup_queue(f, QSIZE, true, true);
	/* As if 65533 requests had come and gone. */
	f->vq.next_avail = 65533;
	f->vq.next_used = 65533;
	f->r.avail_idx = 65533;
	f->r.last_used = 65533;
	fake_guest_put16(&f->g, f->r.used + 2, 65533);
	for (unsigned i = 0; i < 5; i++)
		fake_ring_post(&f->r, &buf, 1);
	assert_int_equal(f->r.avail_idx, 2);
	fake_ring_set_used_event(&f->r, 65535);
	assert_int_equal(virtq_needs_interrupt(&f->vq), true); /* first decision */
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
		assert_int_equal(virtq_push_used(&f->vq, f->chain.head, i), 0);
		/* Entry 65535 is the one the driver asked about: used->idx 65535 -> 0. */
		assert_int_equal(virtq_needs_interrupt(&f->vq), i == 2);
		assert_true(fake_ring_pop_used(&f->r, &id, &len));
		assert_int_equal(len, i);
	}
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 0);
	assert_int_equal(f->vq.next_avail, 2);
	assert_int_equal(fake_ring_used_idx(&f->r), 2);
	virtq_publish_avail_event(&f->vq);
	assert_int_equal(fake_ring_avail_event(&f->r), 2);
	/* An avail jump is measured across the wrap too. */
	fake_ring_set_avail_idx(&f->r, (uint16_t)(2 + QSIZE + 1));
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), -VIRTQ_ERR_AVAIL_JUMP);
}

/* Enabling again (after the driver disabled the queue) starts from index 0. */
static void test_reenable_restarts(void **state)
{
	struct fixture *f = *state;
	struct fake_buf buf = {BUF_GPA, 16, true};

	fake_ring_post(&f->r, &buf, 1);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
	assert_int_equal(virtq_push_used(&f->vq, f->chain.head, 0), 0);
	f->vq.ready = false;
	fake_ring_init(&f->r, &f->g, QSIZE, RING_GPA);
	assert_int_equal(virtq_enable(&f->vq), 0);
	assert_int_equal(f->vq.next_avail, 0);
	assert_int_equal(f->vq.next_used, 0);
	fake_ring_post(&f->r, &buf, 1);
	assert_int_equal(virtq_next_chain(&f->vq, &f->chain), 1);
}

#define VQ_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    VQ_TEST(test_descriptor_loop),
	    VQ_TEST(test_self_loop),
	    VQ_TEST(test_chain_longer_than_queue),
	    VQ_TEST(test_chain_as_long_as_queue),
	    VQ_TEST(test_buffer_past_ram),
	    VQ_TEST(test_buffer_outside_ram),
	    VQ_TEST(test_buffer_at_ram_end),
	    VQ_TEST(test_buffer_length_wraps),
	    VQ_TEST(test_indirect_inside_indirect),
	    VQ_TEST(test_indirect_not_negotiated),
	    VQ_TEST(test_indirect_with_next),
	    VQ_TEST(test_indirect_table_length),
	    VQ_TEST(test_indirect_table_outside_ram),
	    VQ_TEST(test_indirect_loop),
	    VQ_TEST(test_indirect_next_index),
	    VQ_TEST(test_head_index),
	    VQ_TEST(test_next_index),
	    VQ_TEST(test_avail_jump),
	    VQ_TEST(test_readable_after_writable),
	    VQ_TEST(test_readable_after_writable_indirect),
	    VQ_TEST(test_readable_after_writable_mixed),
	    VQ_TEST(test_rings_outside_ram),
	    VQ_TEST(test_bad_sizes),
	    VQ_TEST(test_not_ready),
	    VQ_TEST(test_empty),
	    VQ_TEST(test_simple_chain),
	    VQ_TEST(test_chains_in_order),
	    VQ_TEST(test_indirect_chain),
	    VQ_TEST(test_indirect_pointer_write_flag_ignored),
	    VQ_TEST(test_direct_then_indirect),
	    VQ_TEST(test_largest_indirect_table),
	    VQ_TEST(test_zero_length_buffer),
	    VQ_TEST(test_chain_read),
	    VQ_TEST(test_chain_write),
	    VQ_TEST(test_push_used),
	    VQ_TEST(test_push_used_batch),
	    VQ_TEST(test_needs_interrupt_flag),
	    VQ_TEST(test_event_idx_suppression),
	    VQ_TEST(test_avail_event),
	    VQ_TEST(test_index_wraparound),
	    VQ_TEST(test_reenable_restarts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
