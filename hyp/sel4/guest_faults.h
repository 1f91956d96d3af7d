/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seL4 half of two guest faults whose logic lives in arch/aarch64: a
 * synchronous external abort taken to the guest's EL1 (inject.h), and a
 * data abort without an instruction syndrome emulated from the
 * instruction (nisv.h). These read and write the vCPU's EL1 registers
 * (seL4_ARM_VCPU_ReadRegs/WriteRegs); hyp/sel4/fault.c calls them from its
 * VMFault handler and writes the general registers back as for any fault.
 */
#ifndef SVMM_HYP_SEL4_GUEST_FAULTS_H
#define SVMM_HYP_SEL4_GUEST_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/inject.h"
#include "arch/aarch64/nisv.h"
#include "core/guest_mem.h"

/*
 * Sets up the abort in vCPU `vcpu`'s EL1 registers and moves `regs` (its
 * PC and PSTATE) to the vector. 0, -SVMM_ENOTSUP (a guest mode with no EL1
 * vector for it) or -SVMM_EIO.
 */
int sel4_inject_abort(unsigned vcpu, enum arm64_abort_kind kind, uint64_t far, bool far_valid,
		      struct arm64_regs *regs);

/*
 * arm64_nisv_emulate() for vCPU `vcpu` with its translation registers; a
 * base register 31 means SP_EL1 in EL1h, which seL4 keeps among the vCPU's
 * registers rather than the TCB's, so it is read and written here. 0, or
 * a negative error with `regs` unchanged (inject an abort then).
 */
int sel4_emulate_nisv(unsigned vcpu, uint64_t ipa, bool is_write, const struct guest_mem *mem,
		      arm64_access_fn access, void *ctx, struct arm64_regs *regs);

#endif
