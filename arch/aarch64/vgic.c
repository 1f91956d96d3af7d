/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GICv2 distributor emulation, after the GICv2 architecture specification
 * (ARM IHI 0048B, chapter 4), as a GIC without the Security Extensions
 * presents it: both interrupt groups visible and programmable, GICD_CTLR
 * enabling each group. Where the specification leaves a choice, the choice
 * is the one Linux's irq-gic driver works best with, and is said where made.
 */
#include "arch/aarch64/vgic.h"

#include "core/errors.h"
#include "core/string.h"

/* Distributor register offsets (IHI 0048B table 4-1). */
#define GICD_CTLR	0x000
#define GICD_TYPER	0x004
#define GICD_IIDR	0x008
#define GICD_IGROUPR	0x080
#define GICD_ISENABLER	0x100
#define GICD_ICENABLER	0x180
#define GICD_ISPENDR	0x200
#define GICD_ICPENDR	0x280
#define GICD_ISACTIVER	0x300
#define GICD_ICACTIVER	0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR	0x800
#define GICD_ICFGR	0xc00
#define GICD_ICFGR_END	0xd00 /* 0xd00..0xdfc: implementation defined, RAZ here */
#define GICD_SGIR	0xf00
#define GICD_CPENDSGIR	0xf10
#define GICD_SPENDSGIR	0xf20
#define GICD_PIDR4	0xfd0 /* PIDR4..7, PIDR0..3, CIDR0..3: one byte per word */

#define GICD_CTLR_GRP0 (1u << 0)
#define GICD_CTLR_GRP1 (1u << 1)

/* ITLinesNumber [4:0], CPUNumber [7:5]; SecurityExtn [10] stays 0. */
#define GICD_TYPER_CPUS_SHIFT 5

/*
 * Implementer ARM's JEP106 code (0x43b) with product 'S' for svmm, the way
 * KVM marks its own vGIC ('K'): a guest that keys quirks on IIDR must not
 * take this for a silicon GIC.
 */
#define GICD_IIDR_VALUE ((0x53u << 24) | 0x43bu)

#define SGIR_FILTER_SHIFT  24
#define SGIR_FILTER_LIST   0u /* the CPUTargetList field */
#define SGIR_FILTER_OTHER  1u /* every CPU but the sender */
#define SGIR_FILTER_SELF   2u
#define SGIR_TARGETS	   0xffu
#define SGIR_TARGETS_SHIFT 16
#define SGIR_INTID	   0xfu

/*
 * GICH_LR keeps five priority bits, so the distributor implements five (the
 * low three read as zero): what the guest reads back is what the CPU
 * interface compares.
 */
#define PRIORITY_MASK 0xf8u

#define SGI_MASK 0x0000ffffu

/* How many 32-INTID slices (register words) the distributor has. */
static unsigned slice_count(const struct vgic *g)
{
	return (g->num_irqs + 31) / 32;
}

/* The INTIDs of slice `word` that exist (INTIDs from num_irqs on are RAZ/WI). */
static uint32_t slice_valid(const struct vgic *g, unsigned word)
{
	unsigned first = word * 32;

	if (first >= g->num_irqs)
		return 0;
	if (g->num_irqs - first >= 32)
		return ~0u;
	return (1u << (g->num_irqs - first)) - 1;
}

static uint32_t cpu_mask(const struct vgic *g)
{
	return (1u << g->cpus) - 1;
}

/* Slice 0 is banked per vCPU; the others are shared. */
static struct vgic_bits *slice(struct vgic *g, unsigned cpu, unsigned word)
{
	return word == 0 ? &g->cpu[cpu].priv : &g->spi[word];
}

static uint8_t *priority_of(struct vgic *g, unsigned cpu, unsigned intid)
{
	return intid < VGIC_NR_PRIVATE ? &g->cpu[cpu].priority[intid] : &g->spi_priority[intid];
}

static uint32_t sgi_pending(const struct vgic_cpu *c)
{
	uint32_t mask = 0;

	for (unsigned i = 0; i < VGIC_NR_SGIS; i++)
		if (c->sgi_sources[i] != 0)
			mask |= 1u << i;
	return mask;
}

/*
 * Pending as GICD_ISPENDR shows it: a latched edge or write, or a
 * level-sensitive line that is high. SGIs keep theirs per sender.
 */
static uint32_t slice_pending(struct vgic *g, unsigned cpu, unsigned word)
{
	const struct vgic_bits *b = slice(g, cpu, word);
	uint32_t pending = b->latch | (b->level & ~b->edge);

	if (word == 0)
		pending = (pending & ~SGI_MASK) | sgi_pending(&g->cpu[cpu]);
	return pending & slice_valid(g, word);
}

