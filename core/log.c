/* SPDX-License-Identifier: Apache-2.0 */
#include "core/log.h"

#include <stddef.h>

static void log_forward(const struct log_sink *sink, enum log_level level, const char *fmt,
			va_list args)
{
	if (sink == NULL || sink->vlog == NULL || level > sink->max_level)
		return;
	sink->vlog(sink->ctx, level, fmt, args);
}

void log_message(const struct log_sink *sink, enum log_level level, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	log_forward(sink, level, fmt, args);
	va_end(args);
}

void log_limited(const struct log_sink *sink, struct log_ratelimit *limit, enum log_level level,
		 const char *fmt, ...)
{
	va_list args;

	if (limit->emitted >= LOG_RATELIMIT_BURST)
		return;
	limit->emitted++;
	va_start(args, fmt);
	log_forward(sink, level, fmt, args);
	va_end(args);
}
