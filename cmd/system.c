/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `svmm run --config sys.json`: every VM of a system description, each in
 * an svmm process of its own (a fork running exactly the one-VM path), so
 * that one VM's crash, hang or kill -9 touches no other. This process, the
 * supervisor, only watches them: it applies each VM's on_reboot (its child
 * runs with on_reboot exit, and a restart is a fresh process: fresh RAM,
 * devices and device tree), reports every state change in one line, and
 * multiplexes the consoles of the VMs with "console": "stdio" onto its own
 * terminal (core/console_mux.h: name prefixes, Ctrl-A 1..9, Ctrl-A x).
 */
#include "cmd/system.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/exit_status.h"
#include "cmd/run.h"
#include "cmd/system_api.h"
#include "core/console_mux.h"
#include "host/linux/console.h"
#include "host/linux/event_loop.h"
#include "host/linux/file.h"
#include "host/linux/sched.h"

/* How long VMs asked to stop may take before they are killed. */
#define STOP_GRACE_MS 10000

struct supervisor;

struct vm_child {
	struct supervisor *sup;
	const struct vm_config *cfg;
	unsigned index;
	pid_t pid;	  /* 0 while not running */
	bool multiplexed; /* its console is this terminal */
	int input_fd;	  /* its console input, -1 if none */
	bool expect_end;  /* stopped through the API: not a failure */
	bool restart;	  /* ... and to be started again */
	struct event_source output_source, messages_source;
};

struct supervisor {
	const struct system_config *sys;
	const struct cli_settings *settings;
	struct vm_child children[SYSTEM_MAX_VMS];
	struct console_mux mux;
	struct console terminal;
	struct event_loop loop;
	struct event_source signal_source, grace_source;
	struct system_api api; /* --api */
	sigset_t original_mask;
	pid_t self;
	unsigned running;
	bool stopping;	 /* every VM is being stopped: restart none */
	bool failed;	 /* a VM ended other than by power-off or its on_reboot */
	bool reset_exit; /* a VM with on_reboot exit rebooted */
	int stop_signal; /* the signal that stopped the system, or 0 */
};

