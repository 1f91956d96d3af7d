/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "arch/aarch64/fdt.h"
#include "core/errors.h"

#define MIB ((uint64_t)1 << 20)
#define GIB ((uint64_t)1 << 30)

#define DTB_SIZE (64 * 1024)

static const char pl011_compatible[] = "arm,pl011\0arm,primecell";
static const char virtio_compatible[] = "virtio,mmio";

struct fixture {
	struct arm64_guest_map map;
	struct vm_device devices[2];
	struct arm64_fdt_params params;
	uint8_t dtb[DTB_SIZE];
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	arm64_guest_map_default(&f->map);
	f->devices[0] = (struct vm_device){
	    .name = "pl011",
	    .compatible = pl011_compatible,
	    .compatible_len = sizeof(pl011_compatible),
	    .base = f->map.uart_base,
	    .size = f->map.uart_size,
	    .irq_line = (int)f->map.uart_irq,
	    .flags = VM_DEVICE_AMBA | VM_DEVICE_CONSOLE,
	};
	f->devices[1] = (struct vm_device){
	    .name = "virtio_mmio",
	    .compatible = virtio_compatible,
	    .compatible_len = sizeof(virtio_compatible),
	    .base = f->map.virtio_mmio_base,
	    .size = f->map.virtio_mmio_stride,
	    .irq_line = (int)f->map.virtio_first_irq,
	    .flags = VM_DEVICE_DMA_COHERENT,
	};
	f->params = (struct arm64_fdt_params){
	    .cpus = 2,
	    .ram_base = 1 * GIB,
	    .ram_size = 256 * MIB,
	    .gic_version = ARM64_GICV3,
	    .map = &f->map,
	    .cmdline = "console=ttyAMA0 earlycon",
	    .initrd_start = 1 * GIB + 200 * MIB,
	    .initrd_end = 1 * GIB + 205 * MIB + 17,
	    .psci_method = "hvc",
	    .devices = f->devices,
	    .device_count = 2,
	};
}

static int setup(void **state)
{
	struct fixture *f = malloc(sizeof(*f));

	if (f == NULL)
		return -1;
	fixture_init(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static int node(const void *fdt, const char *path)
{
	int offset = fdt_path_offset(fdt, path);

	if (offset < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(offset));
	return offset;
}

/* A property's value, failing the test unless it is exactly `len` bytes long. */
static const void *prop(const void *fdt, const char *path, const char *name, int len)
{
	int actual;
	const void *value = fdt_getprop(fdt, node(fdt, path), name, &actual);

	if (value == NULL)
		fail_msg("%s: no property %s", path, name);
	if (actual != len)
		fail_msg("%s: %s is %d bytes, expected %d", path, name, actual, len);
	return value;
}

static uint32_t cell(const void *value, int index)
{
	return fdt32_ld((const fdt32_t *)value + index);
}

static uint64_t cell64(const void *value, int index)
{
	return fdt64_ld((const fdt64_t *)value + index);
}

static uint32_t prop_u32(const void *fdt, const char *path, const char *name)
{
	return cell(prop(fdt, path, name, 4), 0);
}

static void assert_prop_bytes(const void *fdt, const char *path, const char *name,
			      const void *expected, int len)
{
	assert_memory_equal(prop(fdt, path, name, len), expected, len);
}

#define assert_prop_string(fdt, path, name, str)                                                   \
	assert_prop_bytes(fdt, path, name, str, (int)sizeof(str))

static void build(struct fixture *f)
{
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &f->params), 0);
	assert_int_equal(fdt_check_header(f->dtb), 0);
	assert_true(fdt_totalsize(f->dtb) <= sizeof(f->dtb));
}

static void test_root_and_memory(void **state)
{
	struct fixture *f = *state;
	const void *reg;

	build(f);
	assert_prop_string(f->dtb, "/", "compatible", "linux,dummy-virt");
	assert_prop_string(f->dtb, "/", "model", "svmm");
	assert_int_equal(prop_u32(f->dtb, "/", "#address-cells"), 2);
	assert_int_equal(prop_u32(f->dtb, "/", "#size-cells"), 2);
	assert_int_equal(prop_u32(f->dtb, "/", "interrupt-parent"),
			 fdt_get_phandle(f->dtb, node(f->dtb, "/intc@8000000")));

	assert_prop_string(f->dtb, "/memory@40000000", "device_type", "memory");
	reg = prop(f->dtb, "/memory@40000000", "reg", 16);
	assert_int_equal(cell64(reg, 0), 1 * GIB);
	assert_int_equal(cell64(reg, 1), 256 * MIB);
}

