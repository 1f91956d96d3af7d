/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arch/aarch64/image.h"
#include "core/errors.h"

#define MIB ((uint64_t)1 << 20)

/* Big enough for the x86 setup header probe at 0x202. */
#define FILE_SIZE 4096

static void put_le64(uint8_t *p, uint64_t value)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

/* A FILE_SIZE-byte "kernel" whose header says what the arguments say. */
static void make_image(uint8_t *buf, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	memset(buf, 0xaa, FILE_SIZE);
	memset(buf, 0, ARM64_IMAGE_HEADER_SIZE);
	put_le64(buf + 8, text_offset);
	put_le64(buf + 16, image_size);
	put_le64(buf + 24, flags);
	memcpy(buf + 56, "ARM\x64", 4);
}

/* Parses and expects a rejection; returns the explanation. */
static const char *expect_rejected(const void *data, size_t len)
{
	struct arm64_image image;
	const char *why = NULL;

	assert_int_equal(arm64_image_parse(data, len, &image, &why), -SVMM_ENOEXEC);
	assert_non_null(why);
	return why;
}

static void test_good_header(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE];
	struct arm64_image image;
	const char *why = "untouched";

	/* flags: little-endian, 4 KiB pages, anywhere in memory (bits 1-3 = 0b101). */
	make_image(buf, 0, 30 * MIB, 0xa);
	assert_int_equal(arm64_image_parse(buf, sizeof(buf), &image, &why), 0);
	assert_int_equal(image.text_offset, 0);
	assert_int_equal(image.image_size, 30 * MIB);
	assert_int_equal(image.file_size, sizeof(buf));
	assert_null(why);
}

static void test_fields_read_little_endian_from_odd_address(void **state)
{
	(void)state;
	uint8_t storage[FILE_SIZE + 1];
	uint8_t *buf = storage + 1; /* the header fields are unaligned now */
	struct arm64_image image;

	memset(storage, 0, sizeof(storage));
	make_image(buf, 0x80000, 0x0123456789ab000ull, 0);
	assert_int_equal(arm64_image_parse(buf, FILE_SIZE, &image, NULL), 0);
	assert_int_equal(image.text_offset, 0x80000);
	assert_int_equal(image.image_size, 0x0123456789ab000ull);
}

static void test_truncated(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE];
	const char *empty, *short63;

	make_image(buf, 0, 30 * MIB, 0);
	empty = expect_rejected(buf, 0);
	short63 = expect_rejected(buf, ARM64_IMAGE_HEADER_SIZE - 1);
	assert_string_equal(empty, short63);
	assert_non_null(strstr(empty, "too short"));
	/* No data at all must not be dereferenced. */
	assert_string_equal(expect_rejected(NULL, 0), empty);
}

static void test_wrong_magic(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE];

	make_image(buf, 0, 30 * MIB, 0);
	buf[59] = 0x65;
	assert_non_null(strstr(expect_rejected(buf, sizeof(buf)), "magic"));
}

static void test_gzip(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE] = {0x1f, 0x8b, 0x08};

	assert_non_null(strstr(expect_rejected(buf, sizeof(buf)), "gzip"));
	/* Recognised even when the file is shorter than a header. */
	assert_non_null(strstr(expect_rejected(buf, 10), "gzip"));
}

static void test_other_compressions(void **state)
{
	(void)state;
	const uint8_t zstd[FILE_SIZE] = {0x28, 0xb5, 0x2f, 0xfd};
	const uint8_t xz[FILE_SIZE] = {0xfd, '7', 'z', 'X', 'Z', 0};
	uint8_t zboot[FILE_SIZE] = {'M', 'Z', 0, 0, 'z', 'i', 'm', 'g'};

	assert_non_null(strstr(expect_rejected(zstd, sizeof(zstd)), "zstd"));
	assert_non_null(strstr(expect_rejected(xz, sizeof(xz)), "xz"));
	assert_non_null(strstr(expect_rejected(zboot, sizeof(zboot)), "zboot"));
}

static void test_elf(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE] = {0x7f, 'E', 'L', 'F', 2, 1, 1};

	assert_non_null(strstr(expect_rejected(buf, sizeof(buf)), "ELF"));
}

static void test_x86_bzimage(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE] = {'M', 'Z'};

	buf[0x1fe] = 0x55;
	buf[0x1ff] = 0xaa;
	memcpy(buf + 0x202, "HdrS", 4);
	assert_non_null(strstr(expect_rejected(buf, sizeof(buf)), "bzImage"));
}

