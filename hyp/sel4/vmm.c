/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svmm as a Microkit protection domain: one svmm per VM. init() assembles
 * the VM's machine (machine/machine.h, as on KVM) from what the build
 * packaged, creates the VM through hyp/hyp.h (hyp/sel4/hyp_sel4.c) and
 * starts it; fault() hands each vCPU exit to the backend; notified() takes
 * board UART input to the guest's console. There are no threads: the three
 * run one at a time, so vm->device_lock stays empty.
 *
 * The host half of the devices: the console is the board UART for a lone VM,
 * or in a system of several VMs a console queue to the multiplexer PD
 * (host/sel4/console_queue.h), which shares the UART among them; a disk is an
 * sDDF block client (host/sel4/sddf_blk_client.h) of the VM's block driver
 * protection domain (host/sel4/blk_driver_pd.c), which drives QEMU's
 * virtio-blk device.
 *
 * In a system with "management", svmm reports each change of its VM's state
 * to the management PD and takes that PD's requests (stop, start, restart,
 * status) when it notifies (host/sel4/mgmt_protocol.h); the lifecycle table
 * (core/vm_lifecycle.c, the control API's on Linux) decides what each is
 * allowed to do.
 */
#include <stdbool.h>
#include <stdint.h>

#include <microkit.h>

#include "arch/aarch64/image.h"
#include "core/errors.h"
#include "core/string.h"
#include "core/timeouts.h"
#include "core/vm.h"
#include "core/vm_lifecycle.h"
#include "host/sel4/sddf_blk_client.h"
#include "host/sel4/board_uart.h"
#include "host/sel4/console_queue.h"
#include "host/sel4/generic_timer.h"
#include "host/sel4/guest_images.h"
#include "host/sel4/log_uart.h"
#include "host/sel4/mgmt_protocol.h"
#include "hyp/sel4/dtb_info.h"
#include "hyp/sel4/hyp_sel4.h"
#include "machine/desc_text.h"
#include "machine/machine.h"

/*
 * Patched by the microkit tool from the SDF (config/sdf.h names them). In
 * .data, not .bss: the tool writes their values into the ELF's file image.
 */
__attribute__((section(".data"))) uintptr_t guest_ram_vaddr = 0;
__attribute__((section(".data"))) size_t guest_ram_size = 0;
__attribute__((section(".data"))) uintptr_t uart_vaddr = 0; /* 0: the console is multiplexed */
/* The console queue to the multiplexer; 0 when svmm drives the UART. */
__attribute__((section(".data"))) uintptr_t console_queue_vaddr = 0;
/* The sDDF block queue's regions to the block driver; 0 when the VM has no disk. */
__attribute__((section(".data"))) uintptr_t blk_storage_info_vaddr = 0;
__attribute__((section(".data"))) uintptr_t blk_req_queue_vaddr = 0;
__attribute__((section(".data"))) uintptr_t blk_resp_queue_vaddr = 0;
__attribute__((section(".data"))) uintptr_t blk_data_vaddr = 0;
__attribute__((section(".data"))) size_t blk_data_size = 0;

#define UART_CHANNEL	1 /* config/sdf.c: sdf_params_qemu_virt_aarch64().uart_channel_id */
#define BLK_CHANNEL	2 /* config/sdf.c: .vmm_blk_channel_id, svmm's end of the driver's channel */
#define CONSOLE_CHANNEL 3 /* config/sdf.c: .vmm_console_channel_id, to the multiplexer */

/* Everything svmm owns on seL4; the one object the entry points reach. */
struct sel4_vmm {
	struct vm vm;
	struct machine machine;
	struct board_uart board_uart;
	bool multiplexed; /* the console is console_queue, not board_uart */
	struct conq console_queue;
	struct log_uart_output log_output;
	struct sddf_blk_client blk_client;
	struct hyp_vm *hyp;
	struct sel4_guest_images images;
	struct dtb_info dtb; /* what the packaged device tree says */
	bool restart_on_reboot;
	bool park_wfi;	  /* the SDF joined svmm to the timer PD (settings "wfi_park=1") */
	bool restart_due; /* the guest rebooted; restart once its fault is handled */
	bool running;	  /* init succeeded and the guest has not stopped */
	bool flush_due;	  /* console output waits without a newline */
	bool assembled;	  /* the machine exists: the guest can be booted (again) */
	/* The management PD's (settings "management=1"): what it may ask, and what it knows. */
	bool managed;
	bool report_due; /* the state changed during a fault: report once it is handled */
	struct vm_lifecycle lifecycle;
	uint64_t boots;
	uint64_t booted_at; /* generic timer count at the last boot */
};

/*
 * Microkit's entry points take no context, so they need one static object.
 * It is the only one (besides the symbols the tool patches above and the
 * backend's VM state); every function below is handed a pointer to it.
 */
static struct sel4_vmm the_vmm;

/* ---- the host half of the devices ---- */

static void console_write(void *ctx, const uint8_t *data, size_t len)
{
	struct sel4_vmm *v = ctx;

	if (!v->multiplexed) {
		board_uart_write(&v->board_uart, data, len);
		return;
	}
	conq_write_output(&v->console_queue, data, len);
	microkit_notify(CONSOLE_CHANNEL);
}

/* The multiplexer reports each change of a VM's state. */
static void console_state(struct sel4_vmm *v, enum conq_vm_state state)
{
	if (!v->multiplexed)
		return;
	conq_set_state(&v->console_queue, state);
	microkit_notify(CONSOLE_CHANNEL);
}

/*
 * Flushed once the exit that wrote it is handled, so a prompt shows at once.
 * Not when multiplexed: there a partial line would be cut by the next VM's
 * output, so lines go whole (at a newline or a full buffer).
 */
static void console_output_pending(void *ctx)
{
	struct sel4_vmm *v = ctx;

	if (!v->multiplexed)
		v->flush_due = true;
}

/*
 * How long a disk request may take before the driver is taken for dead: far
 * more than QEMU needs for one request of at most the data region (256 KiB),
 * even on a loaded host, and less than the guest's own block-layer timeout
 * (30 s), so the guest gets an I/O error rather than its own timeout.
 */
#define BLK_DEADLINE_SECONDS 10u
/* The driver's init comes first when it shares svmm's core (it has the higher priority). */
#define BLK_READY_SECONDS 5u

/* Whether `seconds` have passed since generic-timer count `start`. */
static bool seconds_passed(uint64_t start, unsigned seconds)
{
	return generic_timer_count() - start > (uint64_t)seconds * generic_timer_frequency();
}

/*
 * The sDDF client's wait (host/sel4/sddf_blk_client.h says why svmm waits
 * here rather than completing the request in notified()): notify the driver,
 * then poll the response queue, yielding the core to anything of svmm's
 * priority. The driver runs above svmm, so its notification handler and
 * interrupt preempt this loop; the notification it sends back stays
 * pending and reaches notified() later, with nothing left to do.
 */
static int blk_wait(void *ctx)
{
	struct sel4_vmm *v = ctx;
	uint64_t start = generic_timer_count();

	microkit_notify(BLK_CHANNEL);
	while (sddf_blk_resp_length(&v->blk_client.queues) == 0) {
		if (seconds_passed(start, BLK_DEADLINE_SECONDS)) {
			log_message(&v->vm.log, LOG_ERROR,
				    "disk: the block driver has not answered in %u s: the disk "
				    "fails every request from now on",
				    BLK_DEADLINE_SECONDS);
			return -SVMM_EIO;
		}
		seL4_Yield();
	}
	return 0;
}

/* The disk the device tree promises, served by the block driver PD. */
static int disk_open(void *ctx, unsigned index, struct blk_backend *backend)
{
	struct sel4_vmm *v = ctx;
	const struct log_sink *log = &v->vm.log;
	uint64_t start = generic_timer_count();
	int err;

	if (index > 0) {
		log_message(log, LOG_ERROR,
			    "the machine has more than one disk; svmm on seL4 serves one");
		return -SVMM_EINVAL;
	}
	err = sddf_blk_client_init(&v->blk_client, (const void *)blk_storage_info_vaddr,
				   (void *)blk_req_queue_vaddr, (void *)blk_resp_queue_vaddr,
				   (void *)blk_data_vaddr, blk_data_size, blk_wait, v);
	if (err < 0) {
		log_message(log, LOG_ERROR,
			    "the device tree has a disk, but the system has no "
			    "block queue for it (rebuild the SDF with svmm sdf)");
		return err;
	}
	while ((err = sddf_blk_client_backend(&v->blk_client, backend)) == -SVMM_EBUSY &&
	       !seconds_passed(start, BLK_READY_SECONDS))
		seL4_Yield();
	if (err < 0) {
		log_message(log, LOG_ERROR,
			    "disk: the block driver found no usable virtio-blk device in %u s "
			    "(see its line above)",
			    BLK_READY_SECONDS);
		return err;
	}
	log_message(log, LOG_INFO, "disk: %llu KiB from the block driver%s",
		    (unsigned long long)(backend->capacity_bytes >> 10),
		    backend->readonly ? ", read-only" : "");
	return 0;
}

static const struct machine_host_ops sel4_host_ops = {.disk = disk_open};

/* ---- the VM's life ---- */

/*
 * Whether the packaged settings have the line `key`: "on_reboot=restart"
 * (restart the VM on a guest reboot), "wfi_park=1" (svmm may park idle vCPUs:
 * the SDF joined it to the timer PD).
 */
static bool setting(const struct sel4_guest_blob *settings, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i + len <= settings->size; i++) {
		if ((i == 0 || settings->data[i - 1] == '\n') &&
		    memcmp(settings->data + i, key, len) == 0 &&
		    (i + len == settings->size || settings->data[i + len] == '\n'))
			return true;
	}
	return false;
}

