/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON form of a VM description: each key goes through vm_config_set()
 * with the file and key as its origin, so a value in the file is checked
 * exactly like the same value given as a flag.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config/config_private.h"

/* A description is a few hundred bytes; anything this big is the wrong file. */
#define VM_DESCRIPTION_MAX_BYTES (1u << 20)

/*
 * The file's text, NUL-terminated, in a buffer the caller frees. The buffer
 * grows with the file instead of being allocated at the limit: descriptions
 * are a few hundred bytes, and a 1 MiB buffer per load cost the fuzzers that
 * load one per input nine tenths of their time. Reading one byte past the
 * limit tells "exactly at the limit" from "over it".
 */
static int read_description(const char *path, char **text, size_t *text_len,
			    struct config_error *err)
{
	FILE *file = fopen(path, "re");
	char *buffer = NULL;
	size_t len = 0, capacity = 0;
	int error;

	if (!file)
		return config_fail(err, "%s: cannot read: %s", path, strerror(errno));
	for (;;) {
		size_t want, got;

		if (len + 1 == capacity || capacity == 0) {
			size_t grown = capacity == 0 ? 4096 : capacity * 2;
			char *bigger;

			if (grown > VM_DESCRIPTION_MAX_BYTES + 2)
				grown = VM_DESCRIPTION_MAX_BYTES + 2;
			bigger = realloc(buffer, grown);
			if (!bigger) {
				fclose(file);
				free(buffer);
				return config_fail(err, "%s: cannot read: %s", path,
						   strerror(ENOMEM));
			}
			buffer = bigger;
			capacity = grown;
		}
		want = capacity - 1 - len;
		got = fread(buffer + len, 1, want, file);
		len += got;
		if (got < want || len > VM_DESCRIPTION_MAX_BYTES)
			break;
	}
	error = ferror(file) ? (errno != 0 ? errno : EIO) : 0;
	fclose(file);
	if (error != 0) {
		free(buffer);
		return config_fail(err, "%s: cannot read: %s", path, strerror(error));
	}
	if (len > VM_DESCRIPTION_MAX_BYTES) {
		free(buffer);
		return config_fail(err, "%s: larger than %u KiB, too big for a VM description",
				   path, VM_DESCRIPTION_MAX_BYTES >> 10);
	}
	buffer[len] = '\0';
	*text = buffer;
	*text_len = len;
	return 0;
}

static int fail_invalid_json_at(struct config_error *err, const char *path, const char *what,
				const char *text, size_t offset)
{
	unsigned line = 1;
	size_t line_start = 0;

	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			line++;
			line_start = i + 1;
		}
	}
	return config_fail(err, "%s: invalid JSON: %s (line %u, column %zu)", path, what, line,
			   offset - line_start + 1);
}

static int parse_description(const char *path, const char *text, size_t text_len,
			     struct json_object **root, struct config_error *err)
{
	const char *nul = memchr(text, '\0', text_len);
	struct json_tokener *tokener;
	enum json_tokener_error error;
	size_t parse_end;

