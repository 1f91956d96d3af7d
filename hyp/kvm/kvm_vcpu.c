/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One thread per vCPU, each looping in KVM_RUN and handling its exits.
 *
 * Stopping: a vCPU blocked in KVM_RUN (a powered-off secondary CPU, or one
 * waiting for an interrupt) only returns on a signal. kvm_vcpu_kick() sets
 * the run structure's immediate_exit, so a vCPU about to enter KVM_RUN
 * returns at once, and sends SIGUSR1, so one already inside returns EINTR.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/bus.h"
#include "core/endian.h"
#include "core/errors.h"
#include "hyp/kvm/kvm_internal.h"

#define KVM_KICK_SIGNAL SIGUSR1

static void kvm_kick_handler(int signal)
{
	/* Nothing to do: being interrupted is the point. */
	(void)signal;
}

/* KVM passes MMIO data in guest byte order, which is little-endian here. */
static void kvm_handle_mmio(struct kvm_vcpu *vcpu)
{
	struct hyp_vm *hyp = vcpu->hyp;
	struct kvm_run *run = vcpu->run;
	struct access acc = {
	    .vcpu = vcpu->index,
	    .gpa = run->mmio.phys_addr,
	    .size = (uint8_t)run->mmio.len,
	    .is_write = run->mmio.is_write,
	};
	int err;

	if (acc.is_write)
		acc.value = le_load(run->mmio.data, run->mmio.len);
	vm_lock_devices(hyp->params.vm);
	if (vcpu->stats != NULL)
		exit_stats_count_mmio(vcpu->stats, acc.gpa, acc.is_write);
	err = bus_dispatch(&hyp->params.vm->mmio, &acc);
	if (err < 0)
		log_limited(&hyp->params.vm->log, &hyp->unhandled_mmio_log, LOG_WARN,
			    "vCPU %u: %u-byte %s at 0x%llx: %s (ignored)", vcpu->index,
			    run->mmio.len, acc.is_write ? "write" : "read",
			    (unsigned long long)acc.gpa, svmm_strerror(err));
	vm_unlock_devices(hyp->params.vm);
	/* A read nobody answers returns zero, as an unclaimed bus read does on hardware. */
	if (!acc.is_write)
		le_store(run->mmio.data, err < 0 ? 0 : acc.value, run->mmio.len);
}

static enum hyp_stop_reason system_event_reason(uint32_t type)
{
	switch (type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		return HYP_STOP_POWEROFF;
	case KVM_SYSTEM_EVENT_RESET:
		return HYP_STOP_RESET;
	case KVM_SYSTEM_EVENT_CRASH:
		return HYP_STOP_CRASH;
	default:
		return HYP_STOP_ERROR;
	}
}

static enum exit_kind kvm_exit_kind(uint32_t exit_reason)
{
	switch (exit_reason) {
	case KVM_EXIT_MMIO:
		return EXIT_MMIO;
	case KVM_EXIT_INTR:
		return EXIT_INTERRUPTED;
	case KVM_EXIT_ARM_NISV:
		return EXIT_NISV;
	case KVM_EXIT_SYSTEM_EVENT:
		return EXIT_SYSTEM_EVENT;
	default:
		return EXIT_OTHER;
	}
}

/* Handles one exit; false when the vCPU should stop running. */
static bool kvm_handle_exit(struct kvm_vcpu *vcpu)
{
	struct hyp_vm *hyp = vcpu->hyp;
	struct kvm_run *run = vcpu->run;
	const struct log_sink *log = &hyp->params.vm->log;

	if (vcpu->stats != NULL)
		exit_stats_count(vcpu->stats, kvm_exit_kind(run->exit_reason));
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		kvm_handle_mmio(vcpu);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_ARM_NISV:
		return kvm_arch_handle_nisv(vcpu);
	case KVM_EXIT_SYSTEM_EVENT:
		if (system_event_reason(run->system_event.type) == HYP_STOP_ERROR)
			log_message(log, LOG_ERROR, "vCPU %u: unknown system event %u", vcpu->index,
				    run->system_event.type);
		kvm_vm_stop(hyp, system_event_reason(run->system_event.type));
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		log_message(log, LOG_ERROR,
			    "vCPU %u: KVM could not enter the guest (reason 0x%llx)", vcpu->index,
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		log_message(log, LOG_ERROR, "vCPU %u: KVM internal error %u", vcpu->index,
			    run->internal.suberror);
		break;
	default:
		log_message(log, LOG_ERROR, "vCPU %u: unexpected KVM exit %u", vcpu->index,
			    run->exit_reason);
		break;
	}
	kvm_vm_stop(hyp, HYP_STOP_ERROR);
	return false;
}

