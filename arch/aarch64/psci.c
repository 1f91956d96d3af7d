/* SPDX-License-Identifier: Apache-2.0 */
#include "arch/aarch64/psci.h"

#include "core/errors.h"
#include "core/string.h"

/* Bit 30 of a function ID: the SMC64/HVC64 calling convention. */
#define FN_64BIT 0x40000000u

/* MPIDR affinity fields: Aff0 [7:0], Aff1 [15:8], Aff2 [23:16], Aff3 [39:32]. */
#define MPIDR_AFF_MASK ((uint64_t)0xff00ffffff)
#define AFF_LEVEL_MAX  3u

/* PSTATE of a vCPU that CPU_ON starts: D, A, I, F masked, EL1 using SP_EL1. */
#define PSTATE_DAIF (0xfu << 6)
#define PSTATE_EL1H 0x5u

uint64_t arm64_vcpu_mpidr(unsigned index)
{
	return (uint64_t)(index & 0xfu) | (uint64_t)((index >> 4) & 0xffu) << 8 |
	       (uint64_t)((index >> 12) & 0xffu) << 16;
}

int arm64_mpidr_to_vcpu(uint64_t mpidr, unsigned cpus)
{
	uint64_t index;

	if (mpidr & ~MPIDR_AFF_MASK)
		return -SVMM_EINVAL;
	index = (mpidr & 0xf) | ((mpidr >> 8) & 0xff) << 4 | ((mpidr >> 16) & 0xff) << 12;
	/* The round trip rejects what the mapping never produces: Aff0 >= 16, any Aff3. */
	if (index >= cpus || arm64_vcpu_mpidr((unsigned)index) != mpidr)
		return -SVMM_EINVAL;
	return (int)index;
}

void arm64_psci_entry_regs(struct arm64_regs *regs, uint64_t entry, uint64_t context_id)
{
	memset(regs, 0, sizeof(*regs));
	regs->x[0] = context_id;
	regs->pc = entry;
	regs->pstate = PSTATE_DAIF | PSTATE_EL1H;
}

/* Whether the guest may call `fn` with these ops: dispatch and PSCI_FEATURES agree by sharing it.
 */
static bool implemented(const struct arm64_psci_ops *ops, uint32_t fn)
{
	switch (fn) {
	case ARM64_PSCI_VERSION:
	case ARM64_PSCI_FEATURES:
	case ARM64_PSCI_CPU_SUSPEND:
	case ARM64_PSCI_CPU_SUSPEND64:
	case ARM64_PSCI_MIGRATE_INFO_TYPE:
	case ARM64_SMCCC_VERSION:
	case ARM64_SMCCC_ARCH_FEATURES:
		return true;
	case ARM64_PSCI_CPU_ON:
	case ARM64_PSCI_CPU_ON64:
		return ops->cpu_on != NULL;
	case ARM64_PSCI_CPU_OFF:
		return ops->cpu_off != NULL;
	case ARM64_PSCI_AFFINITY_INFO:
	case ARM64_PSCI_AFFINITY_INFO64:
		return ops->cpu_state != NULL;
	case ARM64_PSCI_SYSTEM_OFF:
		return ops->system_off != NULL;
	case ARM64_PSCI_SYSTEM_RESET:
		return ops->system_reset != NULL;
	default:
		return false;
	}
}

static int features(const struct arm64_psci_ops *ops, uint32_t fn)
{
	/*
	 * SMCCC_ARCH_FEATURES is discovered through SMCCC_VERSION, not through
	 * PSCI_FEATURES; answering only for PSCI's own IDs and SMCCC_VERSION
	 * (which Linux probes this way) keeps to DEN0022.
	 */
	if (fn == ARM64_SMCCC_ARCH_FEATURES || !implemented(ops, fn))
		return ARM64_PSCI_NOT_SUPPORTED;
	/* CPU_SUSPEND's feature flags: original power_state format, platform-coordinated only. */
	return ARM64_PSCI_SUCCESS;
}

static int cpu_on(const struct arm64_psci_ops *ops, unsigned caller, uint64_t target_mpidr,
		  uint64_t entry, uint64_t context_id)
{
	int target = arm64_mpidr_to_vcpu(target_mpidr, ops->cpus);
	int ret;

	if (target < 0)
		return ARM64_PSCI_INVALID_PARAMETERS;
	/* The caller is running, so it is on; the backend need not be asked. */
	if ((unsigned)target == caller)
		return ARM64_PSCI_ALREADY_ON;
	ret = ops->cpu_on(ops->ctx, caller, (unsigned)target, entry, context_id);
	switch (ret) {
	case ARM64_PSCI_SUCCESS:
	case ARM64_PSCI_INVALID_PARAMETERS:
	case ARM64_PSCI_INVALID_ADDRESS:
	case ARM64_PSCI_ALREADY_ON:
	case ARM64_PSCI_ON_PENDING:
	case ARM64_PSCI_INTERNAL_FAILURE:
		return ret;
	default:
		/* A code CPU_ON may not return would mislead the guest's driver. */
		return ARM64_PSCI_INTERNAL_FAILURE;
	}
}

