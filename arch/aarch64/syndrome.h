/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exception syndromes (ESR_EL2) of the traps a hypervisor sees from an
 * aarch64 guest, decoded into plain structs.
 *
 * On KVM the kernel decodes data aborts itself and hands svmm a finished
 * MMIO exit; on seL4 every guest data abort arrives as a fault message
 * carrying the raw ESR, the faulting IPA and the vCPU's registers. The
 * seL4 backend copies those registers into struct arm64_regs, lets this
 * file turn the syndrome into a struct access for bus_dispatch(), and
 * copies the registers back when it replies. Devices never see a syndrome
 * bit (as in Bao's aborts.c).
 *
 * Field layouts follow the Arm ARM's description of ESR_EL2 (EC in bits
 * [31:26], IL in bit 25, ISS in bits [24:0]) for the classes below.
 */
#ifndef SVMM_ARCH_AARCH64_SYNDROME_H
#define SVMM_ARCH_AARCH64_SYNDROME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "core/errors.h"

/*
 * The guest's general registers as the hypervisor backend saw them at the
 * trap, in the AArch64 view: x[0..30], the stack pointer of the trapping
 * EL, the preferred return address (ELR_EL2) and the saved PSTATE
 * (SPSR_EL2). Register number 31 in an instruction's Rt field means the
 * zero register for every trap decoded here, so it has no slot: reads of
 * it give 0 and writes vanish. The backend fills this from whatever its
 * hypervisor provides (seL4_UserContext, KVM_GET_ONE_REG) and writes back
 * pc, pstate and x[] after completion.
 */
struct arm64_regs {
	uint64_t x[31];
	uint64_t sp;
	uint64_t pc;
	uint64_t pstate;
};

/* Register 31 in a load/store, MRS/MSR or WFxT operand: XZR/WZR. */
#define ARM64_REG_ZR 31u

/* The 5-bit register number at bit `shift` of an ISS or an instruction. */
/*@ requires shift <= 27;
    assigns \nothing;
    ensures \result <= ARM64_REG_ZR; */
static inline uint8_t arm64_reg_field(uint32_t word, unsigned shift)
{
	return (uint8_t)((word >> shift) & 0x1fu);
}

/*
 * Bytes of an access whose 2-bit size field (SAS, a load/store's size) is
 * `log2`: 1 << log2. A switch rather than the shift, so that the provers
 * see the four values without bit lemmas.
 */
/*@ assigns \nothing;
    ensures \result == 1 || \result == 2 || \result == 4 || \result == 8; */
static inline uint8_t arm64_size_bytes(unsigned log2)
{
	switch (log2) {
	case 0:
		return 1;
	case 1:
		return 2;
	case 2:
		return 4;
	default:
		return 8;
	}
}

/* x[n] for n in 0..30; 0 for the zero register (and any larger n). */
/*@ requires \valid_read(regs);
    assigns \nothing;
    ensures n < ARM64_REG_ZR ==> \result == regs->x[n];
    ensures n >= ARM64_REG_ZR ==> \result == 0; */
uint64_t arm64_reg_get(const struct arm64_regs *regs, unsigned n);
/* Sets x[n] for n in 0..30; a write to the zero register is discarded. */
/*@ requires \valid(regs);
    assigns regs->x[0 .. ARM64_REG_ZR - 1]; */
void arm64_reg_set(struct arm64_regs *regs, unsigned n, uint64_t value);

/*
 * ESR_EL2.EC values a hypervisor can be handed by a lower EL. Only the
 * classes svmm's backends act on are named; arm64_esr_class() returns the
 * raw 6-bit value, so a class without a name still compares correctly.
 */
enum arm64_exception_class {
	ARM64_EC_UNKNOWN = 0x00,  /* an instruction the hardware cannot classify */
	ARM64_EC_WFX = 0x01,	  /* WFI, WFE, WFIT, WFET (HCR_EL2.TWI/TWE) */
	ARM64_EC_CP15_32 = 0x03,  /* AArch32 MCR/MRC to CP15 */
	ARM64_EC_CP15_64 = 0x04,  /* AArch32 MCRR/MRRC to CP15 */
	ARM64_EC_FP_ASIMD = 0x07, /* SVE, SIMD or FP access trapped by CPTR_EL2 */
	ARM64_EC_ILLEGAL = 0x0e,  /* illegal execution state */
	ARM64_EC_HVC32 = 0x12,	  /* HVC from AArch32 */
	ARM64_EC_SMC32 = 0x13,	  /* SMC from AArch32 (HCR_EL2.TSC) */
	ARM64_EC_HVC64 = 0x16,	  /* HVC from AArch64 */
	ARM64_EC_SMC64 = 0x17,	  /* SMC from AArch64 (HCR_EL2.TSC) */
	ARM64_EC_SYS64 = 0x18,	  /* MSR, MRS or SYS instruction from AArch64 */
	ARM64_EC_IABT_LOW = 0x20, /* instruction abort from a lower EL */
	ARM64_EC_PC_ALIGN = 0x22, /* PC alignment fault */
	ARM64_EC_DABT_LOW = 0x24, /* data abort from a lower EL: MMIO */
	ARM64_EC_SP_ALIGN = 0x26, /* SP alignment fault */
	ARM64_EC_SERROR = 0x2f,	  /* SError interrupt */
	ARM64_EC_BREAKPT_LOW = 0x30,
	ARM64_EC_SOFTSTP_LOW = 0x32,
	ARM64_EC_WATCHPT_LOW = 0x34,
	ARM64_EC_BRK64 = 0x3c,
};

