/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the kernel, initrd and device tree go in guest RAM, and the vCPU
 * state the arm64 boot protocol asks for at entry.
 */
#ifndef SVMM_ARCH_AARCH64_BOOT_H
#define SVMM_ARCH_AARCH64_BOOT_H

#include <stdint.h>

#include "arch/aarch64/image.h"
#include "core/guest_mem.h"

/* The boot protocol caps the device tree at 2 MiB; ours are a few KiB. */
#define ARM64_DTB_MAX_SIZE (64u * 1024)

struct arm64_boot_plan {
	uint64_t kernel_gpa; /* entry point: x0 = dtb_gpa, PC = kernel_gpa */
	uint64_t kernel_end; /* kernel_gpa + image_size */
	uint64_t initrd_gpa;
	uint64_t initrd_size; /* 0: no initrd */
	uint64_t dtb_gpa;
	uint64_t min_ram_size; /* the smallest RAM this kernel and initrd fit in */
};

/*
 * Plans the placement of kernel, initrd and DTB in RAM [ram_base, ram_base
 * + ram_size). Kernel at the first 2 MiB-aligned address plus text_offset;
 * DTB in the last 2 MiB-aligned block, so it never straddles a 2 MiB
 * boundary; initrd page-aligned just below the DTB. Both stay inside the
 * 32 GiB window from the kernel's 1 GiB-aligned base that booting.rst
 * requires of an initrd (this only matters above 32 GiB of RAM).
 * -SVMM_E2BIG when RAM is too small; plan->min_ram_size then says how much
 * is needed (UINT64_MAX: no amount of RAM would do).
 */
int arm64_boot_plan(uint64_t ram_base, uint64_t ram_size, const struct arm64_image *image,
		    uint64_t initrd_size, struct arm64_boot_plan *plan);

/*
 * Copies kernel, initrd and DTB into guest memory per `plan`. Any of them
 * outside guest memory gives -SVMM_EFAULT.
 */
int arm64_boot_load(const struct guest_mem *mem, const struct arm64_boot_plan *plan,
		    const void *kernel, uint64_t kernel_len, const void *initrd, const void *dtb,
		    uint64_t dtb_len);

#endif
