/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parts of the seL4 backend that need no seL4: its printf-style
 * formatter (host/sel4/format.c) and its device tree reader
 * (hyp/sel4/dtb_info.c), checked against trees arch/aarch64/fdt.c writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "arch/aarch64/fdt.h"
#include "arch/aarch64/guest_map.h"
#include "core/errors.h"
#include "host/sel4/format.h"
#include "hyp/sel4/dtb_info.h"

/* The formatter and snprintf must agree on every directive svmm uses. */
#define SAME_AS_SNPRINTF(...)                                                                      \
	do {                                                                                       \
		char want[128], got[128];                                                          \
		int n = snprintf(want, sizeof(want), __VA_ARGS__);                                 \
		size_t m = sel4_format(got, sizeof(got), __VA_ARGS__);                             \
		assert_string_equal(got, want);                                                    \
		assert_int_equal(m, (size_t)n);                                                    \
	} while (0)

static void test_format_matches_snprintf(void **state)
{
	(void)state;
	SAME_AS_SNPRINTF("plain text");
	SAME_AS_SNPRINTF("%s=%d %u %x %X", "a", -42, 42u, 0xbeefu, 0xbeefu);
	SAME_AS_SNPRINTF("%llx %llu %lld", 0xfedcba9876543210ull, 18446744073709551615ull,
			 -9223372036854775807ll - 1);
	SAME_AS_SNPRINTF("%zu %lu", (size_t)123456, 7ul);
	SAME_AS_SNPRINTF("[%03llx] [%5d] [%-5d] [%05d] [%-4s] [%4s]", 0xaull, 42, 42, -42, "ab",
			 "ab");
	SAME_AS_SNPRINTF("%.3s|%c|%%|%hhu|%hd", "abcdef", 'x', (unsigned char)200, (short)-5);
	SAME_AS_SNPRINTF("%d %d", 0, -2147483647 - 1);
	SAME_AS_SNPRINTF("%p", (void *)0x1234);
}

static void test_format_truncates_and_terminates(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(sel4_format(buf, sizeof(buf), "%s", "0123456789"), 7);
	assert_string_equal(buf, "0123456");
	assert_int_equal(sel4_format(buf, 1, "abc"), 0);
	assert_string_equal(buf, "");
	assert_int_equal(sel4_format(buf, 0, "abc"), 0);
}

/* Without the format attribute, so that bad formats get through the compiler. */
static size_t format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list args;
	size_t n;

	va_start(args, fmt);
	n = sel4_vformat(buf, size, fmt, args);
	va_end(args);
	return n;
}

static void test_format_shows_unknown_directives(void **state)
{
	char buf[32];

	(void)state;
	format_unchecked(buf, sizeof(buf), "a%qb");
	assert_string_equal(buf, "a%qb");
	format_unchecked(buf, sizeof(buf), "end%");
	assert_string_equal(buf, "end%");
}

static size_t build_tree(uint8_t *buf, size_t size, unsigned cpus, uint64_t initrd_start,
			 uint64_t initrd_end)
{
	struct arm64_guest_map map;
	struct arm64_fdt_params p;

	arm64_guest_map_default(&map);
	p = (struct arm64_fdt_params){
	    .cpus = cpus,
	    .ram_base = map.ram_base,
	    .ram_size = 256ull << 20,
	    .gic_version = ARM64_GICV2,
	    .map = &map,
	    .cmdline = "console=ttyAMA0",
	    .initrd_start = initrd_start,
	    .initrd_end = initrd_end,
	    .psci_method = "smc",
	};
	assert_int_equal(arm64_fdt_build(buf, size, &p), 0);
	return size;
}

static void test_dtb_info_reads_cpus_and_initrd(void **state)
{
	static uint8_t tree[65536];
	struct dtb_info info;

	(void)state;
	for (unsigned cpus = 1; cpus <= 8; cpus++) {
		build_tree(tree, sizeof(tree), cpus, 0x4fe00000, 0x4ff10000);
		assert_int_equal(dtb_info_read(tree, sizeof(tree), &info), 0);
		assert_int_equal(info.cpus, cpus);
		assert_int_equal(info.initrd_start, 0x4fe00000);
		assert_int_equal(info.initrd_end, 0x4ff10000);
	}
	build_tree(tree, sizeof(tree), 2, 0, 0);
	assert_int_equal(dtb_info_read(tree, sizeof(tree), &info), 0);
	assert_int_equal(info.cpus, 2);
	assert_int_equal(info.initrd_start, 0);
}

/* virtio-mmio nodes, as `svmm sdf --dtb-out` places a disk (arm64_virtio_slot()). */
static void test_dtb_info_reads_virtio_nodes(void **state)
{
	static uint8_t tree[65536];
	static const char virtio[] = "virtio,mmio";
	static const char other[] = "arm,pl011\0arm,primecell";
	struct arm64_guest_map map;
	struct vm_device devices[3];
	struct arm64_fdt_params p;
	struct dtb_info info;

	(void)state;
	arm64_guest_map_default(&map);
	for (unsigned i = 0; i < 2; i++) {
		uint64_t base;
		unsigned irq;

		arm64_virtio_slot(&map, i, &base, &irq);
		devices[i] = (struct vm_device){.name = "virtio_mmio",
						.compatible = virtio,
						.compatible_len = sizeof(virtio),
						.base = base,
						.size = 0x200,
						.irq_line = (int)irq};
	}
	devices[2] = (struct vm_device){.name = "uart",
					.compatible = other,
					.compatible_len = sizeof(other),
					.base = 0x9100000,
					.size = 0x1000,
					.irq_line = 5};
	p = (struct arm64_fdt_params){
	    .cpus = 1,
	    .ram_base = map.ram_base,
	    .ram_size = 256ull << 20,
	    .gic_version = ARM64_GICV2,
	    .map = &map,
	    .psci_method = "smc",
	    .devices = devices,
	    .device_count = 3,
	};
	assert_int_equal(arm64_fdt_build(tree, sizeof(tree), &p), 0);
	assert_int_equal(dtb_info_read(tree, sizeof(tree), &info), 0);
	assert_int_equal(info.virtio_count, 2);
	assert_int_equal(info.virtio[0].base, 0x0a000000);
	assert_int_equal(info.virtio[0].irq, 16);
	assert_int_equal(info.virtio[1].base, 0x0a000200);
	assert_int_equal(info.virtio[1].irq, 17);

	build_tree(tree, sizeof(tree), 1, 0, 0);
	assert_int_equal(dtb_info_read(tree, sizeof(tree), &info), 0);
	assert_int_equal(info.virtio_count, 0);
}

static void test_dtb_info_refuses_damage(void **state)
{
	static uint8_t tree[65536];
	struct dtb_info info;

	(void)state;
	build_tree(tree, sizeof(tree), 1, 0, 0);
	assert_int_equal(dtb_info_read(tree, 39, &info), -SVMM_EINVAL);
	/* Every truncation is refused or read without going past the end. */
	for (size_t len = 40; len < 2048; len += 7)
		(void)dtb_info_read(tree, len, &info);
	tree[0] ^= 0xff;
	assert_int_equal(dtb_info_read(tree, sizeof(tree), &info), -SVMM_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_matches_snprintf),
	    cmocka_unit_test(test_format_truncates_and_terminates),
	    cmocka_unit_test(test_format_shows_unknown_directives),
	    cmocka_unit_test(test_dtb_info_reads_cpus_and_initrd),
	    cmocka_unit_test(test_dtb_info_reads_virtio_nodes),
	    cmocka_unit_test(test_dtb_info_refuses_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
