/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "config/system.h"

enum cli_option_id {
	OPT_CONFIG = 256,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_CPUS,
	OPT_MEMORY,
	OPT_NAME,
	OPT_ON_REBOOT,
	OPT_CONSOLE,
	OPT_DTB_OUT,
	OPT_DISK,
	OPT_NET,
	OPT_RNG,
	OPT_VSOCK,
	OPT_CORES,
	OPT_PRIORITY,
	OPT_BUDGET_US,
	OPT_PERIOD_US,
	OPT_STATS,
	OPT_SECCOMP,
	OPT_API,
	OPT_JAIL,
	OPT_UID,
	OPT_GID,
	OPT_HELP,
};

static const struct option cli_options[] = {
    {"config", required_argument, NULL, OPT_CONFIG},
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"initrd", required_argument, NULL, OPT_INITRD},
    {"cmdline", required_argument, NULL, OPT_CMDLINE},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"name", required_argument, NULL, OPT_NAME},
    {"on-reboot", required_argument, NULL, OPT_ON_REBOOT},
    {"console", required_argument, NULL, OPT_CONSOLE},
    {"dtb-out", required_argument, NULL, OPT_DTB_OUT},
    {"disk", required_argument, NULL, OPT_DISK},
    {"net", required_argument, NULL, OPT_NET},
    {"rng", no_argument, NULL, OPT_RNG},
    {"vsock", required_argument, NULL, OPT_VSOCK},
    {"cores", required_argument, NULL, OPT_CORES},
    {"priority", required_argument, NULL, OPT_PRIORITY},
    {"budget-us", required_argument, NULL, OPT_BUDGET_US},
    {"period-us", required_argument, NULL, OPT_PERIOD_US},
    {"seccomp", required_argument, NULL, OPT_SECCOMP},
    {"jail", required_argument, NULL, OPT_JAIL},
    {"uid", required_argument, NULL, OPT_UID},
    {"gid", required_argument, NULL, OPT_GID},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"stats", no_argument, NULL, OPT_STATS},
    {"api", required_argument, NULL, OPT_API},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* The VM description field each flag sets; flags and JSON keys share one setter. */
static const char *cli_field_of(int id)
{
	switch (id) {
	case OPT_KERNEL:
		return "kernel";
	case OPT_INITRD:
		return "initrd";
	case OPT_CMDLINE:
		return "cmdline";
	case OPT_CPUS:
		return "cpus";
	case OPT_MEMORY:
		return "memory";
	case OPT_NAME:
		return "name";
	case OPT_ON_REBOOT:
		return "on_reboot";
	case OPT_CONSOLE:
		return "console";
	case OPT_DTB_OUT:
		return "dtb_out";
	case OPT_DISK:
		return "disk";
	case OPT_NET:
		return "net";
	case OPT_RNG:
		return "rng";
	case OPT_VSOCK:
		return "vsock";
	case OPT_CORES:
		return "cores";
	case OPT_PRIORITY:
		return "priority";
	case OPT_BUDGET_US:
		return "budget_us";
	case OPT_PERIOD_US:
		return "period_us";
	default:
		return NULL;
	}
}

static const char *cli_option_name(int id)
{
	for (const struct option *option = cli_options; option->name != NULL; option++) {
		if (option->val == id)
			return option->name;
	}
	return "?";
}

