/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM description: one structure filled from a JSON file, from command
 * line flags, or both (flags override the file). Both routes set fields
 * through vm_config_set(), so a value means the same and is checked the same
 * way wherever it comes from.
 */
#ifndef SVMM_CONFIG_VM_CONFIG_H
#define SVMM_CONFIG_VM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define VM_CONFIG_MAX_CPUS   64
#define VM_CONFIG_MIN_MEMORY (16ull << 20)
#define VM_CONFIG_MAX_MEMORY (255ull << 30)

enum console_backend {
	CONSOLE_STDIO,	/* svmm's stdin/stdout (raw mode when stdin is a terminal) */
	CONSOLE_PTY,	/* a new pseudo-terminal; its path is printed at start */
	CONSOLE_SOCKET, /* a unix stream socket at `path`; one client at a time */
	CONSOLE_NONE,	/* output discarded, no input (a VM in a system that stays quiet) */
};

/* Which device the guest's console is: the PL011 UART or a virtio console (hvc0). */
enum console_device {
	CONSOLE_DEVICE_PL011,
	CONSOLE_DEVICE_VIRTIO,
};

#define VM_CONFIG_MAX_DISKS    8
#define VM_CONFIG_MAX_NETS     4
#define VM_CONFIG_MAX_FORWARDS 8

/* --disk PATH[,readonly][,direct][,serial=TEXT], or a system's device=NAME */
struct disk_config {
	char *path;   /* NULL for a device disk */
	char *device; /* a block device of the system's "devices" (seL4 only for now); or NULL */
	bool readonly;
	bool direct;  /* O_DIRECT: bypass the host page cache */
	char *serial; /* NULL: derived from the file name */
};

enum net_backend {
	NET_USER, /* unprivileged: passt runs beside svmm */
	NET_TAP,  /* an existing or new tap interface */
};

/* --net user[,mac=M][,forward=tcp:HOST:GUEST]... | --net tap=NAME[,mac=M] */
struct net_config {
	enum net_backend backend;
	char *tap_name;
	bool has_mac;
	uint8_t mac[6];
	char *forwards[VM_CONFIG_MAX_FORWARDS]; /* "tcp:8080:80" or "udp:5353:53" */
	unsigned forward_count;
};

/* --vsock cid=N,socket=PATH */
struct vsock_config {
	uint32_t cid;
	char *socket; /* NULL: no vsock device */
};

enum on_reboot {
	ON_REBOOT_RESTART, /* boot the VM again: in place, or as a fresh VM in a system */
	ON_REBOOT_EXIT,	   /* exit svmm with SVMM_EXIT_GUEST_RESET; in a system, stop all VMs */
	ON_REBOOT_STOP,	   /* stop this VM only (alone, the same as exit) */
};

/*
 * Scheduling: priorities 0..254 (seL4's range; higher runs first), and a
 * budget of CPU time per period for each vCPU, in microseconds (cgroup v2's
 * cpu.max range, which seL4's scheduling contexts also take).
 */
#define VM_CONFIG_DEFAULT_PRIORITY 100
#define VM_CONFIG_MAX_PRIORITY	   254
#define VM_CONFIG_MIN_PERIOD_US	   1000
#define VM_CONFIG_MAX_PERIOD_US	   1000000

struct vm_config {
	char *name;
	char *kernel;
	char *initrd; /* NULL: none */
	char *cmdline;
	bool cmdline_given; /* false: the default, which follows the console device */
	unsigned cpus;
	uint64_t memory; /* bytes */
	enum on_reboot on_reboot;
	enum console_backend console;
	char *console_path; /* CONSOLE_SOCKET only */
	enum console_device console_device;
	char *dtb_out; /* NULL: do not write the generated device tree */
	struct disk_config disks[VM_CONFIG_MAX_DISKS];
	unsigned disk_count;
	struct net_config nets[VM_CONFIG_MAX_NETS];
	unsigned net_count;
	bool rng;
	struct vsock_config vsock;
	/* The physical core each vCPU runs on; core_count 0: not pinned. */
	unsigned cores[VM_CONFIG_MAX_CPUS];
	unsigned core_count;
	unsigned priority;
	uint32_t budget_us; /* 0: the whole period */
	uint32_t period_us; /* 0: no period given, the VM's time is not limited */
};

/* A user-facing message naming where the bad value came from and what was expected. */
struct config_error {
	char message[512];
};

/*
 * Defaults: name "svmm", 1 CPU, 512 MiB, cmdline "console=ttyAMA0" (or
 * "console=hvc0" once the console device is set to virtio),
 * console on stdio, restart on reboot, no kernel (validate requires one),
 * not pinned, priority VM_CONFIG_DEFAULT_PRIORITY, no budget limit.
 */
void vm_config_init(struct vm_config *cfg);
void vm_config_free(struct vm_config *cfg);

/*
 * Sets one field from its text form. `field` is the JSON key ("kernel",
 * "initrd", "cmdline", "cpus", "memory", "name", "on_reboot", "console",
 * "dtb_out", "disk", "net", "rng", "vsock", "cores", "priority", "budget_us",
 * "period_us"); list fields ("disk", "net", "cores")
 * append one entry per call; `origin` names where the value came from for the error
 * message, e.g. "--memory" or "vm.json: field \"memory\"". Relative paths
 * are taken relative to `base_dir` when it is not NULL. 0, or -1 with `err`
 * filled in.
 */
int vm_config_set(struct vm_config *cfg, const char *field, const char *value, const char *origin,
		  const char *base_dir, struct config_error *err);

/*
 * Empties a list field ("disk", "net", "cores") so that flags replace, rather than
 * extend, the list a VM description file gave.
 */
void vm_config_clear_list(struct vm_config *cfg, const char *field);

/*
 * Reads a JSON VM description (an object whose keys are the fields above;
 * numbers may be given as JSON numbers or strings, sizes as "512M"). Unknown
 * keys are errors, so typos do not pass silently. Relative paths are
 * relative to the file's directory. 0, or -1 with `err` filled in.
 */
int vm_config_load_json(struct vm_config *cfg, const char *path, struct config_error *err);

/*
 * Checks a complete description: a kernel is given, files exist and are
 * readable, cpus and memory in range, one core per vCPU when pinned, a
 * budget only with a period and no larger than it. 0, or -1 with `err`
 * filled in. Which cores exist is the hypervisor's to say:
 * system_config_check() (config/system.h) checks that.
 */
int vm_config_validate(const struct vm_config *cfg, struct config_error *err);

/*
 * Parses a size: a decimal number with an optional K, M, G or T suffix
 * (powers of 1024; "KiB"/"MiB"/"GiB"/"TiB" and a trailing "B" are accepted
 * too); a bare number is bytes. 0, or -1 for anything else or overflow.
 */
int config_parse_size(const char *text, uint64_t *bytes);

#endif
