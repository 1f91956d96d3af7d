/* SPDX-License-Identifier: Apache-2.0 */
/* Sizes as people write them: "512M", "1GiB", "4096". */
#include <stdio.h>
#include <strings.h>

#include "config/config_private.h"

struct size_unit {
	char letter;
	unsigned shift;
};

static const struct size_unit size_units[] = {
    {'K', 10},
    {'M', 20},
    {'G', 30},
    {'T', 40},
};

/*
 * The shift for what follows the digits: "" or "B" for bytes, or a unit
 * letter alone or followed by "B" or "iB". Case does not matter ("512m").
 */
static int parse_unit_suffix(const char *suffix, unsigned *shift)
{
	if (suffix[0] == '\0' || strcasecmp(suffix, "B") == 0) {
		*shift = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
		char upper = (char)(suffix[0] & ~0x20);

		if (upper != size_units[i].letter)
			continue;
		if (suffix[1] == '\0' || strcasecmp(suffix + 1, "B") == 0 ||
		    strcasecmp(suffix + 1, "iB") == 0) {
			*shift = size_units[i].shift;
			return 0;
		}
		return -1;
	}
	return -1;
}

int config_parse_size(const char *text, uint64_t *bytes)
{
	uint64_t number = 0;
	const char *cursor = text;
	unsigned shift;

	if (!text)
		return -1;
	/* Digits only: no sign, no spaces, no fraction ("1.5G" is not exact in bytes). */
	if (*cursor < '0' || *cursor > '9')
		return -1;
	for (; *cursor >= '0' && *cursor <= '9'; cursor++) {
		unsigned digit = (unsigned)(*cursor - '0');

		if (number > (UINT64_MAX - digit) / 10)
			return -1;
		number = number * 10 + digit;
	}
	if (parse_unit_suffix(cursor, &shift) != 0)
		return -1;
	if (shift != 0 && number > (UINT64_MAX >> shift))
		return -1;
	*bytes = number << shift;
	return 0;
}

void config_format_size(uint64_t bytes, char *out, size_t out_size)
{
	for (size_t i = sizeof(size_units) / sizeof(size_units[0]); i-- > 0;) {
		uint64_t unit = 1ull << size_units[i].shift;

		if (bytes != 0 && bytes % unit == 0) {
			snprintf(out, out_size, "%llu%c", (unsigned long long)(bytes / unit),
				 size_units[i].letter);
			return;
		}
	}
	snprintf(out, out_size, "%llu", (unsigned long long)bytes);
}
