/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arch/aarch64/psci.h"
#include "core/errors.h"

#define NOT_SUPPORTED UINT64_MAX /* -1 as the guest reads it in x0 */
#define RET(code)     ((uint64_t)(int64_t)(code))
#define MAX_CPUS      64

/* A backend that records what PSCI asked of it. */
struct fake {
	int state[MAX_CPUS];
	int cpu_on_ret, cpu_off_ret;
	unsigned cpu_on_calls, cpu_off_calls, suspend_calls, off_calls, reset_calls;
	unsigned caller, target, off_vcpu, suspend_vcpu;
	uint64_t entry, context_id;
};

static int fake_cpu_on(void *ctx, unsigned caller, unsigned target, uint64_t entry,
		       uint64_t context_id)
{
	struct fake *f = ctx;

	f->cpu_on_calls++;
	f->caller = caller;
	f->target = target;
	f->entry = entry;
	f->context_id = context_id;
	return f->cpu_on_ret;
}

static int fake_cpu_off(void *ctx, unsigned vcpu)
{
	struct fake *f = ctx;

	f->cpu_off_calls++;
	f->off_vcpu = vcpu;
	return f->cpu_off_ret;
}

static int fake_cpu_state(void *ctx, unsigned vcpu)
{
	struct fake *f = ctx;

	assert_true(vcpu < MAX_CPUS);
	return f->state[vcpu];
}

static void fake_cpu_suspend(void *ctx, unsigned vcpu)
{
	struct fake *f = ctx;

	f->suspend_calls++;
	f->suspend_vcpu = vcpu;
}

static void fake_system_off(void *ctx)
{
	((struct fake *)ctx)->off_calls++;
}

static void fake_system_reset(void *ctx)
{
	((struct fake *)ctx)->reset_calls++;
}

static struct arm64_psci_ops fake_ops(struct fake *f, unsigned cpus)
{
	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < MAX_CPUS; i++)
		f->state[i] = ARM64_PSCI_STATE_OFF;
	f->state[0] = ARM64_PSCI_STATE_ON;
	return (struct arm64_psci_ops){
	    .cpus = cpus,
	    .cpu_on = fake_cpu_on,
	    .cpu_off = fake_cpu_off,
	    .cpu_state = fake_cpu_state,
	    .cpu_suspend = fake_cpu_suspend,
	    .system_off = fake_system_off,
	    .system_reset = fake_system_reset,
	    .ctx = f,
	};
}

static uint64_t call(const struct arm64_psci_ops *ops, unsigned vcpu, uint64_t x0, uint64_t x1,
		     uint64_t x2, uint64_t x3)
{
	const uint64_t args[4] = {x0, x1, x2, x3};

	return arm64_psci_call(ops, vcpu, args);
}

static void test_version(void **state)
{
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	assert_int_equal(call(&ops, 0, ARM64_PSCI_VERSION, 0, 0, 0), 0x10001);
	/* The function ID is W0: whatever sits in x0's upper half is ignored. */
	assert_int_equal(call(&ops, 0, 0xdeadbeef00000000ull | ARM64_PSCI_VERSION, 0, 0, 0),
			 0x10001);
}

static void test_unknown_ids(void **state)
{
	static const uint64_t ids[] = {
	    ARM64_PSCI_MIGRATE,
	    ARM64_PSCI_MIGRATE64,
	    ARM64_PSCI_MIGRATE_INFO_UP_CPU,
	    ARM64_PSCI_MIGRATE_INFO_UP_CPU64,
	    ARM64_PSCI_SYSTEM_SUSPEND,
	    ARM64_PSCI_SYSTEM_SUSPEND64,
	    ARM64_PSCI_SYSTEM_RESET2,
	    ARM64_PSCI_SYSTEM_RESET2_64,
	    0xc4000000, /* no 64-bit variants of these */
	    0xc4000002,
	    0xc4000008,
	    0xc4000009,
	    0xc400000a,
	    0x8400000b, /* CPU_FREEZE */
	    0x84000015,
	    0x8400001f,
	    0x86000000, /* vendor hypervisor UID */
	    0xc6000001,
	    0x80000002,
	    0x80008000, /* ARCH_WORKAROUND_1 called directly */
	    0x12345678,
	    0,
	    0xffffffff,
	};
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_int_equal(call(&ops, 0, ids[i], 1, 2, 3), NOT_SUPPORTED);
	assert_int_equal(f.cpu_on_calls + f.cpu_off_calls + f.off_calls + f.reset_calls, 0);
}