static void notice(struct supervisor *sup, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void notice(struct supervisor *sup, const char *format, ...)
{
	char line[512];
	va_list args;
	int len;

	len = snprintf(line, sizeof(line), "svmm: ");
	va_start(args, format);
	vsnprintf(line + len, sizeof(line) - (size_t)len, format, args);
	va_end(args);
	console_mux_notice(&sup->mux, line);
}

static void terminal_emit(void *ctx, const uint8_t *data, size_t len)
{
	struct supervisor *sup = ctx;

	console_write(&sup->terminal, data, len);
}

static void deliver_to_vm(void *ctx, unsigned vm, const uint8_t *data, size_t len)
{
	struct supervisor *sup = ctx;

	/* A VM not reading its console (full pipe) loses the keys, as a busy UART would. */
	host_write_or_drop(sup->children[vm].input_fd, data, len);
}

static void vm_selected(void *ctx, unsigned vm, bool accepted)
{
	struct supervisor *sup = ctx;
	const struct vm_child *child = &sup->children[vm];

	if (accepted)
		notice(sup, "input goes to vm %s (%u)", child->cfg->name, vm + 1);
	else
		notice(sup, "vm %s (%u) has no console here%s", child->cfg->name, vm + 1,
		       child->pid == 0 ? " (stopped)" : "");
}

static void stop_all(struct supervisor *sup);

static void quit_requested(void *ctx)
{
	struct supervisor *sup = ctx;

	if (!sup->stopping)
		notice(sup, "stopping every VM (Ctrl-A x)");
	stop_all(sup);
}

static size_t terminal_input(void *ctx, const uint8_t *data, size_t len)
{
	struct supervisor *sup = ctx;

	console_mux_input(&sup->mux, data, len);
	return len;
}

static void close_source(struct supervisor *sup, struct event_source *source)
{
	if (source->fd < 0)
		return;
	event_loop_remove(&sup->loop, source);
	close(source->fd);
	source->fd = -1;
}

enum pump_result {
	PUMP_MORE,  /* read something; there may be more */
	PUMP_EMPTY, /* nothing now */
	PUMP_END,   /* the writer is gone: the source is closed */
};

/* Reads what a VM process wrote onto the terminal, framed. */
static enum pump_result pump(struct vm_child *child, struct event_source *source)
{
	uint8_t buffer[4096];
	ssize_t got = read(source->fd, buffer, sizeof(buffer));

	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return PUMP_EMPTY;
	if (got <= 0) {
		close_source(child->sup, source);
		return PUMP_END;
	}
	console_mux_output(&child->sup->mux, child->index, buffer, (size_t)got);
	return PUMP_MORE;
}

static void on_vm_output(struct event_source *source, uint32_t events)
{
	(void)events;
	pump(source->ctx, source);
}

/* In the new process: becomes the VM's svmm, with its console on the pipes. */
static void become_vm(struct vm_child *child, int input, int output, int messages)
{
	struct supervisor *sup = child->sup;
	struct vm_config cfg = *child->cfg;
	struct cli_settings settings = *sup->settings;
	char api_path[256];
	int null = open("/dev/null", O_RDWR);
	int status;

	/* Its own process group: a terminal's Ctrl-C or a group kill is the supervisor's. */
	setpgid(0, 0);
	/* A supervisor killed outright takes its VMs with it, cleanly. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != sup->self)
		_exit(SVMM_EXIT_SIGNAL_BASE + SIGTERM);
	dup2(input >= 0 ? input : null, STDIN_FILENO);
	dup2(output >= 0 ? output : messages, STDOUT_FILENO);
	dup2(messages, STDERR_FILENO);
	/* Nothing of the supervisor's (other VMs' pipes, its epoll) stays open here. */
	closefrom(3);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &sup->original_mask, NULL);
	/* The supervisor decides what a reboot means. */
	cfg.on_reboot = ON_REBOOT_EXIT;
	/* Its own API beside the runner's, which reaches it there. */
	settings.api_path = NULL;
	if (sup->settings->api_path != NULL &&
	    system_api_vm_path(sup->settings->api_path, cfg.name, api_path, sizeof(api_path)))
		settings.api_path = api_path;
	status = run_vm(&cfg, &settings);
	fflush(NULL);
	_exit(status);
}

static int make_pipe(int fds[2], const char *name, struct supervisor *sup)
{
	if (pipe2(fds, O_CLOEXEC) == 0)
		return 0;
	notice(sup, "vm %s: cannot create a pipe: %s", name, strerror(errno));
	return -1;
}

/* Starts (or restarts) a VM's process. 0, or -1 with a line said. */
static int start_vm(struct vm_child *child)
{
	struct supervisor *sup = child->sup;
	int input[2] = {-1, -1}, output[2] = {-1, -1}, messages[2] = {-1, -1};
	pid_t pid;

	if (make_pipe(messages, child->cfg->name, sup) < 0 ||
	    (child->multiplexed && (make_pipe(input, child->cfg->name, sup) < 0 ||
				    make_pipe(output, child->cfg->name, sup) < 0)))
		goto fail;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		notice(sup, "vm %s: cannot start: %s", child->cfg->name, strerror(errno));
		goto fail;
	}
	if (pid == 0)
		become_vm(child, input[0], output[1], messages[1]);
	close(messages[1]);
	if (child->multiplexed) {
		close(input[0]);
		close(output[1]);
		fcntl(input[1], F_SETFL, O_NONBLOCK);
		child->input_fd = input[1];
		child->output_source.fd = output[0];
		fcntl(output[0], F_SETFL, O_NONBLOCK);
		event_loop_add(&sup->loop, &child->output_source);
	}
	child->messages_source.fd = messages[0];
	fcntl(messages[0], F_SETFL, O_NONBLOCK);
	event_loop_add(&sup->loop, &child->messages_source);
	child->pid = pid;
	sup->running++;
	console_mux_set_takes_input(&sup->mux, child->index, child->multiplexed);
	notice(sup, "vm %s: started (pid %d)", child->cfg->name, (int)pid);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		int *fds[] = {&input[i], &output[i], &messages[i]};

		for (int j = 0; j < 3; j++) {
			if (*fds[j] >= 0)
				close(*fds[j]);
		}
	}
	return -1;
}

