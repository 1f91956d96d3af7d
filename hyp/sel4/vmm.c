/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svmm as a Microkit protection domain: the seL4 hypervisor backend.
 *
 * One svmm per VM. The guest is the protection domain's virtual machine and
 * its vCPUs are the PD's children (vCPU i is Microkit child i): the kernel
 * turns every guest exit svmm must see into a fault message, Microkit calls
 * fault(), svmm emulates and replies, and the reply resumes the vCPU. There
 * are no threads: init(), notified() and fault() run one at a time, so
 * vm->device_lock stays empty.
 *
 *   VMFault          a guest access outside its mapped RAM and GIC CPU
 *                    interface: arch/aarch64 decodes the syndrome, the bus
 *                    dispatches (vGIC distributor, PL011, virtio-mmio), the
 *                    registers go back with the PC past the instruction. An
 *                    access without a syndrome (LDP, write-back, DC ZVA) is
 *                    decoded from the instruction (arch/aarch64/nisv.h); one
 *                    that cannot be emulated, and an instruction fetch from
 *                    an address with no RAM, become a synchronous external
 *                    abort in the guest (arch/aarch64/inject.h), as on KVM.
 *   VCPUFault        ESR_EL2 of a trapped WFI/WFE (skipped: the vCPU spins
 *                    through its idle loop), SMC (PSCI: the guest's device
 *                    tree says method "smc", because seL4 takes a guest's HVC
 *                    as a system call), MSR/MRS (reads 0, writes ignored).
 *   VGICMaintenance  a list register was EOI'd: vgic_maintenance().
 *   VPPIEvent        the virtual timer fired: vgic_inject_ppi(); the vGIC's
 *                    eoi op acknowledges it (seL4_ARM_VCPU_AckVPPI).
 *   UnknownSyscall   a guest HVC (PSCI is by SMC here): SMCCC NOT_SUPPORTED
 *                    in x0 and the PC past it, as KVM answers unknown calls.
 *   anything else    logged, and that vCPU stops.
 *
 * A disk is the shared virtio-blk model on the shared virtio-mmio
 * transport. There are no doorbells: a QueueNotify is a VMFault like any
 * other register write, and the device serves the queue from it, through
 * host/sel4/block_queue.c's backend, which hands each request to the
 * blk_server protection domain by protected procedure call.
 *
 * This file does not implement hyp/hyp.h: that interface serves a host
 * where svmm owns a thread per vCPU and a main loop (KVM). Under Microkit
 * the entry points below are the main loop, so the same jobs (create the VM,
 * start vCPU 0, stop on power-off) are done here directly.
 */
#include <stdbool.h>
#include <stdint.h>

#include <microkit.h>

#include "arch/aarch64/boot.h"
#include "arch/aarch64/guest_map.h"
#include "arch/aarch64/image.h"
#include "arch/aarch64/psci.h"
#include "arch/aarch64/syndrome.h"
#include "arch/aarch64/vgic.h"
#include "core/errors.h"
#include "core/string.h"
#include "core/vm.h"
#include "dev/pl011.h"
#include "host/sel4/block_queue.h"
#include "host/sel4/board_uart.h"
#include "host/sel4/guest_images.h"
#include "host/sel4/log_uart.h"
#include "hyp/sel4/dtb_info.h"
#include "hyp/sel4/guest_faults.h"
#include "virtio/blk.h"
#include "virtio/mmio.h"

/*
 * Patched by the microkit tool from the SDF (config/sdf.h names them). In
 * .data, not .bss: the tool writes their values into the ELF's file image.
 */
__attribute__((section(".data"))) uintptr_t guest_ram_vaddr = 0;
__attribute__((section(".data"))) size_t guest_ram_size = 0;
__attribute__((section(".data"))) uintptr_t uart_vaddr = 0;
/* The block request queue's two regions; 0 when the VM has no disk. */
__attribute__((section(".data"))) uintptr_t blk_queue_vaddr = 0;
__attribute__((section(".data"))) uintptr_t blk_data_vaddr = 0;
__attribute__((section(".data"))) size_t blk_data_size = 0;

