/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MBR and GPT readers. Layouts: the MBR's four 16-byte records at byte 446
 * and its 0x55 0xAA signature at 510; the GPT header at LBA 1 and its
 * 128-byte (or larger power of two) entries, as the UEFI specification
 * lays them out. Nothing read from the disk is used as an index or length
 * before it is checked against the disk and the buffers here.
 */
#include "core/partition.h"

#include "core/crc32.h"
#include "core/endian.h"
#include "core/errors.h"
#include "core/string.h"

#define MBR_RECORDS_AT	446u
#define MBR_RECORD_SIZE 16u
#define MBR_SLOTS	4u
#define MBR_TYPE_GPT	0xeeu

#define GPT_HEADER_LBA	    1u
#define GPT_HEADER_MIN_SIZE 92u
#define GPT_ENTRY_MIN_SIZE  128u

static bool mbr_type_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

static int refuse(const char **why, const char *reason)
{
	*why = reason;
	return -SVMM_EINVAL;
}

/* Whether two used partitions share a sector. Both ranges are non-empty. */
static bool ranges_overlap(const struct partition *a, const struct partition *b)
{
	return a->first_lba < b->first_lba + b->sectors && b->first_lba < a->first_lba + a->sectors;
}

static int check_no_overlap(const struct partition_table *table, const char **why)
{
	for (unsigned i = 0; i < table->slots; i++)
		for (unsigned j = i + 1; j < table->slots; j++)
			if (table->parts[i].used && table->parts[j].used &&
			    ranges_overlap(&table->parts[i], &table->parts[j]))
				return refuse(why, "two partitions overlap");
	return 0;
}

static int read_mbr(const uint8_t *sector, uint64_t disk_sectors, struct partition_table *table,
		    const char **why)
{
	table->scheme = PARTITION_SCHEME_MBR;
	table->slots = MBR_SLOTS;
	for (unsigned i = 0; i < MBR_SLOTS; i++) {
		const uint8_t *record = sector + MBR_RECORDS_AT + i * MBR_RECORD_SIZE;
		struct partition *part = &table->parts[i];
		uint64_t first = le_load(record + 8, 4);
		uint64_t count = le_load(record + 12, 4);

		/* As Linux does: any other status byte means this sector is
		 * not a partition table (a FAT boot sector, say). */
		if (record[0] != 0x00 && record[0] != 0x80)
			return refuse(why, "MBR record with a status other than 0x00 or 0x80");
		if (record[4] == 0)
			continue;
		if (count == 0)
			return refuse(why, "MBR partition of zero sectors");
		if (first == 0)
			return refuse(why, "MBR partition starting at sector 0 (the MBR itself)");
		if (first >= disk_sectors || count > disk_sectors - first)
			return refuse(why, "MBR partition ends beyond the disk");
		part->used = true;
		part->mbr_type = record[4];
		part->first_lba = first;
		part->sectors = count;
	}
	return check_no_overlap(table, why);
}

struct gpt_header {
	uint64_t first_usable;
	uint64_t last_usable;
	uint64_t entries_lba;
	uint32_t entries;
	uint32_t entry_size;
	uint32_t entries_crc;
};

static int check_gpt_header(const uint8_t *sector, uint64_t disk_sectors, struct gpt_header *header,
			    const char **why)
{
	uint8_t copy[PARTITION_SECTOR_SIZE];
	uint32_t header_size = (uint32_t)le_load(sector + 12, 4);
	uint64_t array_sectors;

	if (memcmp(sector, "EFI PART", 8) != 0)
		return refuse(why, "protective MBR but no GPT header signature at LBA 1");
	if (header_size < GPT_HEADER_MIN_SIZE || header_size > PARTITION_SECTOR_SIZE)
		return refuse(why, "GPT header size outside 92..512 bytes");
	memcpy(copy, sector, header_size);
	memset(copy + 16, 0, 4);
	if (crc32(copy, header_size) != (uint32_t)le_load(sector + 16, 4))
		return refuse(why, "GPT header CRC32 does not match");
	if (le_load(sector + 24, 8) != GPT_HEADER_LBA)
		return refuse(why, "GPT header does not name LBA 1 as its own");
	header->first_usable = le_load(sector + 40, 8);
	header->last_usable = le_load(sector + 48, 8);
	header->entries_lba = le_load(sector + 72, 8);
	header->entries = (uint32_t)le_load(sector + 80, 4);
	header->entry_size = (uint32_t)le_load(sector + 84, 4);
	header->entries_crc = (uint32_t)le_load(sector + 88, 4);
	if (header->first_usable > header->last_usable || header->last_usable >= disk_sectors)
		return refuse(why, "GPT usable range is reversed or beyond the disk");
	if (header->first_usable <= GPT_HEADER_LBA)
		return refuse(why, "GPT usable range covers the MBR or the GPT header");
	if (header->entries == 0 || header->entries > PARTITION_MAX)
		return refuse(why, "GPT entry count outside 1..128");
	/* A power of two from 128 to 512 bytes: entries never straddle a sector. */
	if (header->entry_size < GPT_ENTRY_MIN_SIZE || header->entry_size > PARTITION_SECTOR_SIZE ||
	    (header->entry_size & (header->entry_size - 1)) != 0)
		return refuse(why, "GPT entry size not a power of two from 128 to 512 bytes");
	array_sectors =
	    ((uint64_t)header->entries * header->entry_size + PARTITION_SECTOR_SIZE - 1) /
	    PARTITION_SECTOR_SIZE;
	if (header->entries_lba <= GPT_HEADER_LBA || header->entries_lba >= disk_sectors ||
	    array_sectors > disk_sectors - header->entries_lba)
		return refuse(why, "GPT entry array outside the disk or over the header");
	if (header->entries_lba + array_sectors > header->first_usable &&
	    header->entries_lba <= header->last_usable)
		return refuse(why, "GPT entry array overlaps the usable range");
	return 0;
}

