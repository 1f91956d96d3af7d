/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/console.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "host/linux/file.h"

#define CONSOLE_ESCAPE 0x01 /* Ctrl-A */

/*
 * The terminal state to put back if svmm dies of a fatal signal. This is the
 * one piece of process-wide state in svmm, because the terminal itself is
 * process-wide and a signal handler can reach nothing else.
 */
static struct termios crash_restore_termios;
static volatile sig_atomic_t crash_restore_armed;

static void console_crash_handler(int signal)
{
	if (crash_restore_armed)
		tcsetattr(STDIN_FILENO, TCSANOW, &crash_restore_termios);
	/* SA_RESETHAND restored the default action: die of the same signal. */
	raise(signal);
}

static void console_arm_crash_restore(const struct termios *saved)
{
	static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGQUIT};
	struct sigaction action = {.sa_handler = console_crash_handler,
				   .sa_flags = (int)SA_RESETHAND};

	crash_restore_termios = *saved;
	crash_restore_armed = 1;
	sigemptyset(&action.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		sigaction(fatal_signals[i], &action, NULL);
}

static int console_enter_raw_mode(struct console *console)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &console->saved_termios) < 0)
		return -errno;
	raw = console->saved_termios;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
		return -errno;
	console->raw_mode = true;
	console_arm_crash_restore(&console->saved_termios);
	return 0;
}

static int console_open_pty(struct console *console, char *why, size_t why_len)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct termios raw;
	const char *name;

	if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0 || (name = ptsname(fd)) == NULL) {
		snprintf(why, why_len, "cannot create a pseudo-terminal: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	/* The guest's line discipline does the echoing and line editing. */
	if (tcgetattr(fd, &raw) == 0) {
		cfmakeraw(&raw);
		tcsetattr(fd, TCSANOW, &raw);
	}
	/* Output with nobody on the other end is dropped rather than stalling the guest. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	console->in_fd = console->out_fd = fd;
	fprintf(stderr, "svmm: console on %s\n", name);
	return 0;
}

static int console_open_socket(struct console *console, const char *path, char *why, size_t why_len)
{
	struct sockaddr_un address = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(address.sun_path)) {
		snprintf(why, why_len, "console socket path \"%s\" is longer than %zu bytes", path,
			 sizeof(address.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(address.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof(address)) < 0 ||
	    listen(fd, 1) < 0) {
		int err = -errno;

		snprintf(why, why_len, "console socket \"%s\": %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	console->listen_fd = fd;
	console->socket_path = strdup(path);
	return 0;
}

int console_open(struct console *console, enum console_backend backend, const char *path, char *why,
		 size_t why_len)
{
	memset(console, 0, sizeof(*console));
	console->backend = backend;
	console->in_fd = console->out_fd = console->listen_fd = -1;
	switch (backend) {
	case CONSOLE_STDIO:
		console->in_fd = STDIN_FILENO;
		console->out_fd = STDOUT_FILENO;
		if (isatty(STDIN_FILENO))
			console_enter_raw_mode(console);
		return 0;
	case CONSOLE_PTY:
		return console_open_pty(console, why, why_len);
	case CONSOLE_SOCKET:
		return console_open_socket(console, path, why, why_len);
	case CONSOLE_NONE:
		/* No descriptors: output is dropped, and there is never input. */
		return 0;
	}
	snprintf(why, why_len, "unknown console backend %d", (int)backend);
	return -EINVAL;
}

void console_retry_input(struct console *console)
{
	size_t taken;

	if (console->pending_len == 0)
		return;
	taken = console->deliver(console->ctx, console->pending, console->pending_len);
	memmove(console->pending, console->pending + taken, console->pending_len - taken);
	console->pending_len -= taken;
	/* Read more only once the guest has taken what is held back. */
	if (console->pending_len == 0 && !console->input_closed && console->in_fd >= 0)
		event_loop_watch(console->loop, &console->input_source, true);
}

