/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GICv2 distributor emulation, after the GICv2 architecture specification
 * (ARM IHI 0048B, chapter 4), as a GIC without the Security Extensions
 * presents it: both interrupt groups visible and programmable, GICD_CTLR
 * enabling each group. Where the specification leaves a choice, the choice
 * is the one Linux's irq-gic driver works best with, and is said where made.
 *
 * This file holds the input lines, the list registers and delivery;
 * vgic_dist.c the distributor's registers.
 */
#include "arch/aarch64/vgic.h"

#include "arch/aarch64/vgic_state.h"
#include "core/errors.h"
#include "core/string.h"

/*
 * What the distributor would forward to `cpu` from slice `word`: pending,
 * enabled, in an enabled group, not already in an LR or made active by the
 * guest, and for SPIs targeted at this vCPU.
 */
static uint32_t slice_candidates(struct vgic *g, unsigned cpu, unsigned word)
{
	const struct vgic_bits *b = vgic_slice(g, cpu, word);
	uint32_t groups = 0;
	uint32_t ready;

	if (g->ctlr & GICD_CTLR_GRP0)
		groups |= ~b->group;
	if (g->ctlr & GICD_CTLR_GRP1)
		groups |= b->group;
	ready = vgic_slice_pending(g, cpu, word) & b->enabled & ~b->in_lr & ~b->active & groups;
	if (word != 0)
		ready &= g->cpu[cpu].spi_targeted[word];
	return ready;
}

/* The highest-priority candidate for `cpu` (lowest INTID on a tie), or -1. */
static int best_candidate(struct vgic *g, unsigned cpu)
{
	int best = -1;
	unsigned best_priority = 0x100;

	for (unsigned word = 0; word < vgic_slice_count(g); word++) {
		uint32_t ready = slice_candidates(g, cpu, word);

		while (ready != 0) {
			unsigned intid = word * 32 + (unsigned)__builtin_ctz(ready);
			unsigned priority = *vgic_priority_of(g, cpu, intid);

			ready &= ready - 1;
			if (priority < best_priority) {
				best_priority = priority;
				best = (int)intid;
			}
		}
	}
	return best;
}

static int free_lr(const struct vgic *g, unsigned cpu)
{
	for (unsigned lr = 0; lr < g->num_lrs; lr++)
		if (g->cpu[cpu].lr_intid[lr] == VGIC_LR_FREE)
			return (int)lr;
	return -1;
}

/* Fills the free LRs of `cpu` from its candidates, best first. */
static void deliver(struct vgic *g, unsigned cpu)
{
	struct vgic_cpu *c = &g->cpu[cpu];
	bool wrote = false;

	for (;;) {
		int lr = free_lr(g, cpu);
		int best = lr < 0 ? -1 : best_candidate(g, cpu);
		unsigned intid = (unsigned)best;
		struct vgic_bits *b;
		uint32_t bit;
		struct vgic_lr_entry entry;
		int err;

		if (best < 0)
			break;
		b = vgic_slice(g, cpu, intid / 32);
		bit = 1u << (intid % 32);
		entry = (struct vgic_lr_entry){
		    .intid = intid,
		    .source_cpu = VGIC_NO_SOURCE,
		    .priority = *vgic_priority_of(g, cpu, intid),
		    .group1 = (b->group & bit) != 0,
		};
		/* One sender's SGI per LR, lowest sender first; the others wait their turn. */
		if (intid < VGIC_NR_SGIS)
			entry.source_cpu = (unsigned)__builtin_ctz(c->sgi_sources[intid]);
		err = g->ops->inject(g->ctx, cpu, (unsigned)lr, &entry);
		if (err < 0) {
			/* It stays pending; the next change of state tries again. */
			log_limited(&g->vm->log, &g->inject_log, LOG_WARN,
				    "vgic: vCPU %u: injecting INTID %u into LR %d failed (%d)", cpu,
				    intid, lr, err);
			break;
		}
		c->lr_intid[lr] = (uint16_t)intid;
		b->in_lr |= bit;
		/* The LR holds the pending state now; a level line stays as it is. */
		b->latch &= ~bit;
		if (intid < VGIC_NR_SGIS)
			c->sgi_sources[intid] &= (uint8_t) ~(1u << entry.source_cpu);
		wrote = true;
	}
	if (wrote && g->ops->kick != NULL)
		g->ops->kick(g->ctx, cpu);
}

