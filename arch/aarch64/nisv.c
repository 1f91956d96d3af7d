/* SPDX-License-Identifier: Apache-2.0 */
#include "arch/aarch64/nisv.h"

#include "core/endian.h"
#include "core/errors.h"

#define PSTATE_NRW (1u << 4) /* the guest was in AArch32 */

int arm64_nisv_emulate(const struct arm64_nisv_fault *fault, const struct arm64_mmu_regs *mmu,
		       const struct guest_mem *mem, arm64_access_fn access, void *ctx,
		       struct arm64_regs *regs, struct arm64_insn *op, uint32_t *insn)
{
	struct arm64_insn local_op;
	uint32_t local_insn;
	uint8_t raw[4];
	uint64_t pc_ipa;
	int err;

	if (op == NULL)
		op = &local_op;
	if (insn == NULL)
		insn = &local_insn;
	/* A32 and T32 are not decoded: an arm64 Linux guest's 32-bit tasks get the abort. */
	if (regs->pstate & PSTATE_NRW)
		return -SVMM_ENOTSUP;
	/* A64 instructions are 4-byte aligned and little-endian whatever the data endianness. */
	if ((regs->pc & 3) != 0)
		return -SVMM_EFAULT;
	err = arm64_stage1_translate(mmu, mem, regs->pc, &pc_ipa);
	if (err < 0)
		return err == -SVMM_ENOTSUP ? err : -SVMM_EFAULT;
	if (guest_mem_read(mem, pc_ipa, raw, sizeof(raw)) < 0)
		return -SVMM_EFAULT;
	*insn = (uint32_t)le_load(raw, sizeof(raw));
	err = arm64_insn_decode(*insn, regs, fault->zva_block, op);
	if (err < 0)
		return err;
	return arm64_insn_emulate(op, fault->ipa, fault->is_write, fault->vcpu, access, ctx, regs);
}
