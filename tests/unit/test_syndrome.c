/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arch/aarch64/syndrome.h"
#include "core/errors.h"

/*
 * ESRs are built here from the Arm ARM's field positions, written out
 * independently of syndrome.c, so a wrong shift there shows up here.
 */
#define EC(ec)	   ((uint64_t)(ec) << 26)
#define IL	   ((uint64_t)1 << 25)
#define ISV	   (1u << 24)
#define SAS(s)	   ((uint32_t)(s) << 22)
#define SSE	   (1u << 21)
#define SRT(r)	   ((uint32_t)(r) << 16)
#define SF	   (1u << 15)
#define AR	   (1u << 14)
#define CM	   (1u << 8)
#define S1PTW	   (1u << 7)
#define WNR	   (1u << 6)
#define DFSC_TR_L3 0x07u /* translation fault, level 3 */

#define GUEST_PC   0x40081234ull
#define MMIO_GPA   0x09000018ull
#define DEVICE_VAL 0xfedcba9876543210ull

static uint64_t dabt(uint32_t iss)
{
	return EC(0x24) | IL | iss;
}

/* Every register holds a different, recognisable value. */
static void fill_regs(struct arm64_regs *regs)
{
	for (unsigned i = 0; i < 31; i++)
		regs->x[i] = 0x0123456789abcdefull ^ (0x1111111111111111ull * (i + 1));
	regs->sp = 0x4ff00000;
	regs->pc = GUEST_PC;
	regs->pstate = 0x3c5; /* EL1h, DAIF masked */
}

static uint64_t mask_of(unsigned size)
{
	return size == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * size)) - 1;
}

/* Decodes, lets a "device" answer DEVICE_VAL, completes; returns the access. */
static struct access run_abort(uint64_t esr, struct arm64_regs *regs, struct arm64_abort_info *info)
{
	struct access acc;

	assert_int_equal(arm64_decode_data_abort(esr, MMIO_GPA, 3, regs, &acc, info), 0);
	if (!acc.is_write)
		acc.value = DEVICE_VAL;
	arm64_complete_data_abort(info, &acc, regs);
	return acc;
}

static void test_every_size_direction_register(void **state)
{
	(void)state;
	for (unsigned sas = 0; sas < 4; sas++) {
		unsigned size = 1u << sas;

		for (int write = 0; write < 2; write++) {
			for (unsigned reg = 0; reg < 32; reg++) {
				struct arm64_regs regs, before;
				struct arm64_abort_info info;
				struct access acc;
				uint32_t iss = ISV | SAS(sas) | SRT(reg) | SF | DFSC_TR_L3;

				fill_regs(&regs);
				before = regs;
				acc = run_abort(dabt(iss | (write ? WNR : 0)), &regs, &info);

				assert_int_equal(acc.vcpu, 3);
				assert_int_equal(acc.gpa, MMIO_GPA);
				assert_int_equal(acc.size, size);
				assert_int_equal(acc.is_write, write);
				assert_int_equal(info.reg, reg);
				assert_int_equal(regs.pc, GUEST_PC + 4);
				if (write) {
					uint64_t src = reg == 31 ? 0 : before.x[reg];

					assert_int_equal(acc.value, src & mask_of(size));
				} else if (reg < 31) {
					before.x[reg] = DEVICE_VAL & mask_of(size);
				}
				/* Only the target register (never XZR's neighbours) and PC change.
				 */
				before.pc = regs.pc;
				assert_memory_equal(&regs, &before, sizeof(regs));
			}
		}
	}
}

static void test_w_register_loads_clear_upper_half(void **state)
{
	(void)state;
	for (unsigned sas = 0; sas < 3; sas++) {
		struct arm64_regs regs;
		struct arm64_abort_info info;

		fill_regs(&regs);
		regs.x[9] = UINT64_MAX;
		run_abort(dabt(ISV | SAS(sas) | SRT(9)), &regs, &info);
		assert_false(info.reg64);
		assert_int_equal(regs.x[9], DEVICE_VAL & mask_of(1u << sas));
	}
}

