/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small printf-style formatter for svmm on seL4, where there is no libc.
 * It knows what svmm's own messages use and nothing more:
 *   conversions  %s %c %d %i %u %x %X %p %%
 *   length       hh h l ll z (j and t are taken as 64-bit too)
 *   flags        0 and - with a decimal field width; a precision on %s
 * Anything else is copied out as written, so a wrong format shows in the
 * message instead of reading a wrong argument.
 */
#ifndef SVMM_HOST_SEL4_FORMAT_H
#define SVMM_HOST_SEL4_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Formats into buf[0..size) and always terminates it (size > 0). Returns the
 * number of characters written, not counting the terminator; output that
 * does not fit is dropped.
 */
size_t sel4_vformat(char *buf, size_t size, const char *fmt, va_list args);

/* sel4_vformat with its arguments inline. */
size_t sel4_format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