static void test_cpus(void **state)
{
	struct fixture *f = *state;
	int cpus, count = 0, child;

	build(f);
	cpus = node(f->dtb, "/cpus");
	assert_int_equal(prop_u32(f->dtb, "/cpus", "#address-cells"), 1);
	assert_int_equal(prop_u32(f->dtb, "/cpus", "#size-cells"), 0);
	fdt_for_each_subnode(child, f->dtb, cpus)
	{
		count++;
	}
	assert_int_equal(count, 2);
	assert_int_equal(prop_u32(f->dtb, "/cpus/cpu@0", "reg"), 0);
	assert_int_equal(prop_u32(f->dtb, "/cpus/cpu@1", "reg"), 1);
	assert_prop_string(f->dtb, "/cpus/cpu@1", "device_type", "cpu");
	assert_prop_string(f->dtb, "/cpus/cpu@1", "compatible", "arm,arm-v8");
	assert_prop_string(f->dtb, "/cpus/cpu@1", "enable-method", "psci");
}

static void test_cpu_reg_follows_kvm_mpidr(void **state)
{
	struct fixture *f = *state;

	/* KVM puts 16 vCPUs in Aff0, then moves on to Aff1. */
	f->params.cpus = 18;
	build(f);
	assert_int_equal(prop_u32(f->dtb, "/cpus/cpu@f", "reg"), 15);
	assert_int_equal(prop_u32(f->dtb, "/cpus/cpu@100", "reg"), 0x100);
	assert_int_equal(prop_u32(f->dtb, "/cpus/cpu@101", "reg"), 0x101);
}

static void test_chosen(void **state)
{
	struct fixture *f = *state;
	const char *stdout_path;
	int len;

	build(f);
	assert_prop_string(f->dtb, "/chosen", "bootargs", "console=ttyAMA0 earlycon");
	assert_int_equal(cell64(prop(f->dtb, "/chosen", "linux,initrd-start", 8), 0),
			 f->params.initrd_start);
	assert_int_equal(cell64(prop(f->dtb, "/chosen", "linux,initrd-end", 8), 0),
			 f->params.initrd_end);

	stdout_path = fdt_getprop(f->dtb, node(f->dtb, "/chosen"), "stdout-path", &len);
	assert_non_null(stdout_path);
	assert_string_equal(stdout_path, "/pl011@9000000");
	assert_int_equal(fdt_path_offset(f->dtb, stdout_path), node(f->dtb, "/pl011@9000000"));
}

static void test_chosen_without_cmdline_initrd_or_console(void **state)
{
	struct fixture *f = *state;
	int chosen;

	f->params.cmdline = NULL;
	f->params.initrd_start = f->params.initrd_end = 0;
	f->devices[0].flags = VM_DEVICE_AMBA;
	build(f);
	chosen = node(f->dtb, "/chosen");
	assert_null(fdt_getprop(f->dtb, chosen, "bootargs", NULL));
	assert_null(fdt_getprop(f->dtb, chosen, "linux,initrd-start", NULL));
	assert_null(fdt_getprop(f->dtb, chosen, "linux,initrd-end", NULL));
	assert_null(fdt_getprop(f->dtb, chosen, "stdout-path", NULL));
}

static void test_psci(void **state)
{
	struct fixture *f = *state;
	static const char compatible[] = "arm,psci-1.0\0arm,psci-0.2";

	build(f);
	assert_prop_bytes(f->dtb, "/psci", "compatible", compatible, sizeof(compatible));
	assert_prop_string(f->dtb, "/psci", "method", "hvc");
}

static void test_gicv3(void **state)
{
	struct fixture *f = *state;
	const char *gic = "/intc@8000000";
	const void *reg;

	build(f);
	assert_prop_string(f->dtb, gic, "compatible", "arm,gic-v3");
	assert_int_equal(prop_u32(f->dtb, gic, "#interrupt-cells"), 3);
	prop(f->dtb, gic, "interrupt-controller", 0);
	assert_int_equal(prop_u32(f->dtb, gic, "#redistributor-regions"), 1);
	reg = prop(f->dtb, gic, "reg", 32);
	assert_int_equal(cell64(reg, 0), 0x08000000);
	assert_int_equal(cell64(reg, 1), 64 * 1024);
	assert_int_equal(cell64(reg, 2), 0x080a0000);
	assert_int_equal(cell64(reg, 3), 2 * 128 * 1024);
	assert_int_not_equal(fdt_get_phandle(f->dtb, node(f->dtb, gic)), 0);
}

