/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hyp/hyp.h on seL4: the guest is the protection domain's virtual machine,
 * its vCPUs the PD's children (vCPU i is Microkit child i, with TCB
 * BASE_VM_TCB_CAP + i and vCPU object BASE_VCPU_CAP + i). The guest's RAM
 * and the GIC's virtual CPU interface are mapped into it by the SDF; the GIC
 * distributor is svmm's emulation (arch/aarch64/vgic.c) with seL4's list
 * registers underneath; PSCI arrives by SMC, because seL4 takes a guest's
 * HVC as a system call of its own. Exits are handled in fault.c.
 */
#include "core/errors.h"
#include "core/string.h"
#include "hyp/sel4/hyp_sel4.h"
#include "hyp/sel4/idle.h"
#include "hyp/sel4/sel4_vm.h"

#define SCTLR_EL1_RESET	   0x30d00800u /* SCTLR_EL1's RES1 bits: MMU and caches off */
#define MPIDR_RES1	   (1ull << 31)
#define USER_CONTEXT_WORDS (sizeof(seL4_UserContext) / sizeof(seL4_Word))

/*
 * Microkit gives a protection domain no allocator, and one svmm PD serves
 * one VM: the backend keeps that VM's state here in place of an allocation.
 */
static struct hyp_vm the_hyp_vm;

/* ---- vCPU registers ---- */

int sel4_read_regs(unsigned vcpu, struct arm64_regs *regs)
{
	seL4_UserContext c;
	seL4_Error err =
	    seL4_TCB_ReadRegisters(BASE_VM_TCB_CAP + vcpu, seL4_False, 0, USER_CONTEXT_WORDS, &c);
	const seL4_Word x[31] = {c.x0,	c.x1,  c.x2,  c.x3,  c.x4,  c.x5,  c.x6,  c.x7,
				 c.x8,	c.x9,  c.x10, c.x11, c.x12, c.x13, c.x14, c.x15,
				 c.x16, c.x17, c.x18, c.x19, c.x20, c.x21, c.x22, c.x23,
				 c.x24, c.x25, c.x26, c.x27, c.x28, c.x29, c.x30};

	if (err != seL4_NoError)
		return -SVMM_EIO;
	for (unsigned i = 0; i < 31; i++)
		regs->x[i] = x[i];
	regs->sp = c.sp;
	regs->pc = c.pc;
	regs->pstate = c.spsr;
	return 0;
}

int sel4_write_regs(unsigned vcpu, const struct arm64_regs *r, bool resume)
{
	seL4_UserContext c = {
	    .pc = r->pc,
	    .sp = r->sp,
	    .spsr = r->pstate,
	    .x0 = r->x[0],
	    .x1 = r->x[1],
	    .x2 = r->x[2],
	    .x3 = r->x[3],
	    .x4 = r->x[4],
	    .x5 = r->x[5],
	    .x6 = r->x[6],
	    .x7 = r->x[7],
	    .x8 = r->x[8],
	    .x16 = r->x[16],
	    .x17 = r->x[17],
	    .x18 = r->x[18],
	    .x29 = r->x[29],
	    .x30 = r->x[30],
	    .x9 = r->x[9],
	    .x10 = r->x[10],
	    .x11 = r->x[11],
	    .x12 = r->x[12],
	    .x13 = r->x[13],
	    .x14 = r->x[14],
	    .x15 = r->x[15],
	    .x19 = r->x[19],
	    .x20 = r->x[20],
	    .x21 = r->x[21],
	    .x22 = r->x[22],
	    .x23 = r->x[23],
	    .x24 = r->x[24],
	    .x25 = r->x[25],
	    .x26 = r->x[26],
	    .x27 = r->x[27],
	    .x28 = r->x[28],
	};
	seL4_UserContext old;

	/* TPIDR_EL0 and TPIDRRO_EL0 travel in the same call: keep the guest's. */
	if (seL4_TCB_ReadRegisters(BASE_VM_TCB_CAP + vcpu, seL4_False, 0, USER_CONTEXT_WORDS,
				   &old) != seL4_NoError)
		return -SVMM_EIO;
	c.tpidr_el0 = old.tpidr_el0;
	c.tpidrro_el0 = old.tpidrro_el0;
	return seL4_TCB_WriteRegisters(BASE_VM_TCB_CAP + vcpu, resume ? seL4_True : seL4_False, 0,
				       USER_CONTEXT_WORDS, &c) == seL4_NoError
		   ? 0
		   : -SVMM_EIO;
}