static void test_sign_extension(void **state)
{
	static const struct {
		unsigned sas;
		bool sf;
		uint64_t device; /* what the device returns, upper garbage and all */
		uint64_t expect;
	} cases[] = {
	    /* LDRSB Xt / Wt */
	    {0, true, 0x80, 0xffffffffffffff80ull},
	    {0, true, 0x7f, 0x7f},
	    {0, true, 0xabcdef80, 0xffffffffffffff80ull},
	    {0, true, 0x1234567f, 0x7f},
	    {0, false, 0x80, 0xffffff80ull},
	    {0, false, 0xff, 0xffffffffull},
	    {0, false, 0x7f, 0x7f},
	    /* LDRSH Xt / Wt */
	    {1, true, 0x8000, 0xffffffffffff8000ull},
	    {1, true, 0x7fff, 0x7fff},
	    {1, true, 0xffff00007fff, 0x7fff},
	    {1, false, 0x8001, 0xffff8001ull},
	    {1, false, 0x7ffe, 0x7ffe},
	    /* LDRSW Xt; SSE on a 32-bit load into Wt changes nothing */
	    {2, true, 0x80000000, 0xffffffff80000000ull},
	    {2, true, 0x7fffffff, 0x7fffffff},
	    {2, true, 0xffffffff00000001ull, 1},
	    {2, false, 0x80000000, 0x80000000},
	    {2, false, 0xffffffff80000000ull, 0x80000000},
	    /* 64-bit: nothing to extend */
	    {3, true, 0x8000000000000000ull, 0x8000000000000000ull},
	    {3, true, 0x7fffffffffffffffull, 0x7fffffffffffffffull},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arm64_regs regs;
		struct arm64_abort_info info;
		struct access acc;
		uint64_t esr =
		    dabt(ISV | SAS(cases[i].sas) | SSE | SRT(4) | (cases[i].sf ? SF : 0));

		fill_regs(&regs);
		assert_int_equal(arm64_decode_data_abort(esr, MMIO_GPA, 0, &regs, &acc, &info), 0);
		assert_true(info.sign_extend);
		assert_int_equal(info.reg64, cases[i].sf);
		acc.value = cases[i].device;
		arm64_complete_data_abort(&info, &acc, &regs);
		assert_int_equal(regs.x[4], cases[i].expect);
	}
}

static void test_zero_extension_replaces_old_value(void **state)
{
	struct arm64_regs regs;
	struct arm64_abort_info info;
	struct access acc;

	(void)state;
	fill_regs(&regs);
	regs.x[1] = UINT64_MAX;
	assert_int_equal(
	    arm64_decode_data_abort(dabt(ISV | SAS(0) | SRT(1) | SF), 0, 0, &regs, &acc, &info), 0);
	acc.value = 0x80;
	arm64_complete_data_abort(&info, &acc, &regs);
	assert_int_equal(regs.x[1], 0x80);
}

static void test_write_value_masking(void **state)
{
	static const uint64_t expect[4] = {0x10, 0x3210, 0x76543210, 0xfedcba9876543210ull};

	(void)state;
	for (unsigned sas = 0; sas < 4; sas++) {
		struct arm64_regs regs;
		struct arm64_abort_info info;
		struct access acc;

		fill_regs(&regs);
		regs.x[30] = 0xfedcba9876543210ull;
		assert_int_equal(arm64_decode_data_abort(dabt(ISV | SAS(sas) | SRT(30) | WNR), 0, 0,
							 &regs, &acc, &info),
				 0);
		assert_true(acc.is_write);
		assert_int_equal(acc.size, 1u << sas);
		assert_int_equal(acc.value, expect[sas]);
	}
}

static void test_store_of_xzr_writes_zero(void **state)
{
	struct arm64_regs regs;
	struct arm64_abort_info info;
	struct access acc;

	(void)state;
	fill_regs(&regs);
	assert_int_equal(
	    arm64_decode_data_abort(dabt(ISV | SAS(2) | SRT(31) | WNR), 0, 0, &regs, &acc, &info),
	    0);
	assert_int_equal(acc.value, 0);
}

/* `ldr x0, [x1]` on an unmapped page, as a real CPU reports it. */
static void test_real_syndrome(void **state)
{
	struct arm64_regs regs;
	struct arm64_abort_info info;
	struct access acc;

	(void)state;
	fill_regs(&regs);
	assert_int_equal(arm64_decode_data_abort(0x93c08006, MMIO_GPA, 1, &regs, &acc, &info), 0);
	assert_int_equal(acc.size, 8);
	assert_false(acc.is_write);
	assert_int_equal(info.reg, 0);
	assert_true(info.reg64);
	assert_false(info.sign_extend);
	assert_true(info.il32);
	assert_int_equal(info.dfsc, 0x06);
}

