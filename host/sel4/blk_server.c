/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blk_server: the block server protection domain behind svmm's request
 * queue (host/sel4/block_queue.h). It serves a disk image packaged into its
 * own program image (host/sel4/blk_server_disk.S, from the Makefile's DISK)
 * in a writable section: the guest's writes change that memory only, so
 * they last until seL4 restarts and never reach the image file.
 *
 * svmm calls it by protected procedure call on channel BLK_CHANNEL; each call
 * serves every request in the ring and returns. The SDF (config/sdf.c) gives
 * this PD a higher priority than svmm, as Microkit requires for a PPC. A
 * driver protection domain for real storage would take this one's place and
 * keep the queue.
 */
#include <stdint.h>

#include <microkit.h>

#include "host/sel4/block_queue.h"

#define BLK_CHANNEL 0 /* config/sdf.c: the blk_server end of the svmm channel */

/* Patched by the microkit tool from the SDF (config/sdf.h names them). */
__attribute__((section(".data"))) uintptr_t blk_queue_vaddr = 0;
__attribute__((section(".data"))) uintptr_t blk_data_vaddr = 0;
__attribute__((section(".data"))) size_t blk_data_size = 0;

extern uint8_t blk_disk_start[], blk_disk_end[];

#ifndef BLK_SERVER_SERIAL
#define BLK_SERVER_SERIAL "sel4-disk0"
#endif

static struct blkq_disk disk;

static void put_hex(uint64_t value)
{
	static const char digits[] = "0123456789abcdef";
	char text[19] = "0x";

	for (unsigned i = 0; i < 16; i++)
		text[2 + i] = digits[(value >> (60 - 4 * i)) & 0xf];
	text[18] = '\0';
	microkit_dbg_puts(text);
}

void init(void)
{
	static const char serial[] = BLK_SERVER_SERIAL;

	disk.bytes = blk_disk_start;
	disk.size = (uint64_t)(blk_disk_end - blk_disk_start);
	for (unsigned i = 0; i < sizeof(disk.serial) && i + 1 < sizeof(serial); i++)
		disk.serial[i] = serial[i];
	microkit_dbg_puts("blk_server: serving a disk of ");
	put_hex(disk.size);
	microkit_dbg_puts(" bytes (writes stay in memory)\n");
}

void notified(microkit_channel ch)
{
	(void)ch;
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
	unsigned served = 0;

	(void)msginfo;
	if (ch == BLK_CHANNEL)
		served = blkq_serve((void *)blk_queue_vaddr, BLKQ_QUEUE_REGION_SIZE,
				    (uint8_t *)blk_data_vaddr, blk_data_size, &disk);
	return microkit_msginfo_new(served, 0);
}
