/* SPDX-License-Identifier: Apache-2.0 */
/* The options `svmm run` and `svmm validate` share, parsed into a VM description. */
#ifndef SVMM_CMD_CLI_H
#define SVMM_CMD_CLI_H

#include <stdbool.h>

#include "config/vm_config.h"
#include "core/log.h"
#include "host/linux/jail.h"
#include "host/linux/sandbox.h"

enum cli_result {
	CLI_OK,
	CLI_HELP_SHOWN,
	CLI_ERROR,
};

struct cli_settings {
	enum log_level log_level;
	bool stats;		   /* --stats: print the vCPUs' exit counters at exit */
	enum sandbox_mode seccomp; /* --seccomp: the filters on svmm's threads */
	struct jail_params jail;   /* --jail DIR --uid U --gid G; dir NULL: none */
	/* The --config (or positional) file when it is a system description; `cfg` is untouched. */
	const char *system_path;
	const char *api_path; /* --api: the control API's socket, or NULL */
};

/*
 * Parses argv (argv[0] is the subcommand) into `cfg`: first the JSON file
 * named by --config (or, when `positional_config`, by the one positional
 * argument), then every other flag over it, whatever their order.
 */
enum cli_result cli_parse_vm(int argc, char **argv, bool positional_config, struct vm_config *cfg,
			     struct cli_settings *settings, struct config_error *err);

/* Prints the option reference for `command` ("run" or "validate"). */
void cli_print_usage(const char *command);

#endif