int sel4_start_vcpu(struct hyp_vm *hyp, unsigned vcpu, const struct arm64_regs *regs)
{
	seL4_CPtr cap = BASE_VCPU_CAP + vcpu;

	if (seL4_ARM_VCPU_WriteRegs(cap, seL4_VCPUReg_VMPIDR_EL2,
				    arm64_vcpu_mpidr(vcpu) | MPIDR_RES1) != seL4_NoError ||
	    seL4_ARM_VCPU_WriteRegs(cap, seL4_VCPUReg_SCTLR, SCTLR_EL1_RESET) != seL4_NoError ||
	    sel4_write_regs(vcpu, regs, true) < 0) {
		log_message(&hyp->params.vm->log, LOG_ERROR, "cannot start vCPU %u", vcpu);
		return -SVMM_EIO;
	}
	hyp->state[vcpu] = VCPU_ON;
	return 0;
}

void sel4_stop_vm(struct hyp_vm *hyp, enum hyp_stop_reason reason)
{
	sel4_idle_forget(hyp);
	for (unsigned i = 0; i < hyp->params.cpus; i++) {
		if (hyp->state[i] != VCPU_OFF)
			seL4_TCB_Suspend(BASE_VM_TCB_CAP + i);
		hyp->state[i] = VCPU_OFF;
	}
	if (hyp->stopping)
		return;
	hyp->stopping = true;
	hyp->stop_reason = reason;
	if (hyp->params.on_stop != NULL)
		hyp->params.on_stop(hyp->params.on_stop_ctx);
}

/* ---- the vGIC's hypervisor half ---- */

static int vgic_inject(void *ctx, unsigned vcpu, unsigned lr, const struct vgic_lr_entry *entry)
{
	if (seL4_ARM_VCPU_InjectIRQ(BASE_VCPU_CAP + vcpu, (seL4_Uint16)entry->intid,
				    (seL4_Uint8)(entry->priority >> 3), entry->group1 ? 1 : 0,
				    (seL4_Uint8)lr) != seL4_NoError)
		return -SVMM_EBUSY;
	/* An interrupt is due for it: a vCPU parked in WFI runs again. */
	sel4_idle_wake(ctx, vcpu);
	return 0;
}

static void vgic_eoi(void *ctx, unsigned vcpu, unsigned intid)
{
	(void)ctx;
	/* The kernel masked the timer's PPI when it reported it; unmask it. */
	if (intid == VGIC_PPI_VTIMER)
		seL4_ARM_VCPU_AckVPPI(BASE_VCPU_CAP + vcpu, intid);
}

static const struct vgic_backend_ops vgic_ops = {
    .inject = vgic_inject,
    .eoi = vgic_eoi,
};

/* ---- PSCI ---- */

static int psci_cpu_on(void *ctx, unsigned caller, unsigned target, uint64_t entry,
		       uint64_t context_id)
{
	struct hyp_vm *hyp = ctx;
	struct arm64_regs regs;

	(void)caller;
	if (hyp->state[target] != VCPU_OFF)
		return ARM64_PSCI_ALREADY_ON;
	if (guest_mem_ptr(&hyp->params.vm->mem, entry, 4) == NULL)
		return ARM64_PSCI_INVALID_ADDRESS;
	arm64_psci_entry_regs(&regs, entry, context_id);
	return sel4_start_vcpu(hyp, target, &regs) == 0 ? ARM64_PSCI_SUCCESS
							: ARM64_PSCI_INTERNAL_FAILURE;
}

static int psci_cpu_off(void *ctx, unsigned vcpu)
{
	struct hyp_vm *hyp = ctx;

	hyp->state[vcpu] = VCPU_STOPPING;
	return ARM64_PSCI_SUCCESS;
}

