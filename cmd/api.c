/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/api.h"

#include <stdio.h>
#include <unistd.h>

#include "core/errors.h"

/* As long as QEMU's gpio-key holds it: well past gpio-keys' debounce (5 ms). */
#define VM_API_KEY_PRESS_MS 100

static char *vm_api_refuse(enum vm_command command, const char *why)
{
	char line[256];

	snprintf(line, sizeof(line), "%s: %s", vm_command_name(command), why);
	return api_reply_error_line(line);
}

static void vm_api_on_stop_timer(struct event_source *source, uint32_t events)
{
	struct vm_api *api = source->ctx;

	(void)events;
	event_drain(source->fd);
	if (vm_lifecycle_request(&api->lifecycle, VM_ACTION_HARD_STOP).effect ==
	    VM_EFFECT_HARD_STOP)
		api->ops->hard_stop(api->ctx);
}

static void vm_api_on_key_timer(struct event_source *source, uint32_t events)
{
	struct vm_api *api = source->ctx;

	(void)events;
	event_drain(source->fd);
	api->ops->power_key(api->ctx, false);
}

static char *vm_api_stop(struct vm_api *api, const struct api_request *req)
{
	struct vm_decision d = vm_lifecycle_request(
	    &api->lifecycle,
	    req->force || req->timeout_ms == 0 ? VM_ACTION_HARD_STOP : VM_ACTION_STOP);
	struct json_object *reply, *result;
	const char *how = "hard";

	if (d.effect == VM_EFFECT_REFUSED)
		return vm_api_refuse(req->command, d.why);
	if (d.effect == VM_EFFECT_POWER_KEY) {
		how = "power-key";
		api->ops->power_key(api->ctx, true);
		event_timer_arm(&api->key_timer, VM_API_KEY_PRESS_MS);
		event_timer_arm(&api->stop_timer, req->timeout_ms);
	} else if (d.effect == VM_EFFECT_HARD_STOP) {
		api->ops->hard_stop(api->ctx);
	} else {
		how = "already-stopping";
	}
	reply = api_reply_ok(req->command);
	result = json_object_new_object();
	json_object_object_add(result, "stop", json_object_new_string(how));
	json_object_object_add(reply, "result", result);
	return api_reply_line(reply);
}

static char *vm_api_lifecycle(struct vm_api *api, const struct api_request *req,
			      enum vm_action action)
{
	struct vm_decision d = vm_lifecycle_request(&api->lifecycle, action);
	int err = 0;

	switch (d.effect) {
	case VM_EFFECT_REFUSED:
		return vm_api_refuse(req->command, d.why);
	case VM_EFFECT_PAUSE:
		err = api->ops->pause(api->ctx);
		if (err < 0) {
			/* The VM runs on: put the table back where the VM is. */
			vm_lifecycle_request(&api->lifecycle, VM_ACTION_RESUME);
			return vm_api_refuse(req->command, svmm_strerror(err));
		}
		break;
	case VM_EFFECT_RESUME:
		api->ops->resume(api->ctx);
		break;
	case VM_EFFECT_RESET:
		api->ops->reset(api->ctx);
		break;
	default:
		break;
	}
	return api_reply_line(api_reply_ok(req->command));
}

static char *vm_api_report(struct vm_api *api, const struct api_request *req)
{
	struct json_object *reply = api_reply_ok(req->command);
	struct json_object *result = json_object_new_object();

	json_object_object_add(result, "state",
			       json_object_new_string(vm_state_name(api->lifecycle.state)));
	api->ops->report(api->ctx, result, req->command == VM_COMMAND_METRICS);
	json_object_object_add(reply, "result", result);
	return api_reply_line(reply);
}

static char *vm_api_handle(void *ctx, const struct api_request *req)
{
	struct vm_api *api = ctx;

	switch (req->command) {
	case VM_COMMAND_STATUS:
	case VM_COMMAND_METRICS:
		return vm_api_report(api, req);
	case VM_COMMAND_PAUSE:
		return vm_api_lifecycle(api, req, VM_ACTION_PAUSE);
	case VM_COMMAND_RESUME:
		return vm_api_lifecycle(api, req, VM_ACTION_RESUME);
	case VM_COMMAND_RESET:
		return vm_api_lifecycle(api, req, VM_ACTION_RESET);
	case VM_COMMAND_STOP:
		return vm_api_stop(api, req);
	case VM_COMMAND_LIST:
	case VM_COMMAND_START:
	case VM_COMMAND_RESTART:
		break;
	}
	return vm_api_refuse(req->command, "only the multi-VM runner (svmm run --config SYS.json) "
					   "serves it");
}

int vm_api_open(struct vm_api *api, const char *path, struct event_loop *loop,
		const struct vm_api_ops *ops, void *ctx, char *why, size_t why_len)
{
	int err;

	*api = (struct vm_api){.ops = ops, .ctx = ctx, .stop_timer.fd = -1, .key_timer.fd = -1};
	vm_lifecycle_init(&api->lifecycle);
	api->stop_timer = (struct event_source){.on_event = vm_api_on_stop_timer, .ctx = api};
	api->key_timer = (struct event_source){.on_event = vm_api_on_key_timer, .ctx = api};
	err = event_timer_create(&api->stop_timer);
	if (err == 0)
		err = event_timer_create(&api->key_timer);
	if (err == 0)
		err = event_loop_add(loop, &api->stop_timer);
	if (err == 0)
		err = event_loop_add(loop, &api->key_timer);
	if (err == 0)
		err = api_server_open(&api->server, path, loop, vm_api_handle, api, why, why_len);
	else
		snprintf(why, why_len, "--api: cannot set up a timer");
	if (err < 0) {
		/* The loop forgets closed descriptors by itself. */
		if (api->stop_timer.fd >= 0)
			close(api->stop_timer.fd);
		if (api->key_timer.fd >= 0)
			close(api->key_timer.fd);
		return err;
	}
	api->open = true;
	return 0;
}

void vm_api_reset_done(struct vm_api *api)
{
	vm_lifecycle_reset_done(&api->lifecycle);
}

void vm_api_close(struct vm_api *api)
{
	if (!api->open)
		return;
	api_server_close(&api->server);
	close(api->stop_timer.fd);
	close(api->key_timer.fd);
	api->open = false;
}