void cli_print_usage(const char *command)
{
	printf("usage: svmm %s %s[options]\n\n", command,
	       strcmp(command, "run") != 0 ? "[VM.json] " : "");
	printf("A --config file with \"vms\" is a system description: all its VMs run (or\n"
	       "are checked) together, and only -v/-q/--seccomp/--jail may be added to it.\n\n");
	printf("  --config FILE          VM description (JSON); flags override its fields\n"
	       "  --kernel FILE          raw arm64 Linux Image (not gzip-compressed)\n"
	       "  --initrd FILE          initial ramdisk\n"
	       "  --cmdline TEXT         kernel command line (default \"console=ttyAMA0\")\n"
	       "  --cpus N               vCPUs, 1..%d (default 1)\n"
	       "  --memory SIZE          guest RAM, e.g. 512M or 1G (default 512M)\n"
	       "  --name NAME            VM name, used in messages (default svmm)\n"
	       "  --on-reboot ACTION     restart: reboot in place (default); exit: exit with "
	       "status 3\n"
	       "  --console [virtio,]BACKEND  guest console on the PL011 (default) or virtio\n"
	       "                         (hvc0); BACKEND: stdio (default), pty, socket:PATH\n"
	       "  --disk PATH[,readonly][,direct][,serial=ID]  virtio-blk disk (repeatable)\n"
	       "  --net user[,mac=MAC][,forward=tcp:HOST:GUEST] | tap=NAME[,mac=MAC]\n"
	       "                         virtio-net interface (repeatable)\n"
	       "  --rng                  virtio entropy device fed by the host's getrandom\n"
	       "  --vsock cid=N,socket=PATH  virtio-vsock; host programs connect to PATH\n"
	       "  --cores C,C...         pin vCPU i to host core C[i] (one per vCPU)\n"
	       "  --priority N           0..254, higher runs first (default 100; nice 0)\n"
	       "  --budget-us N --period-us N  CPU time each vCPU may use per period\n"
	       "  --seccomp MODE         kill (default): a forbidden system call stops svmm;\n"
	       "                         log: the kernel logs it; off: no filter\n"
	       "  --jail DIR --uid U --gid G  once set up, run inside DIR as U:G with no\n"
	       "                         capabilities (mount and IPC namespaces)\n"
	       "  --dtb-out FILE         also write the generated device tree to FILE\n"
	       "  --stats                print each vCPU's exits to the VMM (by kind, MMIO by\n"
	       "                         device and register) at exit; SIGUSR2 prints them too\n"
	       "  --api PATH             (run) serve the control API on a unix socket there\n"
	       "  -v, --verbose          log more; -q, --quiet: errors only\n"
	       "  --help                 this text\n",
	       VM_CONFIG_MAX_CPUS);
	if (strcmp(command, "run") == 0)
		printf("\nOn a terminal, Ctrl-A x quits; Ctrl-A Ctrl-A sends Ctrl-A; with several\n"
		       "VMs, Ctrl-A 1..9 sends what you type to that VM.\n");
}

static void cli_unknown_option(char **argv, struct config_error *err)
{
	const char *bad = argv[optind - 1];

	if (optopt != 0 && optopt < OPT_CONFIG)
		snprintf(err->message, sizeof(err->message),
			 "unknown option -%c (see svmm %s --help)", optopt, argv[0]);
	else
		snprintf(err->message, sizeof(err->message), "%s option %s (see svmm %s --help)",
			 optopt != 0 ? "missing value for" : "unknown", bad, argv[0]);
}

/* A user or group id: decimal, below the "no id" value -1. */
static int cli_parse_id(const char *text, unsigned *id)
{
	char *end;
	unsigned long value;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value >= UINT32_MAX)
		return -1;
	*id = (unsigned)value;
	return 0;
}

enum cli_result cli_parse_vm(int argc, char **argv, bool positional_config, struct vm_config *cfg,
			     struct cli_settings *settings, struct config_error *err)
{
	const char *config_path = NULL;
	bool disks_from_cli = false, nets_from_cli = false, cores_from_cli = false;
	bool is_system = false;
	int id;

