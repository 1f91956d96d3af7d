/* SPDX-License-Identifier: Apache-2.0 */
#include "core/crc32.h"

uint32_t crc32_update(uint32_t running, const void *data, size_t len)
{
	const uint8_t *byte = data;

	for (size_t i = 0; i < len; i++) {
		running ^= byte[i];
		for (unsigned bit = 0; bit < 8; bit++)
			running = (running >> 1) ^ (0xedb88320u & (0u - (running & 1u)));
	}
	return running;
}
