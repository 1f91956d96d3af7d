/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The no-syndrome load/store decoder and emulator (arch/aarch64/insn.h).
 * Instruction words come from GNU as (aarch64-linux-gnu-as -march=armv8.1-a,
 * objdump -d), not from insn.c's own field positions, so a wrong mask or
 * shift there shows up here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arch/aarch64/insn.h"
#include "core/errors.h"

#define PC	  0xffff800008123400ull
#define MMIO_VA	  0xffff80000a003000ull /* the device window in the guest's mapping */
#define MMIO_IPA  0x0a003000ull
#define SP_VALUE  (MMIO_VA + 0x100)
#define ZVA_BLOCK 64u
#define MAX_LOG	  512

/* A device that logs every access; a read returns 0x80 + offset in each byte. */
struct fake_device {
	struct access log[MAX_LOG];
	unsigned count;
	int fail_at; /* access index that fails with -SVMM_EIO, or -1 */
};

static uint64_t pattern(uint64_t gpa, unsigned size)
{
	uint64_t value = 0;

	for (unsigned i = 0; i < size; i++)
		value |= (uint64_t)((0x80 + gpa + i) & 0xff) << (8 * i);
	return value;
}

static int fake_access(void *ctx, struct access *acc)
{
	struct fake_device *dev = ctx;

	if ((int)dev->count == dev->fail_at)
		return -SVMM_EIO;
	if (!acc->is_write)
		acc->value = pattern(acc->gpa, acc->size);
	if (dev->count < MAX_LOG)
		dev->log[dev->count++] = *acc;
	return 0;
}

static void fill(struct arm64_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	for (unsigned i = 0; i < 31; i++)
		regs->x[i] = 0x1111111111111111ull * (i + 1);
	regs->x[0] = MMIO_VA + 0x40;
	regs->x[2] = 1; /* a register offset */
	regs->sp = SP_VALUE;
	regs->pc = PC;
	regs->pstate = 0x3c5;
}

/* Decodes and emulates `insn` against a fault on the access's first byte. */
static int run(uint32_t insn, struct arm64_regs *regs, struct fake_device *dev,
	       struct arm64_insn *op)
{
	int err = arm64_insn_decode(insn, regs, ZVA_BLOCK, op);

	if (err < 0)
		return err;
	memset(dev, 0, sizeof(*dev));
	dev->fail_at = -1;
	return arm64_insn_emulate(op, MMIO_IPA | (op->va & 0xfff), op->kind != ARM64_INSN_LOAD, 7,
				  fake_access, dev, regs);
}

static uint64_t ipa_of(uint64_t va)
{
	return MMIO_IPA | (va & 0xfff);
}

static void test_ldp_offset(void **state)
{
	struct arm64_regs regs;
	struct fake_device dev;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	assert_int_equal(run(0xa9400801, &regs, &dev, &op), 0); /* ldp x1, x2, [x0] */
	assert_int_equal(dev.count, 2);
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x40));
	assert_int_equal(dev.log[1].gpa, ipa_of(MMIO_VA + 0x48));
	assert_int_equal(dev.log[0].size, 8);
	assert_int_equal(dev.log[0].vcpu, 7);
	assert_false(dev.log[0].is_write);
	assert_int_equal(regs.x[1], pattern(ipa_of(MMIO_VA + 0x40), 8));
	assert_int_equal(regs.x[2], pattern(ipa_of(MMIO_VA + 0x48), 8));
	assert_int_equal(regs.x[0], MMIO_VA + 0x40); /* no write-back */
	assert_int_equal(regs.pc, PC + 4);
}

static void test_ldp_pre_post_index(void **state)
{
	struct arm64_regs regs;
	struct fake_device dev;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	assert_int_equal(run(0xa9c10801, &regs, &dev, &op), 0); /* ldp x1, x2, [x0, #16]! */
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x50));
	assert_int_equal(regs.x[0], MMIO_VA + 0x50);
	fill(&regs);
	assert_int_equal(run(0xa8ff0801, &regs, &dev, &op), 0); /* ldp x1, x2, [x0], #-16 */
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x40));
	assert_int_equal(regs.x[0], MMIO_VA + 0x30);
}

