/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every exit of a vCPU reaches svmm as a fault message from its child:
 *
 *   VMFault          a guest access outside its mapped RAM and GIC CPU
 *                    interface: arch/aarch64 decodes the syndrome, the bus
 *                    dispatches (vGIC distributor, PL011, virtio-mmio), the
 *                    registers go back with the PC past the instruction. An
 *                    access without a syndrome (LDP, write-back, DC ZVA) is
 *                    decoded from the instruction (arch/aarch64/nisv.h); one
 *                    that cannot be emulated, and an instruction fetch from
 *                    an address with no RAM, become a synchronous external
 *                    abort in the guest (hyp/sel4/guest_faults.h), as on KVM.
 *   VCPUFault        ESR_EL2 of a trapped WFI (skipped, and the vCPU parked
 *                    until an interrupt is due for it: hyp/sel4/idle.h) or
 *                    WFE (skipped: a spinning lock's wait), SMC (PSCI: the guest's device
 *                    tree says method "smc", because seL4 takes a guest's HVC
 *                    as a system call), MSR/MRS (reads 0, writes ignored).
 *   VGICMaintenance  a list register was EOI'd: vgic_maintenance().
 *   VPPIEvent        the virtual timer fired: vgic_inject_ppi(); the vGIC's
 *                    eoi op acknowledges it (seL4_ARM_VCPU_AckVPPI).
 *   UnknownSyscall   a guest HVC (PSCI is by SMC here): SMCCC NOT_SUPPORTED
 *                    in x0 and the PC past it, as KVM answers unknown calls.
 *   anything else    logged, and the VM stops (HYP_STOP_ERROR); other VMs,
 *                    each with its own svmm, are not touched.
 *
 * A virtio QueueNotify is a VMFault like any other register write: seL4 has
 * no doorbells, and the device serves the queue from it.
 */
#include "arch/aarch64/syndrome.h"
#include "core/errors.h"
#include "hyp/sel4/guest_faults.h"
#include "hyp/sel4/hyp_sel4.h"
#include "hyp/sel4/idle.h"
#include "hyp/sel4/sel4_vm.h"

/* ESR_EL2.ISS of a trapped WFx: bit 0 set for WFE, clear for WFI. */
#define ESR_WFX_TI_WFE 1u

static bool reply(microkit_msginfo *reply_msginfo)
{
	*reply_msginfo = seL4_MessageInfo_new(0, 0, 0, 0);
	return true;
}

/*
 * Ends a fault: resume the vCPU (reply) unless it is to stop, in which case
 * it is suspended and left without a reply.
 */
static bool finish(struct hyp_vm *hyp, unsigned vcpu, microkit_msginfo *reply_msginfo)
{
	if (hyp->state[vcpu] == VCPU_STOPPING) {
		seL4_TCB_Suspend(BASE_VM_TCB_CAP + vcpu);
		hyp->state[vcpu] = VCPU_OFF;
	}
	if (hyp->state[vcpu] != VCPU_ON)
		return false;
	return reply(reply_msginfo);
}

/* A fault svmm cannot handle (already logged): this VM stops, and only this one. */
static bool fatal(struct hyp_vm *hyp, unsigned vcpu, microkit_msginfo *reply_msginfo)
{
	(void)reply_msginfo;
	log_message(&hyp->params.vm->log, LOG_ERROR, "vCPU %u cannot go on: the VM stops", vcpu);
	sel4_stop_vm(hyp, HYP_STOP_ERROR);
	return false;
}

/* One access of an instruction without a syndrome, dispatched as vm_fault() does. */
static int nisv_access(void *ctx, struct access *acc)
{
	struct hyp_vm *hyp = ctx;
	int err;

	vm_lock_devices(hyp->params.vm);
	err = bus_dispatch(&hyp->params.vm->mmio, acc);
	vm_unlock_devices(hyp->params.vm);
	if (err < 0 && !acc->is_write)
		acc->value = 0;
	return 0;
}

/* A data abort arm64_decode_data_abort() refused (err): skipped, emulated or aborted. */
static int undecoded_access(struct hyp_vm *hyp, unsigned vcpu, int err, uint64_t addr, uint64_t fsr,
			    const struct arm64_abort_info *info, struct arm64_regs *regs)
{
	/* Cache maintenance by VA on a device does nothing there: skipped, as on KVM. */
	if (err == -SVMM_ENOTSUP && info->cache_maintenance) {
		arm64_skip_instruction(regs, arm64_esr_il32(fsr));
		return 0;
	}
	if (err == -SVMM_ENOTSUP &&
	    sel4_emulate_nisv(vcpu, addr, info->is_write, &hyp->params.vm->mem, nisv_access, hyp,
			      regs) == 0)
		return 0;
	log_limited(&hyp->params.vm->log, &hyp->unhandled_log, LOG_WARN,
		    "vCPU %u: access to 0x%llx at pc 0x%llx cannot be emulated "
		    "(syndrome 0x%llx); the guest gets an external abort",
		    vcpu, (unsigned long long)addr, (unsigned long long)regs->pc,
		    (unsigned long long)fsr);
	/* seL4 reports the IPA only: FAR_EL1 is marked not valid (FnV). */
	return sel4_inject_abort(vcpu, ARM64_ABORT_DATA, 0, false, regs);
}

