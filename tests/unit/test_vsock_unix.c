/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unix-socket host side of virtio-vsock against a fake device: real
 * sockets in a temporary directory and a real epoll event loop, pumped by
 * the test; the test plays the device, calling the host ops as the device
 * would, and its definitions of the device entry points record what the
 * host side reported. (They replace virtio/vsock.c in this program, which
 * therefore never pulls vsock.o from the library.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/vm.h"
#include "host/linux/event_loop.h"
#include "host/linux/vsock_unix.h"
#include "virtio/vsock.h"

#define FAKE_ID	  5u
#define FAKE_PORT 0x40000007u

/* ---- the fake device ---- */

struct fake_device {
	const struct vsock_host_ops *ops;
	void *ctx;
	unsigned connects;
	uint32_t connect_port;
	int connect_result;
	unsigned readable[VSOCK_MAX_CONNS];
	size_t consumed[VSOCK_MAX_CONNS];
	unsigned closed[VSOCK_MAX_CONNS];
};

struct fixture {
	char dir[64];
	char path[128];
	struct vm vm;
	struct virtio_vsock dev;
	struct event_loop loop;
	struct vsock_unix vu;
	struct fake_device fake;
};

/* The fake entry points find their fixture from the device they are given. */
static struct fake_device *fake_of(struct virtio_vsock *vs)
{
	return &((struct fixture *)((char *)vs - offsetof(struct fixture, dev)))->fake;
}

void virtio_vsock_set_host(struct virtio_vsock *vs, const struct vsock_host_ops *ops, void *ctx)
{
	fake_of(vs)->ops = ops;
	fake_of(vs)->ctx = ctx;
}

int virtio_vsock_host_connect(struct virtio_vsock *vs, uint32_t guest_port, unsigned *conn,
			      uint32_t *local_port)
{
	struct fake_device *fake = fake_of(vs);

	fake->connects++;
	fake->connect_port = guest_port;
	if (fake->connect_result < 0)
		return fake->connect_result;
	*conn = FAKE_ID;
	*local_port = FAKE_PORT;
	return 0;
}

void virtio_vsock_host_readable(struct virtio_vsock *vs, unsigned conn)
{
	assert_true(conn < VSOCK_MAX_CONNS);
	fake_of(vs)->readable[conn]++;
}

void virtio_vsock_host_consumed(struct virtio_vsock *vs, unsigned conn, size_t n)
{
	assert_true(conn < VSOCK_MAX_CONNS);
	fake_of(vs)->consumed[conn] += n;
}

void virtio_vsock_host_closed(struct virtio_vsock *vs, unsigned conn)
{
	assert_true(conn < VSOCK_MAX_CONNS);
	fake_of(vs)->closed[conn]++;
}

/* ---- helpers ---- */

/* Dispatches events until none arrive for a short while. */
static void pump(struct fixture *f)
{
	struct epoll_event events[16];

	for (;;) {
		int n = epoll_wait(f->loop.epoll_fd, events, 16, 50);

		assert_true(n >= 0);
		if (n == 0)
			return;
		for (int i = 0; i < n; i++) {
			struct event_source *source = events[i].data.ptr;

			source->on_event(source, events[i].events);
		}
	}
}

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char why[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/svmm-vsock-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vm.vsock", f->dir);
	vm_init(&f->vm, "test", NULL);
	f->dev.virtio.vm = &f->vm;
	assert_int_equal(event_loop_init(&f->loop), 0);
	assert_int_equal(vsock_unix_open(&f->vu, f->path, why, sizeof(why)), 0);
	assert_int_equal(vsock_unix_attach(&f->vu, &f->loop, &f->dev), 0);
	assert_non_null(f->fake.ops);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	vsock_unix_close(&f->vu);
	event_loop_fini(&f->loop);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int client_connect(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(addr.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

static int listen_at(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(addr.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void client_write(int fd, const char *text)
{
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

/*
 * Reads what is there without waiting: the byte count, 0 when svmm closed
 * the socket (end of file, or a reset when it left bytes unread), -1 if
 * nothing is there yet.
 */
static ssize_t client_read_now(int fd, void *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

	if (n < 0 && errno == ECONNRESET)
		return 0;
	assert_true(n >= 0 || errno == EAGAIN);
	return n;
}

/* A program that connected and asked for guest port 52, accepted by the guest. */
static int open_host_initiated(struct fixture *f, const char *first_bytes)
{
	char reply[64];
	int fd = client_connect(f->path);
	char line[64];

	snprintf(line, sizeof(line), "CONNECT 52\n%s", first_bytes);
	client_write(fd, line);
	pump(f);
	assert_int_equal(f->fake.connects, 1);
	assert_int_equal(f->fake.connect_port, 52);
	/* Nothing is said to the program before the guest accepts. */
	assert_int_equal(client_read_now(fd, reply, sizeof(reply)), -1);
	f->fake.ops->established(f->fake.ctx, FAKE_ID);
	memset(reply, 0, sizeof(reply));
	assert_int_equal(client_read_now(fd, reply, sizeof(reply)), 14);
	assert_string_equal(reply, "OK 1073741831\n");
	return fd;
}

/* ---- tests ---- */

static void test_socket_file_lifecycle(void **state)
{
	struct fixture *f = *state;
	struct vsock_unix other;
	struct stat st;
	char why[256];
	char path[160];
	int fd;

	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	/* A second svmm on the same live socket is refused. */
	assert_true(vsock_unix_open(&other, f->path, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, f->path));
	/* A stale socket file (its svmm died) is replaced. */
	snprintf(path, sizeof(path), "%s/stale.vsock", f->dir);
	fd = listen_at(path);
	close(fd);
	assert_int_equal(vsock_unix_open(&other, path, why, sizeof(why)), 0);
	vsock_unix_close(&other);
	assert_int_not_equal(stat(path, &st), 0);
	/* Anything else in the way is an error, and is left alone. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_true(vsock_unix_open(&other, path, why, sizeof(why)) < 0);
	assert_int_equal(stat(path, &st), 0);
	/* The device got the host ops. */
	assert_non_null(f->fake.ops->connect);
}

static void test_host_connect_and_relay(void **state)
{
	struct fixture *f = *state;
	char buf[64];
	int fd = open_host_initiated(f, "hello");

	/* The bytes after the CONNECT line were left for the guest. */
	pump(f);
	assert_int_equal(f->fake.readable[FAKE_ID], 1);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(f->fake.ops->recv(f->fake.ctx, FAKE_ID, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	/* Drained: the host says so, and reports the next input. */
	assert_int_equal(f->fake.ops->recv(f->fake.ctx, FAKE_ID, buf, sizeof(buf)), 0);
	pump(f);
	assert_int_equal(f->fake.readable[FAKE_ID], 1);
	client_write(fd, "more");
	pump(f);
	assert_int_equal(f->fake.readable[FAKE_ID], 2);
	/* Until the device pulls, further input is not reported again. */
	client_write(fd, "!");
	pump(f);
	assert_int_equal(f->fake.readable[FAKE_ID], 2);
	assert_int_equal(f->fake.ops->recv(f->fake.ctx, FAKE_ID, buf, sizeof(buf)), 5);
	/* Guest bytes reach the program. */
	assert_int_equal(f->fake.ops->send(f->fake.ctx, FAKE_ID, "reply", 5), 5);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(client_read_now(fd, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "reply");
	/* The program half-closes: the guest hears end of file. */
	shutdown(fd, SHUT_WR);
	pump(f);
	assert_int_equal(f->fake.ops->recv(f->fake.ctx, FAKE_ID, buf, sizeof(buf)), VSOCK_RECV_EOF);
	close(fd);
}

static void test_program_eof_reaches_device(void **state)
{
	struct fixture *f = *state;
	char buf[16];
	int fd = open_host_initiated(f, "");

	client_write(fd, "x");
	shutdown(fd, SHUT_WR);
	pump(f);
	assert_int_equal(f->fake.readable[FAKE_ID], 1);
	assert_int_equal(f->fake.ops->recv(f->fake.ctx, FAKE_ID, buf, sizeof(buf)), 1);
	assert_int_equal(f->fake.ops->recv(f->fake.ctx, FAKE_ID, buf, sizeof(buf)), VSOCK_RECV_EOF);
	/* The other direction still works. */
	assert_int_equal(f->fake.ops->send(f->fake.ctx, FAKE_ID, "y", 1), 1);
	assert_int_equal(client_read_now(fd, buf, sizeof(buf)), 1);
	close(fd);
}

static void test_bad_connect_lines_close(void **state)
{
	struct fixture *f = *state;
	static const char *const lines[] = {
	    "CONNECT\n",     "CONNECT \n",   "connect 52\n",	     "CONNECT 52x\n",
	    "CONNECT  52\n", "CONNECT -1\n", "CONNECT 4294967296\n", "CONNECT 00000000052\n",
	    "HELLO\n",
	};
	char buf[8];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int fd = client_connect(f->path);

		client_write(fd, lines[i]);
		pump(f);
		assert_int_equal(client_read_now(fd, buf, sizeof(buf)), 0);
		close(fd);
	}
	assert_int_equal(f->fake.connects, 0);
}

static void test_overlong_and_slow_lines(void **state)
{
	struct fixture *f = *state;
	char buf[8];
	int fd = client_connect(f->path);

	/* No newline within the limit: closed. */
	client_write(fd, "CONNECT 5555555555555555555555555555555555");
	pump(f);
	assert_int_equal(client_read_now(fd, buf, sizeof(buf)), 0);
	close(fd);
	/* A line that arrives in pieces is fine; the top port is accepted. */
	fd = client_connect(f->path);
	client_write(fd, "CONN");
	pump(f);
	client_write(fd, "ECT 42949");
	pump(f);
	assert_int_equal(f->fake.connects, 0);
	client_write(fd, "67295\n");
	pump(f);
	assert_int_equal(f->fake.connects, 1);
	assert_int_equal(f->fake.connect_port, 4294967295u);
	close(fd);
}

static void test_device_refuses_connect(void **state)
{
	struct fixture *f = *state;
	char buf[8];
	int fd = client_connect(f->path);

	f->fake.connect_result = -28; /* table full */
	client_write(fd, "CONNECT 52\n");
	pump(f);
	assert_int_equal(client_read_now(fd, buf, sizeof(buf)), 0);
	close(fd);
}

static void test_guest_refuses_or_program_leaves(void **state)
{
	struct fixture *f = *state;
	char buf[8];
	int fd = client_connect(f->path);

	client_write(fd, "CONNECT 52\n");
	pump(f);
	/* The guest answers RST: the program sees end of file, no "OK". */
	f->fake.ops->close(f->fake.ctx, FAKE_ID);
	assert_int_equal(client_read_now(fd, buf, sizeof(buf)), 0);
	close(fd);
	assert_int_equal(f->fake.closed[FAKE_ID], 0);
	/* A program that gives up while the guest is deciding: the device hears of it. */
	fd = client_connect(f->path);
	client_write(fd, "CONNECT 52\n");
	pump(f);
	close(fd);
	pump(f);
	assert_int_equal(f->fake.closed[FAKE_ID], 1);
	/* The id is no longer the host's: ops on it fail or do nothing. */
	assert_true(f->fake.ops->send(f->fake.ctx, FAKE_ID, "x", 1) < 0);
	assert_int_equal(f->fake.ops->recv(f->fake.ctx, FAKE_ID, buf, 1), VSOCK_RECV_ERROR);
}

static void test_full_socket_holds_and_reports_consumption(void **state)
{
	struct fixture *f = *state;
	static uint8_t chunk[4096];
	static uint8_t sink[1 << 20];
	size_t sent = 0, immediate = 0, got = 0;
	int fd = open_host_initiated(f, "");

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)i;
	/*
	 * The program does not read: send as the device would, never more
	 * than the advertised buffer unconsumed, until the socket is full
	 * and the whole credit is held.
	 */
	while (sent - immediate - f->fake.consumed[FAKE_ID] + sizeof(chunk) <=
	       VSOCK_HOST_BUF_ALLOC) {
		int n = f->fake.ops->send(f->fake.ctx, FAKE_ID, chunk, sizeof(chunk));

		assert_true(n >= 0 && (size_t)n <= sizeof(chunk));
		immediate += (size_t)n;
		sent += sizeof(chunk);
		assert_true(sent < sizeof(sink));
	}
	assert_true(sent > immediate); /* the socket did fill up */
	pump(f);
	assert_int_equal(f->fake.consumed[FAKE_ID], 0);
	/* The program reads: held bytes go out, in order, and are reported. */
	for (int rounds = 0; got < sent && rounds < 1000; rounds++) {
		ssize_t n = client_read_now(fd, sink + got, sizeof(sink) - got);

		if (n > 0)
			got += (size_t)n;
		pump(f);
	}
	assert_int_equal(got, sent);
	assert_int_equal(immediate + f->fake.consumed[FAKE_ID], sent);
	for (size_t i = 0; i < sent; i++)
		assert_int_equal(sink[i], (uint8_t)(i % sizeof(chunk)));
	close(fd);
}

static void test_close_flushes_held_bytes(void **state)
{
	struct fixture *f = *state;
	static uint8_t chunk[4096];
	static uint8_t sink[1 << 20];
	size_t sent = 0, immediate = 0, got = 0;
	int fd = open_host_initiated(f, "");
	ssize_t n;

	memset(chunk, 'z', sizeof(chunk));
	while (sent - immediate + sizeof(chunk) <= VSOCK_HOST_BUF_ALLOC) {
		immediate += (size_t)f->fake.ops->send(f->fake.ctx, FAKE_ID, chunk, sizeof(chunk));
		sent += sizeof(chunk);
	}
	assert_true(sent > immediate);
	/* The guest half-closes, then the device ends the connection. */
	f->fake.ops->shutdown_write(f->fake.ctx, FAKE_ID);
	f->fake.ops->close(f->fake.ctx, FAKE_ID);
	for (int rounds = 0; rounds < 1000; rounds++) {
		n = client_read_now(fd, sink + got, sizeof(sink) - got);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
		pump(f);
	}
	/* Every byte, then end of file; the device heard nothing more. */
	assert_int_equal(n, 0);
	assert_int_equal(got, sent);
	assert_int_equal(f->fake.consumed[FAKE_ID], 0);
	assert_int_equal(f->fake.closed[FAKE_ID], 0);
	close(fd);
}

static void test_shutdown_write_after_data(void **state)
{
	struct fixture *f = *state;
	char buf[16];
	int fd = open_host_initiated(f, "");

	assert_int_equal(f->fake.ops->send(f->fake.ctx, FAKE_ID, "last", 4), 4);
	f->fake.ops->shutdown_write(f->fake.ctx, FAKE_ID);
	assert_int_equal(client_read_now(fd, buf, sizeof(buf)), 4);
	assert_int_equal(client_read_now(fd, buf, sizeof(buf)), 0);
	/* The program can still talk to the guest. */
	client_write(fd, "ack");
	pump(f);
	assert_int_equal(f->fake.ops->recv(f->fake.ctx, FAKE_ID, buf, sizeof(buf)), 3);
	close(fd);
}

static void test_guest_initiated(void **state)
{
	struct fixture *f = *state;
	char path[160];
	char buf[16];
	int listener, fd;

	snprintf(path, sizeof(path), "%s_52", f->path);
	listener = listen_at(path);
	assert_int_equal(f->fake.ops->connect(f->fake.ctx, 9, 52), 1);
	fd = accept(listener, NULL, NULL);
	assert_true(fd >= 0);
	assert_int_equal(f->fake.ops->send(f->fake.ctx, 9, "ping", 4), 4);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	client_write(fd, "pong");
	pump(f);
	assert_int_equal(f->fake.readable[9], 1);
	assert_int_equal(f->fake.ops->recv(f->fake.ctx, 9, buf, sizeof(buf)), 4);
	/* The program goes away: writing fails, and the device resets the connection. */
	close(fd);
	pump(f);
	assert_int_equal(f->fake.ops->recv(f->fake.ctx, 9, buf, sizeof(buf)), VSOCK_RECV_EOF);
	f->fake.ops->close(f->fake.ctx, 9);
	/* Nobody listens on port 53: refused. */
	assert_true(f->fake.ops->connect(f->fake.ctx, 10, 53) < 0);
	close(listener);
	/* A listener that has gone leaves a file nobody accepts on: refused too. */
	assert_true(f->fake.ops->connect(f->fake.ctx, 11, 52) < 0);
}

static void test_program_gone_while_guest_sends(void **state)
{
	struct fixture *f = *state;
	int fd = open_host_initiated(f, "");

	close(fd);
	pump(f);
	/* The next guest bytes find a broken socket: the device is told, by the error. */
	assert_true(f->fake.ops->send(f->fake.ctx, FAKE_ID, "x", 1) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_socket_file_lifecycle, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_connect_and_relay, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_program_eof_reaches_device, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_connect_lines_close, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_overlong_and_slow_lines, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_device_refuses_connect, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_refuses_or_program_leaves, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_full_socket_holds_and_reports_consumption,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_close_flushes_held_bytes, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_shutdown_write_after_data, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_guest_initiated, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_program_gone_while_guest_sends, fixture_setup,
					    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
