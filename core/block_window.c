/* SPDX-License-Identifier: Apache-2.0 */
#include "core/block_window.h"

#include "core/errors.h"

int block_window_from_partition(const struct partition *part, unsigned sectors_per_block,
				bool readonly, struct block_window *window, const char **why)
{
	if (sectors_per_block == 0) {
		*why = "transfer unit of zero sectors";
		return -SVMM_EINVAL;
	}
	if (part->first_lba % sectors_per_block != 0) {
		*why = "partition does not start on a transfer-unit boundary";
		return -SVMM_EINVAL;
	}
	if (part->sectors / sectors_per_block == 0) {
		*why = "partition smaller than one transfer unit";
		return -SVMM_EINVAL;
	}
	window->first_block = part->first_lba / sectors_per_block;
	window->blocks = part->sectors / sectors_per_block;
	window->readonly = readonly;
	return 0;
}

int block_window_map(const struct block_window *window, uint64_t block, uint64_t count,
		     bool is_write, uint64_t *device_block)
{
	/* Written so nothing overflows: block < blocks, then count fits. */
	if (count == 0 || block >= window->blocks || count > window->blocks - block)
		return -SVMM_EINVAL;
	if (is_write && window->readonly)
		return -SVMM_EPERM;
	*device_block = window->first_block + block;
	return 0;
}