/* Told by the backend, during a fault, that the VM stopped or wants to. */
static void on_stop(void *ctx)
{
	struct sel4_vmm *v = ctx;
	enum hyp_stop_reason reason = HYP_STOP_ERROR;

	machine_console_flush(&v->machine);
	v->flush_due = false;
	v->running = false;
	v->report_due = true;
	hyp_vm_stop_reason(v->hyp, &reason);
	if (reason == HYP_STOP_RESET && v->restart_on_reboot) {
		/* Done once the fault is handled: the backend is still in its call here. */
		v->restart_due = true;
		vm_lifecycle_request(&v->lifecycle, VM_ACTION_RESET);
		log_message(&v->vm.log, LOG_INFO, "guest rebooted: restarting it");
		console_state(v, CONQ_STATE_REBOOTING);
		return;
	}
	vm_lifecycle_stopped(&v->lifecycle);
	if (reason == HYP_STOP_POWEROFF)
		log_message(&v->vm.log, LOG_INFO, "guest powered off");
	else if (reason == HYP_STOP_RESET)
		log_message(&v->vm.log, LOG_INFO, "guest rebooted: the VM stops (on_reboot)");
	else if (reason == HYP_STOP_REQUESTED)
		log_message(&v->vm.log, LOG_INFO, "stopped by the management PD");
	else
		log_message(&v->vm.log, LOG_ERROR, "the VM stopped");
	console_state(v, CONQ_STATE_STOPPED);
}

