/* SPDX-License-Identifier: Apache-2.0 */
#include "core/guest_mem.h"

#include "core/errors.h"
#include "core/string.h"

/* Written as a subtraction so that no sum can overflow. */
/*@ assigns \nothing;
    ensures \result != 0 <==> len != 0 && start + len > UINT64_MAX + 1; */
static int range_wraps(uint64_t start, uint64_t len)
{
	return len != 0 && len - 1 > UINT64_MAX - start;
}

int guest_mem_add(struct guest_mem *mem, uint64_t gpa, uint64_t size, void *host)
{
	if (size == 0 || host == NULL || range_wraps(gpa, size))
		return -SVMM_EINVAL;
	/*@ loop invariant 0 <= i <= mem->count;
	    loop assigns i;
	    loop variant mem->count - i; */
	for (unsigned i = 0; i < mem->count; i++) {
		const struct guest_region *r = &mem->regions[i];
		uint64_t last = gpa + (size - 1), r_last = r->gpa + (r->size - 1);

		if (gpa <= r_last && r->gpa <= last)
			return -SVMM_EEXIST;
	}
	if (mem->count == GUEST_MEM_MAX_REGIONS)
		return -SVMM_ENOSPC;
	mem->regions[mem->count++] = (struct guest_region){.gpa = gpa, .size = size, .host = host};
	return 0;
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	if (range_wraps(gpa, len))
		return NULL;
	/*@ loop invariant 0 <= i <= mem->count;
	    loop invariant guest_mem_find(mem, 0, gpa, (len == 0 ? 1 : len)) ==
			   guest_mem_find(mem, i, gpa, (len == 0 ? 1 : len));
	    loop assigns i;
	    loop variant mem->count - i; */
	for (unsigned i = 0; i < mem->count; i++) {
		const struct guest_region *r = &mem->regions[i];
		uint64_t offset;

		if (gpa < r->gpa)
			continue;
		offset = gpa - r->gpa;
		/* Written as subtractions so that no sum can overflow. */
		if (offset >= r->size || len > r->size - offset)
			continue;
		return r->host + offset;
	}
	return NULL;
}

int guest_mem_read(const struct guest_mem *mem, uint64_t gpa, void *dst, size_t len)
{
	const void *src = guest_mem_ptr(mem, gpa, len);

	if (src == NULL)
		return -SVMM_EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_mem_write(const struct guest_mem *mem, uint64_t gpa, const void *src, size_t len)
{
	void *dst = guest_mem_ptr(mem, gpa, len);

	if (dst == NULL)
		return -SVMM_EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_mem_clear(const struct guest_mem *mem, uint64_t gpa, size_t len)
{
	void *dst = guest_mem_ptr(mem, gpa, len);

	if (dst == NULL)
		return -SVMM_EFAULT;
	memset(dst, 0, len);
	return 0;
}
