/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct vm: everything one virtual machine owns. There are no globals in
 * svmm; two VMs in one process are two of these.
 *
 * The hypervisor backend fills in `irq_chip` (how a device line reaches the
 * guest's interrupt controller); devices register MMIO ranges on `mmio` and
 * describe themselves in `devices`, from which the boot code of the guest's
 * architecture writes the guest's hardware description (a device tree on
 * aarch64).
 */
#ifndef SVMM_CORE_VM_H
#define SVMM_CORE_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bus.h"
#include "core/guest_mem.h"
#include "core/log.h"

#define VM_MAX_DEVICES 32

/* How interrupt lines reach the guest; provided by the hypervisor backend. */
struct vm_irq_chip {
	int (*set_level)(void *ctx, unsigned line, bool level);
	/* Optional: an edge on the line; without it, a pulse is raise-then-lower. */
	int (*pulse)(void *ctx, unsigned line);
	void *ctx;
};

/*
 * Serialises device emulation between the threads that reach devices: vCPU
 * threads (MMIO exits) and the host's I/O thread (backend completions,
 * console input). Provided by the host; a single-threaded host leaves it
 * empty and locking is then a no-op.
 */
struct vm_lock {
	void (*acquire)(void *ctx);
	void (*release)(void *ctx);
	void *ctx;
};

enum vm_device_flags {
	/* An ARM PrimeCell: the guest needs its bus clock described. */
	VM_DEVICE_AMBA = 1u << 0,
	/* The device does DMA that is coherent with the CPUs' caches. */
	VM_DEVICE_DMA_COHERENT = 1u << 1,
	/* The guest's console: the boot description points stdout at it. */
	VM_DEVICE_CONSOLE = 1u << 2,
	/* The interrupt is edge-triggered (rising); level-high otherwise. */
	VM_DEVICE_IRQ_EDGE = 1u << 3,
	/*
	 * A GPIO controller (two-cell specifiers) whose line
	 * VM_POWER_KEY_GPIO_LINE is the power key: the guest is told of a
	 * KEY_POWER button there (Linux: gpio-keys), as on QEMU's virt board.
	 */
	VM_DEVICE_GPIO_POWER_KEY = 1u << 4,
};

#define VM_POWER_KEY_GPIO_LINE 3
#define VM_KEY_POWER	       116 /* Linux's input event code */

/*
 * What a guest needs to know to find a device. Devices describe themselves
 * with data rather than writing firmware tables, so a device model knows
 * neither the device tree format nor the hypervisor.
 */
struct vm_device {
	const char *name;	/* node name, e.g. "pl011" */
	const char *compatible; /* NUL-separated list, most specific first */
	size_t compatible_len;	/* total length including every NUL */
	uint64_t base;
	uint64_t size;
	int irq_line; /* interrupt line (SPI number on a GIC), or -1 */
	unsigned flags;
};

struct vm {
	const char *name;
	struct guest_mem mem;
	struct bus mmio;
	struct vm_irq_chip irq_chip;
	struct vm_lock device_lock;
	struct log_sink log;
	struct vm_device devices[VM_MAX_DEVICES];
	unsigned device_count;
};

/* Sets up an empty VM with the given log sink (which may be NULL). */
void vm_init(struct vm *vm, const char *name, const struct log_sink *log);

/* Take and release vm->device_lock (no-ops without one). */
void vm_lock_devices(struct vm *vm);
void vm_unlock_devices(struct vm *vm);

/* Records a device description: 0 or -SVMM_ENOSPC. */
int vm_add_device(struct vm *vm, const struct vm_device *device);

/*
 * Raises or lowers an interrupt line. -SVMM_ENOSYS before the hypervisor
 * backend has attached an interrupt controller.
 */
int vm_irq_set(struct vm *vm, unsigned line, bool level);

/* Sends one edge on an edge-triggered line. -SVMM_ENOSYS as above. */
int vm_irq_pulse(struct vm *vm, unsigned line);

#endif