static void test_stp_values_and_sizes(void **state)
{
	struct arm64_regs regs;
	struct fake_device dev;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	assert_int_equal(run(0xa93f9003, &regs, &dev, &op), 0); /* stp x3, x4, [x0, #-8] */
	assert_int_equal(dev.count, 2);
	assert_true(dev.log[0].is_write);
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x38));
	assert_int_equal(dev.log[0].value, regs.x[3]);
	assert_int_equal(dev.log[1].value, regs.x[4]);
	fill(&regs);
	assert_int_equal(run(0x28811003, &regs, &dev, &op), 0); /* stp w3, w4, [x0], #8 */
	assert_int_equal(dev.log[0].size, 4);
	assert_int_equal(dev.log[1].gpa, ipa_of(MMIO_VA + 0x44));
	assert_int_equal(dev.log[0].value, regs.x[3] & UINT32_MAX);
	assert_int_equal(regs.x[0], MMIO_VA + 0x48);
	fill(&regs);
	assert_int_equal(run(0xa9007c1f, &regs, &dev, &op), 0); /* stp xzr, xzr, [x0] */
	assert_int_equal(dev.log[0].value, 0);
	assert_int_equal(dev.log[1].value, 0);
}

static void test_ldp_w_sp_base(void **state)
{
	struct arm64_regs regs;
	struct fake_device dev;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	assert_int_equal(run(0x29c11be5, &regs, &dev, &op), 0); /* ldp w5, w6, [sp, #8]! */
	assert_int_equal(dev.log[0].gpa, ipa_of(SP_VALUE + 8));
	assert_int_equal(dev.log[0].size, 4);
	assert_int_equal(regs.x[5], pattern(ipa_of(SP_VALUE + 8), 4)); /* upper half cleared */
	assert_int_equal(regs.sp, SP_VALUE + 8);
	fill(&regs);
	assert_int_equal(run(0xa9bf0be1, &regs, &dev, &op), 0); /* stp x1, x2, [sp, #-16]! */
	assert_int_equal(regs.sp, SP_VALUE - 16);
	assert_int_equal(dev.log[0].value, regs.x[1]);
}

static void test_ldpsw_sign_extends(void **state)
{
	struct arm64_regs regs;
	struct fake_device dev;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	assert_int_equal(run(0x6940a007, &regs, &dev, &op), 0); /* ldpsw x7, x8, [x0, #4] */
	assert_int_equal(dev.log[0].size, 4);
	/* The pattern's top byte is >= 0x80: negative words. */
	assert_int_equal(regs.x[7], pattern(ipa_of(MMIO_VA + 0x44), 4) | 0xffffffff00000000ull);
	assert_int_equal(regs.x[8], pattern(ipa_of(MMIO_VA + 0x48), 4) | 0xffffffff00000000ull);
	fill(&regs);
	assert_int_equal(run(0xa8400801, &regs, &dev, &op), 0); /* ldnp x1, x2, [x0] */
	assert_int_equal(dev.count, 2);
}

