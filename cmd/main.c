/* SPDX-License-Identifier: Apache-2.0 */
/* The svmm command: run a VM, check its description, or describe it for Microkit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/devices.h"
#include "cmd/exit_status.h"
#include "cmd/guest_images.h"
#include "cmd/run.h"
#include "config/sdf.h"
#include "config/vm_config.h"
#include "core/errors.h"
#include "dev/pl011.h"
#include "virtio/mmio.h"

static void print_help(void)
{
	printf("svmm %s: a virtual machine monitor for seL4 and Linux/KVM\n\n"
	       "usage: svmm run [options]          boot a VM and serve it until it stops\n"
	       "       svmm validate VM.json [options]  check a VM description without running "
	       "it\n"
	       "       svmm sdf VM.json [--out FILE] [options]  write the VM's Microkit system\n"
	       "                                   description (seL4, qemu_virt_aarch64)\n"
	       "       svmm --version | --help\n\n"
	       "`svmm run --help` lists the options. Exit status: 0 guest powered off, 1 error,\n"
	       "2 bad usage or input, 3 guest rebooted with --on-reboot exit, 4 guest crashed,\n"
	       "128+N stopped by signal N.\n",
	       SVMM_VERSION);
}

/*
 * A virtio device's node in the guest's device tree is its transport's
 * window and interrupt, whatever the device: the offline builder puts a
 * stand-in on each slot the hypervisor backend would fill.
 */
static void stand_in_notify(struct virtio_device *dev, unsigned queue)
{
	(void)dev;
	(void)queue;
}

static const struct virtio_device_ops stand_in_ops = {.queue_notify = stand_in_notify};

struct virtio_stand_ins {
	struct virtio_device dev[VMM_MAX_VIRTIO];
	struct virtio_mmio mmio[VMM_MAX_VIRTIO];
};

/* Slots 0..count-1, placed by the rule every backend uses. 0 or a negative SVMM error. */
static int describe_virtio(struct vm *vm, const struct arm64_guest_map *map, unsigned count,
			   struct virtio_stand_ins *stand_ins)
{
	int err = 0;

	if (count > VMM_MAX_VIRTIO)
		return -SVMM_ENOSPC;
	for (unsigned slot = 0; slot < count && err == 0; slot++) {
		uint64_t base;
		unsigned irq;

		arm64_virtio_slot(map, slot, &base, &irq);
		virtio_device_init(&stand_ins->dev[slot], &stand_in_ops, vm, "virtio");
		err = virtio_mmio_init(&stand_ins->mmio[slot], &stand_ins->dev[slot], base, irq);
	}
	return err;
}

/*
 * Builds the guest's device tree without a hypervisor, as `svmm run` (or
 * svmm on seL4) would (writing it to cfg->dtb_out when set): the images
 * are loaded and placed, the PL011 described, and `virtio_slots` virtio
 * devices. Prints what went wrong and returns the exit status;
 * *kernel_size (if not NULL) gets the kernel's size.
 */
static int describe_guest(const struct vm_config *cfg, unsigned gic_version,
			  const char *psci_method, unsigned virtio_slots, uint64_t *kernel_size)
{
	struct guest_images images;
	struct vm vm;
	struct pl011 uart;
	struct pl011_backend no_output = {0};
	unsigned char *dtb = malloc(ARM64_DTB_MAX_SIZE);
	struct virtio_stand_ins *stand_ins = malloc(sizeof(*stand_ins));
	char why[512];
	int status = SVMM_EXIT_USAGE;

	if (dtb == NULL || stand_ins == NULL) {
		fprintf(stderr, "svmm: out of memory\n");
		free(dtb);
		free(stand_ins);
		return SVMM_EXIT_ERROR;
	}
	if (guest_images_load(&images, cfg, why, sizeof(why)) < 0) {
		fprintf(stderr, "svmm: %s\n", why);
		free(dtb);
		free(stand_ins);
		return SVMM_EXIT_USAGE;
	}
	vm_init(&vm, cfg->name, NULL);
	if (pl011_init(&uart, &vm, images.map.uart_base, images.map.uart_irq, &no_output,
		       cfg->console_device == CONSOLE_DEVICE_PL011) < 0)
		snprintf(why, sizeof(why), "cannot describe the console UART");
	else if (describe_virtio(&vm, &images.map, virtio_slots, stand_ins) < 0)
		snprintf(why, sizeof(why), "cannot describe %u virtio devices", virtio_slots);
	else if (guest_images_build_dtb(&images, cfg, &vm, gic_version, psci_method, dtb,
					ARM64_DTB_MAX_SIZE, why, sizeof(why)) == 0)
		status = SVMM_EXIT_POWEROFF;
	if (status != SVMM_EXIT_POWEROFF)
		fprintf(stderr, "svmm: %s\n", why);
	if (kernel_size != NULL)
		*kernel_size = images.image.image_size;
	guest_images_release(&images);
	free(dtb);
	free(stand_ins);
	return status;
}

/*
 * `svmm validate`: everything `svmm run` checks before it starts the guest,
 * device tree included, on any host. The guest sees the same devices under
 * every hypervisor; GICv3 with PSCI by HVC is the KVM default.
 */
static int validate(const struct vm_config *cfg)
{
	uint64_t kernel_size = 0;
	int status = describe_guest(cfg, 3, "hvc", devices_virtio_count(cfg), &kernel_size);

	if (status == SVMM_EXIT_POWEROFF)
		printf("%s: ok (%u vCPUs, %llu MiB, kernel %llu MiB)\n", cfg->name, cfg->cpus,
		       (unsigned long long)(cfg->memory >> 20),
		       (unsigned long long)(kernel_size >> 20));
	return status;
}

