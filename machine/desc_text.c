/* SPDX-License-Identifier: Apache-2.0 */
#include "machine/desc_text.h"

#include <stdbool.h>
#include <stdint.h>

#include "core/errors.h"
#include "core/string.h"

enum desc_field {
	FIELD_CPUS,
	FIELD_MEMORY,
	FIELD_DISKS,
	FIELD_NETS,
	FIELD_CONSOLE,
	FIELD_RNG,
	FIELD_VSOCK_CID,
	FIELD_COUNT,
};

static const char *const field_keys[FIELD_COUNT] = {
    "machine.cpus",    "machine.memory", "machine.disks",     "machine.nets",
    "machine.console", "machine.rng",	 "machine.vsock_cid",
};

static const char *const field_missing[FIELD_COUNT] = {
    "machine.cpus is missing",	    "machine.memory is missing",  "machine.disks is missing",
    "machine.nets is missing",	    "machine.console is missing", "machine.rng is missing",
    "machine.vsock_cid is missing",
};

/* ---- writing ---- */

struct text_out {
	char *buf;
	size_t size;
	size_t len;
	bool full;
};

static void put_string(struct text_out *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (out->len + 1 >= out->size) {
			out->full = true;
			return;
		}
		out->buf[out->len++] = *s;
	}
}

static void put_line(struct text_out *out, enum desc_field field, const char *value)
{
	put_string(out, field_keys[field]);
	put_string(out, "=");
	put_string(out, value);
	put_string(out, "\n");
}

static void put_number(struct text_out *out, enum desc_field field, uint64_t value)
{
	char digits[21];
	size_t at = sizeof(digits) - 1;

	digits[at] = '\0';
	do {
		digits[--at] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	put_line(out, field, digits + at);
}

int machine_desc_to_text(const struct machine_desc *desc, char *buf, size_t size)
{
	struct text_out out = {.buf = buf, .size = size};

	if (size == 0)
		return -SVMM_ENOSPC;
	put_number(&out, FIELD_CPUS, desc->cpus);
	put_number(&out, FIELD_MEMORY, desc->memory);
	put_number(&out, FIELD_DISKS, desc->disk_count);
	put_number(&out, FIELD_NETS, desc->net_count);
	put_line(&out, FIELD_CONSOLE, desc->virtio_console ? "virtio" : "pl011");
	put_number(&out, FIELD_RNG, desc->rng);
	put_number(&out, FIELD_VSOCK_CID, desc->vsock ? desc->vsock_cid : 0);
	buf[out.len] = '\0';
	return out.full ? -SVMM_ENOSPC : (int)out.len;
}

/* ---- reading ---- */

/* `len` bytes of decimal digits as a number no bigger than `max`. */
static bool parse_number(const char *s, size_t len, uint64_t max, uint64_t *value)
{
	uint64_t n = 0;

	if (len == 0 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned digit = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || digit > max || n > (max - digit) / 10)
			return false;
		n = n * 10 + digit;
	}
	*value = n;
	return true;
}

static bool value_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* Checks one field's value and stores it; `*why` says what it must be. */
static bool set_field(struct machine_desc *desc, enum desc_field field, const char *value,
		      size_t len, const char **why)
{
	uint64_t n = 0;

	switch (field) {
	case FIELD_CPUS:
		*why = "machine.cpus: not a vCPU count from 1";
		if (!parse_number(value, len, UINT32_MAX, &n) || n == 0)
			return false;
		desc->cpus = (unsigned)n;
		return true;
	case FIELD_MEMORY:
		*why = "machine.memory: not a byte count from 1";
		if (!parse_number(value, len, UINT64_MAX, &n) || n == 0)
			return false;
		desc->memory = n;
		return true;
	case FIELD_DISKS:
		*why = "machine.disks: more disks than a machine has slots for";
		if (!parse_number(value, len, MACHINE_MAX_DISKS, &n))
			return false;
		desc->disk_count = (unsigned)n;
		return true;
	case FIELD_NETS:
		*why = "machine.nets: more interfaces than a machine has slots for";
		if (!parse_number(value, len, MACHINE_MAX_NETS, &n))
			return false;
		desc->net_count = (unsigned)n;
		return true;
	case FIELD_CONSOLE:
		*why = "machine.console: neither virtio nor pl011";
		if (!value_is(value, len, "virtio") && !value_is(value, len, "pl011"))
			return false;
		desc->virtio_console = value[0] == 'v';
		return true;
	case FIELD_RNG:
		*why = "machine.rng: neither 0 nor 1";
		if (!parse_number(value, len, 1, &n))
			return false;
		desc->rng = n == 1;
		return true;
	case FIELD_VSOCK_CID:
		*why = "machine.vsock_cid: neither 0 nor a guest CID (3 to 4294967295)";
		if (!parse_number(value, len, UINT32_MAX, &n) ||
		    (n != 0 && n < VSOCK_GUEST_CID_MIN))
			return false;
		desc->vsock = n != 0;
		desc->vsock_cid = n;
		return true;
	case FIELD_COUNT:
		break;
	}
	return false;
}

/* The field a "machine." line names, or FIELD_COUNT for an unknown one. */
static enum desc_field field_named(const char *key, size_t len)
{
	for (unsigned i = 0; i < FIELD_COUNT; i++) {
		if (value_is(key, len, field_keys[i]))
			return (enum desc_field)i;
	}
	return FIELD_COUNT;
}

int machine_desc_from_text(const char *text, size_t len, struct machine_desc *desc,
			   const char **why)
{
	static const char prefix[] = "machine.";
	bool seen[FIELD_COUNT] = {false};

	*desc = (struct machine_desc){0};
	for (size_t at = 0; at < len;) {
		const char *line = text + at;
		size_t line_len = 0, key_len = 0;
		enum desc_field field;

		while (at + line_len < len && line[line_len] != '\n')
			line_len++;
		at += line_len + 1;
		if (line_len < sizeof(prefix) - 1 || memcmp(line, prefix, sizeof(prefix) - 1) != 0)
			continue;
		while (key_len < line_len && line[key_len] != '=')
			key_len++;
		field = field_named(line, key_len);
		if (key_len == line_len || field == FIELD_COUNT) {
			*why =
			    "a machine. line that is not one of machine.cpus, memory, disks, nets, "
			    "console, rng, vsock_cid with a value";
			return -SVMM_EINVAL;
		}
		if (seen[field]) {
			*why = "a machine. field is given twice";
			return -SVMM_EINVAL;
		}
		seen[field] = true;
		if (!set_field(desc, field, line + key_len + 1, line_len - key_len - 1, why))
			return -SVMM_EINVAL;
	}
	for (unsigned i = 0; i < FIELD_COUNT; i++) {
		if (!seen[i]) {
			*why = field_missing[i];
			return -SVMM_EINVAL;
		}
	}
	return 0;
}