/* The affinity bits at `level` and above: lower levels are ignored (DEN0022 AFFINITY_INFO). */
static uint64_t affinity_mask(unsigned level)
{
	static const uint64_t masks[AFF_LEVEL_MAX + 1] = {
	    MPIDR_AFF_MASK,
	    MPIDR_AFF_MASK & ~(uint64_t)0xff,
	    MPIDR_AFF_MASK & ~(uint64_t)0xffff,
	    MPIDR_AFF_MASK & ~(uint64_t)0xffffff,
	};

	return masks[level];
}

/*
 * The state of the affinity instance `target` names at `level`: ON if any
 * vCPU in it is on, else ON_PENDING if any is being started, else OFF.
 */
static int affinity_info(const struct arm64_psci_ops *ops, uint64_t target, uint64_t level)
{
	bool found = false, pending = false;
	uint64_t mask;

	if (level > AFF_LEVEL_MAX || (target & ~MPIDR_AFF_MASK))
		return ARM64_PSCI_INVALID_PARAMETERS;
	mask = affinity_mask((unsigned)level);
	target &= mask;
	for (unsigned i = 0; i < ops->cpus; i++) {
		if ((arm64_vcpu_mpidr(i) & mask) != target)
			continue;
		found = true;
		switch (ops->cpu_state(ops->ctx, i)) {
		case ARM64_PSCI_STATE_ON:
			return ARM64_PSCI_STATE_ON;
		case ARM64_PSCI_STATE_ON_PENDING:
			pending = true;
			break;
		case ARM64_PSCI_STATE_OFF:
			break;
		default:
			return ARM64_PSCI_INTERNAL_FAILURE;
		}
	}
	if (!found)
		return ARM64_PSCI_INVALID_PARAMETERS;
	return pending ? ARM64_PSCI_STATE_ON_PENDING : ARM64_PSCI_STATE_OFF;
}

static int dispatch(const struct arm64_psci_ops *ops, unsigned vcpu, uint32_t fn,
		    const uint64_t arg[3])
{
	switch (fn) {
	case ARM64_PSCI_VERSION:
		return (int)ARM64_PSCI_VERSION_1_1;
	case ARM64_PSCI_FEATURES:
		return features(ops, (uint32_t)arg[0]);
	case ARM64_PSCI_CPU_SUSPEND:
	case ARM64_PSCI_CPU_SUSPEND64:
		if (ops->cpu_suspend != NULL)
			ops->cpu_suspend(ops->ctx, vcpu);
		return ARM64_PSCI_SUCCESS;
	case ARM64_PSCI_CPU_OFF:
		return ops->cpu_off(ops->ctx, vcpu) == ARM64_PSCI_SUCCESS ? ARM64_PSCI_SUCCESS
									  : ARM64_PSCI_DENIED;
	case ARM64_PSCI_CPU_ON:
	case ARM64_PSCI_CPU_ON64:
		return cpu_on(ops, vcpu, arg[0], arg[1], arg[2]);
	case ARM64_PSCI_AFFINITY_INFO:
	case ARM64_PSCI_AFFINITY_INFO64:
		return affinity_info(ops, arg[0], arg[1]);
	case ARM64_PSCI_MIGRATE_INFO_TYPE:
		return ARM64_PSCI_TOS_NOT_PRESENT_MP;
	case ARM64_PSCI_SYSTEM_OFF:
		ops->system_off(ops->ctx);
		return ARM64_PSCI_SUCCESS;
	case ARM64_PSCI_SYSTEM_RESET:
		ops->system_reset(ops->ctx);
		return ARM64_PSCI_SUCCESS;
	case ARM64_SMCCC_VERSION:
		return (int)ARM64_SMCCC_VERSION_1_1;
	case ARM64_SMCCC_ARCH_FEATURES:
	default:
		return ARM64_PSCI_NOT_SUPPORTED;
	}
}

uint64_t arm64_psci_call(const struct arm64_psci_ops *ops, unsigned vcpu, const uint64_t args[4])
{
	/* SMCCC passes the function ID in W0. */
	uint32_t fn = (uint32_t)args[0];
	uint64_t arg[3];

	for (unsigned i = 0; i < 3; i++)
		arg[i] = fn & FN_64BIT ? args[i + 1] : (uint32_t)args[i + 1];
	if (!implemented(ops, fn))
		return (uint64_t)(int64_t)ARM64_PSCI_NOT_SUPPORTED;
	/* Sign-extend: a 64-bit caller reads -1 as all-ones, a 32-bit one sees W0 the same. */
	return (uint64_t)(int64_t)dispatch(ops, vcpu, fn, arg);
}
