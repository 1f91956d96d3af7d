/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The life of one VM on a Linux host. The main thread runs the event loop
 * (console input, signals, a console flush timer, and the vCPUs' "stopped"
 * notice); the hypervisor backend runs the vCPUs on threads of its own.
 * A guest reboot with --on-reboot restart tears the hypervisor VM down and
 * boots a fresh one in the same process, with the same console.
 */
#include "cmd/run.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmd/api.h"
#include "cmd/api_report.h"
#include "cmd/devices.h"
#include "cmd/exit_stats_print.h"
#include "cmd/exit_status.h"
#include "cmd/guest_images.h"
#include "core/errors.h"
#include "host/linux/console.h"
#include "host/linux/event_loop.h"
#include "host/linux/guest_ram.h"
#include "host/linux/jail.h"
#include "host/linux/log_stderr.h"
#include "host/linux/sandbox.h"
#include "host/linux/sched.h"
#include "hyp/hyp.h"

/* Output a guest leaves without a newline (a shell prompt) appears within this;
 * the timer runs only while output or input is waiting. */
#define CONSOLE_FLUSH_PERIOD_MS 10
#define WHY_LEN			512

struct vmm {
	const struct vm_config *cfg;
	struct vm vm;
	struct guest_images images;
	struct guest_ram ram;
	struct console console;
	struct vmm_devices devices;
	pthread_mutex_t device_lock;
	struct event_loop loop;
	struct event_source stopped_source, signal_source, flush_source;
	struct hyp_vm *hyp;
	struct host_cgroup cgroup;     /* budget_us/period_us, when the host offers cgroup v2 */
	enum sandbox_mode seccomp;     /* --seccomp */
	int stop_signal;	       /* signal that asked us to stop, or 0 */
	struct exit_stats *exit_stats; /* one per vCPU, kept across reboots */
	bool print_stats;	       /* --stats: print them at exit too */
	bool quit_requested;
	struct vm_api api; /* --api */
	bool api_reset;	   /* the API asked for a reset: boot again once the loop returns */
	struct api_console_counters console_counters;
	struct timespec booted;
	uint8_t dtb[ARM64_DTB_MAX_SIZE];
};

static void vmm_lock(void *ctx)
{
	pthread_mutex_lock(ctx);
}

static void vmm_unlock(void *ctx)
{
	pthread_mutex_unlock(ctx);
}

/* Called on each vCPU thread before it first runs the guest: confines it. */
static int vmm_on_vcpu_thread(void *ctx, unsigned vcpu)
{
	struct vmm *vmm = ctx;
	char why[WHY_LEN];

	if (sandbox_enter(vmm->seccomp, SANDBOX_THREAD_VCPU, why, sizeof(why)) == 0)
		return 0;
	log_message(&vmm->vm.log, LOG_ERROR, "vCPU %u: %s", vcpu, why);
	return -1;
}

