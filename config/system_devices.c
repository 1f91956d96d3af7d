/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A system description's physical devices: "devices": {"disk0": {"type":
 * "block"}} names the board's block device, and a VM's "disk": [{"device":
 * "disk0"}] gives that VM a disk on it. On seL4 the device is QEMU virt's
 * virtio-blk, driven by the block driver PD (config/sdf.c). Net devices,
 * partitions and sharing a device among VMs come with the drivers and the
 * block virtualiser that do not exist yet, so they are refused by name.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config/config_private.h"
#include "core/vm_command.h"
#include "config/system.h"

static const char expect_device[] = "{\"type\": \"block\"}";

static int load_device(struct system_config *sys, const char *name, struct json_object *value,
		       const char *origin, struct config_error *err)
{
	struct json_object *type = NULL;
	const char *text;
	char quoted[80];

	config_quote_for_message(quoted, sizeof(quoted), name);
	if (!vm_command_name_valid(name, strlen(name)))
		return config_fail(err,
				   "%s: device \"%s\": expected a name of letters, digits, '.', "
				   "'_' and '-' (1 to 64)",
				   origin, quoted);
	if (!json_object_is_type(value, json_type_object) ||
	    !json_object_object_get_ex(value, "type", &type) ||
	    !json_object_is_type(type, json_type_string) || json_object_object_length(value) != 1)
		return config_fail(err, "%s: device \"%s\": expected %s", origin, quoted,
				   expect_device);
	text = json_object_get_string(type);
	if (strcmp(text, "block") != 0) {
		char type_quoted[64];

		config_quote_for_message(type_quoted, sizeof(type_quoted), text);
		return config_fail(err,
				   "%s: device \"%s\": type \"%s\" is not supported yet (block "
				   "devices are)",
				   origin, quoted, type_quoted);
	}
	if (sys->block_device_count == SYSTEM_MAX_DEVICES)
		return config_fail(err, "%s: at most %d devices", origin, SYSTEM_MAX_DEVICES);
	sys->block_devices[sys->block_device_count] = strdup(name);
	if (sys->block_devices[sys->block_device_count] == NULL)
		return config_fail(err, "%s: out of memory", origin);
	sys->block_device_count++;
	return 0;
}

int system_config_load_devices(struct system_config *sys, struct json_object *devices,
			       const char *origin, struct config_error *err)
{
	if (!json_object_is_type(devices, json_type_object))
		return config_fail_expected(
		    err, origin,
		    "a JSON object of devices by name, e.g. {\"disk0\": "
		    "{\"type\": \"block\"}}",
		    json_object_to_json_string_ext(devices, JSON_C_TO_STRING_PLAIN));
	json_object_object_foreach(devices, name, value)
	{
		if (load_device(sys, name, value, origin, err) != 0)
			return -1;
	}
	return 0;
}

static bool has_block_device(const struct system_config *sys, const char *name)
{
	for (unsigned i = 0; i < sys->block_device_count; i++)
		if (strcmp(sys->block_devices[i], name) == 0)
			return true;
	return false;
}

int system_config_check_devices(const struct system_config *sys, struct config_error *err)
{
	const char *source = sys->source ? sys->source : "system";

	for (unsigned i = 0; i < sys->vm_count; i++) {
		const struct vm_config *vm = &sys->vms[i];

		for (unsigned d = 0; d < vm->disk_count; d++) {
			const char *device = vm->disks[d].device;

			if (device == NULL)
				continue;
			if (!has_block_device(sys, device))
				return config_fail(err,
						   "%s: vm \"%s\": disk: device \"%s\" is not a "
						   "block device of the system's \"devices\"",
						   source, vm->name ? vm->name : "?", device);
			/* Two VMs on one device need partitions and the block virtualiser. */
			for (unsigned j = 0; j < i; j++)
				for (unsigned e = 0; e < sys->vms[j].disk_count; e++)
					if (sys->vms[j].disks[e].device != NULL &&
					    strcmp(sys->vms[j].disks[e].device, device) == 0)
						return config_fail(
						    err,
						    "%s: vm \"%s\": disk: device \"%s\" is VM "
						    "\"%s\"'s already (sharing one needs "
						    "partitions, not supported yet)",
						    source, vm->name, device, sys->vms[j].name);
		}
	}
	return 0;
}