/*
 * `svmm sdf --dtb-out FILE`: the guest's device tree for the system the SDF
 * describes, which the seL4 build packages into svmm.elf beside the kernel
 * and initrd. svmm on seL4 offers a GICv2 (the board's, with the distributor
 * emulated) and takes PSCI calls by SMC: seL4 handles a guest's HVC as a
 * system call of its own. A disk appears as the first virtio-mmio device.
 */
static int write_sel4_dtb(const struct vm_config *cfg)
{
	return describe_guest(cfg, 2, "smc", sdf_virtio_disks(cfg), NULL);
}

/*
 * `svmm sdf`: the Microkit system description for the VM, on stdout or in
 * `out_path`. Written only once complete, so a refusal leaves no partial file.
 * With dtb_out (--dtb-out FILE) the guest's device tree is written too.
 */
static int write_sdf(const struct vm_config *cfg, const char *out_path)
{
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	struct config_error err = {{0}};
	char *text = NULL;
	size_t size = 0;
	FILE *buffer = open_memstream(&text, &size);
	FILE *out;
	int status = SVMM_EXIT_POWEROFF;

	if (buffer == NULL) {
		fprintf(stderr, "svmm: out of memory\n");
		return SVMM_EXIT_ERROR;
	}
	if (sdf_write(buffer, cfg, &params, &err) < 0) {
		fclose(buffer);
		free(text);
		fprintf(stderr, "svmm: %s\n", err.message);
		return SVMM_EXIT_USAGE;
	}
	fclose(buffer);
	if (cfg->dtb_out != NULL) {
		status = write_sel4_dtb(cfg);
		if (status != SVMM_EXIT_POWEROFF) {
			free(text);
			return status;
		}
	}
	out = out_path != NULL ? fopen(out_path, "w") : stdout;
	if (out == NULL)
		status = SVMM_EXIT_USAGE; /* a path that cannot be created is bad input */
	else if (fwrite(text, 1, size, out) != size || fflush(out) != 0)
		status = SVMM_EXIT_ERROR;
	if (out != NULL && out != stdout && fclose(out) != 0)
		status = SVMM_EXIT_ERROR;
	if (status != SVMM_EXIT_POWEROFF)
		fprintf(stderr, "svmm: cannot write the SDF to %s: %s\n",
			out_path != NULL ? out_path : "standard output", strerror(errno));
	free(text);
	return status;
}

/*
 * Takes `--out FILE` (or `--out=FILE`) out of argv for `svmm sdf`, leaving the
 * options the VM description parser knows. A value that is itself "--out"
 * must be written `--cmdline=--out`.
 */
static int take_out_option(int *argc, char **argv, const char **out_path)
{
	int kept = 1;

	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--out") == 0) {
			if (i + 1 >= *argc) {
				fprintf(stderr,
					"svmm: missing value for option --out (see svmm sdf "
					"--help)\n");
				return -1;
			}
			*out_path = argv[++i];
		} else if (strncmp(argv[i], "--out=", 6) == 0) {
			*out_path = argv[i] + 6;
		} else {
			argv[kept++] = argv[i];
		}
	}
	*argc = kept;
	argv[kept] = NULL;
	return 0;
}

static int run_subcommand(int argc, char **argv)
{
	bool is_validate = strcmp(argv[0], "validate") == 0;
	bool is_sdf = strcmp(argv[0], "sdf") == 0;
	const char *out_path = NULL;
	struct vm_config cfg;
	struct cli_settings settings;
	struct config_error err = {{0}};
	int status;

	if (is_sdf && take_out_option(&argc, argv, &out_path) < 0)
		return SVMM_EXIT_USAGE;
	vm_config_init(&cfg);
	switch (cli_parse_vm(argc, argv, is_validate || is_sdf, &cfg, &settings, &err)) {
	case CLI_HELP_SHOWN:
		if (is_sdf)
			printf(
			    "  --out FILE             write the SDF to FILE (default: stdout)\n\n"
			    "The SDF is for Microkit 2.0.1, board qemu_virt_aarch64: one svmm\n"
			    "protection domain with the VM as its child. --dtb-out writes the "
			    "guest's\n"
			    "device tree for that system (GICv2, PSCI by SMC).\n");
		vm_config_free(&cfg);
		return SVMM_EXIT_POWEROFF;
	case CLI_ERROR:
		fprintf(stderr, "svmm: %s\n", err.message);
		vm_config_free(&cfg);
		return SVMM_EXIT_USAGE;
	case CLI_OK:
		break;
	}
	if (vm_config_validate(&cfg, &err) < 0) {
		fprintf(stderr, "svmm: %s\n", err.message);
		vm_config_free(&cfg);
		return SVMM_EXIT_USAGE;
	}
	if (is_sdf)
		status = write_sdf(&cfg, out_path);
	else
		status = is_validate ? validate(&cfg) : run_vm(&cfg, &settings);
	vm_config_free(&cfg);
	return status;
}

int main(int argc, char **argv)
{
	const char *command = argc > 1 ? argv[1] : NULL;

	if (command == NULL || strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
	    strcmp(command, "help") == 0) {
		print_help();
		return command == NULL ? SVMM_EXIT_USAGE : SVMM_EXIT_POWEROFF;
	}
	if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
		printf("svmm %s\n", SVMM_VERSION);
		return SVMM_EXIT_POWEROFF;
	}
	if (strcmp(command, "run") == 0 || strcmp(command, "validate") == 0 ||
	    strcmp(command, "sdf") == 0)
		return run_subcommand(argc - 1, argv + 1);
	fprintf(stderr, "svmm: unknown command \"%s\" (try svmm --help)\n", command);
	return SVMM_EXIT_USAGE;
}
