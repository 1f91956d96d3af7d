/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/api_server.h"

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

static int api_fail(char *why, size_t why_len, int err, const char *path, const char *what)
{
	snprintf(why, why_len, "--api %s: %s", path, what);
	return err;
}

static void api_client_close(struct api_client *client)
{
	if (!client->open)
		return;
	event_loop_remove(client->server->loop, &client->source);
	close(client->source.fd);
	free(client->out);
	*client = (struct api_client){.server = client->server};
}

/* Sends what is queued; false when the client is gone. */
static bool api_client_flush(struct api_client *client)
{
	while (client->out_sent < client->out_len) {
		ssize_t n = send(client->source.fd, client->out + client->out_sent,
				 client->out_len - client->out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return false;
		client->out_sent += (size_t)n;
	}
	if (client->out_sent == client->out_len)
		client->out_sent = client->out_len = 0;
	/* Wait to write only while something waits; stop reading a client that does not read. */
	event_loop_set_events(client->server->loop, &client->source,
			      client->out_len > 0 ? EPOLLOUT : EPOLLIN);
	return true;
}

/* Queues one reply line (taking it); false when the client must be dropped. */
static bool api_client_queue(struct api_client *client, char *line)
{
	size_t len;
	char *grown;

	if (line == NULL)
		return false;
	len = strlen(line);
	if (client->out_len + len > API_MAX_PENDING_OUTPUT) {
		free(line);
		return false;
	}
	grown = realloc(client->out, client->out_len + len);
	if (grown == NULL) {
		free(line);
		return false;
	}
	memcpy(grown + client->out_len, line, len);
	client->out = grown;
	client->out_len += len;
	free(line);
	return api_client_flush(client);
}

static bool api_client_line(struct api_client *client, const char *line, size_t len)
{
	struct api_server *server = client->server;
	struct api_request req;
	char why[256];

	if (api_request_parse(line, len, &req, why, sizeof(why)) < 0)
		return api_client_queue(client, api_reply_error_line(why));
	return api_client_queue(client, server->handle(server->ctx, &req));
}

/* Splits what arrived into lines; false when the client must be dropped. */
static bool api_client_take(struct api_client *client, const char *data, size_t len)
{
	while (len > 0) {
		const char *newline = memchr(data, '\n', len);
		size_t part = newline != NULL ? (size_t)(newline - data) : len;

		if (!client->discarding && client->in_len + part >= API_MAX_LINE) {
			client->discarding = true;
			if (!api_client_queue(
				client, api_reply_error_line("request longer than 4096 bytes")))
				return false;
		}
		if (!client->discarding) {
			memcpy(client->in + client->in_len, data, part);
			client->in_len += part;
		}
		if (newline == NULL)
			return true;
		if (!client->discarding && client->in_len > 0 &&
		    !api_client_line(client, client->in, client->in_len))
			return false;
		client->discarding = false;
		client->in_len = 0;
		data += part + 1;
		len -= part + 1;
	}
	return true;
}

static void api_on_client(struct event_source *source, uint32_t events)
{
	struct api_client *client = source->ctx;
	char buf[4096];
	ssize_t n;

	if ((events & EPOLLOUT) && !api_client_flush(client)) {
		api_client_close(client);
		return;
	}
	if (events & EPOLLIN) {
		n = recv(source->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || !api_client_take(client, buf, (size_t)n)) {
			api_client_close(client);
			return;
		}
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		api_client_close(client);
	}
}

static void api_on_listen(struct event_source *source, uint32_t events)
{
	struct api_server *server = source->ctx;
	int fd = accept4(source->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	(void)events;
	if (fd < 0)
		return;
	for (unsigned i = 0; i < API_MAX_CLIENTS; i++) {
		struct api_client *client = &server->clients[i];

		if (client->open)
			continue;
		*client = (struct api_client){
		    .server = server,
		    .source = {.fd = fd, .on_event = api_on_client, .ctx = client},
		    .open = true,
		};
		if (event_loop_add(server->loop, &client->source) < 0) {
			close(fd);
			client->open = false;
		}
		return;
	}
	/* Best effort: the newcomer learns why, and nobody waits for it. */
	{
		char *line = api_reply_error_line("too many clients");

		if (line != NULL && send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* It is being closed anyway. */
		}
		free(line);
	}
	close(fd);
}

/* A socket file at `path` that nobody answers is left over from a dead svmm. */
static int api_clear_path(const char *path, const struct sockaddr_un *addr, char *why,
			  size_t why_len)
{
	struct stat st;
	int probe, connected;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : api_fail(why, why_len, -errno, path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return api_fail(why, why_len, -EEXIST, path,
				"exists and is not a socket; not replaced");
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return api_fail(why, why_len, -errno, path, strerror(errno));
	connected = connect(probe, (const struct sockaddr *)addr, sizeof(*addr));
	close(probe);
	if (connected == 0)
		return api_fail(why, why_len, -EADDRINUSE, path,
				"another program serves this socket");
	if (unlink(path) < 0)
		return api_fail(why, why_len, -errno, path, strerror(errno));
	return 0;
}

int api_server_open(struct api_server *server, const char *path, struct event_loop *loop,
		    api_handle_fn handle, void *ctx, char *why, size_t why_len)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	mode_t old_mask;
	int fd, err;

	*server = (struct api_server){.loop = loop, .handle = handle, .ctx = ctx};
	server->listen_source =
	    (struct event_source){.fd = -1, .on_event = api_on_listen, .ctx = server};
	for (unsigned i = 0; i < API_MAX_CLIENTS; i++)
		server->clients[i].server = server;
	if (strlen(path) >= sizeof(addr.sun_path))
		return api_fail(why, why_len, -ENAMETOOLONG, path,
				"path too long for a unix socket");
	memcpy(addr.sun_path, path, strlen(path) + 1);
	err = api_clear_path(path, &addr, why, why_len);
	if (err < 0)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return api_fail(why, why_len, -errno, path, strerror(errno));
	/* Owner-only from the moment it exists: the API can stop the VM. */
	old_mask = umask(0177);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -errno : 0;
	umask(old_mask);
	if (err == 0 && (chmod(path, 0600) < 0 || listen(fd, API_MAX_CLIENTS) < 0))
		err = -errno;
	if (err < 0) {
		close(fd);
		return api_fail(why, why_len, err, path, strerror(-err));
	}
	server->path = strdup(path);
	server->listen_source.fd = fd;
	err = event_loop_add(loop, &server->listen_source);
	if (server->path == NULL || err < 0) {
		api_server_close(server);
		return api_fail(why, why_len, err < 0 ? err : -ENOMEM, path, "cannot serve it");
	}
	return 0;
}

void api_server_close(struct api_server *server)
{
	if (server->loop == NULL)
		return;
	for (unsigned i = 0; i < API_MAX_CLIENTS; i++)
		api_client_close(&server->clients[i]);
	if (server->listen_source.fd >= 0) {
		if (server->loop != NULL)
			event_loop_remove(server->loop, &server->listen_source);
		close(server->listen_source.fd);
		server->listen_source.fd = -1;
	}
	if (server->path != NULL) {
		unlink(server->path);
		free(server->path);
		server->path = NULL;
	}
}
