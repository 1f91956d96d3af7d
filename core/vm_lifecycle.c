/* SPDX-License-Identifier: Apache-2.0 */
#include "core/vm_lifecycle.h"

void vm_lifecycle_init(struct vm_lifecycle *lc)
{
	lc->state = VM_STATE_RUNNING;
}

static struct vm_decision refuse(const char *why)
{
	return (struct vm_decision){.effect = VM_EFFECT_REFUSED, .why = why};
}

static struct vm_decision apply(struct vm_lifecycle *lc, enum vm_state next, enum vm_effect effect)
{
	lc->state = next;
	return (struct vm_decision){.effect = effect, .why = ""};
}

/* Running or paused: the two states a person acts on. */
static struct vm_decision decide_settled(struct vm_lifecycle *lc, enum vm_action action)
{
	bool paused = lc->state == VM_STATE_PAUSED;

	switch (action) {
	case VM_ACTION_PAUSE:
		return paused ? apply(lc, lc->state, VM_EFFECT_NONE)
			      : apply(lc, VM_STATE_PAUSED, VM_EFFECT_PAUSE);
	case VM_ACTION_RESUME:
		return paused ? apply(lc, VM_STATE_RUNNING, VM_EFFECT_RESUME)
			      : apply(lc, lc->state, VM_EFFECT_NONE);
	case VM_ACTION_RESET:
		return apply(lc, VM_STATE_RESETTING, VM_EFFECT_RESET);
	case VM_ACTION_STOP:
		/* A paused guest cannot see a key press: stopping it is a hard stop. */
		return paused ? apply(lc, VM_STATE_STOPPING, VM_EFFECT_HARD_STOP)
			      : apply(lc, VM_STATE_STOPPING, VM_EFFECT_POWER_KEY);
	case VM_ACTION_HARD_STOP:
		return apply(lc, VM_STATE_STOPPING, VM_EFFECT_HARD_STOP);
	case VM_ACTION_START:
		return refuse(paused ? "the VM is paused" : "the VM is running");
	}
	return refuse("unknown action");
}

struct vm_decision vm_lifecycle_request(struct vm_lifecycle *lc, enum vm_action action)
{
	switch (lc->state) {
	case VM_STATE_RUNNING:
	case VM_STATE_PAUSED:
		return decide_settled(lc, action);
	case VM_STATE_RESETTING:
		/* Its vCPUs do not exist for a moment: only a stop makes sense. */
		if (action == VM_ACTION_STOP || action == VM_ACTION_HARD_STOP)
			return apply(lc, VM_STATE_STOPPING, VM_EFFECT_HARD_STOP);
		if (action == VM_ACTION_RESET || action == VM_ACTION_START)
			return apply(lc, lc->state, VM_EFFECT_NONE);
		return refuse("the VM is resetting");
	case VM_STATE_STOPPING:
		/* A second stop is patient; a hard stop cuts the wait short. */
		if (action == VM_ACTION_HARD_STOP)
			return apply(lc, lc->state, VM_EFFECT_HARD_STOP);
		if (action == VM_ACTION_STOP)
			return apply(lc, lc->state, VM_EFFECT_NONE);
		return refuse("the VM is stopping");
	case VM_STATE_STOPPED:
		/* Only where its VMM outlives the VM: the caller boots it afresh, then reset_done.
		 */
		if (action == VM_ACTION_START)
			return apply(lc, VM_STATE_RESETTING, VM_EFFECT_RESET);
		return refuse("the VM has stopped");
	}
	return refuse("unknown state");
}

void vm_lifecycle_reset_done(struct vm_lifecycle *lc)
{
	if (lc->state == VM_STATE_RESETTING)
		lc->state = VM_STATE_RUNNING;
}

void vm_lifecycle_stopped(struct vm_lifecycle *lc)
{
	lc->state = VM_STATE_STOPPED;
}

const char *vm_state_name(enum vm_state state)
{
	switch (state) {
	case VM_STATE_RUNNING:
		return "running";
	case VM_STATE_PAUSED:
		return "paused";
	case VM_STATE_RESETTING:
		return "resetting";
	case VM_STATE_STOPPING:
		return "stopping";
	case VM_STATE_STOPPED:
		return "stopped";
	}
	return "unknown";
}
