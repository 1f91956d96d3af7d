/* SPDX-License-Identifier: Apache-2.0 */
/* How config/ words its errors: one line naming where the value came from. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config_private.h"

int config_fail(struct config_error *err, const char *format, ...)
{
	va_list args;

	if (!err)
		return -1;
	va_start(args, format);
	vsnprintf(err->message, sizeof(err->message), format, args);
	va_end(args);
	return -1;
}

static bool is_utf8_continuation(unsigned char byte)
{
	return (byte & 0xc0) == 0x80;
}

void config_quote_for_message(char *out, size_t out_size, const char *value)
{
	size_t used = 0;
	size_t shown = 0;

	if (out_size < sizeof("...")) {
		if (out_size > 0)
			out[0] = '\0';
		return;
	}
	for (; value[shown] != '\0'; shown++) {
		unsigned char c = (unsigned char)value[shown];
		char piece[8];
		int piece_len;

		if (c == '"' || c == '\\')
			piece_len = snprintf(piece, sizeof(piece), "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			piece_len = snprintf(piece, sizeof(piece), "\\x%02x", c);
		else
			piece_len = snprintf(piece, sizeof(piece), "%c", c);
		if (used + (size_t)piece_len + sizeof("...") > out_size)
			break;
		memcpy(out + used, piece, (size_t)piece_len);
		used += (size_t)piece_len;
	}
	if (value[shown] != '\0') {
		/* Cut before a partly copied character so the message stays valid UTF-8. */
		size_t cut = shown;

		while (cut > 0 && is_utf8_continuation((unsigned char)value[cut]))
			cut--;
		used -= shown - cut;
		memcpy(out + used, "...", 3);
		used += 3;
	}
	out[used] = '\0';
}

int config_fail_expected(struct config_error *err, const char *origin, const char *expected,
			 const char *value)
{
	/* Enough to recognise a value; the whole message has 512 bytes. */
	char quoted[100];

	config_quote_for_message(quoted, sizeof(quoted), value);
	return config_fail(err, "%s: expected %s, got \"%s\"", origin, expected, quoted);
}