static bool vm_fault(struct hyp_vm *hyp, unsigned vcpu, microkit_msginfo *reply_msginfo)
{
	uint64_t ip = seL4_GetMR(seL4_VMFault_IP);
	uint64_t addr = seL4_GetMR(seL4_VMFault_Addr);
	uint64_t fsr = seL4_GetMR(seL4_VMFault_FSR);
	bool prefetch = seL4_GetMR(seL4_VMFault_PrefetchFault) != 0;
	struct arm64_regs regs;
	struct arm64_abort_info info;
	struct access acc;
	int err;

	if (sel4_read_regs(vcpu, &regs) < 0)
		return fatal(hyp, vcpu, reply_msginfo);
	if (prefetch) {
		/* A fetch from no RAM: the guest's kernel handles the abort, as on KVM. */
		log_limited(&hyp->params.vm->log, &hyp->fault_log, LOG_WARN,
			    "vCPU %u: instruction fetch at 0x%llx (IPA 0x%llx) from no RAM; "
			    "the guest gets an instruction abort",
			    vcpu, (unsigned long long)ip, (unsigned long long)addr);
		if (sel4_inject_abort(vcpu, ARM64_ABORT_INSTRUCTION, ip, true, &regs) < 0)
			return fatal(hyp, vcpu, reply_msginfo);
	} else if ((err = arm64_decode_data_abort(fsr, addr, vcpu, &regs, &acc, &info)) < 0) {
		if (undecoded_access(hyp, vcpu, err, addr, fsr, &info, &regs) < 0)
			return fatal(hyp, vcpu, reply_msginfo);
	} else {
		vm_lock_devices(hyp->params.vm);
		err = bus_dispatch(&hyp->params.vm->mmio, &acc);
		vm_unlock_devices(hyp->params.vm);
		if (err == -SVMM_ENOENT)
			log_limited(&hyp->params.vm->log, &hyp->unhandled_log, LOG_WARN,
				    "vCPU %u: %s of %u bytes at 0x%llx: no device there", vcpu,
				    acc.is_write ? "write" : "read", acc.size,
				    (unsigned long long)acc.gpa);
		if (err < 0 && !acc.is_write)
			acc.value = 0;
		arm64_complete_data_abort(&info, &acc, &regs);
	}
	if (sel4_write_regs(vcpu, &regs, false) < 0)
		return fatal(hyp, vcpu, reply_msginfo);
	return finish(hyp, vcpu, reply_msginfo);
}

/*
 * A guest HVC reaches svmm as an unknown system call (seL4 keeps HVC for
 * itself), with the PC on the HVC. The guest's device tree says PSCI is by
 * SMC, so no HVC is a call svmm serves: SMCCC NOT_SUPPORTED, as KVM
 * answers a call it does not know.
 */
static bool hvc_call(struct hyp_vm *hyp, unsigned vcpu, microkit_msginfo *reply_msginfo)
{
	struct arm64_regs regs;

	if (sel4_read_regs(vcpu, &regs) < 0)
		return fatal(hyp, vcpu, reply_msginfo);
	regs.x[0] = (uint64_t)(int64_t)ARM64_PSCI_NOT_SUPPORTED;
	arm64_skip_instruction(&regs, true);
	if (sel4_write_regs(vcpu, &regs, false) < 0)
		return fatal(hyp, vcpu, reply_msginfo);
	return finish(hyp, vcpu, reply_msginfo);
}

static void smc_call(struct hyp_vm *hyp, unsigned vcpu, uint64_t esr, struct arm64_regs *regs)
{
	struct arm64_call call;
	uint64_t args[4] = {regs->x[0], regs->x[1], regs->x[2], regs->x[3]};

	if (arm64_decode_call(esr, &call) < 0) {
		regs->x[0] = (uint64_t)(int64_t)ARM64_PSCI_NOT_SUPPORTED;
		arm64_skip_instruction(regs, arm64_esr_il32(esr));
		return;
	}
	if (call.imm != 0)
		regs->x[0] = (uint64_t)(int64_t)ARM64_PSCI_NOT_SUPPORTED;
	else
		regs->x[0] = arm64_psci_call(&hyp->psci, vcpu, args);
	if (call.skip)
		arm64_skip_instruction(regs, arm64_esr_il32(esr));
}