#define UART_CHANNEL	   1  /* config/sdf.c: sdf_params_qemu_virt_aarch64().uart_channel_id */
#define BLK_CHANNEL	   2  /* config/sdf.c: .blk_channel_id, svmm's end of the PPC channel */
#define VGIC_IRQS	   64 /* INTIDs the distributor offers: SGIs, PPIs and SPIs 0..31 */
#define VGIC_LRS	   4  /* list registers of QEMU's GICv2 virtual interface */
#define SCTLR_EL1_RESET	   0x30d00800u /* SCTLR_EL1's RES1 bits: MMU and caches off */
#define MPIDR_RES1	   (1ull << 31)
#define USER_CONTEXT_WORDS (sizeof(seL4_UserContext) / sizeof(seL4_Word))

enum vcpu_state {
	VCPU_OFF,
	VCPU_ON,
	VCPU_STOPPING, /* CPU_OFF or a fatal fault: do not reply, suspend it */
};

/* Everything svmm owns on seL4; the one object the entry points reach. */
struct sel4_vmm {
	struct vm vm;
	struct pl011 uart;
	struct vgic vgic;
	struct board_uart board_uart;
	struct arm64_psci_ops psci;
	struct arm64_boot_plan plan;
	struct blkq_client blk_queue;
	struct virtio_blk blk;
	struct virtio_mmio blk_mmio;
	unsigned cpus;
	enum vcpu_state state[VGIC_MAX_CPUS];
	bool running; /* init succeeded and the guest has not powered off */
	struct log_ratelimit unhandled_log, sysreg_log, fault_log;
};

/*
 * Microkit's entry points take no context, so they need one static object.
 * It is the only one (besides the three symbols the tool patches above);
 * every function below is handed a pointer to it.
 */
static struct sel4_vmm the_vmm;

/* ---- vCPU registers ---- */

static int read_regs(unsigned vcpu, struct arm64_regs *regs)
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

/* Writes every general register; `resume` also makes a stopped vCPU run. */
static int write_regs(unsigned vcpu, const struct arm64_regs *r, bool resume)
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

/* Starts vCPU `vcpu` with `regs` and the system state of a CPU out of reset. */
static int start_vcpu(struct sel4_vmm *v, unsigned vcpu, const struct arm64_regs *regs)
{
	seL4_CPtr cap = BASE_VCPU_CAP + vcpu;

	if (seL4_ARM_VCPU_WriteRegs(cap, seL4_VCPUReg_VMPIDR_EL2,
				    arm64_vcpu_mpidr(vcpu) | MPIDR_RES1) != seL4_NoError ||
	    seL4_ARM_VCPU_WriteRegs(cap, seL4_VCPUReg_SCTLR, SCTLR_EL1_RESET) != seL4_NoError ||
	    write_regs(vcpu, regs, true) < 0) {
		log_message(&v->vm.log, LOG_ERROR, "cannot start vCPU %u", vcpu);
		return -SVMM_EIO;
	}
	v->state[vcpu] = VCPU_ON;
	return 0;
}

static void stop_all(struct sel4_vmm *v)
{
	for (unsigned i = 0; i < v->cpus; i++) {
		if (v->state[i] != VCPU_OFF)
			seL4_TCB_Suspend(BASE_VM_TCB_CAP + i);
		v->state[i] = VCPU_OFF;
	}
	v->running = false;
}

/* ---- the vGIC's hypervisor half ---- */

