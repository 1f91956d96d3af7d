/* SPDX-License-Identifier: Apache-2.0 */
/* `svmm run`: boots the described VM and serves it until it stops. */
#ifndef SVMM_CMD_RUN_H
#define SVMM_CMD_RUN_H

#include "cmd/cli.h"
#include "config/vm_config.h"

/* Runs the VM; returns an enum svmm_exit_status value (or 128 + signal). */
int run_vm(const struct vm_config *cfg, const struct cli_settings *settings);

#endif
