/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one assembly of a VM (machine/machine.c): devices in description
 * order on consecutive virtio-mmio slots, with the names, windows and lines
 * both hypervisors and the device tree rely on; a host without a backend
 * for a device; RAM; console routing; the device tree's parameters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "machine/describe_host.h"
#include "machine/machine.h"

struct fixture {
	struct vm vm;
	struct machine machine;
	struct machine_host host;
	uint8_t console_out[64];
	size_t console_len;
};

static void record_output(void *ctx, const uint8_t *data, size_t len)
{
	struct fixture *f = ctx;

	if (len > sizeof(f->console_out) - f->console_len)
		len = sizeof(f->console_out) - f->console_len;
	memcpy(f->console_out + f->console_len, data, len);
	f->console_len += len;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	vm_init(&f->vm, "test", NULL);
	machine_describe_host(&f->host);
	f->host.uart = (struct pl011_backend){.write = record_output, .ctx = f};
	f->host.console = (struct virtio_console_backend){.write = record_output, .ctx = f};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void every_device_in_order(void **state)
{
	struct fixture *f = *state;
	struct machine *m = &f->machine;
	struct machine_desc desc = {.cpus = 2,
				    .memory = 64ull << 20,
				    .virtio_console = true,
				    .disk_count = 2,
				    .net_count = 1,
				    .rng = true,
				    .vsock = true,
				    .vsock_cid = 3};
	static const char *const names[] = {"virtio-blk0",     "virtio-blk1", "virtio-net0",
					    "virtio-console0", "virtio-rng0", "virtio-vsock0"};

	assert_int_equal(machine_assemble(m, &f->vm, &desc, &f->host, NULL), 0);
	assert_null(m->failed);
	assert_int_equal(m->mmio_count, 6);
	/* The PL011 first, the PL061 with the power key, then one description per virtio device. */
	assert_int_equal(f->vm.device_count, 8);
	assert_int_equal(f->vm.devices[0].base, m->map.uart_base);
	assert_int_equal(f->vm.devices[1].base, m->map.gpio_base);
	assert_true(f->vm.devices[1].flags & VM_DEVICE_GPIO_POWER_KEY);
	for (unsigned i = 0; i < m->mmio_count; i++) {
		uint64_t base;
		unsigned irq;

		arm64_virtio_slot(&m->map, i, &base, &irq);
		assert_int_equal(m->mmio[i].base, base);
		assert_int_equal(m->mmio[i].irq_line, irq);
		assert_string_equal(m->mmio[i].dev->name, names[i]);
		assert_int_equal(f->vm.devices[i + 2].base, base);
		assert_int_equal(f->vm.devices[i + 2].irq_line, (int)irq);
	}
	/* Without RAM the machine is only described. */
	assert_int_equal(f->vm.mem.count, 0);
}

static void the_console_is_the_pl011_unless_virtio(void **state)
{
	struct fixture *f = *state;
	struct machine_desc desc = {.cpus = 1, .memory = 64ull << 20};

	assert_int_equal(machine_assemble(&f->machine, &f->vm, &desc, &f->host, NULL), 0);
	assert_int_equal(f->machine.mmio_count, 0);
	assert_true(f->vm.devices[0].flags & VM_DEVICE_CONSOLE);
	assert_int_equal(machine_console_receive(&f->machine, (const uint8_t *)"ab", 2), 2);
}

static void a_host_without_the_backend(void **state)
{
	struct fixture *f = *state;
	static const struct machine_host_ops disks_only = {.disk = NULL};
	struct machine_desc desc = {.cpus = 1, .memory = 64ull << 20, .net_count = 1};

	f->host.ops = &disks_only;
	assert_int_equal(machine_assemble(&f->machine, &f->vm, &desc, &f->host, NULL),
			 -SVMM_ENOTSUP);
	assert_string_equal(f->machine.failed, "virtio-net0");
}

static void too_many_disks(void **state)
{
	struct fixture *f = *state;
	struct machine_desc desc = {
	    .cpus = 1, .memory = 64ull << 20, .disk_count = MACHINE_MAX_DISKS + 1};

	assert_int_equal(machine_assemble(&f->machine, &f->vm, &desc, &f->host, NULL),
			 -SVMM_ENOSPC);
	assert_string_equal(f->machine.failed, "disk");
}

static void ram_and_device_tree(void **state)
{
	struct fixture *f = *state;
	struct machine *m = &f->machine;
	struct machine_desc desc = {.cpus = 3, .memory = 16ull << 20, .disk_count = 1};
	void *ram = calloc(1, desc.memory);
	struct arm64_boot_plan plan = {.initrd_gpa = 0x48000000, .initrd_size = 0x1000};
	struct arm64_fdt_params params;

	assert_non_null(ram);
	assert_int_equal(machine_assemble(m, &f->vm, &desc, &f->host, ram), 0);
	assert_ptr_equal(guest_mem_ptr(&f->vm.mem, m->map.ram_base, 8), ram);
	assert_null(guest_mem_ptr(&f->vm.mem, m->map.ram_base + desc.memory, 1));
	machine_fdt_params(m, &plan, "console=ttyAMA0", ARM64_GICV2, "smc", &params);
	assert_int_equal(params.cpus, 3);
	assert_int_equal(params.ram_base, m->map.ram_base);
	assert_int_equal(params.ram_size, desc.memory);
	assert_int_equal(params.initrd_start, 0x48000000);
	assert_int_equal(params.initrd_end, 0x48001000);
	assert_int_equal(params.gic_version, ARM64_GICV2);
	assert_string_equal(params.psci_method, "smc");
	assert_int_equal(params.device_count, 3);
	free(ram);
}

static void reset_keeps_the_devices(void **state)
{
	struct fixture *f = *state;
	struct machine_desc desc = {.cpus = 1, .memory = 64ull << 20, .disk_count = 1};

	assert_int_equal(machine_assemble(&f->machine, &f->vm, &desc, &f->host, NULL), 0);
	machine_reset(&f->machine);
	assert_int_equal(f->machine.mmio_count, 1);
	assert_int_equal(f->vm.device_count, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(every_device_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_console_is_the_pl011_unless_virtio, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(a_host_without_the_backend, setup, teardown),
	    cmocka_unit_test_setup_teardown(too_many_disks, setup, teardown),
	    cmocka_unit_test_setup_teardown(ram_and_device_tree, setup, teardown),
	    cmocka_unit_test_setup_teardown(reset_keeps_the_devices, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
