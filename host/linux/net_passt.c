/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/net_passt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PASST_DEFAULT	  "passt"
#define PASST_RUNAS	  "65534:65534" /* nobody:nogroup, by number: no /etc/passwd needed */
#define PASST_FORWARD_MAX 16		/* "65535:65535" plus NUL, rounded up */
/* argv: program -f -q --fd N --runas U:G, then two words per forward, then NULL. */
#define PASST_MAX_FORWARDS 64
#define PASST_MAX_ARGS	   (8 + 2 * PASST_MAX_FORWARDS)

static bool passt_parse_port(const char *text, size_t len, unsigned *port)
{
	unsigned value = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		value = value * 10 + (unsigned)(text[i] - '0');
	}
	if (value == 0 || value > 65535)
		return false;
	*port = value;
	return true;
}

/*
 * "tcp:8080:80" -> "-t", "8080:80". Checked here rather than left to passt
 * so that a typo is a clear error before the guest starts, not a line from
 * a child process that has already exited.
 */
static int passt_forward_arg(const char *forward, const char **flag, char out[PASST_FORWARD_MAX])
{
	const char *ports, *colon;
	unsigned host, guest;

	if (strncmp(forward, "tcp:", 4) == 0)
		*flag = "-t";
	else if (strncmp(forward, "udp:", 4) == 0)
		*flag = "-u";
	else
		return -EINVAL;
	ports = forward + 4;
	colon = strchr(ports, ':');
	if (colon == NULL || !passt_parse_port(ports, (size_t)(colon - ports), &host) ||
	    !passt_parse_port(colon + 1, strlen(colon + 1), &guest))
		return -EINVAL;
	snprintf(out, PASST_FORWARD_MAX, "%u:%u", host, guest);
	return 0;
}

/*
 * The program's full path, found the way execvp would find it. Done in
 * the parent, so the child only calls execv (async-signal-safe, which
 * execvp is not) and "not installed" is reported without forking.
 */
static int passt_find_program(const char *program, char *path, size_t path_len)
{
	const char *dirs = getenv("PATH");

	if (strchr(program, '/') != NULL) {
		if ((size_t)snprintf(path, path_len, "%s", program) >= path_len)
			return -ENAMETOOLONG;
		return access(path, X_OK) == 0 ? 0 : -errno;
	}
	if (dirs == NULL || dirs[0] == '\0')
		dirs = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*dirs != '\0') {
		const char *end = strchr(dirs, ':');
		size_t dir_len = end != NULL ? (size_t)(end - dirs) : strlen(dirs);
		int n;

		/* An empty PATH entry means the current directory. */
		n = snprintf(path, path_len, "%.*s%s%s", (int)dir_len, dirs, dir_len ? "/" : "./",
			     program);
		if (n > 0 && (size_t)n < path_len && access(path, X_OK) == 0)
			return 0;
		dirs += dir_len;
		if (*dirs == ':')
			dirs++;
	}
	return -ENOENT;
}

/* The child, between fork and exec: only async-signal-safe calls. */
static void passt_child(const char *path, char *const argv[], int passt_fd, int error_fd)
{
	sigset_t none;
	int err, null_fd;

	/* svmm blocks signals for its signalfd; passt must be stoppable by SIGTERM. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	/* Its own session: a Ctrl-C on svmm's terminal is svmm's to handle, not passt's. */
	setsid();
	/* stdin is the guest console's; stdout carries guest output. */
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		if (null_fd != STDIN_FILENO)
			close(null_fd);
	}
	dup2(STDERR_FILENO, STDOUT_FILENO);
	/* passt gets its socket end and nothing else of svmm's (KVM, disks, tap). */
	fcntl(passt_fd, F_SETFD, 0);
	if (passt_fd > 3)
		close_range(3, (unsigned)passt_fd - 1, CLOSE_RANGE_CLOEXEC);
	close_range((unsigned)passt_fd + 1, ~0u, CLOSE_RANGE_CLOEXEC);
	execv(path, argv);
	err = errno;
	if (write(error_fd, &err, sizeof(err)) < 0) {
		/* Nothing more to tell the parent; it sees the exit status. */
	}
	_exit(127);
}

