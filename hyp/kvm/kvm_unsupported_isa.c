/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KVM backend's ISA half on hosts whose guests svmm cannot run yet (an
 * x86_64 host, for instance). svmm still builds and validates VM
 * descriptions there; running a guest says where it can be run instead.
 */
#include <stdio.h>
#include <sys/utsname.h>

#include "core/errors.h"
#include "hyp/kvm/kvm_internal.h"

int kvm_arch_check_host(char *why, unsigned why_len)
{
	struct utsname host;

	if (uname(&host) < 0)
		snprintf(host.machine, sizeof(host.machine), "this ISA");
	snprintf(why, why_len,
		 "cannot run a guest on a %s host: svmm runs aarch64 guests on aarch64 hosts with "
		 "KVM; here, boot one in the emulated arm64 lab: make demo",
		 host.machine);
	return -SVMM_ENOTSUP;
}

/* Unreachable: kvm_arch_check_host() refuses first. */
int kvm_arch_init_vm(struct hyp_vm *hyp, char *why, unsigned why_len)
{
	(void)hyp;
	return kvm_arch_check_host(why, why_len);
}

int kvm_arch_init_vcpu(struct kvm_vcpu *vcpu, char *why, unsigned why_len)
{
	(void)vcpu;
	return kvm_arch_check_host(why, why_len);
}

int kvm_arch_create_irqchip(struct hyp_vm *hyp, struct hyp_vm_platform *platform, char *why,
			    unsigned why_len)
{
	(void)hyp;
	(void)platform;
	return kvm_arch_check_host(why, why_len);
}

int kvm_arch_set_boot_regs(struct kvm_vcpu *vcpu, uint64_t entry, uint64_t boot_arg)
{
	(void)vcpu;
	(void)entry;
	(void)boot_arg;
	return -SVMM_ENOTSUP;
}

int kvm_arch_irq_line(void *hyp, unsigned line, bool level)
{
	(void)hyp;
	(void)line;
	(void)level;
	return -SVMM_ENOTSUP;
}

int kvm_arch_irq_pulse(void *hyp, unsigned line)
{
	(void)hyp;
	(void)line;
	return -SVMM_ENOTSUP;
}

bool kvm_arch_handle_nisv(struct kvm_vcpu *vcpu)
{
	(void)vcpu;
	return false;
}
