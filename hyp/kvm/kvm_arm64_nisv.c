/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Data aborts on emulated devices that carry no instruction syndrome
 * (ISV = 0: LDP/STP, write-back addressing, DC ZVA ...). Without
 * KVM_CAP_ARM_NISV_TO_USER, KVM_RUN fails with ENOSYS on them and the VM
 * is lost; with it, KVM hands them over as KVM_EXIT_ARM_NISV with the
 * faulting IPA and the syndrome. svmm then reads the vCPU's registers and
 * its EL1 translation registers, and arch/aarch64/nisv.c fetches, decodes
 * and emulates the instruction on the MMIO bus. What it cannot emulate
 * becomes a synchronous external abort in the guest (KVM_SET_VCPU_EVENTS,
 * ext_dabt_pending: KVM takes the exception with the fault's own FAR), so
 * the guest sees the fault a real bus would give; the VM keeps running.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/aarch64/nisv.h"
#include "core/bus.h"
#include "core/errors.h"
#include "hyp/kvm/kvm_internal.h"

#define CORE_REG(field)                                                                            \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                                     \
	 (offsetof(struct kvm_regs, field) / sizeof(__u32)))

#define ESR_ISS_WNR	 (1u << 6)
#define PSTATE_MODE_MASK 0xfull
#define PSTATE_EL1H	 0x5ull
#define DCZID_BS_MASK	 0xfu
#define DCZID_DZP	 (1u << 4)

int kvm_arch_init_vm(struct hyp_vm *hyp, char *why, unsigned why_len)
{
	struct kvm_enable_cap cap = {.cap = KVM_CAP_ARM_NISV_TO_USER};

	(void)why;
	(void)why_len;
	/* Both came with Linux 5.5; without them a no-syndrome abort still stops the VM. */
	if (ioctl(hyp->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_INJECT_EXT_DABT) <= 0 ||
	    ioctl(hyp->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_NISV_TO_USER) <= 0 ||
	    ioctl(hyp->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		log_message(&hyp->params.vm->log, LOG_WARN,
			    "KVM cannot hand over MMIO instructions without a syndrome: a guest "
			    "using one on a device will stop");
	return 0;
}

static int get_reg(int fd, uint64_t id, uint64_t *value)
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)value};

	return ioctl(fd, KVM_GET_ONE_REG, &reg) < 0 ? -errno : 0;
}

static int set_reg(int fd, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = {.id = id, .addr = (uintptr_t)&value};

	return ioctl(fd, KVM_SET_ONE_REG, &reg) < 0 ? -errno : 0;
}

/* The stack pointer the guest's current mode uses: SP_EL1 in EL1h, else SP_EL0. */
static uint64_t sp_reg_id(uint64_t pstate)
{
	return (pstate & PSTATE_MODE_MASK) == PSTATE_EL1H ? CORE_REG(sp_el1) : CORE_REG(regs.sp);
}

static int read_state(int fd, struct arm64_regs *regs, struct arm64_mmu_regs *mmu)
{
	int err = 0;

	for (unsigned i = 0; i < 31 && err == 0; i++)
		err = get_reg(fd, CORE_REG(regs.regs[i]), &regs->x[i]);
	if (err == 0)
		err = get_reg(fd, CORE_REG(regs.pc), &regs->pc);
	if (err == 0)
		err = get_reg(fd, CORE_REG(regs.pstate), &regs->pstate);
	if (err == 0)
		err = get_reg(fd, sp_reg_id(regs->pstate), &regs->sp);
	if (err == 0)
		err = get_reg(fd, ARM64_SYS_REG(3, 0, 1, 0, 0), &mmu->sctlr);
	if (err == 0)
		err = get_reg(fd, ARM64_SYS_REG(3, 0, 2, 0, 2), &mmu->tcr);
	if (err == 0)
		err = get_reg(fd, ARM64_SYS_REG(3, 0, 2, 0, 0), &mmu->ttbr0);
	if (err == 0)
		err = get_reg(fd, ARM64_SYS_REG(3, 0, 2, 0, 1), &mmu->ttbr1);
	return err;
}

