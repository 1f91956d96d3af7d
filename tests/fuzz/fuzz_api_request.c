/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the control API's request parser
 * (config/api_request.c): the input is one request line as a client could
 * send it. Whatever it is, the parser either accepts it with fields in
 * range or refuses it with a one-line reason, and the reply built from
 * either is exactly one line of JSON.
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_api_request)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/api_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static void check_one_line(char *line)
{
	CHECK(line != NULL);
	CHECK(strchr(line, '\n') == line + strlen(line) - 1);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_request req;
	char why[256] = "";

	if (api_request_parse((const char *)data, size, &req, why, sizeof(why)) < 0) {
		CHECK(why[0] != '\0' && strchr(why, '\n') == NULL);
		check_one_line(api_reply_error_line(why));
		return 0;
	}
	CHECK(strlen(req.name) <= API_NAME_MAX);
	CHECK(req.timeout_ms <= API_MAX_STOP_TIMEOUT_MS);
	CHECK(strcmp(vm_command_name(req.command), "unknown") != 0);
	check_one_line(api_reply_line(api_reply_ok(req.command)));
	return 0;
}
