/* SPDX-License-Identifier: Apache-2.0 */
/* config_parse_size(): what people write for memory sizes, and what they must not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "config/config_private.h"

struct good_size {
	const char *text;
	uint64_t bytes;
};

static const struct good_size good_sizes[] = {
    {"0", 0},
    {"1", 1},
    {"4096", 4096},
    {"1B", 1},
    {"1K", 1024},
    {"1k", 1024},
    {"1KiB", 1024},
    {"1KB", 1024},
    {"512M", 512ull << 20},
    {"512m", 512ull << 20},
    {"512MiB", 512ull << 20},
    {"1G", 1ull << 30},
    {"1GiB", 1ull << 30},
    {"1GB", 1ull << 30},
    {"1gib", 1ull << 30},
    {"2T", 2ull << 40},
    {"2TiB", 2ull << 40},
    {"0512M", 512ull << 20},
    {"18446744073709551615", UINT64_MAX},
    {"16777215T", 16777215ull << 40},
};

static const char *const bad_sizes[] = {
    "",
    "-1",
    "+1",
    "-0",
    "1.5G",
    "1,5G",
    "12Q",
    "G",
    "M512",
    " 1G",
    "1G ",
    "1 G",
    "1Gi",
    "1GiBB",
    "1iB",
    "1BB",
    "0x10",
    "1e9",
    /* Each overflows 64 bits: by digits, and by the unit shift. */
    "18446744073709551616",
    "99999999999999999999999",
    "99999999999T",
    "16777216T",
    "17179869184G",
};

static void test_good_sizes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_sizes) / sizeof(good_sizes[0]); i++) {
		uint64_t bytes = 12345;

		if (config_parse_size(good_sizes[i].text, &bytes) != 0)
			fail_msg("\"%s\" was refused", good_sizes[i].text);
		if (bytes != good_sizes[i].bytes)
			fail_msg("\"%s\" gave %llu bytes", good_sizes[i].text,
				 (unsigned long long)bytes);
	}
}

static void test_bad_sizes_are_refused_and_leave_the_result_alone(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		uint64_t bytes = 12345;

		if (config_parse_size(bad_sizes[i], &bytes) != -1)
			fail_msg("\"%s\" was accepted as %llu bytes", bad_sizes[i],
				 (unsigned long long)bytes);
		assert_int_equal(bytes, 12345);
	}
}

static void test_null_is_refused(void **state)
{
	uint64_t bytes = 0;

	(void)state;
	assert_int_equal(config_parse_size(NULL, &bytes), -1);
}

static void test_format_size_uses_the_largest_exact_unit(void **state)
{
	char text[32];

	(void)state;
	config_format_size(16ull << 20, text, sizeof(text));
	assert_string_equal(text, "16M");
	config_format_size(255ull << 30, text, sizeof(text));
	assert_string_equal(text, "255G");
	config_format_size(3ull << 40, text, sizeof(text));
	assert_string_equal(text, "3T");
	config_format_size(1536ull << 20, text, sizeof(text));
	assert_string_equal(text, "1536M");
	config_format_size(1024, text, sizeof(text));
	assert_string_equal(text, "1K");
	config_format_size(4097, text, sizeof(text));
	assert_string_equal(text, "4097");
	config_format_size(0, text, sizeof(text));
	assert_string_equal(text, "0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_sizes),
	    cmocka_unit_test(test_bad_sizes_are_refused_and_leave_the_result_alone),
	    cmocka_unit_test(test_null_is_refused),
	    cmocka_unit_test(test_format_size_uses_the_largest_exact_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
