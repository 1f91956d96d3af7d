/* SPDX-License-Identifier: Apache-2.0 */
#include "core/exit_stats.h"

void exit_stats_count(struct exit_stats *stats, enum exit_kind kind)
{
	/* One writer (the vCPU's thread): a load and a store, no read-modify-write. */
	if (kind < EXIT_KIND_COUNT)
		atomic_store_explicit(
		    &stats->exits[kind],
		    atomic_load_explicit(&stats->exits[kind], memory_order_relaxed) + 1,
		    memory_order_relaxed);
}

/* Open addressing: a guest touches a few dozen registers, so probes stay short. */
void exit_stats_count_mmio(struct exit_stats *stats, uint64_t gpa, bool is_write)
{
	uint64_t key = (gpa << 1) | (is_write ? 1 : 0);
	unsigned slot = (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 56) % EXIT_STATS_MMIO_SLOTS;

	for (unsigned probe = 0; probe < EXIT_STATS_MMIO_SLOTS; probe++) {
		struct exit_stats_mmio *entry = &stats->mmio[slot];

		if (!entry->used) {
			*entry = (struct exit_stats_mmio){
			    .gpa = gpa, .count = 1, .is_write = is_write, .used = true};
			return;
		}
		if (entry->gpa == gpa && entry->is_write == is_write) {
			entry->count++;
			return;
		}
		slot = (slot + 1) % EXIT_STATS_MMIO_SLOTS;
	}
	stats->mmio_untracked++;
}

uint64_t exit_stats_exits(const struct exit_stats *stats, enum exit_kind kind)
{
	if (kind >= EXIT_KIND_COUNT)
		return 0;
	return atomic_load_explicit(&((struct exit_stats *)stats)->exits[kind],
				    memory_order_relaxed);
}

const char *exit_kind_name(enum exit_kind kind)
{
	static const char *const names[EXIT_KIND_COUNT] = {
	    [EXIT_MMIO] = "mmio",
	    [EXIT_NISV] = "mmio_no_syndrome",
	    [EXIT_INTERRUPTED] = "interrupted",
	    [EXIT_SYSTEM_EVENT] = "system_event",
	    [EXIT_OTHER] = "other",
	};

	return kind < EXIT_KIND_COUNT ? names[kind] : "?";
}