/* ESR_EL2.EC (bits [31:26]). */
/*@ assigns \nothing;
    ensures \result == ((esr >> 26) & 0x3f); */
enum arm64_exception_class arm64_esr_class(uint64_t esr);

/*
 * ESR_EL2.IL: true for a 32-bit instruction (every A64 and A32 one), false
 * for a 16-bit T32 instruction.
 */
/*@ assigns \nothing; */
bool arm64_esr_il32(uint64_t esr);

/*
 * Moves the guest past the trapped instruction: PC += 4, or += 2 for a
 * 16-bit T32 instruction (IL = 0). For an AArch32 guest (PSTATE.nRW = 1)
 * the PC wraps at 32 bits and the IT block state advances, as the
 * instruction would have done had it completed without trapping.
 */
/*@ requires \valid(regs);
    assigns regs->pc, regs->pstate; */
void arm64_skip_instruction(struct arm64_regs *regs, bool il32);

/* ---- data aborts (EC 0x24) ---- */

/*
 * What the syndrome says about one trapped load or store. decode fills it;
 * complete reads it back, so the backend keeps it between the two (across
 * the device handler).
 */
struct arm64_abort_info {
	bool isv;		/* ISV: the fields from size to acquire_release are valid */
	uint8_t size;		/* SAS: 1, 2, 4 or 8 bytes */
	bool sign_extend;	/* SSE: the load sign-extends (LDRSB, LDRSH, LDRSW) */
	uint8_t reg;		/* SRT: 0..30, or ARM64_REG_ZR */
	bool reg64;		/* SF: the register is Xt (else Wt, or an AArch32 Rt) */
	bool acquire_release;	/* AR: LDAR/STLR and friends */
	bool is_write;		/* WnR */
	bool il32;		/* IL: the instruction is 32 bits long (else a 16-bit T32 one) */
	bool cache_maintenance; /* CM: a cache maintenance instruction, not a load or store */
	bool s1ptw;		/* S1PTW: the fault is on the guest's own page-table walk */
	uint8_t dfsc;		/* DFSC: the fault status code (translation, permission ...) */
};

/*
 * Turns a data abort from the guest into a device access. `ipa` is the
 * faulting guest physical address, byte-exact (seL4 reports it so; from
 * raw registers it is HPFAR_EL2.FIPA << 8 | FAR_EL2[11:0]).
 *
 * Returns 0 and fills *out (vcpu, gpa = ipa, size, is_write, and for a
 * write the value: the source register masked to the access size, 0 for
 * XZR/WZR) and *info. Errors, with *out untouched and *info filled as far
 * as the syndrome goes:
 *   -SVMM_EINVAL   EC is not 0x24 (not a data abort from the guest).
 *   -SVMM_EFAULT   S1PTW: the stage-2 fault hit the guest's stage-1 page
 *                  tables, not the access; there is no access to emulate
 *                  (the guest put page tables in MMIO space; inject an
 *                  abort).
 *   -SVMM_ENOTSUP  ISV = 0: the syndrome does not describe the instruction
 *                  (load/store pair, register writeback, SIMD/FP register,
 *                  exclusive, atomic, DC ZVA ...): the backend fetches and
 *                  decodes it from guest memory (arch/aarch64/nisv.h) or
 *                  injects an abort. info->cache_maintenance tells the
 *                  backend whether it was cache maintenance by VA on a device
 *                  range, which it can skip as KVM does.
 * Acquire/release semantics need nothing extra: the trap and the emulation
 * are ordered against all of the vCPU's other accesses anyway.
 */
