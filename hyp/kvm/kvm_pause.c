/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hyp_vm_pause() on KVM: every vCPU thread checks in between two KVM_RUN
 * calls, where its last exit is fully handled, and waits there. A vCPU
 * inside KVM_RUN (in the guest, or in-kernel waiting for an interrupt) is
 * kicked out of it the way a stop kicks it.
 */
#include <errno.h>
#include <time.h>

#include "core/errors.h"
#include "hyp/kvm/kvm_internal.h"

/* A vCPU finishes any exit (an MMIO under the device lock) well within this. */
#define KVM_PAUSE_TIMEOUT_S 5

void kvm_pause_init(struct hyp_vm *hyp)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&hyp->pause.lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&hyp->pause.changed, &attr);
	pthread_condattr_destroy(&attr);
	atomic_init(&hyp->pause.requested, false);
	hyp->pause.held = 0;
}

void kvm_pause_fini(struct hyp_vm *hyp)
{
	pthread_cond_destroy(&hyp->pause.changed);
	pthread_mutex_destroy(&hyp->pause.lock);
}

void kvm_vcpu_pause_point(struct kvm_vcpu *vcpu)
{
	struct kvm_pause *pause = &vcpu->hyp->pause;

	if (!atomic_load(&pause->requested))
		return;
	pthread_mutex_lock(&pause->lock);
	pause->held++;
	pthread_cond_broadcast(&pause->changed);
	while (atomic_load(&pause->requested) && !atomic_load(&vcpu->hyp->stopping))
		pthread_cond_wait(&pause->changed, &pause->lock);
	pause->held--;
	pthread_mutex_unlock(&pause->lock);
}

void kvm_pause_wake(struct hyp_vm *hyp)
{
	pthread_mutex_lock(&hyp->pause.lock);
	pthread_cond_broadcast(&hyp->pause.changed);
	pthread_mutex_unlock(&hyp->pause.lock);
}

int hyp_vm_pause(struct hyp_vm *hyp)
{
	struct kvm_pause *pause = &hyp->pause;
	unsigned threads = 0;
	struct timespec deadline;
	bool all_held;

	atomic_store(&pause->requested, true);
	for (unsigned i = 0; i < hyp->params.cpus; i++) {
		if (hyp->vcpus[i].thread_started)
			threads++;
		kvm_vcpu_kick(&hyp->vcpus[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += KVM_PAUSE_TIMEOUT_S;
	pthread_mutex_lock(&pause->lock);
	while (pause->held < threads && !atomic_load(&hyp->stopping))
		if (pthread_cond_timedwait(&pause->changed, &pause->lock, &deadline) == ETIMEDOUT)
			break;
	all_held = pause->held == threads && !atomic_load(&hyp->stopping);
	pthread_mutex_unlock(&pause->lock);
	if (all_held)
		return 0;
	hyp_vm_resume(hyp);
	return -SVMM_EBUSY;
}

void hyp_vm_resume(struct hyp_vm *hyp)
{
	pthread_mutex_lock(&hyp->pause.lock);
	atomic_store(&hyp->pause.requested, false);
	pthread_cond_broadcast(&hyp->pause.changed);
	pthread_mutex_unlock(&hyp->pause.lock);
}
