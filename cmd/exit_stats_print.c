/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/exit_stats_print.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int by_count_descending(const void *a, const void *b)
{
	const struct exit_stats_mmio *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

static void print_mmio(FILE *out, const struct exit_stats *stats, const struct bus *mmio)
{
	struct exit_stats_mmio used[EXIT_STATS_MMIO_SLOTS];
	unsigned n = 0;

	for (unsigned i = 0; i < EXIT_STATS_MMIO_SLOTS; i++)
		if (stats->mmio[i].used)
			used[n++] = stats->mmio[i];
	qsort(used, n, sizeof(used[0]), by_count_descending);
	for (unsigned i = 0; i < n; i++) {
		const struct bus_range *range = bus_find(mmio, used[i].gpa);

		if (range != NULL)
			fprintf(out, "    mmio %-12s +0x%03" PRIx64 " %-5s %" PRIu64 "\n",
				range->name, used[i].gpa - range->base,
				used[i].is_write ? "write" : "read", used[i].count);
		else
			fprintf(out, "    mmio %-12s 0x%" PRIx64 " %-5s %" PRIu64 "\n", "(none)",
				used[i].gpa, used[i].is_write ? "write" : "read", used[i].count);
	}
	if (stats->mmio_untracked > 0)
		fprintf(out, "    mmio (more addresses) %" PRIu64 "\n", stats->mmio_untracked);
}

void exit_stats_print(FILE *out, const char *vm_name, const struct exit_stats *stats, unsigned cpus,
		      const struct bus *mmio)
{
	fprintf(out, "svmm: %s: exits to the VMM (--stats)\n", vm_name);
	for (unsigned cpu = 0; cpu < cpus; cpu++) {
		uint64_t total = 0;

		for (unsigned kind = 0; kind < EXIT_KIND_COUNT; kind++)
			total += exit_stats_exits(&stats[cpu], kind);
		fprintf(out, "  vcpu%u: %" PRIu64 " exits", cpu, total);
		for (unsigned kind = 0; kind < EXIT_KIND_COUNT; kind++)
			fprintf(out, " %s=%" PRIu64, exit_kind_name(kind),
				exit_stats_exits(&stats[cpu], kind));
		fputc('\n', out);
		print_mmio(out, &stats[cpu], mmio);
	}
	fflush(out);
}
