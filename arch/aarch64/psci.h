/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PSCI (Arm DEN0022) and the SMCCC discovery calls (Arm DEN0028) for a
 * guest whose HVC or SMC traps to svmm: the seL4 backend, and the KVM one
 * should PSCI ever be handled in user space. The hypervisor backend decodes
 * the trap (arm64_decode_call), hands x0..x3 to arm64_psci_call() and puts
 * the result in x0; starting and stopping vCPUs it does through ops.
 *
 * What a guest finds:
 *   PSCI_VERSION     1.1. Every function 1.1 makes mandatory is here
 *                    (PSCI_VERSION, CPU_SUSPEND, CPU_OFF, CPU_ON,
 *                    AFFINITY_INFO, SYSTEM_OFF, SYSTEM_RESET, PSCI_FEATURES)
 *                    and none of the optional ones except
 *                    MIGRATE_INFO_TYPE, which answers 2: no Trusted OS that
 *                    needs migrating. 1.1 adds only optional functions to
 *                    1.0, so both would be honest; 1.1 is what KVM reports.
 *   PSCI_FEATURES    0 for each function above (CPU_SUSPEND: original
 *                    power_state format, no OS-initiated mode) and for
 *                    SMCCC_VERSION; NOT_SUPPORTED for anything else.
 *   CPU_SUSPEND      a WFI: ops->cpu_suspend parks the vCPU until an
 *                    interrupt, and the call returns SUCCESS with registers
 *                    intact. DEN0022 lets a power-down request behave so,
 *                    and KVM does the same. Without the op the call returns
 *                    at once, which a guest must accept as an early wake-up.
 *   SMCCC_VERSION    1.1, so that Linux may use SMCCC_ARCH_FEATURES;
 *   SMCCC_ARCH_FEATURES  NOT_SUPPORTED for every query: svmm implements
 *                    no SMCCC_ARCH_WORKAROUND_n (firmware mitigations
 *                    belong to the kernel that owns the hardware), and
 *                    saying so is the truthful answer; a guest then reports
 *                    what its CPU's own identity implies.
 *   anything else    NOT_SUPPORTED (-1, as 64-bit all-ones).
 *
 * The function ID is W0: the upper half of x0 is ignored. A 32-bit
 * (SMC32/HVC32 convention) function uses only the low 32 bits of x1..x3.
 * Results are sign-extended to 64 bits whatever the convention, as KVM
 * does; a 32-bit caller reads W0 only.
 */
#ifndef SVMM_ARCH_AARCH64_PSCI_H
#define SVMM_ARCH_AARCH64_PSCI_H

#include <stdint.h>

#include "arch/aarch64/syndrome.h"

/* Function IDs: bit 30 set is the 64-bit (SMC64) convention of the same function. */
#define ARM64_PSCI_VERSION		 0x84000000u
#define ARM64_PSCI_CPU_SUSPEND		 0x84000001u
#define ARM64_PSCI_CPU_SUSPEND64	 0xc4000001u
#define ARM64_PSCI_CPU_OFF		 0x84000002u
#define ARM64_PSCI_CPU_ON		 0x84000003u
#define ARM64_PSCI_CPU_ON64		 0xc4000003u
#define ARM64_PSCI_AFFINITY_INFO	 0x84000004u
#define ARM64_PSCI_AFFINITY_INFO64	 0xc4000004u
#define ARM64_PSCI_MIGRATE		 0x84000005u
#define ARM64_PSCI_MIGRATE64		 0xc4000005u
#define ARM64_PSCI_MIGRATE_INFO_TYPE	 0x84000006u
#define ARM64_PSCI_MIGRATE_INFO_UP_CPU	 0x84000007u
#define ARM64_PSCI_MIGRATE_INFO_UP_CPU64 0xc4000007u
#define ARM64_PSCI_SYSTEM_OFF		 0x84000008u
#define ARM64_PSCI_SYSTEM_RESET		 0x84000009u
#define ARM64_PSCI_FEATURES		 0x8400000au
#define ARM64_PSCI_SYSTEM_SUSPEND	 0x8400000eu
#define ARM64_PSCI_SYSTEM_SUSPEND64	 0xc400000eu
#define ARM64_PSCI_SYSTEM_RESET2	 0x84000012u
#define ARM64_PSCI_SYSTEM_RESET2_64	 0xc4000012u
#define ARM64_SMCCC_VERSION		 0x80000000u
#define ARM64_SMCCC_ARCH_FEATURES	 0x80000001u
#define ARM64_SMCCC_ARCH_WORKAROUND_1	 0x80008000u

