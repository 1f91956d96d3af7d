/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The management protection domain of a system with "management": true:
 * the prompt the console multiplexer gives after Ctrl-A m
 * (host/sel4/mgmt_prompt.h: list, status, stop, start, restart), and the
 * go-between to each VM's svmm (host/sel4/mgmt_protocol.h).
 *
 * What it holds (config/sdf.c, plan_mgmt): one console queue shared with
 * the multiplexer, which carries the prompt's text both ways, and one
 * channel to each svmm. No VM's memory, no device, no irq, no capability
 * to a VM's threads: a request is a notification to that VM's svmm, which
 * takes it by calling here, carries it out if its lifecycle table allows
 * (core/vm_lifecycle.c) and reports the outcome by calling again. So a
 * broken or hostile management PD can at worst stop, start or restart VMs.
 *
 * Channels: the multiplexer is 0, VM i's svmm 1 + i. The VMs' names are
 * the multiplexer's list (host/sel4/vm_names.h), packaged the same way.
 */
#include <stdbool.h>
#include <stdint.h>

#include <microkit.h>

#include "core/string.h"
#include "core/vm_command.h"
#include "core/vm_lifecycle.h"
#include "host/sel4/console_queue.h"
#include "host/sel4/format.h"
#include "host/sel4/mgmt_prompt.h"
#include "host/sel4/mgmt_protocol.h"
#include "host/sel4/vm_names.h"

/* Patched by the microkit tool (config/sdf.h): the queue to the multiplexer. */
__attribute__((section(".data"))) uintptr_t console_queue_vaddr = 0;

extern const char svmm_console_names_start[], svmm_console_names_end[];

#define CONSOLE_CHANNEL	 0 /* config/sdf_board.c: .mgmt_console_channel_id */
#define FIRST_VM_CHANNEL 1 /* .mgmt_first_vm_channel_id */

/* What the management PD knows of one VM: what its svmm last reported. */
struct mgmt_vm {
	struct vm_name name;
	bool reported; /* a report has come */
	enum vm_state state;
	uint64_t boots, uptime_ms, cpus, ram_mib;
	enum mgmt_request_code pending;	  /* waiting for svmm to take it */
	enum mgmt_request_code in_flight; /* taken, its outcome not reported yet */
};

struct mgmt_pd {
	struct conq console;
	bool console_ready;
	struct mgmt_prompt prompt;
	unsigned vm_count;
	struct mgmt_vm vms[MGMT_PROMPT_MAX_VMS];
};

/* Microkit's entry points take no context: the one object they reach. */
static struct mgmt_pd the_mgmt;

static void console_emit(void *ctx, const char *text, size_t len)
{
	struct mgmt_pd *m = ctx;

	if (!m->console_ready)
		return;
	conq_write_output(&m->console, (const uint8_t *)text, len);
	microkit_notify(CONSOLE_CHANNEL);
}

static void reply_line(struct mgmt_pd *m, const char *fmt, const char *name, const char *detail)
{
	char line[160];

	sel4_format(line, sizeof(line), fmt, name, detail);
	mgmt_prompt_reply(&m->prompt, line);
}

static const char *state_text(const struct mgmt_vm *vm)
{
	return vm->reported ? vm_state_name(vm->state) : "not reported yet";
}

static void list_vms(struct mgmt_pd *m)
{
	for (unsigned i = 0; i < m->vm_count; i++)
		reply_line(m, "%s: %s", m->vms[i].name.name, state_text(&m->vms[i]));
}

static enum mgmt_request_code request_code(enum vm_command command)
{
	switch (command) {
	case VM_COMMAND_STOP:
		return MGMT_REQUEST_STOP;
	case VM_COMMAND_START:
		return MGMT_REQUEST_START;
	case VM_COMMAND_RESTART:
		return MGMT_REQUEST_RESTART;
	default:
		return MGMT_REQUEST_STATUS;
	}
}

/* An accepted command: answered here (list), or passed to the VM's svmm. */
static void on_request(void *ctx, const struct mgmt_request *req)
{
	struct mgmt_pd *m = ctx;
	struct mgmt_vm *vm;

	if (req->vm == MGMT_PROMPT_ALL_VMS) {
		list_vms(m);
		mgmt_prompt_show(&m->prompt);
		return;
	}
	vm = &m->vms[req->vm];
	if (vm->pending != MGMT_REQUEST_NONE || vm->in_flight != MGMT_REQUEST_NONE) {
		reply_line(m, "error: %s: an earlier request is not answered yet%s", vm->name.name,
			   "");
		mgmt_prompt_show(&m->prompt);
		return;
	}
	vm->pending = request_code(req->command);
	/* The prompt comes back with the answer (report_done). */
	microkit_notify(FIRST_VM_CHANNEL + (unsigned)req->vm);
}

/* Why svmm refused `code` in `state`: the lifecycle table's own words. */
static const char *refusal(enum mgmt_request_code code, enum vm_state state)
{
	struct vm_lifecycle lc = {.state = state};
	enum vm_action action = code == MGMT_REQUEST_STOP    ? VM_ACTION_HARD_STOP
				: code == MGMT_REQUEST_START ? VM_ACTION_START
							     : VM_ACTION_RESET;
	struct vm_decision d = vm_lifecycle_request(&lc, action);

	return d.effect == VM_EFFECT_REFUSED ? d.why : "refused";
}