static void test_acquire_release_noted(void **state)
{
	struct arm64_regs regs;
	struct arm64_abort_info info;
	struct access acc;

	(void)state;
	fill_regs(&regs);
	assert_int_equal(arm64_decode_data_abort(dabt(ISV | SAS(2) | SRT(2) | AR | WNR), 0, 0,
						 &regs, &acc, &info),
			 0);
	assert_true(info.acquire_release);
	assert_int_equal(
	    arm64_decode_data_abort(dabt(ISV | SAS(2) | SRT(2)), 0, 0, &regs, &acc, &info), 0);
	assert_false(info.acquire_release);
}

/* High ESR bits (ISS2, RES0) must not leak into the decoded fields. */
static void test_upper_esr_bits_ignored(void **state)
{
	struct arm64_regs regs;
	struct arm64_abort_info info;
	struct access acc;
	uint64_t esr = dabt(ISV | SAS(1) | SRT(5)) | 0xffffffff00000000ull;

	(void)state;
	fill_regs(&regs);
	assert_int_equal(arm64_esr_class(esr), ARM64_EC_DABT_LOW);
	assert_int_equal(arm64_decode_data_abort(esr, 0, 0, &regs, &acc, &info), 0);
	assert_int_equal(acc.size, 2);
	assert_int_equal(info.reg, 5);
}

static void test_pc_advance(void **state)
{
	struct arm64_regs regs;
	struct arm64_abort_info info;

	(void)state;
	fill_regs(&regs);
	run_abort(EC(0x24) | ISV | SAS(2) | SRT(0), &regs, &info); /* IL = 0: a T32 LDR */
	assert_false(info.il32);
	assert_int_equal(regs.pc, GUEST_PC + 2);
	run_abort(dabt(ISV | SAS(2) | SRT(0)), &regs, &info);
	assert_int_equal(regs.pc, GUEST_PC + 6);
}

#define PSTATE_NRW 0x10u
#define PSTATE_T   0x20u

static void test_skip_aarch32(void **state)
{
	struct arm64_regs regs;

	(void)state;
	memset(&regs, 0, sizeof(regs));
	/* AArch32: the PC is 32 bits wide. */
	regs.pstate = PSTATE_NRW | PSTATE_T;
	regs.pc = 0xfffffffe;
	arm64_skip_instruction(&regs, false);
	assert_int_equal(regs.pc, 0);
	regs.pc = 0xfffffffc;
	arm64_skip_instruction(&regs, true);
	assert_int_equal(regs.pc, 0);

	/* AArch64: no wrap at 4 GiB, and bits 25/26 and 10..15 are not IT state. */
	regs.pstate = (1u << 25) | (1u << 10);
	regs.pc = 0xfffffffc;
	arm64_skip_instruction(&regs, true);
	assert_int_equal(regs.pc, 0x100000000ull);
	assert_int_equal(regs.pstate, (1u << 25) | (1u << 10));
}

/* IT[7:2] live in PSTATE[15:10], IT[1:0] in PSTATE[26:25]. */
static uint64_t it_pstate(unsigned it)
{
	return PSTATE_NRW | PSTATE_T | (uint64_t)(it >> 2) << 10 | (uint64_t)(it & 3u) << 25;
}

static void test_skip_advances_it_block(void **state)
{
	static const struct {
		unsigned before, after;
	} steps[] = {
	    {0x04, 0x08},		/* two instructions left: shift the mask */
	    {0x08, 0x00},		/* the last one ends the block */
	    {0x03, 0x06},		/* IT[1:0] carry into IT[2] */
	    {0xe4, 0xe8},		/* the base condition IT[7:5] stays */
	    {0xb8, 0x00}, {0x00, 0x00}, /* outside an IT block nothing changes */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct arm64_regs regs;

		memset(&regs, 0, sizeof(regs));
		regs.pstate = it_pstate(steps[i].before);
		regs.pc = 0x8000;
		arm64_skip_instruction(&regs, false);
		assert_int_equal(regs.pstate, it_pstate(steps[i].after));
		assert_int_equal(regs.pc, 0x8002);
	}
}

static void test_no_isv_is_not_supported(void **state)
{
	struct arm64_regs regs;
	struct arm64_abort_info info;
	struct access acc, untouched;

	(void)state;
	fill_regs(&regs);
	memset(&acc, 0x5a, sizeof(acc));
	untouched = acc;
	/* e.g. STP x0, x1, [x2]: ISV = 0, SRT/SAS are RES0 */
	assert_int_equal(
	    arm64_decode_data_abort(dabt(WNR | DFSC_TR_L3), MMIO_GPA, 0, &regs, &acc, &info),
	    -SVMM_ENOTSUP);
	assert_memory_equal(&acc, &untouched, sizeof(acc));
	assert_false(info.isv);
	assert_true(info.is_write);
	assert_false(info.cache_maintenance);
	assert_int_equal(info.dfsc, DFSC_TR_L3);

	/* DC CIVAC on a device range: the backend may skip it. */
	assert_int_equal(arm64_decode_data_abort(dabt(CM | WNR), MMIO_GPA, 0, &regs, &acc, &info),
			 -SVMM_ENOTSUP);
	assert_true(info.cache_maintenance);
}

