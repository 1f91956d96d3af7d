/* SPDX-License-Identifier: Apache-2.0 */
/* The svmm command: run a VM, check its description, or describe it for Microkit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/ctl.h"
#include "cmd/devices.h"
#include "cmd/exit_status.h"
#include "cmd/guest_images.h"
#include "cmd/machine_desc.h"
#include "cmd/run.h"
#include "cmd/sdf_system.h"
#include "cmd/system.h"
#include "config/sdf.h"
#include "config/system.h"
#include "config/vm_config.h"
#include "core/errors.h"
#include "hyp/hyp.h"
#include "machine/describe_host.h"
#include "machine/machine.h"

static void print_help(void)
{
	printf("svmm %s: a virtual machine monitor for seL4 and Linux/KVM\n\n"
	       "usage: svmm run [options]          boot a VM and serve it until it stops\n"
	       "       svmm run --config SYS.json  run every VM of a system description (\"vms\")\n"
	       "       svmm ctl SOCKET COMMAND [NAME]  talk to a VM's --api socket (docs/api.md)\n"
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
 * Builds the guest's device tree without a hypervisor, as `svmm run` would
 * (writing it to cfg->dtb_out when set): the images are loaded and placed and
 * the machine assembled from the description with a host that does no I/O.
 * Prints what went wrong and returns the exit status; *kernel_size (if not
 * NULL) gets the kernel's size.
 */