/*
 * Called after anything that can make an interrupt deliverable, for the
 * vCPUs in `cpus` (a mask) that the change can concern: an input line
 * concerns the vCPUs its interrupt reaches, a register write any of them.
 */
static void update(struct vgic *g, uint32_t cpus)
{
	for (unsigned cpu = 0; cpu < g->cpus; cpu++)
		if (cpus & (1u << cpu))
			deliver(g, cpu);
}

void vgic_update_all(struct vgic *g)
{
	update(g, vgic_cpu_mask(g));
}

void vgic_finished(struct vgic *g, unsigned cpu, unsigned intid)
{
	if (g->ops->eoi != NULL)
		g->ops->eoi(g->ctx, cpu, intid);
}

/*
 * Power-on state. Input lines are wires from the devices, not distributor
 * state, so a reset keeps them (`keep_lines`): a device whose line is high
 * does not drive it again.
 */
static void reset_state(struct vgic *g, bool keep_lines)
{
	uint32_t spi_level[VGIC_WORDS];
	uint32_t priv_level[VGIC_MAX_CPUS];

	for (unsigned w = 0; w < VGIC_WORDS; w++)
		spi_level[w] = keep_lines ? g->spi[w].level : 0;
	for (unsigned cpu = 0; cpu < VGIC_MAX_CPUS; cpu++)
		priv_level[cpu] = keep_lines ? g->cpu[cpu].priv.level : 0;

	g->ctlr = 0;
	memset(g->spi, 0, sizeof(g->spi));
	memset(g->spi_priority, 0, sizeof(g->spi_priority));
	memset(g->spi_target, 0, sizeof(g->spi_target));
	memset(g->cpu, 0, sizeof(g->cpu));
	for (unsigned w = 0; w < VGIC_WORDS; w++)
		g->spi[w].level = spi_level[w];
	for (unsigned cpu = 0; cpu < VGIC_MAX_CPUS; cpu++) {
		struct vgic_cpu *c = &g->cpu[cpu];

		c->priv.level = priv_level[cpu];
		/*
		 * SGIs are always enabled (their enable bits are RAO/WI, as on
		 * GIC-400) and always edge-triggered; PPIs start level-sensitive,
		 * as the timers are.
		 */
		c->priv.enabled = SGI_MASK;
		c->priv.edge = SGI_MASK;
		for (unsigned lr = 0; lr < VGIC_MAX_LRS; lr++)
			c->lr_intid[lr] = VGIC_LR_FREE;
	}
	/*
	 * The specification leaves SPI targets unknown at reset; CPU 0 lets a
	 * guest that never programs them (many small kernels do not) still
	 * take its SPIs on the boot CPU. Linux retargets them all anyway.
	 */
	for (unsigned intid = VGIC_NR_PRIVATE; intid < g->num_irqs; intid++)
		vgic_set_spi_target(g, intid, 1);
}

int vgic_init(struct vgic *g, struct vm *vm, unsigned cpus, unsigned num_irqs, unsigned num_lrs,
	      const struct vgic_backend_ops *ops, void *ctx)
{
	if (vm == NULL || cpus == 0 || cpus > VGIC_MAX_CPUS || num_irqs < VGIC_NR_PRIVATE ||
	    num_irqs > VGIC_MAX_INTIDS || num_lrs == 0 || num_lrs > VGIC_MAX_LRS || ops == NULL ||
	    ops->inject == NULL)
		return -SVMM_EINVAL;
	memset(g, 0, sizeof(*g));
	g->vm = vm;
	g->ops = ops;
	g->ctx = ctx;
	g->cpus = cpus;
	g->num_irqs = num_irqs;
	g->num_lrs = num_lrs;
	reset_state(g, false);
	return 0;
}

void vgic_reset(struct vgic *g)
{
	reset_state(g, true);
	vgic_update_all(g);
}

/* ---- input lines ---- */

static void drive_line(struct vgic_bits *b, uint32_t bit, bool level)
{
	if (level && !(b->level & bit) && (b->edge & bit))
		b->latch |= bit;
	if (level)
		b->level |= bit;
	else
		b->level &= ~bit;
}

