/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Synchronous exceptions a hypervisor injects into an aarch64 guest's EL1,
 * computed as the hardware would take them: the values of ESR_EL1,
 * FAR_EL1, ELR_EL1 and SPSR_EL1, and the new PC (VBAR_EL1 plus the vector
 * for where the exception came from) and PSTATE. The backend writes these
 * registers; on KVM the kernel does the same itself (KVM_SET_VCPU_EVENTS,
 * or its own prefetch abort), on seL4 svmm does it with this file.
 *
 * The exceptions are the synchronous external aborts a bus gives for an
 * access nothing can complete: a data abort (an MMIO instruction svmm
 * cannot emulate) and an instruction abort (a fetch from an address with
 * no RAM), both with the fault status "synchronous external abort, not on
 * a translation table walk".
 */
#ifndef SVMM_ARCH_AARCH64_INJECT_H
#define SVMM_ARCH_AARCH64_INJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/syndrome.h"

/* The guest's EL1 state the injection reads (besides its general registers). */
struct arm64_el1_state {
	uint64_t vbar;	/* VBAR_EL1 */
	uint64_t sctlr; /* SCTLR_EL1: SPAN and DSSBS shape the new PSTATE */
};

/* The EL1 system registers to write for the exception. */
struct arm64_el1_exception {
	uint64_t esr;
	uint64_t far;
	uint64_t elr;
	uint64_t spsr;
};

enum arm64_abort_kind {
	ARM64_ABORT_DATA,
	ARM64_ABORT_INSTRUCTION,
};

/*
 * Takes a synchronous external abort to EL1: fills *out, and sets
 * regs->pc to the vector and regs->pstate to EL1h with D, A, I and F
 * masked. `far` is the faulting virtual address if `far_valid`; otherwise
 * ESR_EL1.FnV says FAR_EL1 holds no address (for a data abort whose
 * virtual address the hypervisor never learnt). 0, or -SVMM_ENOTSUP when
 * the guest runs in AArch32 at EL1 or in a mode with no EL1 vector for
 * it (EL2), where svmm cannot take an exception for it.
 */
int arm64_inject_abort(enum arm64_abort_kind kind, uint64_t far, bool far_valid,
		       const struct arm64_el1_state *el1, struct arm64_regs *regs,
		       struct arm64_el1_exception *out);

#endif
