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

#include "core/errors.h"
#include "core/string.h" /* for Frama-C: valid_or_empty, memcpy's contract */

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
 * The contracts below are ACSL, proven by `make prove` (Frama-C WP). A
 * well-formed map is what guest_mem_add builds: at most
 * GUEST_MEM_MAX_REGIONS regions, each non-empty, not wrapping, and backed
 * by `size` bytes of host memory.
 */
/*@
  predicate guest_region_ok(struct guest_region r) =
    r.size > 0 && r.gpa + r.size <= UINT64_MAX + 1 &&
    \valid(r.host + (0 .. r.size - 1));

  predicate guest_mem_ok(struct guest_mem *m) =
    \valid_read(m) && m->count <= GUEST_MEM_MAX_REGIONS &&
    \forall integer i; 0 <= i < m->count ==> guest_region_ok(m->regions[i]);

  // [gpa, gpa + len) lies in region i, and p is its host address there.
  predicate guest_mem_maps(struct guest_mem *m, integer i, uint64_t gpa, integer len, uint8_t *p) =
    0 <= i < m->count && m->regions[i].gpa <= gpa &&
    gpa + len <= m->regions[i].gpa + m->regions[i].size &&
    p == m->regions[i].host + (gpa - m->regions[i].gpa);

  // The host address of [gpa, gpa + len) in the first region from i on that
  // holds all of it, as guest_mem_ptr looks it up; \null if none does.
  logic uint8_t *guest_mem_find(struct guest_mem *m, integer i, integer gpa, integer len) =
    i >= m->count ? (uint8_t *)\null :
    m->regions[i].gpa <= gpa && gpa + len <= m->regions[i].gpa + m->regions[i].size ?
      m->regions[i].host + (gpa - m->regions[i].gpa) :
      guest_mem_find(m, i + 1, gpa, len);
*/

/*
 * Adds a region. Fails with -SVMM_EINVAL for a zero size or a range that
 * wraps, -SVMM_EEXIST if it overlaps a region already there, -SVMM_ENOSPC
 * when the map is full.
 */
/*@
  requires guest_mem_ok(mem) && \valid(mem);
  requires host != \null ==> \valid((uint8_t *)host + (0 .. size - 1));
  assigns mem->regions[0 .. GUEST_MEM_MAX_REGIONS - 1], mem->count;
  ensures guest_mem_ok(mem);
*/
int guest_mem_add(struct guest_mem *mem, uint64_t gpa, uint64_t size, void *host);

/*
 * Host pointer for [gpa, gpa + len) if that whole range lies in one region,
 * else NULL. len may be 0 (then gpa itself must lie inside a region).
 */
/*@
  requires guest_mem_ok(mem);
  assigns \nothing;
  ensures \result == \null ||
	  \exists integer i; guest_mem_maps(mem, i, gpa, (len == 0 ? 1 : len), (uint8_t *)\result);
  ensures \result != \null ==> \valid((uint8_t *)\result + (0 .. len - 1));
  ensures \result != \null ==>
	  (uint8_t *)\result == guest_mem_find(mem, 0, gpa, (len == 0 ? 1 : len));
*/
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/*
 * Copy between guest memory and the host: 0, or -SVMM_EFAULT (nothing copied).
 * The host buffer must not overlap guest RAM.
 */
/*@
  requires guest_mem_ok(mem) && valid_or_empty(dst, len); // as memcpy's: dst valid even for len 0
  requires \forall integer i; 0 <= i < mem->count ==>
	     \separated((char *)dst + (0 .. len - 1),
			mem->regions[i].host + (0 .. mem->regions[i].size - 1));
  assigns ((char *)dst)[0 .. len - 1];
  ensures \result == 0 || \result == -SVMM_EFAULT;
*/
int guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *dst, size_t len);
/*@
  requires guest_mem_ok(mem) && valid_read_or_empty(src, len);
  requires \forall integer i; 0 <= i < mem->count ==>
	     \separated((char *)src + (0 .. len - 1),
			mem->regions[i].host + (0 .. mem->regions[i].size - 1));
  assigns ((char *)guest_mem_find(mem, 0, gpa, len))[0 .. len - 1]; // what backs [gpa, +len)
  ensures \result == 0 || \result == -SVMM_EFAULT;
*/
int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *src, size_t len);

/* Zero [gpa, gpa + len): 0 or -SVMM_EFAULT. */
/*@
  requires guest_mem_ok(mem);
  assigns ((char *)guest_mem_find(mem, 0, gpa, len))[0 .. len - 1]; // what backs [gpa, +len)
  ensures \result == 0 || \result == -SVMM_EFAULT;
*/
int guest_mem_clear(const struct guest_mem *mem, uint64_t gpa, size_t len);

#endif
