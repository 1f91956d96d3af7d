/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An ARM PL011 UART, the console of QEMU's virt board and of seL4 guests, so
 * one guest configuration works on every hypervisor svmm runs on.
 *
 * Output is coalesced: characters collect in a buffer that is handed to the
 * backend when a line ends, when the buffer fills, or when the host calls
 * pl011_flush() (the host does so from a short timer), so a chatty guest
 * does not cost one host write per character. The backend hears when output
 * starts waiting, so an idle guest costs the host no timer wake-ups.
 */
#ifndef SVMM_DEV_PL011_H
#define SVMM_DEV_PL011_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/access.h"
#include "core/vm.h"

#define PL011_MMIO_SIZE	   0x1000
#define PL011_RX_FIFO_SIZE 32
#define PL011_TX_BUFFER	   512

struct pl011_backend {
	/* Takes guest output; called with whole coalesced chunks. */
	void (*write)(void *ctx, const uint8_t *data, size_t len);
	/*
	 * Optional: output is waiting in the buffer (no newline yet). The host
	 * should call pl011_flush() soon, so a prompt without a newline shows;
	 * this lets it arm a timer only when there is something to flush.
	 */
	void (*output_pending)(void *ctx);
	void *ctx;
};

struct pl011 {
	struct vm *vm;
	unsigned irq_line;
	struct pl011_backend backend;
	struct log_ratelimit bad_access_log;
	/* Registers (the subset Linux's amba-pl011 driver uses). */
	uint32_t cr, lcr_h, ibrd, fbrd, ifls, imsc, ris, dmacr;
	uint8_t rx_fifo[PL011_RX_FIFO_SIZE];
	unsigned rx_head, rx_count;
	uint8_t tx_buffer[PL011_TX_BUFFER];
	size_t tx_len;
	bool irq_level; /* last level sent to the interrupt controller */
};

/*
 * Resets the UART, registers its MMIO range at `base` and describes it to
 * the VM (as the console when `is_console`). 0 or a negative SVMM error.
 */
int pl011_init(struct pl011 *uart, struct vm *vm, uint64_t base, unsigned irq_line,
	       const struct pl011_backend *backend, bool is_console);

/* Back to power-on state (VM reset); pending output is flushed first. */
void pl011_reset(struct pl011 *uart);

/* The MMIO handler registered on the bus. */
int pl011_mmio(void *uart, struct access *acc, uint64_t offset);

/*
 * Input from the host: queues as many bytes as the receive FIFO has room
 * for and returns how many it took. The rest should be offered again later.
 */
size_t pl011_receive(struct pl011 *uart, const uint8_t *data, size_t len);

/* Hands buffered output to the backend. */
void pl011_flush(struct pl011 *uart);

#endif
