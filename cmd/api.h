/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `svmm run --api PATH`: the control API of one VM (docs/api.md). The
 * lifecycle table (core/vm_lifecycle.h) decides each request; the VM's owner
 * (cmd/run.c) carries it out through these operations, all called on the
 * event loop's thread.
 */
#ifndef SVMM_CMD_API_H
#define SVMM_CMD_API_H

#include <json-c/json.h>
#include <stdbool.h>

#include "core/vm_lifecycle.h"
#include "host/linux/api_server.h"

struct vm_api_ops {
	int (*pause)(void *ctx); /* 0 or a negative error: the VM runs on */
	void (*resume)(void *ctx);
	void (*reset)(void *ctx); /* the VM is reset once the event loop returns */
	void (*power_key)(void *ctx, bool pressed); /* the guest's power key (a GPIO line) */
	void (*hard_stop)(void *ctx);		    /* the VM stops once the event loop returns */
	/* Adds the VM's facts to `result`: `status` (false) or `metrics` (true). */
	void (*report)(void *ctx, struct json_object *result, bool metrics);
};

struct vm_api {
	struct api_server server;
	struct vm_lifecycle lifecycle;
	struct event_source stop_timer; /* a stop's hard stop, when the guest takes too long */
	struct event_source key_timer;	/* releases the power key */
	const struct vm_api_ops *ops;
	void *ctx;
	bool open;
};

int vm_api_open(struct vm_api *api, const char *path, struct event_loop *loop,
		const struct vm_api_ops *ops, void *ctx, char *why, size_t why_len);

/* The reset ops->reset asked for has happened: the VM runs again. */
void vm_api_reset_done(struct vm_api *api);

void vm_api_close(struct vm_api *api);

#endif
