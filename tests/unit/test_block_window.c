/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A client's window onto a shared disk (core/block_window.c): partitions
 * turned into 4 KiB units, requests offset onto the device, and every
 * request reaching past the window, or writing a readonly one, refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/block_window.h"
#include "core/errors.h"

#define UNIT 8u /* sDDF's 4 KiB transfer in 512-byte sectors */

static void test_window_from_partition(void **state)
{
	struct partition part = {.used = true, .first_lba = 2048, .sectors = 1000};
	struct block_window window;
	const char *why = NULL;

	(void)state;
	assert_int_equal(block_window_from_partition(&part, UNIT, false, &window, &why), 0);
	assert_int_equal(window.first_block, 256);
	/* 1000 sectors are 125 whole units exactly. */
	assert_int_equal(window.blocks, 125);
	part.sectors = 1007;
	assert_int_equal(block_window_from_partition(&part, UNIT, true, &window, &why), 0);
	assert_int_equal(window.blocks, 125);
	assert_true(window.readonly);
}

static void test_window_refusals(void **state)
{
	struct partition part = {.used = true, .first_lba = 34, .sectors = 4096};
	struct block_window window;
	const char *why = NULL;

	(void)state;
	assert_int_equal(block_window_from_partition(&part, UNIT, false, &window, &why),
			 -SVMM_EINVAL);
	assert_string_equal(why, "partition does not start on a transfer-unit boundary");
	part.first_lba = 40;
	part.sectors = 7;
	assert_int_equal(block_window_from_partition(&part, UNIT, false, &window, &why),
			 -SVMM_EINVAL);
	assert_string_equal(why, "partition smaller than one transfer unit");
	assert_int_equal(block_window_from_partition(&part, 0, false, &window, &why), -SVMM_EINVAL);
}

static void test_map(void **state)
{
	const struct block_window window = {.first_block = 256, .blocks = 125, .readonly = false};
	uint64_t device = 0;

	(void)state;
	assert_int_equal(block_window_map(&window, 0, 1, false, &device), 0);
	assert_int_equal(device, 256);
	assert_int_equal(block_window_map(&window, 124, 1, true, &device), 0);
	assert_int_equal(device, 380);
	assert_int_equal(block_window_map(&window, 0, 125, true, &device), 0);
	assert_int_equal(device, 256);
}

static void test_map_outside(void **state)
{
	const struct block_window window = {.first_block = 256, .blocks = 125, .readonly = false};
	uint64_t device = 77;

	(void)state;
	assert_int_equal(block_window_map(&window, 125, 1, false, &device), -SVMM_EINVAL);
	assert_int_equal(block_window_map(&window, 124, 2, false, &device), -SVMM_EINVAL);
	assert_int_equal(block_window_map(&window, 0, 126, false, &device), -SVMM_EINVAL);
	assert_int_equal(block_window_map(&window, 0, 0, false, &device), -SVMM_EINVAL);
	assert_int_equal(block_window_map(&window, 1, UINT64_MAX, false, &device), -SVMM_EINVAL);
	assert_int_equal(block_window_map(&window, UINT64_MAX, 2, false, &device), -SVMM_EINVAL);
	assert_int_equal(device, 77);
}

static void test_map_readonly(void **state)
{
	const struct block_window window = {.first_block = 10, .blocks = 5, .readonly = true};
	uint64_t device = 0;

	(void)state;
	assert_int_equal(block_window_map(&window, 0, 1, true, &device), -SVMM_EPERM);
	assert_int_equal(block_window_map(&window, 4, 1, false, &device), 0);
	assert_int_equal(device, 14);
	/* Out of range is out of range first, whatever the direction. */
	assert_int_equal(block_window_map(&window, 5, 1, true, &device), -SVMM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_window_from_partition),
	    cmocka_unit_test(test_window_refusals),
	    cmocka_unit_test(test_map),
	    cmocka_unit_test(test_map_outside),
	    cmocka_unit_test(test_map_readonly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
