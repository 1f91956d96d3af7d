/* SPDX-License-Identifier: Apache-2.0 */
#include "hyp/sel4/guest_faults.h"

#include <microkit.h>

#include "core/errors.h"

#define PSTATE_MODE_MASK 0xfull
#define PSTATE_EL1H	 0x5ull
#define DCZID_BS_MASK	 0xfu
#define DCZID_DZP	 (1u << 4)

static uint64_t vcpu_reg(unsigned vcpu, seL4_Word reg)
{
	seL4_ARM_VCPU_ReadRegs_t r = seL4_ARM_VCPU_ReadRegs(BASE_VCPU_CAP + vcpu, reg);

	return r.error == seL4_NoError ? r.value : 0;
}

static bool set_vcpu_reg(unsigned vcpu, seL4_Word reg, uint64_t value)
{
	return seL4_ARM_VCPU_WriteRegs(BASE_VCPU_CAP + vcpu, reg, value) == seL4_NoError;
}

int sel4_inject_abort(unsigned vcpu, enum arm64_abort_kind kind, uint64_t far, bool far_valid,
		      struct arm64_regs *regs)
{
	struct arm64_el1_state el1 = {.vbar = vcpu_reg(vcpu, seL4_VCPUReg_VBAR),
				      .sctlr = vcpu_reg(vcpu, seL4_VCPUReg_SCTLR)};
	struct arm64_el1_exception ex;
	struct arm64_regs before = *regs;

	if (arm64_inject_abort(kind, far, far_valid, &el1, regs, &ex) < 0)
		return -SVMM_ENOTSUP;
	if (!set_vcpu_reg(vcpu, seL4_VCPUReg_ESR, ex.esr) ||
	    !set_vcpu_reg(vcpu, seL4_VCPUReg_FAR, ex.far) ||
	    !set_vcpu_reg(vcpu, seL4_VCPUReg_ELR_EL1, ex.elr) ||
	    !set_vcpu_reg(vcpu, seL4_VCPUReg_SPSR_EL1, ex.spsr)) {
		*regs = before;
		return -SVMM_EIO;
	}
	return 0;
}

/* DC ZVA's block size as the guest sees it: the CPU's own DCZID_EL0 (not trapped). */
static unsigned zva_block_size(void)
{
	uint64_t dczid;

	__asm__("mrs %0, dczid_el0" : "=r"(dczid));
	/* DC ZVA is UNDEFINED for the guest then: no instruction here can be one. */
	if (dczid & DCZID_DZP)
		return 0;
	return 4u << (dczid & DCZID_BS_MASK);
}

int sel4_emulate_nisv(unsigned vcpu, uint64_t ipa, bool is_write, const struct guest_mem *mem,
		      arm64_access_fn access, void *ctx, struct arm64_regs *regs)
{
	struct arm64_mmu_regs mmu = {
	    .sctlr = vcpu_reg(vcpu, seL4_VCPUReg_SCTLR),
	    .tcr = vcpu_reg(vcpu, seL4_VCPUReg_TCR),
	    .ttbr0 = vcpu_reg(vcpu, seL4_VCPUReg_TTBR0),
	    .ttbr1 = vcpu_reg(vcpu, seL4_VCPUReg_TTBR1),
	};
	struct arm64_nisv_fault fault = {
	    .vcpu = vcpu, .ipa = ipa, .is_write = is_write, .zva_block = zva_block_size()};
	bool el1h = (regs->pstate & PSTATE_MODE_MASK) == PSTATE_EL1H;
	uint64_t sp_el0 = regs->sp, sp_el1 = el1h ? vcpu_reg(vcpu, seL4_VCPUReg_SP_EL1) : 0;
	int err;

	if (el1h)
		regs->sp = sp_el1;
	err = arm64_nisv_emulate(&fault, &mmu, mem, access, ctx, regs, NULL, NULL);
	if (el1h) {
		if (err == 0 && regs->sp != sp_el1 &&
		    !set_vcpu_reg(vcpu, seL4_VCPUReg_SP_EL1, regs->sp))
			err = -SVMM_EIO;
		regs->sp = sp_el0;
	}
	return err;
}
