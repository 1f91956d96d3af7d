/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seL4 management prompt (host/sel4/mgmt_prompt.c) and the command
 * words it shares with the control API (core/vm_command.c): each command
 * accepted with its VM, and hostile lines (unknown words, unknown or
 * malformed VM names, too many words, overlong lines, control bytes, NULs,
 * bytes above ASCII) refused with one "error:" line and no request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/vm_command.h"
#include "host/sel4/mgmt_prompt.h"
#include "host/sel4/vm_names.h"

struct screen {
	char text[8192];
	size_t len;
	struct mgmt_request requests[16];
	unsigned request_count;
};

static void screen_emit(void *ctx, const char *text, size_t len)
{
	struct screen *s = ctx;

	assert_true(s->len + len < sizeof(s->text));
	memcpy(s->text + s->len, text, len);
	s->len += len;
	s->text[s->len] = '\0';
}

static void screen_request(void *ctx, const struct mgmt_request *req)
{
	struct screen *s = ctx;

	assert_true(s->request_count < 16);
	s->requests[s->request_count++] = *req;
}

static const char *const names[] = {"a", "vm-b.2_x"};

static void setup(struct mgmt_prompt *p, struct screen *s)
{
	const struct mgmt_prompt_ops ops = {
	    .emit = screen_emit, .request = screen_request, .ctx = s};

	memset(s, 0, sizeof(*s));
	mgmt_prompt_init(p, &ops, names, 2);
}

static void type(struct mgmt_prompt *p, const char *text)
{
	mgmt_prompt_input(p, text, strlen(text));
}

static unsigned count_lines_with(const char *text, const char *needle)
{
	unsigned n = 0;

	for (const char *at = strstr(text, needle); at != NULL; at = strstr(at + 1, needle))
		n++;
	return n;
}

static void test_vm_command_words(void **state)
{
	enum vm_command command;

	(void)state;
	for (unsigned i = 0; i < VM_COMMAND_COUNT; i++) {
		const char *name = vm_command_name((enum vm_command)i);

		assert_true(vm_command_lookup(name, strlen(name), &command));
		assert_int_equal(command, i);
	}
	assert_false(vm_command_lookup("stat", 4, &command));
	assert_false(vm_command_lookup("status\0x", 8, &command));
	assert_false(vm_command_lookup("STOP", 4, &command));
	assert_false(vm_command_lookup("", 0, &command));
	assert_string_equal(vm_command_name((enum vm_command)99), "unknown");
	assert_true(vm_command_name_valid("a.b_c-9", 7));
	assert_false(vm_command_name_valid("", 0));
	assert_false(vm_command_name_valid("a/b", 3));
	assert_false(vm_command_name_valid("a\0b", 3));
	assert_true(vm_command_name_valid(
	    "0123456789012345678901234567890123456789012345678901234567890123", 64));
	assert_false(vm_command_name_valid(
	    "01234567890123456789012345678901234567890123456789012345678901234", 65));
	assert_null(vm_command_check_name(VM_COMMAND_STOP, false, false));
	assert_non_null(vm_command_check_name(VM_COMMAND_STOP, false, true));
	assert_null(vm_command_check_name(VM_COMMAND_STATUS, false, true));
	assert_non_null(vm_command_check_name(VM_COMMAND_START, false, false));
	assert_non_null(vm_command_check_name(VM_COMMAND_LIST, true, true));
}

static void test_commands_accepted(void **state)
{
	static const struct {
		const char *line;
		enum vm_command command;
		int vm;
	} cases[] = {
	    {"list\r", VM_COMMAND_LIST, MGMT_PROMPT_ALL_VMS},
	    {"status\r", VM_COMMAND_LIST, MGMT_PROMPT_ALL_VMS},
	    {"status a\r", VM_COMMAND_STATUS, 0},
	    {"  stop\t vm-b.2_x  \r\n", VM_COMMAND_STOP, 1},
	    {"start a\n", VM_COMMAND_START, 0},
	    {"restart vm-b.2_x\r", VM_COMMAND_RESTART, 1},
	};
	struct mgmt_prompt p;
	struct screen s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(&p, &s);
		type(&p, cases[i].line);
		assert_int_equal(s.request_count, 1);
		assert_int_equal(s.requests[0].command, cases[i].command);
		assert_int_equal(s.requests[0].vm, cases[i].vm);
		assert_null(strstr(s.text, "error"));
	}
}

/* Each hostile line: exactly one error line, the prompt again, no request. */
static void expect_refused(const char *line, const char *reason)
{
	struct mgmt_prompt p;
	struct screen s;

	setup(&p, &s);
	type(&p, line);
	type(&p, "\r");
	if (s.request_count != 0 || count_lines_with(s.text, "error: ") != 1 ||
	    strstr(s.text, reason) == NULL) {
		fprintf(stderr, "line \"%s\": screen \"%s\"\n", line, s.text);
		fail();
	}
	assert_non_null(strstr(s.text, "\r\n" MGMT_PROMPT_TEXT));
}