/*
 * What the distributor would forward to `cpu` from slice `word`: pending,
 * enabled, in an enabled group, not already in an LR or made active by the
 * guest, and for SPIs targeted at this vCPU.
 */
static uint32_t slice_candidates(struct vgic *g, unsigned cpu, unsigned word)
{
	const struct vgic_bits *b = slice(g, cpu, word);
	uint32_t groups = 0;
	uint32_t ready;

	if (g->ctlr & GICD_CTLR_GRP0)
		groups |= ~b->group;
	if (g->ctlr & GICD_CTLR_GRP1)
		groups |= b->group;
	ready = slice_pending(g, cpu, word) & b->enabled & ~b->in_lr & ~b->active & groups;
	if (word != 0)
		ready &= g->cpu[cpu].spi_targeted[word];
	return ready;
}

/* The highest-priority candidate for `cpu` (lowest INTID on a tie), or -1. */
static int best_candidate(struct vgic *g, unsigned cpu)
{
	int best = -1;
	unsigned best_priority = 0x100;

	for (unsigned word = 0; word < slice_count(g); word++) {
		uint32_t ready = slice_candidates(g, cpu, word);

		while (ready != 0) {
			unsigned intid = word * 32 + (unsigned)__builtin_ctz(ready);
			unsigned priority = *priority_of(g, cpu, intid);

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
		b = slice(g, cpu, intid / 32);
		bit = 1u << (intid % 32);
		entry = (struct vgic_lr_entry){
		    .intid = intid,
		    .source_cpu = VGIC_NO_SOURCE,
		    .priority = *priority_of(g, cpu, intid),
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

static void update_all(struct vgic *g)
{
	update(g, cpu_mask(g));
}

static void set_spi_target(struct vgic *g, unsigned intid, uint8_t targets)
{
	uint32_t bit = 1u << (intid % 32);

	g->spi_target[intid] = targets;
	for (unsigned cpu = 0; cpu < g->cpus; cpu++) {
		if (targets & (1u << cpu))
			g->cpu[cpu].spi_targeted[intid / 32] |= bit;
		else
			g->cpu[cpu].spi_targeted[intid / 32] &= ~bit;
	}
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
		set_spi_target(g, intid, 1);
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
	update_all(g);
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
	slice(g, vcpu, intid / 32)->in_lr &= ~(1u << (intid % 32));
	if (g->ops->eoi != NULL)
		g->ops->eoi(g->ctx, vcpu, intid);
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

/* ---- distributor registers ---- */

/* Registers of one bit per INTID: GICD_IGROUPR to GICD_ICACTIVER. */
static uint32_t read_bit_reg(struct vgic *g, unsigned cpu, unsigned reg, unsigned word)
{
	const struct vgic_bits *b = slice(g, cpu, word);
	uint32_t value = 0;

	switch (reg) {
	case GICD_IGROUPR:
		value = b->group;
		break;
	case GICD_ISENABLER:
	case GICD_ICENABLER:
		value = b->enabled;
		break;
	case GICD_ISPENDR:
	case GICD_ICPENDR:
		value = slice_pending(g, cpu, word);
		break;
	case GICD_ISACTIVER:
	case GICD_ICACTIVER:
		/*
		 * An interrupt in an LR is pending or active there, and svmm
		 * cannot read LRs back to say which; reporting it active keeps
		 * Linux's synchronize_irq() waiting until the guest's EOI.
		 */
		value = b->active | b->in_lr;
		break;
	}
	return value & slice_valid(g, word);
}

/* Pending latches the guest cleared: they are finished without delivery. */
static void report_dropped(struct vgic *g, unsigned cpu, unsigned word, uint32_t dropped)
{
	while (dropped != 0 && g->ops->eoi != NULL) {
		unsigned intid = word * 32 + (unsigned)__builtin_ctz(dropped);

		dropped &= dropped - 1;
		g->ops->eoi(g->ctx, cpu, intid);
	}
}

static void write_bit_reg(struct vgic *g, unsigned cpu, unsigned reg, unsigned word, uint32_t value)
{
	struct vgic_bits *b = slice(g, cpu, word);
	uint32_t mask = slice_valid(g, word);
	uint32_t dropped;

	/*
	 * SGIs are always enabled, and their pending state is per sender, set
	 * and cleared through GICD_SGIR, GICD_SPENDSGIR and GICD_CPENDSGIR.
	 */
	if (word == 0 && reg != GICD_IGROUPR && reg != GICD_ISACTIVER && reg != GICD_ICACTIVER)
		mask &= ~SGI_MASK;
	value &= mask;
	switch (reg) {
	case GICD_IGROUPR:
		b->group = (b->group & ~mask) | value;
		break;
	case GICD_ISENABLER:
		b->enabled |= value;
		break;
	case GICD_ICENABLER:
		b->enabled &= ~value;
		break;
	case GICD_ISPENDR:
		b->latch |= value;
		break;
	case GICD_ICPENDR:
		dropped = b->latch & value;
		b->latch &= ~value;
		report_dropped(g, cpu, word, dropped);
		break;
	case GICD_ISACTIVER:
		b->active |= value;
		break;
	case GICD_ICACTIVER:
		/* Only what the guest set: an LR's state is the hardware's until its EOI. */
		b->active &= ~value;
		break;
	}
}

/* GICD_ICFGRn: two bits per INTID, of which bit 1 says edge-triggered. */
static uint32_t read_icfgr(struct vgic *g, unsigned cpu, unsigned n)
{
	const struct vgic_bits *b = slice(g, cpu, n / 2);
	uint32_t valid = slice_valid(g, n / 2);
	unsigned first = (n % 2) * 16;
	uint32_t value = 0;

	for (unsigned i = 0; i < 16; i++)
		if (b->edge & valid & (1u << (first + i)))
			value |= 2u << (2 * i);
	return value;
}

static void write_icfgr(struct vgic *g, unsigned cpu, unsigned n, uint32_t value)
{
	struct vgic_bits *b = slice(g, cpu, n / 2);
	uint32_t valid = slice_valid(g, n / 2);
	unsigned first = (n % 2) * 16;

	/* SGIs are edge-triggered by definition (ICFGR0 is read-only). */
	if (n == 0)
		return;
	for (unsigned i = 0; i < 16; i++) {
		uint32_t bit = 1u << (first + i);

		if (!(valid & bit))
			continue;
		if (value & (2u << (2 * i)))
			b->edge |= bit;
		else
			b->edge &= ~bit;
	}
}

static void write_sgir(struct vgic *g, unsigned cpu, uint32_t value)
{
	unsigned sgi = value & SGIR_INTID;
	uint32_t targets;

	switch ((value >> SGIR_FILTER_SHIFT) & 3) {
	case SGIR_FILTER_LIST:
		targets = (value >> SGIR_TARGETS_SHIFT) & SGIR_TARGETS;
		break;
	case SGIR_FILTER_OTHER:
		targets = ~(1u << cpu);
		break;
	case SGIR_FILTER_SELF:
		targets = 1u << cpu;
		break;
	default:
		/* Reserved: the specification says nothing is sent. */
		return;
	}
	targets &= cpu_mask(g);
	for (unsigned target = 0; target < g->cpus; target++)
		if (targets & (1u << target))
			g->cpu[target].sgi_sources[sgi] |= (uint8_t)(1u << cpu);
}

/* Identification registers: GICv2 (ICPIDR2.ArchRev = 2), ARM's JEP106 code, part 0x053. */
static uint32_t read_id(uint64_t offset)
{
	static const uint8_t id[12] = {
	    0x04, 0x00, 0x00, 0x00, /* PIDR4..7 */
	    0x53, 0xb0, 0x2b, 0x00, /* PIDR0..3 */
	    0x0d, 0xf0, 0x05, 0xb1, /* CIDR0..3 */
	};

	return id[(offset - GICD_PIDR4) / 4];
}

/* The byte-wide registers: one byte per INTID, or per SGI for the SGI pending sets. */
static bool byte_accessible(uint64_t offset)
{
	return (offset >= GICD_IPRIORITYR && offset < GICD_ICFGR) ||
	       (offset >= GICD_CPENDSGIR && offset < GICD_SPENDSGIR + VGIC_NR_SGIS);
}

static uint8_t read_byte(struct vgic *g, unsigned cpu, uint64_t offset)
{
	if (offset >= GICD_CPENDSGIR) {
		unsigned sgi = (unsigned)(offset - GICD_CPENDSGIR) % VGIC_NR_SGIS;

		return g->cpu[cpu].sgi_sources[sgi];
	}
	if (offset >= GICD_ITARGETSR) {
		unsigned intid = (unsigned)(offset - GICD_ITARGETSR);

		if (intid >= g->num_irqs)
			return 0;
		/* SGIs and PPIs reach the reader only; Linux finds its CPU mask here. */
		if (intid < VGIC_NR_PRIVATE)
			return (uint8_t)(1u << cpu);
		return g->spi_target[intid];
	}
	if (offset - GICD_IPRIORITYR >= g->num_irqs)
		return 0;
	return *priority_of(g, cpu, (unsigned)(offset - GICD_IPRIORITYR));
}

static void write_byte(struct vgic *g, unsigned cpu, uint64_t offset, uint8_t value)
{
	if (offset >= GICD_SPENDSGIR) {
		g->cpu[cpu].sgi_sources[offset - GICD_SPENDSGIR] |= value & cpu_mask(g);
	} else if (offset >= GICD_CPENDSGIR) {
		g->cpu[cpu].sgi_sources[offset - GICD_CPENDSGIR] &= (uint8_t)~value;
	} else if (offset >= GICD_ITARGETSR) {
		unsigned intid = (unsigned)(offset - GICD_ITARGETSR);

		/*
		 * Private targets are fixed; and with one vCPU every SPI goes
		 * to it (the specification makes these RAZ/WI there), so a
		 * guest cannot strand its SPIs by writing zero.
		 */
		if (intid < VGIC_NR_PRIVATE || intid >= g->num_irqs || g->cpus == 1)
			return;
		set_spi_target(g, intid, (uint8_t)(value & cpu_mask(g)));
	} else if (offset - GICD_IPRIORITYR < g->num_irqs) {
		*priority_of(g, cpu, (unsigned)(offset - GICD_IPRIORITYR)) = value & PRIORITY_MASK;
	}
}

static uint32_t read_word(struct vgic *g, unsigned cpu, uint64_t offset)
{
	uint32_t value = 0;

	if (offset == GICD_CTLR)
		return g->ctlr;
	if (offset == GICD_TYPER)
		return (slice_count(g) - 1) | (g->cpus - 1) << GICD_TYPER_CPUS_SHIFT;
	if (offset == GICD_IIDR)
		return GICD_IIDR_VALUE;
	if (offset >= GICD_IGROUPR && offset < GICD_IPRIORITYR) {
		unsigned word = (unsigned)(offset % 0x80) / 4;

		if (word >= slice_count(g))
			return 0;
		return read_bit_reg(g, cpu, (unsigned)(offset & ~0x7fu), word);
	}
	if (byte_accessible(offset)) {
		for (unsigned i = 0; i < 4; i++)
			value |= (uint32_t)read_byte(g, cpu, offset + i) << (8 * i);
		return value;
	}
	if (offset >= GICD_ICFGR && offset < GICD_ICFGR_END) {
		unsigned n = (unsigned)(offset - GICD_ICFGR) / 4;

		return n / 2 < slice_count(g) ? read_icfgr(g, cpu, n) : 0;
	}
	if (offset >= GICD_PIDR4 && offset < VGIC_DIST_SIZE)
		return read_id(offset);
	/* Reserved, GICD_NSACR (no Security Extensions) and write-only GICD_SGIR. */
	return 0;
}

static void write_word(struct vgic *g, unsigned cpu, uint64_t offset, uint32_t value)
{
	if (offset == GICD_CTLR) {
		g->ctlr = value & (GICD_CTLR_GRP0 | GICD_CTLR_GRP1);
	} else if (offset >= GICD_IGROUPR && offset < GICD_IPRIORITYR) {
		unsigned word = (unsigned)(offset % 0x80) / 4;

		if (word < slice_count(g))
			write_bit_reg(g, cpu, (unsigned)(offset & ~0x7fu), word, value);
	} else if (byte_accessible(offset)) {
		for (unsigned i = 0; i < 4; i++)
			write_byte(g, cpu, offset + i, (uint8_t)(value >> (8 * i)));
	} else if (offset >= GICD_ICFGR && offset < GICD_ICFGR_END) {
		unsigned n = (unsigned)(offset - GICD_ICFGR) / 4;

		if (n / 2 < slice_count(g))
			write_icfgr(g, cpu, n, value);
	} else if (offset == GICD_SGIR) {
		write_sgir(g, cpu, value);
	}
	/* Everything else is read-only or reserved: writes are ignored. */
}

int vgic_dist_access(void *opaque, struct access *acc, uint64_t offset)
{
	struct vgic *g = opaque;
	bool word = acc->size == 4 && offset % 4 == 0;
	bool byte = acc->size == 1 && byte_accessible(offset);

	if (!acc->is_write)
		acc->value = 0;
	if (acc->vcpu >= g->cpus || !(word || byte)) {
		log_limited(&g->vm->log, &g->bad_access_log, LOG_WARN,
			    "vgic: vCPU %u: %u-byte %s at distributor offset 0x%llx ignored",
			    acc->vcpu, acc->size, acc->is_write ? "write" : "read",
			    (unsigned long long)offset);
		return -SVMM_EINVAL;
	}
	/* The architecture defines 4 KiB; the rest of a larger window reads as zero. */
	if (offset >= VGIC_DIST_SIZE)
		return 0;
	if (!acc->is_write) {
		acc->value =
		    byte ? read_byte(g, acc->vcpu, offset) : read_word(g, acc->vcpu, offset);
		return 0;
	}
	if (byte)
		write_byte(g, acc->vcpu, offset, (uint8_t)acc->value);
	else
		write_word(g, acc->vcpu, offset, (uint32_t)acc->value);
	update_all(g);
	return 0;
}