static void test_features(void **state)
{
	static const struct {
		uint32_t fn;
		uint64_t expect;
	} cases[] = {
	    {ARM64_PSCI_VERSION, 0},
	    {ARM64_PSCI_CPU_SUSPEND, 0}, /* original power_state format, no OSI mode */
	    {ARM64_PSCI_CPU_SUSPEND64, 0},
	    {ARM64_PSCI_CPU_OFF, 0},
	    {ARM64_PSCI_CPU_ON, 0},
	    {ARM64_PSCI_CPU_ON64, 0},
	    {ARM64_PSCI_AFFINITY_INFO, 0},
	    {ARM64_PSCI_AFFINITY_INFO64, 0},
	    {ARM64_PSCI_MIGRATE_INFO_TYPE, 0},
	    {ARM64_PSCI_SYSTEM_OFF, 0},
	    {ARM64_PSCI_SYSTEM_RESET, 0},
	    {ARM64_PSCI_FEATURES, 0},
	    {ARM64_SMCCC_VERSION, 0},
	    {ARM64_SMCCC_ARCH_FEATURES, NOT_SUPPORTED},
	    {ARM64_PSCI_MIGRATE, NOT_SUPPORTED},
	    {ARM64_PSCI_MIGRATE_INFO_UP_CPU, NOT_SUPPORTED},
	    {ARM64_PSCI_SYSTEM_SUSPEND, NOT_SUPPORTED},
	    {ARM64_PSCI_SYSTEM_RESET2, NOT_SUPPORTED},
	    {ARM64_PSCI_SYSTEM_RESET2_64, NOT_SUPPORTED},
	    {0xc4000002, NOT_SUPPORTED},
	    {ARM64_SMCCC_ARCH_WORKAROUND_1, NOT_SUPPORTED},
	    {0x12345678, NOT_SUPPORTED},
	};
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(call(&ops, 0, ARM64_PSCI_FEATURES, cases[i].fn, 0, 0),
				 cases[i].expect);
		/* PSCI_FEATURES is an SMC32 call: x1's upper half is not part of the ID. */
		assert_int_equal(
		    call(&ops, 0, ARM64_PSCI_FEATURES, 0xffffffff00000000ull | cases[i].fn, 0, 0),
		    cases[i].expect);
	}
}

static void test_missing_ops_not_supported(void **state)
{
	static const uint32_t needs_op[] = {
	    ARM64_PSCI_CPU_ON,	      ARM64_PSCI_CPU_ON64,	  ARM64_PSCI_CPU_OFF,
	    ARM64_PSCI_AFFINITY_INFO, ARM64_PSCI_AFFINITY_INFO64, ARM64_PSCI_SYSTEM_OFF,
	    ARM64_PSCI_SYSTEM_RESET,
	};
	struct arm64_psci_ops ops = {.cpus = 2};

	(void)state;
	for (size_t i = 0; i < sizeof(needs_op) / sizeof(needs_op[0]); i++) {
		assert_int_equal(call(&ops, 0, needs_op[i], 1, 0, 0), NOT_SUPPORTED);
		assert_int_equal(call(&ops, 0, ARM64_PSCI_FEATURES, needs_op[i], 0, 0),
				 NOT_SUPPORTED);
	}
	/* These need no backend. */
	assert_int_equal(call(&ops, 0, ARM64_PSCI_VERSION, 0, 0, 0), 0x10001);
	assert_int_equal(call(&ops, 0, ARM64_PSCI_CPU_SUSPEND, 0, 0, 0), 0);
	assert_int_equal(call(&ops, 0, ARM64_PSCI_MIGRATE_INFO_TYPE, 0, 0, 0), 2);
}

static void test_cpu_on_64(void **state)
{
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	assert_int_equal(
	    call(&ops, 0, ARM64_PSCI_CPU_ON64, 3, 0x4000080000ull, 0x123456789abcdef0ull), 0);
	assert_int_equal(f.cpu_on_calls, 1);
	assert_int_equal(f.caller, 0);
	assert_int_equal(f.target, 3);
	assert_int_equal(f.entry, 0x4000080000ull);
	assert_int_equal(f.context_id, 0x123456789abcdef0ull);

	/* Targets beyond Aff0 */
	ops = fake_ops(&f, 20);
	assert_int_equal(call(&ops, 2, ARM64_PSCI_CPU_ON64, 0x103, 0x40080000, 0), 0);
	assert_int_equal(f.caller, 2);
	assert_int_equal(f.target, 19);
}