static int psci_cpu_state(void *ctx, unsigned vcpu)
{
	struct hyp_vm *hyp = ctx;

	return hyp->state[vcpu] == VCPU_ON ? ARM64_PSCI_STATE_ON : ARM64_PSCI_STATE_OFF;
}

static void psci_system_off(void *ctx)
{
	sel4_stop_vm(ctx, HYP_STOP_POWEROFF);
}

static void psci_system_reset(void *ctx)
{
	sel4_stop_vm(ctx, HYP_STOP_RESET);
}

/* ---- hyp_sel4.h ---- */

void hyp_sel4_park_wfi(struct hyp_vm *hyp, bool on)
{
	hyp->park_wfi = on;
}

void hyp_sel4_timer(struct hyp_vm *hyp)
{
	sel4_idle_timer(hyp);
}

/* ---- hyp.h ---- */

int hyp_vm_create(struct hyp_vm **out, const struct hyp_vm_params *params,
		  struct hyp_vm_platform *platform, char *why, unsigned why_len)
{
	struct hyp_vm *hyp = &the_hyp_vm;
	const struct arm64_guest_map *map = &params->map;
	int err;

	(void)why_len;
	why[0] = '\0';
	if (hyp->in_use)
		return -SVMM_EBUSY;
	memset(hyp, 0, sizeof(*hyp));
	hyp->params = *params;
	err = vgic_init(&hyp->vgic, params->vm, params->cpus, SEL4_VGIC_IRQS, SEL4_VGIC_LRS,
			&vgic_ops, hyp);
	if (err == 0)
		err = vgic_attach(&hyp->vgic, map->gic_dist_base, map->gic_dist_size);
	if (err < 0)
		return err;
	hyp->psci = (struct arm64_psci_ops){
	    .cpus = params->cpus,
	    .cpu_on = psci_cpu_on,
	    .cpu_off = psci_cpu_off,
	    .cpu_state = psci_cpu_state,
	    .system_off = psci_system_off,
	    .system_reset = psci_system_reset,
	    .ctx = hyp,
	};
	*platform = (struct hyp_vm_platform){.gic_version = 2, .psci_method = "smc"};
	hyp->in_use = true;
	*out = hyp;
	return 0;
}

int hyp_vm_start(struct hyp_vm *hyp, uint64_t entry, uint64_t boot_arg)
{
	struct arm64_regs regs;

	/* The boot protocol: x0 = the device tree, like a PSCI CPU_ON context id. */
	arm64_psci_entry_regs(&regs, entry, boot_arg);
	return sel4_start_vcpu(hyp, 0, &regs);
}

void hyp_vm_request_stop(struct hyp_vm *hyp)
{
	sel4_stop_vm(hyp, HYP_STOP_REQUESTED);
}

bool hyp_vm_stop_reason(struct hyp_vm *hyp, enum hyp_stop_reason *reason)
{
	if (hyp->stopping)
		*reason = hyp->stop_reason;
	return hyp->stopping;
}

int hyp_vm_doorbell_fd(struct hyp_vm *hyp, uint64_t gpa, unsigned size, uint64_t value)
{
	(void)hyp;
	(void)gpa;
	(void)size;
	(void)value;
	return -SVMM_ENOTSUP;
}

void hyp_vm_destroy(struct hyp_vm *hyp)
{
	if (hyp == NULL)
		return;
	sel4_idle_forget(hyp);
	for (unsigned i = 0; i < hyp->params.cpus; i++) {
		if (hyp->state[i] != VCPU_OFF)
			seL4_TCB_Suspend(BASE_VM_TCB_CAP + i);
		hyp->state[i] = VCPU_OFF;
	}
	/* The distributor leaves the bus, so the VM can be created again (a restart). */
	bus_unregister(&hyp->params.vm->mmio, hyp->params.map.gic_dist_base);
	if (hyp->params.vm->irq_chip.ctx == &hyp->vgic)
		hyp->params.vm->irq_chip = (struct vm_irq_chip){0};
	hyp->in_use = false;
}
