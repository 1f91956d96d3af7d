/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sends one request to a control API socket and prints the reply: as
 * "key: value" lines for a person, or the reply line itself with --json.
 * The exit status says whether the request was honoured, for scripts.
 */
#include "cmd/ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/api_request.h"
#include "host/linux/unix_socket.h"

#define CTL_EXIT_OK	 0
#define CTL_EXIT_REFUSED 1
#define CTL_EXIT_USAGE	 2
/* The biggest reply: status or metrics of a VM with every device. */
#define CTL_MAX_REPLY (256 * 1024)

static void ctl_usage(void)
{
	fprintf(stderr,
		"usage: svmm ctl SOCKET COMMAND [NAME] [--timeout-ms N] [--force] [--json]\n"
		"  COMMAND: status metrics pause resume reset stop; with svmm run --config\n"
		"  SYS.json also list, start NAME, stop NAME, restart NAME, status NAME\n"
		"  exit status: 0 done, 1 refused or no answer, 2 usage\n");
}

static int ctl_connect(const char *path)
{
	int fd = host_unix_connect(path);

	if (fd >= 0)
		return fd;
	fprintf(stderr, "svmm ctl: %s: %s\n", path,
		fd == -ENAMETOOLONG ? "path too long for a unix socket" : strerror(-fd));
	return -1;
}

/* Reads one reply line into `buf` (NUL-terminated, newline removed). */
static int ctl_read_reply(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len + 1 < cap) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		char *newline;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		newline = memchr(buf, '\n', len);
		if (newline != NULL) {
			*newline = '\0';
			return 0;
		}
	}
	return -1;
}

static void ctl_print(const char *prefix, struct json_object *value)
{
	if (json_object_is_type(value, json_type_object)) {
		json_object_object_foreach(value, key, member)
		{
			char name[256];

			snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "." : "", key);
			ctl_print(name, member);
		}
	} else if (json_object_is_type(value, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(value); i++) {
			char name[256];

			snprintf(name, sizeof(name), "%s[%zu]", prefix, i);
			ctl_print(name, json_object_array_get_idx(value, i));
		}
	} else {
		printf("%s: %s\n", prefix, json_object_get_string(value));
	}
}

static struct json_object *ctl_build_request(int argc, char **argv, bool *json_out)
{
	struct json_object *req = json_object_new_object();
	int positional = 0;

	json_object_object_add(req, "version", json_object_new_int(API_VERSION));
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			*json_out = true;
		} else if (strcmp(argv[i], "--force") == 0) {
			json_object_object_add(req, "force", json_object_new_boolean(true));
		} else if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc) {
			char *end;
			long long ms = strtoll(argv[++i], &end, 10);

			if (*end != '\0' || end == argv[i] || ms < 0) {
				fprintf(stderr,
					"svmm ctl: --timeout-ms: expected milliseconds, got "
					"\"%s\"\n",
					argv[i]);
				json_object_put(req);
				return NULL;
			}
			json_object_object_add(req, "timeout_ms", json_object_new_int64(ms));
		} else if (argv[i][0] != '-' && positional < 2) {
			json_object_object_add(req, positional++ == 0 ? "command" : "name",
					       json_object_new_string(argv[i]));
		} else {
			fprintf(stderr, "svmm ctl: unexpected argument \"%s\"\n", argv[i]);
			json_object_put(req);
			return NULL;
		}
	}
	if (positional == 0) {
		ctl_usage();
		json_object_put(req);
		return NULL;
	}
	return req;
}

int ctl_main(int argc, char **argv)
{
	bool json_out = false;
	struct json_object *req, *reply, *ok, *error, *result;
	const char *text;
	char *buf;
	int fd, status;

	if (argc < 3 || strcmp(argv[1], "--help") == 0) {
		ctl_usage();
		return argc >= 2 && strcmp(argv[1], "--help") == 0 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	}
	req = ctl_build_request(argc, argv, &json_out);
	if (req == NULL)
		return CTL_EXIT_USAGE;
	fd = ctl_connect(argv[1]);
	if (fd < 0) {
		json_object_put(req);
		return CTL_EXIT_REFUSED;
	}
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	buf = malloc(CTL_MAX_REPLY);
	/* A server that refused us (too many clients) has said why: read it even if sending failed.
	 */
	if (buf != NULL) {
		if (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0 ||
		    send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
			/* The reply, if any, tells more than EPIPE would. */
		}
	}
	if (buf == NULL || ctl_read_reply(fd, buf, CTL_MAX_REPLY) < 0) {
		fprintf(stderr, "svmm ctl: %s: no reply\n", argv[1]);
		json_object_put(req);
		free(buf);
		close(fd);
		return CTL_EXIT_REFUSED;
	}
	close(fd);
	json_object_put(req);
	reply = json_tokener_parse(buf);
	if (reply == NULL || !json_object_object_get_ex(reply, "ok", &ok)) {
		fprintf(stderr, "svmm ctl: %s: not an API reply: %.200s\n", argv[1], buf);
		json_object_put(reply);
		free(buf);
		return CTL_EXIT_REFUSED;
	}
	status = json_object_get_boolean(ok) ? CTL_EXIT_OK : CTL_EXIT_REFUSED;
	if (json_out)
		printf("%s\n", buf);
	else if (status != CTL_EXIT_OK && json_object_object_get_ex(reply, "error", &error))
		fprintf(stderr, "svmm ctl: %s\n", json_object_get_string(error));
	else if (json_object_object_get_ex(reply, "result", &result))
		ctl_print("", result);
	else
		printf("ok\n");
	json_object_put(reply);
	free(buf);
	return status;
}