/* PSCI_VERSION and SMCCC_VERSION: major << 16 | minor. */
#define ARM64_PSCI_VERSION_1_1	0x10001u
#define ARM64_SMCCC_VERSION_1_1 0x10001u

/* MIGRATE_INFO_TYPE: a Trusted OS is not present or needs no migration. */
#define ARM64_PSCI_TOS_NOT_PRESENT_MP 2

/* Return codes (DEN0022 table "Return error codes"). */
#define ARM64_PSCI_SUCCESS	      0
#define ARM64_PSCI_NOT_SUPPORTED      (-1)
#define ARM64_PSCI_INVALID_PARAMETERS (-2)
#define ARM64_PSCI_DENIED	      (-3)
#define ARM64_PSCI_ALREADY_ON	      (-4)
#define ARM64_PSCI_ON_PENDING	      (-5)
#define ARM64_PSCI_INTERNAL_FAILURE   (-6)
#define ARM64_PSCI_NOT_PRESENT	      (-7)
#define ARM64_PSCI_DISABLED	      (-8)
#define ARM64_PSCI_INVALID_ADDRESS    (-9)

/* AFFINITY_INFO answers, and what ops->cpu_state reports for one vCPU. */
enum arm64_psci_cpu_state {
	ARM64_PSCI_STATE_ON = 0,
	ARM64_PSCI_STATE_OFF = 1,
	ARM64_PSCI_STATE_ON_PENDING = 2,
};

/*
 * The backend's side. vCPUs are named by index (0..cpus-1); this file does
 * the MPIDR translation and the argument checks, so ops only ever see
 * valid indices. A NULL op makes its function NOT_SUPPORTED (and
 * PSCI_FEATURES says so), except cpu_suspend, which is optional.
 */
struct arm64_psci_ops {
	unsigned cpus; /* vCPUs in the VM */
	/*
	 * Start vCPU `target` (never the caller) at `entry` with x0 =
	 * context_id (arm64_psci_entry_regs) and the MMU and caches off.
	 * Returns SUCCESS, ALREADY_ON, ON_PENDING, INVALID_ADDRESS (entry
	 * outside guest RAM) or INTERNAL_FAILURE; anything else is reported to
	 * the guest as INTERNAL_FAILURE.
	 */
	int (*cpu_on)(void *ctx, unsigned caller, unsigned target, uint64_t entry,
		      uint64_t context_id);
	/*
	 * Stop the calling vCPU. On SUCCESS the backend must not resume it
	 * (CPU_OFF does not return); DENIED is the only failure PSCI knows.
	 */
	int (*cpu_off)(void *ctx, unsigned vcpu);
	/* enum arm64_psci_cpu_state of one vCPU. */
	int (*cpu_state)(void *ctx, unsigned vcpu);
	/* Optional: park the vCPU until it has an interrupt pending, as WFI would. */
	void (*cpu_suspend)(void *ctx, unsigned vcpu);
	/* Power the VM off or reset it; the guest must not run on afterwards. */
	void (*system_off)(void *ctx);
	void (*system_reset)(void *ctx);
	void *ctx;
};

/*
 * Handles one call: args[0..3] are the caller's x0..x3. Returns the value
 * for x0 (x1..x3 stay as they were).
 */
uint64_t arm64_psci_call(const struct arm64_psci_ops *ops, unsigned vcpu, const uint64_t args[4]);

/*
 * The registers a vCPU that CPU_ON starts begins with: PC = entry, x0 =
 * context_id, every other register 0, PSTATE = EL1h with D, A, I and F
 * masked. (The backend also sets the system registers: SCTLR_EL1 with MMU
 * and caches off.)
 */
void arm64_psci_entry_regs(struct arm64_regs *regs, uint64_t entry, uint64_t context_id);

/*
 * The MPIDR affinity of vCPU `index`, the same as KVM gives it: Aff0 holds
 * 16 CPUs (the GICv3 SGI target list is 16 bits wide), the rest go up into
 * Aff1 and Aff2. The guest's device tree names each CPU by this value
 * (cpu node `reg`), and the seL4 backend programs VMPIDR_EL2 with it (plus
 * its RES1 bit 31). Defined for index < 2^20.
 */
uint64_t arm64_vcpu_mpidr(unsigned index);

/*
 * The vCPU index whose MPIDR affinity is `mpidr`, or -SVMM_EINVAL when no
 * vCPU of `cpus` has it (bits outside Aff0..Aff3 must be 0, as PSCI
 * requires of a target_cpu).
 */
int arm64_mpidr_to_vcpu(uint64_t mpidr, unsigned cpus);

#endif
