/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The string functions a freestanding build of core/, arch/, dev/ and
 * virtio/ needs, libfdt's included. Hosted builds take libc's instead and do
 * not compile this file. Simple byte loops: these run at VM set-up, not on a
 * hot path.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/string.h"

void *memchr(const void *s, int c, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
size_t strnlen(const char *s, size_t max);
unsigned long strtoul(const char *s, char **end, int base);

void *memcpy(void *dst, const void *src, size_t len)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (len--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t len)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (len--)
			*d++ = *s++;
	} else {
		while (len--)
			d[len] = s[len];
	}
	return dst;
}

void *memset(void *dst, int value, size_t len)
{
	unsigned char *d = dst;

	while (len--)
		*d++ = (unsigned char)value;
	return dst;
}

int memcmp(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;

	for (; len--; x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n--; p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *found = NULL;

	for (;; s++) {
		if (*s == (char)c)
			found = s;
		if (*s == '\0')
			return (char *)found;
	}
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* Enough of strtoul for libfdt, which parses unit addresses in paths. */
unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long value = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	while (digit_value(*s) < base)
		value = value * (unsigned long)base + (unsigned long)digit_value(*s++);
	if (end != NULL)
		*end = (char *)s;
	return value;
}

/* libfdt's Debian build checks its stack canary; a freestanding image has no libc to do it. */
uintptr_t __stack_chk_guard = 0x5e14dead;

void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	for (;;)
		;
}
