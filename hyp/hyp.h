/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hypervisor backend interface. One implementation per hypervisor
 * (hyp/kvm, hyp/sel4); the rest of svmm creates, starts and stops VMs only
 * through these calls. The machine the guest sees (RAM, devices, their
 * interrupt lines) is assembled once by machine/machine.h, whatever the
 * hypervisor.
 *
 * A backend runs the guest's vCPUs, turns each MMIO exit into a struct
 * access for bus_dispatch() on the VM's bus (holding vm->device_lock around
 * it), and attaches the guest's interrupt controller to vm->irq_chip.
 *
 * Where the vCPUs run differs: on KVM each has a thread of svmm's, and the
 * calls below may come from any thread; on seL4 the vCPUs are the protection
 * domain's children and every exit reaches svmm through Microkit's fault()
 * entry point, which hands it to the backend (hyp/sel4/hyp_sel4.h). Either
 * way the stop notifier tells the caller the VM stopped or wants to.
 */
#ifndef SVMM_HYP_HYP_H
#define SVMM_HYP_HYP_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/aarch64/guest_map.h"
#include "core/exit_stats.h"
#include "core/vm.h"

struct hyp_vm;

/* Why a VM stopped running. */
enum hyp_stop_reason {
	HYP_STOP_POWEROFF,  /* the guest powered off */
	HYP_STOP_RESET,	    /* the guest asked for a reset (reboot) */
	HYP_STOP_CRASH,	    /* the guest reported a crash (e.g. panic via PSCI) */
	HYP_STOP_REQUESTED, /* hyp_vm_request_stop() was called */
	HYP_STOP_ERROR,	    /* the hypervisor failed; see the log */
};

/* Told that the VM stopped or wants to; called where the vCPU's exit was handled. */
typedef void (*hyp_stop_notify_fn)(void *ctx);

struct hyp_vm_params {
	struct vm *vm;
	unsigned cpus;
	/* The guest's physical memory map: RAM, the interrupt controller's frames. */
	struct arm64_guest_map map;
	uint64_t ram_size;
	void *ram;	    /* host mapping of guest RAM, at map.ram_base in the guest */
	unsigned irq_lines; /* how many device interrupt lines the guest needs */
	/* The physical core of each vCPU (`cpus` entries), or NULL: the host places them. */
	const unsigned *vcpu_cores;
	/* One per vCPU (`cpus` entries) where the backend counts exits, or NULL. */
	struct exit_stats *exit_stats;
	hyp_stop_notify_fn on_stop; /* the VM stopped or wants to stop */
	void *on_stop_ctx;
	/*
	 * Optional: called on each vCPU thread once the backend has set it up,
	 * before it first enters the guest (where vCPUs are threads of svmm's:
	 * KVM), so the caller can confine the thread (a seccomp filter) without
	 * the backend knowing the policy. Nonzero stops the VM with an error.
	 */
	int (*on_vcpu_thread)(void *ctx, unsigned vcpu);
	void *on_vcpu_thread_ctx;
};

/* Facts about the VM the backend made, which the guest's boot description needs. */
struct hyp_vm_platform {
	unsigned gic_version;	 /* aarch64: 2 or 3 */
	const char *psci_method; /* "hvc" or "smc" */
};

/*
 * Whether this host can run guests at all (its ISA), before anything is set
 * up: 0, or a negative error with a one-line reason in `why`.
 */
int hyp_check_host(char *why, unsigned why_len);

/*
 * Creates the VM with its vCPUs, memory and interrupt controller, ready to
 * start. On failure returns a negative error and a one-line reason in
 * `why` (at least 256 bytes).
 */
int hyp_vm_create(struct hyp_vm **out, const struct hyp_vm_params *params,
		  struct hyp_vm_platform *platform, char *why, unsigned why_len);

/* Starts all vCPUs; the boot vCPU enters at `entry` with `boot_arg` in its first argument register.
 */
int hyp_vm_start(struct hyp_vm *hyp, uint64_t entry, uint64_t boot_arg);

/* Asks every vCPU to stop; safe from any thread. */
void hyp_vm_request_stop(struct hyp_vm *hyp);

/*
 * Holds every vCPU at a clean point, outside the hypervisor's run call with
 * its last exit fully handled, and returns once all are held (the guest's
 * clock runs on; its CPUs do not). Not from a vCPU's own thread. 0, or
 * -SVMM_EBUSY when the VM is stopping or a vCPU did not come to rest in
 * time (the VM then runs on).
 */
int hyp_vm_pause(struct hyp_vm *hyp);

/* Lets the vCPUs hyp_vm_pause() held run again. */
void hyp_vm_resume(struct hyp_vm *hyp);

/* Whether a stop is pending and, if so, why (the first reason wins). */
bool hyp_vm_stop_reason(struct hyp_vm *hyp, enum hyp_stop_reason *reason);

/*
 * Optional fast path for a doorbell register (a virtio QueueNotify): returns
 * a file descriptor (an eventfd) that becomes readable each time the guest
 * writes `value`, `size` bytes wide, to `gpa`. Such writes then no longer
 * reach bus_dispatch() and never stop the vCPU in user space. The backend
 * owns the descriptor and closes it in hyp_vm_destroy(). -SVMM_ENOTSUP where
 * the hypervisor has no such mechanism (seL4): the MMIO path keeps working.
 */
int hyp_vm_doorbell_fd(struct hyp_vm *hyp, uint64_t gpa, unsigned size, uint64_t value);

/* Stops and joins the vCPUs, then releases everything. */
void hyp_vm_destroy(struct hyp_vm *hyp);

#endif
