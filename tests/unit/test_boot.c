/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/boot.h"
#include "core/errors.h"

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define GIB ((uint64_t)1 << 30)

static const struct arm64_image typical_kernel = {
    .text_offset = 0,
    .image_size = 30 * MIB,
    .file_size = 25 * MIB,
};

/* Overlap of [a, a + a_len) and [b, b + b_len), written so that no sum wraps. */
static int overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
	if (a_len == 0 || b_len == 0)
		return 0;
	return a <= b + (b_len - 1) && b <= a + (a_len - 1);
}

/* Everything arm64_boot_plan promises, for any RAM and any plan it accepted. */
static void check_plan(uint64_t ram_base, uint64_t ram_size, const struct arm64_image *image,
		       uint64_t initrd_size, const struct arm64_boot_plan *plan)
{
	uint64_t ram_last = ram_base + (ram_size - 1);

	assert_int_equal(plan->kernel_gpa % ARM64_IMAGE_ALIGN, image->text_offset);
	assert_true(plan->kernel_gpa - image->text_offset >= ram_base);
	assert_int_equal(plan->kernel_end - plan->kernel_gpa, image->image_size);
	assert_true(plan->kernel_end - 1 <= ram_last);

	assert_int_equal(plan->dtb_gpa % 8, 0);
	/* All of the reserved DTB room lies in one 2 MiB block, inside RAM. */
	assert_int_equal(plan->dtb_gpa / (2 * MIB),
			 (plan->dtb_gpa + ARM64_DTB_MAX_SIZE - 1) / (2 * MIB));
	assert_true(plan->dtb_gpa >= ram_base);
	assert_true(plan->dtb_gpa + (ARM64_DTB_MAX_SIZE - 1) <= ram_last);
	assert_false(
	    overlaps(plan->kernel_gpa, image->image_size, plan->dtb_gpa, ARM64_DTB_MAX_SIZE));

	assert_int_equal(plan->initrd_size, initrd_size);
	if (initrd_size != 0) {
		assert_int_equal(plan->initrd_gpa % (4 * KIB), 0);
		assert_true(plan->initrd_gpa >= plan->kernel_end);
		assert_true(plan->initrd_gpa + initrd_size <= plan->dtb_gpa);
		assert_false(
		    overlaps(plan->kernel_gpa, image->image_size, plan->initrd_gpa, initrd_size));
	}
}

static void test_typical_plan(void **state)
{
	(void)state;
	struct arm64_boot_plan plan;
	const uint64_t ram_base = 1 * GIB, ram_size = 256 * MIB, initrd = 5 * MIB + 123;

	assert_int_equal(arm64_boot_plan(ram_base, ram_size, &typical_kernel, initrd, &plan), 0);
	check_plan(ram_base, ram_size, &typical_kernel, initrd, &plan);
	assert_int_equal(plan.kernel_gpa, ram_base);
	assert_int_equal(plan.kernel_end, ram_base + 30 * MIB);
	/* The DTB opens the last 2 MiB of RAM; the initrd ends as close below it as pages allow. */
	assert_int_equal(plan.dtb_gpa, ram_base + ram_size - 2 * MIB);
	assert_true(plan.dtb_gpa - (plan.initrd_gpa + initrd) < 4 * KIB);
	assert_true(plan.min_ram_size <= ram_size);
}

static void test_text_offset_and_unaligned_ram(void **state)
{
	(void)state;
	const struct arm64_image old_kernel = {
	    .text_offset = 0x80000, .image_size = 20 * MIB, .file_size = 18 * MIB};
	struct arm64_boot_plan plan;
	/* RAM neither starting nor ending on a 2 MiB boundary. */
	const uint64_t ram_base = 1 * GIB + 12 * KIB, ram_size = 128 * MIB + 700 * KIB;

	assert_int_equal(arm64_boot_plan(ram_base, ram_size, &old_kernel, 3 * MIB, &plan), 0);
	check_plan(ram_base, ram_size, &old_kernel, 3 * MIB, &plan);
	assert_int_equal(plan.kernel_gpa, 1 * GIB + 2 * MIB + 0x80000);
	assert_int_equal(plan.dtb_gpa % (2 * MIB), 0);
}

