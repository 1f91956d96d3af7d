/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules are the Arm ARM's for taking an exception to AArch64 EL1
 * (D1.3, "Exception entry"), as KVM's inject_fault.c applies them.
 */
#include "arch/aarch64/inject.h"

#include "core/errors.h"

/* PSTATE / SPSR bits. */
#define PSTATE_M_MASK 0xfull
#define PSTATE_NRW    (1ull << 4)
#define PSTATE_EL0T   0x0ull
#define PSTATE_EL1T   0x4ull
#define PSTATE_EL1H   0x5ull
#define PSTATE_DAIF   (0xfull << 6)
#define PSTATE_SSBS   (1ull << 12)
#define PSTATE_PAN    (1ull << 22)
#define PSTATE_DIT    (1ull << 24)
#define PSTATE_NZCV   (0xfull << 28)
#define AARCH32_USR   0x10ull /* M[4:0] of AArch32 user mode */

#define SCTLR_SPAN  (1ull << 23)
#define SCTLR_DSSBS (1ull << 44)

/* Vector offsets from VBAR_EL1: the synchronous entry of each group. */
#define VECTOR_CURRENT_SP0 0x000u
#define VECTOR_CURRENT_SPX 0x200u
#define VECTOR_LOWER_A64   0x400u
#define VECTOR_LOWER_A32   0x600u

/* ESR_ELx. */
#define ESR_EC_SHIFT	26
#define ESR_IL		(1ull << 25)
#define ESR_FNV		(1ull << 10)
#define FSC_EXTERNAL	0x10u
#define EC_IABT_LOWER	0x20u
#define EC_IABT_CURRENT 0x21u
#define EC_DABT_LOWER	0x24u
#define EC_DABT_CURRENT 0x25u

int arm64_inject_abort(enum arm64_abort_kind kind, uint64_t far, bool far_valid,
		       const struct arm64_el1_state *el1, struct arm64_regs *regs,
		       struct arm64_el1_exception *out)
{
	uint64_t old = regs->pstate;
	unsigned vector;
	bool lower;
	uint64_t pstate;
	unsigned ec;

	if (old & PSTATE_NRW) {
		/* AArch32 user code under an AArch64 kernel; an AArch32 kernel is not supported. */
		if ((old & 0x1full) != AARCH32_USR)
			return -SVMM_ENOTSUP;
		vector = VECTOR_LOWER_A32;
		lower = true;
	} else {
		switch (old & PSTATE_M_MASK) {
		case PSTATE_EL0T:
			vector = VECTOR_LOWER_A64;
			lower = true;
			break;
		case PSTATE_EL1T:
			vector = VECTOR_CURRENT_SP0;
			lower = false;
			break;
		case PSTATE_EL1H:
			vector = VECTOR_CURRENT_SPX;
			lower = false;
			break;
		default:
			return -SVMM_ENOTSUP;
		}
	}
	if (kind == ARM64_ABORT_DATA)
		ec = lower ? EC_DABT_LOWER : EC_DABT_CURRENT;
	else
		ec = lower ? EC_IABT_LOWER : EC_IABT_CURRENT;
	/* IL is RES1 for instruction aborts and for data aborts without a valid ISS. */
	out->esr = (uint64_t)ec << ESR_EC_SHIFT | ESR_IL | FSC_EXTERNAL | (far_valid ? 0 : ESR_FNV);
	out->far = far_valid ? far : 0;
	out->elr = regs->pc;
	out->spsr = old;

	/* The new PSTATE keeps the flags, DIT and PAN; SPAN = 0 sets PAN on entry. */
	pstate = (old & (PSTATE_NZCV | PSTATE_DIT | PSTATE_PAN)) | PSTATE_DAIF | PSTATE_EL1H;
	if (old & PSTATE_NRW)
		pstate &= ~PSTATE_PAN; /* AArch32 has no PAN bit at this position */
	if ((el1->sctlr & SCTLR_SPAN) == 0)
		pstate |= PSTATE_PAN;
	if (el1->sctlr & SCTLR_DSSBS)
		pstate |= PSTATE_SSBS;
	regs->pstate = pstate;
	regs->pc = el1->vbar + vector;
	return 0;
}
