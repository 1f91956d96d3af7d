/* SPDX-License-Identifier: Apache-2.0 */
#include "host/sel4/log_uart.h"

#include "host/sel4/format.h"

#define LOG_LINE_MAX 256

static void log_uart_vlog(void *ctx, enum log_level level, const char *fmt, va_list args)
{
	static const char *const prefixes[] = {
	    [LOG_ERROR] = "svmm: error: ",
	    [LOG_WARN] = "svmm: warning: ",
	    [LOG_INFO] = "svmm: ",
	    [LOG_DEBUG] = "svmm: debug: ",
	};
	const struct log_uart_output *sink = ctx;
	char line[LOG_LINE_MAX];
	size_t n = sel4_format(line, sizeof(line), "%s", prefixes[level]);

	n += sel4_vformat(line + n, sizeof(line) - n - 1, fmt, args);
	if (n == 0 || line[n - 1] != '\n')
		line[n++] = '\n';
	sink->write(sink->ctx, (const uint8_t *)line, n);
}

struct log_sink log_uart_sink(const struct log_uart_output *output, enum log_level max_level)
{
	return (struct log_sink){
	    .vlog = log_uart_vlog, .ctx = (void *)output, .max_level = max_level};
}
