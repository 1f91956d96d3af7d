/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PL011 model. It follows the PL011 TRM (ARM DDI 0183) wherever Linux's
 * amba-pl011 driver or its earlycon can see the difference, and simplifies
 * where nothing can: output leaves for the host at once, so the transmit
 * FIFO is always empty and never busy, and no baud rate is ever timed.
 */
#include "dev/pl011.h"

#include "core/errors.h"
#include "core/log.h"
#include "core/string.h"

/* Register offsets. */
#define PL011_DR    0x000
#define PL011_RSR   0x004 /* RSR on read, ECR on write */
#define PL011_FR    0x018
#define PL011_ILPR  0x020
#define PL011_IBRD  0x024
#define PL011_FBRD  0x028
#define PL011_LCR_H 0x02c
#define PL011_CR    0x030
#define PL011_IFLS  0x034
#define PL011_IMSC  0x038
#define PL011_RIS   0x03c
#define PL011_MIS   0x040
#define PL011_ICR   0x044
#define PL011_DMACR 0x048
#define PL011_ID    0xfe0 /* PeriphID0..3 then CellID0..3, one byte per word */

/* Flag register bits. */
#define PL011_FR_RXFE (1u << 4)
#define PL011_FR_RXFF (1u << 6)
#define PL011_FR_TXFE (1u << 7)

/* Interrupt bits, shared by IMSC, RIS, MIS and ICR. */
#define PL011_INT_RX  (1u << 4)
#define PL011_INT_TX  (1u << 5)
#define PL011_INT_RT  (1u << 6)
#define PL011_INT_ALL 0x7ffu

/* Writable bits of each register; reserved bits read as zero. */
#define PL011_IBRD_MASK	 0xffffu
#define PL011_FBRD_MASK	 0x3fu
#define PL011_LCR_H_MASK 0xffu
#define PL011_CR_MASK	 0xff87u
#define PL011_IFLS_MASK	 0x3fu
#define PL011_DMACR_MASK 0x7u

/* Power-on values from the TRM: transmit and receive enabled, UART off, FIFOs half full. */
#define PL011_CR_RESET	 0x300u
#define PL011_IFLS_RESET 0x12u

#define PL011_COMPATIBLE "arm,pl011\0arm,primecell"

/*
 * Sends the line level to the interrupt controller when it changes. If the
 * controller refuses, irq_level keeps the old value so that the next update
 * tries again instead of leaving the guest's line stuck.
 */
static void pl011_update_irq(struct pl011 *uart)
{
	bool level = (uart->ris & uart->imsc) != 0;

	if (level == uart->irq_level)
		return;
	if (vm_irq_set(uart->vm, uart->irq_line, level) == 0)
		uart->irq_level = level;
}

void pl011_flush(struct pl011 *uart)
{
	if (uart->tx_len != 0 && uart->backend.write != NULL)
		uart->backend.write(uart->backend.ctx, uart->tx_buffer, uart->tx_len);
	uart->tx_len = 0;
}

/*
 * Bytes are sent whatever CR's UARTEN and TXE say: earlycon and the
 * kernel's early console paths write before (or without) enabling the
 * UART, and a console that drops a guest's last words helps nobody.
 */
static void pl011_transmit(struct pl011 *uart, uint8_t byte)
{
	uart->tx_buffer[uart->tx_len++] = byte;
	if (byte == '\n' || uart->tx_len == PL011_TX_BUFFER)
		pl011_flush(uart);
	else if (uart->tx_len == 1 && uart->backend.output_pending != NULL)
		uart->backend.output_pending(uart->backend.ctx);
	/*
	 * The byte left at once, so the transmit FIFO is back below its
	 * trigger level: Linux's interrupt-driven transmit waits for exactly
	 * this to push the next characters.
	 */
	uart->ris |= PL011_INT_TX;
}

static uint8_t pl011_pop(struct pl011 *uart)
{
	uint8_t byte;

	/* Real hardware returns stale data here; Linux reads only after FR says there is some. */
	if (uart->rx_count == 0)
		return 0;
	byte = uart->rx_fifo[uart->rx_head];
	uart->rx_head = (uart->rx_head + 1) % PL011_RX_FIFO_SIZE;
	uart->rx_count--;
	/* Both receive interrupts end once the guest has drained the FIFO. */
	if (uart->rx_count == 0)
		uart->ris &= ~(PL011_INT_RX | PL011_INT_RT);
	return byte;
}