static void test_cpu_on_32_narrows_arguments(void **state)
{
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	assert_int_equal(call(&ops, 1, ARM64_PSCI_CPU_ON, 0xffffffff00000002ull,
			      0xdeadbeef40080000ull, 0xcafef00d00000007ull),
			 0);
	assert_int_equal(f.target, 2);
	assert_int_equal(f.entry, 0x40080000);
	assert_int_equal(f.context_id, 7);

	/* The 64-bit ID takes x1 whole, so the same target is invalid there. */
	assert_int_equal(call(&ops, 1, ARM64_PSCI_CPU_ON64, 0xffffffff00000002ull, 0x40080000, 0),
			 RET(ARM64_PSCI_INVALID_PARAMETERS));
	assert_int_equal(f.cpu_on_calls, 1);
}

static void test_cpu_on_bad_mpidr(void **state)
{
	static const uint64_t bad[] = {
	    4,		      /* index 4 of 4 cpus */
	    0x10,	      /* Aff0 16: never produced */
	    0x100,	      /* index 16 */
	    0x80000000,	      /* MPIDR bit 31 (RES1): not part of the affinity */
	    0x01000000,	      /* bits [31:24] must be zero */
	    0x100000000ull,   /* Aff3 */
	    0x10000000000ull, /* bits above Aff3 */
	    UINT64_MAX,
	};
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(call(&ops, 0, ARM64_PSCI_CPU_ON64, bad[i], 0x40080000, 0),
				 RET(ARM64_PSCI_INVALID_PARAMETERS));
	assert_int_equal(f.cpu_on_calls, 0);
}

static void test_cpu_on_self_is_already_on(void **state)
{
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	assert_int_equal(call(&ops, 2, ARM64_PSCI_CPU_ON64, 2, 0x40080000, 0),
			 RET(ARM64_PSCI_ALREADY_ON));
	assert_int_equal(f.cpu_on_calls, 0);
}

static void test_cpu_on_results(void **state)
{
	static const struct {
		int backend, guest;
	} cases[] = {
	    {ARM64_PSCI_SUCCESS, ARM64_PSCI_SUCCESS},
	    {ARM64_PSCI_ALREADY_ON, ARM64_PSCI_ALREADY_ON},
	    {ARM64_PSCI_ON_PENDING, ARM64_PSCI_ON_PENDING},
	    {ARM64_PSCI_INTERNAL_FAILURE, ARM64_PSCI_INTERNAL_FAILURE},
	    {ARM64_PSCI_INVALID_ADDRESS, ARM64_PSCI_INVALID_ADDRESS},
	    {ARM64_PSCI_INVALID_PARAMETERS, ARM64_PSCI_INVALID_PARAMETERS},
	    /* Not a CPU_ON answer: the guest hears INTERNAL_FAILURE. */
	    {ARM64_PSCI_DENIED, ARM64_PSCI_INTERNAL_FAILURE},
	    {ARM64_PSCI_NOT_SUPPORTED, ARM64_PSCI_INTERNAL_FAILURE},
	    {1, ARM64_PSCI_INTERNAL_FAILURE},
	    {-SVMM_ENOMEM, ARM64_PSCI_INTERNAL_FAILURE},
	};
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f.cpu_on_ret = cases[i].backend;
		assert_int_equal(call(&ops, 0, ARM64_PSCI_CPU_ON, 1, 0x40080000, 0),
				 RET(cases[i].guest));
		assert_int_equal(call(&ops, 0, ARM64_PSCI_CPU_ON64, 1, 0x40080000, 0),
				 RET(cases[i].guest));
	}
}

static void test_cpu_off(void **state)
{
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	assert_int_equal(call(&ops, 3, ARM64_PSCI_CPU_OFF, 0, 0, 0), 0);
	assert_int_equal(f.cpu_off_calls, 1);
	assert_int_equal(f.off_vcpu, 3);
	/* DENIED is CPU_OFF's only failure, whatever the backend says. */
	f.cpu_off_ret = ARM64_PSCI_DENIED;
	assert_int_equal(call(&ops, 1, ARM64_PSCI_CPU_OFF, 0, 0, 0), RET(ARM64_PSCI_DENIED));
	f.cpu_off_ret = ARM64_PSCI_INTERNAL_FAILURE;
	assert_int_equal(call(&ops, 1, ARM64_PSCI_CPU_OFF, 0, 0, 0), RET(ARM64_PSCI_DENIED));
}

