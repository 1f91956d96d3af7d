/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `svmm run --config SYS.json --api PATH`: the multi-VM runner's control API
 * (docs/api.md): list, status NAME, start NAME, stop NAME, restart NAME.
 * Each VM's own svmm serves its full API at PATH.NAME; the runner stops a
 * VM through it (power key first), so a VM is stopped the same way whoever
 * asks.
 */
#ifndef SVMM_CMD_SYSTEM_API_H
#define SVMM_CMD_SYSTEM_API_H

#include <stdbool.h>
#include <stddef.h>

#include "host/linux/api_server.h"

/* The runner's side, all on its event loop. */
struct system_api_ops {
	unsigned (*count)(void *ctx);
	const char *(*name)(void *ctx, unsigned vm);
	int (*pid)(void *ctx, unsigned vm); /* 0 while not running */
	/* Starts a VM that is not running: 0, or -1 (the runner has said why). */
	int (*start)(void *ctx, unsigned vm);
	/* Marks a running VM as stopped on purpose (`restart`: start it again once it ends). */
	void (*expect_end)(void *ctx, unsigned vm, bool restart);
};

struct system_api {
	struct api_server server;
	const struct system_api_ops *ops;
	void *ctx;
	char *path;
	bool open;
};

int system_api_open(struct system_api *api, const char *path, struct event_loop *loop,
		    const struct system_api_ops *ops, void *ctx, char *why, size_t why_len);
void system_api_close(struct system_api *api);

/* Where VM `name` serves its own API: "PATH.NAME" into `buf`; false if it does not fit. */
bool system_api_vm_path(const char *api_path, const char *name, char *buf, size_t len);

#endif
