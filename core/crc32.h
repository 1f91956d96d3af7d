/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CRC-32 as GPT headers and entry arrays carry it (IEEE 802.3, reflected,
 * polynomial 0xEDB88320, initial value and final xor all ones). Computed
 * bit by bit: the tables it checks are a few kilobytes, read once per boot,
 * and a lookup table would be one more thing to trust.
 */
#ifndef SVMM_CORE_CRC32_H
#define SVMM_CORE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The running value before any byte is fed, and after crc32_finish(). */
#define CRC32_START 0xffffffffu

/* Feeds len bytes into a running CRC started at CRC32_START. */
uint32_t crc32_update(uint32_t running, const void *data, size_t len);

/* The CRC of everything fed so far. */
static inline uint32_t crc32_finish(uint32_t running)
{
	return running ^ 0xffffffffu;
}

/* The CRC of one buffer. */
static inline uint32_t crc32(const void *data, size_t len)
{
	return crc32_finish(crc32_update(CRC32_START, data, len));
}

#endif