static void test_hostile_lines_refused(void **state)
{
	char longest[MGMT_PROMPT_MAX_LINE + 1], overlong[600];

	(void)state;
	expect_refused("reboot a", "unknown command");
	expect_refused("pause a", "unknown command");
	expect_refused("metrics", "unknown command");
	expect_refused("Stop a", "unknown command");
	expect_refused("stop", "stop: needs a VM name");
	expect_refused("restart", "restart: needs a VM name");
	expect_refused("start", "start: needs a VM name");
	expect_refused("list a", "list: takes no VM name");
	expect_refused("stop c", "no VM named \"c\"");
	expect_refused("stop A", "no VM named \"A\"");
	expect_refused("stop a b", "too many words");
	expect_refused("stop ../a", "not a VM name");
	expect_refused("stop a\"b", "not a VM name");
	expect_refused("status "
		       "01234567890123456789012345678901234567890123456789012345678901234",
		       "not a VM name");
	memset(overlong, 'x', sizeof(overlong) - 1);
	overlong[sizeof(overlong) - 1] = '\0';
	expect_refused(overlong, "line longer than 80 characters");
	/* At the limit the line is taken (and refused only for what it says). */
	memset(longest, 'y', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	expect_refused(longest, "unknown command");
}

/* Control bytes, NULs and bytes above ASCII are dropped, never kept or echoed. */
static void test_control_bytes_dropped(void **state)
{
	static const char noisy[] = "st\x00op\x1b[A \xff\x80"
				    "a\x07";
	struct mgmt_prompt p;
	struct screen s;

	(void)state;
	setup(&p, &s);
	mgmt_prompt_input(&p, noisy, sizeof(noisy) - 1);
	assert_string_equal(s.text, "stop[A a");
	type(&p, "\r");
	/* "stop[A a": an unknown command, refused like any other. */
	assert_int_equal(s.request_count, 0);
	assert_int_equal(count_lines_with(s.text, "error: "), 1);
	setup(&p, &s);
	mgmt_prompt_input(&p,
			  "st\x00op \x01"
			  "a\r",
			  9);
	assert_int_equal(s.request_count, 1);
	assert_int_equal(s.requests[0].command, VM_COMMAND_STOP);
}

static void test_editing(void **state)
{
	struct mgmt_prompt p;
	struct screen s;
	char many[300];

	(void)state;
	setup(&p, &s);
	type(&p, "stpo\b\bop a\r");
	assert_int_equal(s.request_count, 1);
	assert_int_equal(s.requests[0].command, VM_COMMAND_STOP);
	assert_non_null(strstr(s.text, "\b \b"));
	/* More backspaces than characters: nothing below the prompt is erased. */
	setup(&p, &s);
	memset(many, 0x7f, sizeof(many));
	mgmt_prompt_input(&p, many, sizeof(many));
	assert_int_equal(s.len, 0);
	type(&p, "list\r");
	assert_int_equal(s.request_count, 1);
	/* Blank lines: the prompt again, no error, no request; CR LF is one line end. */
	setup(&p, &s);
	type(&p, "\r\n\r\n  \t\r");
	assert_int_equal(s.request_count, 0);
	assert_null(strstr(s.text, "error"));
	assert_int_equal(count_lines_with(s.text, MGMT_PROMPT_TEXT), 3);
	/* An overlong line is refused whole, and the next one is fine. */
	setup(&p, &s);
	memset(many, 'z', sizeof(many));
	mgmt_prompt_input(&p, many, sizeof(many));
	type(&p, "\b\b\rrestart a\r");
	assert_int_equal(count_lines_with(s.text, "error: line longer"), 1);
	assert_int_equal(s.request_count, 1);
	assert_int_equal(s.requests[0].command, VM_COMMAND_RESTART);
	mgmt_prompt_reply(&p, "a: restarted");
	assert_non_null(strstr(s.text, "a: restarted\r\n"));
	/* Ctrl-L: the prompt and the unfinished line again, nothing sent. */
	setup(&p, &s);
	type(&p, "sta\x0c");
	assert_string_equal(s.text, "sta" MGMT_PROMPT_TEXT "sta");
	type(&p, "tus a\r");
	assert_int_equal(s.request_count, 1);
	assert_int_equal(s.requests[0].command, VM_COMMAND_STATUS);
	/* A late answer, after the prompt is back and half a line typed: on its own line. */
	setup(&p, &s);
	mgmt_prompt_show(&p);
	type(&p, "li");
	mgmt_prompt_reply(&p, "a: stopped");
	mgmt_prompt_show(&p);
	assert_string_equal(s.text, MGMT_PROMPT_TEXT "li\r\na: stopped\r\n" MGMT_PROMPT_TEXT "li");
	type(&p, "st\r");
	assert_int_equal(s.request_count, 1);
	assert_int_equal(s.requests[0].command, VM_COMMAND_LIST);
}

/* The packaged name list the multiplexer and the management PD share. */
static void test_vm_names(void **state)
{
	static const char list[] = "a\nb none\n\nc";
	char overlong[100];
	struct vm_name read[3];

	(void)state;
	assert_int_equal(vm_names_read(list, sizeof(list) - 1, read, 3), 3);
	assert_string_equal(read[0].name, "a");
	assert_false(read[0].quiet);
	assert_string_equal(read[1].name, "b");
	assert_true(read[1].quiet);
	assert_string_equal(read[2].name, "c");
	assert_int_equal(vm_names_read(list, sizeof(list) - 1, read, 2), 2);
	assert_int_equal(vm_names_read("", 0, read, 3), 0);
	memset(overlong, 'n', sizeof(overlong));
	assert_int_equal(vm_names_read(overlong, sizeof(overlong), read, 3), 1);
	assert_int_equal(strlen(read[0].name), VM_COMMAND_NAME_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vm_command_words),
	    cmocka_unit_test(test_commands_accepted),
	    cmocka_unit_test(test_hostile_lines_refused),
	    cmocka_unit_test(test_control_bytes_dropped),
	    cmocka_unit_test(test_editing),
	    cmocka_unit_test(test_vm_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
