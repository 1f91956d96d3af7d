/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lab_sock: the socket tool the lab needs and busybox lacks (busybox's nc
 * speaks neither unix sockets nor AF_VSOCK). Built static for aarch64 and
 * put in both the lab host and the guest.
 *
 *   lab_sock vsock-echo PORT           guest: accept one vsock stream on PORT,
 *                                      answer each line with "echo:<line>"
 *   lab_sock vsock-send CID PORT MSG   guest: connect to CID:PORT, send MSG,
 *                                      print the reply line
 *   lab_sock unix-vsock PATH PORT MSG  host: CONNECT PORT through svmm's vsock
 *                                      socket, send MSG, print the reply line
 *   lab_sock unix-echo PATH            host: accept one connection on PATH,
 *                                      answer each line with "host-echo:<line>"
 *   lab_sock unix-cat PATH             relay stdin/stdout to a unix socket
 *   lab_sock tcp-sink PORT             accept one TCP stream, say "sink\n", count
 *                                      the bytes until the sender's end of stream
 *                                      and print "bytes=N seconds=S"
 *   lab_sock tcp-send HOST PORT MIB    send MIB MiB of zeros in 64 KiB writes,
 *                                      end the stream, wait for the peer to close
 *
 * tcp-sink's greeting makes the sender's TCP acknowledge data: passt
 * 0.0~git20230309 (Debian 12) clears its "ACK from guest due" flag only when
 * the guest's ACK number advances, so a connection on which the host never
 * sends a byte is reset 24 s after the handshake.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
/* After <sys/socket.h>, which defines what it builds on. */
#include <linux/vm_sockets.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static int die(const char *what)
{
	fprintf(stderr, "lab_sock: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int unix_address(const char *path, struct sockaddr_un *address)
{
	memset(address, 0, sizeof(*address));
	address->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(address->sun_path)) {
		fprintf(stderr, "lab_sock: path too long: %s\n", path);
		exit(1);
	}
	strcpy(address->sun_path, path);
	return 0;
}

/* Reads one line (without its newline) into buf; returns its length or -1 at EOF. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len + 1 < size) {
		char c;
		ssize_t got = read(fd, &c, 1);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return len > 0 ? (int)len : -1;
		if (c == '\n')
			break;
		buf[len++] = c;
	}
	buf[len] = '\0';
	return (int)len;
}

static void write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t done = write(fd, data, len);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			die("write");
		data += done;
		len -= (size_t)done;
	}
}

static void echo_lines(int fd, const char *prefix)
{
	char line[LINE_MAX_BYTES], reply[LINE_MAX_BYTES + 32];

	while (read_line(fd, line, sizeof(line)) >= 0) {
		int len = snprintf(reply, sizeof(reply), "%s%s\n", prefix, line);

		write_all(fd, reply, (size_t)len);
	}
}

static void send_and_print_reply(int fd, const char *message)
{
	char line[LINE_MAX_BYTES];

	write_all(fd, message, strlen(message));
	write_all(fd, "\n", 1);
	if (read_line(fd, line, sizeof(line)) < 0) {
		fprintf(stderr, "lab_sock: no reply\n");
		exit(1);
	}
	printf("%s\n", line);
}

static int vsock_echo(unsigned port)
{
	struct sockaddr_vm address = {
	    .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
	int server = socket(AF_VSOCK, SOCK_STREAM, 0), client;

	if (server < 0)
		die("socket(AF_VSOCK)");
	if (bind(server, (struct sockaddr *)&address, sizeof(address)) < 0 || listen(server, 1) < 0)
		die("bind/listen");
	printf("listening on vsock port %u\n", port);
	fflush(stdout);
	client = accept(server, NULL, NULL);
	if (client < 0)
		die("accept");
	echo_lines(client, "echo:");
	return 0;
}

static int vsock_send(unsigned cid, unsigned port, const char *message)
{
	struct sockaddr_vm address = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) < 0)
		die("vsock connect");
	send_and_print_reply(fd, message);
	return 0;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un address;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	unix_address(path, &address);
	if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) < 0)
		die(path);
	return fd;
}

static int unix_vsock(const char *path, unsigned port, const char *message)
{
	int fd = unix_connect(path);
	char line[LINE_MAX_BYTES];
	int len = snprintf(line, sizeof(line), "CONNECT %u\n", port);

	write_all(fd, line, (size_t)len);
	if (read_line(fd, line, sizeof(line)) < 0 || strncmp(line, "OK ", 3) != 0) {
		fprintf(stderr, "lab_sock: CONNECT %u refused\n", port);
		return 1;
	}
	send_and_print_reply(fd, message);
	return 0;
}

static int unix_echo(const char *path)
{
	struct sockaddr_un address;
	int server = socket(AF_UNIX, SOCK_STREAM, 0), client;

	unix_address(path, &address);
	unlink(path);
	if (server < 0 || bind(server, (struct sockaddr *)&address, sizeof(address)) < 0 ||
	    listen(server, 1) < 0)
		die(path);
	client = accept(server, NULL, NULL);
	if (client < 0)
		die("accept");
	echo_lines(client, "host-echo:");
	return 0;
}

static int unix_cat(const char *path)
{
	int fd = unix_connect(path);
	struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
	char buf[LINE_MAX_BYTES];

	for (;;) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			die("poll");
		for (int i = 0; i < 2; i++) {
			ssize_t got;

			if (!(fds[i].revents & (POLLIN | POLLHUP)))
				continue;
			got = read(fds[i].fd, buf, sizeof(buf));
			if (got <= 0) {
				/* stdin done: tell the peer, keep reading; socket done: finish. */
				if (i == 1)
					return 0;
				shutdown(fd, SHUT_WR);
				fds[0].fd = -1;
				continue;
			}
			write_all(i == 0 ? fd : 1, buf, (size_t)got);
		}
	}
}

