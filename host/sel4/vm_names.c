/* SPDX-License-Identifier: Apache-2.0 */
#include "host/sel4/vm_names.h"

#include "core/string.h"

unsigned vm_names_read(const char *text, size_t len, struct vm_name *out, unsigned max)
{
	const char *p = text, *end = text + len;
	unsigned count = 0;

	while (p < end && count < max) {
		struct vm_name *vm = &out[count];
		size_t n = 0;

		while (p + n < end && p[n] != '\n' && p[n] != ' ')
			n++;
		memcpy(vm->name, p, n > VM_COMMAND_NAME_MAX ? VM_COMMAND_NAME_MAX : n);
		vm->name[n > VM_COMMAND_NAME_MAX ? VM_COMMAND_NAME_MAX : n] = '\0';
		vm->quiet = false;
		p += n;
		if (p < end && *p == ' ') {
			vm->quiet = true;
			while (p < end && *p != '\n')
				p++;
		}
		if (p < end)
			p++;
		if (n > 0)
			count++;
	}
	return count;
}