static void test_single_writeback(void **state)
{
	struct arm64_regs regs;
	struct fake_device dev;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	assert_int_equal(run(0xf8408c01, &regs, &dev, &op), 0); /* ldr x1, [x0, #8]! */
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x48));
	assert_int_equal(regs.x[0], MMIO_VA + 0x48);
	fill(&regs);
	assert_int_equal(run(0xb8404401, &regs, &dev, &op), 0); /* ldr w1, [x0], #4 */
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x40));
	assert_int_equal(regs.x[0], MMIO_VA + 0x44);
	assert_int_equal(regs.x[1], pattern(ipa_of(MMIO_VA + 0x40), 4));
	fill(&regs);
	assert_int_equal(run(0xf81f0c02, &regs, &dev, &op), 0); /* str x2, [x0, #-16]! */
	assert_int_equal(dev.log[0].value, 1);
	assert_int_equal(regs.x[0], MMIO_VA + 0x30);
	fill(&regs);
	assert_int_equal(run(0x78002401, &regs, &dev, &op), 0); /* strh w1, [x0], #2 */
	assert_int_equal(dev.log[0].size, 2);
	assert_int_equal(dev.log[0].value, regs.x[1] & 0xffff);
	fill(&regs);
	assert_int_equal(run(0xf8010fe0, &regs, &dev, &op), 0); /* str x0, [sp, #16]! */
	assert_int_equal(regs.sp, SP_VALUE + 16);
	assert_int_equal(dev.log[0].value, MMIO_VA + 0x40);
}

static void test_single_sign_extension(void **state)
{
	struct arm64_regs regs;
	struct fake_device dev;
	struct arm64_insn op;
	uint64_t b = pattern(ipa_of(MMIO_VA + 0x41), 1);

	(void)state;
	fill(&regs);
	assert_int_equal(run(0x38401c01, &regs, &dev, &op), 0); /* ldrb w1, [x0, #1]! */
	assert_int_equal(regs.x[1], b);
	fill(&regs);
	assert_int_equal(run(0x38801401, &regs, &dev, &op), 0); /* ldrsb x1, [x0], #1 */
	assert_int_equal(regs.x[1], pattern(ipa_of(MMIO_VA + 0x40), 1) | 0xffffffffffffff00ull);
	fill(&regs);
	assert_int_equal(run(0x78c02c01, &regs, &dev, &op), 0); /* ldrsh w1, [x0, #2]! */
	assert_int_equal(regs.x[1], pattern(ipa_of(MMIO_VA + 0x42), 2) | 0xffff0000ull);
	fill(&regs);
	assert_int_equal(run(0xb8804401, &regs, &dev, &op), 0); /* ldrsw x1, [x0], #4 */
	assert_int_equal(regs.x[1], pattern(ipa_of(MMIO_VA + 0x40), 4) | 0xffffffff00000000ull);
	fill(&regs);
	assert_int_equal(run(0xf85fd001, &regs, &dev, &op), 0); /* ldur x1, [x0, #-3] */
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x3d));
	assert_false(op.writeback);
	fill(&regs);
	assert_int_equal(run(0xf8408801, &regs, &dev, &op), 0); /* ldtr x1, [x0, #8] */
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x48));
}

static void test_register_offset_and_literal(void **state)
{
	struct arm64_regs regs;
	struct fake_device dev;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	assert_int_equal(run(0xf8627801, &regs, &dev, &op), 0); /* ldr x1, [x0, x2, lsl #3] */
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x48));
	fill(&regs);
	regs.x[2] = 0xfffffffful;				/* -1 as a W register */
	assert_int_equal(run(0xb862d801, &regs, &dev, &op), 0); /* ldr w1, [x0, w2, sxtw #2] */
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x3c));
	fill(&regs);
	regs.x[2] = 0x100000004ull;				/* UXTW keeps the low word only */
	assert_int_equal(run(0xf8624801, &regs, &dev, &op), 0); /* ldr x1, [x0, w2, uxtw] */
	assert_int_equal(dev.log[0].gpa, ipa_of(MMIO_VA + 0x44));

	fill(&regs);
	regs.pc = MMIO_VA + 0x80; /* a literal pool inside the window, as hostile code may do */
	assert_int_equal(arm64_insn_decode(0x58000041, &regs, ZVA_BLOCK, &op), 0); /* ldr x1, .+8 */
	assert_int_equal(op.va, MMIO_VA + 0x88);
	assert_int_equal(op.size, 8);
	assert_int_equal(arm64_insn_decode(0x18ffffe1, &regs, ZVA_BLOCK, &op), 0); /* ldr w1, .-4 */
	assert_int_equal(op.va, MMIO_VA + 0x7c);
	assert_int_equal(op.size, 4);
	assert_int_equal(arm64_insn_decode(0x98000081, &regs, ZVA_BLOCK, &op), 0); /* ldrsw, .+16 */
	assert_true(op.sign_extend);
	assert_true(op.dest64);
}

