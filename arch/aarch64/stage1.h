/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's own (stage-1) address translation, walked in software: turns
 * a guest virtual address into the intermediate physical address the guest
 * maps it to, reading the guest's page tables from its RAM through the
 * bounds-checked guest memory helpers.
 *
 * A hypervisor needs this to read the instruction at the guest's PC (a
 * virtual address) when the syndrome of a data abort does not describe the
 * access (arch/aarch64/nisv.h). It implements VMSAv8-64 with the 4 KiB,
 * 16 KiB and 64 KiB granules, up to 48-bit input and output addresses, both
 * halves (TTBR0_EL1 and TTBR1_EL1) and the top-byte-ignore bits, for the
 * EL1&0 regime an arm64 Linux guest runs in. Permissions are not checked:
 * the caller only reads the guest's own memory. 52-bit addresses (LPA,
 * LPA2) and big-endian tables are refused.
 */
#ifndef SVMM_ARCH_AARCH64_STAGE1_H
#define SVMM_ARCH_AARCH64_STAGE1_H

#include <stdint.h>

#include "core/guest_mem.h"

/* The EL1 registers that define the guest's translation. */
struct arm64_mmu_regs {
	uint64_t sctlr; /* SCTLR_EL1: M (bit 0) enables it, EE (bit 25) big-endian tables */
	uint64_t tcr;	/* TCR_EL1 */
	uint64_t ttbr0; /* TTBR0_EL1: the lower half */
	uint64_t ttbr1; /* TTBR1_EL1: the upper half */
};

/*
 * *ipa for `va`: 0; -SVMM_EFAULT when the guest maps nothing there (an
 * address outside both halves, a walk disabled by EPDn, an invalid
 * descriptor, or a table outside guest RAM); -SVMM_ENOTSUP for a
 * configuration this walker does not implement. With the MMU off, the
 * IPA is the VA.
 */
int arm64_stage1_translate(const struct arm64_mmu_regs *mmu, const struct guest_mem *mem,
			   uint64_t va, uint64_t *ipa);

#endif
