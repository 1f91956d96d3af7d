/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/log_stderr.h"

#include <stdio.h>
#include <unistd.h>

static void log_stderr(void *ctx, enum log_level level, const char *fmt, va_list args)
{
	static const char *const prefixes[] = {
	    [LOG_ERROR] = "",
	    [LOG_WARN] = "warning: ",
	    [LOG_INFO] = "",
	    [LOG_DEBUG] = "debug: ",
	};
	char line[512];

	(void)ctx;
	vsnprintf(line, sizeof(line), fmt, args);
	/* One fprintf per line, so lines from vCPU threads do not interleave. On a
	 * terminal the line ends in \r\n: a console in raw mode does not add the \r. */
	fprintf(stderr, "svmm: %s%s%s\n", prefixes[level], line, isatty(2) ? "\r" : "");
}

struct log_sink log_stderr_sink(enum log_level max_level)
{
	return (struct log_sink){.vlog = log_stderr, .ctx = NULL, .max_level = max_level};
}
