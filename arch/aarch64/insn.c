/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Encodings follow the Arm ARM's A64 "Loads and Stores" index (C4.1.x):
 * load/store pair, load/store register (unsigned immediate, unscaled
 * immediate, immediate pre- and post-indexed, unprivileged, register
 * offset), load register (literal), load/store ordered; and DC ZVA from
 * the system instruction space.
 */
#include "arch/aarch64/insn.h"

#include "core/errors.h"

#define PAGE_4K_MASK 0xfffull

/* DC ZVA, Xt: SYS #3, C7, C4, #1, Xt. */
#define INSN_DC_ZVA_MASK 0xffffffe0u
#define INSN_DC_ZVA	 0xd50b7420u
/* Load/store pair: op0 = xx10, bit 25 = 0. */
#define INSN_PAIR_MASK 0x3a000000u
#define INSN_PAIR      0x28000000u
/* Load/store register, unsigned immediate: bits [29:27] = 111, [25:24] = 01. */
#define INSN_UIMM_MASK 0x3b000000u
#define INSN_UIMM      0x39000000u
/* ... with a 9-bit immediate: [25:24] = 00, bit 21 = 0; [11:10] picks the form. */
#define INSN_IMM9_MASK 0x3b200000u
#define INSN_IMM9      0x38000000u
/* ... register offset: [25:24] = 00, bit 21 = 1, [11:10] = 10. */
#define INSN_REGOFF_MASK 0x3b200c00u
#define INSN_REGOFF	 0x38200800u
/* Load register (literal): [29:27] = 011, [25:24] = 00. */
#define INSN_LITERAL_MASK 0x3b000000u
#define INSN_LITERAL	  0x18000000u
/* Load-acquire / store-release (ordered): [29:24] = 001000, o2 = 1, o1 = 0. */
#define INSN_ORDERED_MASK 0x3fa00000u
#define INSN_ORDERED	  0x08800000u

#define INSN_V (1u << 26) /* a SIMD&FP register */

enum imm9_form {
	IMM9_UNSCALED = 0, /* LDUR/STUR */
	IMM9_POST = 1,
	IMM9_UNPRIV = 2, /* LDTR/STTR */
	IMM9_PRE = 3,
};

/* The bits `mask` (a contiguous 0x1, 0x3, ... 0x7ffff) of insn >> lo. */
/*@ requires lo < 32;
    assigns \nothing;
    ensures \result == ((insn >> lo) & mask); */
static unsigned field(uint32_t insn, unsigned lo, unsigned mask)
{
	return (insn >> lo) & mask;
}

/*@ requires 0 < bits <= 64;
    assigns \nothing; */
static uint64_t sign_extend(uint64_t value, unsigned bits)
{
	uint64_t sign = (uint64_t)1 << (bits - 1);

	value &= (sign << 1) - 1;
	return (value ^ sign) - sign;
}

/*@ assigns \nothing; */
static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * size)) - 1;
}

/* A base register: 31 is the stack pointer, not the zero register. */
/*@ requires \valid_read(regs) && n <= ARM64_REG_SP;
    assigns \nothing; */
static uint64_t base_reg(const struct arm64_regs *regs, unsigned n)
{
	return n == ARM64_REG_SP ? regs->sp : regs->x[n];
}

/* The transfer kind of a single-register load/store from size and opc. */
/*@ requires \valid(out);
    assigns out->size, out->kind, out->dest64, out->sign_extend;
    ensures arm64_insn_size_ok(out->size);
    ensures \result == 0 ==> out->kind == ARM64_INSN_LOAD || out->kind == ARM64_INSN_STORE;
    ensures \result == 0 || \result == -SVMM_ENOTSUP || \result == -SVMM_EINVAL; */
static int single_kind(unsigned size, unsigned opc, struct arm64_insn *out)
{
	out->size = arm64_size_bytes(size);
	switch (opc) {
	case 0:
		out->kind = ARM64_INSN_STORE;
		return 0;
	case 1:
		out->kind = ARM64_INSN_LOAD;
		out->dest64 = size == 3;
		return 0;
	case 2:
		/* PRFM never faults; an instruction here is not the one that did. */
		if (size == 3)
			return -SVMM_ENOTSUP;
		/* LDRSB, LDRSH, LDRSW to an X register. */
		out->kind = ARM64_INSN_LOAD;
		out->sign_extend = true;
		out->dest64 = true;
		return 0;
	default:
		/* LDRSB, LDRSH to a W register; opc 11 with a word or doubleword is unallocated. */
		if (size >= 2)
			return -SVMM_EINVAL;
		out->kind = ARM64_INSN_LOAD;
		out->sign_extend = true;
		return 0;
	}
}

