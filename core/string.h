/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few string functions the freestanding layers (core, arch, dev, virtio)
 * may use. On a hosted build they come from libc; a freestanding build links
 * core/string.c, which provides them.
 */
#ifndef SVMM_CORE_STRING_H
#define SVMM_CORE_STRING_H

#include <stddef.h>

#ifdef __FRAMAC__
/* Frama-C's own <string.h> gives these functions their ACSL contracts. */
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t len);
void *memmove(void *dst, const void *src, size_t len);
void *memset(void *dst, int value, size_t len);
int memcmp(const void *a, const void *b, size_t len);
size_t strlen(const char *s);
#endif

#endif