static void test_cpu_suspend(void **state)
{
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	assert_int_equal(call(&ops, 2, ARM64_PSCI_CPU_SUSPEND, 0x10000, 0x40080000, 0), 0);
	assert_int_equal(call(&ops, 2, ARM64_PSCI_CPU_SUSPEND64, 0, 0x40080000, 0), 0);
	assert_int_equal(f.suspend_calls, 2);
	assert_int_equal(f.suspend_vcpu, 2);
	ops.cpu_suspend = NULL;
	assert_int_equal(call(&ops, 2, ARM64_PSCI_CPU_SUSPEND, 0, 0, 0), 0);
	assert_int_equal(call(&ops, 2, ARM64_PSCI_FEATURES, ARM64_PSCI_CPU_SUSPEND, 0, 0), 0);
}

static void test_affinity_info_level0(void **state)
{
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 4);

	(void)state;
	f.state[1] = ARM64_PSCI_STATE_ON;
	f.state[2] = ARM64_PSCI_STATE_ON_PENDING;
	for (int wide = 0; wide < 2; wide++) {
		uint64_t fn = wide ? ARM64_PSCI_AFFINITY_INFO64 : ARM64_PSCI_AFFINITY_INFO;

		assert_int_equal(call(&ops, 0, fn, 0, 0, 0), ARM64_PSCI_STATE_ON);
		assert_int_equal(call(&ops, 0, fn, 1, 0, 0), ARM64_PSCI_STATE_ON);
		assert_int_equal(call(&ops, 0, fn, 2, 0, 0), ARM64_PSCI_STATE_ON_PENDING);
		assert_int_equal(call(&ops, 0, fn, 3, 0, 0), ARM64_PSCI_STATE_OFF);
		assert_int_equal(call(&ops, 0, fn, 4, 0, 0), RET(ARM64_PSCI_INVALID_PARAMETERS));
		assert_int_equal(call(&ops, 0, fn, 0x10, 0, 0), RET(ARM64_PSCI_INVALID_PARAMETERS));
		assert_int_equal(call(&ops, 0, fn, 3, 4, 0), RET(ARM64_PSCI_INVALID_PARAMETERS));
	}
	/* The 32-bit call narrows target and level; the 64-bit one does not. */
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO, 0xffffffff00000001ull,
			      0xffffffff00000000ull, 0),
			 ARM64_PSCI_STATE_ON);
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO64, 1, 0xffffffff00000000ull, 0),
			 RET(ARM64_PSCI_INVALID_PARAMETERS));

	/* A backend answer outside the three states */
	f.state[3] = 7;
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO, 3, 0, 0),
			 RET(ARM64_PSCI_INTERNAL_FAILURE));
}

static void test_affinity_info_higher_levels(void **state)
{
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 20); /* Aff1 0: cpus 0..15, Aff1 1: 16..19 */

	(void)state;
	/* Level 1 ignores Aff0: cluster 1 is off until one of its CPUs is not. */
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO, 0x100, 1, 0),
			 ARM64_PSCI_STATE_OFF);
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO, 0x1ff, 1, 0),
			 ARM64_PSCI_STATE_OFF);
	f.state[18] = ARM64_PSCI_STATE_ON_PENDING;
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO, 0x100, 1, 0),
			 ARM64_PSCI_STATE_ON_PENDING);
	f.state[17] = ARM64_PSCI_STATE_ON;
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO, 0x100, 1, 0), ARM64_PSCI_STATE_ON);
	/* Cluster 2 does not exist. */
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO, 0x200, 1, 0),
			 RET(ARM64_PSCI_INVALID_PARAMETERS));
	/* Levels 2 and 3 take in every vCPU here. */
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO, 0, 2, 0), ARM64_PSCI_STATE_ON);
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO64, 0, 3, 0), ARM64_PSCI_STATE_ON);
	assert_int_equal(call(&ops, 0, ARM64_PSCI_AFFINITY_INFO64, 0x100000000ull, 3, 0),
			 RET(ARM64_PSCI_INVALID_PARAMETERS));
}

static void test_system_off_reset(void **state)
{
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 2);

	(void)state;
	call(&ops, 1, ARM64_PSCI_SYSTEM_OFF, 0, 0, 0);
	assert_int_equal(f.off_calls, 1);
	assert_int_equal(f.reset_calls, 0);
	call(&ops, 0, ARM64_PSCI_SYSTEM_RESET, 0, 0, 0);
	assert_int_equal(f.off_calls, 1);
	assert_int_equal(f.reset_calls, 1);
}

