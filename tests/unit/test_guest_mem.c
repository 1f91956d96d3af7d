/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest memory map: every helper at and just past the edges of its
 * regions, since that is where a hostile guest's addresses and lengths aim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/errors.h"
#include "core/guest_mem.h"

#define A_GPA	 0x1000ull /* region A, followed directly by region B */
#define B_GPA	 0x2000ull
#define AB_SIZE	 0x1000ull
#define C_GPA	 0x10000ull /* region C, with unmapped space on both sides */
#define C_SIZE	 0x100ull
#define TOP_GPA	 0xfffffffffffff000ull
#define TOP_SIZE 0x1000ull

struct fixture {
	struct guest_mem mem;
	uint8_t a[AB_SIZE], b[AB_SIZE], c[C_SIZE], top[TOP_SIZE];
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	memset(f->a, 0xaa, sizeof(f->a));
	memset(f->b, 0xbb, sizeof(f->b));
	memset(f->c, 0xcc, sizeof(f->c));
	memset(f->top, 0xee, sizeof(f->top));
	assert_int_equal(guest_mem_add(&f->mem, A_GPA, AB_SIZE, f->a), 0);
	assert_int_equal(guest_mem_add(&f->mem, B_GPA, AB_SIZE, f->b), 0);
	assert_int_equal(guest_mem_add(&f->mem, C_GPA, C_SIZE, f->c), 0);
	assert_int_equal(guest_mem_add(&f->mem, TOP_GPA, TOP_SIZE, f->top), 0);
}

/* Whether every byte of buf is `value`. */
static int all_bytes(const uint8_t *buf, size_t len, uint8_t value)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != value)
			return 0;
	return 1;
}

static void test_add_invalid(void **state)
{
	struct guest_mem mem;
	uint8_t buf[16];

	(void)state;
	memset(&mem, 0, sizeof(mem));
	assert_int_equal(guest_mem_add(&mem, 0x1000, 0, buf), -SVMM_EINVAL);
	assert_int_equal(guest_mem_add(&mem, 0x1000, 0x1000, NULL), -SVMM_EINVAL);
	assert_int_equal(guest_mem_add(&mem, TOP_GPA, TOP_SIZE + 1, buf), -SVMM_EINVAL);
	assert_int_equal(guest_mem_add(&mem, 2, UINT64_MAX, buf), -SVMM_EINVAL);
	assert_int_equal(guest_mem_add(&mem, UINT64_MAX, 2, buf), -SVMM_EINVAL);
	assert_int_equal(mem.count, 0);
	/* The very last byte of the address space is a valid region. */
	assert_int_equal(guest_mem_add(&mem, UINT64_MAX, 1, buf), 0);
	assert_ptr_equal(guest_mem_ptr(&mem, UINT64_MAX, 1), buf);
}

static void test_add_overlaps_rejected(void **state)
{
	static const struct {
		uint64_t gpa, size;
	} overlapping[] = {
	    {0x2000, 0x1000}, /* identical */
	    {0x1800, 0x1000}, /* partial, from the left */
	    {0x2800, 0x1000}, /* partial, to the right */
	    {0x1000, 0x3000}, /* containing */
	    {0x2400, 0x100},  /* contained */
	    {0x1000, 0x1001}, /* its first byte only */
	    {0x2fff, 1},      /* its last byte only */
	    {0, UINT64_MAX},  /* nearly everything */
	};
	struct guest_mem mem;
	uint8_t buf[0x1000];

	(void)state;
	memset(&mem, 0, sizeof(mem));
	assert_int_equal(guest_mem_add(&mem, 0x2000, 0x1000, buf), 0);
	for (unsigned i = 0; i < sizeof(overlapping) / sizeof(overlapping[0]); i++)
		assert_int_equal(guest_mem_add(&mem, overlapping[i].gpa, overlapping[i].size, buf),
				 -SVMM_EEXIST);
	assert_int_equal(mem.count, 1);
	/* Adjacent on either side is fine. */
	assert_int_equal(guest_mem_add(&mem, 0x1000, 0x1000, buf), 0);
	assert_int_equal(guest_mem_add(&mem, 0x3000, 0x1000, buf), 0);
	assert_int_equal(mem.count, 3);
}

