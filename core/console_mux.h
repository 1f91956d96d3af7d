/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Several VMs' consoles on one terminal: the framing of their output and the
 * switching of input between them. Pure logic, no I/O and no libc, so the
 * Linux supervisor and an seL4 console protection domain share it.
 *
 * Output: each VM's characters appear with "[name] " at the start of every
 * line. When another VM (or a notice) takes the terminal while a line is
 * unfinished, that line is ended first ("\r\n"), and the rest of it later
 * gets a fresh prefix, so lines never mix.
 *
 * Input goes to one VM at a time, the selected one. Escapes, after Ctrl-A:
 *   1..9      select VM 1..9 (in description order)
 *   m or M    select the management prompt, where there is one (seL4's
 *             management PD; console_mux_add_management); else dropped
 *   x or X    quit (stop every VM)
 *   Ctrl-A    send one Ctrl-A to the selected VM
 *   anything else is dropped
 */
#ifndef SVMM_CORE_CONSOLE_MUX_H
#define SVMM_CORE_CONSOLE_MUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_MUX_MAX_VMS 9
#define CONSOLE_MUX_ESCAPE  0x01 /* Ctrl-A */
/* The management prompt's index, in place of a VM's, for every op and call below. */
#define CONSOLE_MUX_MANAGEMENT CONSOLE_MUX_MAX_VMS

struct console_mux_ops {
	/* Terminal output: called with runs of bytes, in order. */
	void (*emit)(void *ctx, const uint8_t *data, size_t len);
	/* Input bytes for VM `vm` (0-based). */
	void (*deliver)(void *ctx, unsigned vm, const uint8_t *data, size_t len);
	/* Ctrl-A 1..9 picked VM `vm`; `accepted` false when it takes no input (none then changes).
	 */
	void (*selected)(void *ctx, unsigned vm, bool accepted);
	/* Ctrl-A x. */
	void (*quit)(void *ctx);
	void *ctx;
};

struct console_mux {
	struct console_mux_ops ops;
	unsigned vm_count;
	const char *names[CONSOLE_MUX_MAX_VMS + 1]; /* the last: the management prompt's */
	bool takes_input[CONSOLE_MUX_MAX_VMS + 1];
	bool has_management;
	unsigned selected;     /* valid when has_selected */
	bool has_selected;     /* false while no VM takes input */
	bool escape_pending;   /* Ctrl-A seen, its second key not yet */
	bool line_open;	       /* the terminal's current line has text */
	unsigned line_owner;   /* whose text that is (valid when line_open) */
	bool line_owner_is_vm; /* false: a notice's */
};

/*
 * Sets up `mux` for `vm_count` (1..CONSOLE_MUX_MAX_VMS) VMs named `names`
 * (kept, not copied); `takes_input[i]` says whether VM i's console is on
 * this terminal. The first VM that takes input is selected. 0, or -1 for a
 * bad count.
 */
int console_mux_init(struct console_mux *mux, const struct console_mux_ops *ops, unsigned vm_count,
		     const char *const *names, const bool *takes_input);

/*
 * Adds the management prompt, named `name` (kept) in its output's "[name] "
 * frames: Ctrl-A m selects it, its input and output go by
 * CONSOLE_MUX_MANAGEMENT.
 */
void console_mux_add_management(struct console_mux *mux, const char *name);

/* VM `vm`'s (or the management prompt's) console output, framed onto the terminal. */
void console_mux_output(struct console_mux *mux, unsigned vm, const uint8_t *data, size_t len);

/*
 * One line of the multiplexer's own (a VM started, stopped...), without its
 * line end: it goes on a line of its own.
 */
void console_mux_notice(struct console_mux *mux, const char *text);

/* Terminal input: escapes handled, the rest delivered to the selected VM. */
void console_mux_input(struct console_mux *mux, const uint8_t *data, size_t len);

/* Whether VM `vm` still takes input (false once it has stopped for good). */
void console_mux_set_takes_input(struct console_mux *mux, unsigned vm, bool takes_input);

#endif
