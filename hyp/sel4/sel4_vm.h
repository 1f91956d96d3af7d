/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the seL4 backend: one VM's state, shared by hyp_sel4.c and fault.c. */
#ifndef SVMM_HYP_SEL4_SEL4_VM_H
#define SVMM_HYP_SEL4_SEL4_VM_H

#include <stdbool.h>

#include <microkit.h>

#include "arch/aarch64/boot.h"
#include "arch/aarch64/psci.h"
#include "arch/aarch64/vgic.h"
#include "core/log.h"
#include "hyp/hyp.h"

#define SEL4_VGIC_IRQS 64 /* INTIDs the distributor offers: SGIs, PPIs and SPIs 0..31 */
#define SEL4_VGIC_LRS  4  /* list registers of QEMU's GICv2 virtual interface */

enum vcpu_state {
	VCPU_OFF,
	VCPU_ON,
	VCPU_STOPPING, /* CPU_OFF or a fatal fault: do not reply, suspend it */
};

struct hyp_vm {
	struct hyp_vm_params params;
	struct vgic vgic;
	struct arm64_psci_ops psci;
	enum vcpu_state state[VGIC_MAX_CPUS];
	bool park_wfi;			 /* svmm may park vCPUs (hyp/sel4/idle.h) */
	bool parked[VGIC_MAX_CPUS];	 /* blocked in WFI, until wake_at or an interrupt */
	uint64_t wake_at[VGIC_MAX_CPUS]; /* its virtual timer's deadline, physical counts */
	/* The timeout the timer PD holds for svmm, physical counts; 0: none (a new VM's). */
	uint64_t alarm_at;
	bool in_use;
	bool stopping;
	enum hyp_stop_reason stop_reason; /* valid while stopping */
	struct log_ratelimit unhandled_log, sysreg_log, fault_log;
};

/* The vCPU's general registers, and writing them back (`resume`: make it run). */
int sel4_read_regs(unsigned vcpu, struct arm64_regs *regs);
int sel4_write_regs(unsigned vcpu, const struct arm64_regs *regs, bool resume);

/* Starts vCPU `vcpu` at `regs` with the system state of a CPU out of reset. */
int sel4_start_vcpu(struct hyp_vm *hyp, unsigned vcpu, const struct arm64_regs *regs);

/* Stops every vCPU and tells the VM's owner why (the first reason wins). */
void sel4_stop_vm(struct hyp_vm *hyp, enum hyp_stop_reason reason);

#endif