/* ---- the management PD (host/sel4/mgmt_protocol.h) ---- */

/* The VM's state to the management PD, with the outcome of request `done`. */
static void mgmt_report(struct sel4_vmm *v, enum mgmt_request_code done, enum mgmt_result result)
{
	uint64_t up = 0;

	v->report_due = false;
	if (!v->managed)
		return;
	if (v->running)
		up = timeouts_counts_to_ns(generic_timer_count() - v->booted_at,
					   generic_timer_frequency()) /
		     1000000u;
	microkit_mr_set(0, v->lifecycle.state);
	microkit_mr_set(1, v->boots);
	microkit_mr_set(2, up);
	microkit_mr_set(3, v->dtb.cpus);
	microkit_mr_set(4, guest_ram_size >> 20);
	microkit_mr_set(5, done);
	microkit_mr_set(6, result);
	microkit_ppcall(MGMT_VMM_CHANNEL,
			microkit_msginfo_new(MGMT_CALL_REPORT, MGMT_REPORT_WORDS));
}

/*
 * The machine the packaged settings describe (machine/desc_text.h): svmm sdf
 * --build-dir wrote them and the device tree from the same VM description,
 * and the SDF sized guest RAM from it, so all three must agree.
 */
static int assemble(struct sel4_vmm *v)
{
	struct machine_host host = {
	    .ops = &sel4_host_ops,
	    .ctx = v,
	    .uart = {.write = console_write, .output_pending = console_output_pending, .ctx = v},
	    .console = {.write = console_write, .output_pending = console_output_pending, .ctx = v},
	};
	struct machine_desc desc;
	struct machine *m = &v->machine;
	const char *why = NULL;
	int err = machine_desc_from_text((const char *)v->images.settings.data,
					 v->images.settings.size, &desc, &why);

	if (err < 0) {
		log_message(&v->vm.log, LOG_ERROR,
			    "the packaged settings do not describe the machine: %s (rebuild them "
			    "with svmm sdf --build-dir)",
			    why);
		return err;
	}
	if (desc.cpus != v->dtb.cpus || desc.memory != guest_ram_size) {
		log_message(&v->vm.log, LOG_ERROR,
			    "the packaged settings promise %u vCPUs and %llu MiB, the device tree "
			    "%u vCPUs and the system %llu MiB (rebuild both with svmm sdf)",
			    desc.cpus, (unsigned long long)(desc.memory >> 20), v->dtb.cpus,
			    (unsigned long long)(guest_ram_size >> 20));
		return -SVMM_EINVAL;
	}
	err = machine_assemble(m, &v->vm, &desc, &host, (void *)guest_ram_vaddr);
	if (err < 0) {
		log_message(&v->vm.log, LOG_ERROR, "cannot set up the guest's %s: %s", m->failed,
			    svmm_strerror(err));
		return err;
	}
	if (m->mmio_count != v->dtb.virtio_count) {
		log_message(&v->vm.log, LOG_ERROR,
			    "the packaged device tree has %u virtio devices, the settings %u "
			    "(rebuild both with svmm sdf)",
			    v->dtb.virtio_count, m->mmio_count);
		return -SVMM_EINVAL;
	}
	for (unsigned i = 0; i < m->mmio_count && i < DTB_INFO_MAX_VIRTIO; i++) {
		if (v->dtb.virtio[i].base != m->mmio[i].base ||
		    v->dtb.virtio[i].irq != m->mmio[i].irq_line) {
			log_message(&v->vm.log, LOG_ERROR,
				    "the packaged device tree puts virtio device %u elsewhere "
				    "(rebuild it with svmm sdf --dtb-out)",
				    i);
			return -SVMM_EINVAL;
		}
	}
	return 0;
}

