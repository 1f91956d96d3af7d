/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console multiplexer: output framed with each VM's name at line
 * starts, lines never mixed between VMs, and input switched between VMs by
 * Ctrl-A escapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/console_mux.h"

struct recorder {
	char terminal[1024];
	size_t terminal_len;
	char delivered[CONSOLE_MUX_MAX_VMS + 1][256]; /* per VM, the management prompt's last */
	size_t delivered_len[CONSOLE_MUX_MAX_VMS + 1];
	int selected_vm;
	bool selected_accepted;
	unsigned selections;
	unsigned quits;
};

static void rec_emit(void *ctx, const uint8_t *data, size_t len)
{
	struct recorder *rec = ctx;

	assert_true(len > 0); /* no empty runs */
	assert_true(rec->terminal_len + len < sizeof(rec->terminal));
	memcpy(rec->terminal + rec->terminal_len, data, len);
	rec->terminal_len += len;
}

static void rec_deliver(void *ctx, unsigned vm, const uint8_t *data, size_t len)
{
	struct recorder *rec = ctx;

	assert_true(vm < 3 || vm == CONSOLE_MUX_MANAGEMENT);
	assert_true(len > 0);
	memcpy(rec->delivered[vm] + rec->delivered_len[vm], data, len);
	rec->delivered_len[vm] += len;
}

static void rec_selected(void *ctx, unsigned vm, bool accepted)
{
	struct recorder *rec = ctx;

	rec->selected_vm = (int)vm;
	rec->selected_accepted = accepted;
	rec->selections++;
}

static void rec_quit(void *ctx)
{
	struct recorder *rec = ctx;

	rec->quits++;
}

static const char *const names[] = {"a", "web", "c"};

static void setup_mux(struct console_mux *mux, struct recorder *rec, unsigned count,
		      const bool *takes_input)
{
	struct console_mux_ops ops = {.emit = rec_emit,
				      .deliver = rec_deliver,
				      .selected = rec_selected,
				      .quit = rec_quit,
				      .ctx = rec};
	static const bool all[] = {true, true, true};

	memset(rec, 0, sizeof(*rec));
	rec->selected_vm = -1;
	assert_int_equal(console_mux_init(mux, &ops, count, names, takes_input ? takes_input : all),
			 0);
}

static void out(struct console_mux *mux, unsigned vm, const char *text)
{
	console_mux_output(mux, vm, (const uint8_t *)text, strlen(text));
}

static void in(struct console_mux *mux, const char *text, size_t len)
{
	console_mux_input(mux, (const uint8_t *)text, len);
}

static void assert_terminal(const struct recorder *rec, const char *expected)
{
	char got[sizeof(rec->terminal) + 1];

	memcpy(got, rec->terminal, rec->terminal_len);
	got[rec->terminal_len] = '\0';
	assert_string_equal(got, expected);
}

static void test_init_refuses_bad_counts(void **state)
{
	struct console_mux mux;
	struct console_mux_ops ops = {0};
	bool takes[CONSOLE_MUX_MAX_VMS + 1] = {0};
	const char *many[CONSOLE_MUX_MAX_VMS + 1] = {0};

	(void)state;
	assert_int_equal(console_mux_init(&mux, &ops, 0, many, takes), -1);
	assert_int_equal(console_mux_init(&mux, &ops, CONSOLE_MUX_MAX_VMS + 1, many, takes), -1);
}

static void test_every_line_gets_its_vms_name(void **state)
{
	struct console_mux mux;
	struct recorder rec;

	(void)state;
	setup_mux(&mux, &rec, 2, NULL);
	out(&mux, 0, "one\r\ntwo\r\n");
	out(&mux, 1, "three\r\n");
	out(&mux, 0, "\r\n");
	assert_terminal(&rec, "[a] one\r\n[a] two\r\n[web] three\r\n[a] \r\n");
}

static void test_a_line_in_pieces_keeps_one_prefix(void **state)
{
	struct console_mux mux;
	struct recorder rec;

	(void)state;
	setup_mux(&mux, &rec, 2, NULL);
	out(&mux, 1, "lo");
	out(&mux, 1, "gin: ");
	out(&mux, 1, "root\r");
	out(&mux, 1, "\n");
	assert_terminal(&rec, "[web] login: root\r\n");
}