static int read_gpt_entry(const uint8_t *entry, const struct gpt_header *header,
			  struct partition *part, const char **why)
{
	uint64_t first = le_load(entry + 32, 8);
	uint64_t last = le_load(entry + 40, 8);
	bool unused = true;

	/* An all-zero type GUID marks an unused entry. */
	for (unsigned i = 0; i < 16; i++)
		unused = unused && entry[i] == 0;
	if (unused)
		return 0;
	if (first > last)
		return refuse(why, "GPT partition ends before it starts");
	if (first < header->first_usable || last > header->last_usable)
		return refuse(why, "GPT partition outside the usable range");
	part->used = true;
	part->first_lba = first;
	part->sectors = last - first + 1;
	return 0;
}

/*
 * Entry i of the GPT array, in `sector`: the array is walked in order, so
 * entry i's sector is read when i is the first entry in it.
 */
static int load_gpt_entry(partition_read_sector read, void *ctx, const struct gpt_header *header,
			  unsigned i, uint8_t *sector, const uint8_t **entry, const char **why)
{
	unsigned per_sector = PARTITION_SECTOR_SIZE / header->entry_size;
	unsigned within = i % per_sector;

	if (within == 0) {
		int err = read(ctx, header->entries_lba + i / per_sector, sector);

		if (err < 0) {
			*why = "cannot read the GPT entry array";
			return err;
		}
	}
	*entry = sector + within * header->entry_size;
	return 0;
}

static int read_gpt(partition_read_sector read, void *ctx, uint64_t disk_sectors,
		    struct partition_table *table, const char **why)
{
	uint8_t sector[PARTITION_SECTOR_SIZE];
	struct gpt_header header;
	uint32_t running = CRC32_START;
	const uint8_t *entry;
	int err;

	if (disk_sectors <= GPT_HEADER_LBA + 1)
		return refuse(why, "disk too small for a GPT");
	err = read(ctx, GPT_HEADER_LBA, sector);
	if (err < 0) {
		*why = "cannot read the GPT header";
		return err;
	}
	err = check_gpt_header(sector, disk_sectors, &header, why);
	if (err < 0)
		return err;
	table->scheme = PARTITION_SCHEME_GPT;
	table->slots = header.entries;
	for (unsigned i = 0; i < header.entries; i++) {
		err = load_gpt_entry(read, ctx, &header, i, sector, &entry, why);
		if (err < 0)
			return err;
		running = crc32_update(running, entry, header.entry_size);
	}
	if (crc32_finish(running) != header.entries_crc)
		return refuse(why, "GPT entry array CRC32 does not match");
	/* Read again now that the array is known whole: the CRC covers it
	 * all, and a table this size is not kept in memory twice. */
	for (unsigned i = 0; i < header.entries; i++) {
		err = load_gpt_entry(read, ctx, &header, i, sector, &entry, why);
		if (err < 0)
			return err;
		err = read_gpt_entry(entry, &header, &table->parts[i], why);
		if (err < 0)
			return err;
	}
	return check_no_overlap(table, why);
}

int partition_table_read(partition_read_sector read, void *ctx, uint64_t disk_sectors,
			 struct partition_table *table, const char **why)
{
	uint8_t sector[PARTITION_SECTOR_SIZE];
	bool protective = false;
	int err;

	memset(table, 0, sizeof(*table));
	if (disk_sectors == 0) {
		*why = "empty disk: no partition table";
		return -SVMM_ENOENT;
	}
	err = read(ctx, 0, sector);
	if (err < 0) {
		*why = "cannot read sector 0";
		return err;
	}
	if (sector[510] != 0x55 || sector[511] != 0xaa) {
		*why = "no partition table (sector 0 lacks the 0x55 0xAA signature)";
		return -SVMM_ENOENT;
	}
	for (unsigned i = 0; i < MBR_SLOTS; i++)
		if (sector[MBR_RECORDS_AT + i * MBR_RECORD_SIZE + 4] == MBR_TYPE_GPT)
			protective = true;
	if (protective)
		err = read_gpt(read, ctx, disk_sectors, table, why);
	else
		err = read_mbr(sector, disk_sectors, table, why);
	if (err < 0)
		memset(table, 0, sizeof(*table));
	return err;
}

int partition_find(const struct partition_table *table, unsigned number, struct partition *part,
		   const char **why)
{
	if (number == 0 || number > table->slots || !table->parts[number - 1].used) {
		*why = "no such partition on the disk";
		return -SVMM_ENOENT;
	}
	if (table->scheme == PARTITION_SCHEME_MBR &&
	    mbr_type_extended(table->parts[number - 1].mbr_type)) {
		*why = "an MBR extended partition (logical partitions are not read)";
		return -SVMM_ENOTSUP;
	}
	*part = table->parts[number - 1];
	return 0;
}
