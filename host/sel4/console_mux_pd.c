/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console multiplexer protection domain of a system of several VMs on
 * seL4: it alone drives the board UART, and each VM's svmm reaches it
 * through that VM's console queue (host/sel4/console_queue.h) and a channel
 * (config/sdf.c). The framing and switching are core/console_mux.c's, the
 * same as on Linux: "[name] " at the start of each VM's lines, input to one
 * VM at a time, Ctrl-A then the VM's number (1..9, in the description's
 * order) to switch. It prints one line for each change of a VM's state and
 * one when every VM is off. A VM with "console": "none" neither prints nor
 * takes input.
 *
 * With "management": true, Ctrl-A m gives the management PD's prompt
 * (host/sel4/mgmt_pd.c): it is one more console queue, whose input is what
 * is typed while it is selected and whose output is framed as "[mgmt] ".
 *
 * Channels: the UART's interrupt is 0, VM i's queue i + 1, the management
 * PD's 10. The VMs' names (and "none" after a VM without a console) are
 * packaged into the image by host/sel4/console_names.S, one a line
 * (host/sel4/vm_names.h).
 */
#include <stdbool.h>
#include <stdint.h>

#include <microkit.h>

#include "core/console_mux.h"
#include "core/string.h"
#include "host/sel4/board_uart.h"
#include "host/sel4/console_queue.h"
#include "host/sel4/vm_names.h"

/* Patched by the microkit tool (config/sdf.h); the other queues follow the first. */
__attribute__((section(".data"))) uintptr_t uart_vaddr = 0;
__attribute__((section(".data"))) uintptr_t console_queues_vaddr = 0;
/* The management PD's queue; 0: the system has none. */
__attribute__((section(".data"))) uintptr_t mgmt_queue_vaddr = 0;

extern const char svmm_console_names_start[], svmm_console_names_end[];

#define UART_CHANNEL	 0  /* config/sdf.c: .mux_uart_channel_id */
#define FIRST_VM_CHANNEL 1  /* .mux_first_vm_channel_id */
#define MGMT_CHANNEL	 10 /* .mux_mgmt_channel_id */
#define NAME_MAX_LEN	 64
#define OUTPUT_CHUNK	 256
#define MGMT_NAME	 "mgmt"
#define KEY_REDRAW	 0x0c /* Ctrl-L: the management prompt shows itself again */

/* A VM's console, or (at CONSOLE_MUX_MANAGEMENT) the management prompt's. */
struct mux_vm {
	char name[NAME_MAX_LEN + 1];
	bool quiet; /* "console": "none" */
	bool attached;
	struct conq queue;
	enum conq_vm_state reported; /* 0 until the first report */
};

struct mux_pd {
	struct board_uart uart;
	struct console_mux mux;
	unsigned vm_count;
	struct mux_vm vms[CONSOLE_MUX_MAX_VMS + 1];
	bool all_off_reported;
};

static microkit_channel channel_of(unsigned index)
{
	return index == CONSOLE_MUX_MANAGEMENT ? MGMT_CHANNEL : FIRST_VM_CHANNEL + index;
}

static uintptr_t queue_of(unsigned index)
{
	return index == CONSOLE_MUX_MANAGEMENT ? mgmt_queue_vaddr
					       : console_queues_vaddr + index * CONQ_REGION_SIZE;
}

/* Microkit's entry points take no context: the one object they reach. */
static struct mux_pd the_mux;

static void mux_emit(void *ctx, const uint8_t *data, size_t len)
{
	struct mux_pd *m = ctx;

	board_uart_write(&m->uart, data, len);
}

static void mux_deliver(void *ctx, unsigned vm, const uint8_t *data, size_t len)
{
	struct mux_pd *m = ctx;
	struct mux_vm *target = &m->vms[vm];

	/* Input for a VM whose svmm has not set up its queue yet is lost, as on a line. */
	if (!target->attached || target->quiet)
		return;
	conq_write_input(&target->queue, data, len);
	microkit_notify(channel_of(vm));
}

/* "console: [name: ]text", as one notice. */
static void mux_notice(struct mux_pd *m, const char *name, const char *text)
{
	char line[NAME_MAX_LEN + 80];
	size_t n = 0;
	const char *parts[] = {"console: ", name, name != NULL ? ": " : NULL, text};

	for (unsigned p = 0; p < 4; p++) {
		size_t len = parts[p] != NULL ? strlen(parts[p]) : 0;

		if (len > sizeof(line) - 1 - n)
			len = sizeof(line) - 1 - n;
		memcpy(line + n, parts[p], len);
		n += len;
	}
	line[n] = '\0';
	console_mux_notice(&m->mux, line);
}

static void mux_selected(void *ctx, unsigned vm, bool accepted)
{
	struct mux_pd *m = ctx;
	static const uint8_t redraw = KEY_REDRAW;

	mux_notice(m, m->vms[vm].name, accepted ? "input goes here" : "takes no input");
	/* The notice ended the terminal's line: the prompt shows on a line of its own. */
	if (vm == CONSOLE_MUX_MANAGEMENT)
		mux_deliver(m, vm, &redraw, 1);
}

