/* SPDX-License-Identifier: Apache-2.0 */
#include "arch/aarch64/boot.h"

#include <stdbool.h>
#include <stddef.h>

#include "core/errors.h"

#define PAGE_SIZE	    ((uint64_t)4096)
#define BLOCK_SIZE	    ((uint64_t)ARM64_IMAGE_ALIGN) /* 2 MiB */
#define INITRD_WINDOW_ALIGN ((uint64_t)1 << 30)		  /* 1 GiB */
#define INITRD_WINDOW_SIZE  ((uint64_t)32 << 30)	  /* 32 GiB */

/*
 * All address arithmetic goes through these: RAM may sit anywhere in the
 * 64-bit space, and a hostile image_size or initrd size must not wrap an
 * address around into a plan that looks valid.
 */
static bool add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
	*sum = a + b;
	return *sum < a;
}

static uint64_t align_down(uint64_t value, uint64_t align)
{
	return value & ~(align - 1);
}

static bool align_up_overflows(uint64_t value, uint64_t align, uint64_t *aligned)
{
	if (value > UINT64_MAX - (align - 1))
		return true;
	*aligned = align_down(value + (align - 1), align);
	return false;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * booting.rst: an initrd must lie in a 1 GiB-aligned window of at most 32
 * GiB that also covers the kernel. Returns the last address of that window
 * (UINT64_MAX when it reaches the top of the address space). DTB and initrd
 * are kept below it, which matters only when RAM runs past 32 GiB above the
 * kernel's 1 GiB-aligned base.
 */
static uint64_t initrd_window_last(uint64_t kernel_base)
{
	uint64_t window_end;

	if (add_overflows(align_down(kernel_base, INITRD_WINDOW_ALIGN), INITRD_WINDOW_SIZE,
			  &window_end))
		return UINT64_MAX;
	return window_end - 1;
}

/*
 * The smallest RAM, starting at ram_base, in which the kernel ends at or
 * below a 2 MiB block that holds the initrd's page-aligned tail and then a
 * whole 2 MiB block for the DTB. UINT64_MAX when no RAM could hold them:
 * they overrun the 64-bit space or the initrd window.
 */
static uint64_t min_ram_size(uint64_t ram_base, uint64_t kernel_end, uint64_t initrd_span,
			     uint64_t window_last)
{
	uint64_t initrd_start, dtb_block;

	if (add_overflows(kernel_end, initrd_span, &initrd_start) ||
	    align_up_overflows(initrd_start, BLOCK_SIZE, &dtb_block))
		return UINT64_MAX;
	/* The DTB block's last byte must fit; computed without forming its end. */
	if (dtb_block > window_last || window_last - dtb_block < BLOCK_SIZE - 1)
		return UINT64_MAX;
	return (dtb_block - ram_base) + BLOCK_SIZE;
}

int arm64_boot_plan(uint64_t ram_base, uint64_t ram_size, const struct arm64_image *image,
		    uint64_t initrd_size, struct arm64_boot_plan *plan)
{
	uint64_t ram_last = 0, kernel_base, kernel_gpa, kernel_end, initrd_span;
	uint64_t window_last, top_last, dtb_gpa;

	if (image == NULL || plan == NULL || image->image_size == 0 ||
	    image->image_size < image->file_size || image->text_offset >= BLOCK_SIZE)
		return -SVMM_EINVAL;
	/* ram_last rather than ram_end: RAM may end exactly at 2^64. */
	if (ram_size != 0 && add_overflows(ram_base, ram_size - 1, &ram_last))
		return -SVMM_EINVAL;
	*plan = (struct arm64_boot_plan){.min_ram_size = UINT64_MAX};

	if (align_up_overflows(ram_base, BLOCK_SIZE, &kernel_base) ||
	    add_overflows(kernel_base, image->text_offset, &kernel_gpa) ||
	    add_overflows(kernel_gpa, image->image_size, &kernel_end) ||
	    align_up_overflows(initrd_size, PAGE_SIZE, &initrd_span))
		return -SVMM_E2BIG;
	window_last = initrd_window_last(kernel_base);
	plan->min_ram_size = min_ram_size(ram_base, kernel_end, initrd_span, window_last);
	if (ram_size < plan->min_ram_size)
		return -SVMM_E2BIG;

	/*
	 * The start of the last whole 2 MiB block at or below top_last. RAM
	 * of min_ram_size reaches the end of that block, so it lies at or
	 * above kernel_end + initrd_span.
	 */
	top_last = min_u64(ram_last, window_last);
	dtb_gpa = align_down(top_last - (BLOCK_SIZE - 1), BLOCK_SIZE);

	plan->kernel_gpa = kernel_gpa;
	plan->kernel_end = kernel_end;
	/* dtb_gpa is 2 MiB-aligned, so subtracting a page multiple stays page-aligned. */
	plan->initrd_gpa = initrd_size != 0 ? dtb_gpa - initrd_span : 0;
	plan->initrd_size = initrd_size;
	plan->dtb_gpa = dtb_gpa;
	return 0;
}

/* size_t may be narrower than uint64_t on some host; refuse what it cannot count. */
static bool fits_size_t(uint64_t value)
{
	return (uint64_t)(size_t)value == value;
}

static bool in_guest(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	return len == 0 || guest_mem_ptr(mem, gpa, len) != NULL;
}

int arm64_boot_load(const struct guest_mem *mem, const struct arm64_boot_plan *plan,
		    const void *kernel, uint64_t kernel_len, const void *initrd, const void *dtb,
		    uint64_t dtb_len)
{
	uint64_t image_size, bss_gpa, bss_len;

	if (mem == NULL || plan == NULL || kernel == NULL || kernel_len == 0 || dtb == NULL ||
	    dtb_len == 0 || (plan->initrd_size != 0 && initrd == NULL) ||
	    plan->kernel_end < plan->kernel_gpa)
		return -SVMM_EINVAL;
	if (dtb_len > ARM64_DTB_MAX_SIZE)
		return -SVMM_E2BIG; /* the plan reserved no more room than this */
	image_size = plan->kernel_end - plan->kernel_gpa;
	if (kernel_len > image_size)
		return -SVMM_EINVAL;
	if (!fits_size_t(image_size) || !fits_size_t(plan->initrd_size))
		return -SVMM_E2BIG;
	bss_gpa = plan->kernel_gpa + kernel_len;
	bss_len = image_size - kernel_len;

	/* Check every destination first so a bad plan leaves guest memory untouched. */
	if (!in_guest(mem, plan->kernel_gpa, image_size) ||
	    !in_guest(mem, plan->initrd_gpa, plan->initrd_size) ||
	    !in_guest(mem, plan->dtb_gpa, dtb_len))
		return -SVMM_EFAULT;

	if (guest_mem_write(mem, plan->kernel_gpa, kernel, (size_t)kernel_len) != 0)
		return -SVMM_EFAULT;
	/*
	 * Linux clears its own BSS, but a restarted VM reuses its RAM: zeroing
	 * it here makes every boot start from the same memory, whatever the
	 * previous run left and whatever the image does first.
	 */
	if (bss_len != 0 && guest_mem_clear(mem, bss_gpa, (size_t)bss_len) != 0)
		return -SVMM_EFAULT;
	if (plan->initrd_size != 0 &&
	    guest_mem_write(mem, plan->initrd_gpa, initrd, (size_t)plan->initrd_size) != 0)
		return -SVMM_EFAULT;
	if (guest_mem_write(mem, plan->dtb_gpa, dtb, (size_t)dtb_len) != 0)
		return -SVMM_EFAULT;
	return 0;
}
