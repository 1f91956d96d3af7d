/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The partition table reader (core/partition.c): good MBR and GPT tables
 * on an in-memory disk, then hostile ones, each refused with a reason and
 * without a read outside the disk (the fake disk fails the test on one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/crc32.h"
#include "core/endian.h"
#include "core/errors.h"
#include "core/partition.h"

#define SECTOR	     PARTITION_SECTOR_SIZE
#define DISK_SECTORS 2048u

struct disk {
	uint8_t *bytes;
	uint64_t sectors;
	unsigned reads;
};

static int read_disk(void *ctx, uint64_t lba, uint8_t *sector)
{
	struct disk *disk = ctx;

	assert_true(lba < disk->sectors);
	memcpy(sector, disk->bytes + lba * SECTOR, SECTOR);
	disk->reads++;
	return 0;
}

static int failing_read(void *ctx, uint64_t lba, uint8_t *sector)
{
	(void)ctx;
	(void)lba;
	(void)sector;
	return -SVMM_EIO;
}

static struct disk *new_disk(void)
{
	struct disk *disk = calloc(1, sizeof(*disk));

	assert_non_null(disk);
	disk->sectors = DISK_SECTORS;
	disk->bytes = calloc(DISK_SECTORS, SECTOR);
	assert_non_null(disk->bytes);
	disk->bytes[510] = 0x55;
	disk->bytes[511] = 0xaa;
	return disk;
}

static void free_disk(struct disk *disk)
{
	free(disk->bytes);
	free(disk);
}

static void set_mbr(struct disk *disk, unsigned slot, uint8_t type, uint32_t first, uint32_t count)
{
	uint8_t *record = disk->bytes + 446 + slot * 16;

	record[4] = type;
	le_store(record + 8, first, 4);
	le_store(record + 12, count, 4);
}

/* The usual layout: header at LBA 1, 128 entries of 128 bytes from LBA 2,
 * usable 34 .. disk end - 34. Tests change fields then call gpt_seal(). */
static uint8_t *gpt_header(struct disk *disk)
{
	return disk->bytes + SECTOR;
}

static uint8_t *gpt_entry(struct disk *disk, unsigned index)
{
	uint8_t *header = gpt_header(disk);

	return disk->bytes + le_load(header + 72, 8) * SECTOR + index * le_load(header + 84, 4);
}

/* The header's CRC over its stated size, kept inside the sector so a
 * hostile size can be sealed too. */
static void gpt_seal_header(struct disk *disk)
{
	uint8_t *header = gpt_header(disk);
	uint32_t size = (uint32_t)le_load(header + 12, 4);

	le_store(header + 16, 0, 4);
	le_store(header + 16, crc32(header, size < SECTOR ? size : SECTOR), 4);
}

static void gpt_seal(struct disk *disk)
{
	uint8_t *header = gpt_header(disk);
	uint64_t array = le_load(header + 80, 4) * le_load(header + 84, 4);

	le_store(header + 88, crc32(gpt_entry(disk, 0), array), 4);
	gpt_seal_header(disk);
}

static void gpt_set_entry(struct disk *disk, unsigned index, uint64_t first, uint64_t last)
{
	uint8_t *entry = gpt_entry(disk, index);

	memset(entry, 0xa5, 16); /* a type GUID; any non-zero one will do */
	le_store(entry + 32, first, 8);
	le_store(entry + 40, last, 8);
}

static struct disk *new_gpt_disk(void)
{
	struct disk *disk = new_disk();
	uint8_t *header = gpt_header(disk);

	set_mbr(disk, 0, 0xee, 1, DISK_SECTORS - 1);
	memcpy(header, "EFI PART", 8);
	le_store(header + 8, 0x00010000, 4);
	le_store(header + 12, 92, 4);
	le_store(header + 24, 1, 8);
	le_store(header + 32, DISK_SECTORS - 1, 8);
	le_store(header + 40, 34, 8);
	le_store(header + 48, DISK_SECTORS - 34, 8);
	le_store(header + 72, 2, 8);
	le_store(header + 80, 128, 4);
	le_store(header + 84, 128, 4);
	gpt_set_entry(disk, 0, 34, 1023);
	gpt_set_entry(disk, 2, 1024, DISK_SECTORS - 34);
	gpt_seal(disk);
	return disk;
}

/* Reads disk's table, expecting err; a refusal must say why. */
static void expect_read(struct disk *disk, int err, struct partition_table *table)
{
	const char *why = NULL;

	assert_int_equal(partition_table_read(read_disk, disk, disk->sectors, table, &why), err);
	if (err < 0) {
		assert_non_null(why);
		assert_true(why[0] != '\0' && strchr(why, '\n') == NULL);
	}
}

static void expect_refused(struct disk *disk, const char *reason)
{
	struct partition_table *table = malloc(sizeof(*table));
	const char *why = NULL;

	assert_non_null(table);
	assert_int_equal(partition_table_read(read_disk, disk, disk->sectors, table, &why),
			 -SVMM_EINVAL);
	assert_non_null(why);
	assert_string_equal(why, reason);
	assert_int_equal(table->slots, 0);
	free(table);
	free_disk(disk);
}

static void test_crc32_known_answer(void **state)
{
	(void)state;
	assert_int_equal(crc32("123456789", 9), 0xcbf43926u);
	assert_int_equal(crc32("", 0), 0);
}

static void test_good_mbr(void **state)
{
	struct disk *disk = new_disk();
	struct partition_table table;
	struct partition part;
	const char *why = NULL;

	(void)state;
	set_mbr(disk, 0, 0x83, 2048 / 4, 512);
	set_mbr(disk, 2, 0x83, 1024, 1024);
	set_mbr(disk, 3, 0x05, 1, 100);
	expect_read(disk, 0, &table);
	assert_int_equal(table.scheme, PARTITION_SCHEME_MBR);
	assert_int_equal(table.slots, 4);
	assert_int_equal(partition_find(&table, 1, &part, &why), 0);
	assert_int_equal(part.first_lba, 512);
	assert_int_equal(part.sectors, 512);
	assert_int_equal(partition_find(&table, 3, &part, &why), 0);
	assert_int_equal(part.first_lba, 1024);
	assert_int_equal(part.sectors, 1024);
	/* An empty slot keeps its number, as on Linux. */
	assert_int_equal(partition_find(&table, 2, &part, &why), -SVMM_ENOENT);
	assert_int_equal(partition_find(&table, 0, &part, &why), -SVMM_ENOENT);
	assert_int_equal(partition_find(&table, 5, &part, &why), -SVMM_ENOENT);
	assert_int_equal(partition_find(&table, 4, &part, &why), -SVMM_ENOTSUP);
	free_disk(disk);
}

static void test_good_gpt(void **state)
{
	struct disk *disk = new_gpt_disk();
	struct partition_table *table = malloc(sizeof(*table));
	struct partition part;
	const char *why = NULL;

	(void)state;
	assert_non_null(table);
	expect_read(disk, 0, table);
	assert_int_equal(table->scheme, PARTITION_SCHEME_GPT);
	assert_int_equal(table->slots, 128);
	assert_int_equal(partition_find(table, 1, &part, &why), 0);
	assert_int_equal(part.first_lba, 34);
	assert_int_equal(part.sectors, 1023 - 34 + 1);
	assert_int_equal(partition_find(table, 2, &part, &why), -SVMM_ENOENT);
	assert_int_equal(partition_find(table, 3, &part, &why), 0);
	assert_int_equal(part.first_lba, 1024);
	assert_int_equal(part.sectors, DISK_SECTORS - 34 - 1024 + 1);
	assert_int_equal(partition_find(table, 129, &part, &why), -SVMM_ENOENT);
	free(table);
	free_disk(disk);
}

static void test_gpt_larger_entries(void **state)
{
	struct disk *disk = new_gpt_disk();
	struct partition_table *table = malloc(sizeof(*table));
	struct partition part;
	const char *why = NULL;

	(void)state;
	assert_non_null(table);
	/* 16 entries of 512 bytes: one a sector, LBA 2 to 17. */
	memset(gpt_entry(disk, 0), 0, 128 * 128);
	le_store(gpt_header(disk) + 80, 16, 4);
	le_store(gpt_header(disk) + 84, 512, 4);
	gpt_set_entry(disk, 15, 100, 199);
	gpt_seal(disk);
	expect_read(disk, 0, table);
	assert_int_equal(table->slots, 16);
	assert_int_equal(partition_find(table, 16, &part, &why), 0);
	assert_int_equal(part.first_lba, 100);
	assert_int_equal(part.sectors, 100);
	free(table);
	free_disk(disk);
}

static void test_no_table(void **state)
{
	struct disk *disk = new_disk();
	struct partition_table table;
	const char *why = NULL;

	(void)state;
	disk->bytes[511] = 0;
	expect_read(disk, -SVMM_ENOENT, &table);
	assert_int_equal(partition_table_read(read_disk, disk, 0, &table, &why), -SVMM_ENOENT);
	assert_int_equal(disk->reads, 1);
	free_disk(disk);
}

static void test_read_errors_pass_through(void **state)
{
	struct partition_table table;
	const char *why = NULL;

	(void)state;
	assert_int_equal(partition_table_read(failing_read, NULL, DISK_SECTORS, &table, &why),
			 -SVMM_EIO);
	assert_non_null(why);
}

static void test_hostile_mbr(void **state)
{
	struct disk *disk;

	(void)state;
	disk = new_disk();
	set_mbr(disk, 1, 0x83, 100, 0);
	expect_refused(disk, "MBR partition of zero sectors");
	disk = new_disk();
	set_mbr(disk, 0, 0x83, 0, 10);
	expect_refused(disk, "MBR partition starting at sector 0 (the MBR itself)");
	disk = new_disk();
	set_mbr(disk, 0, 0x83, 100, DISK_SECTORS - 99);
	expect_refused(disk, "MBR partition ends beyond the disk");
	disk = new_disk();
	set_mbr(disk, 0, 0x83, 0xffffffffu, 0xffffffffu);
	expect_refused(disk, "MBR partition ends beyond the disk");
	disk = new_disk();
	set_mbr(disk, 0, 0x83, 100, 100);
	set_mbr(disk, 3, 0x83, 199, 10);
	expect_refused(disk, "two partitions overlap");
	disk = new_disk();
	disk->bytes[446 + 16] = 0x01;
	expect_refused(disk, "MBR record with a status other than 0x00 or 0x80");
}

/* A GPT disk with one header field changed, its header CRC made right
 * again so only that field is wrong. */
static struct disk *gpt_with(unsigned offset, uint64_t value, unsigned bytes)
{
	struct disk *disk = new_gpt_disk();

	le_store(gpt_header(disk) + offset, value, bytes);
	gpt_seal_header(disk);
	return disk;
}

static void test_hostile_gpt_header(void **state)
{
	struct disk *disk;

	(void)state;
	disk = new_gpt_disk();
	gpt_header(disk)[0] = 'X';
	expect_refused(disk, "protective MBR but no GPT header signature at LBA 1");
	disk = new_gpt_disk();
	gpt_header(disk)[40] ^= 1; /* not sealed again */
	expect_refused(disk, "GPT header CRC32 does not match");
	disk = new_gpt_disk();
	gpt_entry(disk, 0)[40] ^= 1;
	expect_refused(disk, "GPT entry array CRC32 does not match");
	expect_refused(gpt_with(12, 91, 4), "GPT header size outside 92..512 bytes");
	expect_refused(gpt_with(12, 513, 4), "GPT header size outside 92..512 bytes");
	expect_refused(gpt_with(12, 0xffffffffu, 4), "GPT header size outside 92..512 bytes");
	expect_refused(gpt_with(24, 2, 8), "GPT header does not name LBA 1 as its own");
	expect_refused(gpt_with(40, DISK_SECTORS, 8),
		       "GPT usable range is reversed or beyond the disk");
	expect_refused(gpt_with(48, DISK_SECTORS, 8),
		       "GPT usable range is reversed or beyond the disk");
	expect_refused(gpt_with(40, 1, 8), "GPT usable range covers the MBR or the GPT header");
	expect_refused(gpt_with(80, 0, 4), "GPT entry count outside 1..128");
	expect_refused(gpt_with(80, 129, 4), "GPT entry count outside 1..128");
	expect_refused(gpt_with(80, 0xffffffffu, 4), "GPT entry count outside 1..128");
	expect_refused(gpt_with(84, 64, 4),
		       "GPT entry size not a power of two from 128 to 512 bytes");
	expect_refused(gpt_with(84, 384, 4),
		       "GPT entry size not a power of two from 128 to 512 bytes");
	expect_refused(gpt_with(84, 1024, 4),
		       "GPT entry size not a power of two from 128 to 512 bytes");
}

static void test_hostile_gpt_array(void **state)
{
	struct disk *disk;

	(void)state;
	/* Each moves the array and makes the header's CRC right again. */
	static const uint64_t places[] = {0, 1, DISK_SECTORS - 31, DISK_SECTORS, UINT64_MAX - 1,
					  20};
	static const char *const reasons[] = {
	    "GPT entry array outside the disk or over the header",
	    "GPT entry array outside the disk or over the header",
	    "GPT entry array outside the disk or over the header",
	    "GPT entry array outside the disk or over the header",
	    "GPT entry array outside the disk or over the header",
	    "GPT entry array overlaps the usable range",
	};
	for (unsigned i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		disk = new_gpt_disk();
		le_store(gpt_header(disk) + 72, places[i], 8);
		gpt_seal_header(disk);
		expect_refused(disk, reasons[i]);
	}
}

static void test_hostile_gpt_entries(void **state)
{
	struct disk *disk;

	(void)state;
	disk = new_gpt_disk();
	gpt_set_entry(disk, 5, 500, 499);
	gpt_seal(disk);
	expect_refused(disk, "GPT partition ends before it starts");
	disk = new_gpt_disk();
	gpt_set_entry(disk, 5, 33, 33);
	gpt_seal(disk);
	expect_refused(disk, "GPT partition outside the usable range");
	disk = new_gpt_disk();
	gpt_set_entry(disk, 5, DISK_SECTORS - 34, UINT64_MAX);
	gpt_seal(disk);
	expect_refused(disk, "GPT partition outside the usable range");
	disk = new_gpt_disk();
	gpt_set_entry(disk, 127, 1023, 1023);
	gpt_seal(disk);
	expect_refused(disk, "two partitions overlap");
	disk = new_gpt_disk();
	gpt_set_entry(disk, 1, 34, 1023);
	gpt_seal(disk);
	expect_refused(disk, "two partitions overlap");
}

static void test_gpt_on_tiny_disk(void **state)
{
	struct disk *disk = new_gpt_disk();

	(void)state;
	disk->sectors = 2;
	expect_refused(disk, "disk too small for a GPT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crc32_known_answer),
	    cmocka_unit_test(test_good_mbr),
	    cmocka_unit_test(test_good_gpt),
	    cmocka_unit_test(test_gpt_larger_entries),
	    cmocka_unit_test(test_no_table),
	    cmocka_unit_test(test_read_errors_pass_through),
	    cmocka_unit_test(test_hostile_mbr),
	    cmocka_unit_test(test_hostile_gpt_header),
	    cmocka_unit_test(test_hostile_gpt_array),
	    cmocka_unit_test(test_hostile_gpt_entries),
	    cmocka_unit_test(test_gpt_on_tiny_disk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