/*
 * After the process ended: what it left in its pipes, then its descriptors
 * closed. Only what is there now: a helper it started (passt) may hold a
 * pipe open for a while longer.
 */
static void collect(struct vm_child *child)
{
	struct event_source *sources[] = {&child->output_source, &child->messages_source};

	for (size_t i = 0; i < 2; i++) {
		while (sources[i]->fd >= 0 && pump(child, sources[i]) == PUMP_MORE) {
		}
		close_source(child->sup, sources[i]);
	}
	if (child->input_fd >= 0)
		close(child->input_fd);
	child->input_fd = -1;
	console_mux_set_takes_input(&child->sup->mux, child->index, false);
}

/* One line saying how VM `child` ended, and what happens next. */
static void vm_ended(struct vm_child *child, int wait_status)
{
	struct supervisor *sup = child->sup;
	const char *name = child->cfg->name;
	int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;

	if (child->expect_end && !sup->stopping) {
		child->expect_end = false;
		notice(sup, "vm %s: stopped through the API%s", name,
		       child->restart ? ": restarting" : "");
		if (child->restart && start_vm(child) < 0)
			sup->failed = true;
		return;
	}
	if (WIFSIGNALED(wait_status)) {
		int sig = WTERMSIG(wait_status);

		notice(sup, "vm %s: killed by signal %d (%s): stopped", name, sig, strsignal(sig));
		sup->failed |= !sup->stopping;
	} else if (sup->stopping) {
		notice(sup, "vm %s: stopped (exit status %d)", name, code);
	} else if (code == SVMM_EXIT_POWEROFF) {
		notice(sup, "vm %s: powered off", name);
	} else if (code == SVMM_EXIT_GUEST_RESET) {
		switch (child->cfg->on_reboot) {
		case ON_REBOOT_RESTART:
			notice(sup, "vm %s: rebooted: restarting", name);
			if (start_vm(child) < 0)
				sup->failed = true;
			return;
		case ON_REBOOT_STOP:
			notice(sup, "vm %s: rebooted: stopped (on_reboot stop)", name);
			return;
		case ON_REBOOT_EXIT:
			notice(sup, "vm %s: rebooted: stopping every VM (on_reboot exit)", name);
			sup->reset_exit = true;
			stop_all(sup);
			return;
		}
	} else if (code == SVMM_EXIT_GUEST_CRASH) {
		notice(sup, "vm %s: crashed (the guest reported a crash): stopped", name);
		sup->failed = true;
	} else {
		notice(sup, "vm %s: failed (exit status %d): stopped", name, code);
		sup->failed = true;
	}
}

static void reap(struct supervisor *sup)
{
	int wait_status;
	pid_t pid;

	while ((pid = waitpid(-1, &wait_status, WNOHANG)) > 0) {
		for (unsigned i = 0; i < sup->sys->vm_count; i++) {
			struct vm_child *child = &sup->children[i];

			if (child->pid != pid)
				continue;
			collect(child);
			child->pid = 0;
			sup->running--;
			/* Left behind when it could not tidy up itself (kill -9). */
			host_cgroup_remove_for(child->cfg->name, (int)pid);
			vm_ended(child, wait_status);
		}
	}
	if (sup->running == 0)
		event_loop_stop(&sup->loop);
}