static void test_ordered(void **state)
{
	struct arm64_regs regs;
	struct fake_device dev;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	assert_int_equal(run(0xc8dffc01, &regs, &dev, &op), 0); /* ldar x1, [x0] */
	assert_int_equal(regs.x[1], pattern(ipa_of(MMIO_VA + 0x40), 8));
	fill(&regs);
	assert_int_equal(run(0x889fffe1, &regs, &dev, &op), 0); /* stlr w1, [sp] */
	assert_int_equal(dev.log[0].gpa, ipa_of(SP_VALUE));
	assert_int_equal(dev.log[0].size, 4);
}

static void test_dc_zva(void **state)
{
	struct arm64_regs regs;
	struct fake_device dev;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	regs.x[0] = MMIO_VA + 0x47;				/* any address in the block */
	assert_int_equal(run(0xd50b7420, &regs, &dev, &op), 0); /* dc zva, x0 */
	assert_int_equal(dev.count, ZVA_BLOCK / 4);
	for (unsigned i = 0; i < dev.count; i++) {
		assert_true(dev.log[i].is_write);
		assert_int_equal(dev.log[i].size, 4);
		assert_int_equal(dev.log[i].value, 0);
		assert_int_equal(dev.log[i].gpa, ipa_of(MMIO_VA + 0x40 + 4 * i));
	}
	assert_int_equal(regs.x[0], MMIO_VA + 0x47);
	assert_int_equal(regs.pc, PC + 4);
	assert_int_equal(arm64_insn_decode(0xd50b7420, &regs, 48, &op), -SVMM_EINVAL);
	assert_int_equal(arm64_insn_decode(0xd50b7420, &regs, 4096, &op), -SVMM_EINVAL);
	assert_int_equal(arm64_insn_decode(0xd50b7420, &regs, ARM64_ZVA_MAX_BLOCK, &op), 0);
	assert_int_equal(op.count, ARM64_ZVA_MAX_BLOCK / 4);
}

static void test_refused_encodings(void **state)
{
	static const struct {
		uint32_t insn;
		int err;
	} cases[] = {
	    {0xc85f7c01, -SVMM_ENOTSUP}, /* ldxr: exclusive */
	    {0xf8210002, -SVMM_ENOTSUP}, /* ldadd: atomic */
	    {0x3dc00000, -SVMM_ENOTSUP}, /* ldr q0: SIMD&FP */
	    {0xad400400, -SVMM_ENOTSUP}, /* ldp q0, q1: SIMD&FP */
	    {0xf9800000, -SVMM_ENOTSUP}, /* prfm */
	    {0xd503201f, -SVMM_ENOTSUP}, /* nop */
	    {0x00000000, -SVMM_ENOTSUP}, /* udf */
	    {0xa9400401, -SVMM_EINVAL},	 /* ldp x1, x1, [x0]: one register twice */
	    {0xa9c10800, -SVMM_EINVAL},	 /* ldp x0, x2, [x0, #16]!: write-back into Rt */
	    {0xa9c10002, -SVMM_EINVAL},	 /* ldp x2, x0, [x0, #16]!: write-back into Rt2 */
	    {0xf8408c00, -SVMM_EINVAL},	 /* ldr x0, [x0, #8]!: write-back into Rt */
	    {0x68400801, -SVMM_EINVAL},	 /* LDPSW with no-allocate form: unallocated */
	    {0xe9400801, -SVMM_EINVAL},	 /* pair with opc 11: unallocated */
	    {0xb8c04401, -SVMM_EINVAL},	 /* LDRS* of a word into W: unallocated */
	    {0xf8620801, -SVMM_EINVAL},	 /* register offset, extend option 000 */
	};
	struct arm64_regs regs;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arm64_regs before = regs;

		assert_int_equal(arm64_insn_decode(cases[i].insn, &regs, ZVA_BLOCK, &op),
				 cases[i].err);
		assert_memory_equal(&before, &regs, sizeof(regs));
	}
	/* Write-back into SP is fine even though "31" is also XZR as Rt. */
	assert_int_equal(arm64_insn_decode(0xa9bf0be1, &regs, ZVA_BLOCK, &op), 0);
}

