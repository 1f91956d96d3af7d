/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the guest device tree built from a hostile VM
 * description, the way `svmm run` and `svmm validate` build it: the input is
 * a description file; whatever config/config_json.c accepts (with the CPU
 * count and memory `svmm run` would accept) is mapped to a machine
 * (cmd/machine_desc.c), assembled by machine/machine.c with the host that
 * does no I/O (machine/describe_host.c), placed by arm64_boot_plan() and
 * turned into a device tree by arch/aarch64/fdt.c, once as KVM offers it
 * (GICv3, PSCI by HVC) and once as seL4 does (GICv2, SMC). Each tree must
 * pass libfdt's full check and say what the description asked for: one cpu
 * node per vCPU, the RAM size, one virtio-mmio node per virtio device the
 * machine placed, the command line as given and the initrd where it was
 * placed. Nothing is opened but the input's own temporary file.
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_device_tree)
 */
#include <libfdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/aarch64/boot.h"
#include "arch/aarch64/fdt.h"
#include "arch/aarch64/image.h"
#include "cmd/machine_desc.h"
#include "config/vm_config.h"
#include "core/errors.h"
#include "core/vm.h"
#include "machine/describe_host.h"
#include "machine/machine.h"
#include "tests/fuzz/fuzz_input_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_device_tree: %s:%d: check failed: %s\n", __FILE__,   \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A typical arm64 kernel and initrd: only their sizes matter to the tree. */
#define KERNEL_IMAGE_SIZE (32ull << 20)
#define INITRD_SIZE	  (8ull << 20)

static unsigned count_compatible(const void *dtb, const char *compatible)
{
	unsigned n = 0;

	for (int node = fdt_node_offset_by_compatible(dtb, -1, compatible); node >= 0;
	     node = fdt_node_offset_by_compatible(dtb, node, compatible))
		n++;
	return n;
}

static unsigned count_cpus(const void *dtb)
{
	int cpus = fdt_path_offset(dtb, "/cpus");
	unsigned n = 0;
	int node;

	CHECK(cpus >= 0);
	fdt_for_each_subnode(node, dtb, cpus)
	{
		const char *type = fdt_getprop(dtb, node, "device_type", NULL);

		if (type != NULL && strcmp(type, "cpu") == 0)
			n++;
	}
	return n;
}

static uint64_t read_cells(const fdt32_t *cells, int count)
{
	uint64_t value = 0;

	for (int i = 0; i < count; i++)
		value = value << 32 | fdt32_to_cpu(cells[i]);
	return value;
}

/* The RAM node's size (two address and two size cells, as fdt.c writes it). */
static uint64_t ram_size(const void *dtb)
{
	int node =
	    fdt_node_offset_by_prop_value(dtb, -1, "device_type", "memory", sizeof("memory"));
	const fdt32_t *reg;
	int len;

	CHECK(node >= 0);
	reg = fdt_getprop(dtb, node, "reg", &len);
	CHECK(reg != NULL && len == 16);
	return read_cells(reg + 2, 2);
}

static void check_tree(const void *dtb, size_t size, const struct vm_config *cfg,
		       const struct machine *m, const struct arm64_boot_plan *plan)
{
	int chosen;
	const char *bootargs;
	const fdt32_t *start;
	int len;

	CHECK(fdt_check_full(dtb, size) == 0);
	CHECK(count_cpus(dtb) == cfg->cpus);
	CHECK(ram_size(dtb) == cfg->memory);
	CHECK(count_compatible(dtb, "virtio,mmio") == m->mmio_count);
	chosen = fdt_path_offset(dtb, "/chosen");
	CHECK(chosen >= 0);
	bootargs = fdt_getprop(dtb, chosen, "bootargs", NULL);
	if (cfg->cmdline != NULL && cfg->cmdline[0] != '\0')
		CHECK(bootargs != NULL && strcmp(bootargs, cfg->cmdline) == 0);
	start = fdt_getprop(dtb, chosen, "linux,initrd-start", &len);
	if (plan->initrd_size == 0) {
		CHECK(start == NULL);
	} else {
		CHECK(start != NULL && (len == 4 || len == 8));
		CHECK(read_cells(start, len / 4) == plan->initrd_gpa);
	}
}

static void build_device_trees(const struct vm_config *cfg)
{
	static uint8_t dtb[ARM64_DTB_MAX_SIZE];
	static struct machine machine;
	/* GICv2 targets interrupts with an 8-bit CPU mask: more vCPUs are refused. */
	static const struct {
		enum arm64_gic_version gic;
		const char *psci;
		unsigned max_cpus;
	} hypervisors[] = {{ARM64_GICV3, "hvc", VM_CONFIG_MAX_CPUS}, {ARM64_GICV2, "smc", 8}};
	const struct arm64_image image = {.image_size = KERNEL_IMAGE_SIZE,
					  .file_size = KERNEL_IMAGE_SIZE};
	struct machine_host host;
	struct machine_desc desc;
	struct arm64_boot_plan plan;
	struct vm vm;

	memset(&machine, 0, sizeof(machine));
	vm_init(&vm, cfg->name, NULL);
	machine_describe_host(&host);
	machine_desc_from_config(cfg, &desc);
	if (machine_assemble(&machine, &vm, &desc, &host, NULL) < 0) {
		CHECK(machine.failed != NULL);
		return;
	}
	CHECK(machine.mmio_count == cfg->disk_count + cfg->net_count + (cfg->rng ? 1u : 0u) +
					(cfg->vsock.socket != NULL ? 1u : 0u) +
					(desc.virtio_console ? 1u : 0u));
	if (arm64_boot_plan(machine.map.ram_base, cfg->memory, &image,
			    cfg->initrd != NULL ? INITRD_SIZE : 0, &plan) < 0)
		return;
	for (size_t i = 0; i < sizeof(hypervisors) / sizeof(hypervisors[0]); i++) {
		struct arm64_fdt_params params;
		int err;

		machine_fdt_params(&machine, &plan, cfg->cmdline, hypervisors[i].gic,
				   hypervisors[i].psci, &params);
		memset(dtb, 0, sizeof(dtb));
		err = arm64_fdt_build(dtb, sizeof(dtb), &params);
		if (cfg->cpus > hypervisors[i].max_cpus) {
			CHECK(err == -SVMM_EINVAL);
			continue;
		}
		CHECK(err == 0);
		check_tree(dtb, sizeof(dtb), cfg, &machine, &plan);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	struct vm_config cfg;
	struct config_error err;

	path = fuzz_input_file("dt", data, size);
	CHECK(path != NULL);

	vm_config_init(&cfg);
	memset(&err, 0, sizeof(err));
	if (vm_config_load_json(&cfg, path, &err) == 0 && cfg.cpus >= 1 &&
	    cfg.cpus <= VM_CONFIG_MAX_CPUS && cfg.memory >= VM_CONFIG_MIN_MEMORY &&
	    cfg.memory <= VM_CONFIG_MAX_MEMORY && cfg.name != NULL)
		build_device_trees(&cfg);
	vm_config_free(&cfg);
	unlink(path);
	return 0;
}