static void test_add_full(void **state)
{
	struct guest_mem mem;
	uint8_t buf[GUEST_MEM_MAX_REGIONS + 1][16];

	(void)state;
	memset(&mem, 0, sizeof(mem));
	for (unsigned i = 0; i < GUEST_MEM_MAX_REGIONS; i++)
		assert_int_equal(guest_mem_add(&mem, 0x100000 * (uint64_t)(i + 1), 16, buf[i]), 0);
	assert_int_equal(guest_mem_add(&mem, 0x100000 * (uint64_t)(GUEST_MEM_MAX_REGIONS + 1), 16,
				       buf[GUEST_MEM_MAX_REGIONS]),
			 -SVMM_ENOSPC);
	assert_int_equal(mem.count, GUEST_MEM_MAX_REGIONS);
	for (unsigned i = 0; i < GUEST_MEM_MAX_REGIONS; i++)
		assert_ptr_equal(guest_mem_ptr(&mem, 0x100000 * (uint64_t)(i + 1) + 15, 1),
				 &buf[i][15]);
	assert_null(guest_mem_ptr(&mem, 0x100000 * (uint64_t)(GUEST_MEM_MAX_REGIONS + 1), 1));
}

static void test_ptr_edges(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f);
	/* First and last byte. */
	assert_ptr_equal(guest_mem_ptr(&f.mem, C_GPA, 1), f.c);
	assert_ptr_equal(guest_mem_ptr(&f.mem, C_GPA + C_SIZE - 1, 1), &f.c[C_SIZE - 1]);
	/* The whole region, and one byte more. */
	assert_ptr_equal(guest_mem_ptr(&f.mem, C_GPA, C_SIZE), f.c);
	assert_null(guest_mem_ptr(&f.mem, C_GPA, C_SIZE + 1));
	/* One past the end, and a range straddling the end. */
	assert_null(guest_mem_ptr(&f.mem, C_GPA + C_SIZE, 1));
	assert_null(guest_mem_ptr(&f.mem, C_GPA + C_SIZE - 2, 4));
	/* Below the region, and straddling its start. */
	assert_null(guest_mem_ptr(&f.mem, C_GPA - 1, 1));
	assert_null(guest_mem_ptr(&f.mem, C_GPA - 1, 2));
	assert_null(guest_mem_ptr(&f.mem, 0, 1));
	/* Zero length: the address itself must be inside. */
	assert_ptr_equal(guest_mem_ptr(&f.mem, C_GPA, 0), f.c);
	assert_ptr_equal(guest_mem_ptr(&f.mem, C_GPA + C_SIZE - 1, 0), &f.c[C_SIZE - 1]);
	assert_null(guest_mem_ptr(&f.mem, C_GPA + C_SIZE, 0));
	assert_null(guest_mem_ptr(&f.mem, C_GPA - 1, 0));
	/* Lengths that wrap the address space. */
	assert_null(guest_mem_ptr(&f.mem, C_GPA, UINT64_MAX));
	assert_null(guest_mem_ptr(&f.mem, C_GPA + 0x10, UINT64_MAX - 0x8));
	assert_null(guest_mem_ptr(&f.mem, C_GPA + 0x10, (uint64_t)0 - C_GPA));
}

static void test_ptr_adjacent_regions(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f);
	assert_ptr_equal(guest_mem_ptr(&f.mem, B_GPA - 1, 1), &f.a[AB_SIZE - 1]);
	assert_ptr_equal(guest_mem_ptr(&f.mem, B_GPA, 1), f.b);
	/* Contiguous for the guest, but two host buffers: refused. */
	assert_null(guest_mem_ptr(&f.mem, B_GPA - 1, 2));
	assert_null(guest_mem_ptr(&f.mem, A_GPA, 2 * AB_SIZE));
}

static void test_ptr_top_of_address_space(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f);
	assert_ptr_equal(guest_mem_ptr(&f.mem, TOP_GPA, TOP_SIZE), f.top);
	assert_ptr_equal(guest_mem_ptr(&f.mem, UINT64_MAX, 1), &f.top[TOP_SIZE - 1]);
	assert_ptr_equal(guest_mem_ptr(&f.mem, UINT64_MAX, 0), &f.top[TOP_SIZE - 1]);
	assert_null(guest_mem_ptr(&f.mem, UINT64_MAX, 2));
	assert_null(guest_mem_ptr(&f.mem, UINT64_MAX - 3, 8));
	assert_null(guest_mem_ptr(&f.mem, TOP_GPA, TOP_SIZE + 1));
}

