/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host end of virtio-vsock on Linux: unix sockets, with Firecracker's
 * conventions so tools written for it work unchanged.
 *
 * Host to guest: a program connects to the unix socket PATH and writes
 * "CONNECT <port>\n" (decimal, at most VSOCK_UNIX_LINE_MAX bytes with the
 * newline). svmm opens a stream from host CID 2 (an ephemeral port) to
 * guest port <port>; once the guest accepts, svmm writes
 * "OK <host port>\n" and relays bytes both ways. A malformed or overlong
 * line, a guest that refuses or resets, or a full connection table closes
 * the program's socket without a reply (as Firecracker does: the program
 * sees end of file where it expected "OK").
 *
 * Guest to host: a guest connecting to CID 2 port P reaches the unix
 * socket "PATH_P" (e.g. /run/vm0.vsock_52), which a host program listens
 * on; if nobody does, the guest's connect is refused (RST).
 *
 * Every socket is non-blocking and served by the event loop; guest bytes a
 * socket cannot take at once are held (at most VSOCK_HOST_BUF_ALLOC per
 * connection, the credit the device advertised) and written on EPOLLOUT.
 * All state is touched only with the VM's device lock held: event
 * callbacks take it, and the device calls the host ops with it held (from
 * vCPU threads too).
 */
#ifndef SVMM_HOST_LINUX_VSOCK_UNIX_H
#define SVMM_HOST_LINUX_VSOCK_UNIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/linux/event_loop.h"
#include "virtio/vsock.h"

/* "CONNECT 4294967295\n" is 19 bytes; a little slack, no more. */
#define VSOCK_UNIX_LINE_MAX 32
/*
 * Host sockets at once: the device's connections, plus programs still
 * sending their CONNECT line and sockets still flushing after the guest
 * closed. Further programs are closed at once.
 */
#define VSOCK_UNIX_MAX_SOCKETS (2 * VSOCK_MAX_CONNS)

enum vsock_unix_state {
	VSOCK_UNIX_FREE = 0,
	VSOCK_UNIX_HANDSHAKE,  /* waiting for "CONNECT <port>\n" */
	VSOCK_UNIX_CONNECTING, /* REQUEST sent to the guest; waiting for its answer */
	VSOCK_UNIX_OPEN,       /* relaying */
	VSOCK_UNIX_LINGER,     /* the guest side is gone; writing out held bytes, then close */
};

struct vsock_unix;

/*
 * One host socket. Sockets live in a fixed pool and are never freed while
 * svmm runs: an event for a socket that closed meanwhile (on another
 * thread, or earlier in the same epoll batch) then lands on a slot that is
 * still valid memory, and every handler checks the state before acting.
 */
struct vsock_unix_sock {
	struct vsock_unix *vu;
	struct event_source source;
	enum vsock_unix_state state;
	unsigned generation; /* bumped on every reuse, to spot reuse during a device call */
	int fd;
	unsigned id;		 /* the device's connection id (CONNECTING, OPEN) */
	uint32_t local_port;	 /* host port of a host-initiated connection */
	bool registered;	 /* in the epoll set */
	uint32_t watching;	 /* epoll events asked for */
	bool want_read;		 /* the device wants to hear when there is input */
	bool failed;		 /* broken inside a host op: report it from the event loop */
	bool shut_write_pending; /* half-close once the held bytes are out */
	uint8_t *held;		 /* ring of guest bytes not yet written (malloc'd on first use) */
	size_t held_start, held_len;
	char line[VSOCK_UNIX_LINE_MAX];
	size_t line_len;
};

struct vsock_unix {
	char *path;
	int listen_fd;
	struct event_loop *loop;
	struct virtio_vsock *dev;
	struct event_source listen_source;
	struct log_ratelimit log;
	struct vsock_unix_sock *by_id[VSOCK_MAX_CONNS];
	struct vsock_unix_sock socks[VSOCK_UNIX_MAX_SOCKETS];
};

/*
 * Creates the listening socket at `path` (mode from the umask). A stale
 * socket file nobody listens on is replaced; anything else there is an
 * error. 0, or -errno with a one-line reason in `why`.
 */
int vsock_unix_open(struct vsock_unix *vu, const char *path, char *why, size_t why_len);

/*
 * Becomes `dev`'s host side (virtio_vsock_set_host) and starts accepting
 * programs on `loop`. 0 or -errno.
 */
int vsock_unix_attach(struct vsock_unix *vu, struct event_loop *loop, struct virtio_vsock *dev);

/* Closes every socket and removes the listening socket's file; no device calls. */
void vsock_unix_close(struct vsock_unix *vu);

#endif
