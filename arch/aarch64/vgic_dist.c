/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GICv2 distributor's registers (IHI 0048B, 4.3): what the guest's
 * GICD accesses read and change. The state they work on, and delivery
 * after a write, are in vgic.c (via vgic_state.h).
 *
 * The contracts are ACSL, proven by `make prove` (the README's "Proofs"
 * section says under which assumptions).
 */
#include "arch/aarch64/vgic.h"

#include "arch/aarch64/vgic_state.h"
#include "core/errors.h"

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

/*
 * GICH_LR keeps five priority bits, so the distributor implements five (the
 * low three read as zero): what the guest reads back is what the CPU
 * interface compares.
 */
#define PRIORITY_MASK 0xf8u

/* Registers of one bit per INTID: GICD_IGROUPR to GICD_ICACTIVER. */
/*@ requires vgic_ok(g) && cpu < g->cpus && word < vgic_slices(g);
    assigns \nothing; */
static uint32_t read_bit_reg(struct vgic *g, unsigned cpu, unsigned reg, unsigned word)
{
	const struct vgic_bits *b = vgic_slice(g, cpu, word);
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
		value = vgic_slice_pending(g, cpu, word);
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
	return value & vgic_slice_valid(g, word);
}

/* Pending latches the guest cleared: they are finished without delivery. */
/*@ requires vgic_ok(g) && cpu < g->cpus && word < vgic_slices(g);
    assigns \nothing; */
static void report_dropped(struct vgic *g, unsigned cpu, unsigned word, uint32_t dropped)
{
	/*@ loop invariant 0 <= i <= 32;
	    loop assigns i;
	    loop variant 32 - i; */
	for (unsigned i = 0; i < 32; i++)
		if (dropped & (1u << i))
			vgic_finished(g, cpu, word * 32 + i);
}

/*@ requires vgic_ok(g) && cpu < g->cpus && word < vgic_slices(g);
    assigns g->spi[word], g->cpu[cpu].priv; */
