/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the partition table reader (core/partition.c). The
 * input's first 4 bytes (little-endian) are the disk's size in sectors, so
 * a short input can claim a large disk; the rest is the disk from sector 0,
 * and sectors past it read as zeros. Checks: no read outside the disk; a
 * refusal says why in one line; an accepted table has no more slots than
 * it may, and every partition it hands out is non-empty, inside the disk,
 * off sector 0 and overlaps no other.
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_partitions)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/endian.h"
#include "core/errors.h"
#include "core/partition.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_partitions: %s:%d: check failed: %s\n", __FILE__,    \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct fuzz_disk {
	const uint8_t *bytes;
	size_t size;
	uint64_t sectors;
};

static int read_fuzz_disk(void *ctx, uint64_t lba, uint8_t *sector)
{
	const struct fuzz_disk *disk = ctx;
	uint64_t at;

	CHECK(lba < disk->sectors);
	memset(sector, 0, PARTITION_SECTOR_SIZE);
	if (lba >= disk->size / PARTITION_SECTOR_SIZE + 1)
		return 0;
	at = lba * PARTITION_SECTOR_SIZE;
	if (at < disk->size)
		memcpy(sector, disk->bytes + at,
		       disk->size - at < PARTITION_SECTOR_SIZE ? disk->size - at
							       : PARTITION_SECTOR_SIZE);
	return 0;
}

static void check_table(const struct partition_table *table, uint64_t disk_sectors)
{
	struct partition part, other;
	const char *why = NULL;

	CHECK(table->slots <= PARTITION_MAX);
	for (unsigned n = 1; n <= table->slots; n++) {
		if (partition_find(table, n, &part, &why) < 0) {
			CHECK(why != NULL && why[0] != '\0');
			continue;
		}
		CHECK(part.sectors > 0 && part.first_lba > 0);
		CHECK(part.first_lba < disk_sectors &&
		      part.sectors <= disk_sectors - part.first_lba);
		for (unsigned m = n + 1; m <= table->slots; m++)
			if (partition_find(table, m, &other, &why) == 0)
				CHECK(part.first_lba + part.sectors <= other.first_lba ||
				      other.first_lba + other.sectors <= part.first_lba);
	}
	CHECK(partition_find(table, 0, &part, &why) == -SVMM_ENOENT);
	CHECK(partition_find(table, table->slots + 1, &part, &why) == -SVMM_ENOENT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct partition_table *table;
	struct fuzz_disk disk;
	const char *why = NULL;
	int err;

	if (size < 4)
		return 0;
	disk.sectors = le_load(data, 4);
	disk.bytes = data + 4;
	disk.size = size - 4;
	table = malloc(sizeof(*table));
	CHECK(table != NULL);
	err = partition_table_read(read_fuzz_disk, &disk, disk.sectors, table, &why);
	if (err < 0) {
		CHECK(err == -SVMM_EINVAL || err == -SVMM_ENOENT);
		CHECK(why != NULL && why[0] != '\0' && strchr(why, '\n') == NULL);
		CHECK(table->slots == 0);
	} else {
		CHECK(err == 0);
		check_table(table, disk.sectors);
	}
	free(table);
	return 0;
}