static void test_read_edges(void **state)
{
	struct fixture f;
	uint8_t buf[8];

	(void)state;
	fixture_init(&f);
	f.c[0] = 0x11;
	f.c[C_SIZE - 1] = 0x22;
	assert_int_equal(guest_mem_read(&f.mem, C_GPA, buf, 1), 0);
	assert_int_equal(buf[0], 0x11);
	assert_int_equal(guest_mem_read(&f.mem, C_GPA + C_SIZE - 1, buf, 1), 0);
	assert_int_equal(buf[0], 0x22);
	assert_int_equal(guest_mem_read(&f.mem, C_GPA + C_SIZE - 4, buf, 4), 0);
	assert_int_equal(buf[3], 0x22);

	/* Failures copy nothing. */
	memset(buf, 0x55, sizeof(buf));
	assert_int_equal(guest_mem_read(&f.mem, C_GPA + C_SIZE, buf, 1), -SVMM_EFAULT);
	assert_int_equal(guest_mem_read(&f.mem, C_GPA + C_SIZE - 2, buf, 4), -SVMM_EFAULT);
	assert_int_equal(guest_mem_read(&f.mem, B_GPA - 4, buf, 8), -SVMM_EFAULT);
	assert_int_equal(guest_mem_read(&f.mem, C_GPA - 1, buf, 1), -SVMM_EFAULT);
	assert_int_equal(guest_mem_read(&f.mem, C_GPA + 8, buf, SIZE_MAX), -SVMM_EFAULT);
	assert_int_equal(guest_mem_read(&f.mem, UINT64_MAX - 1, buf, 4), -SVMM_EFAULT);
	assert_true(all_bytes(buf, sizeof(buf), 0x55));
	/* Zero length: fine inside, refused one past the end. */
	assert_int_equal(guest_mem_read(&f.mem, C_GPA + C_SIZE - 1, buf, 0), 0);
	assert_int_equal(guest_mem_read(&f.mem, C_GPA + C_SIZE, buf, 0), -SVMM_EFAULT);
	assert_true(all_bytes(buf, sizeof(buf), 0x55));
}

static void test_write_edges(void **state)
{
	struct fixture f;
	const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	(void)state;
	fixture_init(&f);
	assert_int_equal(guest_mem_write(&f.mem, C_GPA, data, 1), 0);
	assert_int_equal(f.c[0], 1);
	assert_int_equal(guest_mem_write(&f.mem, C_GPA + C_SIZE - 1, data + 7, 1), 0);
	assert_int_equal(f.c[C_SIZE - 1], 8);
	assert_int_equal(guest_mem_write(&f.mem, UINT64_MAX - 7, data, 8), 0);
	assert_memory_equal(&f.top[TOP_SIZE - 8], data, 8);

	/* Failures write nothing, on either side of the edge. */
	fixture_init(&f);
	assert_int_equal(guest_mem_write(&f.mem, C_GPA + C_SIZE, data, 1), -SVMM_EFAULT);
	assert_int_equal(guest_mem_write(&f.mem, C_GPA + C_SIZE - 2, data, 4), -SVMM_EFAULT);
	assert_int_equal(guest_mem_write(&f.mem, B_GPA - 4, data, 8), -SVMM_EFAULT);
	assert_int_equal(guest_mem_write(&f.mem, C_GPA - 1, data, 2), -SVMM_EFAULT);
	assert_int_equal(guest_mem_write(&f.mem, C_GPA + 8, data, SIZE_MAX), -SVMM_EFAULT);
	assert_int_equal(guest_mem_write(&f.mem, UINT64_MAX - 1, data, 4), -SVMM_EFAULT);
	assert_int_equal(guest_mem_write(&f.mem, C_GPA + C_SIZE, data, 0), -SVMM_EFAULT);
	assert_true(all_bytes(f.a, sizeof(f.a), 0xaa));
	assert_true(all_bytes(f.b, sizeof(f.b), 0xbb));
	assert_true(all_bytes(f.c, sizeof(f.c), 0xcc));
	assert_true(all_bytes(f.top, sizeof(f.top), 0xee));
	assert_int_equal(guest_mem_write(&f.mem, C_GPA, data, 0), 0);
	assert_true(all_bytes(f.c, sizeof(f.c), 0xcc));
}

