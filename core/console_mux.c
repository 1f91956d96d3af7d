/* SPDX-License-Identifier: Apache-2.0 */
#include "core/console_mux.h"

#include "core/string.h"

static const uint8_t line_end[] = {'\r', '\n'};

int console_mux_init(struct console_mux *mux, const struct console_mux_ops *ops, unsigned vm_count,
		     const char *const *names, const bool *takes_input)
{
	if (vm_count == 0 || vm_count > CONSOLE_MUX_MAX_VMS)
		return -1;
	memset(mux, 0, sizeof(*mux));
	mux->ops = *ops;
	mux->vm_count = vm_count;
	for (unsigned i = 0; i < vm_count; i++) {
		mux->names[i] = names[i];
		mux->takes_input[i] = takes_input[i];
		if (takes_input[i] && !mux->has_selected) {
			mux->selected = i;
			mux->has_selected = true;
		}
	}
	return 0;
}

void console_mux_add_management(struct console_mux *mux, const char *name)
{
	mux->names[CONSOLE_MUX_MANAGEMENT] = name;
	mux->takes_input[CONSOLE_MUX_MANAGEMENT] = true;
	mux->has_management = true;
}

/* A VM's index, or the management prompt's when there is one. */
static bool known(const struct console_mux *mux, unsigned vm)
{
	return vm < mux->vm_count || (vm == CONSOLE_MUX_MANAGEMENT && mux->has_management);
}

static void emit(struct console_mux *mux, const void *data, size_t len)
{
	if (len > 0)
		mux->ops.emit(mux->ops.ctx, data, len);
}

/* Ends the terminal's open line unless it is `vm`'s own (is_vm) to go on with. */
static void take_terminal(struct console_mux *mux, bool is_vm, unsigned vm)
{
	if (!mux->line_open)
		return;
	if (is_vm && mux->line_owner_is_vm && mux->line_owner == vm)
		return;
	emit(mux, line_end, sizeof(line_end));
	mux->line_open = false;
}

void console_mux_output(struct console_mux *mux, unsigned vm, const uint8_t *data, size_t len)
{
	const char *name;

	if (!known(mux, vm))
		return;
	name = mux->names[vm];
	while (len > 0) {
		size_t run = 0;

		take_terminal(mux, true, vm);
		if (!mux->line_open) {
			emit(mux, "[", 1);
			emit(mux, name, strlen(name));
			emit(mux, "] ", 2);
			mux->line_open = true;
			mux->line_owner = vm;
			mux->line_owner_is_vm = true;
		}
		/* Up to and including the next newline, which closes the line. */
		while (run < len && data[run] != '\n')
			run++;
		if (run < len) {
			run++;
			mux->line_open = false;
		}
		emit(mux, data, run);
		data += run;
		len -= run;
	}
}

void console_mux_notice(struct console_mux *mux, const char *text)
{
	take_terminal(mux, false, 0);
	emit(mux, text, strlen(text));
	emit(mux, line_end, sizeof(line_end));
}

void console_mux_set_takes_input(struct console_mux *mux, unsigned vm, bool takes_input)
{
	if (known(mux, vm))
		mux->takes_input[vm] = takes_input;
}

static void deliver(struct console_mux *mux, const uint8_t *data, size_t len)
{
	if (len > 0 && mux->has_selected && mux->takes_input[mux->selected])
		mux->ops.deliver(mux->ops.ctx, mux->selected, data, len);
}

/* The key after Ctrl-A; false when it was quit. */
static bool escape(struct console_mux *mux, uint8_t key)
{
	static const uint8_t ctrl_a = CONSOLE_MUX_ESCAPE;

	if (key == 'x' || key == 'X') {
		mux->ops.quit(mux->ops.ctx);
		return false;
	}
	if (key == CONSOLE_MUX_ESCAPE) {
		deliver(mux, &ctrl_a, 1);
	} else if ((key >= '1' && key <= '9' && (unsigned)(key - '1') < mux->vm_count) ||
		   ((key == 'm' || key == 'M') && mux->has_management)) {
		unsigned vm =
		    key >= '1' && key <= '9' ? (unsigned)(key - '1') : CONSOLE_MUX_MANAGEMENT;
		bool accepted = mux->takes_input[vm];

		if (accepted) {
			mux->selected = vm;
			mux->has_selected = true;
		}
		mux->ops.selected(mux->ops.ctx, vm, accepted);
	}
	return true;
}

void console_mux_input(struct console_mux *mux, const uint8_t *data, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (mux->escape_pending) {
			mux->escape_pending = false;
			start = i + 1;
			if (!escape(mux, data[i]))
				return;
		} else if (data[i] == CONSOLE_MUX_ESCAPE) {
			/* Whatever came before the escape goes to the VM selected until now. */
			deliver(mux, data + start, i - start);
			mux->escape_pending = true;
			start = i + 1;
		}
	}
	if (!mux->escape_pending)
		deliver(mux, data + start, len - start);
}