/*@
  requires \valid_read(regs) && \valid(out) && \valid(info);
  requires \separated(out, info, regs);
  assigns *out, *info;
  ensures \result == 0 || \result == -SVMM_EINVAL || \result == -SVMM_EFAULT ||
	  \result == -SVMM_ENOTSUP;
  ensures \result == 0 ==> (info->size == 1 || info->size == 2 || info->size == 4 ||
			    info->size == 8);
  ensures \result == 0 ==> info->reg <= ARM64_REG_ZR;
  ensures \result == 0 ==> out->size == info->size;
*/
int arm64_decode_data_abort(uint64_t esr, uint64_t ipa, unsigned vcpu,
			    const struct arm64_regs *regs, struct access *out,
			    struct arm64_abort_info *info);

/*
 * Finishes an access decoded by arm64_decode_data_abort() once the device
 * has handled it. For a load, the value the device returned in acc->value
 * goes into the target register: masked to the access size, sign-extended
 * to 64 or 32 bits if SSE says so, and (SF = 0) limited to 32 bits, since
 * writing a W register clears the upper half of the X register; a load
 * into WZR/XZR is discarded. Then the PC moves past the instruction (the
 * preferred return address of a data abort is the faulting instruction).
 */
/*@
  requires \valid_read(info) && \valid_read(acc) && \valid(regs);
  requires \separated(regs, info, acc);
  assigns regs->x[0 .. ARM64_REG_ZR - 1], regs->pc, regs->pstate;
*/
void arm64_complete_data_abort(const struct arm64_abort_info *info, const struct access *acc,
			       struct arm64_regs *regs);

/* ---- WFI and WFE (EC 0x01) ---- */

enum arm64_wfx_kind {
	ARM64_WFI = 0,
	ARM64_WFE = 1,
	ARM64_WFIT = 2, /* FEAT_WFxT: WFI with a timeout */
	ARM64_WFET = 3,
};

struct arm64_wfx {
	enum arm64_wfx_kind kind;
	bool has_timeout; /* RV: `timeout_reg` holds the WFxT timeout register */
	uint8_t timeout_reg;
};

/*
 * Decodes a WFx trap: 0, or -SVMM_EINVAL for another class. WFx traps
 * before the instruction completes: skip it (arm64_skip_instruction) when
 * the vCPU resumes.
 */
int arm64_decode_wfx(uint64_t esr, struct arm64_wfx *out);

/* ---- HVC and SMC (EC 0x12, 0x16, 0x17) ---- */

struct arm64_call {
	bool smc;     /* SMC (else HVC) */
	bool aarch32; /* HVC from AArch32 */
	/*
	 * The instruction's immediate. SMCCC calls (PSCI among them) use 0; a
	 * non-zero immediate is not an SMCCC call, and the caller answers it
	 * with x0 = NOT_SUPPORTED (-1) as KVM does.
	 */
	uint16_t imm;
	/*
	 * The PC still points at the instruction, so it must be skipped after
	 * the call is handled. True for SMC: a trapped SMC (HCR_EL2.TSC) is
	 * taken before it executes, its preferred return address being the SMC
	 * itself. False for HVC: HVC is an exception-generating instruction
	 * whose preferred return address is the next instruction.
	 */
	bool skip;
};

/*
 * Decodes an HVC64, HVC32 or SMC64 trap: 0, -SVMM_EINVAL for another class,
 * or -SVMM_ENOTSUP for SMC32 (from AArch32 a conditional SMC may trap even
 * when its condition fails; svmm does not evaluate conditions).
 */
int arm64_decode_call(uint64_t esr, struct arm64_call *out);

/* ---- MSR, MRS and system instructions (EC 0x18) ---- */

/*
 * A system register's encoding in the bit positions of the MRS/MSR
 * instruction (op0 [20:19], op1 [18:16], CRn [15:12], CRm [11:8], op2
 * [7:5]), so that a register reads as in the Arm ARM's S<op0>_<op1>_C<n>_C<m>_<op2>
 * notation. The ISS orders the fields differently; use `id` to compare.
 */
#define ARM64_SYSREG(op0, op1, crn, crm, op2)                                                      \
	((uint32_t)(op0) << 19 | (uint32_t)(op1) << 16 | (uint32_t)(crn) << 12 |                   \
	 (uint32_t)(crm) << 8 | (uint32_t)(op2) << 5)

struct arm64_sysreg_access {
	uint8_t op0, op1, crn, crm, op2;
	uint32_t id;  /* ARM64_SYSREG(op0, op1, crn, crm, op2) */
	uint8_t reg;  /* Rt: 0..30, or ARM64_REG_ZR */
	bool is_read; /* direction: MRS (read) rather than MSR (write) */
};

/*
 * Decodes a trapped MSR/MRS/SYS instruction: 0, or -SVMM_EINVAL for another
 * class. The trap is taken before the instruction executes: after
 * emulating it, put a read's result with arm64_reg_set(regs, reg, value)
 * and skip the instruction.
 */
int arm64_decode_sysreg(uint64_t esr, struct arm64_sysreg_access *out);

#endif
