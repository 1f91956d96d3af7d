/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counters of one vCPU's exits to the VMM, by kind, with MMIO accesses by
 * address and direction, for `svmm run --stats`: where a guest's time goes
 * is first a matter of how often it stops, and at which register.
 */
#ifndef SVMM_CORE_EXIT_STATS_H
#define SVMM_CORE_EXIT_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum exit_kind {
	EXIT_MMIO,	   /* a device register access handled by the VMM */
	EXIT_NISV,	   /* an access without a syndrome, decoded by the VMM */
	EXIT_INTERRUPTED,  /* the vCPU was kicked (a signal) */
	EXIT_SYSTEM_EVENT, /* power off, reset, crash */
	EXIT_OTHER,	   /* anything else (the VM then stops) */
	EXIT_KIND_COUNT,
};

/* Distinct (address, direction) pairs kept; the rest are counted together. */
#define EXIT_STATS_MMIO_SLOTS 256

struct exit_stats_mmio {
	uint64_t gpa;
	uint64_t count;
	bool is_write;
	bool used;
};

/*
 * The kind counters are atomic: their vCPU's thread counts, another thread may read. The
 * MMIO table is written and read only under the VM's device lock, which the
 * MMIO path holds anyway.
 */
struct exit_stats {
	_Atomic uint64_t exits[EXIT_KIND_COUNT];
	struct exit_stats_mmio mmio[EXIT_STATS_MMIO_SLOTS];
	uint64_t mmio_untracked; /* accesses that found the table full */
};

void exit_stats_count(struct exit_stats *stats, enum exit_kind kind);
/* Counts one MMIO access (call with the device lock held). */
void exit_stats_count_mmio(struct exit_stats *stats, uint64_t gpa, bool is_write);
uint64_t exit_stats_exits(const struct exit_stats *stats, enum exit_kind kind);
const char *exit_kind_name(enum exit_kind kind);

#endif
