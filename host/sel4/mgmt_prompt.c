/* SPDX-License-Identifier: Apache-2.0 */
#include "host/sel4/mgmt_prompt.h"

#include "core/string.h"
#include "host/sel4/format.h"

#define KEY_BACKSPACE 0x08
#define KEY_DELETE    0x7f
#define KEY_REDRAW    0x0c /* Ctrl-L */

static const char usage[] = "list, status NAME, stop NAME, start NAME, restart NAME";

void mgmt_prompt_init(struct mgmt_prompt *p, const struct mgmt_prompt_ops *ops,
		      const char *const *names, unsigned vm_count)
{
	memset(p, 0, sizeof(*p));
	p->ops = *ops;
	p->vm_count = vm_count < MGMT_PROMPT_MAX_VMS ? vm_count : MGMT_PROMPT_MAX_VMS;
	for (unsigned i = 0; i < p->vm_count; i++)
		p->names[i] = names[i];
}

static void emit(struct mgmt_prompt *p, const char *text, size_t len)
{
	if (len > 0)
		p->ops.emit(p->ops.ctx, text, len);
}

void mgmt_prompt_show(struct mgmt_prompt *p)
{
	emit(p, MGMT_PROMPT_TEXT, sizeof(MGMT_PROMPT_TEXT) - 1);
	emit(p, p->line, p->overflow ? 0 : p->len);
	p->line_open = true;
}

void mgmt_prompt_reply(struct mgmt_prompt *p, const char *text)
{
	if (p->line_open)
		emit(p, "\r\n", 2);
	emit(p, text, strlen(text));
	emit(p, "\r\n", 2);
	p->line_open = false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next word of line[*at..len): its start and length (0 at the end). */
static size_t next_word(const char *line, size_t len, size_t *at, const char **word)
{
	size_t n = 0;

	while (*at < len && is_blank(line[*at]))
		(*at)++;
	*word = line + *at;
	while (*at < len && !is_blank(line[*at])) {
		(*at)++;
		n++;
	}
	return n;
}

static int find_vm(const struct mgmt_prompt *p, const char *name, size_t len)
{
	for (unsigned i = 0; i < p->vm_count; i++) {
		if (strlen(p->names[i]) == len && memcmp(p->names[i], name, len) == 0)
			return (int)i;
	}
	return -1;
}

/* The prompt's commands: the system's, never a lone VM's pause, resume, reset, metrics. */
static bool prompt_command(enum vm_command command)
{
	return command == VM_COMMAND_LIST || command == VM_COMMAND_STATUS ||
	       command == VM_COMMAND_STOP || command == VM_COMMAND_START ||
	       command == VM_COMMAND_RESTART;
}

int mgmt_prompt_parse(const struct mgmt_prompt *p, const char *line, size_t len,
		      struct mgmt_request *req, char *why, size_t why_len)
{
	const char *word, *name, *extra, *refused;
	size_t at = 0, word_len, name_len;
	enum vm_command command;

	word_len = next_word(line, len, &at, &word);
	if (word_len == 0)
		return 1;
	name_len = next_word(line, len, &at, &name);
	if (next_word(line, len, &at, &extra) != 0) {
		sel4_format(why, why_len, "error: too many words (commands: %s)", usage);
		return -1;
	}
	/* The command is not echoed: it may be anything the line holds. */
	if (!vm_command_lookup(word, word_len, &command) || !prompt_command(command)) {
		sel4_format(why, why_len, "error: unknown command (commands: %s)", usage);
		return -1;
	}
	refused = vm_command_check_name(command, name_len > 0, true);
	if (refused != NULL) {
		sel4_format(why, why_len, "error: %s: %s", vm_command_name(command), refused);
		return -1;
	}
	req->command = command;
	req->vm = MGMT_PROMPT_ALL_VMS;
	if (name_len == 0) {
		req->command = VM_COMMAND_LIST; /* status without a name lists */
		return 0;
	}
	if (!vm_command_name_valid(name, name_len)) {
		sel4_format(why, why_len, "error: %s: not a VM name (1 to %u of A-Z a-z 0-9 . _ -)",
			    vm_command_name(command), VM_COMMAND_NAME_MAX);
		return -1;
	}
	req->vm = find_vm(p, name, name_len);
	if (req->vm < 0) {
		/* A valid name: printable and at most 64 characters, so it may be shown. */
		char shown[VM_COMMAND_NAME_MAX + 1];

		memcpy(shown, name, name_len);
		shown[name_len] = '\0';
		sel4_format(why, why_len, "error: %s: no VM named \"%s\" (list shows them)",
			    vm_command_name(command), shown);
		return -1;
	}
	return 0;
}

/* The line is done: refused, ignored (blank), or handed on. */
static void finish_line(struct mgmt_prompt *p)
{
	struct mgmt_request req;
	char why[160];
	int result;

	emit(p, "\r\n", 2);
	p->line_open = false;
	if (p->overflow) {
		sel4_format(why, sizeof(why), "error: line longer than %u characters",
			    (unsigned)MGMT_PROMPT_MAX_LINE);
		result = -1;
	} else {
		result = mgmt_prompt_parse(p, p->line, p->len, &req, why, sizeof(why));
	}
	p->len = 0;
	p->overflow = false;
	if (result == 0) {
		p->ops.request(p->ops.ctx, &req);
		return;
	}
	if (result < 0)
		mgmt_prompt_reply(p, why);
	mgmt_prompt_show(p);
}

void mgmt_prompt_input(struct mgmt_prompt *p, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		bool after_cr = p->after_cr;

		p->after_cr = c == '\r';
		if (c == '\r' || (c == '\n' && !after_cr)) {
			finish_line(p);
		} else if (c == KEY_REDRAW) {
			mgmt_prompt_show(p);
		} else if (c == KEY_BACKSPACE || c == KEY_DELETE) {
			if (p->len > 0 && !p->overflow) {
				p->len--;
				emit(p, "\b \b", 3);
			}
		} else if (c >= 0x20 && c < 0x7f) {
			/* Past the limit nothing is kept or echoed; the line is refused at its end.
			 */
			if (p->len < sizeof(p->line)) {
				p->line[p->len++] = c;
				emit(p, &c, 1);
				p->line_open = true;
			} else {
				p->overflow = true;
			}
		}
	}
}
