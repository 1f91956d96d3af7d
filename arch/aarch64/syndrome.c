/* SPDX-License-Identifier: Apache-2.0 */
#include "arch/aarch64/syndrome.h"

#include "core/errors.h"

/* ESR_EL2: exception class, instruction length, instruction-specific syndrome. */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK  0x3fu
#define ESR_IL	     (1u << 25)
#define ESR_ISS_MASK 0x1ffffffu

/* ISS of a data abort. */
#define DABT_ISV       (1u << 24)
#define DABT_SAS_SHIFT 22
#define DABT_SSE       (1u << 21)
#define DABT_SRT_SHIFT 16
#define DABT_SF	       (1u << 15)
#define DABT_AR	       (1u << 14)
#define DABT_CM	       (1u << 8)
#define DABT_S1PTW     (1u << 7)
#define DABT_WNR       (1u << 6)
#define DABT_DFSC_MASK 0x3fu

/* ISS of a WFx trap: TI [1:0] says which instruction; RV [2], Rn [9:5] for WFxT. */
#define WFX_TI_MASK  0x3u
#define WFX_RV	     (1u << 2)
#define WFX_RN_SHIFT 5

/* ISS of HVC and SMC from AArch64, and of HVC from AArch32: imm16 in [15:0]. */
#define CALL_IMM_MASK 0xffffu

/* ISS of an MSR/MRS/SYS trap. */
#define SYS_OP0_SHIFT 20
#define SYS_OP2_SHIFT 17
#define SYS_OP1_SHIFT 14
#define SYS_CRN_SHIFT 10
#define SYS_RT_SHIFT  5
#define SYS_CRM_SHIFT 1
#define SYS_DIR_READ  1u

/* PSTATE as saved in SPSR_EL2. */
#define PSTATE_NRW (1u << 4) /* M[4]: the guest was running in AArch32 */
/* AArch32 IT block state: IT[1:0] in bits [26:25], IT[7:2] in bits [15:10]. */
#define PSTATE_IT_LO_SHIFT 25
#define PSTATE_IT_LO_MASK  ((uint64_t)0x3 << PSTATE_IT_LO_SHIFT)
#define PSTATE_IT_HI_SHIFT 10
#define PSTATE_IT_HI_MASK  ((uint64_t)0x3f << PSTATE_IT_HI_SHIFT)

/*@ assigns \nothing;
    ensures \result <= ESR_ISS_MASK; */
static uint32_t esr_iss(uint64_t esr)
{
	return (uint32_t)esr & ESR_ISS_MASK;
}

uint64_t arm64_reg_get(const struct arm64_regs *regs, unsigned n)
{
	return n < ARM64_REG_ZR ? regs->x[n] : 0;
}

void arm64_reg_set(struct arm64_regs *regs, unsigned n, uint64_t value)
{
	if (n < ARM64_REG_ZR)
		regs->x[n] = value;
}

enum arm64_exception_class arm64_esr_class(uint64_t esr)
{
	return (enum arm64_exception_class)((esr >> ESR_EC_SHIFT) & ESR_EC_MASK);
}

bool arm64_esr_il32(uint64_t esr)
{
	return (esr & ESR_IL) != 0;
}

/*
 * ITAdvance() of the Arm ARM: an instruction inside a T32 IT block moves the
 * block on by one; the last one ends it. Skipping a trapped instruction must
 * do the same, or the guest would run the next one under the wrong
 * condition.
 */
/*@ assigns \nothing; */
static uint64_t it_advance(uint64_t pstate)
{
	unsigned it = (unsigned)((pstate & PSTATE_IT_HI_MASK) >> PSTATE_IT_HI_SHIFT) << 2 |
		      (unsigned)((pstate & PSTATE_IT_LO_MASK) >> PSTATE_IT_LO_SHIFT);

	if (it == 0)
		return pstate;
	if ((it & 0x7u) == 0)
		it = 0;
	else
		it = (it & 0xe0u) | ((it << 1) & 0x1fu);
	pstate &= ~(PSTATE_IT_HI_MASK | PSTATE_IT_LO_MASK);
	return pstate | (uint64_t)(it >> 2) << PSTATE_IT_HI_SHIFT |
	       (uint64_t)(it & 0x3u) << PSTATE_IT_LO_SHIFT;
}

void arm64_skip_instruction(struct arm64_regs *regs, bool il32)
{
	regs->pc += il32 ? 4 : 2;
	if (regs->pstate & PSTATE_NRW) {
		regs->pc &= UINT32_MAX;
		regs->pstate = it_advance(regs->pstate);
	}
}

/*@ assigns \nothing; */
static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * size)) - 1;
}