size_t pl011_receive(struct pl011 *uart, const uint8_t *data, size_t len)
{
	size_t taken = 0;

	while (taken < len && uart->rx_count < PL011_RX_FIFO_SIZE) {
		unsigned tail = (uart->rx_head + uart->rx_count) % PL011_RX_FIFO_SIZE;

		uart->rx_fifo[tail] = data[taken++];
		uart->rx_count++;
	}
	/*
	 * Hardware raises RX only at the IFLS trigger level and RT after a
	 * quiet spell; Linux treats the two alike, so raising both at once
	 * delivers every byte without timing a receive timeout.
	 */
	if (taken != 0) {
		uart->ris |= PL011_INT_RX | PL011_INT_RT;
		pl011_update_irq(uart);
	}
	return taken;
}

static uint32_t pl011_flags(const struct pl011 *uart)
{
	/*
	 * TXFE always and TXFF and BUSY never: output is consumed at once.
	 * The modem inputs (CTS, DSR, DCD, RI) stay deasserted, as on QEMU's
	 * model, which Linux's console and getty are known to work with.
	 */
	uint32_t flags = PL011_FR_TXFE;

	if (uart->rx_count == 0)
		flags |= PL011_FR_RXFE;
	if (uart->rx_count == PL011_RX_FIFO_SIZE)
		flags |= PL011_FR_RXFF;
	return flags;
}

static void pl011_unknown(struct pl011 *uart, const char *what, uint64_t offset)
{
	log_limited(&uart->vm->log, &uart->bad_access_log, LOG_WARN,
		    "pl011: %s of unknown register at offset 0x%llx ignored", what,
		    (unsigned long long)offset);
}

static uint32_t pl011_read(struct pl011 *uart, uint64_t offset)
{
	/* Linux's AMBA bus identifies the device by these before any driver binds. */
	static const uint8_t id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

	if (offset >= PL011_ID)
		return id[(offset - PL011_ID) / 4];
	switch (offset) {
	case PL011_DR:
		return pl011_pop(uart);
	case PL011_RSR:
		/* No framing, parity, break or overrun errors ever happen. */
		return 0;
	case PL011_FR:
		return pl011_flags(uart);
	case PL011_ILPR:
		/* IrDA is not modelled; its low-power divisor has no effect. */
		return 0;
	case PL011_IBRD:
		return uart->ibrd;
	case PL011_FBRD:
		return uart->fbrd;
	case PL011_LCR_H:
		return uart->lcr_h;
	case PL011_CR:
		return uart->cr;
	case PL011_IFLS:
		return uart->ifls;
	case PL011_IMSC:
		return uart->imsc;
	case PL011_RIS:
		return uart->ris;
	case PL011_MIS:
		return uart->ris & uart->imsc;
	case PL011_ICR:
		/* Write-only. */
		return 0;
	case PL011_DMACR:
		return uart->dmacr;
	default:
		pl011_unknown(uart, "read", offset);
		return 0;
	}
}

static void pl011_write(struct pl011 *uart, uint64_t offset, uint32_t value)
{
	switch (offset) {
	case PL011_DR:
		pl011_transmit(uart, (uint8_t)value);
		break;
	case PL011_RSR:
		/* ECR: clears receive errors, of which there are none. */
		break;
	case PL011_IBRD:
		uart->ibrd = value & PL011_IBRD_MASK;
		break;
	case PL011_FBRD:
		uart->fbrd = value & PL011_FBRD_MASK;
		break;
	case PL011_LCR_H:
		/*
		 * FEN is kept but the FIFO stays 32 deep: a deeper buffer only
		 * makes the model more forgiving, and Linux sets FEN anyway.
		 */
		uart->lcr_h = value & PL011_LCR_H_MASK;
		break;
	case PL011_CR:
		/*
		 * LBE (loopback) is kept but not acted on: Linux 6.1 sets it only
		 * when user space asks for TIOCM_LOOP.
		 */
		uart->cr = value & PL011_CR_MASK;
		break;
	case PL011_IFLS:
		uart->ifls = value & PL011_IFLS_MASK;
		break;
	case PL011_IMSC:
		uart->imsc = value & PL011_INT_ALL;
		break;
	case PL011_ICR:
		uart->ris &= ~(value & PL011_INT_ALL);
		break;
	case PL011_DMACR:
		uart->dmacr = value & PL011_DMACR_MASK;
		break;
	case PL011_FR:
	case PL011_ILPR:
	case PL011_RIS:
	case PL011_MIS:
		/*
		 * Read-only, or IrDA (not modelled). Some drivers write MIS as
		 * a delay, so this is not worth a log line.
		 */
		break;
	default:
		if (offset < PL011_ID)
			pl011_unknown(uart, "write", offset);
		break;
	}
}

