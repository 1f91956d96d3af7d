/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest physical memory map: RAM regions backed by host memory. Every
 * access to guest memory goes through these helpers, which check that the
 * whole range lies inside one region and never wrap; a device never turns a
 * guest address into a host pointer by itself.
 */
#ifndef SVMM_CORE_GUEST_MEM_H
#define SVMM_CORE_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_MAX_REGIONS 8

struct guest_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct guest_mem {
	struct guest_region regions[GUEST_MEM_MAX_REGIONS];
	unsigned count;
};

/*
 * Adds a region. Fails with -SVMM_EINVAL for a zero size or a range that
 * wraps, -SVMM_EEXIST if it overlaps a region already there, -SVMM_ENOSPC
 * when the map is full.
 */
int guest_mem_add(struct guest_mem *mem, uint64_t gpa, uint64_t size, void *host);

/*
 * Host pointer for [gpa, gpa + len) if that whole range lies in one region,
 * else NULL. len may be 0 (then gpa itself must lie inside a region).
 */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Copy between guest memory and the host: 0, or -SVMM_EFAULT (nothing copied). */
int guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *dst, size_t len);
int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *src, size_t len);

/* Zero [gpa, gpa + len): 0 or -SVMM_EFAULT. */
int guest_mem_clear(const struct guest_mem *mem, uint64_t gpa, size_t len);

#endif