static void test_too_small_reports_minimum(void **state)
{
	(void)state;
	struct arm64_boot_plan plan;
	const uint64_t initrd = 5 * MIB;

	assert_int_equal(arm64_boot_plan(1 * GIB, 32 * MIB, &typical_kernel, initrd, &plan),
			 -SVMM_E2BIG);
	/* 30 MiB kernel + 5 MiB initrd rounded up to 36 MiB, then a 2 MiB DTB block. */
	assert_int_equal(plan.min_ram_size, 38 * MIB);
	assert_int_equal(arm64_boot_plan(1 * GIB, 0, &typical_kernel, initrd, &plan), -SVMM_E2BIG);
	assert_int_equal(plan.min_ram_size, 38 * MIB);
}

/* Planning succeeds at min_ram_size and fails just below it, wherever RAM starts. */
static void check_minimum_is_exact(uint64_t ram_base, const struct arm64_image *image,
				   uint64_t initrd_size)
{
	struct arm64_boot_plan plan;
	uint64_t min;

	assert_int_equal(arm64_boot_plan(ram_base, 16 * MIB, image, initrd_size, &plan),
			 -SVMM_E2BIG);
	min = plan.min_ram_size;
	assert_int_equal(arm64_boot_plan(ram_base, min, image, initrd_size, &plan), 0);
	assert_int_equal(plan.min_ram_size, min);
	check_plan(ram_base, min, image, initrd_size, &plan);
	assert_int_equal(arm64_boot_plan(ram_base, min - 2 * MIB, image, initrd_size, &plan),
			 -SVMM_E2BIG);
	assert_int_equal(arm64_boot_plan(ram_base, min - 1, image, initrd_size, &plan),
			 -SVMM_E2BIG);
}

static void test_success_exactly_at_minimum(void **state)
{
	(void)state;
	const struct arm64_image odd_kernel = {
	    .text_offset = 0x80000, .image_size = 17 * MIB + 4321, .file_size = 17 * MIB};

	check_minimum_is_exact(1 * GIB, &typical_kernel, 5 * MIB);
	check_minimum_is_exact(1 * GIB, &typical_kernel, 0);
	check_minimum_is_exact(1 * GIB, &typical_kernel, 1);
	check_minimum_is_exact(1 * GIB + 4 * KIB, &odd_kernel, 3 * MIB + 7);
	check_minimum_is_exact(1 * GIB + 2 * MIB - 4 * KIB, &odd_kernel, 2 * MIB - 4 * KIB);
	check_minimum_is_exact(0, &odd_kernel, 0);
}

static void test_no_initrd(void **state)
{
	(void)state;
	struct arm64_boot_plan plan;

	assert_int_equal(arm64_boot_plan(1 * GIB, 64 * MIB, &typical_kernel, 0, &plan), 0);
	check_plan(1 * GIB, 64 * MIB, &typical_kernel, 0, &plan);
	assert_int_equal(plan.initrd_size, 0);
	assert_int_equal(plan.min_ram_size, 32 * MIB);
}

static void test_ram_at_top_of_address_space(void **state)
{
	(void)state;
	struct arm64_boot_plan plan;
	const uint64_t ram_size = 256 * MIB, ram_base = 0 - ram_size; /* ends exactly at 2^64 */

	assert_int_equal(arm64_boot_plan(ram_base, ram_size, &typical_kernel, 5 * MIB, &plan), 0);
	check_plan(ram_base, ram_size, &typical_kernel, 5 * MIB, &plan);
	assert_int_equal(plan.dtb_gpa, 0 - 2 * MIB);
	check_minimum_is_exact(ram_base, &typical_kernel, 5 * MIB);

	/* RAM that would run past 2^64 is a bad request, not a small one. */
	assert_int_equal(arm64_boot_plan(ram_base, ram_size + 4096, &typical_kernel, 0, &plan),
			 -SVMM_EINVAL);
	/* An unaligned base whose next 2 MiB boundary is past 2^64 holds no kernel. */
	assert_int_equal(arm64_boot_plan(UINT64_MAX - 4095, 4096, &typical_kernel, 0, &plan),
			 -SVMM_E2BIG);
	assert_int_equal(plan.min_ram_size, UINT64_MAX);
}