static int vgic_inject(void *ctx, unsigned vcpu, unsigned lr, const struct vgic_lr_entry *entry)
{
	(void)ctx;
	return seL4_ARM_VCPU_InjectIRQ(BASE_VCPU_CAP + vcpu, (seL4_Uint16)entry->intid,
				       (seL4_Uint8)(entry->priority >> 3), entry->group1 ? 1 : 0,
				       (seL4_Uint8)lr) == seL4_NoError
		   ? 0
		   : -SVMM_EBUSY;
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
	struct sel4_vmm *v = ctx;
	struct arm64_regs regs;

	(void)caller;
	if (v->state[target] != VCPU_OFF)
		return ARM64_PSCI_ALREADY_ON;
	if (guest_mem_ptr(&v->vm.mem, entry, 4) == NULL)
		return ARM64_PSCI_INVALID_ADDRESS;
	arm64_psci_entry_regs(&regs, entry, context_id);
	return start_vcpu(v, target, &regs) == 0 ? ARM64_PSCI_SUCCESS : ARM64_PSCI_INTERNAL_FAILURE;
}

static int psci_cpu_off(void *ctx, unsigned vcpu)
{
	struct sel4_vmm *v = ctx;

	v->state[vcpu] = VCPU_STOPPING;
	return ARM64_PSCI_SUCCESS;
}

static int psci_cpu_state(void *ctx, unsigned vcpu)
{
	struct sel4_vmm *v = ctx;

	return v->state[vcpu] == VCPU_ON ? ARM64_PSCI_STATE_ON : ARM64_PSCI_STATE_OFF;
}

static void psci_system_off(void *ctx)
{
	struct sel4_vmm *v = ctx;

	pl011_flush(&v->uart);
	log_message(&v->vm.log, LOG_INFO, "guest powered off");
	stop_all(v);
}

static void psci_system_reset(void *ctx)
{
	struct sel4_vmm *v = ctx;

	pl011_flush(&v->uart);
	log_message(&v->vm.log, LOG_INFO,
		    "guest asked for a reset; svmm on seL4 cannot restart it yet, so it stops");
	stop_all(v);
}

/* ---- faults ---- */

static bool reply(microkit_msginfo *reply_msginfo)
{
	*reply_msginfo = seL4_MessageInfo_new(0, 0, 0, 0);
	return true;
}

/*
 * Ends a fault: resume the vCPU (reply) unless it is to stop, in which case
 * it is suspended and left without a reply.
 */
static bool finish(struct sel4_vmm *v, unsigned vcpu, microkit_msginfo *reply_msginfo)
{
	if (v->state[vcpu] == VCPU_STOPPING) {
		seL4_TCB_Suspend(BASE_VM_TCB_CAP + vcpu);
		v->state[vcpu] = VCPU_OFF;
	}
	if (v->state[vcpu] != VCPU_ON)
		return false;
	return reply(reply_msginfo);
}

static bool fatal(struct sel4_vmm *v, unsigned vcpu, microkit_msginfo *reply_msginfo)
{
	log_message(&v->vm.log, LOG_ERROR, "vCPU %u stopped", vcpu);
	v->state[vcpu] = VCPU_STOPPING;
	return finish(v, vcpu, reply_msginfo);
}

/* ---- accesses without a syndrome ---- */

/* One access of an instruction without a syndrome, as vm_fault() dispatches one. */
static int nisv_access(void *ctx, struct access *acc)
{
	struct sel4_vmm *v = ctx;
	int err;

	vm_lock_devices(&v->vm);
	err = bus_dispatch(&v->vm.mmio, acc);
	pl011_flush(&v->uart);
	vm_unlock_devices(&v->vm);
	if (err < 0 && !acc->is_write)
		acc->value = 0;
	return 0;
}

