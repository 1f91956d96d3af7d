/* SPDX-License-Identifier: Apache-2.0 */
#include "core/vm_command.h"

#include "core/string.h"

static const char *const vm_command_names[VM_COMMAND_COUNT] = {
    [VM_COMMAND_STATUS] = "status", [VM_COMMAND_PAUSE] = "pause", [VM_COMMAND_RESUME] = "resume",
    [VM_COMMAND_RESET] = "reset",   [VM_COMMAND_STOP] = "stop",	  [VM_COMMAND_METRICS] = "metrics",
    [VM_COMMAND_LIST] = "list",	    [VM_COMMAND_START] = "start", [VM_COMMAND_RESTART] = "restart",
};

const char *vm_command_name(enum vm_command command)
{
	return (unsigned)command < VM_COMMAND_COUNT ? vm_command_names[command] : "unknown";
}

bool vm_command_lookup(const char *word, size_t len, enum vm_command *command)
{
	for (unsigned i = 0; i < VM_COMMAND_COUNT; i++) {
		const char *name = vm_command_names[i];

		if (strlen(name) == len && memcmp(name, word, len) == 0) {
			*command = (enum vm_command)i;
			return true;
		}
	}
	return false;
}

bool vm_command_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > VM_COMMAND_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

const char *vm_command_check_name(enum vm_command command, bool named, bool to_system)
{
	bool needs = command == VM_COMMAND_START || command == VM_COMMAND_RESTART ||
		     (to_system && command != VM_COMMAND_STATUS && command != VM_COMMAND_LIST);

	if (needs && !named)
		return "needs a VM name";
	if (command == VM_COMMAND_LIST && named)
		return "takes no VM name";
	return NULL;
}
