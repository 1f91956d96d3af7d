/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vGIC's state as its two halves share it: arch/aarch64/vgic.c (input
 * lines, list registers, delivery) and arch/aarch64/vgic_dist.c (the
 * distributor's registers). Internal to those two files.
 *
 * The contracts are ACSL. `make prove` proves the inline helpers' where
 * vgic_dist.c uses them; it assumes those of the two functions vgic.c
 * defines (vgic_update_all, vgic_finished), which are not proven.
 */
#ifndef SVMM_ARCH_AARCH64_VGIC_STATE_H
#define SVMM_ARCH_AARCH64_VGIC_STATE_H

#include <stdint.h>

#include "arch/aarch64/vgic.h"

/* GICD_CTLR: EnableGrp0, EnableGrp1. */
#define GICD_CTLR_GRP0 (1u << 0)
#define GICD_CTLR_GRP1 (1u << 1)

#define SGI_MASK 0x0000ffffu

/*@
  // How many 32-INTID slices (register words) the distributor has.
  logic integer vgic_slices(struct vgic *g) = (g->num_irqs + 31) / 32;
*/

/* How many 32-INTID slices (register words) the distributor has. */
/*@ requires \valid_read(g) && g->num_irqs <= VGIC_MAX_INTIDS;
    assigns \nothing;
    ensures \result == vgic_slices(g) && \result <= VGIC_WORDS; */
static inline unsigned vgic_slice_count(const struct vgic *g)
{
	return (g->num_irqs + 31) / 32;
}

/* The INTIDs of slice `word` that exist (INTIDs from num_irqs on are RAZ/WI). */
/*@ requires \valid_read(g) && g->num_irqs <= VGIC_MAX_INTIDS && word < VGIC_WORDS;
    assigns \nothing; */
static inline uint32_t vgic_slice_valid(const struct vgic *g, unsigned word)
{
	unsigned first = word * 32;

	if (first >= g->num_irqs)
		return 0;
	if (g->num_irqs - first >= 32)
		return ~0u;
	return (1u << (g->num_irqs - first)) - 1;
}

/*@ requires \valid_read(g) && 1 <= g->cpus <= VGIC_MAX_CPUS;
    assigns \nothing; */
static inline uint32_t vgic_cpu_mask(const struct vgic *g)
{
	return (1u << g->cpus) - 1;
}

/* Slice 0 is banked per vCPU; the others are shared. */
/*@ requires \valid(g) && cpu < VGIC_MAX_CPUS && word < VGIC_WORDS;
    assigns \nothing;
    ensures \result == (word == 0 ? &g->cpu[cpu].priv : &g->spi[word]); */
static inline struct vgic_bits *vgic_slice(struct vgic *g, unsigned cpu, unsigned word)
{
	return word == 0 ? &g->cpu[cpu].priv : &g->spi[word];
}

/*@ requires \valid(g) && cpu < VGIC_MAX_CPUS && intid < VGIC_MAX_INTIDS;
    assigns \nothing;
    ensures \result == (intid < VGIC_NR_PRIVATE ? &g->cpu[cpu].priority[intid]
						 : &g->spi_priority[intid]); */
static inline uint8_t *vgic_priority_of(struct vgic *g, unsigned cpu, unsigned intid)
{
	return intid < VGIC_NR_PRIVATE ? &g->cpu[cpu].priority[intid] : &g->spi_priority[intid];
}

/*@ requires \valid_read(c);
    assigns \nothing; */
static inline uint32_t vgic_sgi_pending(const struct vgic_cpu *c)
{
	uint32_t mask = 0;

	/*@ loop invariant 0 <= i <= VGIC_NR_SGIS;
	    loop assigns i, mask;
	    loop variant VGIC_NR_SGIS - i; */
	for (unsigned i = 0; i < VGIC_NR_SGIS; i++)
		if (c->sgi_sources[i] != 0)
			mask |= 1u << i;
	return mask;
}

/*
 * Pending as GICD_ISPENDR shows it: a latched edge or write, or a
 * level-sensitive line that is high. SGIs keep theirs per sender.
 */
/*@ requires \valid(g) && g->num_irqs <= VGIC_MAX_INTIDS;
    requires cpu < VGIC_MAX_CPUS && word < VGIC_WORDS;
    assigns \nothing; */
static inline uint32_t vgic_slice_pending(struct vgic *g, unsigned cpu, unsigned word)
{
	const struct vgic_bits *b = vgic_slice(g, cpu, word);
	uint32_t pending = b->latch | (b->level & ~b->edge);

	if (word == 0)
		pending = (pending & ~SGI_MASK) | vgic_sgi_pending(&g->cpu[cpu]);
	return pending & vgic_slice_valid(g, word);
}

/* Where SPI `intid` goes: GICD_ITARGETSR's byte and each vCPU's mask of its SPIs. */
/*@ requires vgic_ok(g) && VGIC_NR_PRIVATE <= intid < g->num_irqs;
    assigns g->spi_target[intid], g->cpu[0 .. VGIC_MAX_CPUS - 1].spi_targeted[intid / 32]; */
static inline void vgic_set_spi_target(struct vgic *g, unsigned intid, uint8_t targets)
{
	uint32_t bit = 1u << (intid % 32);

	g->spi_target[intid] = targets;
	/*@ loop invariant 0 <= cpu <= g->cpus;
	    loop assigns cpu, g->cpu[0 .. VGIC_MAX_CPUS - 1].spi_targeted[intid / 32];
	    loop variant g->cpus - cpu; */
	for (unsigned cpu = 0; cpu < g->cpus; cpu++) {
		if (targets & (1u << cpu))
			g->cpu[cpu].spi_targeted[intid / 32] |= bit;
		else
			g->cpu[cpu].spi_targeted[intid / 32] &= ~bit;
	}
}

/*
 * Fills every vCPU's free list registers from what is pending: after
 * anything that can make an interrupt deliverable to any of them. It
 * changes only the per-interrupt state and the vCPUs' (and its log limit);
 * the backend's inject and kick are modelled as changing no vGIC state.
 */
/*@ requires vgic_ok(g);
    assigns g->spi[0 .. VGIC_WORDS - 1], g->cpu[0 .. VGIC_MAX_CPUS - 1], g->inject_log;
    ensures vgic_ok(g); */
void vgic_update_all(struct vgic *g);

/*
 * `intid` is finished on `cpu` (EOI'd, or its pending state cleared before
 * delivery): the backend acknowledges its source, if it has one. Modelled
 * as changing no vGIC state (backend ops must not call back in).
 */
/*@ requires \valid_read(g);
    assigns \nothing; */
void vgic_finished(struct vgic *g, unsigned cpu, unsigned intid);

#endif