int arm64_decode_data_abort(uint64_t esr, uint64_t ipa, unsigned vcpu,
			    const struct arm64_regs *regs, struct access *out,
			    struct arm64_abort_info *info)
{
	uint32_t iss = esr_iss(esr);

	if (arm64_esr_class(esr) != ARM64_EC_DABT_LOW)
		return -SVMM_EINVAL;

	*info = (struct arm64_abort_info){
	    .isv = (iss & DABT_ISV) != 0,
	    .is_write = (iss & DABT_WNR) != 0,
	    .il32 = arm64_esr_il32(esr),
	    .cache_maintenance = (iss & DABT_CM) != 0,
	    .s1ptw = (iss & DABT_S1PTW) != 0,
	    .dfsc = (uint8_t)(iss & DABT_DFSC_MASK),
	};
	if (info->s1ptw)
		return -SVMM_EFAULT;
	/* Without ISV the register, size and extension fields are RES0, not zero-meaning. */
	if (!info->isv)
		return -SVMM_ENOTSUP;

	info->size = arm64_size_bytes((iss >> DABT_SAS_SHIFT) & 0x3u);
	info->sign_extend = (iss & DABT_SSE) != 0;
	info->reg = arm64_reg_field(iss, DABT_SRT_SHIFT);
	info->reg64 = (iss & DABT_SF) != 0;
	info->acquire_release = (iss & DABT_AR) != 0;

	*out = (struct access){
	    .vcpu = vcpu,
	    .gpa = ipa,
	    .size = info->size,
	    .is_write = info->is_write,
	    /* A store writes the low `size` bytes of its source register. */
	    .value = info->is_write ? arm64_reg_get(regs, info->reg) & size_mask(info->size) : 0,
	};
	return 0;
}

void arm64_complete_data_abort(const struct arm64_abort_info *info, const struct access *acc,
			       struct arm64_regs *regs)
{
	if (!info->is_write) {
		unsigned bits = 8u * info->size;
		uint64_t value = acc->value & size_mask(info->size);

		/* Sign-extend by flipping the sign bit and subtracting it back: no UB shifts. */
		if (info->sign_extend && bits > 0 && bits < 64) {
			uint64_t sign = (uint64_t)1 << (bits - 1);

			value = (value ^ sign) - sign;
		}
		if (!info->reg64)
			value &= UINT32_MAX;
		arm64_reg_set(regs, info->reg, value);
	}
	arm64_skip_instruction(regs, info->il32);
}

int arm64_decode_wfx(uint64_t esr, struct arm64_wfx *out)
{
	uint32_t iss = esr_iss(esr);

	if (arm64_esr_class(esr) != ARM64_EC_WFX)
		return -SVMM_EINVAL;
	out->kind = (enum arm64_wfx_kind)(iss & WFX_TI_MASK);
	out->has_timeout = (iss & WFX_RV) != 0;
	out->timeout_reg = arm64_reg_field(iss, WFX_RN_SHIFT);
	return 0;
}

int arm64_decode_call(uint64_t esr, struct arm64_call *out)
{
	enum arm64_exception_class ec = arm64_esr_class(esr);

	switch (ec) {
	case ARM64_EC_HVC64:
	case ARM64_EC_HVC32:
	case ARM64_EC_SMC64:
		break;
	case ARM64_EC_SMC32:
		return -SVMM_ENOTSUP;
	default:
		return -SVMM_EINVAL;
	}
	out->smc = ec == ARM64_EC_SMC64;
	out->aarch32 = ec == ARM64_EC_HVC32;
	out->imm = (uint16_t)(esr_iss(esr) & CALL_IMM_MASK);
	out->skip = out->smc;
	return 0;
}

int arm64_decode_sysreg(uint64_t esr, struct arm64_sysreg_access *out)
{
	uint32_t iss = esr_iss(esr);

	if (arm64_esr_class(esr) != ARM64_EC_SYS64)
		return -SVMM_EINVAL;
	out->op0 = (uint8_t)((iss >> SYS_OP0_SHIFT) & 0x3u);
	out->op2 = (uint8_t)((iss >> SYS_OP2_SHIFT) & 0x7u);
	out->op1 = (uint8_t)((iss >> SYS_OP1_SHIFT) & 0x7u);
	out->crn = (uint8_t)((iss >> SYS_CRN_SHIFT) & 0xfu);
	out->reg = arm64_reg_field(iss, SYS_RT_SHIFT);
	out->crm = (uint8_t)((iss >> SYS_CRM_SHIFT) & 0xfu);
	out->is_read = (iss & SYS_DIR_READ) != 0;
	out->id = ARM64_SYSREG(out->op0, out->op1, out->crn, out->crm, out->op2);
	return 0;
}
