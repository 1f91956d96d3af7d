/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control API's wire format (docs/api.md): one JSON object per line
 * each way. This file turns a request line into a struct api_request and
 * builds replies; it knows nothing of sockets or of the VM, so the unit
 * tests and the fuzzer drive it with any bytes.
 */
#ifndef SVMM_CONFIG_API_REQUEST_H
#define SVMM_CONFIG_API_REQUEST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/vm_command.h"

#define API_VERSION 1
/* Longest request line, newline included; longer ones are refused unread. */
#define API_MAX_LINE 4096
#define API_NAME_MAX VM_COMMAND_NAME_MAX
/* A stop waits this long for the guest to power off before stopping it hard. */
#define API_DEFAULT_STOP_TIMEOUT_MS 10000
#define API_MAX_STOP_TIMEOUT_MS	    3600000

struct api_request {
	enum vm_command command;
	char name[API_NAME_MAX + 1]; /* "" when the request names no VM */
	unsigned timeout_ms;	     /* stop: the wait for the guest's power-off */
	bool force;		     /* stop: no wait, a hard stop now */
};

/*
 * Parses one request line (without its newline; need not be NUL-terminated).
 * 0, or -1 with a one-line reason in `why`.
 */
int api_request_parse(const char *line, size_t len, struct api_request *req, char *why,
		      size_t why_len);

/* {"version":1,"ok":true,"command":...}, to which the caller adds its fields. */
struct json_object *api_reply_ok(enum vm_command command);

/* The reply line for a refused or failed request: heap, newline-terminated. */
char *api_reply_error_line(const char *why);

/* `reply` as one line with its newline, heap-allocated; `reply` is released. */
char *api_reply_line(struct json_object *reply);

#endif
