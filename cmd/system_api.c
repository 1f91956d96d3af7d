/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/system_api.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "host/linux/unix_socket.h"

bool system_api_vm_path(const char *api_path, const char *name, char *buf, size_t len)
{
	struct sockaddr_un addr;
	int n = snprintf(buf, len, "%s.%s", api_path, name);

	return n > 0 && (size_t)n < len && (size_t)n < sizeof(addr.sun_path);
}

static char *system_api_refuse(const struct api_request *req, const char *why)
{
	char line[256];

	snprintf(line, sizeof(line), "%s %s: %s", vm_command_name(req->command), req->name, why);
	return api_reply_error_line(line);
}

static struct json_object *system_api_vm(struct system_api *api, unsigned vm)
{
	struct json_object *obj = json_object_new_object();
	int pid = api->ops->pid(api->ctx, vm);
	char path[256];

	json_object_object_add(obj, "name", json_object_new_string(api->ops->name(api->ctx, vm)));
	json_object_object_add(obj, "state",
			       json_object_new_string(pid > 0 ? "running" : "stopped"));
	if (pid > 0)
		json_object_object_add(obj, "pid", json_object_new_int(pid));
	if (system_api_vm_path(api->path, api->ops->name(api->ctx, vm), path, sizeof(path)))
		json_object_object_add(obj, "api", json_object_new_string(path));
	return obj;
}

/*
 * Sends `stop` to the VM's own API and does not wait for the reply: the
 * VM's end arrives as its process's exit. SIGTERM when its API is not there.
 */
static void system_api_stop_vm(struct system_api *api, unsigned vm, const struct api_request *req)
{
	char line[128], path[256];
	int fd = -1, len;

	len = snprintf(line, sizeof(line), "{\"command\":\"stop\",\"timeout_ms\":%u%s}\n",
		       req->timeout_ms, req->force ? ",\"force\":true" : "");
	if (system_api_vm_path(api->path, api->ops->name(api->ctx, vm), path, sizeof(path)))
		fd = host_unix_connect(path);
	if (fd >= 0 && send(fd, line, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) == len) {
		close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	kill(api->ops->pid(api->ctx, vm), SIGTERM);
}

static int system_api_find(struct system_api *api, const char *name)
{
	for (unsigned i = 0; i < api->ops->count(api->ctx); i++)
		if (strcmp(api->ops->name(api->ctx, i), name) == 0)
			return (int)i;
	return -1;
}

static char *system_api_handle(void *ctx, const struct api_request *req)
{
	struct system_api *api = ctx;
	struct json_object *reply, *list, *result;
	int vm = req->name[0] != '\0' ? system_api_find(api, req->name) : -1;

	if (req->name[0] != '\0' && vm < 0)
		return system_api_refuse(req, "no VM of that name in this system");
	if (req->command == VM_COMMAND_LIST || (req->command == VM_COMMAND_STATUS && vm < 0)) {
		reply = api_reply_ok(req->command);
		list = json_object_new_array();
		for (unsigned i = 0; i < api->ops->count(api->ctx); i++)
			json_object_array_add(list, system_api_vm(api, i));
		result = json_object_new_object();
		json_object_object_add(result, "vms", list);
		json_object_object_add(reply, "result", result);
		return api_reply_line(reply);
	}
	if (vm < 0)
		return api_reply_error_line("this command needs a \"name\" in the multi-VM runner; "
					    "a VM's own commands are at its \"api\" socket");
	switch (req->command) {
	case VM_COMMAND_STATUS:
		reply = api_reply_ok(req->command);
		json_object_object_add(reply, "result", system_api_vm(api, (unsigned)vm));
		return api_reply_line(reply);
	case VM_COMMAND_START:
		if (api->ops->pid(api->ctx, (unsigned)vm) > 0)
			return system_api_refuse(req, "already running");
		if (api->ops->start(api->ctx, (unsigned)vm) < 0)
			return system_api_refuse(req, "could not start it (see svmm's messages)");
		break;
	case VM_COMMAND_STOP:
	case VM_COMMAND_RESTART:
		if (api->ops->pid(api->ctx, (unsigned)vm) <= 0) {
			if (req->command == VM_COMMAND_STOP)
				return system_api_refuse(req, "not running");
			if (api->ops->start(api->ctx, (unsigned)vm) < 0)
				return system_api_refuse(req, "could not start it");
			break;
		}
		api->ops->expect_end(api->ctx, (unsigned)vm, req->command == VM_COMMAND_RESTART);
		system_api_stop_vm(api, (unsigned)vm, req);
		break;
	default:
		return system_api_refuse(req, "not a runner command: send it to the VM's \"api\" "
					      "socket (see status NAME)");
	}
	return api_reply_line(api_reply_ok(req->command));
}

int system_api_open(struct system_api *api, const char *path, struct event_loop *loop,
		    const struct system_api_ops *ops, void *ctx, char *why, size_t why_len)
{
	int err;

	*api = (struct system_api){.ops = ops, .ctx = ctx, .path = strdup(path)};
	if (api->path == NULL) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	err = api_server_open(&api->server, path, loop, system_api_handle, api, why, why_len);
	if (err < 0) {
		free(api->path);
		api->path = NULL;
		return err;
	}
	api->open = true;
	return 0;
}

void system_api_close(struct system_api *api)
{
	if (api->open)
		api_server_close(&api->server);
	free(api->path);
	api->path = NULL;
	api->open = false;
}
