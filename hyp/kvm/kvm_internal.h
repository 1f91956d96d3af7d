/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared between the KVM backend's ISA-neutral half (kvm_vm.c, kvm_vcpu.c)
 * and its ISA half (kvm_arm64.c, or kvm_unsupported_isa.c on hosts whose
 * guests svmm cannot run yet). Every ISA half defines the same kvm_arch_*
 * functions, so no code forks on the ISA with #if.
 */
#ifndef SVMM_HYP_KVM_INTERNAL_H
#define SVMM_HYP_KVM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "hyp/hyp.h"

#define KVM_MAX_OWNED_FDS 64

struct kvm_vcpu {
	struct hyp_vm *hyp;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	struct exit_stats *stats; /* or NULL: nobody asked */
};

/* hyp_vm_pause(): vCPUs check in at pause_point() and wait on `changed`. */
struct kvm_pause {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	atomic_bool requested;
	unsigned held; /* vCPUs waiting in kvm_vcpu_pause_point() */
};

struct hyp_vm {
	struct hyp_vm_params params;
	int kvm_fd;
	int vm_fd;
	int irqchip_fd;
	size_t run_size;
	struct kvm_vcpu *vcpus;
	atomic_bool stopping;
	atomic_int stop_reason; /* enum hyp_stop_reason, valid while stopping */
	uint64_t entry;
	uint64_t boot_arg;
	struct log_ratelimit unhandled_mmio_log;
	struct log_ratelimit nisv_log; /* instructions without a syndrome that were refused */
	/* eventfds this VM owns: doorbells (ioeventfd) and interrupt lines (irqfd). */
	int owned_fds[KVM_MAX_OWNED_FDS];
	unsigned owned_fd_count;
	int *irq_fds; /* per interrupt line, -1 until first pulsed */
	struct kvm_pause pause;
};

/* Records why the VM stops (the first reason wins) and kicks every vCPU. */
void kvm_vm_stop(struct hyp_vm *hyp, enum hyp_stop_reason reason);

/* kvm_pause.c. */
void kvm_pause_init(struct hyp_vm *hyp);
void kvm_pause_fini(struct hyp_vm *hyp);
/* Called by each vCPU thread between exits: waits there while a pause is requested. */
void kvm_vcpu_pause_point(struct kvm_vcpu *vcpu);
/* Releases paused vCPUs so they see the VM stopping. */
void kvm_pause_wake(struct hyp_vm *hyp);

/* Starts the vCPU's thread, which runs KVM_RUN until the VM stops. */
int kvm_vcpu_start(struct kvm_vcpu *vcpu);

/* Interrupts a vCPU in (or about to enter) KVM_RUN. */
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);

/* The ISA half. `why` receives a one-line reason on failure. */
int kvm_arch_check_host(char *why, unsigned why_len);
/* VM-wide set-up once the VM exists (capabilities). */
int kvm_arch_init_vm(struct hyp_vm *hyp, char *why, unsigned why_len);
int kvm_arch_init_vcpu(struct kvm_vcpu *vcpu, char *why, unsigned why_len);
int kvm_arch_create_irqchip(struct hyp_vm *hyp, struct hyp_vm_platform *platform, char *why,
			    unsigned why_len);
int kvm_arch_set_boot_regs(struct kvm_vcpu *vcpu, uint64_t entry, uint64_t boot_arg);
int kvm_arch_irq_line(void *hyp, unsigned line, bool level);
int kvm_arch_irq_pulse(void *hyp, unsigned line);
/*
 * KVM_EXIT_ARM_NISV: emulates the instruction or injects an abort into the
 * guest; false (VM stopping) only if even the injection failed.
 */
bool kvm_arch_handle_nisv(struct kvm_vcpu *vcpu);

/* A new eventfd the VM closes at destroy; -errno. */
int kvm_vm_new_eventfd(struct hyp_vm *hyp);

#endif