static int describe_guest(const struct vm_config *cfg, unsigned gic_version,
			  const char *psci_method, uint64_t *kernel_size)
{
	struct guest_images images;
	struct vm vm;
	struct machine_host host;
	struct machine_desc desc;
	unsigned char *dtb = malloc(ARM64_DTB_MAX_SIZE);
	struct machine *machine = calloc(1, sizeof(*machine));
	char why[512];
	int status = SVMM_EXIT_USAGE;
	int err;

	if (dtb == NULL || machine == NULL) {
		fprintf(stderr, "svmm: out of memory\n");
		free(dtb);
		free(machine);
		return SVMM_EXIT_ERROR;
	}
	if (guest_images_load(&images, cfg, why, sizeof(why)) < 0) {
		fprintf(stderr, "svmm: %s\n", why);
		free(dtb);
		free(machine);
		return SVMM_EXIT_USAGE;
	}
	vm_init(&vm, cfg->name, NULL);
	machine_describe_host(&host);
	machine_desc_from_config(cfg, &desc);
	err = machine_assemble(machine, &vm, &desc, &host, NULL);
	if (err < 0)
		snprintf(why, sizeof(why), "cannot describe %s: %s", machine->failed,
			 svmm_strerror(err));
	else if (guest_images_build_dtb(&images, cfg, machine, gic_version, psci_method, dtb,
					ARM64_DTB_MAX_SIZE, why, sizeof(why)) == 0)
		status = SVMM_EXIT_POWEROFF;
	if (status != SVMM_EXIT_POWEROFF)
		fprintf(stderr, "svmm: %s\n", why);
	if (kernel_size != NULL)
		*kernel_size = images.image.image_size;
	guest_images_release(&images);
	free(dtb);
	free(machine);
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
	int status = describe_guest(cfg, 3, "hvc", &kernel_size);

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
 * system call of its own. The devices are where machine_assemble() puts them,
 * which is where svmm on seL4 puts them too.
 */
static int write_sel4_dtb(const struct vm_config *cfg)
{
	return describe_guest(cfg, 2, "smc", NULL);
}

/*
 * Takes `--out FILE` and `--build-dir DIR` (or `--out=FILE`, ...) out of argv
 * for `svmm sdf`, leaving the options the VM description parser knows. A value that is itself
 * "--out" must be written `--cmdline=--out`.
 */
static int take_out_option(int *argc, char **argv, const char **out_path, const char **build_dir)
{
	int kept = 1;

	for (int i = 1; i < *argc; i++) {
		bool out = strcmp(argv[i], "--out") == 0;

		if (out || strcmp(argv[i], "--build-dir") == 0) {
			if (i + 1 >= *argc) {
				fprintf(stderr,
					"svmm: missing value for option %s (see svmm sdf "
					"--help)\n",
					argv[i]);
				return -1;
			}
			*(out ? out_path : build_dir) = argv[++i];
		} else if (strncmp(argv[i], "--out=", 6) == 0) {
			*out_path = argv[i] + 6;
		} else if (strncmp(argv[i], "--build-dir=", 12) == 0) {
			*build_dir = argv[i] + 12;
		} else {
			argv[kept++] = argv[i];
		}
	}
	*argc = kept;
	argv[kept] = NULL;
	return 0;
}

/* On Linux/KVM the cores a VM may name are this host's. */
static struct system_limits host_limits(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	return (struct system_limits){"this host", cpus > 0 ? (unsigned)cpus : 1};
}

/*
 * Everything `svmm validate` checks of a system: its rules, then every VM as
 * `svmm validate` checks one (`report`: with validate's line per VM). Before
 * `svmm run` starts any VM, so bad input stops the whole system with one
 * line, not one VM halfway.
 */
static int check_system(const struct system_config *sys, bool report)
{
	struct system_limits limits = host_limits();
	struct config_error err = {{0}};

	if (system_config_validate(sys, &limits, &err) < 0) {
		fprintf(stderr, "svmm: %s\n", err.message);
		return SVMM_EXIT_USAGE;
	}
	for (unsigned i = 0; i < sys->vm_count; i++) {
		const struct vm_config *vm = &sys->vms[i];
		int status = report ? validate(vm) : describe_guest(vm, 3, "hvc", NULL);

		if (status != SVMM_EXIT_POWEROFF)
			return status;
	}
	if (report)
		printf("system %s: ok (%u VMs, %s scheduling)\n", sys->name, sys->vm_count,
		       sys->scheduling == SYSTEM_SCHEDULING_DIRECT ? "direct" : "hybrid");
	return SVMM_EXIT_POWEROFF;
}

/* A system description given to run, validate or sdf. */
static int run_system_subcommand(const char *command, const char *path,
				 const struct cli_settings *settings, const char *out_path,
				 const char *build_dir)
{
	struct system_config *sys = malloc(sizeof(*sys));
	struct config_error err = {{0}};
	int status;

	if (sys == NULL) {
		fprintf(stderr, "svmm: out of memory\n");
		return SVMM_EXIT_ERROR;
	}
	system_config_init(sys);
	if (system_config_load_json(sys, path, &err) < 0) {
		fprintf(stderr, "svmm: %s\n", err.message);
		status = SVMM_EXIT_USAGE;
	} else if (strcmp(command, "validate") == 0) {
		status = check_system(sys, true);
	} else if (strcmp(command, "sdf") == 0) {
		status = sdf_system_command(sys, out_path, build_dir, write_sel4_dtb);
	} else if (strcmp(command, "run") == 0) {
		status = check_system(sys, false);
		if (status == SVMM_EXIT_POWEROFF &&
		    hyp_check_host(err.message, sizeof(err.message)) < 0) {
			fprintf(stderr, "svmm: %s\n", err.message);
			status = SVMM_EXIT_USAGE;
		}
		if (status == SVMM_EXIT_POWEROFF)
			status = run_system(sys, settings);
	} else {
		fprintf(stderr, "svmm: %s: svmm %s of a system description is not supported yet\n",
			path, command);
		status = SVMM_EXIT_USAGE;
	}
	system_config_free(sys);
	free(sys);
	return status;
}

/* `svmm sdf VM.json [--build-dir DIR]`: the VM as a system of one. */
static int write_lone_system(struct vm_config *cfg, const char *out_path, const char *build_dir)
{
	struct system_config *sys = malloc(sizeof(*sys));
	int status;

	if (sys == NULL) {
		fprintf(stderr, "svmm: out of memory\n");
		return SVMM_EXIT_ERROR;
	}
	system_config_init(sys);
	sys->from_vm_description = true;
	sys->vm_count = 1;
	sys->vms[0] = *cfg; /* moved: freed with the system */
	vm_config_init(cfg);
	status = sdf_system_command(sys, out_path, build_dir, write_sel4_dtb);
	system_config_free(sys);
	free(sys);
	return status;
}

static int run_subcommand(int argc, char **argv)
{
	bool is_validate = strcmp(argv[0], "validate") == 0;
	bool is_sdf = strcmp(argv[0], "sdf") == 0;
	const char *out_path = NULL, *build_dir = NULL;
	struct vm_config cfg;
	struct cli_settings settings;
	struct config_error err = {{0}};
	struct system_limits limits;
	int status;

	if (is_sdf && take_out_option(&argc, argv, &out_path, &build_dir) < 0)
		return SVMM_EXIT_USAGE;
	vm_config_init(&cfg);
	switch (cli_parse_vm(argc, argv, is_validate || is_sdf, &cfg, &settings, &err)) {
	case CLI_HELP_SHOWN:
		if (is_sdf)
			printf(
			    "  --out FILE             write the SDF to FILE (default: stdout)\n"
			    "  --build-dir DIR        (system description) write each VM's device\n"
			    "                         tree and the build's make fragment into "
			    "DIR\n\n"
			    "The SDF is for Microkit 2.3.0, board qemu_virt_aarch64: one svmm\n"
			    "protection domain per VM with the VM as its child. --dtb-out writes "
			    "the guest's\n"
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
	if (settings.system_path != NULL) {
		vm_config_free(&cfg);
		return run_system_subcommand(argv[0], settings.system_path, &settings, out_path,
					     build_dir);
	}
	if (is_sdf) {
		struct sdf_params board = sdf_params_qemu_virt_aarch64();

		limits = sdf_board_limits(&board);
	} else {
		limits = host_limits();
	}
	if (vm_config_validate(&cfg, &err) < 0 || system_config_check_vm(&cfg, &limits, &err) < 0) {
		fprintf(stderr, "svmm: %s\n", err.message);
		vm_config_free(&cfg);
		return SVMM_EXIT_USAGE;
	}
	if (is_sdf)
		status = write_lone_system(&cfg, out_path, build_dir);
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
	if (strcmp(command, "ctl") == 0)
		return ctl_main(argc - 1, argv + 1);
	if (strcmp(command, "run") == 0 || strcmp(command, "validate") == 0 ||
	    strcmp(command, "sdf") == 0)
		return run_subcommand(argc - 1, argv + 1);
	fprintf(stderr, "svmm: unknown command \"%s\" (try svmm --help)\n", command);
	return SVMM_EXIT_USAGE;
}
