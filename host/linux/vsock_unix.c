/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/vsock_unix.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"
#include "core/vm.h"
#include "host/linux/unix_socket.h"

#define VSOCK_UNIX_BACKLOG 16

static struct vm *vu_vm(struct vsock_unix *vu)
{
	return vu->dev->virtio.vm;
}

static void vu_on_sock_event(struct event_source *source, uint32_t events);

static struct vsock_unix_sock *vu_sock_alloc(struct vsock_unix *vu, int fd)
{
	for (size_t i = 0; i < VSOCK_UNIX_MAX_SOCKETS; i++) {
		struct vsock_unix_sock *s = &vu->socks[i];
		unsigned generation = s->generation + 1;

		if (s->state != VSOCK_UNIX_FREE)
			continue;
		*s = (struct vsock_unix_sock){.vu = vu, .generation = generation, .fd = fd};
		s->source = (struct event_source){.fd = fd, .on_event = vu_on_sock_event, .ctx = s};
		return s;
	}
	return NULL;
}

/* Closes the socket and returns its slot to the pool; no device calls. */
static void vu_release(struct vsock_unix_sock *s)
{
	struct vsock_unix *vu = s->vu;

	if ((s->state == VSOCK_UNIX_CONNECTING || s->state == VSOCK_UNIX_OPEN) &&
	    s->id < VSOCK_MAX_CONNS && vu->by_id[s->id] == s)
		vu->by_id[s->id] = NULL;
	if (s->registered)
		event_loop_remove(vu->loop, &s->source);
	close(s->fd);
	free(s->held);
	s->held = NULL;
	s->held_len = 0;
	s->registered = false;
	s->fd = -1;
	s->state = VSOCK_UNIX_FREE;
}

/*
 * Brings the epoll registration in line with what the socket waits for.
 * A socket that waits for nothing leaves the epoll set: epoll reports a
 * hang-up whatever the mask, and a level-triggered hang-up nobody can act
 * on yet would spin the loop. A CONNECTING socket stays in (mask 0) for
 * exactly that hang-up: the program gave up waiting for the guest.
 */
static void vu_update_watch(struct vsock_unix_sock *s)
{
	struct vsock_unix *vu = s->vu;
	uint32_t want = (s->want_read ? (uint32_t)EPOLLIN : 0) |
			(s->held_len > 0 || s->failed ? (uint32_t)EPOLLOUT : 0);

	if (want == 0 && s->state != VSOCK_UNIX_CONNECTING) {
		if (s->registered)
			event_loop_remove(vu->loop, &s->source);
		s->registered = false;
		return;
	}
	if (!s->registered) {
		if (event_loop_add(vu->loop, &s->source) < 0) {
			log_limited(&vu_vm(vu)->log, &vu->log, LOG_WARN,
				    "vsock: cannot watch a socket: %s", strerror(errno));
			return;
		}
		s->registered = true;
		s->watching = EPOLLIN;
	}
	if (s->watching != want && event_loop_set_events(vu->loop, &s->source, want) == 0)
		s->watching = want;
}

/* Appends guest bytes the socket could not take to the held ring. */
static int vu_hold(struct vsock_unix_sock *s, const uint8_t *data, size_t len)
{
	size_t at;

	/* The device never gives more than its advertised credit; if it did, refuse. */
	if (len > VSOCK_HOST_BUF_ALLOC - s->held_len)
		return -ENOBUFS;
	if (s->held == NULL) {
		s->held = malloc(VSOCK_HOST_BUF_ALLOC);
		if (s->held == NULL)
			return -ENOMEM;
		s->held_start = 0;
	}
	at = (s->held_start + s->held_len) % VSOCK_HOST_BUF_ALLOC;
	for (size_t done = 0; done < len;) {
		size_t chunk = VSOCK_HOST_BUF_ALLOC - at;

		if (chunk > len - done)
			chunk = len - done;
		memcpy(s->held + at, data + done, chunk);
		done += chunk;
		at = (at + chunk) % VSOCK_HOST_BUF_ALLOC;
	}
	s->held_len += len;
	return 0;
}

/*
 * Writes held bytes until the socket is full: 0 and *written, or -errno
 * when the socket is broken.
 */
