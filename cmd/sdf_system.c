/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/sdf_system.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/exit_status.h"
#include "cmd/machine_desc.h"
#include "config/sdf.h"
#include "machine/desc_text.h"

/* A path as make should see it: absolute, so the build finds it from anywhere. */
static void absolute(const char *path, char *out, size_t size)
{
	char resolved[PATH_MAX];

	snprintf(out, size, "%s", realpath(path, resolved) != NULL ? resolved : path);
}

static int write_make_fragment(const struct system_config *sys, const struct sdf_params *params,
			       FILE *out)
{
	char path[PATH_MAX], image[128];

	fprintf(out, "# Written by svmm sdf --build-dir for system %s.\n", sys->name);
	fprintf(out, "SEL4_SYSTEM_VMS :=");
	for (unsigned i = 0; i < sys->vm_count; i++)
		fprintf(out, " %s", sys->vms[i].name);
	fprintf(out, "\nSEL4_SYSTEM_MUX := %s\n", sys->vm_count > 1 ? "yes" : "");
	/* sdf_write_system() refused management for a lone VM. */
	fprintf(out, "SEL4_SYSTEM_MGMT := %s\n", sys->management ? "yes" : "");
	for (unsigned i = 0; i < sys->vm_count; i++) {
		const struct vm_config *vm = &sys->vms[i];

		sdf_vmm_image(sys, i, params, image, sizeof(image));
		fprintf(out, "SEL4_SYSTEM_IMAGE_%s := %s\n", vm->name, image);
		absolute(vm->kernel, path, sizeof(path));
		fprintf(out, "SEL4_SYSTEM_KERNEL_%s := %s\n", vm->name, path);
		if (vm->initrd != NULL)
			absolute(vm->initrd, path, sizeof(path));
		fprintf(out, "SEL4_SYSTEM_INITRD_%s := %s\n", vm->name,
			vm->initrd != NULL ? path : "");
		/* The disk's bytes are QEMU's drive file: the image is the driver's, not packaged.
		 */
		if (vm->disk_count > 0) {
			sdf_blk_image(sys, i, params, image, sizeof(image));
			fprintf(out,
				"SEL4_SYSTEM_BLK_%s := %s\nSEL4_SYSTEM_BLK_READONLY_%s := %s\n",
				vm->name, image, vm->name, vm->disks[0].readonly ? "1" : "0");
		}
	}
	return ferror(out) ? -1 : 0;
}

static int write_file(const char *dir, const char *name, const struct system_config *sys,
		      const struct sdf_params *params, bool names)
{
	char path[PATH_MAX];
	FILE *out;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	out = fopen(path, "w");
	if (out == NULL) {
		fprintf(stderr, "svmm: --build-dir: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (names) {
		for (unsigned i = 0; i < sys->vm_count; i++)
			fprintf(out, "%s%s\n", sys->vms[i].name,
				sys->vms[i].console == CONSOLE_NONE ? " none" : "");
	} else {
		err = write_make_fragment(sys, params, out);
	}
	if (fclose(out) != 0 || err < 0) {
		fprintf(stderr, "svmm: --build-dir: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

/*
 * What svmm on seL4 needs of the VM that its device tree does not say. A
 * guest reboot with on_reboot "exit" stops the VM there too: on seL4 there
 * is no process to exit.
 */
static int write_settings(const char *dir, const struct system_config *sys, unsigned index)
{
	const struct vm_config *vm = &sys->vms[index];
	char path[PATH_MAX];
	FILE *out;
	struct machine_desc machine;
	char machine_text[MACHINE_DESC_TEXT_MAX];

	/* svmm on seL4 assembles the guest from these lines (machine/desc_text.h). */
	machine_desc_from_config(vm, &machine);
	if (machine_desc_to_text(&machine, machine_text, sizeof(machine_text)) < 0) {
		fprintf(stderr, "svmm: --build-dir: %s: the machine does not fit its settings\n",
			vm->name);
		return -1;
	}

	snprintf(path, sizeof(path), "%s/%s.settings", dir, vm->name);
	out = fopen(path, "w");
	if (out == NULL) {
		fprintf(stderr, "svmm: --build-dir: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(out, "on_reboot=%s\n", vm->on_reboot == ON_REBOOT_RESTART ? "restart" : "stop");
	fputs(machine_text, out);
	/* The SDF joins every svmm to the timer PD: it can park a vCPU in WFI. */
	fputs("wfi_park=1\n", out);
	/* And with "management", to the management PD, which svmm reports to. */
	if (sys->management)
		fputs("management=1\n", out);
	if (fclose(out) != 0) {
		fprintf(stderr, "svmm: --build-dir: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

/* Each VM's device tree and settings, then the fragments; an exit status. */
static int write_build_dir(struct system_config *sys, const struct sdf_params *params,
			   const char *dir, sdf_describe_fn describe)
{
	for (unsigned i = 0; i < sys->vm_count; i++) {
		struct vm_config *vm = &sys->vms[i];
		char path[PATH_MAX];
		int status;

		snprintf(path, sizeof(path), "%s/%s.dtb", dir, vm->name);
		free(vm->dtb_out);
		vm->dtb_out = strdup(path);
		if (vm->dtb_out == NULL) {
			fprintf(stderr, "svmm: out of memory\n");
			return SVMM_EXIT_ERROR;
		}
		status = describe(vm);
		if (status != SVMM_EXIT_POWEROFF)
			return status;
		if (write_settings(dir, sys, i) < 0)
			return SVMM_EXIT_USAGE;
	}
	if (write_file(dir, "system.mk", sys, params, false) < 0 ||
	    (sys->vm_count > 1 && write_file(dir, "console_names", sys, params, true) < 0))
		return SVMM_EXIT_USAGE;
	return SVMM_EXIT_POWEROFF;
}

int sdf_system_command(struct system_config *sys, const char *out_path, const char *build_dir,
		       sdf_describe_fn describe)
{
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	struct system_limits limits = sdf_board_limits(&params);
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
	if (system_config_validate(sys, &limits, &err) < 0 ||
	    sdf_write_system(buffer, sys, &params, &err) < 0) {
		fclose(buffer);
		free(text);
		fprintf(stderr, "svmm: %s\n", err.message);
		return SVMM_EXIT_USAGE;
	}
	fclose(buffer);
	if (build_dir != NULL)
		status = write_build_dir(sys, &params, build_dir, describe);
	/* A lone VM's --dtb-out: its device tree where the user asked for it. */
	for (unsigned i = 0; build_dir == NULL && i < sys->vm_count; i++)
		if (status == SVMM_EXIT_POWEROFF && sys->vms[i].dtb_out != NULL)
			status = describe(&sys->vms[i]);
	if (status != SVMM_EXIT_POWEROFF) {
		free(text);
		return status;
	}
	out = out_path != NULL ? fopen(out_path, "w") : stdout;
	if (out == NULL)
		status = SVMM_EXIT_USAGE;
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