static void test_another_vm_ends_an_open_line_first(void **state)
{
	struct console_mux mux;
	struct recorder rec;

	(void)state;
	setup_mux(&mux, &rec, 3, NULL);
	out(&mux, 0, "# ");
	out(&mux, 2, "boot\r\n");
	out(&mux, 0, "ls\r\n");
	assert_terminal(&rec, "[a] # \r\n[c] boot\r\n[a] ls\r\n");
}

static void test_notices_stand_on_their_own_line(void **state)
{
	struct console_mux mux;
	struct recorder rec;

	(void)state;
	setup_mux(&mux, &rec, 2, NULL);
	console_mux_notice(&mux, "svmm: vm a: started");
	out(&mux, 0, "half");
	console_mux_notice(&mux, "svmm: vm web: stopped");
	out(&mux, 0, " done\r\n");
	assert_terminal(&rec, "svmm: vm a: started\r\n[a] half\r\nsvmm: vm web: stopped\r\n[a]  "
			      "done\r\n");
}

static void test_output_of_an_unknown_vm_is_dropped(void **state)
{
	struct console_mux mux;
	struct recorder rec;

	(void)state;
	setup_mux(&mux, &rec, 2, NULL);
	out(&mux, 2, "ghost\r\n");
	out(&mux, 7, "ghost\r\n");
	assert_int_equal(rec.terminal_len, 0);
}

static void test_input_goes_to_the_first_vm_until_switched(void **state)
{
	struct console_mux mux;
	struct recorder rec;

	(void)state;
	setup_mux(&mux, &rec, 3, NULL);
	in(&mux, "ls\r", 3);
	in(&mux,
	   "ab\x01"
	   "2cd",
	   6);
	in(&mux, "\x01", 1);
	in(&mux, "3", 1);
	in(&mux, "ef", 2);
	assert_int_equal(rec.delivered_len[0], 5);
	assert_memory_equal(rec.delivered[0], "ls\rab", 5);
	assert_int_equal(rec.delivered_len[1], 2);
	assert_memory_equal(rec.delivered[1], "cd", 2);
	assert_int_equal(rec.delivered_len[2], 2);
	assert_memory_equal(rec.delivered[2], "ef", 2);
	assert_int_equal(rec.selections, 2);
	assert_int_equal(rec.selected_vm, 2);
	assert_true(rec.selected_accepted);
	/* Nothing of the escapes reached any VM or the terminal. */
	assert_int_equal(rec.terminal_len, 0);
}

static void test_ctrl_a_twice_sends_one(void **state)
{
	struct console_mux mux;
	struct recorder rec;

	(void)state;
	setup_mux(&mux, &rec, 2, NULL);
	in(&mux, "\x01\x01z", 3);
	assert_int_equal(rec.delivered_len[0], 2);
	assert_memory_equal(rec.delivered[0], "\x01z", 2);
}

static void test_quit_stops_reading(void **state)
{
	struct console_mux mux;
	struct recorder rec;

	(void)state;
	setup_mux(&mux, &rec, 2, NULL);
	in(&mux, "a\x01xb", 4);
	assert_int_equal(rec.quits, 1);
	assert_int_equal(rec.delivered_len[0], 1);
	setup_mux(&mux, &rec, 2, NULL);
	in(&mux, "\x01X", 2);
	assert_int_equal(rec.quits, 1);
}

static void test_unknown_escapes_are_dropped(void **state)
{
	struct console_mux mux;
	struct recorder rec;

	(void)state;
	setup_mux(&mux, &rec, 2, NULL);
	/* 3 is beyond two VMs, 0 is no VM's number, q means nothing. */
	in(&mux,
	   "\x01"
	   "3a\x01"
	   "0b\x01qc",
	   9);
	assert_int_equal(rec.delivered_len[0], 3);
	assert_memory_equal(rec.delivered[0], "abc", 3);
	assert_int_equal(rec.selections, 0);
}

