/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A GICv2 distributor in software, for hypervisors whose virtual CPU
 * interface is real hardware but whose distributor is not (seL4): the
 * guest's GICD accesses fault to svmm and land in vgic_dist_access(), while
 * its GICC accesses go straight to the hardware GICV frame. Interrupts reach
 * a vCPU through its list registers (LRs), which only the hypervisor may
 * write: the backend ops below are that hypervisor call.
 *
 * The distributor's own pending state is the overflow queue. An interrupt
 * that is pending, enabled, in an enabled group and (for an SPI) targeted at
 * a vCPU is a candidate for that vCPU; whenever a vCPU has a free LR, its
 * highest-priority candidate (lowest INTID on a tie) is written into it and
 * leaves the candidates until the guest EOIs it. Every LR is written with
 * "maintenance on EOI", so the hypervisor tells svmm when an LR is free
 * again (vgic_maintenance); the next candidate goes in then. A
 * level-sensitive interrupt whose line is still high after its EOI is pending
 * again at once and so goes straight back into an LR.
 *
 * What a backend calls, and when (seL4 names in brackets):
 *   - set up: vgic_init(), then vgic_attach() to take the distributor's MMIO
 *     range and become vm->irq_chip (SPI line N is INTID 32 + N);
 *   - a VM fault inside the distributor: bus_dispatch() reaches
 *     vgic_dist_access() like any other device;
 *   - an LR was EOI'd [VGICMaintenance fault with its LR index]:
 *     vgic_maintenance(vcpu, lr) (a fault without a valid index has
 *     nothing to tell the vGIC);
 *   - a hardware PPI for a vCPU [VPPIEvent fault, the virtual timer's PPI 27]:
 *     vgic_inject_ppi(vcpu, intid); when the guest EOIs it, ops->eoi runs,
 *     and that is where the backend acknowledges it [seL4_ARM_VCPU_AckVPPI],
 *     so the next timer interrupt can come;
 *   - VM reset: vgic_reset(), after the backend has emptied the hardware LRs.
 * The vGIC takes no lock: every call into it, including the bus access and
 * the irq_chip hooks, must be made with vm->device_lock held, as for any
 * device. Backend ops run inside those calls and must not call back in.
 */
#ifndef SVMM_ARCH_AARCH64_VGIC_H
#define SVMM_ARCH_AARCH64_VGIC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "core/log.h"
#include "core/vm.h"

#define VGIC_MAX_CPUS	8    /* GICv2 targets CPUs with an 8-bit mask */
#define VGIC_MAX_INTIDS 1020 /* INTIDs 1020..1023 are special, never interrupts */
#define VGIC_MAX_LRS	64   /* GICH_VTR.ListRegs is six bits */
#define VGIC_NR_SGIS	16
#define VGIC_NR_PRIVATE 32 /* SGIs and PPIs: banked per vCPU */
#define VGIC_PPI_VTIMER 27 /* the EL1 virtual timer */
#define VGIC_DIST_SIZE	0x1000
#define VGIC_WORDS	((VGIC_MAX_INTIDS + 31) / 32)
#define VGIC_LR_FREE	0xffffu
#define VGIC_NO_SOURCE	0xffu

/* What one list register is to hold. */
struct vgic_lr_entry {
	unsigned intid;
	/*
	 * For an SGI, the vCPU that sent it (GICH_LR.CPUID, which the guest
	 * reads back in GICC_IAR); VGIC_NO_SOURCE otherwise. A backend whose
	 * hypervisor call cannot encode it may drop it: Linux ignores it.
	 */
	unsigned source_cpu;
	/*
	 * The 8-bit GICD_IPRIORITYR value; only its top five bits are kept
	 * (GICH_LR holds priority >> 3), so it is a multiple of 8.
	 */
	uint8_t priority;
	bool group1;
};

struct vgic_backend_ops {
	/*
	 * Writes `entry` into list register `lr` of vCPU `vcpu` as pending, with
	 * EOI maintenance [seL4_ARM_VCPU_InjectIRQ(vcpu, intid, priority >> 3,
	 * group1, lr)]. The vGIC only picks an LR it believes free. 0, or a
	 * negative error: the interrupt then stays pending in the distributor
	 * and the next event or register write for that vCPU tries again.
	 */
	int (*inject)(void *ctx, unsigned vcpu, unsigned lr, const struct vgic_lr_entry *entry);
	/*
	 * Optional: LRs of `vcpu` were just written; a vCPU running on another
	 * physical CPU may need an IPI to see them before its next exit.
	 */
	void (*kick)(void *ctx, unsigned vcpu);
	/*
	 * Optional: `intid` is finished on `vcpu`: the guest EOI'd it, or
	 * cleared its pending state (GICD_ICPENDR) before it was delivered.
	 * A backend acknowledges a hardware source here [AckVPPI for PPI 27;
	 * the IRQ handler of a passed-through SPI].
	 */
	void (*eoi)(void *ctx, unsigned vcpu, unsigned intid);
};

/* One 32-INTID slice of per-interrupt state, one bit per INTID. */
struct vgic_bits {
	uint32_t group;	  /* GICD_IGROUPR: 1 = group 1 */
	uint32_t enabled; /* GICD_ISENABLER */
	uint32_t latch;	  /* pending from an edge or a GICD_ISPENDR write */
	uint32_t level;	  /* the input line as the device last drove it */
	uint32_t active;  /* GICD_ISACTIVER as the guest set it */
	uint32_t in_lr;	  /* sitting in a list register, waiting for its EOI */
	uint32_t edge;	  /* GICD_ICFGR: 1 = edge-triggered, 0 = level-sensitive */
};

/* What each vCPU has of its own: banked SGI/PPI state and its list registers. */
struct vgic_cpu {
	struct vgic_bits priv; /* INTIDs 0..31 */
	uint8_t priority[VGIC_NR_PRIVATE];
	uint8_t sgi_sources[VGIC_NR_SGIS]; /* pending SGIs: one bit per sending vCPU */
	uint16_t lr_intid[VGIC_MAX_LRS];   /* VGIC_LR_FREE when empty */
	/* SPIs whose GICD_ITARGETSR names this vCPU (word 0 unused). */
	uint32_t spi_targeted[VGIC_WORDS];
};

struct vgic {
	struct vm *vm;
	const struct vgic_backend_ops *ops;
	void *ctx;
	unsigned cpus, num_irqs, num_lrs;
	uint32_t ctlr;			  /* GICD_CTLR: EnableGrp0, EnableGrp1 */
	struct vgic_bits spi[VGIC_WORDS]; /* word 0 unused: it is banked */
	uint8_t spi_priority[VGIC_MAX_INTIDS];
	uint8_t spi_target[VGIC_MAX_INTIDS];
	struct vgic_cpu cpu[VGIC_MAX_CPUS];
	struct log_ratelimit bad_access_log, bad_event_log, inject_log;
};

/*@
  // What vgic_init sets up: 1 to 8 vCPUs, INTIDs 0 to num_irqs - 1 (32 to
  // 1020 of them) and 1 to 64 list registers per vCPU.
  predicate vgic_ok(struct vgic *g) =
    \valid(g) && 1 <= g->cpus <= VGIC_MAX_CPUS &&
    VGIC_NR_PRIVATE <= g->num_irqs <= VGIC_MAX_INTIDS && 1 <= g->num_lrs <= VGIC_MAX_LRS;
*/

/*
 * Sets up a distributor in its reset state for `cpus` vCPUs (1..8),
 * INTIDs 0..num_irqs-1 (32..1020; GICD_TYPER reports them rounded up to a
 * multiple of 32) and `num_lrs` list registers per vCPU (1..64; QEMU's
 * GICv2 has 4). `ops->inject` is required. 0 or -SVMM_EINVAL.
 */
int vgic_init(struct vgic *g, struct vm *vm, unsigned cpus, unsigned num_irqs, unsigned num_lrs,
	      const struct vgic_backend_ops *ops, void *ctx);

/*
 * Registers the distributor's MMIO range [base, base + size) on vm->mmio
 * (size at least VGIC_DIST_SIZE; the rest reads as zero) and installs the
 * vGIC as vm->irq_chip. 0 or the bus's error.
 */
int vgic_attach(struct vgic *g, uint64_t base, uint64_t size);

/* Back to the reset state, every LR taken as empty. */
void vgic_reset(struct vgic *g);

/*
 * The bus handler for the distributor (`opaque` is the struct vgic),
 * proven by `make prove` to be free of run-time errors and to change
 * nothing outside the vGIC but the access's value. Word accesses reach every register;
 * byte accesses only GICD_IPRIORITYR, GICD_ITARGETSR, GICD_CPENDSGIR and
 * GICD_SPENDSGIR, as the GICv2 architecture allows. Any other size or an
 * unaligned offset reads as zero, writes nothing and returns -SVMM_EINVAL.
 */
/*@ requires vgic_ok((struct vgic *)opaque) && \valid(acc);
    requires \separated(acc, (struct vgic *)opaque);
    assigns ((struct vgic *)opaque)->ctlr, ((struct vgic *)opaque)->spi[0 .. VGIC_WORDS - 1],
	    ((struct vgic *)opaque)->spi_priority[0 .. VGIC_MAX_INTIDS - 1],
	    ((struct vgic *)opaque)->spi_target[0 .. VGIC_MAX_INTIDS - 1],
	    ((struct vgic *)opaque)->cpu[0 .. VGIC_MAX_CPUS - 1],
	    ((struct vgic *)opaque)->bad_access_log,
	    ((struct vgic *)opaque)->inject_log, acc->value;
    ensures vgic_ok((struct vgic *)opaque);
    ensures \result <= 0; */
int vgic_dist_access(void *opaque, struct access *acc, uint64_t offset);

/*
 * Drives the input line of SPI `intid` (32..num_irqs-1). A level-sensitive
 * SPI is pending while the line is high; an edge-triggered one latches
 * pending on a rising edge. 0 or -SVMM_EINVAL.
 */
int vgic_set_irq_level(struct vgic *g, unsigned intid, bool level);

/*
 * An edge on SPI `intid`: it latches pending whatever its configuration,
 * so a short pulse is never lost. 0 or -SVMM_EINVAL.
 */
int vgic_pulse_irq(struct vgic *g, unsigned intid);

/*
 * A PPI (16..31) fired for `vcpu`: it latches pending, like an edge. This
 * suits seL4's virtual timer, which masks the hardware PPI until it is
 * acknowledged (ops->eoi), so it cannot fire twice. 0 or -SVMM_EINVAL.
 */
int vgic_inject_ppi(struct vgic *g, unsigned vcpu, unsigned intid);

/* Drives the line of PPI `intid` (16..31) of `vcpu`, as vgic_set_irq_level. */
int vgic_set_ppi_level(struct vgic *g, unsigned vcpu, unsigned intid, bool level);

/*
 * List register `lr` of `vcpu` is free again: the guest EOI'd what it held.
 * Runs ops->eoi for that INTID and fills free LRs from what is pending.
 * -SVMM_EINVAL (and nothing changes) for a vCPU, an LR or an empty LR the
 * vGIC does not know of.
 */
int vgic_maintenance(struct vgic *g, unsigned vcpu, unsigned lr);

/* The INTID in list register `lr` of `vcpu`, or -1 when it is free or out of range. */
int vgic_lr_intid(const struct vgic *g, unsigned vcpu, unsigned lr);

#endif