/* Fills the store values from the transfer registers (XZR reads as zero). */
/*@ requires \valid_read(regs) && \valid(out) && \separated(regs, out);
    requires out->count <= 2;
    assigns out->store_value[0 .. 1]; */
static void take_store_values(const struct arm64_regs *regs, struct arm64_insn *out)
{
	if (out->kind != ARM64_INSN_STORE)
		return;
	/*@ loop invariant 0 <= i <= out->count;
	    loop assigns i, out->store_value[0 .. 1];
	    loop variant out->count - i; */
	for (unsigned i = 0; i < out->count; i++)
		out->store_value[i] = arm64_reg_get(regs, out->rt[i]) & size_mask(out->size);
}

/*
 * Address and write-back of an indexed form. Write-back into a register
 * the instruction also transfers is CONSTRAINED UNPREDICTABLE (except
 * through SP, which is never a transfer register): refused.
 */
/*@ requires \valid_read(regs) && \valid(out) && \separated(regs, out);
    requires rn <= ARM64_REG_SP && out->count <= 2;
    assigns out->rn, out->va, out->writeback, out->writeback_value;
    ensures \result == 0 ==> out->rn == rn && out->writeback == writeback;
    ensures \result == 0 || \result == -SVMM_EINVAL; */
static int indexed_address(const struct arm64_regs *regs, uint8_t rn, int64_t offset,
			   bool writeback, bool post, struct arm64_insn *out)
{
	uint64_t base = base_reg(regs, rn);

	if (writeback && rn != ARM64_REG_SP) {
		/*@ loop invariant 0 <= i <= out->count;
		    loop assigns i;
		    loop variant out->count - i; */
		for (unsigned i = 0; i < out->count; i++)
			if (out->rt[i] == rn)
				return -SVMM_EINVAL;
	}
	out->rn = rn;
	out->va = post ? base : base + (uint64_t)offset;
	out->writeback = writeback;
	out->writeback_value = base + (uint64_t)offset;
	return 0;
}

/*@ requires \valid_read(regs) && \valid(out) && \separated(regs, out);
    assigns *out;
    ensures \result == 0 ==> arm64_insn_ok(out);
    ensures \result == 0 || \result == -SVMM_ENOTSUP || \result == -SVMM_EINVAL; */
static int decode_pair(uint32_t insn, const struct arm64_regs *regs, struct arm64_insn *out)
{
	unsigned opc = field(insn, 30, 0x3), idx = field(insn, 23, 0x3);
	bool load = field(insn, 22, 0x1) != 0;
	unsigned scale;
	int64_t offset;

	if (insn & INSN_V)
		return -SVMM_ENOTSUP;
	if (opc == 3)
		return -SVMM_EINVAL;
	if (opc == 1) {
		/* STGP (MTE) stores tags too; LDNP/STNP have no signed form. */
		if (!load && idx != 0)
			return -SVMM_ENOTSUP;
		if (idx == 0)
			return -SVMM_EINVAL;
		out->sign_extend = true; /* LDPSW */
		out->dest64 = true;
	} else {
		out->dest64 = opc == 2;
	}
	scale = opc == 2 ? 3 : 2;
	out->kind = load ? ARM64_INSN_LOAD : ARM64_INSN_STORE;
	out->size = arm64_size_bytes(scale);
	out->count = 2;
	out->rt[0] = arm64_reg_field(insn, 0);
	out->rt[1] = arm64_reg_field(insn, 10);
	/* A pair loading one register twice is CONSTRAINED UNPREDICTABLE. */
	if (load && out->rt[0] == out->rt[1])
		return -SVMM_EINVAL;
	offset = (int64_t)(sign_extend(field(insn, 15, 0x7f), 7) << scale);
	/* idx: 00 no-allocate offset, 01 post-index, 10 signed offset, 11 pre-index. */
	take_store_values(regs, out);
	return indexed_address(regs, arm64_reg_field(insn, 5), offset, idx == 1 || idx == 3,
			       idx == 1, out);
}