static void mux_quit(void *ctx)
{
	/* Nothing on seL4 can end QEMU or the system; say so rather than ignore the key. */
	mux_notice(ctx, NULL, "Ctrl-A x: the VMs cannot be stopped from here");
}

static const struct console_mux_ops mux_ops = {
    .emit = mux_emit,
    .deliver = mux_deliver,
    .selected = mux_selected,
    .quit = mux_quit,
    .ctx = &the_mux,
};

/* The packaged names: host/sel4/vm_names.h. */
static void read_names(struct mux_pd *m)
{
	struct vm_name names[CONSOLE_MUX_MAX_VMS];

	m->vm_count = vm_names_read(svmm_console_names_start,
				    (size_t)(svmm_console_names_end - svmm_console_names_start),
				    names, CONSOLE_MUX_MAX_VMS);
	for (unsigned i = 0; i < m->vm_count; i++) {
		memcpy(m->vms[i].name, names[i].name, sizeof(names[i].name));
		m->vms[i].quiet = names[i].quiet;
	}
}

static const char *state_text(enum conq_vm_state state)
{
	switch (state) {
	case CONQ_STATE_BOOTING:
		return "booting";
	case CONQ_STATE_RUNNING:
		return "running";
	case CONQ_STATE_REBOOTING:
		return "rebooting";
	case CONQ_STATE_STOPPED:
		return "stopped";
	}
	return "in an unknown state";
}

/* VM `index` notified: its output, then any change of its state. */
static void serve_vm(struct mux_pd *m, unsigned index)
{
	struct mux_vm *vm = &m->vms[index];
	uint8_t chunk[OUTPUT_CHUNK];
	enum conq_vm_state state;
	bool all_off = true;
	size_t n;

	if (!vm->attached)
		vm->attached =
		    conq_server_attach(&vm->queue, (void *)queue_of(index), CONQ_REGION_SIZE) == 0;
	if (!vm->attached)
		return;
	while ((n = conq_read_output(&vm->queue, chunk, sizeof(chunk))) > 0) {
		if (!vm->quiet)
			console_mux_output(&m->mux, index, chunk, n);
	}
	/* The management prompt has no state of a VM's to report. */
	if (index == CONSOLE_MUX_MANAGEMENT)
		return;
	state = conq_state(&vm->queue);
	if (state == vm->reported)
		return;
	vm->reported = state;
	mux_notice(m, vm->name, state_text(state));
	console_mux_set_takes_input(&m->mux, index, !vm->quiet && state != CONQ_STATE_STOPPED);
	for (unsigned i = 0; i < m->vm_count; i++)
		all_off = all_off && m->vms[i].reported == CONQ_STATE_STOPPED;
	if (all_off && !m->all_off_reported)
		mux_notice(m, NULL, "every VM is off");
	m->all_off_reported = all_off;
}

void init(void)
{
	struct mux_pd *m = &the_mux;
	const char *names[CONSOLE_MUX_MAX_VMS];
	bool takes_input[CONSOLE_MUX_MAX_VMS];

	board_uart_init(&m->uart, uart_vaddr);
	read_names(m);
	for (unsigned i = 0; i < m->vm_count; i++) {
		names[i] = m->vms[i].name;
		takes_input[i] = !m->vms[i].quiet;
	}
	if (console_mux_init(&m->mux, &mux_ops, m->vm_count, names, takes_input) < 0) {
		board_uart_write(&m->uart, (const uint8_t *)"console: no VMs packaged\r\n", 26);
		return;
	}
	if (mgmt_queue_vaddr == 0) {
		mux_notice(m, NULL, "Ctrl-A 1..9 switches the console's input between the VMs");
		return;
	}
	memcpy(m->vms[CONSOLE_MUX_MANAGEMENT].name, MGMT_NAME, sizeof(MGMT_NAME));
	console_mux_add_management(&m->mux, m->vms[CONSOLE_MUX_MANAGEMENT].name);
	mux_notice(m, NULL,
		   "Ctrl-A 1..9 switches the console's input between the VMs, Ctrl-A m to the "
		   "management prompt (list, status, stop, start, restart)");
}

void notified(microkit_channel ch)
{
	struct mux_pd *m = &the_mux;

	if (ch == UART_CHANNEL) {
		uint8_t bytes[32];
		size_t n = board_uart_read(&m->uart, bytes, sizeof(bytes));

		if (m->vm_count > 0)
			console_mux_input(&m->mux, bytes, n);
		microkit_irq_ack(ch);
	} else if (ch >= FIRST_VM_CHANNEL && ch - FIRST_VM_CHANNEL < m->vm_count) {
		serve_vm(m, ch - FIRST_VM_CHANNEL);
	} else if (ch == MGMT_CHANNEL && mgmt_queue_vaddr != 0) {
		serve_vm(m, CONSOLE_MUX_MANAGEMENT);
	}
}