static void write_bit_reg(struct vgic *g, unsigned cpu, unsigned reg, unsigned word, uint32_t value)
{
	struct vgic_bits *b = vgic_slice(g, cpu, word);
	uint32_t mask = vgic_slice_valid(g, word);
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
/*@ requires vgic_ok(g) && cpu < g->cpus && n / 2 < vgic_slices(g);
    assigns \nothing; */
static uint32_t read_icfgr(struct vgic *g, unsigned cpu, unsigned n)
{
	const struct vgic_bits *b = vgic_slice(g, cpu, n / 2);
	uint32_t valid = vgic_slice_valid(g, n / 2);
	unsigned first = (n % 2) * 16;
	uint32_t value = 0;

	/*@ loop invariant 0 <= i <= 16;
	    loop assigns i, value;
	    loop variant 16 - i; */
	for (unsigned i = 0; i < 16; i++)
		if (b->edge & valid & (1u << (first + i)))
			value |= 2u << (2 * i);
	return value;
}

/*@ requires vgic_ok(g) && cpu < g->cpus && n / 2 < vgic_slices(g);
    assigns g->spi[n / 2].edge, g->cpu[cpu].priv.edge; */
static void write_icfgr(struct vgic *g, unsigned cpu, unsigned n, uint32_t value)
{
	struct vgic_bits *b = vgic_slice(g, cpu, n / 2);
	uint32_t valid = vgic_slice_valid(g, n / 2);
	unsigned first = (n % 2) * 16;

	/* SGIs are edge-triggered by definition (ICFGR0 is read-only). */
	if (n == 0)
		return;
	/*@ loop invariant 0 <= i <= 16;
	    loop assigns i, b->edge;
	    loop variant 16 - i; */
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

/*@ requires vgic_ok(g) && cpu < g->cpus;
    assigns g->cpu[0 .. VGIC_MAX_CPUS - 1].sgi_sources[0 .. VGIC_NR_SGIS - 1]; */
static void write_sgir(struct vgic *g, unsigned cpu, uint32_t value)
{
	unsigned sgi = value % VGIC_NR_SGIS; /* SGIINTID, bits [3:0] */
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
	targets &= vgic_cpu_mask(g);
	/*@ loop invariant 0 <= target <= g->cpus;
	    loop assigns target, g->cpu[0 .. VGIC_MAX_CPUS - 1].sgi_sources[sgi];
	    loop variant g->cpus - target; */
	for (unsigned target = 0; target < g->cpus; target++)
		if (targets & (1u << target))
			g->cpu[target].sgi_sources[sgi] |= (uint8_t)(1u << cpu);
}

/* Identification registers: GICv2 (ICPIDR2.ArchRev = 2), ARM's JEP106 code, part 0x053. */
/*@ requires GICD_PIDR4 <= offset < VGIC_DIST_SIZE;
    assigns \nothing; */
static uint32_t read_id(uint64_t offset)
{
	static const uint8_t id[12] = {
	    0x04, 0x00, 0x00, 0x00, /* PIDR4..7 */
	    0x53, 0xb0, 0x2b, 0x00, /* PIDR0..3 */
	    0x0d, 0xf0, 0x05, 0xb1, /* CIDR0..3 */
	};

	return id[(offset - GICD_PIDR4) / 4];
}

/*@
  // The byte-wide registers: one byte per INTID, or per SGI for the SGI pending sets.
  predicate byte_register(integer offset) =
    (GICD_IPRIORITYR <= offset < GICD_ICFGR) ||
    (GICD_CPENDSGIR <= offset < GICD_SPENDSGIR + VGIC_NR_SGIS);
*/

/* The byte-wide registers: one byte per INTID, or per SGI for the SGI pending sets. */
/*@ assigns \nothing;
    ensures \result <==> byte_register(offset); */
static bool byte_accessible(uint64_t offset)
{
	return (offset >= GICD_IPRIORITYR && offset < GICD_ICFGR) ||
	       (offset >= GICD_CPENDSGIR && offset < GICD_SPENDSGIR + VGIC_NR_SGIS);
}

/*@ requires vgic_ok(g) && cpu < g->cpus && byte_register(offset);
    assigns \nothing; */
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
	return *vgic_priority_of(g, cpu, (unsigned)(offset - GICD_IPRIORITYR));
}

/*@ requires vgic_ok(g) && cpu < g->cpus && byte_register(offset);
    assigns g->spi_priority[0 .. VGIC_MAX_INTIDS - 1], g->spi_target[0 .. VGIC_MAX_INTIDS - 1],
	    g->cpu[0 .. VGIC_MAX_CPUS - 1]; */
static void write_byte(struct vgic *g, unsigned cpu, uint64_t offset, uint8_t value)
{
	if (offset >= GICD_SPENDSGIR) {
		g->cpu[cpu].sgi_sources[offset - GICD_SPENDSGIR] |= value & vgic_cpu_mask(g);
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
		vgic_set_spi_target(g, intid, (uint8_t)(value & vgic_cpu_mask(g)));
	} else if (offset - GICD_IPRIORITYR < g->num_irqs) {
		*vgic_priority_of(g, cpu, (unsigned)(offset - GICD_IPRIORITYR)) =
		    value & PRIORITY_MASK;
	}
}

/*@ requires vgic_ok(g) && cpu < g->cpus && offset < VGIC_DIST_SIZE && offset % 4 == 0;
    assigns \nothing; */
static uint32_t read_word(struct vgic *g, unsigned cpu, uint64_t offset)
{
	uint32_t value = 0;

	if (offset == GICD_CTLR)
		return g->ctlr;
	if (offset == GICD_TYPER)
		return (vgic_slice_count(g) - 1) | (g->cpus - 1) << GICD_TYPER_CPUS_SHIFT;
	if (offset == GICD_IIDR)
		return GICD_IIDR_VALUE;
	if (offset >= GICD_IGROUPR && offset < GICD_IPRIORITYR) {
		unsigned word = (unsigned)(offset % 0x80) / 4;

		if (word >= vgic_slice_count(g))
			return 0;
		return read_bit_reg(g, cpu, (unsigned)(offset & ~0x7fu), word);
	}
	if (byte_accessible(offset)) {
		/*@ loop invariant 0 <= i <= 4;
		    loop assigns i, value;
		    loop variant 4 - i; */
		for (unsigned i = 0; i < 4; i++)
			value |= (uint32_t)read_byte(g, cpu, offset + i) << (8 * i);
		return value;
	}
	if (offset >= GICD_ICFGR && offset < GICD_ICFGR_END) {
		unsigned n = (unsigned)(offset - GICD_ICFGR) / 4;

		return n / 2 < vgic_slice_count(g) ? read_icfgr(g, cpu, n) : 0;
	}
	if (offset >= GICD_PIDR4 && offset < VGIC_DIST_SIZE)
		return read_id(offset);
	/* Reserved, GICD_NSACR (no Security Extensions) and write-only GICD_SGIR. */
	return 0;
}

/*@ requires vgic_ok(g) && cpu < g->cpus && offset < VGIC_DIST_SIZE && offset % 4 == 0;
    assigns g->ctlr, g->spi[0 .. VGIC_WORDS - 1], g->spi_priority[0 .. VGIC_MAX_INTIDS - 1],
	    g->spi_target[0 .. VGIC_MAX_INTIDS - 1], g->cpu[0 .. VGIC_MAX_CPUS - 1]; */
static void write_word(struct vgic *g, unsigned cpu, uint64_t offset, uint32_t value)
{
	if (offset == GICD_CTLR) {
		g->ctlr = value & (GICD_CTLR_GRP0 | GICD_CTLR_GRP1);
	} else if (offset >= GICD_IGROUPR && offset < GICD_IPRIORITYR) {
		unsigned word = (unsigned)(offset % 0x80) / 4;

		if (word < vgic_slice_count(g))
			write_bit_reg(g, cpu, (unsigned)(offset & ~0x7fu), word, value);
	} else if (byte_accessible(offset)) {
		/*@ loop invariant 0 <= i <= 4;
		    loop assigns i, g->spi_priority[0 .. VGIC_MAX_INTIDS - 1],
			    g->spi_target[0 .. VGIC_MAX_INTIDS - 1], g->cpu[0 .. VGIC_MAX_CPUS - 1];
		    loop variant 4 - i; */
		for (unsigned i = 0; i < 4; i++)
			write_byte(g, cpu, offset + i, (uint8_t)(value >> (8 * i)));
	} else if (offset >= GICD_ICFGR && offset < GICD_ICFGR_END) {
		unsigned n = (unsigned)(offset - GICD_ICFGR) / 4;

		if (n / 2 < vgic_slice_count(g))
			write_icfgr(g, cpu, n, value);
	} else if (offset == GICD_SGIR) {
		write_sgir(g, cpu, value);
	}
	/* Everything else is read-only or reserved: writes are ignored. */
}

int vgic_dist_access(void *opaque, struct access *acc, uint64_t offset)
{
	struct vgic *g = (struct vgic *)opaque;
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
	vgic_update_all(g);
	return 0;
}