/* Creates the VM, loads the packaged images into its RAM and starts vCPU 0. */
static int start_guest(struct sel4_vmm *v)
{
	const struct log_sink *log = &v->vm.log;
	const struct sel4_guest_images *images = &v->images;
	struct arm64_image image;
	struct arm64_boot_plan plan;
	struct hyp_vm_platform platform;
	struct hyp_vm_params params = {
	    .vm = &v->vm,
	    .cpus = v->dtb.cpus,
	    .map = v->machine.map,
	    .ram_size = guest_ram_size,
	    .ram = (void *)guest_ram_vaddr,
	    .irq_lines = 32,
	    .on_stop = on_stop,
	    .on_stop_ctx = v,
	};
	const char *why = NULL;
	char hyp_why[256];
	int err = hyp_vm_create(&v->hyp, &params, &platform, hyp_why, sizeof(hyp_why));

	if (err < 0) {
		log_message(log, LOG_ERROR, "cannot create the VM (%u vCPUs): %s", v->dtb.cpus,
			    hyp_why[0] != '\0' ? hyp_why : svmm_strerror(err));
		return err;
	}
	hyp_sel4_park_wfi(v->hyp, v->park_wfi);
	err = arm64_image_parse(images->kernel.data, images->kernel.size, &image, &why);
	if (err < 0) {
		log_message(log, LOG_ERROR, "packaged kernel: %s", why);
		return err;
	}
	err = arm64_boot_plan(v->machine.map.ram_base, guest_ram_size, &image, images->initrd.size,
			      &plan);
	if (err < 0) {
		log_message(log, LOG_ERROR, "the kernel and initrd do not fit in %llu MiB of RAM",
			    (unsigned long long)(guest_ram_size >> 20));
		return err;
	}
	/* svmm sdf --dtb-out planned the same placement from the same inputs; check. */
	if (v->dtb.initrd_start != (images->initrd.size ? plan.initrd_gpa : 0) ||
	    v->dtb.initrd_end !=
		(images->initrd.size ? plan.initrd_gpa + images->initrd.size : 0)) {
		log_message(log, LOG_ERROR,
			    "the packaged device tree was made for another initrd or RAM size "
			    "(rebuild it with svmm sdf --dtb-out)");
		return -SVMM_EINVAL;
	}
	/* A fresh copy of each image, the device tree too, every boot. */
	err = arm64_boot_load(&v->vm.mem, &plan, images->kernel.data, images->kernel.size,
			      images->initrd.size ? images->initrd.data : NULL, images->dtb.data,
			      images->dtb.size);
	if (err < 0) {
		log_message(log, LOG_ERROR, "cannot load the guest: %s", svmm_strerror(err));
		return err;
	}
	log_message(log, LOG_INFO,
		    "booting Linux: %u vCPUs, %llu MiB, kernel %llu KiB, initrd %llu KiB",
		    v->dtb.cpus, (unsigned long long)(guest_ram_size >> 20),
		    (unsigned long long)(images->kernel.size >> 10),
		    (unsigned long long)(images->initrd.size >> 10));
	v->running = true;
	v->boots++;
	v->booted_at = generic_timer_count();
	console_state(v, CONQ_STATE_RUNNING);
	return hyp_vm_start(v->hyp, plan.kernel_gpa, plan.dtb_gpa);
}