static bool vm_fault(struct sel4_vmm *v, unsigned vcpu, microkit_msginfo *reply_msginfo)
{
	uint64_t ip = seL4_GetMR(seL4_VMFault_IP);
	uint64_t addr = seL4_GetMR(seL4_VMFault_Addr);
	uint64_t fsr = seL4_GetMR(seL4_VMFault_FSR);
	bool prefetch = seL4_GetMR(seL4_VMFault_PrefetchFault) != 0;
	struct arm64_regs regs;
	struct arm64_abort_info info;
	struct access acc;
	int err;

	if (read_regs(vcpu, &regs) < 0)
		return fatal(v, vcpu, reply_msginfo);
	if (prefetch) {
		/* A fetch from no RAM: the guest's kernel handles the abort, as on KVM. */
		log_limited(&v->vm.log, &v->fault_log, LOG_WARN,
			    "vCPU %u: instruction fetch at 0x%llx (IPA 0x%llx) from no RAM; "
			    "the guest gets an instruction abort",
			    vcpu, (unsigned long long)ip, (unsigned long long)addr);
		if (sel4_inject_abort(vcpu, ARM64_ABORT_INSTRUCTION, ip, true, &regs) < 0)
			return fatal(v, vcpu, reply_msginfo);
	} else if ((err = arm64_decode_data_abort(fsr, addr, vcpu, &regs, &acc, &info)) < 0) {
		/* Cache maintenance by VA on a device does nothing there: skipped, as on KVM. */
		if (err == -SVMM_ENOTSUP && info.cache_maintenance)
			arm64_skip_instruction(&regs, arm64_esr_il32(fsr));
		else if (err != -SVMM_ENOTSUP ||
			 sel4_emulate_nisv(vcpu, addr, info.is_write, &v->vm.mem, nisv_access, v,
					   &regs) < 0) {
			log_limited(&v->vm.log, &v->unhandled_log, LOG_WARN,
				    "vCPU %u: access to 0x%llx at pc 0x%llx cannot be emulated "
				    "(syndrome 0x%llx); the guest gets an external abort",
				    vcpu, (unsigned long long)addr, (unsigned long long)ip,
				    (unsigned long long)fsr);
			/* seL4 reports the IPA only: FAR_EL1 is marked not valid (FnV). */
			if (sel4_inject_abort(vcpu, ARM64_ABORT_DATA, 0, false, &regs) < 0)
				return fatal(v, vcpu, reply_msginfo);
		}
	} else {
		vm_lock_devices(&v->vm);
		err = bus_dispatch(&v->vm.mmio, &acc);
		pl011_flush(&v->uart);
		vm_unlock_devices(&v->vm);
		if (err == -SVMM_ENOENT)
			log_limited(&v->vm.log, &v->unhandled_log, LOG_WARN,
				    "vCPU %u: %s of %u bytes at 0x%llx: no device there", vcpu,
				    acc.is_write ? "write" : "read", acc.size,
				    (unsigned long long)acc.gpa);
		if (err < 0 && !acc.is_write)
			acc.value = 0;
		arm64_complete_data_abort(&info, &acc, &regs);
	}
	if (write_regs(vcpu, &regs, false) < 0)
		return fatal(v, vcpu, reply_msginfo);
	return finish(v, vcpu, reply_msginfo);
}

/*
 * A guest HVC reaches svmm as an unknown system call (seL4 keeps HVC for
 * itself), with the PC on the HVC. The guest's device tree says PSCI is by
 * SMC, so no HVC is a call svmm serves: SMCCC NOT_SUPPORTED, as KVM
 * answers a call it does not know.
 */
static bool hvc_call(struct sel4_vmm *v, unsigned vcpu, microkit_msginfo *reply_msginfo)
{
	struct arm64_regs regs;

	if (read_regs(vcpu, &regs) < 0)
		return fatal(v, vcpu, reply_msginfo);
	regs.x[0] = (uint64_t)(int64_t)ARM64_PSCI_NOT_SUPPORTED;
	arm64_skip_instruction(&regs, true);
	if (write_regs(vcpu, &regs, false) < 0)
		return fatal(v, vcpu, reply_msginfo);
	return finish(v, vcpu, reply_msginfo);
}

static void smc_call(struct sel4_vmm *v, unsigned vcpu, uint64_t esr, struct arm64_regs *regs)
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
		regs->x[0] = arm64_psci_call(&v->psci, vcpu, args);
	if (call.skip)
		arm64_skip_instruction(regs, arm64_esr_il32(esr));
}