/*@ requires \valid_read(regs) && \valid(out) && \separated(regs, out);
    assigns *out;
    ensures \result == 0 ==> arm64_insn_ok(out);
    ensures \result == 0 || \result == -SVMM_ENOTSUP || \result == -SVMM_EINVAL; */
static int decode_single(uint32_t insn, const struct arm64_regs *regs, struct arm64_insn *out)
{
	unsigned size = field(insn, 30, 0x3);
	uint8_t rn = arm64_reg_field(insn, 5);
	bool writeback = false, post = false;
	int64_t offset;
	int err;

	if (insn & INSN_V)
		return -SVMM_ENOTSUP;
	err = single_kind(size, field(insn, 22, 0x3), out);
	if (err < 0)
		return err;
	out->count = 1;
	out->rt[0] = arm64_reg_field(insn, 0);
	if ((insn & INSN_UIMM_MASK) == INSN_UIMM) {
		offset = (int64_t)((uint64_t)field(insn, 10, 0xfff) << size);
	} else if ((insn & INSN_IMM9_MASK) == INSN_IMM9) {
		enum imm9_form form = (enum imm9_form)field(insn, 10, 0x3);

		offset = (int64_t)sign_extend(field(insn, 12, 0x1ff), 9);
		writeback = form == IMM9_POST || form == IMM9_PRE;
		post = form == IMM9_POST;
	} else {
		/* Register offset: option<1> must be set (a 32- or 64-bit extend). */
		unsigned option = field(insn, 13, 0x7);
		uint64_t rm = arm64_reg_get(regs, field(insn, 16, 0x1f));

		if ((option & 2u) == 0)
			return -SVMM_EINVAL;
		if (option == 2) /* UXTW */
			rm &= UINT32_MAX;
		else if (option == 6) /* SXTW */
			rm = sign_extend(rm, 32);
		offset = (int64_t)(rm << (field(insn, 12, 0x1) ? size : 0));
	}
	take_store_values(regs, out);
	return indexed_address(regs, rn, offset, writeback, post, out);
}

/*@ requires \valid_read(regs) && \valid(out) && \separated(regs, out);
    assigns *out;
    ensures \result == 0 ==> arm64_insn_ok(out);
    ensures \result == 0 || \result == -SVMM_ENOTSUP || \result == -SVMM_EINVAL; */
static int decode_literal(uint32_t insn, const struct arm64_regs *regs, struct arm64_insn *out)
{
	unsigned opc = field(insn, 30, 0x3);

	if (insn & INSN_V)
		return -SVMM_ENOTSUP;
	if (opc == 3) /* PRFM (literal) */
		return -SVMM_ENOTSUP;
	out->kind = ARM64_INSN_LOAD;
	out->size = opc == 1 ? 8 : 4;
	out->count = 1;
	out->rt[0] = arm64_reg_field(insn, 0);
	out->dest64 = opc != 0;
	out->sign_extend = opc == 2; /* LDRSW */
	out->writeback = false;
	out->va = regs->pc + sign_extend((uint64_t)field(insn, 5, 0x7ffff) << 2, 21);
	return 0;
}

/*@ requires \valid_read(regs) && \valid(out) && \separated(regs, out);
    assigns *out;
    ensures \result == 0 ==> arm64_insn_ok(out);
    ensures \result == 0 || \result == -SVMM_ENOTSUP || \result == -SVMM_EINVAL; */
static int decode_ordered(uint32_t insn, const struct arm64_regs *regs, struct arm64_insn *out)
{
	unsigned size = field(insn, 30, 0x3);

	out->kind = field(insn, 22, 0x1) ? ARM64_INSN_LOAD : ARM64_INSN_STORE;
	out->size = arm64_size_bytes(size);
	out->count = 1;
	out->rt[0] = arm64_reg_field(insn, 0);
	out->dest64 = size == 3;
	take_store_values(regs, out);
	return indexed_address(regs, arm64_reg_field(insn, 5), 0, false, false, out);
}

/*@ requires \valid_read(regs) && \valid(out) && \separated(regs, out);
    assigns *out;
    ensures \result == 0 ==> arm64_insn_ok(out);
    ensures \result == 0 || \result == -SVMM_ENOTSUP || \result == -SVMM_EINVAL; */