static void test_stage1_walk_fault(void **state)
{
	struct arm64_regs regs;
	struct arm64_abort_info info;
	struct access acc;

	(void)state;
	fill_regs(&regs);
	assert_int_equal(
	    arm64_decode_data_abort(dabt(ISV | SAS(3) | S1PTW), MMIO_GPA, 0, &regs, &acc, &info),
	    -SVMM_EFAULT);
	assert_true(info.s1ptw);
}

static void test_wrong_class(void **state)
{
	static const unsigned classes[] = {0x00, 0x01, 0x16, 0x17, 0x18, 0x20, 0x25, 0x3f};
	struct arm64_regs regs;
	struct arm64_abort_info info;
	struct access acc;

	(void)state;
	fill_regs(&regs);
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		assert_int_equal(arm64_decode_data_abort(EC(classes[i]) | IL | ISV | SAS(2), 0, 0,
							 &regs, &acc, &info),
				 -SVMM_EINVAL);
}

static void test_esr_class(void **state)
{
	(void)state;
	assert_int_equal(arm64_esr_class(0x93c08006), ARM64_EC_DABT_LOW);
	assert_int_equal(arm64_esr_class(0x5a000000), ARM64_EC_HVC64);
	assert_int_equal(arm64_esr_class(0x5e000000), ARM64_EC_SMC64);
	assert_int_equal(arm64_esr_class(0x06000000), ARM64_EC_WFX);
	assert_int_equal(arm64_esr_class(0x62000000), ARM64_EC_SYS64);
	assert_int_equal(arm64_esr_class(0x82000006), ARM64_EC_IABT_LOW);
	assert_int_equal(arm64_esr_class(0), ARM64_EC_UNKNOWN);
	assert_int_equal(arm64_esr_class(UINT64_MAX), 0x3f);
	assert_true(arm64_esr_il32(0x02000000));
	assert_false(arm64_esr_il32(0xfdffffff));
}

static void test_wfi_wfe(void **state)
{
	struct arm64_wfx wfx;

	(void)state;
	assert_int_equal(arm64_decode_wfx(0x06000000, &wfx), 0);
	assert_int_equal(wfx.kind, ARM64_WFI);
	assert_false(wfx.has_timeout);
	assert_int_equal(arm64_decode_wfx(0x06000001, &wfx), 0);
	assert_int_equal(wfx.kind, ARM64_WFE);
	/* WFIT x5: TI = 2, RV, Rn = 5 */
	assert_int_equal(arm64_decode_wfx(EC(0x01) | IL | 2u | 1u << 2 | 5u << 5, &wfx), 0);
	assert_int_equal(wfx.kind, ARM64_WFIT);
	assert_true(wfx.has_timeout);
	assert_int_equal(wfx.timeout_reg, 5);
	assert_int_equal(arm64_decode_wfx(EC(0x01) | IL | 3u, &wfx), 0);
	assert_int_equal(wfx.kind, ARM64_WFET);
	assert_int_equal(arm64_decode_wfx(0x5a000000, &wfx), -SVMM_EINVAL);
}

static void test_hvc_smc(void **state)
{
	struct arm64_call call;

	(void)state;
	/* HVC #0: the ELR already points past it. */
	assert_int_equal(arm64_decode_call(0x5a000000, &call), 0);
	assert_false(call.smc);
	assert_false(call.aarch32);
	assert_int_equal(call.imm, 0);
	assert_false(call.skip);

	assert_int_equal(arm64_decode_call(0x5a00beef, &call), 0);
	assert_int_equal(call.imm, 0xbeef);

	/* SMC #0: trapped before it executes, so the PC must be moved on. */
	assert_int_equal(arm64_decode_call(0x5e000000, &call), 0);
	assert_true(call.smc);
	assert_int_equal(call.imm, 0);
	assert_true(call.skip);
	assert_int_equal(arm64_decode_call(0x5e001234, &call), 0);
	assert_int_equal(call.imm, 0x1234);

	/* HVC from AArch32 carries imm16 too. */
	assert_int_equal(arm64_decode_call(EC(0x12) | IL | 0x42, &call), 0);
	assert_true(call.aarch32);
	assert_false(call.smc);
	assert_int_equal(call.imm, 0x42);

	assert_int_equal(arm64_decode_call(EC(0x13) | IL, &call), -SVMM_ENOTSUP);
	assert_int_equal(arm64_decode_call(0x93c08006, &call), -SVMM_EINVAL);
	assert_int_equal(arm64_decode_call(0x06000000, &call), -SVMM_EINVAL);
}