/* svmm carried out `code` with `result`: the answer, then the prompt. */
static void report_done(struct mgmt_pd *m, struct mgmt_vm *vm, enum mgmt_request_code code,
			enum mgmt_result result)
{
	static const char *const done[] = {
	    [MGMT_REQUEST_STOP] = "stopped",
	    [MGMT_REQUEST_START] = "started",
	    [MGMT_REQUEST_RESTART] = "restarted",
	};
	char line[160];

	if (result == MGMT_RESULT_REFUSED) {
		reply_line(m, "error: %s: %s", vm->name.name, refusal(code, vm->state));
	} else if (result != MGMT_RESULT_DONE) {
		reply_line(m, "error: %s: %s", vm->name.name,
			   "the guest was not booted (svmm's line above says why)");
	} else if (code == MGMT_REQUEST_STATUS) {
		sel4_format(
		    line, sizeof(line), "%s: %s, boot %llu, up %llu s, %llu vCPU%s, %llu MiB",
		    vm->name.name, state_text(vm), (unsigned long long)vm->boots,
		    (unsigned long long)(vm->uptime_ms / 1000), (unsigned long long)vm->cpus,
		    vm->cpus == 1 ? "" : "s", (unsigned long long)vm->ram_mib);
		mgmt_prompt_reply(&m->prompt, line);
	} else {
		reply_line(m, "%s: %s", vm->name.name, done[code]);
	}
	mgmt_prompt_show(&m->prompt);
}

static void take_report(struct mgmt_pd *m, struct mgmt_vm *vm)
{
	enum mgmt_request_code done = (enum mgmt_request_code)microkit_mr_get(5);
	enum mgmt_result result = (enum mgmt_result)microkit_mr_get(6);
	uint64_t state = microkit_mr_get(0);

	/* svmm is trusted no further than to report numbers: an odd state is shown as unknown. */
	vm->state = state <= VM_STATE_STOPPED ? (enum vm_state)state : VM_STATE_STOPPED;
	vm->reported = state <= VM_STATE_STOPPED;
	vm->boots = microkit_mr_get(1);
	vm->uptime_ms = microkit_mr_get(2);
	vm->cpus = microkit_mr_get(3);
	vm->ram_mib = microkit_mr_get(4);
	if (done == MGMT_REQUEST_NONE || done != vm->in_flight)
		return;
	vm->in_flight = MGMT_REQUEST_NONE;
	report_done(m, vm, done, result);
}

void init(void)
{
	struct mgmt_pd *m = &the_mgmt;
	struct vm_name names[MGMT_PROMPT_MAX_VMS];
	const char *prompt_names[MGMT_PROMPT_MAX_VMS];
	const struct mgmt_prompt_ops ops = {.emit = console_emit, .request = on_request, .ctx = m};

	m->console_ready =
	    conq_client_init(&m->console, (void *)console_queue_vaddr, CONQ_REGION_SIZE) == 0;
	m->vm_count = vm_names_read(svmm_console_names_start,
				    (size_t)(svmm_console_names_end - svmm_console_names_start),
				    names, MGMT_PROMPT_MAX_VMS);
	for (unsigned i = 0; i < m->vm_count; i++) {
		m->vms[i].name = names[i];
		prompt_names[i] = m->vms[i].name.name;
	}
	mgmt_prompt_init(&m->prompt, &ops, prompt_names, m->vm_count);
	/* The multiplexer attaches to the queue when first notified. */
	if (m->console_ready)
		microkit_notify(CONSOLE_CHANNEL);
}

void notified(microkit_channel ch)
{
	struct mgmt_pd *m = &the_mgmt;
	char bytes[64];
	size_t n;

	if (ch != CONSOLE_CHANNEL || !m->console_ready)
		return;
	while ((n = conq_read_input(&m->console, (uint8_t *)bytes, sizeof(bytes))) > 0)
		mgmt_prompt_input(&m->prompt, bytes, n);
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
	struct mgmt_pd *m = &the_mgmt;
	struct mgmt_vm *vm;
	enum mgmt_request_code code;

	if (ch < FIRST_VM_CHANNEL || ch - FIRST_VM_CHANNEL >= m->vm_count)
		return microkit_msginfo_new(0, 0);
	vm = &m->vms[ch - FIRST_VM_CHANNEL];
	switch (microkit_msginfo_get_label(msginfo)) {
	case MGMT_CALL_REPORT:
		if (microkit_msginfo_get_count(msginfo) >= MGMT_REPORT_WORDS)
			take_report(m, vm);
		return microkit_msginfo_new(0, 0);
	case MGMT_CALL_TAKE:
		code = vm->pending;
		vm->pending = MGMT_REQUEST_NONE;
		if (code != MGMT_REQUEST_NONE)
			vm->in_flight = code;
		return microkit_msginfo_new(code, 0);
	default:
		return microkit_msginfo_new(0, 0);
	}
}
