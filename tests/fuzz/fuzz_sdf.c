/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the Microkit SDF generator (config/sdf.c,
 * config/sdf_xml.c): the input is a system or VM description file, loaded
 * as `svmm sdf` loads it and checked against the qemu_virt_aarch64 board's
 * limits; what passes is written as an SDF. A refusal, by the loader, the
 * checks or the generator, must carry a one-line message. An SDF written
 * must be well-formed XML (every element closed in order, every attribute
 * value quoted with no raw '<', '"' or stray '&': hostile names cannot
 * inject markup) and the same bytes when written twice. The files a
 * description names are not opened: vm_config_validate() is left out.
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_sdf)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/sdf.h"
#include "config/system.h"
#include "tests/fuzz/fuzz_input_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_sdf: %s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define MAX_DEPTH    32
#define NAME_MAX_LEN 64

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == ':' || c == '.';
}

/* Skips a name at *p into out (NUL-terminated); false when there is none. */
static bool take_name(const char **p, const char *end, char *out)
{
	size_t n = 0;

	while (*p < end && is_name_char(**p) && n + 1 < NAME_MAX_LEN)
		out[n++] = *(*p)++;
	out[n] = '\0';
	return n > 0;
}

static bool entity_ok(const char *p, const char *end)
{
	static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};

	for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		size_t len = strlen(entities[i]);

		if ((size_t)(end - p) >= len && memcmp(p, entities[i], len) == 0)
			return true;
	}
	return false;
}

/* Attributes up to '>' or "/>"; *p is left on that terminator. */
static void check_attributes(const char **p, const char *end)
{
	char name[NAME_MAX_LEN];

	for (;;) {
		while (*p < end && **p == ' ')
			(*p)++;
		CHECK(*p < end);
		if (**p == '>' || **p == '/')
			return;
		CHECK(take_name(p, end, name));
		CHECK(end - *p >= 2 && (*p)[0] == '=' && (*p)[1] == '"');
		*p += 2;
		while (*p < end && **p != '"') {
			CHECK(**p != '<');
			CHECK(**p != '&' || entity_ok(*p, end));
			(*p)++;
		}
		CHECK(*p < end);
		(*p)++;
	}
}

/* Elements, attributes and comments as sdf_xml.c writes them, nothing else. */
static void check_well_formed(const char *text, size_t size)
{
	char open[MAX_DEPTH][NAME_MAX_LEN];
	char name[NAME_MAX_LEN];
	unsigned depth = 0;
	const char *p = text, *end = text + size;
	bool root_seen = false;

	CHECK(size > 0 && text[size - 1] == '\n');
	while (p < end) {
		if (*p != '<') {
			CHECK(*p != '>');
			CHECK(*p != '&' || entity_ok(p, end));
			p++;
			continue;
		}
		p++;
		if (end - p >= 3 && memcmp(p, "!--", 3) == 0) {
			const char *close = strstr(p, "-->");

			CHECK(close != NULL && close < end);
			p = close + 3;
		} else if (p < end && *p == '?') {
			const char *close = strstr(p, "?>");

			CHECK(close != NULL && close < end);
			p = close + 2;
		} else if (p < end && *p == '/') {
			p++;
			CHECK(take_name(&p, end, name));
			CHECK(p < end && *p == '>');
			p++;
			CHECK(depth > 0 && strcmp(open[depth - 1], name) == 0);
			depth--;
		} else {
			CHECK(depth > 0 || !root_seen);
			CHECK(take_name(&p, end, name));
			check_attributes(&p, end);
			root_seen = true;
			if (*p == '/') {
				CHECK(end - p >= 2 && p[1] == '>');
				p += 2;
			} else {
				p++;
				CHECK(depth < MAX_DEPTH);
				memcpy(open[depth++], name, sizeof(name));
			}
		}
	}
	CHECK(root_seen && depth == 0);
}

static void check_refusal(const struct config_error *err)
{
	CHECK(err->message[0] != '\0' && strchr(err->message, '\n') == NULL);
}

/* The SDF in a fresh buffer (NUL-terminated), or NULL with `err` filled in. */
static char *write_sdf(const struct system_config *sys, const struct sdf_params *params,
		       size_t *size, struct config_error *err)
{
	char *text = NULL;
	FILE *buffer = open_memstream(&text, size);
	int rc;

	CHECK(buffer != NULL);
	rc = sdf_write_system(buffer, sys, params, err);
	CHECK(fclose(buffer) == 0);
	if (rc == 0)
		return text;
	free(text);
	return NULL;
}

static void generate(const struct system_config *sys)
{
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	struct system_limits limits = sdf_board_limits(&params);
	struct config_error err;
	size_t size, again_size;
	char *text, *again;

	/* What vm_config_validate() refuses before any SDF is written. */
	for (unsigned i = 0; i < sys->vm_count; i++)
		if (sys->vms[i].cpus < 1 || sys->vms[i].cpus > VM_CONFIG_MAX_CPUS ||
		    sys->vms[i].memory < VM_CONFIG_MIN_MEMORY ||
		    sys->vms[i].memory > VM_CONFIG_MAX_MEMORY)
			return;
	memset(&err, 0, sizeof(err));
	if (system_config_check(sys, &limits, &err) < 0) {
		check_refusal(&err);
		return;
	}
	text = write_sdf(sys, &params, &size, &err);
	if (text == NULL) {
		check_refusal(&err);
		return;
	}
	check_well_formed(text, size);
	again = write_sdf(sys, &params, &again_size, &err);
	CHECK(again != NULL && again_size == size && memcmp(again, text, size) == 0);
	free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	static struct system_config sys;
	struct config_error err;

	path = fuzz_input_file("sdf", data, size);
	CHECK(path != NULL);

	system_config_init(&sys);
	memset(&err, 0, sizeof(err));
	if (system_config_load_json(&sys, path, &err) < 0)
		check_refusal(&err);
	else
		generate(&sys);
	system_config_free(&sys);
	unlink(path);
	return 0;
}
