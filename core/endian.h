/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Little-endian loads and stores of 1 to 8 bytes at any alignment: virtio
 * rings and config space, MMIO data and the arm64 Image header are all
 * little-endian, whatever the host is. Byte by byte, so no unaligned access
 * reaches the CPU.
 */
#ifndef SVMM_CORE_ENDIAN_H
#define SVMM_CORE_ENDIAN_H

#include <stdint.h>

static inline uint64_t le_load(const void *from, unsigned bytes)
{
	const uint8_t *p = from;
	uint64_t value = 0;

	for (unsigned i = 0; i < bytes; i++)
		value |= (uint64_t)p[i] << (8 * i);
	return value;
}

static inline void le_store(void *to, uint64_t value, unsigned bytes)
{
	uint8_t *p = to;

	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

#endif
