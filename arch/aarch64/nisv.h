/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A data abort without a valid instruction syndrome (ISV = 0), emulated
 * from the instruction itself: the one routine both hypervisor backends
 * call (KVM for KVM_EXIT_ARM_NISV, seL4 for a VMFault with ISV clear).
 *
 * It reads the A64 instruction at the guest's PC (translating the PC with
 * the guest's own page tables, arch/aarch64/stage1.h), decodes it
 * (arch/aarch64/insn.h) and performs its accesses through `access`. On
 * any error the registers are unchanged and the backend injects a
 * synchronous external abort into the guest; it never skips the
 * instruction and never stops the VM.
 */
#ifndef SVMM_ARCH_AARCH64_NISV_H
#define SVMM_ARCH_AARCH64_NISV_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/insn.h"
#include "arch/aarch64/stage1.h"
#include "core/guest_mem.h"

struct arm64_nisv_fault {
	unsigned vcpu;
	uint64_t ipa;	    /* the faulting IPA, byte-exact */
	bool is_write;	    /* the syndrome's WnR */
	unsigned zva_block; /* DC ZVA's block size in bytes (4 << DCZID_EL0.BS) */
};

/*
 * 0: emulated, registers updated (PC past the instruction). Errors:
 * -SVMM_ENOTSUP for an AArch32 guest or an instruction that is not a
 * decodable load or store, -SVMM_EINVAL for an unallocated or
 * unpredictable encoding, -SVMM_EFAULT when the PC does not translate to
 * guest RAM or the instruction does not match the fault, or the error
 * `access` returned. `op` (may be NULL) receives the decoded instruction
 * (op->va is the address the guest accessed, for an abort's FAR) and
 * `insn` (may be NULL) the instruction word, both valid only if decoding
 * got that far.
 */
int arm64_nisv_emulate(const struct arm64_nisv_fault *fault, const struct arm64_mmu_regs *mmu,
		       const struct guest_mem *mem, arm64_access_fn access, void *ctx,
		       struct arm64_regs *regs, struct arm64_insn *op, uint32_t *insn);

#endif
