/* SPDX-License-Identifier: Apache-2.0 */
#include "host/sel4/format.h"

#include <stdbool.h>
#include <stdint.h>

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len++] = c;
}

static void put_padded(struct out *o, const char *s, size_t n, unsigned width, bool left, char pad)
{
	size_t fill = width > n ? width - n : 0;

	if (!left) {
		/* Zero padding goes after a sign. */
		if (pad == '0' && n > 0 && s[0] == '-') {
			put(o, '-');
			s++;
			n--;
		}
		for (size_t i = 0; i < fill; i++)
			put(o, pad);
	}
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left) {
		for (size_t i = 0; i < fill; i++)
			put(o, ' ');
	}
}

/* Writes value in `base` into the end of digits[0..24) and returns where it starts. */
static char *to_digits(char digits[24], uint64_t value, unsigned base, bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = digits + 24;

	do {
		*--p = set[value % base];
		value /= base;
	} while (value != 0);
	return p;
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG };

static uint64_t take_unsigned(va_list *args, enum length len)
{
	switch (len) {
	case LEN_LONG:
		return va_arg(*args, unsigned long long);
	case LEN_SHORT:
		return (unsigned short)va_arg(*args, unsigned int);
	case LEN_CHAR:
		return (unsigned char)va_arg(*args, unsigned int);
	default:
		return va_arg(*args, unsigned int);
	}
}

static int64_t take_signed(va_list *args, enum length len)
{
	switch (len) {
	case LEN_LONG:
		return va_arg(*args, long long);
	case LEN_SHORT:
		return (short)va_arg(*args, int);
	case LEN_CHAR:
		return (signed char)va_arg(*args, int);
	default:
		return va_arg(*args, int);
	}
}

size_t sel4_vformat(char *buf, size_t size, const char *fmt, va_list args)
{
	struct out o = {.buf = buf, .size = size, .len = 0};
	va_list ap;

	if (size == 0)
		return 0;
	va_copy(ap, args);
	while (*fmt != '\0') {
		const char *start = fmt;
		bool left = false;
		char pad = ' ';
		unsigned width = 0, precision = 0;
		bool has_precision = false;
		enum length len = LEN_INT;
		char digits[24], *d;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		if (*fmt == '.') {
			has_precision = true;
			for (fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				precision = precision * 10 + (unsigned)(*fmt - '0');
		}
		if (*fmt == 'h') {
			len = fmt[1] == 'h' ? LEN_CHAR : LEN_SHORT;
			fmt += fmt[1] == 'h' ? 2 : 1;
		} else if (*fmt == 'l' || *fmt == 'z' || *fmt == 'j' || *fmt == 't') {
			len = LEN_LONG; /* every one of them is 64 bits on aarch64 */
			fmt += fmt[0] == 'l' && fmt[1] == 'l' ? 2 : 1;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n = 0;

			if (s == NULL)
				s = "(null)";
			while (s[n] != '\0' && (!has_precision || n < precision))
				n++;
			put_padded(&o, s, n, width, left, ' ');
			break;
		}
		case 'c':
			digits[0] = (char)va_arg(ap, int);
			put_padded(&o, digits, 1, width, left, ' ');
			break;
		case 'd':
		case 'i': {
			int64_t v = take_signed(&ap, len);
			uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

			d = to_digits(digits, magnitude, 10, false);
			if (v < 0)
				*--d = '-';
			put_padded(&o, d, (size_t)(digits + 24 - d), width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			d = to_digits(digits, take_unsigned(&ap, len), *fmt == 'u' ? 10 : 16,
				      *fmt == 'X');
			put_padded(&o, d, (size_t)(digits + 24 - d), width, left, pad);
			break;
		case 'p':
			d = to_digits(digits, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false);
			*--d = 'x';
			*--d = '0';
			put_padded(&o, d, (size_t)(digits + 24 - d), width, left, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown: show the directive itself. */
			while (start <= fmt && *start != '\0')
				put(&o, *start++);
			if (*fmt == '\0')
				fmt--;
			break;
		}
		fmt++;
	}
	va_end(ap);
	o.buf[o.len] = '\0';
	return o.len;
}

size_t sel4_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list args;
	size_t n;

	va_start(args, fmt);
	n = sel4_vformat(buf, size, fmt, args);
	va_end(args);
	return n;
}