/* Called on a vCPU thread: wakes the event loop. */
static void vmm_on_hyp_stop(void *ctx)
{
	struct vmm *vmm = ctx;
	uint64_t one = 1;

	if (write(vmm->stopped_source.fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow from a handful of writes; nothing to do. */
	}
}

static void vmm_on_stopped(struct event_source *source, uint32_t events)
{
	struct vmm *vmm = source->ctx;

	(void)events;
	event_drain(source->fd);
	event_loop_stop(&vmm->loop);
}

/* The exit counters so far, on stderr (SIGUSR2, and at exit with --stats). */
static void vmm_print_stats(struct vmm *vmm)
{
	vm_lock_devices(&vmm->vm);
	exit_stats_print(stderr, vmm->cfg->name, vmm->exit_stats, vmm->cfg->cpus, &vmm->vm.mmio);
	vm_unlock_devices(&vmm->vm);
}

/* SIGUSR2 prints the exit counters; the others stop the VM. */
static void vmm_on_signal(struct event_source *source, uint32_t events)
{
	struct vmm *vmm = source->ctx;
	struct signalfd_siginfo info;

	(void)events;
	if (read(source->fd, &info, sizeof(info)) != (ssize_t)sizeof(info))
		return;
	if (info.ssi_signo == SIGUSR2) {
		vmm_print_stats(vmm);
		return;
	}
	vmm->stop_signal = (int)info.ssi_signo;
	if (vmm->hyp != NULL)
		hyp_vm_request_stop(vmm->hyp);
	event_loop_stop(&vmm->loop);
}

static void vmm_on_flush_tick(struct event_source *source, uint32_t events)
{
	struct vmm *vmm = source->ctx;

	(void)events;
	event_drain(source->fd);
	vm_lock_devices(&vmm->vm);
	machine_console_flush(&vmm->devices.machine);
	vm_unlock_devices(&vmm->vm);
	/*
	 * Outside the lock: delivering takes it (vmm_deliver_input), and the
	 * lock is not recursive. Holding it here deadlocked the I/O thread,
	 * then every vCPU, the first time a paste outran the guest's FIFO.
	 */
	console_retry_input(&vmm->console);
	/* Input the guest had no room for yet: offer it again shortly. */
	if (vmm->console.pending_len > 0)
		event_timer_arm(&vmm->flush_source, CONSOLE_FLUSH_PERIOD_MS);
}

/* Called with console input; the device lock keeps vCPU threads out meanwhile. */
static size_t vmm_deliver_input(void *ctx, const uint8_t *data, size_t len)
{
	struct vmm *vmm = ctx;
	size_t taken;

	vm_lock_devices(&vmm->vm);
	taken = machine_console_receive(&vmm->devices.machine, data, len);
	vmm->console_counters.input_bytes += taken;
	vm_unlock_devices(&vmm->vm);
	if (taken < len)
		event_timer_arm(&vmm->flush_source, CONSOLE_FLUSH_PERIOD_MS);
	return taken;
}

static void vmm_console_write(void *ctx, const uint8_t *data, size_t len)
{
	struct vmm *vmm = ctx;

	/* Device lock held: a vCPU's output. */
	vmm->console_counters.output_bytes += len;
	console_write(&vmm->console, data, len);
}

/* Called on a vCPU thread when console output starts waiting in the UART. */
static void vmm_output_pending(void *ctx)
{
	struct vmm *vmm = ctx;

	event_timer_arm(&vmm->flush_source, CONSOLE_FLUSH_PERIOD_MS);
}

static void vmm_on_quit(void *ctx)
{
	struct vmm *vmm = ctx;

	vmm->quit_requested = true;
	if (vmm->hyp != NULL)
		hyp_vm_request_stop(vmm->hyp);
	event_loop_stop(&vmm->loop);
}

static int vmm_api_pause(void *ctx)
{
	struct vmm *vmm = ctx;

	return hyp_vm_pause(vmm->hyp);
}

static void vmm_api_resume(void *ctx)
{
	struct vmm *vmm = ctx;

	hyp_vm_resume(vmm->hyp);
}

static void vmm_api_reset(void *ctx)
{
	struct vmm *vmm = ctx;

	vmm->api_reset = true;
	hyp_vm_request_stop(vmm->hyp);
}

static void vmm_api_power_key(void *ctx, bool pressed)
{
	struct vmm *vmm = ctx;

	vm_lock_devices(&vmm->vm);
	machine_power_key(&vmm->devices.machine, pressed);
	vm_unlock_devices(&vmm->vm);
}

static void vmm_api_report(void *ctx, struct json_object *result, bool metrics)
{
	struct vmm *vmm = ctx;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	json_object_object_add(result, "name", json_object_new_string(vmm->cfg->name));
	json_object_object_add(
	    result, "uptime_ms",
	    json_object_new_int64((now.tv_sec - vmm->booted.tv_sec) * 1000 +
				  (now.tv_nsec - vmm->booted.tv_nsec) / 1000000));
	json_object_object_add(result, "cpus", json_object_new_int((int)vmm->cfg->cpus));
	json_object_object_add(result, "memory_bytes", json_object_new_uint64(vmm->cfg->memory));
	vm_lock_devices(&vmm->vm);
	api_report_devices(result, vmm->cfg, &vmm->devices, &vmm->console_counters, metrics);
	vm_unlock_devices(&vmm->vm);
	if (metrics)
		api_report_vm_exits(result, vmm->exit_stats, vmm->cfg->cpus);
}

static const struct vm_api_ops vmm_api_ops = {
    .pause = vmm_api_pause,
    .resume = vmm_api_resume,
    .reset = vmm_api_reset,
    .power_key = vmm_api_power_key,
    .hard_stop = vmm_on_quit,
    .report = vmm_api_report,
};

static int vmm_setup_events(struct vmm *vmm, char *why)
{
	sigset_t stop_signals;

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	sigaddset(&stop_signals, SIGUSR2);
	/* Blocked before any vCPU thread exists, so every thread inherits the mask and
	 * the signals arrive only through the signalfd. */
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	vmm->signal_source =
	    (struct event_source){.fd = signalfd(-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK),
				  .on_event = vmm_on_signal,
				  .ctx = vmm};
	vmm->stopped_source = (struct event_source){
	    .fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), .on_event = vmm_on_stopped, .ctx = vmm};
	vmm->flush_source = (struct event_source){.on_event = vmm_on_flush_tick, .ctx = vmm};
	if (vmm->signal_source.fd < 0 || vmm->stopped_source.fd < 0 ||
	    event_timer_create(&vmm->flush_source) < 0 || event_loop_init(&vmm->loop) < 0 ||
	    event_loop_add(&vmm->loop, &vmm->signal_source) < 0 ||
	    event_loop_add(&vmm->loop, &vmm->stopped_source) < 0 ||
	    event_loop_add(&vmm->loop, &vmm->flush_source) < 0) {
		snprintf(why, WHY_LEN, "cannot set up the event loop: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int vmm_setup_vm(struct vmm *vmm, const struct cli_settings *settings, char *why)
{
	const struct vm_config *cfg = vmm->cfg;
	struct log_sink log = log_stderr_sink(settings->log_level);
	struct virtio_console_backend console_output = {
	    .write = vmm_console_write, .output_pending = vmm_output_pending, .ctx = vmm};
	int err;

	vm_init(&vmm->vm, cfg->name, &log);
	vmm->vm.device_lock =
	    (struct vm_lock){.acquire = vmm_lock, .release = vmm_unlock, .ctx = &vmm->device_lock};
	err = guest_ram_map(&vmm->ram, cfg->memory, vmm->images.map.ram_base);
	if (err < 0) {
		snprintf(why, WHY_LEN, "cannot reserve %llu MiB of guest memory: %s",
			 (unsigned long long)(cfg->memory >> 20), strerror(-err));
		return err;
	}
	/* Both consoles write to the host console the same way. */
	err = devices_create(&vmm->devices, cfg, &vmm->vm, &vmm->loop, vmm->ram.base,
			     &console_output, why, WHY_LEN);
	if (err < 0)
		return err;
	err = console_open(&vmm->console, cfg->console, cfg->console_path, why, WHY_LEN);
	if (err == 0)
		err =
		    console_attach(&vmm->console, &vmm->loop, vmm_deliver_input, vmm_on_quit, vmm);
	return err;
}

/* Creates the hypervisor VM, loads the images and starts the vCPUs. */
static int vmm_boot(struct vmm *vmm, char *why)
{
	const struct arm64_guest_map *map = &vmm->devices.machine.map;
	const struct arm64_boot_plan *plan = &vmm->images.plan;
	struct hyp_vm_params params = {
	    .vm = &vmm->vm,
	    .cpus = vmm->cfg->cpus,
	    .map = *map,
	    .ram_size = vmm->cfg->memory,
	    .ram = vmm->ram.base,
	    .irq_lines = 64,
	    .vcpu_cores = vmm->cfg->core_count > 0 ? vmm->cfg->cores : NULL,
	    .exit_stats = vmm->exit_stats,
	    .on_stop = vmm_on_hyp_stop,
	    .on_stop_ctx = vmm,
	    .on_vcpu_thread = vmm_on_vcpu_thread,
	    .on_vcpu_thread_ctx = vmm,
	};
	struct hyp_vm_platform platform;
	int err = 0;

	/* The images are mapped only while being loaded; a reboot reads them again. */
	if (vmm->images.kernel.data == NULL)
		err = guest_images_load(&vmm->images, vmm->cfg, why, WHY_LEN);
	if (err == 0)
		err = hyp_vm_create(&vmm->hyp, &params, &platform, why, WHY_LEN);
	if (err < 0)
		return err;
	devices_attach_hyp(&vmm->devices, vmm->hyp);
	err = guest_images_build_dtb(&vmm->images, vmm->cfg, &vmm->devices.machine,
				     platform.gic_version, platform.psci_method, vmm->dtb,
				     sizeof(vmm->dtb), why, WHY_LEN);
	if (err < 0)
		return err;
	err = arm64_boot_load(&vmm->vm.mem, plan, vmm->images.kernel.data, vmm->images.kernel.size,
			      vmm->images.initrd.data, vmm->dtb, sizeof(vmm->dtb));
	/* Now in guest RAM: keeping the files mapped would only add to svmm's footprint. */
	guest_images_release(&vmm->images);
	if (err < 0) {
		snprintf(why, WHY_LEN, "cannot load the guest images: %s", svmm_strerror(err));
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &vmm->booted);
	err = hyp_vm_start(vmm->hyp, plan->kernel_gpa, plan->dtb_gpa);
	if (err < 0)
		snprintf(why, WHY_LEN, "cannot start the vCPUs: %s", strerror(-err));
	return err;
}

/* Puts the VM back to power-on state before a reboot in place. */
static void vmm_reset(struct vmm *vmm)
{
	devices_detach_hyp(&vmm->devices);
	hyp_vm_destroy(vmm->hyp);
	vmm->hyp = NULL;
	devices_reset(&vmm->devices);
	/* Private anonymous pages read as zero again after this: fresh RAM, no copy. */
	guest_ram_discard(&vmm->ram);
}

/* Runs the VM until it stops for good; returns the exit status. */
static int vmm_serve(struct vmm *vmm, char *why)
{
	for (;;) {
		enum hyp_stop_reason reason = HYP_STOP_REQUESTED;
		int err = vmm_boot(vmm, why);

		if (err < 0)
			return err == -SVMM_ENOTSUP ? SVMM_EXIT_USAGE : SVMM_EXIT_ERROR;
		vmm->loop.stop = false;
		err = event_loop_run(&vmm->loop);
		if (err < 0) {
			snprintf(why, WHY_LEN, "event loop failed: %s", strerror(-err));
			return SVMM_EXIT_ERROR;
		}
		hyp_vm_stop_reason(vmm->hyp, &reason);
		if (vmm->stop_signal != 0)
			return SVMM_EXIT_SIGNAL_BASE + vmm->stop_signal;
		switch (reason) {
		case HYP_STOP_POWEROFF:
			return SVMM_EXIT_POWEROFF;
		case HYP_STOP_RESET:
			if (vmm->cfg->on_reboot != ON_REBOOT_RESTART)
				return SVMM_EXIT_GUEST_RESET;
			log_message(&vmm->vm.log, LOG_INFO, "guest rebooted: restarting it");
			vmm_reset(vmm);
			continue;
		case HYP_STOP_CRASH:
			snprintf(why, WHY_LEN, "the guest reported a crash");
			return SVMM_EXIT_GUEST_CRASH;
		case HYP_STOP_REQUESTED:
			if (vmm->api_reset && !vmm->quit_requested) {
				log_message(&vmm->vm.log, LOG_INFO, "reset by the API");
				vmm->api_reset = false;
				vmm_reset(vmm);
				vm_api_reset_done(&vmm->api);
				continue;
			}
			return vmm->quit_requested ? SVMM_EXIT_POWEROFF : SVMM_EXIT_ERROR;
		case HYP_STOP_ERROR:
			snprintf(why, WHY_LEN, "the VM stopped on a hypervisor error");
			return SVMM_EXIT_ERROR;
		}
	}
}

/*
 * The description's priority and budget, before any thread exists so that
 * every thread inherits them. A host that cannot apply one says so in one
 * line and the VM runs anyway: the limits are the host's to give.
 */
static void vmm_apply_scheduling(struct vmm *vmm, const struct cli_settings *settings)
{
	const struct vm_config *cfg = vmm->cfg;
	char why[WHY_LEN];

	if (host_apply_priority(cfg->priority, why, sizeof(why)) < 0 &&
	    settings->log_level >= LOG_WARN)
		fprintf(stderr, "svmm: warning: %s\n", why);
	if (cfg->budget_us == 0 || cfg->budget_us >= cfg->period_us)
		return;
	if (host_cgroup_limit(&vmm->cgroup, cfg->name, cfg->cpus, cfg->budget_us, cfg->period_us,
			      why, sizeof(why)) < 0 &&
	    settings->log_level >= LOG_WARN)
		fprintf(stderr, "svmm: warning: budget_us/period_us not applied: %s\n", why);
}

static void vmm_teardown(struct vmm *vmm)
{
	devices_detach_hyp(&vmm->devices);
	hyp_vm_destroy(vmm->hyp);
	vmm->hyp = NULL;
	machine_console_flush(&vmm->devices.machine);
	devices_destroy(&vmm->devices);
	console_close(&vmm->console);
	vm_api_close(&vmm->api);
	event_loop_fini(&vmm->loop);
	if (vmm->signal_source.fd >= 0)
		close(vmm->signal_source.fd);
	if (vmm->stopped_source.fd >= 0)
		close(vmm->stopped_source.fd);
	if (vmm->flush_source.fd >= 0)
		close(vmm->flush_source.fd);
	guest_ram_unmap(&vmm->ram);
	guest_images_release(&vmm->images);
	pthread_mutex_destroy(&vmm->device_lock);
	host_cgroup_leave(&vmm->cgroup);
}

int run_vm(const struct vm_config *cfg, const struct cli_settings *settings)
{
	/* Each boot opens the hypervisor again: the jail needs its node too. */
	static const char *const jail_devices[] = {"/dev/kvm", NULL};
	struct jail_params jail = settings->jail;
	struct vmm *vmm = calloc(1, sizeof(*vmm));
	char why[WHY_LEN] = "";
	int status, err;

	if (vmm == NULL) {
		fprintf(stderr, "svmm: out of memory\n");
		return SVMM_EXIT_ERROR;
	}
	jail.devices = jail_devices;
	vmm->cfg = cfg;
	vmm->print_stats = settings->stats;
	vmm->exit_stats = calloc(cfg->cpus, sizeof(*vmm->exit_stats));
	vmm->seccomp = settings->seccomp;
	vmm->signal_source.fd = vmm->stopped_source.fd = vmm->flush_source.fd = -1;
	vmm->loop.epoll_fd = -1;
	pthread_mutex_init(&vmm->device_lock, NULL);
	vmm_apply_scheduling(vmm, settings);
	if (guest_images_load(&vmm->images, cfg, why, sizeof(why)) < 0)
		status = SVMM_EXIT_USAGE;
	else if (vmm_setup_events(vmm, why) < 0)
		status = SVMM_EXIT_ERROR;
	/* What the user named (a disk in use, a tap, a socket path) is bad input; memory is not. */
	else if ((err = vmm_setup_vm(vmm, settings, why)) < 0)
		status = err == -ENOMEM ? SVMM_EXIT_ERROR : SVMM_EXIT_USAGE;
	else if (settings->api_path != NULL &&
		 vm_api_open(&vmm->api, settings->api_path, &vmm->loop, &vmm_api_ops, vmm, why,
			     sizeof(why)) < 0)
		status = SVMM_EXIT_USAGE;
	/* Everything named on the command line is open: from here on, only what serving needs. */
	else if (jail_enter(&jail, why, sizeof(why)) < 0)
		status = SVMM_EXIT_ERROR;
	else if (sandbox_enter(vmm->seccomp, SANDBOX_THREAD_MAIN, why, sizeof(why)) < 0)
		status = SVMM_EXIT_ERROR;
	else
		status = vmm_serve(vmm, why);
	if (vmm->print_stats && vmm->exit_stats != NULL)
		vmm_print_stats(vmm);
	vmm_teardown(vmm);
	free(vmm->exit_stats);
	free(vmm);
	if (why[0] != '\0' && status != SVMM_EXIT_POWEROFF)
		fprintf(stderr, "svmm: %s\n", why);
	return status;
}