static void test_gicv2(void **state)
{
	struct fixture *f = *state;
	const char *gic = "/intc@8000000";
	const void *reg, *timer;

	f->params.gic_version = ARM64_GICV2;
	build(f);
	assert_prop_string(f->dtb, gic, "compatible", "arm,cortex-a15-gic");
	assert_int_equal(prop_u32(f->dtb, gic, "#interrupt-cells"), 3);
	reg = prop(f->dtb, gic, "reg", 32);
	assert_int_equal(cell64(reg, 0), 0x08000000);
	assert_int_equal(cell64(reg, 2), 0x08010000);
	assert_int_equal(cell64(reg, 3), 64 * 1024);
	assert_int_equal(fdt_getprop(f->dtb, node(f->dtb, gic), "#redistributor-regions", NULL),
			 NULL);
	/* GICv2 PPIs carry the mask of the CPUs they reach: two CPUs, 0b11. */
	timer = prop(f->dtb, "/timer", "interrupts", 48);
	for (int i = 0; i < 4; i++)
		assert_int_equal(cell(timer, 3 * i + 2), 0x308);
}

static void test_timer(void **state)
{
	struct fixture *f = *state;
	const uint32_t expected[12] = {1, 13, 8, 1, 14, 8, 1, 11, 8, 1, 10, 8};
	const void *interrupts;

	build(f);
	assert_prop_string(f->dtb, "/timer", "compatible", "arm,armv8-timer");
	prop(f->dtb, "/timer", "always-on", 0);
	interrupts = prop(f->dtb, "/timer", "interrupts", 48);
	for (int i = 0; i < 12; i++)
		assert_int_equal(cell(interrupts, i), expected[i]);
}

static void test_pl011(void **state)
{
	struct fixture *f = *state;
	const char *uart = "/pl011@9000000";
	const void *interrupts, *clocks, *reg;
	static const char clock_names[] = "uartclk\0apb_pclk";
	int clock;

	build(f);
	assert_prop_bytes(f->dtb, uart, "compatible", pl011_compatible, sizeof(pl011_compatible));
	reg = prop(f->dtb, uart, "reg", 16);
	assert_int_equal(cell64(reg, 0), 0x09000000);
	assert_int_equal(cell64(reg, 1), 4096);
	interrupts = prop(f->dtb, uart, "interrupts", 12);
	assert_int_equal(cell(interrupts, 0), 0);
	assert_int_equal(cell(interrupts, 1), 1);
	assert_int_equal(cell(interrupts, 2), 4);
	assert_null(fdt_getprop(f->dtb, node(f->dtb, uart), "dma-coherent", NULL));
	assert_prop_bytes(f->dtb, uart, "clock-names", clock_names, sizeof(clock_names));

	clocks = prop(f->dtb, uart, "clocks", 8);
	clock = fdt_node_offset_by_phandle(f->dtb, cell(clocks, 0));
	assert_int_equal(clock, node(f->dtb, "/apb-pclk"));
	assert_int_equal(cell(clocks, 1), cell(clocks, 0));
	assert_prop_string(f->dtb, "/apb-pclk", "compatible", "fixed-clock");
	assert_int_equal(prop_u32(f->dtb, "/apb-pclk", "clock-frequency"), 24000000);
	assert_int_equal(prop_u32(f->dtb, "/apb-pclk", "#clock-cells"), 0);
	assert_prop_string(f->dtb, "/apb-pclk", "clock-output-names", "clk24mhz");
}

static void test_dma_coherent_device(void **state)
{
	struct fixture *f = *state;
	const char *virtio = "/virtio_mmio@a000000";
	const void *interrupts;
	int offset;

	build(f);
	offset = node(f->dtb, virtio);
	assert_prop_string(f->dtb, virtio, "compatible", "virtio,mmio");
	prop(f->dtb, virtio, "dma-coherent", 0);
	interrupts = prop(f->dtb, virtio, "interrupts", 12);
	assert_int_equal(cell(interrupts, 1), 16);
	assert_null(fdt_getprop(f->dtb, offset, "clocks", NULL));
}

static void test_no_amba_means_no_clock(void **state)
{
	struct fixture *f = *state;
	int offset;

	f->devices[0].flags = VM_DEVICE_CONSOLE;
	f->devices[0].irq_line = -1;
	build(f);
	assert_int_equal(fdt_path_offset(f->dtb, "/apb-pclk"), -FDT_ERR_NOTFOUND);
	offset = node(f->dtb, "/pl011@9000000");
	assert_null(fdt_getprop(f->dtb, offset, "interrupts", NULL));
	assert_null(fdt_getprop(f->dtb, offset, "clocks", NULL));
}