static int vu_flush(struct vsock_unix_sock *s, size_t *written)
{
	*written = 0;
	while (s->held_len > 0) {
		size_t chunk = VSOCK_HOST_BUF_ALLOC - s->held_start;
		ssize_t n;

		if (chunk > s->held_len)
			chunk = s->held_len;
		n = send(s->fd, s->held + s->held_start, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		s->held_start = (s->held_start + (size_t)n) % VSOCK_HOST_BUF_ALLOC;
		s->held_len -= (size_t)n;
		*written += (size_t)n;
	}
	if (s->held_len == 0) {
		/* Held bytes are rare (a full socket): give the memory back. */
		free(s->held);
		s->held = NULL;
		s->held_start = 0;
		if (s->shut_write_pending) {
			shutdown(s->fd, SHUT_WR);
			s->shut_write_pending = false;
		}
	}
	vu_update_watch(s);
	return 0;
}

/* ---- the device's host ops (called with the device lock held) ---- */

static struct vsock_unix_sock *vu_by_id(struct vsock_unix *vu, unsigned id)
{
	struct vsock_unix_sock *s = id < VSOCK_MAX_CONNS ? vu->by_id[id] : NULL;

	return s != NULL && s->state == VSOCK_UNIX_OPEN ? s : NULL;
}

static int vu_op_connect(void *ctx, unsigned id, uint32_t port)
{
	struct vsock_unix *vu = ctx;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct vsock_unix_sock *s;
	int len, fd;

	if (id >= VSOCK_MAX_CONNS)
		return -EINVAL;
	len = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s_%u", vu->path, (unsigned)port);
	if (len < 0 || (size_t)len >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * Non-blocking, so a listener with a full backlog refuses (EAGAIN)
	 * instead of stalling a vCPU; a unix connect never stays in progress.
	 */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	s = vu_sock_alloc(vu, fd);
	if (s == NULL) {
		close(fd);
		return -EMFILE;
	}
	s->state = VSOCK_UNIX_OPEN;
	s->id = id;
	vu->by_id[id] = s;
	s->want_read = true;
	vu_update_watch(s);
	return 1;
}

static void vu_op_established(void *ctx, unsigned id)
{
	struct vsock_unix *vu = ctx;
	struct vsock_unix_sock *s = id < VSOCK_MAX_CONNS ? vu->by_id[id] : NULL;
	char reply[24];
	int len;
	ssize_t n;

	if (s == NULL || s->state != VSOCK_UNIX_CONNECTING)
		return;
	len = snprintf(reply, sizeof(reply), "OK %u\n", (unsigned)s->local_port);
	s->state = VSOCK_UNIX_OPEN;
	/* A fresh socket has room for a dozen bytes; anything else means it is broken. */
	n = send(s->fd, reply, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != len)
		s->failed = true; /* the event loop tells the device (no re-entry from an op) */
	else
		s->want_read = true;
	vu_update_watch(s);
}

static int vu_op_send(void *ctx, unsigned id, const void *data, size_t len)
{
	struct vsock_unix_sock *s = vu_by_id(ctx, id);
	size_t done = 0;
	int err;

	if (s == NULL || s->failed)
		return -EPIPE;
	/* Behind held bytes, new ones must queue too, or the stream would reorder. */
	if (s->held_len == 0) {
		ssize_t n;

		do
			n = send(s->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (n > 0)
			done = (size_t)n;
	}
	if (done < len) {
		err = vu_hold(s, (const uint8_t *)data + done, len - done);
		if (err < 0)
			return err;
		vu_update_watch(s);
	}
	return (int)done;
}

static int vu_op_recv(void *ctx, unsigned id, void *buf, size_t len)
{
	struct vsock_unix_sock *s = vu_by_id(ctx, id);
	ssize_t n;

	if (s == NULL || s->failed)
		return VSOCK_RECV_ERROR;
	do
		n = recv(s->fd, buf, len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return (int)n;
	if (n == 0)
		return VSOCK_RECV_EOF;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		/* Drained: the next EPOLLIN tells the device there is more. */
		s->want_read = true;
		vu_update_watch(s);
		return 0;
	}
	return VSOCK_RECV_ERROR;
}

static void vu_op_shutdown_write(void *ctx, unsigned id)
{
	struct vsock_unix_sock *s = vu_by_id(ctx, id);

	if (s == NULL)
		return;
	/* The program sees end of file only after every byte before it. */
	if (s->held_len == 0)
		shutdown(s->fd, SHUT_WR);
	else
		s->shut_write_pending = true;
}

static void vu_op_close(void *ctx, unsigned id)
{
	struct vsock_unix *vu = ctx;
	struct vsock_unix_sock *s = id < VSOCK_MAX_CONNS ? vu->by_id[id] : NULL;

	if (s == NULL)
		return;
	vu->by_id[id] = NULL;
	if (s->state == VSOCK_UNIX_OPEN && s->held_len > 0 && !s->failed) {
		/* The guest's last bytes are the program's too: write them out first. */
		s->state = VSOCK_UNIX_LINGER;
		s->want_read = false;
		vu_update_watch(s);
		return;
	}
	vu_release(s);
}

static const struct vsock_host_ops vu_ops = {
    .connect = vu_op_connect,
    .established = vu_op_established,
    .send = vu_op_send,
    .recv = vu_op_recv,
    .shutdown_write = vu_op_shutdown_write,
    .close = vu_op_close,
};

/* ---- event loop side (takes the device lock) ---- */

/* The program's socket is gone: tell the device, after freeing our side. */
static void vu_abort(struct vsock_unix_sock *s)
{
	struct vsock_unix *vu = s->vu;
	bool device_knows = s->state == VSOCK_UNIX_CONNECTING || s->state == VSOCK_UNIX_OPEN;
	unsigned id = s->id;

	vu_release(s);
	if (device_knows)
		virtio_vsock_host_closed(vu->dev, id);
}

/* "CONNECT <port>" with a decimal port that fits 32 bits, and nothing else. */
static bool vu_parse_connect(const char *line, size_t len, uint32_t *port)
{
	static const char prefix[] = "CONNECT ";
	uint64_t value = 0;
	size_t i = sizeof(prefix) - 1;

	if (len <= i || memcmp(line, prefix, i) != 0 || len - i > 10)
		return false;
	for (; i < len; i++) {
		if (line[i] < '0' || line[i] > '9')
			return false;
		value = value * 10 + (uint64_t)(line[i] - '0');
	}
	if (value > UINT32_MAX)
		return false;
	*port = (uint32_t)value;
	return true;
}

/*
 * Reads the CONNECT line without reading past it: bytes after the newline
 * are already the program's data for the guest. Peeking finds the newline;
 * bytes before it are line bytes, taken as they come.
 */
static void vu_handshake(struct vsock_unix_sock *s)
{
	struct vsock_unix *vu = s->vu;
	char peek[VSOCK_UNIX_LINE_MAX];
	size_t room = sizeof(s->line) - s->line_len;
	const char *newline;
	size_t take;
	ssize_t n;
	uint32_t port, local_port;
	unsigned id;

	n = recv(s->fd, peek, room, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		vu_release(s);
		return;
	}
	newline = memchr(peek, '\n', (size_t)n);
	take = newline != NULL ? (size_t)(newline - peek) + 1 : (size_t)n;
	if (recv(s->fd, s->line + s->line_len, take, MSG_DONTWAIT) != (ssize_t)take) {
		vu_release(s);
		return;
	}
	s->line_len += take;
	if (newline == NULL) {
		if (s->line_len == sizeof(s->line))
			vu_release(s); /* overlong: not a CONNECT line */
		return;
	}
	if (!vu_parse_connect(s->line, s->line_len - 1, &port) ||
	    virtio_vsock_host_connect(vu->dev, port, &id, &local_port) < 0) {
		vu_release(s);
		return;
	}
	s->state = VSOCK_UNIX_CONNECTING;
	s->id = id;
	s->local_port = local_port;
	vu->by_id[id] = s;
	/* Nothing is read until the guest accepts; the hang-up is still watched. */
	s->want_read = false;
	vu_update_watch(s);
}

/* Whether the socket's peer has hung up, asked now: an epoll event may be stale. */
static bool vu_peer_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = 0};

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)) != 0;
}

