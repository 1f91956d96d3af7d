/* SPDX-License-Identifier: Apache-2.0 */
/* core/timeouts: one deadline per client, the earliest armed, conversions never early. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/timeouts.h"

#define QEMU_FREQ 62500000ull /* QEMU virt's generic timer: 62.5 MHz */

static void test_the_earliest_deadline_is_next_and_a_new_one_replaces_the_old(void **state)
{
	struct timeouts t;

	(void)state;
	timeouts_init(&t, 3);
	assert_true(timeouts_next(&t) == TIMEOUTS_NONE);
	assert_true(timeouts_set(&t, 0, 100, 50));
	assert_true(timeouts_set(&t, 2, 100, 20));
	assert_true(timeouts_next(&t) == 120);
	/* Client 2 asks again, later: its earlier deadline is gone. */
	assert_true(timeouts_set(&t, 2, 100, 80));
	assert_true(timeouts_next(&t) == 150);
}

static void test_unknown_clients_are_refused(void **state)
{
	struct timeouts t;

	(void)state;
	timeouts_init(&t, 2);
	assert_false(timeouts_set(&t, 2, 0, 1));
	assert_false(timeouts_set(&t, TIMEOUTS_MAX_CLIENTS, 0, 1));
	assert_true(timeouts_next(&t) == TIMEOUTS_NONE);
	/* More clients than the table holds: the table's size. */
	timeouts_init(&t, TIMEOUTS_MAX_CLIENTS + 5);
	assert_int_equal(t.clients, TIMEOUTS_MAX_CLIENTS);
}

static void test_a_delay_past_the_counter_waits_for_ever(void **state)
{
	struct timeouts t;

	(void)state;
	timeouts_init(&t, 1);
	assert_true(timeouts_set(&t, 0, UINT64_MAX - 10, 11));
	assert_true(timeouts_next(&t) == TIMEOUTS_NONE);
	assert_true(timeouts_set(&t, 0, UINT64_MAX - 10, 9));
	assert_true(timeouts_next(&t) == UINT64_MAX - 1);
}

static void test_due_clients_are_taken_once_each_in_order(void **state)
{
	struct timeouts t;
	unsigned cursor = 0, client = 99;

	(void)state;
	timeouts_init(&t, 4);
	timeouts_set(&t, 0, 0, 10);
	timeouts_set(&t, 1, 0, 30);
	timeouts_set(&t, 3, 0, 20);
	assert_true(timeouts_take_due(&t, 20, &cursor, &client));
	assert_int_equal(client, 0);
	assert_true(timeouts_take_due(&t, 20, &cursor, &client));
	assert_int_equal(client, 3);
	assert_false(timeouts_take_due(&t, 20, &cursor, &client));
	/* Taken deadlines are cleared; client 1's still waits. */
	assert_true(timeouts_next(&t) == 30);
	cursor = 0;
	assert_false(timeouts_take_due(&t, 29, &cursor, &client));
}

static void test_conversions_round_towards_later(void **state)
{
	(void)state;
	/* 62.5 MHz: a count is 16 ns. */
	assert_true(timeouts_counts_to_ns(1, QEMU_FREQ) == 16);
	assert_true(timeouts_counts_to_ns(QEMU_FREQ, QEMU_FREQ) == 1000000000ull);
	assert_true(timeouts_ns_to_counts(16, QEMU_FREQ) == 1);
	assert_true(timeouts_ns_to_counts(17, QEMU_FREQ) == 2);
	assert_true(timeouts_ns_to_counts(1, QEMU_FREQ) == 1);
	assert_true(timeouts_ns_to_counts(0, QEMU_FREQ) == 0);
	assert_true(timeouts_ns_to_counts(1500000000ull, QEMU_FREQ) == 93750000ull);
	/* A frequency that does not divide a second: 3 Hz. */
	assert_true(timeouts_counts_to_ns(1, 3) == 333333333ull);
	assert_true(timeouts_ns_to_counts(333333333ull, 3) == 1);
	assert_true(timeouts_ns_to_counts(333333334ull, 3) == 2);
	/* Round trips never come back early. */
	for (uint64_t ns = 1; ns < 100000; ns += 7)
		assert_true(
		    timeouts_counts_to_ns(timeouts_ns_to_counts(ns, QEMU_FREQ), QEMU_FREQ) >= ns);
	/* The extremes saturate instead of wrapping. */
	assert_true(timeouts_counts_to_ns(UINT64_MAX, QEMU_FREQ) == UINT64_MAX);
	assert_true(timeouts_ns_to_counts(UINT64_MAX, (1ull << 34) - 1) == UINT64_MAX);
	assert_true(timeouts_counts_to_ns(UINT64_MAX, (1ull << 34) - 1) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_earliest_deadline_is_next_and_a_new_one_replaces_the_old),
	    cmocka_unit_test(test_unknown_clients_are_refused),
	    cmocka_unit_test(test_a_delay_past_the_counter_waits_for_ever),
	    cmocka_unit_test(test_due_clients_are_taken_once_each_in_order),
	    cmocka_unit_test(test_conversions_round_towards_later),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