static void sysreg_access(struct sel4_vmm *v, unsigned vcpu, uint64_t esr, struct arm64_regs *regs)
{
	struct arm64_sysreg_access sr;

	if (arm64_decode_sysreg(esr, &sr) == 0) {
		log_limited(&v->vm.log, &v->sysreg_log, LOG_WARN,
			    "vCPU %u: %s of system register S%u_%u_C%u_C%u_%u at pc 0x%llx: "
			    "not emulated (reads 0)",
			    vcpu, sr.is_read ? "read" : "write", sr.op0, sr.op1, sr.crn, sr.crm,
			    sr.op2, (unsigned long long)regs->pc);
		if (sr.is_read)
			arm64_reg_set(regs, sr.reg, 0);
	}
	arm64_skip_instruction(regs, arm64_esr_il32(esr));
}

static bool vcpu_fault(struct sel4_vmm *v, unsigned vcpu, microkit_msginfo *reply_msginfo)
{
	uint64_t esr = seL4_GetMR(seL4_VCPUFault_HSR);
	struct arm64_regs regs;

	if (read_regs(vcpu, &regs) < 0)
		return fatal(v, vcpu, reply_msginfo);
	switch ((unsigned)arm64_esr_class(esr)) {
	case ARM64_EC_WFX:
		arm64_skip_instruction(&regs, arm64_esr_il32(esr));
		break;
	case ARM64_EC_SMC64:
	case ARM64_EC_HVC64:
		smc_call(v, vcpu, esr, &regs);
		break;
	case ARM64_EC_SYS64:
		sysreg_access(v, vcpu, esr, &regs);
		break;
	default:
		log_message(&v->vm.log, LOG_ERROR,
			    "vCPU %u: unexpected exception class 0x%x (ESR 0x%llx) at pc 0x%llx",
			    vcpu, (unsigned)arm64_esr_class(esr), (unsigned long long)esr,
			    (unsigned long long)regs.pc);
		return fatal(v, vcpu, reply_msginfo);
	}
	if (v->state[vcpu] == VCPU_ON && write_regs(vcpu, &regs, false) < 0)
		return fatal(v, vcpu, reply_msginfo);
	return finish(v, vcpu, reply_msginfo);
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
	struct sel4_vmm *v = &the_vmm;
	unsigned vcpu = child;
	seL4_Word label = microkit_msginfo_get_label(msginfo);

	if (vcpu >= v->cpus || v->state[vcpu] != VCPU_ON) {
		log_message(&v->vm.log, LOG_ERROR, "fault %llu from unknown child %u",
			    (unsigned long long)label, child);
		return seL4_False;
	}
	switch (label) {
	case seL4_Fault_VMFault:
		return vm_fault(v, vcpu, reply_msginfo);
	case seL4_Fault_VCPUFault:
		return vcpu_fault(v, vcpu, reply_msginfo);
	case seL4_Fault_VGICMaintenance: {
		seL4_Word lr = seL4_GetMR(seL4_VGICMaintenance_IDX);

		/* Without a valid index (the kernel sends -1) there is nothing to do. */
		if (lr < VGIC_LRS) {
			vm_lock_devices(&v->vm);
			vgic_maintenance(&v->vgic, vcpu, (unsigned)lr);
			vm_unlock_devices(&v->vm);
		}
		return finish(v, vcpu, reply_msginfo);
	}
	case seL4_Fault_VPPIEvent: {
		seL4_Word irq = seL4_GetMR(seL4_VPPIEvent_IRQ);
		int err;

		vm_lock_devices(&v->vm);
		err = vgic_inject_ppi(&v->vgic, vcpu, (unsigned)irq);
		vm_unlock_devices(&v->vm);
		if (err < 0) {
			log_limited(&v->vm.log, &v->fault_log, LOG_WARN,
				    "vCPU %u: PPI %llu dropped", vcpu, (unsigned long long)irq);
			seL4_ARM_VCPU_AckVPPI(BASE_VCPU_CAP + vcpu, irq);
		}
		return finish(v, vcpu, reply_msginfo);
	}
	case seL4_Fault_UnknownSyscall:
		return hvc_call(v, vcpu, reply_msginfo);
	case seL4_Fault_UserException:
		log_message(&v->vm.log, LOG_ERROR, "vCPU %u: user exception at pc 0x%llx", vcpu,
			    (unsigned long long)seL4_GetMR(seL4_UserException_FaultIP));
		return fatal(v, vcpu, reply_msginfo);
	default:
		log_message(&v->vm.log, LOG_ERROR, "vCPU %u: unexpected fault %llu", vcpu,
			    (unsigned long long)label);
		return fatal(v, vcpu, reply_msginfo);
	}
}