static bool is_spi(const struct vgic *g, unsigned intid)
{
	return intid >= VGIC_NR_PRIVATE && intid < g->num_irqs;
}

static bool is_ppi(const struct vgic *g, unsigned vcpu, unsigned intid)
{
	return vcpu < g->cpus && intid >= VGIC_NR_SGIS && intid < VGIC_NR_PRIVATE;
}

int vgic_set_irq_level(struct vgic *g, unsigned intid, bool level)
{
	if (!is_spi(g, intid))
		return -SVMM_EINVAL;
	drive_line(&g->spi[intid / 32], 1u << (intid % 32), level);
	update(g, g->spi_target[intid]);
	return 0;
}

int vgic_pulse_irq(struct vgic *g, unsigned intid)
{
	if (!is_spi(g, intid))
		return -SVMM_EINVAL;
	g->spi[intid / 32].latch |= 1u << (intid % 32);
	update(g, g->spi_target[intid]);
	return 0;
}

int vgic_inject_ppi(struct vgic *g, unsigned vcpu, unsigned intid)
{
	if (!is_ppi(g, vcpu, intid))
		return -SVMM_EINVAL;
	g->cpu[vcpu].priv.latch |= 1u << intid;
	update(g, 1u << vcpu);
	return 0;
}

int vgic_set_ppi_level(struct vgic *g, unsigned vcpu, unsigned intid, bool level)
{
	if (!is_ppi(g, vcpu, intid))
		return -SVMM_EINVAL;
	drive_line(&g->cpu[vcpu].priv, 1u << intid, level);
	update(g, 1u << vcpu);
	return 0;
}

/* vm->irq_chip: device line N is SPI N, INTID 32 + N. */
static int chip_set_level(void *ctx, unsigned line, bool level)
{
	if (line >= VGIC_MAX_INTIDS)
		return -SVMM_EINVAL;
	return vgic_set_irq_level(ctx, VGIC_NR_PRIVATE + line, level);
}

static int chip_pulse(void *ctx, unsigned line)
{
	if (line >= VGIC_MAX_INTIDS)
		return -SVMM_EINVAL;
	return vgic_pulse_irq(ctx, VGIC_NR_PRIVATE + line);
}

int vgic_attach(struct vgic *g, uint64_t base, uint64_t size)
{
	int err;

	if (size < VGIC_DIST_SIZE)
		return -SVMM_EINVAL;
	err = bus_register(&g->vm->mmio, base, size, vgic_dist_access, g, "gic-dist");
	if (err < 0)
		return err;
	g->vm->irq_chip =
	    (struct vm_irq_chip){.set_level = chip_set_level, .pulse = chip_pulse, .ctx = g};
	return 0;
}

/* ---- list registers ---- */

int vgic_maintenance(struct vgic *g, unsigned vcpu, unsigned lr)
{
	unsigned intid;

	if (vcpu >= g->cpus || lr >= g->num_lrs || g->cpu[vcpu].lr_intid[lr] == VGIC_LR_FREE) {
		log_limited(&g->vm->log, &g->bad_event_log, LOG_WARN,
			    "vgic: maintenance for vCPU %u LR %u, which holds nothing", vcpu, lr);
		return -SVMM_EINVAL;
	}
	intid = g->cpu[vcpu].lr_intid[lr];
	g->cpu[vcpu].lr_intid[lr] = VGIC_LR_FREE;
	vgic_slice(g, vcpu, intid / 32)->in_lr &= ~(1u << (intid % 32));
	vgic_finished(g, vcpu, intid);
	/*
	 * A level line still high is pending again and goes back in now, on
	 * this vCPU or (an SPI) on another it targets that has a free LR.
	 */
	update(g, (1u << vcpu) | (intid >= VGIC_NR_PRIVATE ? g->spi_target[intid] : 0));
	return 0;
}

int vgic_lr_intid(const struct vgic *g, unsigned vcpu, unsigned lr)
{
	if (vcpu >= g->cpus || lr >= g->num_lrs || g->cpu[vcpu].lr_intid[lr] == VGIC_LR_FREE)
		return -1;
	return g->cpu[vcpu].lr_intid[lr];
}