/* Ctrl-A m: the management prompt, where there is one; its output framed like a VM's. */
static void test_management_prompt(void **state)
{
	struct console_mux mux;
	struct recorder rec;

	(void)state;
	setup_mux(&mux, &rec, 2, NULL);
	/* Without one (the Linux supervisor), m is an unknown escape. */
	in(&mux, "\x01mab", 4);
	assert_int_equal(rec.selections, 0);
	assert_memory_equal(rec.delivered[0], "ab", 2);
	out(&mux, CONSOLE_MUX_MANAGEMENT, "nobody\n");
	assert_int_equal(rec.terminal_len, 0);
	console_mux_add_management(&mux, "mgmt");
	in(&mux, "\x01mlist\r\x01Mx", 10);
	assert_int_equal(rec.selections, 2);
	assert_int_equal(rec.selected_vm, CONSOLE_MUX_MANAGEMENT);
	assert_true(rec.selected_accepted);
	assert_int_equal(rec.delivered_len[CONSOLE_MUX_MANAGEMENT], 6);
	assert_memory_equal(rec.delivered[CONSOLE_MUX_MANAGEMENT], "list\rx", 6);
	assert_int_equal(rec.delivered_len[0], 2);
	out(&mux, CONSOLE_MUX_MANAGEMENT, "> li");
	out(&mux, 1, "beat\n");
	out(&mux, CONSOLE_MUX_MANAGEMENT, "st\r\n");
	assert_terminal(&rec, "[mgmt] > li\r\n[web] beat\n[mgmt] st\r\n");
	/* Ctrl-A 2 goes back to a VM. */
	in(&mux,
	   "\x01"
	   "2z",
	   3);
	assert_int_equal(rec.selected_vm, 1);
	assert_memory_equal(rec.delivered[1], "z", 1);
}

static void test_a_vm_without_console_here_cannot_be_selected(void **state)
{
	struct console_mux mux;
	struct recorder rec;
	static const bool takes[] = {false, true, true};

	(void)state;
	setup_mux(&mux, &rec, 3, takes);
	/* The first VM taking input is the one selected at start. */
	in(&mux, "x", 1);
	assert_int_equal(rec.delivered_len[1], 1);
	in(&mux,
	   "\x01"
	   "1y",
	   3);
	assert_int_equal(rec.selected_vm, 0);
	assert_false(rec.selected_accepted);
	assert_int_equal(rec.delivered_len[0], 0);
	assert_int_equal(rec.delivered_len[1], 2);
	/* A VM that stops taking input gets nothing, even while selected. */
	console_mux_set_takes_input(&mux, 1, false);
	in(&mux, "z", 1);
	assert_int_equal(rec.delivered_len[1], 2);
	console_mux_set_takes_input(&mux, 1, true);
	in(&mux, "z", 1);
	assert_int_equal(rec.delivered_len[1], 3);
}

static void test_no_vm_takes_input(void **state)
{
	struct console_mux mux;
	struct recorder rec;
	static const bool none[] = {false, false};

	(void)state;
	setup_mux(&mux, &rec, 2, none);
	in(&mux, "lost", 4);
	assert_int_equal(rec.delivered_len[0] + rec.delivered_len[1], 0);
	out(&mux, 1, "still shown\r\n");
	assert_terminal(&rec, "[web] still shown\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_refuses_bad_counts),
	    cmocka_unit_test(test_every_line_gets_its_vms_name),
	    cmocka_unit_test(test_a_line_in_pieces_keeps_one_prefix),
	    cmocka_unit_test(test_another_vm_ends_an_open_line_first),
	    cmocka_unit_test(test_notices_stand_on_their_own_line),
	    cmocka_unit_test(test_output_of_an_unknown_vm_is_dropped),
	    cmocka_unit_test(test_input_goes_to_the_first_vm_until_switched),
	    cmocka_unit_test(test_ctrl_a_twice_sends_one),
	    cmocka_unit_test(test_quit_stops_reading),
	    cmocka_unit_test(test_unknown_escapes_are_dropped),
	    cmocka_unit_test(test_management_prompt),
	    cmocka_unit_test(test_a_vm_without_console_here_cannot_be_selected),
	    cmocka_unit_test(test_no_vm_takes_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
