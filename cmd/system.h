/* SPDX-License-Identifier: Apache-2.0 */
/* `svmm run` of a system description: one supervised svmm process per VM. */
#ifndef SVMM_CMD_SYSTEM_H
#define SVMM_CMD_SYSTEM_H

#include "cmd/cli.h"
#include "config/system.h"

/*
 * Runs every VM of `sys` (already validated) until all have stopped.
 * Returns 0 when every VM powered off (or stopped by its on_reboot, or
 * Ctrl-A x), 1 when one failed, crashed or was killed, 3 when a VM with
 * on_reboot exit rebooted, 128+N when signal N stopped the system.
 */
int run_system(const struct system_config *sys, const struct cli_settings *settings);

#endif