static void vu_serve(struct vsock_unix_sock *s, uint32_t events)
{
	struct vsock_unix *vu = s->vu;
	unsigned generation = s->generation;
	unsigned id = s->id;

	if (s->failed) {
		vu_abort(s);
		return;
	}
	if (s->held_len > 0) {
		size_t written;

		if (vu_flush(s, &written) < 0) {
			vu_abort(s);
			return;
		}
		if (written > 0) {
			virtio_vsock_host_consumed(vu->dev, id, written);
			/* The device may have closed (even reused) this socket meanwhile. */
			if (s->generation != generation || s->state != VSOCK_UNIX_OPEN)
				return;
		}
	}
	if (s->want_read && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		/* The device reads when it has room; until then input waits in the socket. */
		s->want_read = false;
		vu_update_watch(s);
		virtio_vsock_host_readable(vu->dev, id);
	}
}

static void vu_on_sock_event(struct event_source *source, uint32_t events)
{
	struct vsock_unix_sock *s = source->ctx;
	struct vsock_unix *vu = s->vu;
	size_t written;

	vm_lock_devices(vu_vm(vu));
	switch (s->state) {
	case VSOCK_UNIX_HANDSHAKE:
		vu_handshake(s);
		break;
	case VSOCK_UNIX_CONNECTING:
		if (vu_peer_gone(s->fd))
			vu_abort(s);
		break;
	case VSOCK_UNIX_OPEN:
		vu_serve(s, events);
		break;
	case VSOCK_UNIX_LINGER:
		if (vu_flush(s, &written) < 0 || s->held_len == 0)
			vu_release(s);
		break;
	case VSOCK_UNIX_FREE:
		break; /* an event from before the socket closed */
	}
	vm_unlock_devices(vu_vm(vu));
}

