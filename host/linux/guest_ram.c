/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/guest_ram.h"

#include <errno.h>
#include <sys/mman.h>

int guest_ram_map(struct guest_ram *ram, size_t size, uint64_t guest_base)
{
	size_t mapping_size = size + GUEST_RAM_HUGE_PAGE;
	uintptr_t want = (uintptr_t)(guest_base & (GUEST_RAM_HUGE_PAGE - 1));
	void *mapping = mmap(NULL, mapping_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t start;

	*ram = (struct guest_ram){0};
	if (mapping == MAP_FAILED)
		return -errno;
	start = (uintptr_t)mapping;
	start += (want - (start & (GUEST_RAM_HUGE_PAGE - 1))) & (GUEST_RAM_HUGE_PAGE - 1);
	*ram = (struct guest_ram){
	    .base = (void *)start, .size = size, .mapping = mapping, .mapping_size = mapping_size};
	/* Advice only: without THP the guest still runs, on 4 KiB pages. */
	madvise(ram->base, size, MADV_HUGEPAGE);
	return 0;
}

void guest_ram_discard(struct guest_ram *ram)
{
	madvise(ram->base, ram->size, MADV_DONTNEED);
}

void guest_ram_unmap(struct guest_ram *ram)
{
	if (ram->mapping != NULL)
		munmap(ram->mapping, ram->mapping_size);
	*ram = (struct guest_ram){0};
}