static uint32_t pl011_size_mask(uint8_t size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

int pl011_mmio(void *opaque, struct access *acc, uint64_t offset)
{
	struct pl011 *uart = opaque;

	/*
	 * Linux uses 16- or 32-bit accesses and earlycon 8- or 32-bit ones,
	 * always on a register's own word. Anything else is ignored, but
	 * returns 0 so that one odd access does not stop the guest.
	 */
	if ((acc->size != 1 && acc->size != 2 && acc->size != 4) || offset % 4 != 0 ||
	    offset >= PL011_MMIO_SIZE) {
		log_limited(&uart->vm->log, &uart->bad_access_log, LOG_WARN,
			    "pl011: %u-byte %s at offset 0x%llx ignored "
			    "(expected 1, 2 or 4 bytes at a 4-byte aligned offset)",
			    (unsigned)acc->size, acc->is_write ? "write" : "read",
			    (unsigned long long)offset);
		if (!acc->is_write)
			acc->value = 0;
		return 0;
	}
	if (acc->is_write)
		pl011_write(uart, offset, (uint32_t)acc->value & pl011_size_mask(acc->size));
	else
		acc->value = pl011_read(uart, offset) & pl011_size_mask(acc->size);
	/*
	 * Any access can move the line: a DR read may empty the FIFO, a write
	 * may change IMSC, ICR or TXRIS. It also retries a level the
	 * interrupt controller refused before.
	 */
	pl011_update_irq(uart);
	return 0;
}

void pl011_reset(struct pl011 *uart)
{
	pl011_flush(uart);
	uart->cr = PL011_CR_RESET;
	uart->lcr_h = 0;
	uart->ibrd = 0;
	uart->fbrd = 0;
	uart->ifls = PL011_IFLS_RESET;
	uart->imsc = 0;
	uart->dmacr = 0;
	/* The transmit FIFO starts empty, so below its trigger level. */
	uart->ris = PL011_INT_TX;
	uart->rx_head = 0;
	uart->rx_count = 0;
	/*
	 * With IMSC clear, this lowers the line if it was up. bad_access_log
	 * is kept: a guest must not earn a fresh log budget by resetting.
	 */
	pl011_update_irq(uart);
}

int pl011_init(struct pl011 *uart, struct vm *vm, uint64_t base, unsigned irq_line,
	       const struct pl011_backend *backend, bool is_console)
{
	struct vm_device device = {
	    .name = "pl011",
	    .compatible = PL011_COMPATIBLE,
	    .compatible_len = sizeof(PL011_COMPATIBLE),
	    .base = base,
	    .size = PL011_MMIO_SIZE,
	    .irq_line = (int)irq_line,
	    .flags = VM_DEVICE_AMBA | (is_console ? VM_DEVICE_CONSOLE : 0u),
	};
	int err;

	memset(uart, 0, sizeof(*uart));
	uart->vm = vm;
	uart->irq_line = irq_line;
	if (backend != NULL)
		uart->backend = *backend;
	pl011_reset(uart);
	/* vm_device holds the line as an int. */
	if (irq_line > INT32_MAX)
		return -SVMM_EINVAL;
	/*
	 * Checked first because a bus range cannot be taken back: a failure
	 * after bus_register would leave it pointing at a device the VM does
	 * not describe.
	 */
	if (vm->device_count == VM_MAX_DEVICES)
		return -SVMM_ENOSPC;
	err = bus_register(&vm->mmio, base, PL011_MMIO_SIZE, pl011_mmio, uart, "pl011");
	if (err != 0)
		return err;
	return vm_add_device(vm, &device);
}