	settings->log_level = LOG_WARN;
	settings->stats = false;
	settings->seccomp = SANDBOX_KILL;
	settings->jail = (struct jail_params){.dir = NULL, .uid = (uid_t)-1, .gid = (gid_t)-1};
	settings->system_path = NULL;
	settings->api_path = NULL;
	opterr = 0;
	optind = 1;
	/* First pass: options that do not set fields, and the file the others override. */
	while ((id = getopt_long(argc, argv, "vq", cli_options, NULL)) != -1) {
		switch (id) {
		case OPT_CONFIG:
			config_path = optarg;
			break;
		case OPT_API:
			settings->api_path = optarg;
			break;
		case OPT_HELP:
			cli_print_usage(argv[0]);
			return CLI_HELP_SHOWN;
		case 'v':
			settings->log_level = LOG_DEBUG;
			break;
		case 'q':
			settings->log_level = LOG_ERROR;
			break;
		case OPT_STATS:
			settings->stats = true;
			break;
		case OPT_SECCOMP:
			if (sandbox_parse_mode(optarg, &settings->seccomp) < 0) {
				snprintf(err->message, sizeof(err->message),
					 "--seccomp %s: want kill, log or off", optarg);
				return CLI_ERROR;
			}
			break;
		case OPT_JAIL:
			settings->jail.dir = optarg;
			break;
		case OPT_UID:
		case OPT_GID:
			if (cli_parse_id(optarg, id == OPT_UID ? &settings->jail.uid
							       : &settings->jail.gid) < 0) {
				snprintf(err->message, sizeof(err->message),
					 "--%s %s: want a numeric id", cli_option_name(id), optarg);
				return CLI_ERROR;
			}
			break;
		case '?':
		case ':':
			cli_unknown_option(argv, err);
			return CLI_ERROR;
		default:
			break;
		}
	}
	if ((settings->jail.dir != NULL) !=
	    (settings->jail.uid != (uid_t)-1 && settings->jail.gid != (gid_t)-1)) {
		snprintf(err->message, sizeof(err->message),
			 "--jail, --uid and --gid go together: give all three or none");
		return CLI_ERROR;
	}
	if (optind < argc) {
		if (!positional_config || config_path != NULL || optind + 1 < argc) {
			snprintf(err->message, sizeof(err->message),
				 "unexpected argument \"%s\" (see svmm %s --help)", argv[optind],
				 argv[0]);
			return CLI_ERROR;
		}
		config_path = argv[optind];
	}
	if (config_path != NULL && system_config_file_is_system(config_path, &is_system, err) < 0)
		return CLI_ERROR;
	if (is_system) {
		/* A system's VMs are described in its file only: a flag would be ambiguous. */
		optind = 1;
		while ((id = getopt_long(argc, argv, "vq", cli_options, NULL)) != -1) {
			if (cli_field_of(id) != NULL) {
				snprintf(err->message, sizeof(err->message),
					 "--%s: cannot be combined with a system description "
					 "(%s has \"vms\"): set it in the file",
					 cli_option_name(id), config_path);
				return CLI_ERROR;
			}
		}
		settings->system_path = config_path;
		return CLI_OK;
	}
	if (config_path != NULL && vm_config_load_json(cfg, config_path, err) < 0)
		return CLI_ERROR;

	optind = 1;
	while ((id = getopt_long(argc, argv, "vq", cli_options, NULL)) != -1) {
		const char *field = cli_field_of(id);
		char origin[64];

		if (field == NULL)
			continue;
		/* Lists given as flags replace the file's list rather than extend it. */
		if (id == OPT_DISK && !disks_from_cli) {
			vm_config_clear_list(cfg, field);
			disks_from_cli = true;
		} else if (id == OPT_NET && !nets_from_cli) {
			vm_config_clear_list(cfg, field);
			nets_from_cli = true;
		} else if (id == OPT_CORES && !cores_from_cli) {
			vm_config_clear_list(cfg, field);
			cores_from_cli = true;
		}
		snprintf(origin, sizeof(origin), "--%s", cli_option_name(id));
		if (vm_config_set(cfg, field, id == OPT_RNG ? "true" : optarg, origin, NULL, err) <
		    0)
			return CLI_ERROR;
	}
	return CLI_OK;
}
