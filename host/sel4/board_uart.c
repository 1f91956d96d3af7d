/* SPDX-License-Identifier: Apache-2.0 */
#include "host/sel4/board_uart.h"

/* PL011 registers (ARM DDI 0183), as 32-bit word indices. */
#define UART_DR	  (0x00 / 4)
#define UART_FR	  (0x18 / 4)
#define UART_IMSC (0x38 / 4)
#define UART_ICR  (0x44 / 4)

#define FR_RXFE	  (1u << 4) /* receive FIFO empty */
#define FR_TXFF	  (1u << 5) /* transmit FIFO full */
#define INT_RX	  (1u << 4) /* receive */
#define INT_RT	  (1u << 6) /* receive timeout: characters wait below the FIFO level */
#define DR_ERRORS 0xf00u    /* framing, parity, break, overrun */

void board_uart_init(struct board_uart *uart, uintptr_t vaddr)
{
	uart->regs = (volatile uint32_t *)vaddr;
	uart->regs[UART_ICR] = INT_RX | INT_RT;
	uart->regs[UART_IMSC] |= INT_RX | INT_RT;
}

void board_uart_write(struct board_uart *uart, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		while (uart->regs[UART_FR] & FR_TXFF)
			;
		uart->regs[UART_DR] = data[i];
	}
}

size_t board_uart_read(struct board_uart *uart, uint8_t *data, size_t max)
{
	size_t n = 0;

	while (n < max && !(uart->regs[UART_FR] & FR_RXFE)) {
		uint32_t dr = uart->regs[UART_DR];

		if (dr & DR_ERRORS)
			continue; /* a character that arrived damaged */
		data[n++] = (uint8_t)dr;
	}
	uart->regs[UART_ICR] = INT_RX | INT_RT;
	return n;
}
