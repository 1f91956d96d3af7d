/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What one client of a shared disk may reach: a partition seen in the
 * block queue's transfer units (sDDF's are 4 KiB, eight 512-byte sectors),
 * and whether it may write. The block virtualiser maps each client request
 * through its window: block numbers are offset to the partition's place
 * on the device and refused when any block of the request falls outside.
 */
#ifndef SVMM_CORE_BLOCK_WINDOW_H
#define SVMM_CORE_BLOCK_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/partition.h"

struct block_window {
	uint64_t first_block; /* on the device, in transfer units */
	uint64_t blocks;      /* the client's capacity, in transfer units */
	bool readonly;
};

/*
 * The window onto part for transfer units of sectors_per_block sectors.
 * The partition must start on a unit boundary (a request cannot address
 * half a unit); a partial last unit is left out of the capacity, so the
 * client can never reach the next partition's sectors. Returns 0, or
 * -SVMM_EINVAL with *why set (misaligned, or smaller than one unit).
 */
int block_window_from_partition(const struct partition *part, unsigned sectors_per_block,
				bool readonly, struct block_window *window, const char **why);

/*
 * The device block for a client request of count units from block:
 * 0 with *device_block set; -SVMM_EINVAL when count is 0 or any unit
 * lies outside the window; -SVMM_EPERM for a write to a readonly window.
 */
int block_window_map(const struct block_window *window, uint64_t block, uint64_t count,
		     bool is_write, uint64_t *device_block);

#endif