static int tcp_sink(unsigned port)
{
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int server = socket(AF_INET, SOCK_STREAM, 0), client, one = 1;
	static char buf[1 << 16];
	unsigned long long total = 0;
	struct timespec start, end;

	setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (server < 0 || bind(server, (struct sockaddr *)&address, sizeof(address)) < 0 ||
	    listen(server, 1) < 0)
		die("tcp listen");
	client = accept(server, NULL, NULL);
	if (client < 0)
		die("accept");
	clock_gettime(CLOCK_MONOTONIC, &start);
	write_all(client, "sink\n", 5);
	for (;;) {
		ssize_t got = read(client, buf, sizeof(buf));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		total += (unsigned long long)got;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("bytes=%llu seconds=%.3f\n", total,
	       (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9);
	return 0;
}

static int tcp_send(const char *host, unsigned port, unsigned mib)
{
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	static char buf[1 << 16];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
		fprintf(stderr, "lab_sock: not an IPv4 address: %s\n", host);
		return 1;
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) < 0)
		die("tcp connect");
	for (unsigned long long left = (unsigned long long)mib << 20; left > 0;) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);

		write_all(fd, buf, n);
		left -= n;
	}
	/* Done once the sink has everything: it closes after our end of stream. */
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "vsock-echo") == 0 && argc == 3)
		return vsock_echo((unsigned)atoi(argv[2]));
	if (strcmp(mode, "vsock-send") == 0 && argc == 5)
		return vsock_send((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]), argv[4]);
	if (strcmp(mode, "unix-vsock") == 0 && argc == 5)
		return unix_vsock(argv[2], (unsigned)atoi(argv[3]), argv[4]);
	if (strcmp(mode, "unix-echo") == 0 && argc == 3)
		return unix_echo(argv[2]);
	if (strcmp(mode, "unix-cat") == 0 && argc == 3)
		return unix_cat(argv[2]);
	if (strcmp(mode, "tcp-sink") == 0 && argc == 3)
		return tcp_sink((unsigned)atoi(argv[2]));
	if (strcmp(mode, "tcp-send") == 0 && argc == 5)
		return tcp_send(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]));
	fprintf(stderr, "usage: see the comment at the top of lab_sock.c\n");
	return 2;
}