static void test_arm64_efi_stub_is_not_mistaken(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE];
	struct arm64_image image;

	/* An Image with the EFI stub starts "MZ" but is still an Image. */
	make_image(buf, 0, 30 * MIB, 0xa);
	buf[0] = 'M';
	buf[1] = 'Z';
	assert_int_equal(arm64_image_parse(buf, sizeof(buf), &image, NULL), 0);
}

static void test_big_endian(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE];

	make_image(buf, 0, 30 * MIB, 1);
	assert_non_null(strstr(expect_rejected(buf, sizeof(buf)), "big-endian"));
}

static void test_legacy_zero_image_size(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE];
	struct arm64_image image;

	/* Pre-3.17: text_offset in the kernel's byte order, so it is ignored. */
	make_image(buf, 0x0000080000000000ull, 0, 0);
	assert_int_equal(arm64_image_parse(buf, sizeof(buf), &image, NULL), 0);
	assert_int_equal(image.text_offset, 0x80000);
	assert_int_equal(image.image_size, 2 * MIB);
	assert_int_equal(image.file_size, sizeof(buf));
}

static void test_bad_text_offset(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE];
	struct arm64_image image;
	const char *unaligned, *too_big;

	make_image(buf, 0x80001, 30 * MIB, 0);
	unaligned = expect_rejected(buf, sizeof(buf));
	make_image(buf, 2 * MIB, 30 * MIB, 0);
	too_big = expect_rejected(buf, sizeof(buf));
	assert_string_equal(unaligned, too_big);
	assert_non_null(strstr(unaligned, "text_offset"));

	make_image(buf, 2 * MIB - 4096, 30 * MIB, 0);
	assert_int_equal(arm64_image_parse(buf, sizeof(buf), &image, NULL), 0);
}

static void test_image_size_smaller_than_file(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE];
	struct arm64_image image;

	make_image(buf, 0, FILE_SIZE - 1, 0);
	assert_non_null(strstr(expect_rejected(buf, sizeof(buf)), "image_size"));
	make_image(buf, 0, FILE_SIZE, 0);
	assert_int_equal(arm64_image_parse(buf, sizeof(buf), &image, NULL), 0);
}

static void test_explanations_are_distinct(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE];
	const char *why[8];
	size_t count = 0;

	make_image(buf, 0, 30 * MIB, 0);
	why[count++] = expect_rejected(buf, 10);
	buf[56] = 'X';
	why[count++] = expect_rejected(buf, sizeof(buf));
	buf[0] = 0x1f;
	buf[1] = 0x8b;
	why[count++] = expect_rejected(buf, sizeof(buf));
	memcpy(buf,
	       "\x7f"
	       "ELF",
	       4);
	why[count++] = expect_rejected(buf, sizeof(buf));
	memcpy(buf, "MZ\0\0", 4);
	memcpy(buf + 0x202, "HdrS", 4);
	why[count++] = expect_rejected(buf, sizeof(buf));
	make_image(buf, 0, 30 * MIB, 1);
	why[count++] = expect_rejected(buf, sizeof(buf));
	make_image(buf, 4, 30 * MIB, 0);
	why[count++] = expect_rejected(buf, sizeof(buf));
	make_image(buf, 0, 16, 0);
	why[count++] = expect_rejected(buf, sizeof(buf));

	for (size_t i = 0; i < count; i++)
		for (size_t j = i + 1; j < count; j++)
			assert_string_not_equal(why[i], why[j]);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	uint8_t buf[FILE_SIZE];
	const char *why = NULL;

	make_image(buf, 0, 30 * MIB, 0);
	assert_int_equal(arm64_image_parse(buf, sizeof(buf), NULL, &why), -SVMM_EINVAL);
	assert_non_null(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_header),
	    cmocka_unit_test(test_fields_read_little_endian_from_odd_address),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_wrong_magic),
	    cmocka_unit_test(test_gzip),
	    cmocka_unit_test(test_other_compressions),
	    cmocka_unit_test(test_elf),
	    cmocka_unit_test(test_x86_bzimage),
	    cmocka_unit_test(test_arm64_efi_stub_is_not_mistaken),
	    cmocka_unit_test(test_big_endian),
	    cmocka_unit_test(test_legacy_zero_image_size),
	    cmocka_unit_test(test_bad_text_offset),
	    cmocka_unit_test(test_image_size_smaller_than_file),
	    cmocka_unit_test(test_explanations_are_distinct),
	    cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
