/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM description: one structure filled from a JSON file, from command
 * line flags, or both (flags override the file). Both routes set fields
 * through vm_config_set(), so a value means the same and is checked the same
 * way wherever it comes from.
 */
#ifndef SVMM_CONFIG_VM_CONFIG_H
#define SVMM_CONFIG_VM_CONFIG_H

#include <stdint.h>

#define VM_CONFIG_MAX_CPUS   64
#define VM_CONFIG_MIN_MEMORY (16ull << 20)
#define VM_CONFIG_MAX_MEMORY (255ull << 30)

enum console_backend {
	CONSOLE_STDIO,	/* svmm's stdin/stdout (raw mode when stdin is a terminal) */
	CONSOLE_PTY,	/* a new pseudo-terminal; its path is printed at start */
	CONSOLE_SOCKET, /* a unix stream socket at `path`; one client at a time */
};

enum on_reboot {
	ON_REBOOT_RESTART, /* reset the VM in place and boot again */
	ON_REBOOT_EXIT,	   /* exit svmm with SVMM_EXIT_GUEST_RESET */
};

struct vm_config {
	char *name;
	char *kernel;
	char *initrd; /* NULL: none */
	char *cmdline;
	unsigned cpus;
	uint64_t memory; /* bytes */
	enum on_reboot on_reboot;
	enum console_backend console;
	char *console_path; /* CONSOLE_SOCKET only */
	char *dtb_out;	    /* NULL: do not write the generated device tree */
};

/* A user-facing message naming where the bad value came from and what was expected. */
struct config_error {
	char message[512];
};

/*
 * Defaults: name "svmm", 1 CPU, 512 MiB, cmdline "console=ttyAMA0",
 * console on stdio, restart on reboot, no kernel (validate requires one).
 */
void vm_config_init(struct vm_config *cfg);
void vm_config_free(struct vm_config *cfg);

/*
 * Sets one field from its text form. `field` is the JSON key ("kernel",
 * "initrd", "cmdline", "cpus", "memory", "name", "on_reboot", "console",
 * "dtb_out"); `origin` names where the value came from for the error
 * message, e.g. "--memory" or "vm.json: field \"memory\"". Relative paths
 * are taken relative to `base_dir` when it is not NULL. 0, or -1 with `err`
 * filled in.
 */
int vm_config_set(struct vm_config *cfg, const char *field, const char *value, const char *origin,
		  const char *base_dir, struct config_error *err);

/*
 * Reads a JSON VM description (an object whose keys are the fields above;
 * numbers may be given as JSON numbers or strings, sizes as "512M"). Unknown
 * keys are errors, so typos do not pass silently. Relative paths are
 * relative to the file's directory. 0, or -1 with `err` filled in.
 */
int vm_config_load_json(struct vm_config *cfg, const char *path, struct config_error *err);

/*
 * Checks a complete description: a kernel is given, files exist and are
 * readable, cpus and memory in range. 0, or -1 with `err` filled in.
 */
int vm_config_validate(const struct vm_config *cfg, struct config_error *err);

/*
 * Parses a size: a decimal number with an optional K, M, G or T suffix
 * (powers of 1024; "KiB"/"MiB"/"GiB"/"TiB" and a trailing "B" are accepted
 * too); a bare number is bytes. 0, or -1 for anything else or overflow.
 */
int config_parse_size(const char *text, uint64_t *bytes);

#endif
