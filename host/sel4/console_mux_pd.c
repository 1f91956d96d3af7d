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
 * Channels: the UART's interrupt is 0, VM i's queue i + 1. The VMs' names
 * (and "none" after a VM without a console) are packaged into the image by
 * host/sel4/console_names.S, one a line.
 */
#include <stdbool.h>
#include <stdint.h>

#include <microkit.h>

#include "core/console_mux.h"
#include "core/string.h"
#include "host/sel4/board_uart.h"
#include "host/sel4/console_queue.h"

/* Patched by the microkit tool (config/sdf.h); the other queues follow the first. */
__attribute__((section(".data"))) uintptr_t uart_vaddr = 0;
__attribute__((section(".data"))) uintptr_t console_queues_vaddr = 0;

extern const char svmm_console_names_start[], svmm_console_names_end[];

#define UART_CHANNEL	 0 /* config/sdf.c: .mux_uart_channel_id */
#define FIRST_VM_CHANNEL 1 /* .mux_first_vm_channel_id */
#define NAME_MAX_LEN	 64
#define OUTPUT_CHUNK	 256

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
	struct mux_vm vms[CONSOLE_MUX_MAX_VMS];
	bool all_off_reported;
};

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
	microkit_notify(FIRST_VM_CHANNEL + vm);
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

	mux_notice(m, m->vms[vm].name, accepted ? "input goes here" : "takes no input");
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

/* The packaged names: "name" or "name none", one a line. */
static void read_names(struct mux_pd *m)
{
	const char *p = svmm_console_names_start;

	while (p < svmm_console_names_end && m->vm_count < CONSOLE_MUX_MAX_VMS) {
		struct mux_vm *vm = &m->vms[m->vm_count];
		size_t len = 0;

		while (p + len < svmm_console_names_end && p[len] != '\n' && p[len] != ' ')
			len++;
		if (len > NAME_MAX_LEN)
			len = NAME_MAX_LEN;
		memcpy(vm->name, p, len);
		vm->name[len] = '\0';
		p += len;
		if (p < svmm_console_names_end && *p == ' ') {
			vm->quiet = true;
			while (p < svmm_console_names_end && *p != '\n')
				p++;
		}
		if (p < svmm_console_names_end)
			p++;
		if (len > 0)
			m->vm_count++;
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
		    conq_server_attach(&vm->queue,
				       (void *)(console_queues_vaddr + index * CONQ_REGION_SIZE),
				       CONQ_REGION_SIZE) == 0;
	if (!vm->attached)
		return;
	while ((n = conq_read_output(&vm->queue, chunk, sizeof(chunk))) > 0) {
		if (!vm->quiet)
			console_mux_output(&m->mux, index, chunk, n);
	}
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
	mux_notice(m, NULL, "Ctrl-A 1..9 switches the console's input between the VMs");
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
	}
}
