/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exit counters behind `svmm run --stats`: kinds, MMIO by address and
 * direction, and what happens when the table of addresses is full.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "core/exit_stats.h"

static struct exit_stats *new_stats(void)
{
	struct exit_stats *stats = calloc(1, sizeof(*stats));

	assert_non_null(stats);
	return stats;
}

static uint64_t mmio_count(const struct exit_stats *stats, uint64_t gpa, bool is_write)
{
	uint64_t found = 0;

	for (unsigned i = 0; i < EXIT_STATS_MMIO_SLOTS; i++)
		if (stats->mmio[i].used && stats->mmio[i].gpa == gpa &&
		    stats->mmio[i].is_write == is_write)
			found += stats->mmio[i].count;
	return found;
}

static void test_kinds(void **state)
{
	struct exit_stats *stats = new_stats();

	(void)state;
	exit_stats_count(stats, EXIT_MMIO);
	exit_stats_count(stats, EXIT_MMIO);
	exit_stats_count(stats, EXIT_SYSTEM_EVENT);
	exit_stats_count(stats, EXIT_KIND_COUNT); /* out of range: ignored */
	assert_int_equal(exit_stats_exits(stats, EXIT_MMIO), 2);
	assert_int_equal(exit_stats_exits(stats, EXIT_SYSTEM_EVENT), 1);
	assert_int_equal(exit_stats_exits(stats, EXIT_INTERRUPTED), 0);
	assert_int_equal(exit_stats_exits(stats, EXIT_KIND_COUNT), 0);
	assert_string_equal(exit_kind_name(EXIT_MMIO), "mmio");
	assert_string_equal(exit_kind_name(EXIT_KIND_COUNT), "?");
	free(stats);
}

static void test_mmio_by_address_and_direction(void **state)
{
	struct exit_stats *stats = new_stats();

	(void)state;
	for (int i = 0; i < 5; i++)
		exit_stats_count_mmio(stats, 0x09000000, true);
	exit_stats_count_mmio(stats, 0x09000000, false);
	exit_stats_count_mmio(stats, 0x0a000050, true);
	assert_int_equal(mmio_count(stats, 0x09000000, true), 5);
	assert_int_equal(mmio_count(stats, 0x09000000, false), 1);
	assert_int_equal(mmio_count(stats, 0x0a000050, true), 1);
	assert_int_equal(mmio_count(stats, 0x0a000050, false), 0);
	assert_int_equal(stats->mmio_untracked, 0);
	free(stats);
}

/* Every slot taken: further new addresses are counted together, known ones still apart. */
static void test_full_table(void **state)
{
	struct exit_stats *stats = new_stats();

	(void)state;
	for (uint64_t i = 0; i < EXIT_STATS_MMIO_SLOTS; i++)
		exit_stats_count_mmio(stats, 0x1000 * i, false);
	exit_stats_count_mmio(stats, 0xdead0000, false);
	exit_stats_count_mmio(stats, 0xdead0000, true);
	exit_stats_count_mmio(stats, 0x1000 * 7, false);
	assert_int_equal(stats->mmio_untracked, 2);
	assert_int_equal(mmio_count(stats, 0x1000 * 7, false), 2);
	assert_int_equal(mmio_count(stats, 0xdead0000, false), 0);
	for (uint64_t i = 0; i < EXIT_STATS_MMIO_SLOTS; i++)
		assert_true(mmio_count(stats, 0x1000 * i, false) >= 1);
	free(stats);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_mmio_by_address_and_direction),
	    cmocka_unit_test(test_full_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
