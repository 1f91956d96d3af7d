/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An ARM PL061 GPIO controller with its line 3 wired to a power key, as on
 * QEMU's virt board: the guest's device tree gets a gpio-keys node whose
 * key is KEY_POWER on that line, so a stock Linux guest hears "power
 * button pressed" (input event KEY_POWER) when the host presses it, and
 * its init decides what to do. All eight lines are inputs the host drives;
 * lines the guest makes outputs read back what it wrote.
 */
#ifndef SVMM_DEV_PL061_H
#define SVMM_DEV_PL061_H

#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "core/vm.h"

#define PL061_MMIO_SIZE 0x1000
#define PL061_LINES	8
/* The power key's line: VM_POWER_KEY_GPIO_LINE (QEMU virt's GPIO_POWER). */

struct pl061 {
	struct vm *vm;
	unsigned irq_line;
	struct log_ratelimit bad_access_log;
	uint8_t data;  /* what the guest wrote to its output lines */
	uint8_t input; /* the levels the host drives */
	uint8_t dir, is, ibe, iev, ie, ris, afsel;
	bool irq_level;
};

/*
 * Resets the controller, registers its MMIO range at `base` and describes
 * it (with its power key) to the VM. 0 or a negative SVMM error.
 */
int pl061_init(struct pl061 *gpio, struct vm *vm, uint64_t base, unsigned irq_line);

void pl061_reset(struct pl061 *gpio);

/* The MMIO handler registered on the bus. */
int pl061_mmio(void *gpio, struct access *acc, uint64_t offset);

/* The host drives input `line` to `level` (device lock held). */
void pl061_set_input(struct pl061 *gpio, unsigned line, bool level);

#endif
