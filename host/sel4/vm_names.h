/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system's VM names as the build packages them (host/sel4/console_names.S,
 * written by svmm sdf --build-dir): one a line in the description's order,
 * "name" or "name none" for a VM without a console. The console multiplexer
 * and the management PD read the same list, so VM i is the same VM to both.
 * Pure (no Microkit): tests/unit/test_mgmt_prompt.c reads hostile lists.
 */
#ifndef SVMM_HOST_SEL4_VM_NAMES_H
#define SVMM_HOST_SEL4_VM_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/vm_command.h"

struct vm_name {
	char name[VM_COMMAND_NAME_MAX + 1];
	bool quiet; /* "console": "none" */
};

/*
 * Reads the list in text[0..len) into out[0..max): how many names. Empty
 * lines are skipped; a name longer than VM_COMMAND_NAME_MAX is cut there.
 */
unsigned vm_names_read(const char *text, size_t len, struct vm_name *out, unsigned max);

#endif
