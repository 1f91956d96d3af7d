/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A64 loads and stores decoded from the instruction itself, for the data
 * aborts whose syndrome does not describe the access (ESR_EL2.ISV = 0): a
 * load/store pair (LDP, STP, LDPSW, LDNP, STNP), a load or store with
 * base-register write-back (pre- or post-indexed), a register-offset or
 * literal load, a load-acquire or store-release, and DC ZVA. The hardware
 * reports the faulting IPA and the direction only; the register, size,
 * second register and write-back come from here. Both hypervisor backends
 * use it: KVM hands svmm such an abort as KVM_EXIT_ARM_NISV, seL4 as a
 * VMFault with ISV clear.
 *
 * The flow is arm64_nisv_emulate() (arch/aarch64/nisv.h): fetch the
 * instruction at the guest's PC, arm64_insn_decode() it, then
 * arm64_insn_emulate() it. Anything not decoded here (SIMD&FP registers,
 * exclusives, atomics, MTE, pointer authentication, unallocated or
 * CONSTRAINED UNPREDICTABLE encodings) is refused, and the backend
 * injects a synchronous external abort, which is what the guest would see
 * from a bus that cannot perform the access.
 */
#ifndef SVMM_ARCH_AARCH64_INSN_H
#define SVMM_ARCH_AARCH64_INSN_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/syndrome.h"
#include "core/access.h"

/* DC ZVA's block: DCZID_EL0.BS is at most 9, so 4 << 9 bytes. */
#define ARM64_ZVA_MAX_BLOCK 2048u
/* Bytes each DC ZVA store covers on the device: a word, the access size device registers take. */
#define ARM64_ZVA_STORE_SIZE 4u

enum arm64_insn_kind {
	ARM64_INSN_LOAD,
	ARM64_INSN_STORE,
	ARM64_INSN_ZERO_BLOCK, /* DC ZVA: stores of zero over the whole block */
};

/*
 * One decoded load or store: `count` elements of `size` bytes each, the
 * first at virtual address `va`, the second (a pair) right after it.
 * Values of a store are taken from the registers at decode time.
 */
struct arm64_insn {
	enum arm64_insn_kind kind;
	uint64_t va;	   /* guest virtual address of the first byte */
	uint8_t size;	   /* bytes per element: 1, 2, 4 or 8 (4 for DC ZVA's stores) */
	uint16_t count;	   /* elements: 1 or 2 (DC ZVA: zero_len / 4) */
	uint16_t zero_len; /* DC ZVA: the block size in bytes, else 0 */
	uint8_t rt[2];	   /* transfer registers: 0..30 or ARM64_REG_ZR */
	uint64_t store_value[2];
	bool sign_extend; /* a load that sign-extends (LDRS*, LDPSW) */
	bool dest64;	  /* a load into Xt (else Wt: the upper half is cleared) */
	bool writeback;	  /* the base register takes `writeback_value` */
	uint8_t rn;	  /* base register: 0..30, or 31 for SP */
	uint64_t writeback_value;
};

/* The register number 31 means in a base-register field: the stack pointer. */
#define ARM64_REG_SP 31u

/*
 * What `make prove` proves arm64_insn_decode() gives for every instruction
 * word it accepts: each register it uses (the transfer registers, the base
 * if written back) a valid index, each
 * element 1, 2, 4 or 8 bytes, one or two elements (DC ZVA: the block in
 * word stores, at most ARM64_ZVA_MAX_BLOCK bytes).
 */
/*@
  predicate arm64_insn_size_ok(integer size) = size == 1 || size == 2 || size == 4 || size == 8;

  // The registers the instruction uses: its transfer registers, and its base if written back.
  predicate arm64_insn_regs_ok(struct arm64_insn *op) =
    (op->kind != ARM64_INSN_ZERO_BLOCK ==>
       op->rt[0] <= ARM64_REG_ZR && (op->count == 2 ==> op->rt[1] <= ARM64_REG_ZR)) &&
    (op->writeback ==> op->rn <= ARM64_REG_SP);

  predicate arm64_insn_ok(struct arm64_insn *op) =
    arm64_insn_regs_ok(op) && arm64_insn_size_ok(op->size) &&
    (op->kind == ARM64_INSN_LOAD || op->kind == ARM64_INSN_STORE ?
       op->count == 1 || op->count == 2 :
       op->kind == ARM64_INSN_ZERO_BLOCK && op->size == ARM64_ZVA_STORE_SIZE &&
       op->count == op->zero_len / ARM64_ZVA_STORE_SIZE && 4 <= op->zero_len <=
  ARM64_ZVA_MAX_BLOCK);
*/

/*
 * Decodes the A64 instruction `insn`, taking base, offset and store
 * registers from `regs` (regs->pc for a literal load; regs->sp for base
 * 31). `zva_block` is DC ZVA's block size in bytes (4 << DCZID_EL0.BS, a
 * power of two from 4 to ARM64_ZVA_MAX_BLOCK).
 * 0 and *out filled; -SVMM_ENOTSUP for an instruction that is not one of
 * the loads and stores above; -SVMM_EINVAL for an unallocated or
 * CONSTRAINED UNPREDICTABLE encoding (a pair loading one register twice,
 * write-back into a transfer register, an invalid extend option).
 */
/*@
  requires \valid_read(regs) && \valid(out) && \separated(regs, out);
  assigns *out;
  ensures \result == 0 || \result == -SVMM_ENOTSUP || \result == -SVMM_EINVAL;
  ensures \result == 0 ==> arm64_insn_ok(out);
*/
int arm64_insn_decode(uint32_t insn, const struct arm64_regs *regs, unsigned zva_block,
		      struct arm64_insn *out);

/* Bytes the instruction touches in all: size * count. */
unsigned arm64_insn_span(const struct arm64_insn *op);

/*
 * Performs one access: 0 (a read's value in acc->value), or a negative
 * error, which stops the emulation (the backend then injects an abort).
 * What an access to no device returns is the backend's policy, as for an
 * access with a valid syndrome.
 */
typedef int (*arm64_access_fn)(void *ctx, struct access *acc);

/*
 * Emulates `op` for the data abort at byte-exact IPA `fault_ipa` whose
 * syndrome said write (`fault_write`, WnR), then updates the registers:
 * loaded values (sized, sign- or zero-extended), the base register's
 * write-back, and the PC past the instruction. The registers change only
 * once every access has succeeded.
 *
 * Every element's IPA is the fault's page with the element's offset in
 * it, so the whole access must lie inside one 4 KiB page (the smallest
 * translation granule, so the guest's own mapping cannot differ inside
 * it) and must cover the faulting byte; an instruction that does neither,
 * or whose direction differs from the fault's, is not the one that
 * faulted (the guest changed its code or mapping meanwhile) and is
 * refused with -SVMM_EFAULT, as is a page-crossing pair.
 */
int arm64_insn_emulate(const struct arm64_insn *op, uint64_t fault_ipa, bool fault_write,
		       unsigned vcpu, arm64_access_fn access, void *ctx, struct arm64_regs *regs);

#endif
