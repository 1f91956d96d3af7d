/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svmm's log sink on seL4: "svmm: [level: ]message" lines on svmm's console
 * (the board UART, or its console queue to the multiplexer in a system of
 * several VMs), formatted by host/sel4/format.c. The console rather than the seL4
 * kernel's debug console (microkit_dbg_puts), because that prints nothing in
 * a release kernel, and svmm's few lines (a guest that powered off, an
 * access nobody handles) matter there too.
 */
#ifndef SVMM_HOST_SEL4_LOG_UART_H
#define SVMM_HOST_SEL4_LOG_UART_H

#include <stddef.h>
#include <stdint.h>

#include "core/log.h"

/* Where the lines go; kept by the sink, so it must outlive it. */
struct log_uart_output {
	void (*write)(void *ctx, const uint8_t *data, size_t len);
	void *ctx;
};

struct log_sink log_uart_sink(const struct log_uart_output *output, enum log_level max_level);

#endif
