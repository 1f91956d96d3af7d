/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The board's own PL011, which svmm drives on seL4: it carries the guest's
 * console (the guest's PL011 is emulated by dev/pl011.c and its output is
 * written here) and svmm's own messages. Polled output, interrupt-driven
 * input. The registers are mapped uncached into svmm's protection domain by
 * the SDF (config/sdf.c, symbol uart_vaddr).
 */
#ifndef SVMM_HOST_SEL4_BOARD_UART_H
#define SVMM_HOST_SEL4_BOARD_UART_H

#include <stddef.h>
#include <stdint.h>

struct board_uart {
	volatile uint32_t *regs;
};

/* Takes the UART at `vaddr` and unmasks its receive interrupts. */
void board_uart_init(struct board_uart *uart, uintptr_t vaddr);

/* Writes len bytes, waiting for room in the transmit FIFO before each one. */
void board_uart_write(struct board_uart *uart, const uint8_t *data, size_t len);

/*
 * Reads what the receive FIFO holds, at most `max` bytes, and clears the
 * receive interrupt. Returns how many bytes it read.
 */
size_t board_uart_read(struct board_uart *uart, uint8_t *data, size_t max);

#endif