static void stop_all(struct supervisor *sup)
{
	if (sup->stopping)
		return;
	sup->stopping = true;
	for (unsigned i = 0; i < sup->sys->vm_count; i++) {
		if (sup->children[i].pid > 0)
			kill(sup->children[i].pid, SIGTERM);
	}
	if (sup->running == 0)
		event_loop_stop(&sup->loop);
	else
		event_timer_arm(&sup->grace_source, STOP_GRACE_MS);
}

static void on_grace_expired(struct event_source *source, uint32_t events)
{
	struct supervisor *sup = source->ctx;

	(void)events;
	event_drain(source->fd);
	for (unsigned i = 0; i < sup->sys->vm_count; i++) {
		if (sup->children[i].pid > 0) {
			notice(sup, "vm %s: did not stop within %d s: killing it",
			       sup->children[i].cfg->name, STOP_GRACE_MS / 1000);
			kill(sup->children[i].pid, SIGKILL);
		}
	}
}

static void on_signal(struct event_source *source, uint32_t events)
{
	struct supervisor *sup = source->ctx;
	struct signalfd_siginfo info;

	(void)events;
	while (read(source->fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
		if (info.ssi_signo == SIGCHLD) {
			reap(sup);
			continue;
		}
		/* Each VM prints its exit counters (as svmm run of one VM does on SIGUSR2). */
		if (info.ssi_signo == SIGUSR2) {
			for (unsigned i = 0; i < sup->sys->vm_count; i++)
				if (sup->children[i].pid > 0)
					kill(sup->children[i].pid, SIGUSR2);
			continue;
		}
		if (sup->stop_signal == 0) {
			sup->stop_signal = (int)info.ssi_signo;
			notice(sup, "stopping every VM (%s)", strsignal((int)info.ssi_signo));
		}
		stop_all(sup);
	}
}

static unsigned api_count(void *ctx)
{
	struct supervisor *sup = ctx;

	return sup->sys->vm_count;
}

static const char *api_name(void *ctx, unsigned vm)
{
	struct supervisor *sup = ctx;

	return sup->sys->vms[vm].name;
}

static int api_pid(void *ctx, unsigned vm)
{
	struct supervisor *sup = ctx;

	return (int)sup->children[vm].pid;
}

static int api_start(void *ctx, unsigned vm)
{
	struct supervisor *sup = ctx;

	return sup->stopping ? -1 : start_vm(&sup->children[vm]);
}

static void api_expect_end(void *ctx, unsigned vm, bool restart)
{
	struct supervisor *sup = ctx;

	sup->children[vm].expect_end = true;
	sup->children[vm].restart = restart;
}

static const struct system_api_ops api_ops = {
    .count = api_count,
    .name = api_name,
    .pid = api_pid,
    .start = api_start,
    .expect_end = api_expect_end,
};

static int setup(struct supervisor *sup, char *why, size_t why_len)
{
	const struct system_config *sys = sup->sys;
	const char *names[SYSTEM_MAX_VMS];
	bool takes_input[SYSTEM_MAX_VMS];
	struct console_mux_ops ops = {.emit = terminal_emit,
				      .deliver = deliver_to_vm,
				      .selected = vm_selected,
				      .quit = quit_requested,
				      .ctx = sup};
	sigset_t signals;

	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGHUP);
	sigaddset(&signals, SIGCHLD);
	sigaddset(&signals, SIGUSR2);
	sigprocmask(SIG_BLOCK, &signals, &sup->original_mask);
	/* A key for a VM that has just died must not kill the supervisor: EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	sup->signal_source =
	    (struct event_source){.fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK),
				  .on_event = on_signal,
				  .ctx = sup};
	sup->grace_source = (struct event_source){.on_event = on_grace_expired, .ctx = sup};
	if (sup->signal_source.fd < 0 || event_loop_init(&sup->loop) < 0 ||
	    event_timer_create(&sup->grace_source) < 0 ||
	    event_loop_add(&sup->loop, &sup->signal_source) < 0 ||
	    event_loop_add(&sup->loop, &sup->grace_source) < 0) {
		snprintf(why, why_len, "cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < sys->vm_count; i++) {
		struct vm_child *child = &sup->children[i];

		*child = (struct vm_child){
		    .sup = sup,
		    .cfg = &sys->vms[i],
		    .index = i,
		    .multiplexed = sys->vms[i].console == CONSOLE_STDIO,
		    .input_fd = -1,
		    .output_source = {.fd = -1, .on_event = on_vm_output, .ctx = child},
		    .messages_source = {.fd = -1, .on_event = on_vm_output, .ctx = child},
		};
		names[i] = sys->vms[i].name;
		takes_input[i] = child->multiplexed;
	}
	console_mux_init(&sup->mux, &ops, sys->vm_count, names, takes_input);
	if (sup->settings->api_path != NULL &&
	    system_api_open(&sup->api, sup->settings->api_path, &sup->loop, &api_ops, sup, why,
			    why_len) < 0)
		return -1;
	if (console_open(&sup->terminal, CONSOLE_STDIO, NULL, why, why_len) < 0)
		return -1;
	sup->terminal.pass_escapes = true;
	/* Raw input, but "\n" still ends a line: svmm's messages from a VM end in "\n" alone. */
	if (sup->terminal.raw_mode) {
		struct termios mode;

		if (tcgetattr(STDIN_FILENO, &mode) == 0) {
			mode.c_oflag |= OPOST | ONLCR;
			tcsetattr(STDIN_FILENO, TCSANOW, &mode);
		}
	}
	return console_attach(&sup->terminal, &sup->loop, terminal_input, quit_requested, sup);
}

