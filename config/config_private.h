/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared between the files of config/ only. The JSON reader needs to know a
 * field's name and what it expects before it has a text value to hand to
 * vm_config_set() (a JSON `true` has none), and every file words its errors
 * the same way.
 */
#ifndef SVMM_CONFIG_CONFIG_PRIVATE_H
#define SVMM_CONFIG_CONFIG_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/vm_config.h"

enum config_json_form {
	CONFIG_JSON_NUMBER = 1u << 0, /* taken as its decimal text */
	CONFIG_JSON_BOOL = 1u << 1,   /* taken as "true" or "false" */
	CONFIG_JSON_OBJECT = 1u << 2, /* {"k": v, ...} taken as the option list "k=v,..." */
	CONFIG_JSON_ARRAY = 1u << 3,  /* a list field: each element set in turn */
};

struct config_field {
	const char *name;
	/* The phrase after "expected" when the value has the wrong type. */
	const char *expects;
	/* Which JSON types besides strings the field takes (enum config_json_form bits). */
	unsigned json_forms;
	int (*set)(struct vm_config *cfg, const char *value, const char *origin,
		   const char *base_dir, struct config_error *err);
};

struct json_object;

/*
 * Reads `path` as one JSON object (*root, released with json_object_put())
 * and the directory its relative paths are taken from (*base_dir, freed by
 * the caller; NULL for the current one). 0, or -1 with `err` filled in.
 */
int config_json_load_object(const char *path, struct json_object **root, char **base_dir,
			    struct config_error *err);

/*
 * Sets every member of `object` as a field of `cfg`; errors start with
 * `prefix` ("vm.json", or "sys.json: vm \"a\"") and name the field.
 */
int config_json_apply(struct vm_config *cfg, struct json_object *object, const char *prefix,
		      const char *base_dir, struct config_error *err);

/* NULL when `name` is not a field. */
const struct config_field *config_field_find(const char *name);

/* Fills err->message from a printf format; returns -1 so callers can `return config_fail(...)`. */
int config_fail(struct config_error *err, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* `<origin>: expected <expected>, got "<value>"`, the value escaped and shortened. */
int config_fail_expected(struct config_error *err, const char *origin, const char *expected,
			 const char *value);

/* `<origin>: unknown field "<name>" (known: name, kernel, ...)` */
int config_fail_unknown_field(struct config_error *err, const char *origin, const char *name);

/*
 * Writes `value` for a message: quotes, backslashes and control characters
 * escaped (the message stays one line), cut with "..." to fit `out_size` so
 * one long cmdline cannot push the rest of the message out of its buffer.
 */
void config_quote_for_message(char *out, size_t out_size, const char *value);

/* Writes `bytes` in the largest unit that divides it exactly: "16M", "255G", "4097". */
void config_format_size(uint64_t bytes, char *out, size_t out_size);

/*
 * Guest memory is mapped into KVM memslots (and seL4 frames) in whole host
 * pages. Hosts run 4K, 16K or 64K pages; 1 MiB is a multiple of all of them.
 */
#define CONFIG_MEMORY_GRANULE (1ull << 20)

/* The rule vm_config_set() and vm_config_validate() both apply to memory. */
int config_check_memory(uint64_t bytes, const char *value, const char *origin,
			struct config_error *err);

/* The device fields (disk, net, rng, vsock), defined in config/devices.c. */
int config_set_disk(struct vm_config *cfg, const char *value, const char *origin,
		    const char *base_dir, struct config_error *err);
int config_set_net(struct vm_config *cfg, const char *value, const char *origin,
		   const char *base_dir, struct config_error *err);
int config_set_rng(struct vm_config *cfg, const char *value, const char *origin,
		   const char *base_dir, struct config_error *err);
int config_set_vsock(struct vm_config *cfg, const char *value, const char *origin,
		     const char *base_dir, struct config_error *err);
void config_free_devices(struct vm_config *cfg);
int config_validate_devices(const struct vm_config *cfg, struct config_error *err);

/* The scheduling fields (cores, priority, budget_us, period_us), in config/scheduling.c. */
int config_set_cores(struct vm_config *cfg, const char *value, const char *origin,
		     const char *base_dir, struct config_error *err);
int config_set_priority(struct vm_config *cfg, const char *value, const char *origin,
			const char *base_dir, struct config_error *err);
int config_set_budget(struct vm_config *cfg, const char *value, const char *origin,
		      const char *base_dir, struct config_error *err);
int config_set_period(struct vm_config *cfg, const char *value, const char *origin,
		      const char *base_dir, struct config_error *err);
/* One VM's own rules: a core per vCPU, a budget only within a period. `who` prefixes. */
int config_validate_scheduling(const struct vm_config *cfg, const char *who,
			       struct config_error *err);

/*
 * A decimal integer from `min` to `max`, digits only ("+4", "0x4", " 4" and
 * "4.0" are refused). 0, or -1.
 */
int config_parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *value);

/* A path as given, or joined to `base_dir` when relative; malloc'd into *resolved. */
int config_resolve_path(const char *value, const char *base_dir, const char *origin,
			const char *expected, struct config_error *err, char **resolved);

/* The longest unix socket path bind() takes. */
#define CONFIG_SOCKET_PATH_MAX_BYTES 107

#endif