	/* json-c stops at a NUL as if the file ended there; say where it is instead. */
	if (nul)
		return fail_invalid_json_at(err, path, "NUL byte", text, (size_t)(nul - text));
	tokener = json_tokener_new();
	if (!tokener)
		return config_fail(err, "%s: cannot parse: %s", path, strerror(ENOMEM));
	/* Standard JSON only (no trailing commas, comments or trailing data), so
	 * any other JSON tool reads the file the same way. */
	json_tokener_set_flags(tokener, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* Handing over the NUL too makes json-c finish a value that ends the file. */
	*root = json_tokener_parse_ex(tokener, text, (int)(text_len + 1));
	error = json_tokener_get_error(tokener);
	parse_end = json_tokener_get_parse_end(tokener);
	json_tokener_free(tokener);
	/* Success with no object is a JSON null, which the caller refuses as not an object. */
	if (error == json_tokener_success && parse_end == text_len)
		return 0;
	if (error == json_tokener_success) {
		json_object_put(*root);
		*root = NULL;
		return fail_invalid_json_at(err, path, "unexpected data after the top-level value",
					    text, parse_end);
	}
	if (error == json_tokener_continue || error == json_tokener_error_parse_eof)
		return config_fail(err, "%s: invalid JSON: unexpected end of data", path);
	return fail_invalid_json_at(err, path, json_tokener_error_desc(error), text, parse_end);
}

/* The directory relative paths in the file are taken from; NULL for the current one. */
static int description_dir(const char *path, char **dir, struct config_error *err)
{
	const char *last_slash = strrchr(path, '/');

	*dir = NULL;
	if (!last_slash)
		return 0;
	*dir = last_slash == path ? strdup("/") : strndup(path, (size_t)(last_slash - path));
	if (!*dir)
		return config_fail(err, "%s: cannot read: %s", path, strerror(ENOMEM));
	return 0;
}

/*
 * An object's members as the option list the flag takes: {"path": "a.img",
 * "readonly": true} becomes "path=a.img,readonly"; false members are left out.
 */
static int object_to_options(struct json_object *object, const char *origin, char *out,
			     size_t out_size, struct config_error *err)
{
	size_t used = 0;

	out[0] = '\0';
	json_object_object_foreach(object, key, member)
	{
		enum json_type type = json_object_get_type(member);
		const char *text = NULL;
		int written;

		if (type == json_type_boolean) {
			if (!json_object_get_boolean(member))
				continue;
		} else if (type == json_type_string || type == json_type_int) {
			text = json_object_get_string(member);
		} else {
			char quoted_key[64], what[sizeof(quoted_key) + 40];

			/* The key is the file's: quoted, so a newline in it cannot break the line.
			 */
			config_quote_for_message(quoted_key, sizeof(quoted_key), key);
			snprintf(what, sizeof(what), "a string, number or boolean for \"%s\"",
				 quoted_key);
			return config_fail_expected(
			    err, origin, what,
			    json_object_to_json_string_ext(member, JSON_C_TO_STRING_PLAIN));
		}
		if (text != NULL && strchr(text, ',') != NULL)
			return config_fail_expected(err, origin, "values without commas", text);
		written = snprintf(out + used, out_size - used, "%s%s%s%s", used ? "," : "", key,
				   text ? "=" : "", text ? text : "");
		if (written < 0 || (size_t)written >= out_size - used)
			return config_fail(err, "%s: too long", origin);
		used += (size_t)written;
	}
	return 0;
}

static int set_value_from_json(struct vm_config *cfg, const struct config_field *field,
			       const char *key, struct json_object *value, const char *origin,
			       const char *base_dir, struct config_error *err)
{
	enum json_type type = json_object_get_type(value);
	char expected[160];
	char options[1024];

	if (type == json_type_string) {
		const char *text = json_object_get_string(value);

		if (strlen(text) != (size_t)json_object_get_string_len(value))
			return config_fail_expected(err, origin, "a string without NUL characters",
						    text);
		return vm_config_set(cfg, key, text, origin, base_dir, err);
	}
	/* Numbers go in as their JSON text, so 1.5 or -1 meet the same checks as "1.5". */
	if ((field->json_forms & CONFIG_JSON_NUMBER) &&
	    (type == json_type_int || type == json_type_double))
		return vm_config_set(cfg, key,
				     json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN),
				     origin, base_dir, err);
	if ((field->json_forms & CONFIG_JSON_BOOL) && type == json_type_boolean)
		return vm_config_set(cfg, key, json_object_get_boolean(value) ? "true" : "false",
				     origin, base_dir, err);
	if ((field->json_forms & CONFIG_JSON_OBJECT) && type == json_type_object) {
		if (object_to_options(value, origin, options, sizeof(options), err) != 0)
			return -1;
		return vm_config_set(cfg, key, options, origin, base_dir, err);
	}
	/* A bare `5` for "kernel" is not the path "5": say a string is wanted. */
	if (field->json_forms & (CONFIG_JSON_NUMBER | CONFIG_JSON_BOOL))
		snprintf(expected, sizeof(expected), "%s", field->expects);
	else
		snprintf(expected, sizeof(expected), "a JSON string (%s)", field->expects);
	return config_fail_expected(err, origin, expected,
				    json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN));
}

static int set_field_from_json(struct vm_config *cfg, const char *prefix, const char *key,
			       struct json_object *value, const char *base_dir,
			       struct config_error *err)
{
	const struct config_field *field = config_field_find(key);
	char origin[sizeof(err->message)];

	if (!field)
		return config_fail_unknown_field(err, prefix, key);
	snprintf(origin, sizeof(origin), "%s: field \"%s\"", prefix, key);
	if ((field->json_forms & CONFIG_JSON_ARRAY) &&
	    json_object_is_type(value, json_type_array)) {
		size_t count = json_object_array_length(value);

		for (size_t i = 0; i < count; i++) {
			snprintf(origin, sizeof(origin), "%s: field \"%s\"[%zu]", prefix, key, i);
			if (set_value_from_json(cfg, field, key,
						json_object_array_get_idx(value, i), origin,
						base_dir, err) != 0)
				return -1;
		}
		return 0;
	}
	return set_value_from_json(cfg, field, key, value, origin, base_dir, err);
}

int config_json_apply(struct vm_config *cfg, struct json_object *object, const char *prefix,
		      const char *base_dir, struct config_error *err)
{
	/* json-c keeps keys in file order, so the first bad field is the one reported. */
	json_object_object_foreach(object, key, value)
	{
		if (set_field_from_json(cfg, prefix, key, value, base_dir, err) != 0)
			return -1;
	}
	return 0;
}

int config_json_load_object(const char *path, struct json_object **root, char **base_dir,
			    struct config_error *err)
{
	char *text = NULL;
	size_t text_len = 0;
	int result = -1;

	*root = NULL;
	*base_dir = NULL;
	if (read_description(path, &text, &text_len, err) != 0)
		return -1;
	if (parse_description(path, text, text_len, root, err) != 0)
		goto out;
	if (!json_object_is_type(*root, json_type_object)) {
		config_fail(err, "%s: expected a JSON object at the top level", path);
		goto out;
	}
	if (description_dir(path, base_dir, err) != 0)
		goto out;
	result = 0;
out:
	if (result != 0) {
		json_object_put(*root);
		*root = NULL;
	}
	free(text);
	return result;
}

int vm_config_load_json(struct vm_config *cfg, const char *path, struct config_error *err)
{
	struct json_object *root;
	char *base_dir;
	int result;

	if (config_json_load_object(path, &root, &base_dir, err) != 0)
		return -1;
	result = config_json_apply(cfg, root, path, base_dir, err);
	free(base_dir);
	json_object_put(root);
	return result;
}
