/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system description: several VMs from one JSON file, each described
 * exactly as a lone VM is (struct vm_config, with its scheduling fields),
 * plus what only a system has: its name and how its VMs share the cores.
 *
 *   {"name": "two-vms", "scheduling": "direct",
 *    "vms": [{"name": "a", "kernel": "Image", "cpus": 2, "cores": [1, 2], ...},
 *            {"name": "b", "kernel": "Image", "cores": [3], "priority": 150, ...}]}
 *
 * A file without "vms" is a VM description, and is a system of one VM, so
 * every VM description is a system description too. The structure is the
 * same for every hypervisor: seL4 builds one protection domain per VM from
 * it, Linux/KVM runs one svmm process per VM.
 */
#ifndef SVMM_CONFIG_SYSTEM_H
#define SVMM_CONFIG_SYSTEM_H

#include <stdbool.h>

#include "config/vm_config.h"

/* A console escape (Ctrl-A 1..9) picks each VM by its number. */
#define SYSTEM_MAX_VMS 9
/* Physical devices a system description names. */
#define SYSTEM_MAX_DEVICES 8

enum system_scheduling {
	/*
	 * Cores shared: priority, then budget and period, decide who runs.
	 * The default, so a VM description (a system of one) needs no cores.
	 */
	SYSTEM_SCHEDULING_HYBRID,
	/* Every vCPU owns its core: each VM names a core per vCPU, no core twice. */
	SYSTEM_SCHEDULING_DIRECT,
};

struct system_config {
	char *name;   /* default "svmm"; the same rules as a VM's name */
	char *source; /* the file it came from, for messages; NULL: none */
	enum system_scheduling scheduling;
	/* The file had no "vms": a lone VM description, a system of one. */
	bool from_vm_description;
	/*
	 * "management": true: on seL4, a management protection domain behind
	 * the console multiplexer's Ctrl-A m prompt (list, status, stop, start,
	 * restart). Linux/KVM ignores it: there `--api PATH` serves the same
	 * commands.
	 */
	bool management;
	unsigned vm_count;
	struct vm_config vms[SYSTEM_MAX_VMS];
	/*
	 * The board's physical devices ("devices": {"disk0": {"type":
	 * "block"}}); a VM's disk names one ("disk": [{"device": "disk0"}]).
	 * Block devices only for now (config/system_devices.c).
	 */
	unsigned block_device_count;
	char *block_devices[SYSTEM_MAX_DEVICES];
	/*
	 * Still to come, keyed by name like the VMs: virtual switches
	 * ("switches") and VM-to-VM vsock links ("vsock_links"). The loader
	 * refuses them for now with a "not supported yet" line rather than
	 * ignoring them.
	 */
};

/* The "devices" field of a system description: 0, or -1 with `err` (config/system_devices.c). */
struct json_object;
int system_config_load_devices(struct system_config *sys, struct json_object *devices,
			       const char *origin, struct config_error *err);

/* Each VM's device disks name a block device of the system: 0, or -1 with `err`. */
int system_config_check_devices(const struct system_config *sys, struct config_error *err);

/* What the hypervisor offers the system: checked by system_config_check(). */
struct system_limits {
	const char *where; /* "qemu_virt_aarch64", "this host": for messages */
	unsigned max_cores;
};

/* An empty system: no VMs, hybrid scheduling, name "svmm". */
void system_config_init(struct system_config *sys);
void system_config_free(struct system_config *sys);

/*
 * Whether the JSON file at `path` is a system description (has "vms")
 * rather than a VM description. 0, or -1 with `err` filled in (a file that
 * cannot be read or is not a JSON object).
 */
int system_config_file_is_system(const char *path, bool *is_system, struct config_error *err);

/*
 * Reads a system description, or a VM description as a system of one.
 * Every VM in "vms" must have a name. Errors name the file, the VM and the
 * field: `sys.json: vm "b": field "memory": expected ...`. 0, or -1.
 */
int system_config_load_json(struct system_config *sys, const char *path, struct config_error *err);

/*
 * The rules between VMs and against the hypervisor, without touching files:
 * distinct VM names; each VM's scheduling fields (one core per vCPU, budget
 * within a period, priority range); every core within limits->max_cores; in
 * direct scheduling, a core for every vCPU and no core named twice (the
 * message names both VMs). 0, or -1 with `err` filled in.
 */
int system_config_check(const struct system_config *sys, const struct system_limits *limits,
			struct config_error *err);

/* system_config_check(), then vm_config_validate() of each VM (its files), errors prefixed. */
int system_config_validate(const struct system_config *sys, const struct system_limits *limits,
			   struct config_error *err);

/*
 * system_config_check() for one VM given outside a system file (flags, or
 * a VM description): its cores against the hypervisor's. 0, or -1.
 */
int system_config_check_vm(const struct vm_config *vm, const struct system_limits *limits,
			   struct config_error *err);

/* The VM named `name`, or NULL. */
const struct vm_config *system_config_find_vm(const struct system_config *sys, const char *name);

#endif