static void test_clear_edges(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f);
	assert_int_equal(guest_mem_clear(&f.mem, C_GPA, 1), 0);
	assert_int_equal(f.c[0], 0);
	assert_int_equal(f.c[1], 0xcc);
	assert_int_equal(guest_mem_clear(&f.mem, C_GPA + C_SIZE - 1, 1), 0);
	assert_int_equal(f.c[C_SIZE - 1], 0);
	assert_int_equal(f.c[C_SIZE - 2], 0xcc);
	assert_int_equal(guest_mem_clear(&f.mem, A_GPA, AB_SIZE), 0);
	assert_true(all_bytes(f.a, sizeof(f.a), 0));
	assert_true(all_bytes(f.b, sizeof(f.b), 0xbb));

	fixture_init(&f);
	assert_int_equal(guest_mem_clear(&f.mem, C_GPA + C_SIZE, 1), -SVMM_EFAULT);
	assert_int_equal(guest_mem_clear(&f.mem, C_GPA + C_SIZE - 2, 4), -SVMM_EFAULT);
	assert_int_equal(guest_mem_clear(&f.mem, A_GPA, 2 * AB_SIZE), -SVMM_EFAULT);
	assert_int_equal(guest_mem_clear(&f.mem, C_GPA - 1, 2), -SVMM_EFAULT);
	assert_int_equal(guest_mem_clear(&f.mem, C_GPA + 8, SIZE_MAX), -SVMM_EFAULT);
	assert_int_equal(guest_mem_clear(&f.mem, UINT64_MAX, 2), -SVMM_EFAULT);
	assert_int_equal(guest_mem_clear(&f.mem, C_GPA + C_SIZE, 0), -SVMM_EFAULT);
	assert_true(all_bytes(f.a, sizeof(f.a), 0xaa));
	assert_true(all_bytes(f.b, sizeof(f.b), 0xbb));
	assert_true(all_bytes(f.c, sizeof(f.c), 0xcc));
	assert_true(all_bytes(f.top, sizeof(f.top), 0xee));
}

static void test_empty_map(void **state)
{
	struct guest_mem mem;
	uint8_t buf[4] = {0};

	(void)state;
	memset(&mem, 0, sizeof(mem));
	assert_null(guest_mem_ptr(&mem, 0, 0));
	assert_null(guest_mem_ptr(&mem, 0x1000, 1));
	assert_int_equal(guest_mem_read(&mem, 0, buf, 1), -SVMM_EFAULT);
	assert_int_equal(guest_mem_write(&mem, 0, buf, 1), -SVMM_EFAULT);
	assert_int_equal(guest_mem_clear(&mem, 0, 1), -SVMM_EFAULT);
}

static void test_two_maps_independent(void **state)
{
	struct guest_mem one, two;
	uint8_t buf_one[64], buf_two[64];
	const uint8_t byte = 0x42;

	(void)state;
	memset(&one, 0, sizeof(one));
	memset(&two, 0, sizeof(two));
	memset(buf_one, 0, sizeof(buf_one));
	memset(buf_two, 0, sizeof(buf_two));
	/* The same guest address in two VMs is two different host buffers. */
	assert_int_equal(guest_mem_add(&one, 0x40000000, sizeof(buf_one), buf_one), 0);
	assert_int_equal(guest_mem_add(&two, 0x40000000, sizeof(buf_two), buf_two), 0);
	assert_ptr_equal(guest_mem_ptr(&one, 0x40000000, 1), buf_one);
	assert_ptr_equal(guest_mem_ptr(&two, 0x40000000, 1), buf_two);
	assert_int_equal(guest_mem_write(&one, 0x40000010, &byte, 1), 0);
	assert_int_equal(buf_one[0x10], 0x42);
	assert_int_equal(buf_two[0x10], 0);
	/* A region only the second map has is invisible to the first. */
	assert_int_equal(guest_mem_add(&two, 0x50000000, sizeof(buf_two) / 2, buf_two), 0);
	assert_null(guest_mem_ptr(&one, 0x50000000, 1));
	assert_int_equal(one.count, 1);
	assert_int_equal(two.count, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_invalid),
	    cmocka_unit_test(test_add_overlaps_rejected),
	    cmocka_unit_test(test_add_full),
	    cmocka_unit_test(test_ptr_edges),
	    cmocka_unit_test(test_ptr_adjacent_regions),
	    cmocka_unit_test(test_ptr_top_of_address_space),
	    cmocka_unit_test(test_read_edges),
	    cmocka_unit_test(test_write_edges),
	    cmocka_unit_test(test_clear_edges),
	    cmocka_unit_test(test_empty_map),
	    cmocka_unit_test(test_two_maps_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