static void teardown(struct supervisor *sup)
{
	system_api_close(&sup->api);
	console_close(&sup->terminal);
	event_loop_fini(&sup->loop);
	if (sup->signal_source.fd >= 0)
		close(sup->signal_source.fd);
	if (sup->grace_source.fd >= 0)
		close(sup->grace_source.fd);
	sigprocmask(SIG_SETMASK, &sup->original_mask, NULL);
	signal(SIGPIPE, SIG_DFL);
}

static void greet(struct supervisor *sup)
{
	const struct system_config *sys = sup->sys;

	if (sup->mux.has_selected)
		notice(sup,
		       "system %s: %u VMs; input goes to vm %s; Ctrl-A 1..%u switches, "
		       "Ctrl-A x stops every VM",
		       sys->name, sys->vm_count, sys->vms[sup->mux.selected].name, sys->vm_count);
	else
		notice(sup, "system %s: %u VMs, no console here; Ctrl-A x stops every VM",
		       sys->name, sys->vm_count);
}

int run_system(const struct system_config *sys, const struct cli_settings *settings)
{
	struct supervisor *sup = calloc(1, sizeof(*sup));
	char why[512] = "";
	int status;

	if (sup == NULL) {
		fprintf(stderr, "svmm: out of memory\n");
		return SVMM_EXIT_ERROR;
	}
	sup->sys = sys;
	sup->settings = settings;
	sup->self = getpid();
	sup->signal_source.fd = sup->grace_source.fd = sup->loop.epoll_fd = -1;
	if (setup(sup, why, sizeof(why)) < 0) {
		teardown(sup);
		free(sup);
		fprintf(stderr, "svmm: %s\n", why);
		return SVMM_EXIT_ERROR;
	}
	greet(sup);
	for (unsigned i = 0; i < sys->vm_count && !sup->stopping; i++) {
		if (start_vm(&sup->children[i]) < 0)
			sup->failed = true;
	}
	if (sup->running > 0 && event_loop_run(&sup->loop) < 0)
		sup->failed = true;
	notice(sup, "system %s: every VM is stopped", sys->name);
	if (sup->stop_signal != 0)
		status = SVMM_EXIT_SIGNAL_BASE + sup->stop_signal;
	else if (sup->reset_exit)
		status = SVMM_EXIT_GUEST_RESET;
	else
		status = sup->failed ? SVMM_EXIT_ERROR : SVMM_EXIT_POWEROFF;
	teardown(sup);
	free(sup);
	return status;
}