static void test_migrate_info_type(void **state)
{
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 2);

	(void)state;
	assert_int_equal(call(&ops, 0, ARM64_PSCI_MIGRATE_INFO_TYPE, 0, 0, 0), 2);
}

static void test_smccc(void **state)
{
	static const uint32_t queries[] = {
	    ARM64_SMCCC_ARCH_WORKAROUND_1, 0x80007fff, 0x80003fff, ARM64_SMCCC_VERSION,
	    ARM64_SMCCC_ARCH_FEATURES,	   0x80000002, 0,
	};
	struct fake f;
	struct arm64_psci_ops ops = fake_ops(&f, 2);

	(void)state;
	assert_int_equal(call(&ops, 0, ARM64_SMCCC_VERSION, 0, 0, 0), 0x10001);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
		assert_int_equal(call(&ops, 0, ARM64_SMCCC_ARCH_FEATURES, queries[i], 0, 0),
				 NOT_SUPPORTED);
}

static void test_mpidr_mapping(void **state)
{
	(void)state;
	assert_int_equal(arm64_vcpu_mpidr(0), 0);
	assert_int_equal(arm64_vcpu_mpidr(15), 0xf);
	assert_int_equal(arm64_vcpu_mpidr(16), 0x100);
	assert_int_equal(arm64_vcpu_mpidr(17), 0x101);
	assert_int_equal(arm64_vcpu_mpidr(4095), 0xff0f);
	assert_int_equal(arm64_vcpu_mpidr(4096), 0x10000);

	for (unsigned cpus = 1; cpus <= 64; cpus++) {
		for (unsigned i = 0; i < cpus; i++)
			assert_int_equal(arm64_mpidr_to_vcpu(arm64_vcpu_mpidr(i), cpus), i);
		assert_int_equal(arm64_mpidr_to_vcpu(arm64_vcpu_mpidr(cpus), cpus), -SVMM_EINVAL);
	}
	/* Up into Aff2 */
	assert_int_equal(arm64_mpidr_to_vcpu(0x10203, 5000), 4096 + 2 * 16 + 3);
	assert_int_equal(arm64_mpidr_to_vcpu(arm64_vcpu_mpidr(4999), 5000), 4999);

	assert_int_equal(arm64_mpidr_to_vcpu(0x1f, 64), -SVMM_EINVAL);
	assert_int_equal(arm64_mpidr_to_vcpu(0x80000000, 64), -SVMM_EINVAL);
	assert_int_equal(arm64_mpidr_to_vcpu(0x100000000ull, 64), -SVMM_EINVAL);
	assert_int_equal(arm64_mpidr_to_vcpu(0, 0), -SVMM_EINVAL);
}

static void test_entry_regs(void **state)
{
	struct arm64_regs regs;

	(void)state;
	memset(&regs, 0xaa, sizeof(regs));
	arm64_psci_entry_regs(&regs, 0x40080000, 0xfeed);
	assert_int_equal(regs.pc, 0x40080000);
	assert_int_equal(regs.x[0], 0xfeed);
	for (unsigned i = 1; i < 31; i++)
		assert_int_equal(regs.x[i], 0);
	assert_int_equal(regs.sp, 0);
	assert_int_equal(regs.pstate, 0x3c5); /* EL1h, DAIF masked */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_unknown_ids),
	    cmocka_unit_test(test_features),
	    cmocka_unit_test(test_missing_ops_not_supported),
	    cmocka_unit_test(test_cpu_on_64),
	    cmocka_unit_test(test_cpu_on_32_narrows_arguments),
	    cmocka_unit_test(test_cpu_on_bad_mpidr),
	    cmocka_unit_test(test_cpu_on_self_is_already_on),
	    cmocka_unit_test(test_cpu_on_results),
	    cmocka_unit_test(test_cpu_off),
	    cmocka_unit_test(test_cpu_suspend),
	    cmocka_unit_test(test_affinity_info_level0),
	    cmocka_unit_test(test_affinity_info_higher_levels),
	    cmocka_unit_test(test_system_off_reset),
	    cmocka_unit_test(test_migrate_info_type),
	    cmocka_unit_test(test_smccc),
	    cmocka_unit_test(test_mpidr_mapping),
	    cmocka_unit_test(test_entry_regs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