/*
 * A guest reboot with on_reboot "restart", or the management PD's start or
 * restart: this VM only, from power-on: the vCPUs and the interrupt
 * controller made anew, the devices reset, RAM cleared and the packaged
 * images loaded again. 0, or -1 when the guest did not boot.
 */
static int restart(struct sel4_vmm *v)
{
	v->restart_due = false;
	hyp_vm_destroy(v->hyp);
	v->hyp = NULL;
	v->running = false;
	machine_reset(&v->machine);
	guest_mem_clear(&v->vm.mem, v->machine.map.ram_base, guest_ram_size);
	if (start_guest(v) < 0) {
		v->running = false;
		vm_lifecycle_stopped(&v->lifecycle);
		log_message(&v->vm.log, LOG_ERROR, "the guest was not restarted");
		console_state(v, CONQ_STATE_STOPPED);
		return -1;
	}
	vm_lifecycle_reset_done(&v->lifecycle);
	return 0;
}

/*
 * The management PD's request `code`, as the lifecycle table allows it: a
 * stop suspends every vCPU at once (no power key: the guest is not asked);
 * a start boots a stopped VM; a restart boots it again, stopped or not.
 */
static enum mgmt_result carry_out(struct sel4_vmm *v, enum mgmt_request_code code)
{
	enum vm_action action;
	struct vm_decision d;

	switch (code) {
	case MGMT_REQUEST_STOP:
		action = VM_ACTION_HARD_STOP;
		break;
	case MGMT_REQUEST_START:
		action = VM_ACTION_START;
		break;
	case MGMT_REQUEST_RESTART:
		action = v->lifecycle.state == VM_STATE_STOPPED ? VM_ACTION_START : VM_ACTION_RESET;
		break;
	default:
		return MGMT_RESULT_DONE; /* status: the report is the answer */
	}
	if (!v->assembled)
		return MGMT_RESULT_FAILED;
	d = vm_lifecycle_request(&v->lifecycle, action);
	if (d.effect == VM_EFFECT_REFUSED)
		return MGMT_RESULT_REFUSED;
	if (d.effect == VM_EFFECT_HARD_STOP) {
		if (v->hyp != NULL && v->running)
			hyp_vm_request_stop(v->hyp); /* on_stop reports it stopped */
		vm_lifecycle_stopped(&v->lifecycle);
		return MGMT_RESULT_DONE;
	}
	if (d.effect == VM_EFFECT_RESET) {
		log_message(&v->vm.log, LOG_INFO, "%s by the management PD",
			    code == MGMT_REQUEST_START ? "started" : "restarted");
		/* The multiplexer reports "rebooting", then "running", as for a guest's reboot. */
		console_state(v, CONQ_STATE_REBOOTING);
		return restart(v) == 0 ? MGMT_RESULT_DONE : MGMT_RESULT_FAILED;
	}
	return MGMT_RESULT_DONE;
}

