/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KVM backend's aarch64 half: vCPU initialisation (the host's preferred
 * CPU target, PSCI 0.2 handled by KVM, secondaries powered off until the
 * guest starts them with PSCI CPU_ON), boot registers, and the in-kernel
 * vGIC (v3, or v2 where the host has no v3).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/errors.h"
#include "hyp/kvm/kvm_internal.h"

#define ARM64_CORE_REG(field)                                                                      \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                                     \
	 (offsetof(struct kvm_regs, field) / sizeof(__u32)))

/* The GIC's first SPI; KVM numbers SPIs by their GIC interrupt ID. */
#define GIC_FIRST_SPI 32
/* One redistributor frame pair (RD_base + SGI_base) per vCPU. */
#define GICV3_REDIST_FRAME_SIZE (128u * 1024)

int kvm_arch_check_host(char *why, unsigned why_len)
{
	(void)why;
	(void)why_len;
	return 0;
}

int kvm_arch_init_vcpu(struct kvm_vcpu *vcpu, char *why, unsigned why_len)
{
	struct kvm_vcpu_init init;

	memset(&init, 0, sizeof(init));
	if (ioctl(vcpu->hyp->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		snprintf(why, why_len, "KVM_ARM_PREFERRED_TARGET failed: %s", strerror(errno));
		return -errno;
	}
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (vcpu->index != 0)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		snprintf(why, why_len, "KVM_ARM_VCPU_INIT for vCPU %u failed: %s", vcpu->index,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static int gic_set_attr(int fd, uint32_t group, uint64_t attr, const void *value)
{
	struct kvm_device_attr attribute = {
	    .group = group,
	    .attr = attr,
	    .addr = (uintptr_t)value,
	};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &attribute) < 0 ? -errno : 0;
}

static int gic_create(struct hyp_vm *hyp, unsigned version)
{
	struct kvm_create_device create = {
	    .type = version == 3 ? KVM_DEV_TYPE_ARM_VGIC_V3 : KVM_DEV_TYPE_ARM_VGIC_V2,
	};

	if (ioctl(hyp->vm_fd, KVM_CREATE_DEVICE, &create) < 0)
		return -errno;
	hyp->irqchip_fd = (int)create.fd;
	return 0;
}

static int gic_configure(struct hyp_vm *hyp, unsigned version)
{
	const struct hyp_vm_params *p = &hyp->params;
	/* KVM wants the total interrupt count (SGIs and PPIs included), a multiple of 32. */
	uint32_t nr_irqs = GIC_FIRST_SPI + ((p->irq_lines + 31) / 32) * 32;
	int err;

	if (version == 3) {
		err = gic_set_attr(hyp->irqchip_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				   KVM_VGIC_V3_ADDR_TYPE_DIST, &p->map.gic_dist_base);
		if (err == 0)
			err = gic_set_attr(hyp->irqchip_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
					   KVM_VGIC_V3_ADDR_TYPE_REDIST, &p->map.gic_redist_base);
	} else {
		err = gic_set_attr(hyp->irqchip_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				   KVM_VGIC_V2_ADDR_TYPE_DIST, &p->map.gic_dist_base);
		if (err == 0)
			err = gic_set_attr(hyp->irqchip_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
					   KVM_VGIC_V2_ADDR_TYPE_CPU, &p->map.gic_cpu_base);
	}
	if (err == 0)
		err = gic_set_attr(hyp->irqchip_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (err == 0)
		err = gic_set_attr(hyp->irqchip_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
				   KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	return err;
}

int kvm_arch_create_irqchip(struct hyp_vm *hyp, struct hyp_vm_platform *platform, char *why,
			    unsigned why_len)
{
	unsigned version = 3;
	int err = gic_create(hyp, version);

	if (err == -ENODEV) {
		version = 2;
		err = gic_create(hyp, version);
	}
	if (err < 0) {
		snprintf(why, why_len, "cannot create an in-kernel GICv3 or GICv2: %s",
			 strerror(-err));
		return err;
	}
	err = gic_configure(hyp, version);
	if (err < 0) {
		snprintf(why, why_len, "cannot set up the in-kernel GICv%u: %s", version,
			 strerror(-err));
		return err;
	}
	platform->gic_version = version;
	platform->psci_method = "hvc";
	return 0;
}

int kvm_arch_set_boot_regs(struct kvm_vcpu *vcpu, uint64_t entry, uint64_t boot_arg)
{
	/* The arm64 boot protocol: x0 = device tree address, x1..x3 = 0, PC = image start. */
	const struct {
		uint64_t id;
		uint64_t value;
	} regs[] = {
	    {ARM64_CORE_REG(regs.regs[0]), boot_arg}, {ARM64_CORE_REG(regs.regs[1]), 0},
	    {ARM64_CORE_REG(regs.regs[2]), 0},	      {ARM64_CORE_REG(regs.regs[3]), 0},
	    {ARM64_CORE_REG(regs.pc), entry},
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		struct kvm_one_reg reg = {.id = regs[i].id, .addr = (uintptr_t)&regs[i].value};

		if (ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg) < 0)
			return -errno;
	}
	return 0;
}

int kvm_arch_irq_line(void *ctx, unsigned line, bool level)
{
	struct hyp_vm *hyp = ctx;
	struct kvm_irq_level irq = {
	    .irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (GIC_FIRST_SPI + line),
	    .level = level,
	};

	if (line >= hyp->params.irq_lines)
		return -SVMM_EINVAL;
	return ioctl(hyp->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

/*
 * An edge through an irqfd: a write to an eventfd that KVM turns into an
 * injection, cheaper than two KVM_IRQ_LINE calls. On arm64 the irqfd GSI is
 * the SPI number counted from the first SPI (identity routing).
 */
int kvm_arch_irq_pulse(void *ctx, unsigned line)
{
	struct hyp_vm *hyp = ctx;
	uint64_t one = 1;

	if (line >= hyp->params.irq_lines)
		return -SVMM_EINVAL;
	if (hyp->irq_fds[line] < 0) {
		int fd = kvm_vm_new_eventfd(hyp);
		struct kvm_irqfd irqfd = {.gsi = line};

		if (fd < 0)
			return fd;
		irqfd.fd = (uint32_t)fd;
		if (ioctl(hyp->vm_fd, KVM_IRQFD, &irqfd) < 0) {
			int err = kvm_arch_irq_line(hyp, line, true);

			return err < 0 ? err : kvm_arch_irq_line(hyp, line, false);
		}
		hyp->irq_fds[line] = fd;
	}
	return write(hyp->irq_fds[line], &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}
