/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The management prompt on seL4's UART (host/sel4/mgmt_pd.c): a line
 * editor and the parser of its commands, pure (no Microkit), so
 * tests/unit/test_mgmt_prompt.c drives it with any bytes.
 *
 *   list              every VM and its state
 *   status [NAME]     one VM's state, boots, vCPUs, memory, uptime (no NAME: list)
 *   stop NAME         stop the VM at once (its vCPUs suspended)
 *   start NAME        boot a stopped VM again
 *   restart NAME      boot it again from power-on, whatever it was doing
 *
 * The command words, the VM-name rule and which commands take a name are
 * core/vm_command.c's, the control API's on Linux. Editing: printable ASCII
 * is kept and echoed, backspace (BS or DEL) takes one back, CR or LF ends
 * the line (CR LF counts once), Ctrl-L shows the prompt and the line so far
 * again (the multiplexer sends one when Ctrl-A m selects the prompt); other
 * bytes are dropped. A line longer than
 * MGMT_PROMPT_MAX_LINE is refused whole when it ends. Every refusal is one
 * line starting "error: "; nothing else happens.
 */
#ifndef SVMM_HOST_SEL4_MGMT_PROMPT_H
#define SVMM_HOST_SEL4_MGMT_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/vm_command.h"

#define MGMT_PROMPT_MAX_LINE 80
#define MGMT_PROMPT_MAX_VMS  9
#define MGMT_PROMPT_TEXT     "> "
#define MGMT_PROMPT_ALL_VMS  (-1) /* a request about every VM (list) */

struct mgmt_request {
	enum vm_command command; /* LIST, STATUS, STOP, START or RESTART */
	int vm;			 /* index into the names, or MGMT_PROMPT_ALL_VMS */
};

struct mgmt_prompt_ops {
	/* Text for the terminal, in order ("\r\n" line ends). */
	void (*emit)(void *ctx, const char *text, size_t len);
	/* An accepted command; the caller answers it (mgmt_prompt_reply) and shows the prompt. */
	void (*request)(void *ctx, const struct mgmt_request *req);
	void *ctx;
};

struct mgmt_prompt {
	struct mgmt_prompt_ops ops;
	const char *names[MGMT_PROMPT_MAX_VMS];
	unsigned vm_count;
	char line[MGMT_PROMPT_MAX_LINE];
	size_t len;
	bool overflow;	/* the line went past MGMT_PROMPT_MAX_LINE: refused at its end */
	bool after_cr;	/* an LF right after a CR ends nothing */
	bool line_open; /* the prompt (and what was typed) is on the terminal's line */
};

/* The VMs the prompt knows, by name (kept, not copied); at most MGMT_PROMPT_MAX_VMS. */
void mgmt_prompt_init(struct mgmt_prompt *p, const struct mgmt_prompt_ops *ops,
		      const char *const *names, unsigned vm_count);

/* Terminal input: echoed, edited, and each finished line parsed and handed on. */
void mgmt_prompt_input(struct mgmt_prompt *p, const char *data, size_t len);

/* Shows the prompt and what has been typed of the next line. */
void mgmt_prompt_show(struct mgmt_prompt *p);

/*
 * One line of answer (without its line end), on a line of its own: an
 * answer that comes late, after the prompt is back, first ends that line.
 */
void mgmt_prompt_reply(struct mgmt_prompt *p, const char *text);

/*
 * Parses one line (no line end, printable ASCII): 0 with `req` set, 1 for
 * a blank line, or -1 with the one-line reason in why[0..why_len).
 */
int mgmt_prompt_parse(const struct mgmt_prompt *p, const char *line, size_t len,
		      struct mgmt_request *req, char *why, size_t why_len);

#endif