static int decode_dc_zva(uint32_t insn, const struct arm64_regs *regs, unsigned block,
			 struct arm64_insn *out)
{
	if (block < 4 || block > ARM64_ZVA_MAX_BLOCK || (block & (block - 1)) != 0)
		return -SVMM_EINVAL;
	out->kind = ARM64_INSN_ZERO_BLOCK;
	out->size = ARM64_ZVA_STORE_SIZE;
	out->count = (uint16_t)(block / ARM64_ZVA_STORE_SIZE);
	out->zero_len = (uint16_t)block;
	out->writeback = false;
	out->va = arm64_reg_get(regs, field(insn, 0, 0x1f)) & ~(uint64_t)(block - 1);
	return 0;
}

int arm64_insn_decode(uint32_t insn, const struct arm64_regs *regs, unsigned zva_block,
		      struct arm64_insn *out)
{
	*out = (struct arm64_insn){0};
	if ((insn & INSN_DC_ZVA_MASK) == INSN_DC_ZVA)
		return decode_dc_zva(insn, regs, zva_block, out);
	if ((insn & INSN_PAIR_MASK) == INSN_PAIR)
		return decode_pair(insn, regs, out);
	if ((insn & INSN_UIMM_MASK) == INSN_UIMM || (insn & INSN_IMM9_MASK) == INSN_IMM9 ||
	    (insn & INSN_REGOFF_MASK) == INSN_REGOFF)
		return decode_single(insn, regs, out);
	if ((insn & INSN_LITERAL_MASK) == INSN_LITERAL)
		return decode_literal(insn, regs, out);
	if ((insn & INSN_ORDERED_MASK) == INSN_ORDERED)
		return decode_ordered(insn, regs, out);
	/* Exclusives, atomics, SIMD structures, PAC loads, everything else. */
	return -SVMM_ENOTSUP;
}

/*@ requires \valid_read(op);
    assigns \nothing;
    ensures \result == op->size * op->count; */
unsigned arm64_insn_span(const struct arm64_insn *op)
{
	return (unsigned)op->size * op->count;
}

/* A loaded value as the destination register holds it. */
static uint64_t loaded_value(const struct arm64_insn *op, uint64_t value)
{
	value &= size_mask(op->size);
	if (op->sign_extend && op->size < 8)
		value = sign_extend(value, 8u * op->size);
	return op->dest64 ? value : value & UINT32_MAX;
}

int arm64_insn_emulate(const struct arm64_insn *op, uint64_t fault_ipa, bool fault_write,
		       unsigned vcpu, arm64_access_fn access, void *ctx, struct arm64_regs *regs)
{
	unsigned span = arm64_insn_span(op);
	uint64_t last = op->va + span - 1;
	uint64_t fault_offset = fault_ipa & PAGE_4K_MASK;
	uint64_t loaded[2] = {0, 0};

	if (span == 0 || last < op->va || ((op->va ^ last) & ~PAGE_4K_MASK) != 0)
		return -SVMM_EFAULT;
	if (fault_offset < (op->va & PAGE_4K_MASK) || fault_offset > (last & PAGE_4K_MASK))
		return -SVMM_EFAULT;
	if ((op->kind != ARM64_INSN_LOAD) != fault_write)
		return -SVMM_EFAULT;
	for (unsigned i = 0; i < op->count; i++) {
		uint64_t va = op->va + (uint64_t)i * op->size;
		struct access acc = {
		    .vcpu = vcpu,
		    .gpa = (fault_ipa & ~PAGE_4K_MASK) | (va & PAGE_4K_MASK),
		    .size = op->size,
		    .is_write = op->kind != ARM64_INSN_LOAD,
		    .value = op->kind == ARM64_INSN_STORE ? op->store_value[i] : 0,
		};
		int err = access(ctx, &acc);

		if (err < 0)
			return err;
		if (op->kind == ARM64_INSN_LOAD)
			loaded[i] = acc.value;
	}
	if (op->kind == ARM64_INSN_LOAD) {
		for (unsigned i = 0; i < op->count; i++)
			arm64_reg_set(regs, op->rt[i], loaded_value(op, loaded[i]));
	}
	if (op->writeback) {
		if (op->rn == ARM64_REG_SP)
			regs->sp = op->writeback_value;
		else
			regs->x[op->rn] = op->writeback_value;
	}
	regs->pc += 4;
	return 0;
}