/* The management PD notified: take its request, carry it out, report. */
static void serve_mgmt(struct sel4_vmm *v)
{
	enum mgmt_request_code code;

	if (!v->managed)
		return;
	code = (enum mgmt_request_code)microkit_msginfo_get_label(
	    microkit_ppcall(MGMT_VMM_CHANNEL, microkit_msginfo_new(MGMT_CALL_TAKE, 0)));
	if (code == MGMT_REQUEST_NONE)
		return;
	mgmt_report(v, code, carry_out(v, code));
}

static int boot(struct sel4_vmm *v)
{
	int err;

	sel4_guest_images(&v->images);
	v->restart_on_reboot = setting(&v->images.settings, "on_reboot=restart");
	v->park_wfi = setting(&v->images.settings, "wfi_park=1");
	v->managed = setting(&v->images.settings, "management=1");
	if (dtb_info_read(v->images.dtb.data, v->images.dtb.size, &v->dtb) < 0 ||
	    v->dtb.cpus == 0) {
		log_message(&v->vm.log, LOG_ERROR, "the packaged device tree is not usable");
		return -SVMM_EINVAL;
	}
	err = assemble(v);
	if (err < 0)
		return err;
	v->assembled = true;
	return start_guest(v);
}

/* ---- Microkit's entry points ---- */

void init(void)
{
	struct sel4_vmm *v = &the_vmm;
	struct log_sink log;

	v->multiplexed = uart_vaddr == 0;
	if (v->multiplexed)
		conq_client_init(&v->console_queue, (void *)console_queue_vaddr, CONQ_REGION_SIZE);
	else
		board_uart_init(&v->board_uart, uart_vaddr);
	v->log_output = (struct log_uart_output){.write = console_write, .ctx = v};
	log = log_uart_sink(&v->log_output, LOG_INFO);
	vm_init(&v->vm, "svmm", &log);
	vm_lifecycle_init(&v->lifecycle);
	if (boot(v) < 0) {
		v->running = false;
		vm_lifecycle_stopped(&v->lifecycle);
		log_message(&v->vm.log, LOG_ERROR, "the guest was not started");
		console_state(v, CONQ_STATE_STOPPED);
	}
	mgmt_report(v, MGMT_REQUEST_NONE, MGMT_RESULT_DONE);
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
	struct sel4_vmm *v = &the_vmm;
	bool resume;

	if (v->hyp == NULL)
		return seL4_False;
	resume = hyp_sel4_fault(v->hyp, child, msginfo, reply_msginfo);
	if (v->flush_due) {
		v->flush_due = false;
		machine_console_flush(&v->machine);
	}
	if (v->restart_due) {
		/* The rebooting vCPU was suspended; the restart starts vCPU 0 afresh. */
		restart(v);
		mgmt_report(v, MGMT_REQUEST_NONE, MGMT_RESULT_DONE);
		return seL4_False;
	}
	/* After the handling, whose message registers the call would overwrite. */
	if (v->report_due)
		mgmt_report(v, MGMT_REQUEST_NONE, MGMT_RESULT_DONE);
	return resume ? seL4_True : seL4_False;
}

void notified(microkit_channel ch)
{
	struct sel4_vmm *v = &the_vmm;
	uint8_t bytes[PL011_RX_FIFO_SIZE];
	size_t n;

	if (ch == HYP_SEL4_TIMER_CHANNEL) {
		if (v->hyp != NULL)
			hyp_sel4_timer(v->hyp);
		return;
	}
	if (ch == MGMT_VMM_CHANNEL) {
		serve_mgmt(v);
		return;
	}
	/* The block driver's answers were taken by blk_wait() already. */
	if (ch == BLK_CHANNEL)
		return;
	if (ch == UART_CHANNEL && !v->multiplexed)
		n = board_uart_read(&v->board_uart, bytes, sizeof(bytes));
	else if (ch == CONSOLE_CHANNEL && v->multiplexed)
		n = conq_read_input(&v->console_queue, bytes, sizeof(bytes));
	else
		return;
	/* What the guest's receive FIFO has no room for is lost, as on a real line. */
	if (n > 0 && v->running) {
		vm_lock_devices(&v->vm);
		machine_console_receive(&v->machine, bytes, n);
		vm_unlock_devices(&v->vm);
	}
	if (ch == UART_CHANNEL)
		microkit_irq_ack(ch);
}