static void test_huge_sizes_do_not_wrap(void **state)
{
	(void)state;
	const struct arm64_image huge_kernel = {
	    .text_offset = 0, .image_size = UINT64_MAX - 4 * MIB, .file_size = 1 * MIB};
	struct arm64_boot_plan plan;

	assert_int_equal(arm64_boot_plan(1 * GIB, 256 * MIB, &huge_kernel, 0, &plan), -SVMM_E2BIG);
	assert_int_equal(plan.min_ram_size, UINT64_MAX);
	assert_int_equal(arm64_boot_plan(1 * GIB, 256 * MIB, &typical_kernel, UINT64_MAX, &plan),
			 -SVMM_E2BIG);
	assert_int_equal(
	    arm64_boot_plan(1 * GIB, 256 * MIB, &typical_kernel, UINT64_MAX - 8 * GIB, &plan),
	    -SVMM_E2BIG);
	assert_int_equal(plan.min_ram_size, UINT64_MAX);
}

static void test_initrd_beyond_window_fits_no_ram(void **state)
{
	(void)state;
	struct arm64_boot_plan plan;

	/* Kernel and initrd cannot share a 32 GiB window: no amount of RAM helps. */
	assert_int_equal(arm64_boot_plan(1 * GIB, 64 * GIB, &typical_kernel, 32 * GIB, &plan),
			 -SVMM_E2BIG);
	assert_int_equal(plan.min_ram_size, UINT64_MAX);
	/* The largest initrd that still fits, and the RAM it needs. */
	check_minimum_is_exact(1 * GIB, &typical_kernel, 32 * GIB - 32 * MIB);
	assert_int_equal(
	    arm64_boot_plan(1 * GIB, 64 * GIB, &typical_kernel, 32 * GIB - 32 * MIB, &plan), 0);
	assert_int_equal(plan.dtb_gpa, 33 * GIB - 2 * MIB);
	assert_int_equal(
	    arm64_boot_plan(1 * GIB, 64 * GIB, &typical_kernel, 32 * GIB - 32 * MIB + 1, &plan),
	    -SVMM_E2BIG);
}

static void test_large_ram_keeps_initrd_near_kernel(void **state)
{
	(void)state;
	struct arm64_boot_plan plan;
	const uint64_t ram_base = 1 * GIB, ram_size = 64 * GIB;

	/* booting.rst: kernel and initrd within one 1 GiB-aligned 32 GiB window. */
	assert_int_equal(arm64_boot_plan(ram_base, ram_size, &typical_kernel, 5 * MIB, &plan), 0);
	check_plan(ram_base, ram_size, &typical_kernel, 5 * MIB, &plan);
	assert_true(plan.dtb_gpa + 2 * MIB <= 1 * GIB + 32 * GIB);
	assert_true(plan.initrd_gpa >= 1 * GIB);
}

static void test_plan_rejects_bad_arguments(void **state)
{
	(void)state;
	struct arm64_boot_plan plan;
	const struct arm64_image no_size = {.text_offset = 0, .image_size = 0, .file_size = 0};
	const struct arm64_image short_size = {
	    .text_offset = 0, .image_size = 1 * MIB, .file_size = 2 * MIB};

	assert_int_equal(arm64_boot_plan(1 * GIB, 256 * MIB, NULL, 0, &plan), -SVMM_EINVAL);
	assert_int_equal(arm64_boot_plan(1 * GIB, 256 * MIB, &typical_kernel, 0, NULL),
			 -SVMM_EINVAL);
	assert_int_equal(arm64_boot_plan(1 * GIB, 256 * MIB, &no_size, 0, &plan), -SVMM_EINVAL);
	assert_int_equal(arm64_boot_plan(1 * GIB, 256 * MIB, &short_size, 0, &plan), -SVMM_EINVAL);
}

