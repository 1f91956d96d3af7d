/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control API's unix socket on svmm's event loop (docs/api.md): each
 * client sends request lines and gets one reply line per request, in order.
 * What a request means is the owner's business (the `handle` callback);
 * this file only keeps hostile clients from hurting anyone: a line longer
 * than API_MAX_LINE is refused, a client that does not read its replies is
 * dropped, and beyond API_MAX_CLIENTS a newcomer is told so and closed.
 */
#ifndef SVMM_HOST_LINUX_API_SERVER_H
#define SVMM_HOST_LINUX_API_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "config/api_request.h"
#include "host/linux/event_loop.h"

#define API_MAX_CLIENTS 8
/* Replies a client has not read yet, beyond which it is dropped. */
#define API_MAX_PENDING_OUTPUT (256 * 1024)

/* Answers a parsed request: a heap reply line (api_reply_line()), or NULL for out of memory. */
typedef char *(*api_handle_fn)(void *ctx, const struct api_request *req);

struct api_server;

struct api_client {
	struct api_server *server;
	struct event_source source;
	bool open;
	bool discarding; /* inside a line that was too long: skip to its newline */
	size_t in_len;
	char in[API_MAX_LINE];
	char *out;
	size_t out_len, out_sent;
};

struct api_server {
	struct event_loop *loop;
	struct event_source listen_source;
	char *path;
	api_handle_fn handle;
	void *ctx;
	struct api_client clients[API_MAX_CLIENTS];
};

/*
 * Creates the socket at `path` (mode 0600; a stale socket there is
 * replaced, anything else is refused) and serves it on `loop`. 0, or -errno
 * with a one-line reason in `why`.
 */
int api_server_open(struct api_server *server, const char *path, struct event_loop *loop,
		    api_handle_fn handle, void *ctx, char *why, size_t why_len);

/* Closes every client and removes the socket. Safe on a server never opened. */
void api_server_close(struct api_server *server);

#endif
