/* SPDX-License-Identifier: Apache-2.0 */
#include "config/api_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int api_fail(char *why, size_t why_len, const char *message, const char *detail)
{
	snprintf(why, why_len, "%s%s", message, detail);
	return -1;
}

static int api_parse_command(struct json_object *value, struct api_request *req, char *why,
			     size_t why_len)
{
	const char *text;

	if (value == NULL || !json_object_is_type(value, json_type_string))
		return api_fail(why, why_len, "field \"command\": expected a string", "");
	text = json_object_get_string(value);
	if (vm_command_lookup(text, (size_t)json_object_get_string_len(value), &req->command))
		return 0;
	/* The command is not echoed: it may be anything, of any length. */
	return api_fail(why, why_len, "unknown command (see docs/api.md)", "");
}

static int api_parse_field(const char *key, struct json_object *value, struct api_request *req,
			   char *why, size_t why_len)
{
	if (strcmp(key, "command") == 0)
		return 0; /* parsed first */
	if (strcmp(key, "version") == 0) {
		if (!json_object_is_type(value, json_type_int) ||
		    json_object_get_int64(value) != API_VERSION)
			return api_fail(why, why_len,
					"field \"version\": this svmm speaks version 1", "");
		return 0;
	}
	if (strcmp(key, "name") == 0) {
		const char *name = json_object_get_string(value);
		size_t len;

		if (!json_object_is_type(value, json_type_string))
			return api_fail(why, why_len, "field \"name\": expected a string", "");
		len = (size_t)json_object_get_string_len(value);
		if (!vm_command_name_valid(name, len))
			return api_fail(why, why_len,
					"field \"name\": expected a VM name (1 to 64 of A-Z a-z "
					"0-9 . _ -)",
					"");
		memcpy(req->name, name, len);
		req->name[len] = '\0';
		return 0;
	}
	if (strcmp(key, "timeout_ms") == 0) {
		int64_t ms = json_object_get_int64(value);

		if (!json_object_is_type(value, json_type_int) || ms < 0 ||
		    ms > API_MAX_STOP_TIMEOUT_MS)
			return api_fail(
			    why, why_len,
			    "field \"timeout_ms\": expected an integer from 0 to 3600000", "");
		req->timeout_ms = (unsigned)ms;
		return 0;
	}
	if (strcmp(key, "force") == 0) {
		if (!json_object_is_type(value, json_type_boolean))
			return api_fail(why, why_len, "field \"force\": expected true or false",
					"");
		req->force = json_object_get_boolean(value);
		return 0;
	}
	return api_fail(why, why_len, "unknown field (see docs/api.md)", "");
}

/* Which commands take a VM name: core/vm_command.c's rule, in the API's words. */
static int api_check_name(const struct api_request *req, char *why, size_t why_len)
{
	const char *refused = vm_command_check_name(req->command, req->name[0] != '\0', false);

	if (refused == NULL)
		return 0;
	snprintf(why, why_len, "%s: %s (field \"name\")", vm_command_name(req->command), refused);
	return -1;
}

int api_request_parse(const char *line, size_t len, struct api_request *req, char *why,
		      size_t why_len)
{
	struct json_tokener *tok;
	struct json_object *root;
	char *text;
	size_t end;
	int err = 0;

	*req = (struct api_request){.timeout_ms = API_DEFAULT_STOP_TIMEOUT_MS};
	if (len >= API_MAX_LINE)
		return api_fail(why, why_len, "request longer than 4096 bytes", "");
	if (memchr(line, '\0', len) != NULL)
		return api_fail(why, why_len, "request contains a NUL byte", "");
	tok = json_tokener_new_ex(8);
	if (tok == NULL)
		return api_fail(why, why_len, "out of memory", "");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* With its terminator, so a bare literal at the end ("null") is complete. */
	text = malloc(len + 1);
	if (text == NULL) {
		json_tokener_free(tok);
		return api_fail(why, why_len, "out of memory", "");
	}
	memcpy(text, line, len);
	text[len] = '\0';
	root = json_tokener_parse_ex(tok, text, (int)len + 1);
	end = json_tokener_get_parse_end(tok);
	if (end > len)
		end = len;
	/* A whole object and nothing after it but blanks. */
	if (json_tokener_get_error(tok) != json_tokener_success) {
		err = api_fail(why, why_len, "malformed JSON: ",
			       json_tokener_get_error(tok) == json_tokener_continue
				   ? "incomplete"
				   : json_tokener_error_desc(json_tokener_get_error(tok)));
	} else if (root == NULL) {
		err = api_fail(why, why_len, "expected a JSON object", "");
	} else if (strspn(text + end, " \t\r") != len - end) {
		err = api_fail(why, why_len, "malformed JSON: text after the object", "");
	} else if (!json_object_is_type(root, json_type_object)) {
		err = api_fail(why, why_len, "expected a JSON object", "");
	} else {
		err = api_parse_command(json_object_object_get(root, "command"), req, why, why_len);
		json_object_object_foreach(root, key, value)
		{
			if (err == 0)
				err = api_parse_field(key, value, req, why, why_len);
		}
		if (err == 0)
			err = api_check_name(req, why, why_len);
	}
	json_object_put(root);
	json_tokener_free(tok);
	free(text);
	return err;
}

struct json_object *api_reply_ok(enum vm_command command)
{
	struct json_object *reply = json_object_new_object();

	json_object_object_add(reply, "version", json_object_new_int(API_VERSION));
	json_object_object_add(reply, "ok", json_object_new_boolean(true));
	json_object_object_add(reply, "command", json_object_new_string(vm_command_name(command)));
	return reply;
}

char *api_reply_line(struct json_object *reply)
{
	const char *text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	char *line = malloc(len + 2);

	if (line != NULL) {
		memcpy(line, text, len);
		line[len] = '\n';
		line[len + 1] = '\0';
	}
	json_object_put(reply);
	return line;
}

char *api_reply_error_line(const char *why)
{
	struct json_object *reply = json_object_new_object();

	json_object_object_add(reply, "version", json_object_new_int(API_VERSION));
	json_object_object_add(reply, "ok", json_object_new_boolean(false));
	json_object_object_add(reply, "error", json_object_new_string(why));
	return api_reply_line(reply);
}