/* ---- arm64_boot_load against a malloc'd "guest RAM" ---- */

struct guest {
	struct guest_mem mem;
	uint8_t *ram;
	uint64_t base, size;
};

static int guest_setup(void **state)
{
	struct guest *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return -1;
	g->base = 1 * GIB;
	g->size = 64 * MIB;
	g->ram = malloc(g->size);
	if (g->ram == NULL || guest_mem_add(&g->mem, g->base, g->size, g->ram) != 0)
		return -1;
	/* Stale data, as a restarted VM would hold. */
	memset(g->ram, 0x5a, g->size);
	*state = g;
	return 0;
}

static int guest_teardown(void **state)
{
	struct guest *g = *state;

	free(g->ram);
	free(g);
	return 0;
}

static uint8_t *pattern(size_t len, uint8_t seed)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7 + (i >> 9));
	return buf;
}

static void test_load_places_everything(void **state)
{
	struct guest *g = *state;
	const struct arm64_image image = {
	    .text_offset = 0x80000, .image_size = 3 * MIB, .file_size = 2 * MIB + 100};
	const size_t initrd_len = 1 * MIB + 17, dtb_len = 3000;
	uint8_t *kernel = pattern(image.file_size, 1), *initrd = pattern(initrd_len, 2);
	uint8_t *dtb = pattern(dtb_len, 3), *back = malloc(image.image_size);
	struct arm64_boot_plan plan;

	assert_non_null(back);
	assert_int_equal(arm64_boot_plan(g->base, g->size, &image, initrd_len, &plan), 0);
	assert_int_equal(
	    arm64_boot_load(&g->mem, &plan, kernel, image.file_size, initrd, dtb, dtb_len), 0);

	assert_int_equal(guest_mem_read(&g->mem, plan.kernel_gpa, back, image.image_size), 0);
	assert_memory_equal(back, kernel, image.file_size);
	/* The BSS (beyond the file, up to image_size) is zero despite the stale RAM. */
	for (uint64_t i = image.file_size; i < image.image_size; i++)
		assert_int_equal(back[i], 0);
	assert_int_equal(guest_mem_read(&g->mem, plan.initrd_gpa, back, initrd_len), 0);
	assert_memory_equal(back, initrd, initrd_len);
	assert_int_equal(guest_mem_read(&g->mem, plan.dtb_gpa, back, dtb_len), 0);
	assert_memory_equal(back, dtb, dtb_len);
	/* Nothing else was touched: the byte before the kernel is still stale. */
	assert_int_equal(g->ram[plan.kernel_gpa - g->base - 1], 0x5a);

	free(kernel);
	free(initrd);
	free(dtb);
	free(back);
}

static void test_load_without_initrd(void **state)
{
	struct guest *g = *state;
	const struct arm64_image image = {.text_offset = 0, .image_size = 8192, .file_size = 8192};
	uint8_t *kernel = pattern(8192, 9);
	const uint8_t dtb[64] = {0xd0, 0x0d, 0xfe, 0xed};
	struct arm64_boot_plan plan;
	uint8_t back[64];

	assert_int_equal(arm64_boot_plan(g->base, g->size, &image, 0, &plan), 0);
	assert_int_equal(arm64_boot_load(&g->mem, &plan, kernel, 8192, NULL, dtb, sizeof(dtb)), 0);
	assert_int_equal(guest_mem_read(&g->mem, plan.dtb_gpa, back, sizeof(back)), 0);
	assert_memory_equal(back, dtb, sizeof(dtb));
	free(kernel);
}