static void test_msr_mrs(void **state)
{
	struct arm64_sysreg_access sys;
	struct arm64_regs regs;

	(void)state;
	/* MSR ICC_SGI1R_EL1, x2: S3_0_C12_C11_5, write */
	assert_int_equal(arm64_decode_sysreg(0x623a3056, &sys), 0);
	assert_int_equal(sys.op0, 3);
	assert_int_equal(sys.op1, 0);
	assert_int_equal(sys.crn, 12);
	assert_int_equal(sys.crm, 11);
	assert_int_equal(sys.op2, 5);
	assert_int_equal(sys.reg, 2);
	assert_false(sys.is_read);
	assert_int_equal(sys.id, 0x18cba0);
	assert_int_equal(sys.id, ARM64_SYSREG(3, 0, 12, 11, 5));

	/* MRS x30, ID_AA64PFR0_EL1: S3_0_C0_C4_0, read */
	assert_int_equal(arm64_decode_sysreg(0x623003c9, &sys), 0);
	assert_int_equal(sys.id, ARM64_SYSREG(3, 0, 0, 4, 0));
	assert_int_equal(sys.reg, 30);
	assert_true(sys.is_read);

	/* Every field at its maximum lands in its own place. */
	assert_int_equal(arm64_decode_sysreg(EC(0x18) | 0x1ffffff, &sys), 0);
	assert_int_equal(sys.op0, 3);
	assert_int_equal(sys.op1, 7);
	assert_int_equal(sys.crn, 15);
	assert_int_equal(sys.crm, 15);
	assert_int_equal(sys.op2, 7);
	assert_int_equal(sys.reg, 31);
	assert_true(sys.is_read);

	/* MRS xzr, ...: the result goes nowhere. */
	fill_regs(&regs);
	struct arm64_regs before = regs;
	arm64_reg_set(&regs, sys.reg, 1234);
	assert_memory_equal(&regs, &before, sizeof(regs));

	assert_int_equal(arm64_decode_sysreg(0x5a000000, &sys), -SVMM_EINVAL);
}

static void test_reg_helpers(void **state)
{
	struct arm64_regs regs;

	(void)state;
	fill_regs(&regs);
	assert_int_equal(arm64_reg_get(&regs, 0), regs.x[0]);
	assert_int_equal(arm64_reg_get(&regs, 30), regs.x[30]);
	assert_int_equal(arm64_reg_get(&regs, 31), 0);
	assert_int_equal(arm64_reg_get(&regs, 1000), 0);
	arm64_reg_set(&regs, 30, 7);
	assert_int_equal(regs.x[30], 7);
	arm64_reg_set(&regs, 31, 8);
	arm64_reg_set(&regs, 1000, 9);
	assert_int_equal(regs.sp, 0x4ff00000);
	assert_int_equal(regs.pc, GUEST_PC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_size_direction_register),
	    cmocka_unit_test(test_w_register_loads_clear_upper_half),
	    cmocka_unit_test(test_sign_extension),
	    cmocka_unit_test(test_zero_extension_replaces_old_value),
	    cmocka_unit_test(test_write_value_masking),
	    cmocka_unit_test(test_store_of_xzr_writes_zero),
	    cmocka_unit_test(test_real_syndrome),
	    cmocka_unit_test(test_acquire_release_noted),
	    cmocka_unit_test(test_upper_esr_bits_ignored),
	    cmocka_unit_test(test_pc_advance),
	    cmocka_unit_test(test_skip_aarch32),
	    cmocka_unit_test(test_skip_advances_it_block),
	    cmocka_unit_test(test_no_isv_is_not_supported),
	    cmocka_unit_test(test_stage1_walk_fault),
	    cmocka_unit_test(test_wrong_class),
	    cmocka_unit_test(test_esr_class),
	    cmocka_unit_test(test_wfi_wfe),
	    cmocka_unit_test(test_hvc_smc),
	    cmocka_unit_test(test_msr_mrs),
	    cmocka_unit_test(test_reg_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
