/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svmm's log sink on seL4: "svmm: [level: ]message" lines on the board UART,
 * formatted by host/sel4/format.c. The board UART rather than the seL4
 * kernel's debug console (microkit_dbg_puts), because that prints nothing in
 * a release kernel, and svmm's few lines (a guest that powered off, an
 * access nobody handles) matter there too.
 */
#ifndef SVMM_HOST_SEL4_LOG_UART_H
#define SVMM_HOST_SEL4_LOG_UART_H

#include "core/log.h"
#include "host/sel4/board_uart.h"

struct log_sink log_uart_sink(struct board_uart *uart, enum log_level max_level);

#endif
