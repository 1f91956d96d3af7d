/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system description: its JSON form (each VM's object read exactly as a
 * VM description file is) and the rules that only hold between VMs or
 * against the hypervisor's cores.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config/config_private.h"
#include "config/system.h"

/* Keys a later version takes; refused by name so nothing is silently ignored. */
static const char *const reserved_system_keys[] = {"switches", "vsock_links"};

static const char system_known_keys[] =
    "name, scheduling, management, vms, devices, switches, vsock_links";

void system_config_init(struct system_config *sys)
{
	memset(sys, 0, sizeof(*sys));
	/* Allocation failure leaves NULL, which system_config_check() reports. */
	sys->name = strdup("svmm");
	sys->scheduling = SYSTEM_SCHEDULING_HYBRID;
}

void system_config_free(struct system_config *sys)
{
	for (unsigned i = 0; i < sys->vm_count; i++)
		vm_config_free(&sys->vms[i]);
	for (unsigned i = 0; i < sys->block_device_count; i++)
		free(sys->block_devices[i]);
	sys->block_device_count = 0;
	sys->vm_count = 0;
	free(sys->name);
	free(sys->source);
	sys->name = NULL;
	sys->source = NULL;
}

int system_config_file_is_system(const char *path, bool *is_system, struct config_error *err)
{
	struct json_object *root;
	char *base_dir;

	if (config_json_load_object(path, &root, &base_dir, err) != 0)
		return -1;
	*is_system = json_object_object_get_ex(root, "vms", NULL);
	free(base_dir);
	json_object_put(root);
	return 0;
}

static const char *json_text(struct json_object *value)
{
	return json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
}

static int set_system_name(struct system_config *sys, struct json_object *value, const char *origin,
			   struct config_error *err)
{
	struct vm_config probe;
	char *copy;

	if (!json_object_is_type(value, json_type_string))
		return config_fail_expected(err, origin, "a JSON string (a name)",
					    json_text(value));
	/* A system's name follows a VM's rules: one setter checks both. */
	vm_config_init(&probe);
	if (vm_config_set(&probe, "name", json_object_get_string(value), origin, NULL, err) != 0) {
		vm_config_free(&probe);
		return -1;
	}
	copy = probe.name;
	probe.name = NULL;
	vm_config_free(&probe);
	free(sys->name);
	sys->name = copy;
	return 0;
}

static int set_scheduling(struct system_config *sys, struct json_object *value, const char *origin,
			  struct config_error *err)
{
	const char *text = json_object_get_string(value);

	if (json_object_is_type(value, json_type_string) && strcmp(text, "direct") == 0)
		sys->scheduling = SYSTEM_SCHEDULING_DIRECT;
	else if (json_object_is_type(value, json_type_string) && strcmp(text, "hybrid") == 0)
		sys->scheduling = SYSTEM_SCHEDULING_HYBRID;
	else
		return config_fail_expected(
		    err, origin, "\"direct\" or \"hybrid\"",
		    json_object_is_type(value, json_type_string) ? text : json_text(value));
	return 0;
}

static int set_management(struct system_config *sys, struct json_object *value, const char *origin,
			  struct config_error *err)
{
	if (!json_object_is_type(value, json_type_boolean))
		return config_fail_expected(err, origin, "true or false", json_text(value));
	sys->management = json_object_get_boolean(value);
	return 0;
}

/* One element of "vms": its name first, so every later error can name the VM. */
static int load_vm(struct vm_config *vm, struct json_object *object, const char *path, size_t index,
		   const char *base_dir, struct config_error *err)
{
	struct json_object *name;
	char origin[256];

	snprintf(origin, sizeof(origin), "%s: vms[%zu]", path, index);
	if (!json_object_is_type(object, json_type_object))
		return config_fail_expected(err, origin, "a VM description (a JSON object)",
					    json_text(object));
	if (!json_object_object_get_ex(object, "name", &name))
		return config_fail(err, "%s: field \"name\": required in a system description",
				   origin);
	snprintf(origin, sizeof(origin), "%s: vms[%zu]: field \"name\"", path, index);
	if (!json_object_is_type(name, json_type_string))
		return config_fail_expected(err, origin, "a JSON string (a name)", json_text(name));
	if (vm_config_set(vm, "name", json_object_get_string(name), origin, NULL, err) != 0)
		return -1;
	snprintf(origin, sizeof(origin), "%s: vm \"%s\"", path, vm->name);
	return config_json_apply(vm, object, origin, base_dir, err);
}

