/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host end of the guest's console: svmm's stdin/stdout (raw mode when
 * stdin is a terminal, restored on every exit path), a new pseudo-terminal,
 * or a unix socket that one client at a time connects to.
 *
 * On a terminal, Ctrl-A x quits svmm (Ctrl-A Ctrl-A sends one Ctrl-A), as in
 * QEMU, since Ctrl-C goes to the guest.
 */
#ifndef SVMM_HOST_LINUX_CONSOLE_H
#define SVMM_HOST_LINUX_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "config/vm_config.h"
#include "host/linux/event_loop.h"

#define CONSOLE_PENDING_INPUT 4096

/* Offers input to the guest; returns how many bytes it took. */
typedef size_t (*console_deliver_fn)(void *ctx, const uint8_t *data, size_t len);

struct console {
	enum console_backend backend;
	int in_fd, out_fd; /* -1 while no socket client is connected */
	int listen_fd;
	char *socket_path;
	bool raw_mode;
	/* Ctrl-A sequences reach `deliver` untouched: a caller with its own escapes. */
	bool pass_escapes;
	struct termios saved_termios;
	bool escape_pending;
	bool input_closed;
	uint8_t pending[CONSOLE_PENDING_INPUT];
	size_t pending_len;
	struct event_loop *loop;
	struct event_source input_source, listen_source;
	console_deliver_fn deliver;
	void (*on_quit)(void *ctx);
	void *ctx;
};

/* Opens the backend; -errno with a one-line reason in `why` on failure. */
int console_open(struct console *console, enum console_backend backend, const char *path, char *why,
		 size_t why_len);

/* Starts reading input into the guest through `deliver`. */
int console_attach(struct console *console, struct event_loop *loop, console_deliver_fn deliver,
		   void (*on_quit)(void *ctx), void *ctx);

/* Offers held-back input to the guest again (call when the guest may have room). */
void console_retry_input(struct console *console);

/* Guest output; matches struct pl011_backend's write. */
void console_write(void *console, const uint8_t *data, size_t len);

/* Restores the terminal and closes everything. */
void console_close(struct console *console);

#endif