static void vu_on_accept(struct event_source *source, uint32_t events)
{
	struct vsock_unix *vu = source->ctx;
	struct vsock_unix_sock *s;
	int fd;

	(void)events;
	fd = accept4(vu->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	vm_lock_devices(vu_vm(vu));
	s = vu_sock_alloc(vu, fd);
	if (s == NULL) {
		log_limited(&vu_vm(vu)->log, &vu->log, LOG_WARN,
			    "vsock: %d host sockets already open; connection on %s refused",
			    VSOCK_UNIX_MAX_SOCKETS, vu->path);
		close(fd);
	} else {
		s->state = VSOCK_UNIX_HANDSHAKE;
		s->want_read = true;
		vu_update_watch(s);
	}
	vm_unlock_devices(vu_vm(vu));
}

/* ---- set-up ---- */

/* A socket file left by an svmm that died: nobody accepts on it. */
static bool vu_stale_socket(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return false;
	fd = host_unix_connect(path);
	if (fd >= 0)
		close(fd);
	return fd == -ECONNREFUSED;
}

int vsock_unix_open(struct vsock_unix *vu, const char *path, char *why, size_t why_len)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd, err;

	memset(vu, 0, sizeof(*vu));
	vu->listen_fd = -1;
	for (size_t i = 0; i < VSOCK_UNIX_MAX_SOCKETS; i++)
		vu->socks[i].fd = -1;
	/* Room for the "_<port>" of guest-initiated sockets is the config's to check. */
	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(why, why_len, "vsock socket path \"%s\" is longer than %zu bytes", path,
			 sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != EADDRINUSE || !vu_stale_socket(path) || unlink(path) < 0 ||
		    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
			goto fail;
	}
	if (listen(fd, VSOCK_UNIX_BACKLOG) < 0)
		goto fail;
	vu->path = strdup(path);
	if (vu->path == NULL) {
		errno = ENOMEM;
		goto fail;
	}
	vu->listen_fd = fd;
	return 0;
fail:
	err = -errno;
	snprintf(why, why_len, "vsock socket \"%s\": %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err;
}

int vsock_unix_attach(struct vsock_unix *vu, struct event_loop *loop, struct virtio_vsock *dev)
{
	vu->loop = loop;
	vu->dev = dev;
	virtio_vsock_set_host(dev, &vu_ops, vu);
	vu->listen_source =
	    (struct event_source){.fd = vu->listen_fd, .on_event = vu_on_accept, .ctx = vu};
	return event_loop_add(loop, &vu->listen_source);
}

void vsock_unix_close(struct vsock_unix *vu)
{
	for (size_t i = 0; i < VSOCK_UNIX_MAX_SOCKETS; i++) {
		if (vu->socks[i].state != VSOCK_UNIX_FREE)
			vu_release(&vu->socks[i]);
	}
	memset(vu->by_id, 0, sizeof(vu->by_id));
	/* The device may be reset later: it must not call into a host that is gone. */
	if (vu->dev != NULL)
		virtio_vsock_set_host(vu->dev, NULL, NULL);
	if (vu->listen_fd >= 0) {
		if (vu->loop != NULL)
			event_loop_remove(vu->loop, &vu->listen_source);
		close(vu->listen_fd);
		vu->listen_fd = -1;
	}
	if (vu->path != NULL) {
		unlink(vu->path);
		free(vu->path);
		vu->path = NULL;
	}
}