/* The description's `cores`: this thread runs only on its vCPU's core. */
static void kvm_vcpu_pin(struct kvm_vcpu *vcpu)
{
	const unsigned *cores = vcpu->hyp->params.vcpu_cores;
	cpu_set_t set;

	if (cores == NULL)
		return;
	CPU_ZERO(&set);
	CPU_SET(cores[vcpu->index], &set);
	/* 0: the calling thread. Validation checked the core exists; it may be offline. */
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		log_message(&vcpu->hyp->params.vm->log, LOG_WARN,
			    "vCPU %u: cannot pin to core %u: %s; it runs unpinned", vcpu->index,
			    cores[vcpu->index], strerror(errno));
}

static void *kvm_vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct hyp_vm *hyp = vcpu->hyp;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, KVM_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	kvm_vcpu_pin(vcpu);
	if (hyp->params.on_vcpu_thread != NULL &&
	    hyp->params.on_vcpu_thread(hyp->params.on_vcpu_thread_ctx, vcpu->index) != 0) {
		kvm_vm_stop(hyp, HYP_STOP_ERROR);
		return NULL;
	}

	while (!atomic_load(&hyp->stopping)) {
		kvm_vcpu_pause_point(vcpu);
		if (atomic_load(&hyp->stopping))
			break;
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			/* Kicked: re-arm KVM_RUN, then see why (stopping and pauses are set before
			 * the kick, so none is missed). */
			if (errno == EINTR || errno == EAGAIN) {
				vcpu->run->immediate_exit = 0;
				if (vcpu->stats != NULL)
					exit_stats_count(vcpu->stats, EXIT_INTERRUPTED);
				continue;
			}
			log_message(&hyp->params.vm->log, LOG_ERROR, "vCPU %u: KVM_RUN failed: %s",
				    vcpu->index, strerror(errno));
			kvm_vm_stop(hyp, HYP_STOP_ERROR);
			break;
		}
		if (!kvm_handle_exit(vcpu))
			break;
	}
	return NULL;
}

int kvm_vcpu_start(struct kvm_vcpu *vcpu)
{
	struct sigaction action = {.sa_handler = kvm_kick_handler};
	sigset_t kick, previous;
	char name[16];
	int err;

	/* No SA_RESTART: KVM_RUN must return EINTR when kicked. */
	sigemptyset(&action.sa_mask);
	if (sigaction(KVM_KICK_SIGNAL, &action, NULL) < 0)
		return -errno;
	/* The thread unblocks the kick itself; other threads keep it blocked. */
	sigemptyset(&kick);
	sigaddset(&kick, KVM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &kick, &previous);
	err = pthread_create(&vcpu->thread, NULL, kvm_vcpu_thread, vcpu);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	if (err != 0)
		return -err;
	vcpu->thread_started = true;
	/* "vcpu0", "vcpu1": what ps, top and /proc/PID/task/TID/comm show. */
	snprintf(name, sizeof(name), "vcpu%u", vcpu->index);
	pthread_setname_np(vcpu->thread, name);
	return 0;
}

void kvm_vcpu_kick(struct kvm_vcpu *vcpu)
{
	if (vcpu->run != NULL)
		vcpu->run->immediate_exit = 1;
	if (vcpu->thread_started)
		pthread_kill(vcpu->thread, KVM_KICK_SIGNAL);
}
