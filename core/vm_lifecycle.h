/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a running VM may be asked to do next, whatever asks (the control
 * API on Linux, a management component on seL4) and whatever hypervisor
 * runs it. The table decides; the caller carries the effect out and reports
 * back when a reset or a stop has finished. Nothing here blocks or locks:
 * the caller serialises requests (the event loop does on Linux).
 */
#ifndef SVMM_CORE_VM_LIFECYCLE_H
#define SVMM_CORE_VM_LIFECYCLE_H

#include <stdbool.h>

enum vm_state {
	VM_STATE_RUNNING,
	VM_STATE_PAUSED,    /* every vCPU held outside the hypervisor */
	VM_STATE_RESETTING, /* being torn down and booted again */
	VM_STATE_STOPPING,  /* the guest was asked to power off; a hard stop follows */
	VM_STATE_STOPPED,   /* for good: nothing more happens */
};

enum vm_action {
	VM_ACTION_PAUSE,
	VM_ACTION_RESUME,
	VM_ACTION_RESET,
	VM_ACTION_STOP,	     /* ask the guest to power off, hard stop after a timeout */
	VM_ACTION_HARD_STOP, /* stop the vCPUs now */
	VM_ACTION_START,     /* boot a stopped VM again (where its VMM outlives it, as on seL4) */
};

/* What the caller must do for an accepted action. */
enum vm_effect {
	VM_EFFECT_NONE,	     /* already so: reply success, do nothing */
	VM_EFFECT_PAUSE,     /* hold every vCPU */
	VM_EFFECT_RESUME,    /* release them */
	VM_EFFECT_RESET,     /* reset (resuming first if paused), or boot a stopped VM */
	VM_EFFECT_POWER_KEY, /* press the guest's power key and arm the hard-stop timer */
	VM_EFFECT_HARD_STOP, /* stop the vCPUs now */
	VM_EFFECT_REFUSED,   /* not in this state: `why` says which */
};

struct vm_lifecycle {
	enum vm_state state;
};

struct vm_decision {
	enum vm_effect effect;
	const char *why; /* for VM_EFFECT_REFUSED: a short reason */
};

void vm_lifecycle_init(struct vm_lifecycle *lc);

/* Decides `action` in the current state and moves to the state it leads to. */
struct vm_decision vm_lifecycle_request(struct vm_lifecycle *lc, enum vm_action action);

/* The reset the caller carried out is done: the VM runs again. */
void vm_lifecycle_reset_done(struct vm_lifecycle *lc);

/* The VM stopped (for whatever reason, a request or the guest's own). */
void vm_lifecycle_stopped(struct vm_lifecycle *lc);

/* "running", "paused", ... as the API reports it. */
const char *vm_state_name(enum vm_state state);

#endif