int net_passt_start(struct net_passt *passt, const struct net_passt_params *params, char *why,
		    size_t why_len)
{
	const char *program = params->program != NULL ? params->program : PASST_DEFAULT;
	char forward_args[PASST_MAX_FORWARDS][PASST_FORWARD_MAX];
	char *argv[PASST_MAX_ARGS];
	char path[PATH_MAX], fd_arg[16];
	int sv[2], error_pipe[2], child_err = 0, err;
	unsigned argc = 0;
	ssize_t n;
	pid_t pid;

	memset(passt, 0, sizeof(*passt));
	passt->fd = -1;
	passt->pid = -1;
	if (params->forward_count > PASST_MAX_FORWARDS) {
		snprintf(why, why_len, "net user: at most %d port forwards, got %u",
			 PASST_MAX_FORWARDS, params->forward_count);
		return -E2BIG;
	}
	err = passt_find_program(program, path, sizeof(path));
	if (err < 0) {
		if (params->program == NULL)
			snprintf(why, why_len, "net user: passt not found (apt-get install passt)");
		else
			snprintf(why, why_len, "net user: %s: %s", program, strerror(-err));
		return err;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		snprintf(why, why_len, "net user: socketpair: %s", strerror(errno));
		return err;
	}
	snprintf(fd_arg, sizeof(fd_arg), "%d", sv[1]);
	argv[argc++] = (char *)program;
	argv[argc++] = "-f"; /* stay in the foreground: svmm waits for this very process */
	argv[argc++] = "-q"; /* no address summary on svmm's terminal */
	argv[argc++] = "--fd";
	argv[argc++] = fd_arg;
	if (geteuid() == 0) {
		/* Said explicitly so passt does not warn about running as root. */
		argv[argc++] = "--runas";
		argv[argc++] = PASST_RUNAS;
	}
	for (unsigned i = 0; i < params->forward_count; i++) {
		const char *flag;

		if (passt_forward_arg(params->forwards[i], &flag, forward_args[i]) < 0) {
			snprintf(why, why_len,
				 "net user: forward \"%s\": expected tcp:HOST_PORT:GUEST_PORT or "
				 "udp:HOST_PORT:GUEST_PORT, ports 1 to 65535",
				 params->forwards[i]);
			close(sv[0]);
			close(sv[1]);
			return -EINVAL;
		}
		argv[argc++] = (char *)flag;
		argv[argc++] = forward_args[i];
	}
	argv[argc] = NULL;

	if (pipe2(error_pipe, O_CLOEXEC) < 0) {
		err = -errno;
		snprintf(why, why_len, "net user: pipe: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	pid = fork();
	if (pid == 0)
		passt_child(path, argv, sv[1], error_pipe[1]);
	err = pid < 0 ? -errno : 0;
	close(sv[1]);
	close(error_pipe[1]);
	if (pid > 0) {
		/* The pipe closes on a successful exec, or brings the exec's errno. */
		do {
			n = read(error_pipe[0], &child_err, sizeof(child_err));
		} while (n < 0 && errno == EINTR);
		if (n == (ssize_t)sizeof(child_err)) {
			waitpid(pid, NULL, 0);
			err = -child_err;
		}
	}
	close(error_pipe[0]);
	if (err < 0) {
		snprintf(why, why_len, "net user: cannot start %s: %s", path, strerror(-err));
		close(sv[0]);
		return err;
	}
	passt->pid = pid;
	passt->fd = sv[0];
	fcntl(passt->fd, F_SETFL, fcntl(passt->fd, F_GETFL) | O_NONBLOCK);
	if (net_stream_rx_init(&passt->rx) < 0 || net_stream_tx_init(&passt->tx) < 0) {
		snprintf(why, why_len, "net user: out of memory");
		net_passt_stop(passt);
		return -ENOMEM;
	}
	return 0;
}

/* sendmsg rather than writev: MSG_NOSIGNAL turns a dead passt into EPIPE, not SIGPIPE. */
static ssize_t passt_write(int fd, struct iovec *iov, unsigned count)
{
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = count};
	ssize_t n;

	do {
		n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int net_passt_flush(struct net_passt *passt)
{
	while (net_stream_tx_pending(&passt->tx)) {
		struct iovec iov;
		size_t len;
		ssize_t n;

		iov.iov_base = (void *)net_stream_tx_data(&passt->tx, &len);
		iov.iov_len = len;
		n = passt_write(passt->fd, &iov, 1);
		if (n < 0)
			return n == -EWOULDBLOCK ? -EAGAIN : (int)n;
		net_stream_tx_advance(&passt->tx, (size_t)n);
	}
	return 0;
}

bool net_passt_tx_pending(const struct net_passt *passt)
{
	return net_stream_tx_pending(&passt->tx);
}

int net_passt_send(struct net_passt *passt, const struct iovec *iov, unsigned count)
{
	uint8_t prefix[NET_STREAM_PREFIX];
	size_t total = 0;
	ssize_t n;
	int err;

	if (count > NET_PASST_MAX_IOV)
		return -EINVAL;
	for (unsigned i = 0; i < count; i++)
		total += iov[i].iov_len;
	if (total > NET_STREAM_MAX_FRAME)
		return -EMSGSIZE;
	if (total == 0)
		return 0; /* an empty frame would mean nothing to passt */
	err = net_passt_flush(passt);
	if (err < 0) {
		passt->tx_dropped++;
		return err;
	}
	net_stream_prefix(prefix, (uint32_t)total);
	passt->iov[0].iov_base = prefix;
	passt->iov[0].iov_len = sizeof(prefix);
	memcpy(&passt->iov[1], iov, count * sizeof(*iov));
	n = passt_write(passt->fd, passt->iov, count + 1);
	if (n == -EAGAIN || n == -EWOULDBLOCK) {
		/* Nothing went out, so the stream is still at a frame boundary. */
		passt->tx_dropped++;
		return -EAGAIN;
	}
	if (n < 0)
		return (int)n;
	if ((size_t)n < sizeof(prefix) + total)
		net_stream_tx_keep(&passt->tx, passt->iov, count + 1, (size_t)n);
	return 0;
}

int net_passt_receive(struct net_passt *passt, const uint8_t **frame, size_t *len)
{
	/* Reading is a chance to finish a held transmit tail, too. */
	if (net_stream_tx_pending(&passt->tx))
		net_passt_flush(passt);
	for (;;) {
		int got = net_stream_rx_peek(&passt->rx, frame, len);
		size_t room;
		uint8_t *space;
		ssize_t n;

		if (got != 0)
			return got;
		space = net_stream_rx_space(&passt->rx, &room);
		do {
			n = read(passt->fd, space, room);
		} while (n < 0 && errno == EINTR);
		if (n == 0)
			return -EPIPE;
		if (n < 0)
			return errno == EWOULDBLOCK ? 0 : -errno;
		net_stream_rx_commit(&passt->rx, (size_t)n);
	}
}

void net_passt_consume(struct net_passt *passt)
{
	net_stream_rx_consume(&passt->rx);
}

static bool passt_reaped(pid_t pid, int *status, unsigned wait_ms)
{
	const struct timespec step = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};

	for (unsigned waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return true;
		if (waited >= wait_ms)
			return false;
		nanosleep(&step, NULL);
	}
}

int net_passt_stop(struct net_passt *passt)
{
	int status = -1;

	/* passt exits by itself once its --fd socket closes (one-off mode). */
	if (passt->fd >= 0)
		close(passt->fd);
	passt->fd = -1;
	if (passt->pid > 0) {
		if (!passt_reaped(passt->pid, &status, 200)) {
			kill(passt->pid, SIGTERM);
			if (!passt_reaped(passt->pid, &status, 1000)) {
				kill(passt->pid, SIGKILL);
				while (waitpid(passt->pid, &status, 0) < 0 && errno == EINTR)
					;
			}
		}
		passt->pid = -1;
	}
	net_stream_rx_fini(&passt->rx);
	net_stream_tx_fini(&passt->tx);
	return status;
}
