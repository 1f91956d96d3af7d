/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `svmm sdf sys.json [--out FILE] [--build-dir DIR]`: the Microkit system
 * for a system description, and with --build-dir what the seL4 build needs
 * to package each VM into its own svmm: DIR/<vm>.dtb (the guest's device
 * tree), DIR/<vm>.settings (its reboot policy), DIR/system.mk (the VMs, their images and disks, for
 * make) and, with several VMs, DIR/console_names (the multiplexer's VM names, in order).
 */
#ifndef SVMM_CMD_SDF_SYSTEM_H
#define SVMM_CMD_SDF_SYSTEM_H

#include "config/system.h"

/* Writes one VM's seL4 device tree to cfg->dtb_out; returns an exit status. */
typedef int (*sdf_describe_fn)(const struct vm_config *cfg);

/* Returns the exit status; errors are printed as one `svmm:` line. */
int sdf_system_command(struct system_config *sys, const char *out_path, const char *build_dir,
		       sdf_describe_fn describe);

#endif
