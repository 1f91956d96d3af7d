/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging API of the core. The core does not format text itself (it has no
 * libc): it hands the format string and arguments to a sink that the host
 * layer provides. A VM without a sink logs nothing.
 */
#ifndef SVMM_CORE_LOG_H
#define SVMM_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

struct log_sink {
	void (*vlog)(void *ctx, enum log_level level, const char *fmt, va_list args);
	void *ctx;
	enum log_level max_level; /* messages above this level are dropped */
};

/*
 * Lets a device log a complaint about a hostile guest a few times and then
 * stay quiet, so a guest cannot flood the host's log.
 */
struct log_ratelimit {
	unsigned emitted;
};

#define LOG_RATELIMIT_BURST 5

void log_message(const struct log_sink *sink, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Logs through `sink` only while `limit` has not used up its burst. Its
 * contract is what `make prove` assumes of it: the only state it changes
 * is the rate limit's count (the sink writes the host's log, not VM state).
 */
/*@ requires \valid(limit);
    assigns limit->emitted; */
void log_limited(const struct log_sink *sink, struct log_ratelimit *limit, enum log_level level,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