static int load_vms(struct system_config *sys, struct json_object *vms, const char *path,
		    const char *base_dir, struct config_error *err)
{
	char origin[256];
	size_t count;

	snprintf(origin, sizeof(origin), "%s: field \"vms\"", path);
	if (!json_object_is_type(vms, json_type_array))
		return config_fail_expected(err, origin, "a list of VM descriptions",
					    json_text(vms));
	count = json_object_array_length(vms);
	if (count == 0 || count > SYSTEM_MAX_VMS)
		return config_fail(err, "%s: expected 1 to %d VMs, got %zu", origin, SYSTEM_MAX_VMS,
				   count);
	for (size_t i = 0; i < count; i++) {
		vm_config_init(&sys->vms[i]);
		sys->vm_count = (unsigned)i + 1;
		if (load_vm(&sys->vms[i], json_object_array_get_idx(vms, i), path, i, base_dir,
			    err) != 0)
			return -1;
	}
	return 0;
}

static bool is_reserved_key(const char *key)
{
	for (size_t i = 0; i < sizeof(reserved_system_keys) / sizeof(reserved_system_keys[0]);
	     i++) {
		if (strcmp(key, reserved_system_keys[i]) == 0)
			return true;
	}
	return false;
}

static int load_system(struct system_config *sys, struct json_object *root, const char *path,
		       const char *base_dir, struct config_error *err)
{
	char origin[256];

	json_object_object_foreach(root, key, value)
	{
		char quoted[64];

		snprintf(origin, sizeof(origin), "%s: field \"%s\"", path, key);
		if (strcmp(key, "name") == 0) {
			if (set_system_name(sys, value, origin, err) != 0)
				return -1;
		} else if (strcmp(key, "scheduling") == 0) {
			if (set_scheduling(sys, value, origin, err) != 0)
				return -1;
		} else if (strcmp(key, "management") == 0) {
			if (set_management(sys, value, origin, err) != 0)
				return -1;
		} else if (strcmp(key, "vms") == 0) {
			if (load_vms(sys, value, path, base_dir, err) != 0)
				return -1;
		} else if (strcmp(key, "devices") == 0) {
			if (system_config_load_devices(sys, value, origin, err) != 0)
				return -1;
		} else if (is_reserved_key(key)) {
			return config_fail(err, "%s: not supported yet", origin);
		} else {
			config_quote_for_message(quoted, sizeof(quoted), key);
			return config_fail(err,
					   "%s: unknown field \"%s\" in a system description "
					   "(known: %s; VM fields go in \"vms\")",
					   path, quoted, system_known_keys);
		}
	}
	return 0;
}

int system_config_load_json(struct system_config *sys, const char *path, struct config_error *err)
{
	struct json_object *root;
	char *base_dir;
	int result;

	if (config_json_load_object(path, &root, &base_dir, err) != 0)
		return -1;
	free(sys->source);
	sys->source = strdup(path);
	if (!json_object_object_get_ex(root, "vms", NULL)) {
		sys->from_vm_description = true;
		vm_config_init(&sys->vms[0]);
		sys->vm_count = 1;
		result = config_json_apply(&sys->vms[0], root, path, base_dir, err);
	} else {
		result = load_system(sys, root, path, base_dir, err);
	}
	free(base_dir);
	json_object_put(root);
	return result;
}

const struct vm_config *system_config_find_vm(const struct system_config *sys, const char *name)
{
	for (unsigned i = 0; i < sys->vm_count; i++) {
		if (sys->vms[i].name != NULL && strcmp(sys->vms[i].name, name) == 0)
			return &sys->vms[i];
	}
	return NULL;
}

/* "sys.json: vm \"a\": " for a VM in a system; the file alone for a VM description. */
static void vm_prefix(const struct system_config *sys, const struct vm_config *vm, char *out,
		      size_t out_size)
{
	if (sys->from_vm_description)
		snprintf(out, out_size, "%s%s", sys->source ? sys->source : "",
			 sys->source ? ": " : "");
	else
		snprintf(out, out_size, "%s%svm \"%s\": ", sys->source ? sys->source : "",
			 sys->source ? ": " : "", vm->name ? vm->name : "?");
}