static void test_emulate_refuses_mismatch(void **state)
{
	struct arm64_regs regs, before;
	struct fake_device dev = {.fail_at = -1};
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	before = regs;
	assert_int_equal(arm64_insn_decode(0xa9400801, &regs, ZVA_BLOCK, &op), 0);
	/* The fault was on a byte the instruction does not touch. */
	assert_int_equal(
	    arm64_insn_emulate(&op, MMIO_IPA | 0x800, false, 0, fake_access, &dev, &regs),
	    -SVMM_EFAULT);
	/* The fault was a write, the instruction a load. */
	assert_int_equal(arm64_insn_emulate(&op, ipa_of(op.va), true, 0, fake_access, &dev, &regs),
			 -SVMM_EFAULT);
	/* A pair across a 4 KiB page boundary. */
	regs.x[0] = MMIO_VA + 0xff8;
	assert_int_equal(arm64_insn_decode(0xa9400801, &regs, ZVA_BLOCK, &op), 0);
	assert_int_equal(arm64_insn_emulate(&op, ipa_of(op.va), false, 0, fake_access, &dev, &regs),
			 -SVMM_EFAULT);
	/* An access wrapping the address space. */
	regs.x[0] = UINT64_MAX - 3;
	assert_int_equal(arm64_insn_decode(0xa9400801, &regs, ZVA_BLOCK, &op), 0);
	assert_int_equal(arm64_insn_emulate(&op, ipa_of(op.va), false, 0, fake_access, &dev, &regs),
			 -SVMM_EFAULT);
	assert_int_equal(dev.count, 0);
	regs.x[0] = before.x[0];
	assert_memory_equal(&before, &regs, sizeof(regs));
}

static void test_emulate_device_error_leaves_registers(void **state)
{
	struct arm64_regs regs, before;
	struct fake_device dev;
	struct arm64_insn op;

	(void)state;
	fill(&regs);
	before = regs;
	memset(&dev, 0, sizeof(dev));
	dev.fail_at = 1; /* the second load fails */
	assert_int_equal(arm64_insn_decode(0xa9c10801, &regs, ZVA_BLOCK, &op), 0);
	assert_int_equal(arm64_insn_emulate(&op, ipa_of(op.va), false, 0, fake_access, &dev, &regs),
			 -SVMM_EIO);
	assert_memory_equal(&before, &regs, sizeof(regs));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ldp_offset),
	    cmocka_unit_test(test_ldp_pre_post_index),
	    cmocka_unit_test(test_stp_values_and_sizes),
	    cmocka_unit_test(test_ldp_w_sp_base),
	    cmocka_unit_test(test_ldpsw_sign_extends),
	    cmocka_unit_test(test_single_writeback),
	    cmocka_unit_test(test_single_sign_extension),
	    cmocka_unit_test(test_register_offset_and_literal),
	    cmocka_unit_test(test_ordered),
	    cmocka_unit_test(test_dc_zva),
	    cmocka_unit_test(test_refused_encodings),
	    cmocka_unit_test(test_emulate_refuses_mismatch),
	    cmocka_unit_test(test_emulate_device_error_leaves_registers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
