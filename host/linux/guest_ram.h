/* SPDX-License-Identifier: Apache-2.0 */
/* The host mapping that backs a guest's RAM. */
#ifndef SVMM_HOST_LINUX_GUEST_RAM_H
#define SVMM_HOST_LINUX_GUEST_RAM_H

#include <stddef.h>
#include <stdint.h>

/* The largest block KVM maps at stage 2 from transparent huge pages. */
#define GUEST_RAM_HUGE_PAGE ((uintptr_t)2 << 20)

struct guest_ram {
	void *base; /* what the guest sees at its RAM's first address */
	size_t size;
	void *mapping; /* the whole reservation, a little larger than size */
	size_t mapping_size;
};

/*
 * Reserves `size` bytes (not committed: the host gives pages as the guest touches
 * them) whose start has the same offset within 2 MiB as `guest_base`, and asks for
 * transparent huge pages. KVM backs a guest page with a 2 MiB stage-2 block only
 * when host address and guest address agree modulo 2 MiB; otherwise every guest
 * TLB miss walks 4 KiB pages. Returns 0 or -errno.
 */
int guest_ram_map(struct guest_ram *ram, size_t size, uint64_t guest_base);
/* Gives every page back: the RAM reads as zero again (a reboot in place). */
void guest_ram_discard(struct guest_ram *ram);
void guest_ram_unmap(struct guest_ram *ram);

#endif