/* Takes Ctrl-A sequences out of terminal input; false when the user asked to quit. */
static bool console_filter_escape(struct console *console, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (console->escape_pending) {
			console->escape_pending = false;
			if (data[i] == 'x' || data[i] == 'X')
				return false;
			if (data[i] != CONSOLE_ESCAPE)
				continue;
		} else if (data[i] == CONSOLE_ESCAPE) {
			console->escape_pending = true;
			continue;
		}
		console->pending[console->pending_len++] = data[i];
	}
	return true;
}

static void console_client_gone(struct console *console)
{
	event_loop_remove(console->loop, &console->input_source);
	if (console->backend == CONSOLE_SOCKET) {
		close(console->in_fd);
		console->in_fd = console->out_fd = -1;
		event_loop_watch(console->loop, &console->listen_source, true);
	} else {
		/* stdin at end of file: the guest keeps running without input. */
		console->input_closed = true;
	}
}

static void console_on_input(struct event_source *source, uint32_t events)
{
	struct console *console = source->ctx;
	uint8_t buffer[CONSOLE_PENDING_INPUT];
	size_t room = sizeof(console->pending) - console->pending_len;
	ssize_t got;

	(void)events;
	got = read(console->in_fd, buffer, room);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* A pty reports EIO while no program has its other end open: wait for one. */
	if (got < 0 && errno == EIO && console->backend == CONSOLE_PTY)
		return;
	if (got <= 0) {
		console_client_gone(console);
		return;
	}
	if (console->raw_mode && !console->pass_escapes) {
		if (!console_filter_escape(console, buffer, (size_t)got)) {
			console->on_quit(console->ctx);
			return;
		}
	} else {
		memcpy(console->pending + console->pending_len, buffer, (size_t)got);
		console->pending_len += (size_t)got;
	}
	if (console->pending_len > 0)
		event_loop_watch(console->loop, &console->input_source, false);
	console_retry_input(console);
}

static void console_on_connect(struct event_source *source, uint32_t events)
{
	struct console *console = source->ctx;
	int fd = accept4(console->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	(void)events;
	if (fd < 0)
		return;
	console->in_fd = console->out_fd = fd;
	console->input_source.fd = fd;
	if (event_loop_add(console->loop, &console->input_source) < 0) {
		close(fd);
		console->in_fd = console->out_fd = -1;
		return;
	}
	/* One client at a time: the next waits in the backlog until this one leaves. */
	event_loop_watch(console->loop, &console->listen_source, false);
}

int console_attach(struct console *console, struct event_loop *loop, console_deliver_fn deliver,
		   void (*on_quit)(void *ctx), void *ctx)
{
	console->loop = loop;
	console->deliver = deliver;
	console->on_quit = on_quit;
	console->ctx = ctx;
	console->input_source = (struct event_source){
	    .fd = console->in_fd, .on_event = console_on_input, .ctx = console};
	console->listen_source = (struct event_source){
	    .fd = console->listen_fd, .on_event = console_on_connect, .ctx = console};
	if (console->listen_fd >= 0)
		return event_loop_add(loop, &console->listen_source);
	if (console->in_fd >= 0 && event_loop_add(loop, &console->input_source) < 0)
		/* stdin may be a regular file or /dev/null, which epoll refuses: no input then. */
		console->input_closed = true;
	return 0;
}

void console_write(void *opaque, const uint8_t *data, size_t len)
{
	struct console *console = opaque;

	/* Nobody reading (a full pty, a gone client): drop rather than stall the guest. */
	host_write_or_drop(console->out_fd, data, len);
}

void console_close(struct console *console)
{
	if (console->raw_mode) {
		tcsetattr(STDIN_FILENO, TCSANOW, &console->saved_termios);
		crash_restore_armed = 0;
		console->raw_mode = false;
	}
	if (console->backend != CONSOLE_STDIO && console->in_fd >= 0)
		close(console->in_fd);
	if (console->listen_fd >= 0)
		close(console->listen_fd);
	if (console->socket_path != NULL) {
		unlink(console->socket_path);
		free(console->socket_path);
	}
	console->in_fd = console->out_fd = console->listen_fd = -1;
	console->socket_path = NULL;
}