/* ---- console input ---- */

void notified(microkit_channel ch)
{
	struct sel4_vmm *v = &the_vmm;
	uint8_t bytes[PL011_RX_FIFO_SIZE];
	size_t n;

	if (ch != UART_CHANNEL)
		return;
	n = board_uart_read(&v->board_uart, bytes, sizeof(bytes));
	/* What the guest's receive FIFO has no room for is lost, as on a real line. */
	if (n > 0 && v->running) {
		vm_lock_devices(&v->vm);
		pl011_receive(&v->uart, bytes, n);
		vm_unlock_devices(&v->vm);
	}
	microkit_irq_ack(ch);
}

/* ---- the disk ---- */

/* The queue's kick: blk_server serves the ring before the call returns. */
static int blk_kick(void *ctx)
{
	(void)ctx;
	microkit_ppcall(BLK_CHANNEL, microkit_msginfo_new(0, 0));
	return 0;
}

/* The disk the device tree promises, served by blk_server. */
static int attach_disk(struct sel4_vmm *v, const struct dtb_info *dtb)
{
	const struct log_sink *log = &v->vm.log;
	struct blkq_info info;
	struct blk_backend backend;
	int err;

	if (dtb->virtio_count > 1) {
		log_message(log, LOG_ERROR,
			    "the device tree has %u virtio devices; svmm on seL4 "
			    "serves one disk",
			    dtb->virtio_count);
		return -SVMM_EINVAL;
	}
	err = blkq_client_init(&v->blk_queue, (void *)blk_queue_vaddr, BLKQ_QUEUE_REGION_SIZE,
			       (void *)blk_data_vaddr, blk_data_size, blk_kick, v);
	if (err < 0) {
		log_message(log, LOG_ERROR,
			    "the device tree has a disk, but the system has no "
			    "block queue for it (rebuild the SDF with svmm sdf)");
		return err;
	}
	err = blkq_client_info(&v->blk_queue, &info);
	if (err < 0) {
		log_message(log, LOG_ERROR, "blk_server does not answer: %s", svmm_strerror(err));
		return err;
	}
	blkq_client_backend(&v->blk_queue, &info, &backend);
	err = virtio_blk_init(&v->blk, &v->vm, "virtio-blk0", &backend);
	if (err == 0)
		err = virtio_mmio_init(&v->blk_mmio, &v->blk.virtio, dtb->virtio[0].base,
				       dtb->virtio[0].irq);
	if (err < 0) {
		log_message(log, LOG_ERROR, "cannot attach the disk: %s", svmm_strerror(err));
		return err;
	}
	log_message(log, LOG_INFO, "disk: %llu KiB from blk_server%s",
		    (unsigned long long)(info.capacity >> 10),
		    backend.readonly ? ", read-only" : "");
	return 0;
}

/* ---- start-up ---- */

static void console_write(void *ctx, const uint8_t *data, size_t len)
{
	board_uart_write(ctx, data, len);
}