/* Writes back what the emulation changed: loaded registers, the base, SP, the PC. */
static int write_state(int fd, const struct arm64_regs *old, const struct arm64_regs *regs)
{
	int err = 0;

	for (unsigned i = 0; i < 31 && err == 0; i++)
		if (regs->x[i] != old->x[i])
			err = set_reg(fd, CORE_REG(regs.regs[i]), regs->x[i]);
	if (err == 0 && regs->sp != old->sp)
		err = set_reg(fd, sp_reg_id(regs->pstate), regs->sp);
	if (err == 0)
		err = set_reg(fd, CORE_REG(regs.pc), regs->pc);
	return err;
}

/* The guest sees the host CPU's DCZID_EL0 (KVM does not trap it). */
static unsigned zva_block_size(void)
{
	uint64_t dczid;

	__asm__("mrs %0, dczid_el0" : "=r"(dczid));
	/* DC ZVA is UNDEFINED for the guest then: it cannot have been one. */
	if (dczid & DCZID_DZP)
		return 0;
	return 4u << (dczid & DCZID_BS_MASK);
}

/* One access of the instruction, as an MMIO exit would deliver it. */
static int nisv_access(void *ctx, struct access *acc)
{
	struct hyp_vm *hyp = ctx;
	struct vm *vm = hyp->params.vm;
	int err;

	vm_lock_devices(vm);
	err = bus_dispatch(&vm->mmio, acc);
	vm_unlock_devices(vm);
	if (err < 0) {
		log_limited(&vm->log, &hyp->unhandled_mmio_log, LOG_WARN,
			    "vCPU %u: %u-byte %s at 0x%llx: %s (ignored)", acc->vcpu, acc->size,
			    acc->is_write ? "write" : "read", (unsigned long long)acc->gpa,
			    svmm_strerror(err));
		/* A read nobody answers returns zero, as for an access with a syndrome. */
		if (!acc->is_write)
			acc->value = 0;
	}
	return 0;
}

bool kvm_arch_handle_nisv(struct kvm_vcpu *vcpu)
{
	struct hyp_vm *hyp = vcpu->hyp;
	const struct log_sink *log = &hyp->params.vm->log;
	struct arm64_nisv_fault fault = {
	    .vcpu = vcpu->index,
	    .ipa = vcpu->run->arm_nisv.fault_ipa,
	    .is_write = (vcpu->run->arm_nisv.esr_iss & ESR_ISS_WNR) != 0,
	    .zva_block = zva_block_size(),
	};
	struct arm64_regs regs = {0}, old = {0};
	struct arm64_mmu_regs mmu;
	struct kvm_vcpu_events events;
	uint32_t insn = 0;
	int err = read_state(vcpu->fd, &regs, &mmu);

	if (err == 0) {
		old = regs;
		err = arm64_nisv_emulate(&fault, &mmu, &hyp->params.vm->mem, nisv_access, hyp,
					 &regs, NULL, &insn);
		if (err == 0 && write_state(vcpu->fd, &old, &regs) == 0)
			return true;
	}
	log_limited(log, &hyp->nisv_log, LOG_WARN,
		    "vCPU %u: instruction 0x%08x at pc 0x%llx on 0x%llx cannot be emulated (%s); "
		    "the guest gets an external abort",
		    vcpu->index, insn, (unsigned long long)old.pc, (unsigned long long)fault.ipa,
		    svmm_strerror(err));
	memset(&events, 0, sizeof(events));
	events.exception.ext_dabt_pending = 1;
	if (ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &events) == 0)
		return true;
	log_message(log, LOG_ERROR, "vCPU %u: cannot inject an external abort: %s", vcpu->index,
		    strerror(errno));
	kvm_vm_stop(hyp, HYP_STOP_ERROR);
	return false;
}
