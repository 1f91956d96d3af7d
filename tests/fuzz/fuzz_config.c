/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the JSON VM description (config/config_json.c) and
 * the guest device tree built from whatever it accepts (arch/aarch64/fdt.c):
 * the input is a description file. It is parsed as `svmm run --config`
 * would; a refusal must carry a one-line message, and an accepted
 * description whose CPU count and memory `svmm run` would accept is turned
 * into a device tree (with a virtio-mmio node for each device it names)
 * that must pass libfdt's full check and carry the command line as given.
 * Nothing is opened for writing: vm_config_validate(), which checks the
 * files a description names, is left out on purpose.
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_config)
 */
#include <libfdt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/aarch64/boot.h"
#include "arch/aarch64/fdt.h"
#include "arch/aarch64/guest_map.h"
#include "config/vm_config.h"
#include "core/vm.h"
#include "tests/fuzz/fuzz_input_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_config: %s:%d: check failed: %s\n", __FILE__,        \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define MAX_SLOTS 16

static void build_device_tree(const struct vm_config *cfg)
{
	static uint8_t dtb[ARM64_DTB_MAX_SIZE];
	struct arm64_guest_map map;
	struct vm vm;
	unsigned slots = cfg->disk_count + cfg->net_count + (cfg->rng ? 1u : 0u) +
			 (cfg->vsock.socket != NULL ? 1u : 0u) +
			 (cfg->console_device == CONSOLE_DEVICE_VIRTIO ? 1u : 0u);
	struct arm64_fdt_params params;
	const char *bootargs;

	arm64_guest_map_default(&map);
	vm_init(&vm, cfg->name, NULL);
	CHECK(slots <= MAX_SLOTS);
	/* What each virtio-mmio transport describes (virtio/mmio.c), one per slot. */
	for (unsigned slot = 0; slot < slots; slot++) {
		static const char compatible[] = "virtio,mmio";
		struct vm_device dev = {
		    .name = "virtio_mmio",
		    .compatible = compatible,
		    .compatible_len = sizeof(compatible),
		    .size = 0x200,
		    .flags = VM_DEVICE_DMA_COHERENT | VM_DEVICE_IRQ_EDGE,
		};
		unsigned irq;

		arm64_virtio_slot(&map, slot, &dev.base, &irq);
		dev.irq_line = (int)irq;
		CHECK(vm_add_device(&vm, &dev) == 0);
	}
	params = (struct arm64_fdt_params){
	    .cpus = cfg->cpus,
	    .ram_base = map.ram_base,
	    .ram_size = cfg->memory,
	    .gic_version = ARM64_GICV3,
	    .map = &map,
	    .cmdline = cfg->cmdline,
	    .psci_method = "hvc",
	    .devices = vm.devices,
	    .device_count = vm.device_count,
	};
	CHECK(arm64_fdt_build(dtb, sizeof(dtb), &params) == 0);
	CHECK(fdt_check_full(dtb, sizeof(dtb)) == 0);
	bootargs = fdt_getprop(dtb, fdt_path_offset(dtb, "/chosen"), "bootargs", NULL);
	if (cfg->cmdline != NULL && cfg->cmdline[0] != '\0')
		CHECK(bootargs != NULL && strcmp(bootargs, cfg->cmdline) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	struct vm_config cfg;
	struct config_error err;

	path = fuzz_input_file("config", data, size);
	CHECK(path != NULL);

	vm_config_init(&cfg);
	memset(&err, 0, sizeof(err));
	if (vm_config_load_json(&cfg, path, &err) < 0) {
		CHECK(err.message[0] != '\0' && strchr(err.message, '\n') == NULL);
	} else if (cfg.cpus >= 1 && cfg.cpus <= VM_CONFIG_MAX_CPUS && cfg.memory >= (16u << 20) &&
		   cfg.name != NULL) {
		build_device_tree(&cfg);
	}
	vm_config_free(&cfg);
	unlink(path);
	return 0;
}
