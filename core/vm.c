/* SPDX-License-Identifier: Apache-2.0 */
#include "core/vm.h"

#include "core/errors.h"
#include "core/string.h"

void vm_init(struct vm *vm, const char *name, const struct log_sink *log)
{
	memset(vm, 0, sizeof(*vm));
	vm->name = name;
	if (log != NULL)
		vm->log = *log;
}

void vm_lock_devices(struct vm *vm)
{
	if (vm->device_lock.acquire != NULL)
		vm->device_lock.acquire(vm->device_lock.ctx);
}

void vm_unlock_devices(struct vm *vm)
{
	if (vm->device_lock.release != NULL)
		vm->device_lock.release(vm->device_lock.ctx);
}

int vm_add_device(struct vm *vm, const struct vm_device *device)
{
	if (vm->device_count == VM_MAX_DEVICES)
		return -SVMM_ENOSPC;
	vm->devices[vm->device_count++] = *device;
	return 0;
}

int vm_irq_set(struct vm *vm, unsigned line, bool level)
{
	if (vm->irq_chip.set_level == NULL)
		return -SVMM_ENOSYS;
	return vm->irq_chip.set_level(vm->irq_chip.ctx, line, level);
}

int vm_irq_pulse(struct vm *vm, unsigned line)
{
	int err;

	if (vm->irq_chip.pulse != NULL)
		return vm->irq_chip.pulse(vm->irq_chip.ctx, line);
	err = vm_irq_set(vm, line, true);
	return err < 0 ? err : vm_irq_set(vm, line, false);
}