static void sysreg_access(struct hyp_vm *hyp, unsigned vcpu, uint64_t esr, struct arm64_regs *regs)
{
	struct arm64_sysreg_access sr;

	if (arm64_decode_sysreg(esr, &sr) == 0) {
		log_limited(&hyp->params.vm->log, &hyp->sysreg_log, LOG_WARN,
			    "vCPU %u: %s of system register S%u_%u_C%u_C%u_%u at pc 0x%llx: "
			    "not emulated (reads 0)",
			    vcpu, sr.is_read ? "read" : "write", sr.op0, sr.op1, sr.crn, sr.crm,
			    sr.op2, (unsigned long long)regs->pc);
		if (sr.is_read)
			arm64_reg_set(regs, sr.reg, 0);
	}
	arm64_skip_instruction(regs, arm64_esr_il32(esr));
}

static bool vcpu_fault(struct hyp_vm *hyp, unsigned vcpu, microkit_msginfo *reply_msginfo)
{
	uint64_t esr = seL4_GetMR(seL4_VCPUFault_HSR);
	struct arm64_regs regs;
	bool wfi = false;

	if (sel4_read_regs(vcpu, &regs) < 0)
		return fatal(hyp, vcpu, reply_msginfo);
	switch ((unsigned)arm64_esr_class(esr)) {
	case ARM64_EC_WFX:
		arm64_skip_instruction(&regs, arm64_esr_il32(esr));
		wfi = (esr & ESR_WFX_TI_WFE) == 0;
		break;
	case ARM64_EC_SMC64:
	case ARM64_EC_HVC64:
		smc_call(hyp, vcpu, esr, &regs);
		break;
	case ARM64_EC_SYS64:
		sysreg_access(hyp, vcpu, esr, &regs);
		break;
	default:
		log_message(&hyp->params.vm->log, LOG_ERROR,
			    "vCPU %u: unexpected exception class 0x%x (ESR 0x%llx) at pc 0x%llx",
			    vcpu, (unsigned)arm64_esr_class(esr), (unsigned long long)esr,
			    (unsigned long long)regs.pc);
		return fatal(hyp, vcpu, reply_msginfo);
	}
	if (hyp->state[vcpu] == VCPU_ON && sel4_write_regs(vcpu, &regs, false) < 0)
		return fatal(hyp, vcpu, reply_msginfo);
	/* Parked: no reply; sel4_idle_wake() or the timer resumes it past the WFI. */
	if (wfi && hyp->state[vcpu] == VCPU_ON && sel4_idle_park(hyp, vcpu))
		return false;
	return finish(hyp, vcpu, reply_msginfo);
}

bool hyp_sel4_fault(struct hyp_vm *hyp, microkit_child child, microkit_msginfo msginfo,
		    microkit_msginfo *reply_msginfo)
{
	unsigned vcpu = child;
	seL4_Word label = microkit_msginfo_get_label(msginfo);

	if (vcpu >= hyp->params.cpus || hyp->state[vcpu] != VCPU_ON) {
		log_message(&hyp->params.vm->log, LOG_ERROR, "fault %llu from unknown child %u",
			    (unsigned long long)label, child);
		return false;
	}
	switch (label) {
	case seL4_Fault_VMFault:
		return vm_fault(hyp, vcpu, reply_msginfo);
	case seL4_Fault_VCPUFault:
		return vcpu_fault(hyp, vcpu, reply_msginfo);
	case seL4_Fault_VGICMaintenance: {
		seL4_Word lr = seL4_GetMR(seL4_VGICMaintenance_IDX);

		/* Without a valid index (the kernel sends -1) there is nothing to do. */
		if (lr < SEL4_VGIC_LRS) {
			vm_lock_devices(hyp->params.vm);
			vgic_maintenance(&hyp->vgic, vcpu, (unsigned)lr);
			vm_unlock_devices(hyp->params.vm);
		}
		return finish(hyp, vcpu, reply_msginfo);
	}
	case seL4_Fault_VPPIEvent: {
		seL4_Word irq = seL4_GetMR(seL4_VPPIEvent_IRQ);
		int err;

		vm_lock_devices(hyp->params.vm);
		err = vgic_inject_ppi(&hyp->vgic, vcpu, (unsigned)irq);
		vm_unlock_devices(hyp->params.vm);
		if (err < 0) {
			log_limited(&hyp->params.vm->log, &hyp->fault_log, LOG_WARN,
				    "vCPU %u: PPI %llu dropped", vcpu, (unsigned long long)irq);
			seL4_ARM_VCPU_AckVPPI(BASE_VCPU_CAP + vcpu, irq);
		}
		return finish(hyp, vcpu, reply_msginfo);
	}
	case seL4_Fault_UnknownSyscall:
		return hvc_call(hyp, vcpu, reply_msginfo);
	case seL4_Fault_UserException:
		log_message(&hyp->params.vm->log, LOG_ERROR, "vCPU %u: user exception at pc 0x%llx",
			    vcpu, (unsigned long long)seL4_GetMR(seL4_UserException_FaultIP));
		return fatal(hyp, vcpu, reply_msginfo);
	default:
		log_message(&hyp->params.vm->log, LOG_ERROR, "vCPU %u: unexpected fault %llu", vcpu,
			    (unsigned long long)label);
		return fatal(hyp, vcpu, reply_msginfo);
	}
}
