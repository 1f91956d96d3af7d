/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A disk's partition table, MBR or GPT, read through a callback that
 * fetches one 512-byte sector at a time, so it serves a host file as well
 * as an seL4 block queue. Every table is treated as hostile: each offset,
 * count and range is checked against the disk before it is used, and a
 * refusal says why in one line.
 *
 * Partitions are numbered from 1 as Linux numbers them: MBR primary slots
 * 1-4 (an empty slot keeps its number), GPT entries in array order. The
 * primary GPT header (LBA 1) and its entry array are checked, including
 * both CRC32s; the backup header at the end of the disk is not read.
 */
#ifndef SVMM_CORE_PARTITION_H
#define SVMM_CORE_PARTITION_H

#include <stdbool.h>
#include <stdint.h>

#define PARTITION_SECTOR_SIZE 512u
/* GPT tables hold 128 entries by convention; larger arrays are refused. */
#define PARTITION_MAX 128u

/* Reads sector lba into sector; returns 0 or a negative SVMM_E* code. */
typedef int (*partition_read_sector)(void *ctx, uint64_t lba, uint8_t *sector);

enum partition_scheme {
	PARTITION_SCHEME_MBR,
	PARTITION_SCHEME_GPT,
};

struct partition {
	bool used;
	/* MBR: the one-byte type (0x05, 0x0f and 0x85 are extended); GPT: 0. */
	uint8_t mbr_type;
	uint64_t first_lba;
	uint64_t sectors;
};

struct partition_table {
	enum partition_scheme scheme;
	/* Slots, used or not: 4 for MBR, the entry count for GPT. */
	unsigned slots;
	struct partition parts[PARTITION_MAX];
};

/*
 * Reads the table of a disk of disk_sectors sectors. Returns 0; -SVMM_ENOENT
 * when sector 0 has no partition table signature; -SVMM_EINVAL for a table
 * that is malformed or does not fit the disk; or the callback's error.
 * *why is set on every failure.
 */
int partition_table_read(partition_read_sector read, void *ctx, uint64_t disk_sectors,
			 struct partition_table *table, const char **why);

/*
 * Partition number (1-based) of table: 0 with *part set, or -SVMM_ENOENT
 * (no such partition, an unused slot) or -SVMM_ENOTSUP (an MBR extended
 * partition: logical partitions are not read) with *why set.
 */
int partition_find(const struct partition_table *table, unsigned number, struct partition *part,
		   const char **why);

#endif