/* The VM (index below `vm_index`, or `vm_index` itself) that already has `core`. */
static int core_owner(const struct system_config *sys, unsigned vm_index, unsigned core_index)
{
	unsigned core = sys->vms[vm_index].cores[core_index];

	for (unsigned v = 0; v <= vm_index; v++) {
		unsigned limit = v == vm_index ? core_index : sys->vms[v].core_count;

		for (unsigned c = 0; c < limit; c++) {
			if (sys->vms[v].cores[c] == core)
				return (int)v;
		}
	}
	return -1;
}

static int check_cores(const struct system_config *sys, unsigned index,
		       const struct system_limits *limits, const char *who,
		       struct config_error *err)
{
	const struct vm_config *vm = &sys->vms[index];
	bool direct = sys->scheduling == SYSTEM_SCHEDULING_DIRECT;

	if (direct && vm->core_count == 0)
		return config_fail(err,
				   "%sfield \"cores\": direct scheduling gives each vCPU its own "
				   "core: name %u",
				   who, vm->cpus);
	for (unsigned c = 0; c < vm->core_count; c++) {
		int owner;

		if (vm->cores[c] >= limits->max_cores)
			return config_fail(err,
					   "%sfield \"cores\": core %u does not exist on %s "
					   "(cores 0 to %u)",
					   who, vm->cores[c], limits->where, limits->max_cores - 1);
		owner = direct ? core_owner(sys, index, c) : -1;
		if (owner == (int)index)
			return config_fail(err,
					   "%sfield \"cores\": core %u named twice (direct "
					   "scheduling gives each vCPU its own core)",
					   who, vm->cores[c]);
		if (owner >= 0)
			return config_fail(err,
					   "%sfield \"cores\": core %u is already vm \"%s\"'s "
					   "(direct scheduling gives each vCPU its own core)",
					   who, vm->cores[c], sys->vms[owner].name);
	}
	return 0;
}

int system_config_check(const struct system_config *sys, const struct system_limits *limits,
			struct config_error *err)
{
	const char *source = sys->source ? sys->source : "system";

	if (!sys->name)
		return config_fail(err, "%s: name is not set (out of memory?)", source);
	if (sys->vm_count == 0 || sys->vm_count > SYSTEM_MAX_VMS)
		return config_fail(err, "%s: expected 1 to %d VMs, got %u", source, SYSTEM_MAX_VMS,
				   sys->vm_count);
	for (unsigned i = 0; i < sys->vm_count; i++) {
		const struct vm_config *vm = &sys->vms[i];
		char who[128];

		vm_prefix(sys, vm, who, sizeof(who));
		if (!vm->name)
			return config_fail(err, "%sname is not set (out of memory?)", who);
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(sys->vms[j].name, vm->name) == 0)
				return config_fail(err,
						   "%s: field \"vms\": two VMs are named \"%s\" "
						   "(vms[%u] and vms[%u])",
						   source, vm->name, j, i);
		}
		if (config_validate_scheduling(vm, who, err) != 0)
			return -1;
		if (check_cores(sys, i, limits, who, err) != 0)
			return -1;
	}
	return system_config_check_devices(sys, err);
}

int system_config_validate(const struct system_config *sys, const struct system_limits *limits,
			   struct config_error *err)
{
	if (system_config_check(sys, limits, err) != 0)
		return -1;
	for (unsigned i = 0; i < sys->vm_count; i++) {
		struct config_error vm_err = {{0}};
		char who[128];

		if (vm_config_validate(&sys->vms[i], &vm_err) == 0)
			continue;
		vm_prefix(sys, &sys->vms[i], who, sizeof(who));
		return config_fail(err, "%s%s", who, vm_err.message);
	}
	return 0;
}

int system_config_check_vm(const struct vm_config *vm, const struct system_limits *limits,
			   struct config_error *err)
{
	struct system_config *alone = calloc(1, sizeof(*alone));
	int result;

	if (!alone)
		return config_fail(err, "out of memory");
	/* A borrowed copy: the system never owns (or frees) the VM's strings. */
	alone->from_vm_description = true;
	alone->name = (char *)"svmm";
	alone->vm_count = 1;
	memcpy(&alone->vms[0], vm, sizeof(*vm));
	result = system_config_check(alone, limits, err);
	free(alone);
	return result;
}