static int boot(struct sel4_vmm *v)
{
	const struct log_sink *log = &v->vm.log;
	struct sel4_guest_images images;
	struct arm64_guest_map map;
	struct arm64_image image;
	struct dtb_info dtb;
	struct pl011_backend console = {.write = console_write, .ctx = &v->board_uart};
	struct arm64_regs regs;
	const char *why = NULL;
	int err;

	sel4_guest_images(&images);
	arm64_guest_map_default(&map);
	if (dtb_info_read(images.dtb.data, images.dtb.size, &dtb) < 0 || dtb.cpus == 0 ||
	    dtb.cpus > VGIC_MAX_CPUS) {
		log_message(log, LOG_ERROR, "the packaged device tree is not usable");
		return -SVMM_EINVAL;
	}
	v->cpus = dtb.cpus;
	err = guest_mem_add(&v->vm.mem, map.ram_base, guest_ram_size, (void *)guest_ram_vaddr);
	if (err < 0) {
		log_message(log, LOG_ERROR, "guest RAM 0x%llx bytes at 0x%llx: %s",
			    (unsigned long long)guest_ram_size, (unsigned long long)map.ram_base,
			    svmm_strerror(err));
		return err;
	}
	err = vgic_init(&v->vgic, &v->vm, v->cpus, VGIC_IRQS, VGIC_LRS, &vgic_ops, v);
	if (err == 0)
		err = vgic_attach(&v->vgic, map.gic_dist_base, map.gic_dist_size);
	if (err == 0)
		err = pl011_init(&v->uart, &v->vm, map.uart_base, map.uart_irq, &console, true);
	if (err < 0) {
		log_message(log, LOG_ERROR, "cannot set up the guest's devices: %s",
			    svmm_strerror(err));
		return err;
	}
	if (dtb.virtio_count > 0) {
		err = attach_disk(v, &dtb);
		if (err < 0)
			return err;
	}
	err = arm64_image_parse(images.kernel.data, images.kernel.size, &image, &why);
	if (err < 0) {
		log_message(log, LOG_ERROR, "packaged kernel: %s", why);
		return err;
	}
	err = arm64_boot_plan(map.ram_base, guest_ram_size, &image, images.initrd.size, &v->plan);
	if (err < 0) {
		log_message(log, LOG_ERROR, "the kernel and initrd do not fit in %llu MiB of RAM",
			    (unsigned long long)(guest_ram_size >> 20));
		return err;
	}
	/* svmm sdf --dtb-out planned the same placement from the same inputs; check. */
	if (dtb.initrd_start != (images.initrd.size ? v->plan.initrd_gpa : 0) ||
	    dtb.initrd_end != (images.initrd.size ? v->plan.initrd_gpa + images.initrd.size : 0)) {
		log_message(log, LOG_ERROR,
			    "the packaged device tree was made for another initrd or RAM size "
			    "(rebuild it with svmm sdf --dtb-out)");
		return -SVMM_EINVAL;
	}
	err = arm64_boot_load(&v->vm.mem, &v->plan, images.kernel.data, images.kernel.size,
			      images.initrd.size ? images.initrd.data : NULL, images.dtb.data,
			      images.dtb.size);
	if (err < 0) {
		log_message(log, LOG_ERROR, "cannot load the guest: %s", svmm_strerror(err));
		return err;
	}
	v->psci = (struct arm64_psci_ops){
	    .cpus = v->cpus,
	    .cpu_on = psci_cpu_on,
	    .cpu_off = psci_cpu_off,
	    .cpu_state = psci_cpu_state,
	    .system_off = psci_system_off,
	    .system_reset = psci_system_reset,
	    .ctx = v,
	};
	log_message(log, LOG_INFO,
		    "booting Linux: %u vCPUs, %llu MiB, kernel %llu KiB, initrd %llu KiB", v->cpus,
		    (unsigned long long)(guest_ram_size >> 20),
		    (unsigned long long)(images.kernel.size >> 10),
		    (unsigned long long)(images.initrd.size >> 10));
	v->running = true;
	/* The boot protocol: x0 = the device tree, like a PSCI CPU_ON context id. */
	arm64_psci_entry_regs(&regs, v->plan.kernel_gpa, v->plan.dtb_gpa);
	return start_vcpu(v, 0, &regs);
}

void init(void)
{
	struct sel4_vmm *v = &the_vmm;
	struct log_sink log;

	board_uart_init(&v->board_uart, uart_vaddr);
	log = log_uart_sink(&v->board_uart, LOG_INFO);
	vm_init(&v->vm, "svmm", &log);
	if (boot(v) < 0) {
		v->running = false;
		log_message(&v->vm.log, LOG_ERROR, "the guest was not started");
	}
}