static void test_load_rejects_plan_outside_memory(void **state)
{
	struct guest *g = *state;
	const struct arm64_image image = {
	    .text_offset = 0, .image_size = 4 * MIB, .file_size = 4096};
	uint8_t kernel[4096] = {1}, initrd[4096] = {2}, dtb[256] = {3};
	struct arm64_boot_plan plan, bad;

	/* Planned for more RAM than the guest has. */
	assert_int_equal(arm64_boot_plan(g->base, 2 * g->size, &image, sizeof(initrd), &plan), 0);
	assert_int_equal(
	    arm64_boot_load(&g->mem, &plan, kernel, sizeof(kernel), initrd, dtb, sizeof(dtb)),
	    -SVMM_EFAULT);
	/* Nothing was written, not even the kernel that did fit. */
	assert_int_equal(g->ram[plan.kernel_gpa - g->base], 0x5a);

	assert_int_equal(arm64_boot_plan(g->base, g->size, &image, sizeof(initrd), &plan), 0);
	bad = plan;
	bad.kernel_gpa = g->base + g->size - 1 * MIB; /* BSS runs off the end */
	bad.kernel_end = bad.kernel_gpa + image.image_size;
	assert_int_equal(
	    arm64_boot_load(&g->mem, &bad, kernel, sizeof(kernel), initrd, dtb, sizeof(dtb)),
	    -SVMM_EFAULT);
	bad = plan;
	bad.initrd_gpa = g->base - 4096;
	assert_int_equal(
	    arm64_boot_load(&g->mem, &bad, kernel, sizeof(kernel), initrd, dtb, sizeof(dtb)),
	    -SVMM_EFAULT);
	bad = plan;
	bad.dtb_gpa = UINT64_MAX - 16;
	assert_int_equal(
	    arm64_boot_load(&g->mem, &bad, kernel, sizeof(kernel), initrd, dtb, sizeof(dtb)),
	    -SVMM_EFAULT);
}

static void test_load_rejects_bad_arguments(void **state)
{
	struct guest *g = *state;
	const struct arm64_image image = {.text_offset = 0, .image_size = 8192, .file_size = 4096};
	uint8_t kernel[8192 + 1] = {0}, dtb[16] = {0};
	struct arm64_boot_plan plan;

	assert_int_equal(arm64_boot_plan(g->base, g->size, &image, 4096, &plan), 0);
	/* More kernel bytes than the header's image_size. */
	assert_int_equal(
	    arm64_boot_load(&g->mem, &plan, kernel, sizeof(kernel), kernel, dtb, sizeof(dtb)),
	    -SVMM_EINVAL);
	/* An initrd was planned but none is given. */
	assert_int_equal(arm64_boot_load(&g->mem, &plan, kernel, 4096, NULL, dtb, sizeof(dtb)),
			 -SVMM_EINVAL);
	assert_int_equal(arm64_boot_load(&g->mem, &plan, kernel, 4096, kernel, NULL, 16),
			 -SVMM_EINVAL);
	/* A DTB larger than the room the plan reserved for it. */
	assert_int_equal(
	    arm64_boot_load(&g->mem, &plan, kernel, 4096, kernel, dtb, ARM64_DTB_MAX_SIZE + 1),
	    -SVMM_E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_typical_plan),
	    cmocka_unit_test(test_text_offset_and_unaligned_ram),
	    cmocka_unit_test(test_too_small_reports_minimum),
	    cmocka_unit_test(test_success_exactly_at_minimum),
	    cmocka_unit_test(test_no_initrd),
	    cmocka_unit_test(test_ram_at_top_of_address_space),
	    cmocka_unit_test(test_huge_sizes_do_not_wrap),
	    cmocka_unit_test(test_initrd_beyond_window_fits_no_ram),
	    cmocka_unit_test(test_large_ram_keeps_initrd_near_kernel),
	    cmocka_unit_test(test_plan_rejects_bad_arguments),
	    cmocka_unit_test_setup_teardown(test_load_places_everything, guest_setup,
					    guest_teardown),
	    cmocka_unit_test_setup_teardown(test_load_without_initrd, guest_setup, guest_teardown),
	    cmocka_unit_test_setup_teardown(test_load_rejects_plan_outside_memory, guest_setup,
					    guest_teardown),
	    cmocka_unit_test_setup_teardown(test_load_rejects_bad_arguments, guest_setup,
					    guest_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
