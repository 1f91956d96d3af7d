/* SPDX-License-Identifier: Apache-2.0 */
/* A VM's priority as the nice value of its threads on a Linux host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host/linux/sched.h"

static void test_nice_for_priority(void **state)
{
	(void)state;
	/* The README's table. */
	assert_int_equal(host_nice_for_priority(100), 0);
	assert_int_equal(host_nice_for_priority(150), -10);
	assert_int_equal(host_nice_for_priority(200), -20);
	assert_int_equal(host_nice_for_priority(254), -20);
	assert_int_equal(host_nice_for_priority(50), 10);
	assert_int_equal(host_nice_for_priority(5), 19);
	assert_int_equal(host_nice_for_priority(0), 19);
	/* Within a step of 5 the value does not move; it never goes the wrong way. */
	assert_int_equal(host_nice_for_priority(104), 0);
	assert_int_equal(host_nice_for_priority(96), 0);
	for (unsigned p = 1; p <= 254; p++)
		assert_true(host_nice_for_priority(p) <= host_nice_for_priority(p - 1));
}

static void test_default_priority_changes_nothing(void **state)
{
	char why[128] = "";

	(void)state;
	/* Nice 0 is every thread's start: nothing to ask the kernel, nothing to fail. */
	assert_int_equal(host_apply_priority(100, why, sizeof(why)), 0);
	assert_string_equal(why, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nice_for_priority),
	    cmocka_unit_test(test_default_priority_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