/* A GPIO controller with the power key gets gpio-keys beside it, as on QEMU's virt board. */
static void test_gpio_power_key(void **state)
{
	static const char pl061_compatible[] = "arm,pl061\0arm,primecell";
	struct fixture *f = *state;
	const char *gpio = "/pl061@9030000", *key = "/gpio-keys/poweroff";
	const void *gpios;

	build(f);
	assert_int_equal(fdt_path_offset(f->dtb, "/gpio-keys"), -FDT_ERR_NOTFOUND);
	f->devices[1] = (struct vm_device){
	    .name = "pl061",
	    .compatible = pl061_compatible,
	    .compatible_len = sizeof(pl061_compatible),
	    .base = f->map.gpio_base,
	    .size = 0x1000,
	    .irq_line = (int)f->map.gpio_irq,
	    .flags = VM_DEVICE_AMBA | VM_DEVICE_GPIO_POWER_KEY,
	};
	build(f);
	prop(f->dtb, gpio, "gpio-controller", 0);
	assert_int_equal(prop_u32(f->dtb, gpio, "#gpio-cells"), 2);
	assert_prop_string(f->dtb, "/gpio-keys", "compatible", "gpio-keys");
	assert_int_equal(prop_u32(f->dtb, key, "linux,code"), 116);
	gpios = prop(f->dtb, key, "gpios", 12);
	assert_int_equal(cell(gpios, 0), prop_u32(f->dtb, gpio, "phandle"));
	assert_int_equal(cell(gpios, 1), VM_POWER_KEY_GPIO_LINE);
	assert_int_equal(cell(gpios, 2), 0);
	assert_int_equal(fdt_check_full(f->dtb, DTB_SIZE), 0);
}

static void test_tree_passes_full_check(void **state)
{
	struct fixture *f = *state;

	build(f);
	assert_int_equal(fdt_check_full(f->dtb, fdt_totalsize(f->dtb)), 0);
}

static void test_too_small_buffer(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(arm64_fdt_build(f->dtb, 512, &f->params), -SVMM_ENOSPC);
	assert_int_equal(arm64_fdt_build(f->dtb, 16, &f->params), -SVMM_ENOSPC);
	assert_int_equal(arm64_fdt_build(f->dtb, 0, &f->params), -SVMM_ENOSPC);
}

static void test_rejects_bad_params(void **state)
{
	struct fixture *f = *state;
	struct arm64_fdt_params p;

	p = f->params;
	p.cpus = 0;
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &p), -SVMM_EINVAL);
	p = f->params;
	p.map = NULL;
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &p), -SVMM_EINVAL);
	p = f->params;
	p.psci_method = "svc";
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &p), -SVMM_EINVAL);
	p = f->params;
	p.gic_version = 4;
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &p), -SVMM_EINVAL);
	p = f->params;
	p.gic_version = ARM64_GICV2;
	p.cpus = 9;
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &p), -SVMM_EINVAL);
	p = f->params;
	p.cpus = 124; /* one more than the default map's redistributor space holds */
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &p), -SVMM_EINVAL);
	p = f->params;
	p.initrd_start = p.initrd_end + 1;
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &p), -SVMM_EINVAL);
	p = f->params;
	p.devices = NULL;
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &p), -SVMM_EINVAL);
	assert_int_equal(arm64_fdt_build(NULL, sizeof(f->dtb), &f->params), -SVMM_EINVAL);
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), NULL), -SVMM_EINVAL);
}

static void test_rejects_bad_devices(void **state)
{
	struct fixture *f = *state;
	const struct vm_device good = f->devices[1];

	f->devices[1].name = "a/b";
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &f->params), -SVMM_EINVAL);
	f->devices[1] = good;
	f->devices[1].name = "";
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &f->params), -SVMM_EINVAL);
	f->devices[1] = good;
	f->devices[1].compatible_len = 3; /* "vir" with no terminating NUL */
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &f->params), -SVMM_EINVAL);
	f->devices[1] = good;
	f->devices[1].size = 0;
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &f->params), -SVMM_EINVAL);
	f->devices[1] = good;
	f->devices[1].irq_line = 988;
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &f->params), -SVMM_EINVAL);
	f->devices[1] = good;
	f->devices[1].irq_line = 987;
	assert_int_equal(arm64_fdt_build(f->dtb, sizeof(f->dtb), &f->params), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_root_and_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cpus, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cpu_reg_follows_kvm_mpidr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chosen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chosen_without_cmdline_initrd_or_console, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_psci, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gicv3, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gicv2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pl011, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dma_coherent_device, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_amba_means_no_clock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tree_passes_full_check, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gpio_power_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_small_buffer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rejects_bad_params, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rejects_bad_devices, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
