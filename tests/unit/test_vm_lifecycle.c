/* SPDX-License-Identifier: Apache-2.0 */
/* vm_lifecycle: which request is honoured in which state, and what it leads to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/vm_lifecycle.h"

static void expect(struct vm_lifecycle *lc, enum vm_action action, enum vm_effect effect,
		   enum vm_state after)
{
	struct vm_decision d = vm_lifecycle_request(lc, action);

	assert_int_equal(d.effect, effect);
	assert_int_equal(lc->state, after);
	if (effect == VM_EFFECT_REFUSED)
		assert_true(d.why[0] != '\0');
}

static void test_pause_resume(void **state)
{
	struct vm_lifecycle lc;

	(void)state;
	vm_lifecycle_init(&lc);
	assert_string_equal(vm_state_name(lc.state), "running");
	expect(&lc, VM_ACTION_RESUME, VM_EFFECT_NONE, VM_STATE_RUNNING); /* resume when running */
	expect(&lc, VM_ACTION_PAUSE, VM_EFFECT_PAUSE, VM_STATE_PAUSED);
	expect(&lc, VM_ACTION_PAUSE, VM_EFFECT_NONE, VM_STATE_PAUSED);
	assert_string_equal(vm_state_name(lc.state), "paused");
	expect(&lc, VM_ACTION_RESUME, VM_EFFECT_RESUME, VM_STATE_RUNNING);
}

static void test_pause_during_reset_refused(void **state)
{
	struct vm_lifecycle lc;

	(void)state;
	vm_lifecycle_init(&lc);
	expect(&lc, VM_ACTION_RESET, VM_EFFECT_RESET, VM_STATE_RESETTING);
	expect(&lc, VM_ACTION_PAUSE, VM_EFFECT_REFUSED, VM_STATE_RESETTING);
	expect(&lc, VM_ACTION_RESUME, VM_EFFECT_REFUSED, VM_STATE_RESETTING);
	expect(&lc, VM_ACTION_RESET, VM_EFFECT_NONE, VM_STATE_RESETTING);
	vm_lifecycle_reset_done(&lc);
	assert_int_equal(lc.state, VM_STATE_RUNNING);
	expect(&lc, VM_ACTION_PAUSE, VM_EFFECT_PAUSE, VM_STATE_PAUSED);
	/* A paused VM may be reset; it comes back running. */
	expect(&lc, VM_ACTION_RESET, VM_EFFECT_RESET, VM_STATE_RESETTING);
	vm_lifecycle_reset_done(&lc);
	assert_int_equal(lc.state, VM_STATE_RUNNING);
}

static void test_stop_paths(void **state)
{
	struct vm_lifecycle lc;

	(void)state;
	vm_lifecycle_init(&lc);
	expect(&lc, VM_ACTION_STOP, VM_EFFECT_POWER_KEY, VM_STATE_STOPPING);
	expect(&lc, VM_ACTION_STOP, VM_EFFECT_NONE, VM_STATE_STOPPING);
	expect(&lc, VM_ACTION_PAUSE, VM_EFFECT_REFUSED, VM_STATE_STOPPING);
	expect(&lc, VM_ACTION_RESET, VM_EFFECT_REFUSED, VM_STATE_STOPPING);
	expect(&lc, VM_ACTION_HARD_STOP, VM_EFFECT_HARD_STOP, VM_STATE_STOPPING);
	vm_lifecycle_stopped(&lc);
	expect(&lc, VM_ACTION_RESUME, VM_EFFECT_REFUSED, VM_STATE_STOPPED);
	expect(&lc, VM_ACTION_STOP, VM_EFFECT_REFUSED, VM_STATE_STOPPED);
	assert_string_equal(vm_state_name(lc.state), "stopped");
}

static void test_stop_while_paused_is_hard(void **state)
{
	struct vm_lifecycle lc;

	(void)state;
	vm_lifecycle_init(&lc);
	expect(&lc, VM_ACTION_PAUSE, VM_EFFECT_PAUSE, VM_STATE_PAUSED);
	/* A paused guest cannot see its power key. */
	expect(&lc, VM_ACTION_STOP, VM_EFFECT_HARD_STOP, VM_STATE_STOPPING);
	vm_lifecycle_init(&lc);
	expect(&lc, VM_ACTION_RESET, VM_EFFECT_RESET, VM_STATE_RESETTING);
	expect(&lc, VM_ACTION_STOP, VM_EFFECT_HARD_STOP, VM_STATE_STOPPING);
	/* A reset that finishes after the stop does not revive the VM. */
	vm_lifecycle_reset_done(&lc);
	assert_int_equal(lc.state, VM_STATE_STOPPING);
}

/* start: only a stopped VM boots again (seL4's svmm outlives its VM); it comes back running. */
static void test_start_only_when_stopped(void **state)
{
	struct vm_lifecycle lc;

	(void)state;
	vm_lifecycle_init(&lc);
	expect(&lc, VM_ACTION_START, VM_EFFECT_REFUSED, VM_STATE_RUNNING);
	expect(&lc, VM_ACTION_PAUSE, VM_EFFECT_PAUSE, VM_STATE_PAUSED);
	expect(&lc, VM_ACTION_START, VM_EFFECT_REFUSED, VM_STATE_PAUSED);
	expect(&lc, VM_ACTION_HARD_STOP, VM_EFFECT_HARD_STOP, VM_STATE_STOPPING);
	expect(&lc, VM_ACTION_START, VM_EFFECT_REFUSED, VM_STATE_STOPPING);
	vm_lifecycle_stopped(&lc);
	expect(&lc, VM_ACTION_RESET, VM_EFFECT_REFUSED, VM_STATE_STOPPED);
	expect(&lc, VM_ACTION_START, VM_EFFECT_RESET, VM_STATE_RESETTING);
	/* A second start while it boots is patient; a pause waits for the boot. */
	expect(&lc, VM_ACTION_START, VM_EFFECT_NONE, VM_STATE_RESETTING);
	expect(&lc, VM_ACTION_PAUSE, VM_EFFECT_REFUSED, VM_STATE_RESETTING);
	vm_lifecycle_reset_done(&lc);
	assert_int_equal(lc.state, VM_STATE_RUNNING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pause_resume),
	    cmocka_unit_test(test_pause_during_reset_refused),
	    cmocka_unit_test(test_stop_paths),
	    cmocka_unit_test(test_stop_while_paused_is_hard),
	    cmocka_unit_test(test_start_only_when_stopped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
