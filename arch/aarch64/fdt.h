/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's device tree, generated at run time with libfdt: memory, CPUs
 * (PSCI enable-method), GIC, architected timer, /chosen (bootargs, initrd,
 * stdout-path), and one node for each device the VM describes.
 */
#ifndef SVMM_ARCH_AARCH64_FDT_H
#define SVMM_ARCH_AARCH64_FDT_H

#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/guest_map.h"
#include "core/vm.h"

struct arm64_fdt_params {
	unsigned cpus;
	uint64_t ram_base, ram_size;
	enum arm64_gic_version gic_version;
	const struct arm64_guest_map *map;
	const char *cmdline;   /* may be NULL */
	uint64_t initrd_start; /* initrd_start == initrd_end: no initrd */
	uint64_t initrd_end;
	const char *psci_method; /* "hvc" (KVM) or "smc" */
	const struct vm_device *devices;
	unsigned device_count;
};

/*
 * Writes the device tree into buf[0..size). 0, or a negative SVMM error
 * (-SVMM_ENOSPC when it does not fit, -SVMM_EINVAL for bad parameters).
 */
int arm64_fdt_build(void *buf, size_t size, const struct arm64_fdt_params *params);

#endif
