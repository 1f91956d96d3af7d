/* SPDX-License-Identifier: Apache-2.0 */
/* api_request_parse(): the control API's requests, well-formed and hostile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/api_request.h"

static int parse(const char *text, struct api_request *req, char *why)
{
	return api_request_parse(text, strlen(text), req, why, 256);
}

static void test_each_command_parses(void **state)
{
	static const struct {
		const char *line;
		enum vm_command command;
	} cases[] = {
	    {"{\"command\":\"status\"}", VM_COMMAND_STATUS},
	    {"{\"version\":1,\"command\":\"pause\"}", VM_COMMAND_PAUSE},
	    {" {\"command\":\"resume\"} \r", VM_COMMAND_RESUME},
	    {"{\"command\":\"reset\"}", VM_COMMAND_RESET},
	    {"{\"command\":\"stop\"}", VM_COMMAND_STOP},
	    {"{\"command\":\"metrics\"}", VM_COMMAND_METRICS},
	    {"{\"command\":\"list\"}", VM_COMMAND_LIST},
	    {"{\"command\":\"start\",\"name\":\"vm-a\"}", VM_COMMAND_START},
	    {"{\"command\":\"restart\",\"name\":\"b.1_x\"}", VM_COMMAND_RESTART},
	};
	struct api_request req;
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].line, &req, why), 0);
		assert_int_equal(req.command, cases[i].command);
		assert_non_null(strstr(cases[i].line, vm_command_name(req.command)));
	}
}

static void test_stop_fields(void **state)
{
	struct api_request req;
	char why[256];

	(void)state;
	assert_int_equal(parse("{\"command\":\"stop\"}", &req, why), 0);
	assert_int_equal(req.timeout_ms, API_DEFAULT_STOP_TIMEOUT_MS);
	assert_false(req.force);
	assert_int_equal(
	    parse("{\"command\":\"stop\",\"timeout_ms\":250,\"force\":true}", &req, why), 0);
	assert_int_equal(req.timeout_ms, 250);
	assert_true(req.force);
	assert_int_equal(parse("{\"command\":\"status\",\"name\":\"vm0\"}", &req, why), 0);
	assert_string_equal(req.name, "vm0");
}

static void expect_refused(const char *line, const char *reason_part)
{
	struct api_request req;
	char why[256] = "";

	assert_int_equal(parse(line, &req, why), -1);
	if (strstr(why, reason_part) == NULL)
		fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", line, why, reason_part);
}

static void test_hostile_requests_refused(void **state)
{
	(void)state;
	expect_refused("", "malformed JSON");
	expect_refused("{", "malformed JSON");
	expect_refused("{\"command\":\"status\"", "malformed JSON");
	expect_refused("{\"command\":\"status\"}{}", "malformed JSON");
	expect_refused("{\"command\":\"status\"} x", "malformed JSON");
	expect_refused("[\"status\"]", "expected a JSON object");
	expect_refused("\"status\"", "expected a JSON object");
	expect_refused("null", "expected a JSON object");
	expect_refused("{}", "\"command\"");
	expect_refused("{\"command\":7}", "\"command\"");
	expect_refused("{\"command\":\"format-disk\"}", "unknown command");
	expect_refused("{\"command\":\"STATUS\"}", "unknown command");
	expect_refused("{\"command\":\"status\",\"version\":2}", "version 1");
	expect_refused("{\"command\":\"status\",\"version\":\"1\"}", "version 1");
	expect_refused("{\"command\":\"status\",\"verbose\":true}", "unknown field");
	expect_refused("{\"command\":\"stop\",\"timeout_ms\":-1}", "timeout_ms");
	expect_refused("{\"command\":\"stop\",\"timeout_ms\":1.5}", "timeout_ms");
	expect_refused("{\"command\":\"stop\",\"timeout_ms\":99999999999999999999}", "timeout_ms");
	expect_refused("{\"command\":\"stop\",\"timeout_ms\":3600001}", "timeout_ms");
	expect_refused("{\"command\":\"stop\",\"force\":1}", "force");
	expect_refused("{\"command\":\"start\"}", "start: needs a VM name (field \"name\")");
	expect_refused("{\"command\":\"restart\",\"name\":\"\"}", "VM name");
	expect_refused("{\"command\":\"start\",\"name\":\"../etc\"}", "VM name");
	expect_refused("{\"command\":\"start\",\"name\":\"a b\"}", "VM name");
	expect_refused("{\"command\":\"start\",\"name\":5}", "expected a string");
	expect_refused("{\"command\":\"list\",\"name\":\"a\"}", "takes no");
	/* Single quotes, comments and trailing commas are not JSON. */
	expect_refused("{'command':'status'}", "malformed JSON");
	expect_refused("{\"command\":\"status\",}", "malformed JSON");
	expect_refused("{\"command\":\"status\"}/*x*/", "malformed JSON");
}

static void test_nesting_and_sizes_bounded(void **state)
{
	char deep[300], name[100];
	char *huge = malloc(API_MAX_LINE + 10);
	struct api_request req;
	char why[256];
	size_t at = 0;

	(void)state;
	at += (size_t)snprintf(deep, sizeof(deep), "{\"command\":\"status\",\"x\":");
	for (int i = 0; i < 100; i++)
		deep[at++] = '[';
	deep[at] = '\0';
	expect_refused(deep, "malformed JSON");

	memset(name, 'a', sizeof(name));
	snprintf(name + 65, sizeof(name) - 65, "%s", "");
	snprintf(deep, sizeof(deep), "{\"command\":\"start\",\"name\":\"%s\"}", name);
	expect_refused(deep, "VM name");
	name[64] = '\0';
	snprintf(deep, sizeof(deep), "{\"command\":\"start\",\"name\":\"%s\"}", name);
	assert_int_equal(parse(deep, &req, why), 0);
	assert_int_equal(strlen(req.name), 64);

	assert_non_null(huge);
	memset(huge, ' ', API_MAX_LINE + 9);
	huge[API_MAX_LINE + 9] = '\0';
	expect_refused(huge, "longer than");
	free(huge);

	/* A NUL inside the line is refused, not silently cut. */
	assert_int_equal(api_request_parse("{\"command\":\"status\"}\0x", 23, &req, why, 256), -1);
	assert_non_null(strstr(why, "NUL"));
}

static void test_replies_are_lines(void **state)
{
	char *ok = api_reply_line(api_reply_ok(VM_COMMAND_PAUSE));
	char *err = api_reply_error_line("bad \"thing\"\n");

	(void)state;
	assert_string_equal(ok, "{\"version\":1,\"ok\":true,\"command\":\"pause\"}\n");
	/* The reason is escaped: a reply is always exactly one line. */
	assert_string_equal(err,
			    "{\"version\":1,\"ok\":false,\"error\":\"bad \\\"thing\\\"\\n\"}\n");
	free(ok);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_command_parses),
	    cmocka_unit_test(test_stop_fields),
	    cmocka_unit_test(test_hostile_requests_refused),
	    cmocka_unit_test(test_nesting_and_sizes_bounded),
	    cmocka_unit_test(test_replies_are_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
