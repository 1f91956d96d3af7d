/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where things sit in an aarch64 guest's physical address space. The layout
 * follows QEMU's `virt` board, so a guest configured for that board (and for
 * seL4's qemu_virt_aarch64 guests) finds its UART and GIC where it expects.
 */
#ifndef SVMM_ARCH_AARCH64_GUEST_MAP_H
#define SVMM_ARCH_AARCH64_GUEST_MAP_H

#include <stdint.h>

enum arm64_gic_version {
	ARM64_GICV2 = 2,
	ARM64_GICV3 = 3,
};

struct arm64_guest_map {
	uint64_t gic_dist_base, gic_dist_size;
	/* GICv2: CPU interface; GICv3: redistributors (one 128 KiB frame per vCPU). */
	uint64_t gic_cpu_base, gic_cpu_size;
	uint64_t gic_redist_base, gic_redist_size;
	uint64_t uart_base, uart_size;
	unsigned uart_irq;  /* SPI number */
	uint64_t gpio_base; /* the PL061 with the power key */
	unsigned gpio_irq;
	uint64_t virtio_mmio_base; /* first virtio-mmio window; devices follow */
	uint64_t virtio_mmio_stride;
	unsigned virtio_first_irq; /* SPI of the first virtio-mmio device */
	uint64_t ram_base;
	uint64_t ram_max; /* most RAM this map leaves room for */
};

/* The default map (QEMU virt-like): RAM at 1 GiB, devices below it. */
void arm64_guest_map_default(struct arm64_guest_map *map);

/*
 * Where the virtio-mmio device in `slot` (0 for the first device attached)
 * sits: its register window's base and its interrupt line (SPI number).
 * Every hypervisor backend places devices by this rule, so a description
 * gives the same guest device tree under KVM and seL4.
 */
void arm64_virtio_slot(const struct arm64_guest_map *map, unsigned slot, uint64_t *base,
		       unsigned *irq);

#endif
