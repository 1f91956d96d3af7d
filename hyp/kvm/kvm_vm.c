/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KVM backend, ISA-neutral half: the VM, its memory slot and its vCPUs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/errors.h"
#include "hyp/kvm/kvm_internal.h"

#define KVM_DEVICE_PATH "/dev/kvm"

static int fail(char *why, unsigned why_len, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *why, unsigned why_len, int err, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(why, why_len, fmt, args);
	va_end(args);
	return err;
}

static int kvm_open(struct hyp_vm *hyp, char *why, unsigned why_len)
{
	int version;

	hyp->kvm_fd = open(KVM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	/* No KVM at all is a property of the host, not a failure: say where to go. */
	if (hyp->kvm_fd < 0)
		return fail(why, why_len,
			    errno == ENOENT || errno == ENODEV || errno == ENXIO ? -SVMM_ENOTSUP
										 : -errno,
			    "cannot open " KVM_DEVICE_PATH ": %s (svmm needs KVM; without it, "
			    "boot a guest in the emulated arm64 lab: make demo)",
			    strerror(errno));
	version = ioctl(hyp->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		return fail(why, why_len, -SVMM_ENOTSUP, "KVM API version %d, svmm needs %d",
			    version, KVM_API_VERSION);
	hyp->vm_fd = ioctl(hyp->kvm_fd, KVM_CREATE_VM, 0);
	if (hyp->vm_fd < 0)
		return fail(why, why_len, -errno, "KVM_CREATE_VM failed: %s", strerror(errno));
	return 0;
}

static int kvm_map_ram(struct hyp_vm *hyp, char *why, unsigned why_len)
{
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = hyp->params.map.ram_base,
	    .memory_size = hyp->params.ram_size,
	    .userspace_addr = (uintptr_t)hyp->params.ram,
	};

	if (ioctl(hyp->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail(why, why_len, -errno, "cannot give %llu MiB of RAM to KVM: %s",
			    (unsigned long long)(hyp->params.ram_size >> 20), strerror(errno));
	return 0;
}

static int kvm_create_vcpus(struct hyp_vm *hyp, char *why, unsigned why_len)
{
	int mmap_size = ioctl(hyp->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	int max_vcpus = ioctl(hyp->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (mmap_size <= 0)
		return fail(why, why_len, -SVMM_EIO, "KVM_GET_VCPU_MMAP_SIZE failed");
	if (max_vcpus > 0 && hyp->params.cpus > (unsigned)max_vcpus)
		return fail(why, why_len, -SVMM_ERANGE,
			    "%u vCPUs asked for, this host's KVM allows at most %d",
			    hyp->params.cpus, max_vcpus);
	hyp->run_size = (size_t)mmap_size;
	hyp->vcpus = calloc(hyp->params.cpus, sizeof(*hyp->vcpus));
	if (hyp->vcpus == NULL)
		return fail(why, why_len, -SVMM_ENOMEM, "out of memory");
	for (unsigned i = 0; i < hyp->params.cpus; i++) {
		hyp->vcpus[i].fd = -1;
		if (hyp->params.exit_stats != NULL)
			hyp->vcpus[i].stats = &hyp->params.exit_stats[i];
	}
	for (unsigned i = 0; i < hyp->params.cpus; i++) {
		struct kvm_vcpu *vcpu = &hyp->vcpus[i];
		int err;

		vcpu->hyp = hyp;
		vcpu->index = i;
		vcpu->fd = ioctl(hyp->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (vcpu->fd < 0)
			return fail(why, why_len, -errno, "KVM_CREATE_VCPU %u failed: %s", i,
				    strerror(errno));
		vcpu->run =
		    mmap(NULL, hyp->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
		if (vcpu->run == MAP_FAILED) {
			vcpu->run = NULL;
			return fail(why, why_len, -errno, "cannot map vCPU %u state: %s", i,
				    strerror(errno));
		}
		err = kvm_arch_init_vcpu(vcpu, why, why_len);
		if (err < 0)
			return err;
	}
	return 0;
}

int hyp_check_host(char *why, unsigned why_len)
{
	return kvm_arch_check_host(why, why_len);
}

int hyp_vm_create(struct hyp_vm **out, const struct hyp_vm_params *params,
		  struct hyp_vm_platform *platform, char *why, unsigned why_len)
{
	struct hyp_vm *hyp;
	int err;

	*out = NULL;
	/* Before touching /dev/kvm: a host of another ISA may have a KVM of its own. */
	err = kvm_arch_check_host(why, why_len);
	if (err < 0)
		return err;
	hyp = calloc(1, sizeof(*hyp));
	if (hyp == NULL)
		return fail(why, why_len, -SVMM_ENOMEM, "out of memory");
	hyp->params = *params;
	hyp->kvm_fd = hyp->vm_fd = hyp->irqchip_fd = -1;
	hyp->irq_fds = malloc(params->irq_lines * sizeof(*hyp->irq_fds));
	if (hyp->irq_fds == NULL) {
		free(hyp);
		return fail(why, why_len, -SVMM_ENOMEM, "out of memory");
	}
	for (unsigned i = 0; i < params->irq_lines; i++)
		hyp->irq_fds[i] = -1;
	atomic_init(&hyp->stopping, false);
	atomic_init(&hyp->stop_reason, HYP_STOP_REQUESTED);
	kvm_pause_init(hyp);

	err = kvm_open(hyp, why, why_len);
	if (err == 0)
		err = kvm_arch_init_vm(hyp, why, why_len);
	if (err == 0)
		err = kvm_map_ram(hyp, why, why_len);
	/* The interrupt controller is created once all vCPUs exist and are initialised. */
	if (err == 0)
		err = kvm_create_vcpus(hyp, why, why_len);
	if (err == 0)
		err = kvm_arch_create_irqchip(hyp, platform, why, why_len);
	if (err < 0) {
		hyp_vm_destroy(hyp);
		return err;
	}
	params->vm->irq_chip = (struct vm_irq_chip){
	    .set_level = kvm_arch_irq_line, .pulse = kvm_arch_irq_pulse, .ctx = hyp};
	*out = hyp;
	return 0;
}

int hyp_vm_start(struct hyp_vm *hyp, uint64_t entry, uint64_t boot_arg)
{
	int err = kvm_arch_set_boot_regs(&hyp->vcpus[0], entry, boot_arg);

	if (err < 0)
		return err;
	hyp->entry = entry;
	hyp->boot_arg = boot_arg;
	for (unsigned i = 0; i < hyp->params.cpus; i++) {
		err = kvm_vcpu_start(&hyp->vcpus[i]);
		if (err < 0) {
			kvm_vm_stop(hyp, HYP_STOP_ERROR);
			return err;
		}
	}
	return 0;
}

int kvm_vm_new_eventfd(struct hyp_vm *hyp)
{
	int fd;

	if (hyp->owned_fd_count == KVM_MAX_OWNED_FDS)
		return -SVMM_ENOSPC;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	hyp->owned_fds[hyp->owned_fd_count++] = fd;
	return fd;
}

int hyp_vm_doorbell_fd(struct hyp_vm *hyp, uint64_t gpa, unsigned size, uint64_t value)
{
	struct kvm_ioeventfd doorbell = {
	    .datamatch = value,
	    .addr = gpa,
	    .len = size,
	    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	int fd = kvm_vm_new_eventfd(hyp);

	if (fd < 0)
		return fd;
	doorbell.fd = fd;
	if (ioctl(hyp->vm_fd, KVM_IOEVENTFD, &doorbell) < 0)
		return -errno;
	return fd;
}

void kvm_vm_stop(struct hyp_vm *hyp, enum hyp_stop_reason reason)
{
	bool was_stopping = false;

	if (atomic_compare_exchange_strong(&hyp->stopping, &was_stopping, true)) {
		atomic_store(&hyp->stop_reason, (int)reason);
		for (unsigned i = 0; i < hyp->params.cpus; i++)
			kvm_vcpu_kick(&hyp->vcpus[i]);
		kvm_pause_wake(hyp);
		if (hyp->params.on_stop != NULL)
			hyp->params.on_stop(hyp->params.on_stop_ctx);
	}
}

void hyp_vm_request_stop(struct hyp_vm *hyp)
{
	kvm_vm_stop(hyp, HYP_STOP_REQUESTED);
}

bool hyp_vm_stop_reason(struct hyp_vm *hyp, enum hyp_stop_reason *reason)
{
	if (!atomic_load(&hyp->stopping))
		return false;
	*reason = (enum hyp_stop_reason)atomic_load(&hyp->stop_reason);
	return true;
}

void hyp_vm_destroy(struct hyp_vm *hyp)
{
	if (hyp == NULL)
		return;
	if (hyp->vcpus != NULL) {
		kvm_vm_stop(hyp, HYP_STOP_REQUESTED);
		for (unsigned i = 0; i < hyp->params.cpus; i++) {
			struct kvm_vcpu *vcpu = &hyp->vcpus[i];

			if (vcpu->thread_started)
				pthread_join(vcpu->thread, NULL);
			if (vcpu->run != NULL)
				munmap(vcpu->run, hyp->run_size);
			if (vcpu->fd >= 0)
				close(vcpu->fd);
		}
		free(hyp->vcpus);
	}
	if (hyp->params.vm->irq_chip.ctx == hyp)
		hyp->params.vm->irq_chip = (struct vm_irq_chip){0};
	/* The VM goes first: closing its fd releases the ioeventfd and irqfd bindings. */
	if (hyp->irqchip_fd >= 0)
		close(hyp->irqchip_fd);
	if (hyp->vm_fd >= 0)
		close(hyp->vm_fd);
	if (hyp->kvm_fd >= 0)
		close(hyp->kvm_fd);
	for (unsigned i = 0; i < hyp->owned_fd_count; i++)
		close(hyp->owned_fds[i]);
	free(hyp->irq_fds);
	kvm_pause_fini(hyp);
	free(hyp);
}
