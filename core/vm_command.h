/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lifecycle commands a VM or a system of VMs takes, whoever sends them:
 * the control API's JSON requests on Linux (config/api_request.c) and the
 * management prompt on seL4's UART (host/sel4/mgmt_prompt.c). One list of
 * command words, one rule for VM names and one rule for which commands
 * name a VM, so the two interfaces cannot drift apart. Freestanding: the
 * seL4 management protection domain links it.
 */
#ifndef SVMM_CORE_VM_COMMAND_H
#define SVMM_CORE_VM_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

/* A VM name's longest form (the description's rule: A-Z a-z 0-9 . _ -). */
#define VM_COMMAND_NAME_MAX 64

enum vm_command {
	VM_COMMAND_STATUS,
	VM_COMMAND_PAUSE,
	VM_COMMAND_RESUME,
	VM_COMMAND_RESET,
	VM_COMMAND_STOP,
	VM_COMMAND_METRICS,
	/* A system's: they name one of its VMs (list names none). */
	VM_COMMAND_LIST,
	VM_COMMAND_START,
	VM_COMMAND_RESTART,
};

#define VM_COMMAND_COUNT (VM_COMMAND_RESTART + 1)

/* "status", "pause", ...; "unknown" for anything else. */
const char *vm_command_name(enum vm_command command);

/* The command spelled by `word[0..len)` exactly: true with *command set, or false. */
bool vm_command_lookup(const char *word, size_t len, enum vm_command *command);

/* Whether `name[0..len)` is a VM name: 1 to 64 of A-Z a-z 0-9 . _ -. */
bool vm_command_name_valid(const char *name, size_t len);

/*
 * Whether `command` may be sent with a VM name (`named`) or without: NULL
 * when it may, else the reason ("needs a VM name", "takes no VM name").
 * start and restart always need one and list takes none. The rest act on
 * the one VM a lone VM's API serves without a name; `to_system` (a
 * system's own prompt, which has no VM of its own) makes every one but
 * status (which then lists) need one.
 */
const char *vm_command_check_name(enum vm_command command, bool named, bool to_system);

#endif
