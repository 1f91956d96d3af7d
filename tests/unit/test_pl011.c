/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PL011 model, driven through the MMIO bus as a guest would drive it,
 * with a fake interrupt controller and a fake output backend that record
 * what the device did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/errors.h"
#include "core/vm.h"
#include "dev/pl011.h"

#define BASE 0x09000000ull
#define IRQ  33u

#define DR    0x000
#define RSR   0x004
#define FR    0x018
#define ILPR  0x020
#define IBRD  0x024
#define FBRD  0x028
#define LCR_H 0x02c
#define CR    0x030
#define IFLS  0x034
#define IMSC  0x038
#define RIS   0x03c
#define MIS   0x040
#define ICR   0x044
#define DMACR 0x048

#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)

#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)

#define MAX_IRQ_EVENTS 64

struct irq_record {
	unsigned calls;
	unsigned line;
	bool level;
	bool fail; /* refuse with -SVMM_EIO */
};

struct output_record {
	unsigned writes;
	unsigned pending_notices;
	size_t last_len;
	size_t len;
	uint8_t data[4096];
};

struct fixture {
	struct vm vm;
	struct pl011 uart;
	struct irq_record irq;
	struct output_record out;
	unsigned logs;
};

static int fake_set_level(void *ctx, unsigned line, bool level)
{
	struct irq_record *irq = ctx;

	if (irq->fail)
		return -SVMM_EIO;
	irq->calls++;
	irq->line = line;
	irq->level = level;
	return 0;
}

static void fake_write(void *ctx, const uint8_t *data, size_t len)
{
	struct output_record *out = ctx;

	assert_true(len > 0);
	assert_true(out->len + len <= sizeof(out->data));
	memcpy(out->data + out->len, data, len);
	out->len += len;
	out->last_len = len;
	out->writes++;
}

static void fake_output_pending(void *ctx)
{
	struct output_record *out = ctx;

	out->pending_notices++;
}

static void fake_vlog(void *ctx, enum log_level level, const char *fmt, va_list args)
{
	unsigned *logs = ctx;

	(void)level;
	(void)fmt;
	(void)args;
	(*logs)++;
}

static void fixture_init(struct fixture *f, bool is_console)
{
	struct log_sink sink = {.vlog = fake_vlog, .ctx = &f->logs, .max_level = LOG_DEBUG};
	struct pl011_backend backend = {
	    .write = fake_write, .output_pending = fake_output_pending, .ctx = &f->out};

	memset(f, 0, sizeof(*f));
	vm_init(&f->vm, "test", &sink);
	f->vm.irq_chip = (struct vm_irq_chip){.set_level = fake_set_level, .ctx = &f->irq};
	assert_int_equal(pl011_init(&f->uart, &f->vm, BASE, IRQ, &backend, is_console), 0);
}

static uint64_t mmio_read_sized(struct fixture *f, uint64_t offset, uint8_t size)
{
	/* A stale value shows up if the device forgets to fill it in. */
	struct access acc = {.gpa = BASE + offset, .size = size, .value = 0xdeadbeefdeadbeefull};

	assert_int_equal(bus_dispatch(&f->vm.mmio, &acc), 0);
	return acc.value;
}

static uint32_t mmio_read(struct fixture *f, uint64_t offset)
{
	return (uint32_t)mmio_read_sized(f, offset, 4);
}

static void mmio_write_sized(struct fixture *f, uint64_t offset, uint64_t value, uint8_t size)
{
	struct access acc = {.gpa = BASE + offset, .size = size, .is_write = true, .value = value};

	assert_int_equal(bus_dispatch(&f->vm.mmio, &acc), 0);
}

static void mmio_write(struct fixture *f, uint64_t offset, uint32_t value)
{
	mmio_write_sized(f, offset, value, 4);
}

static void write_string(struct fixture *f, const char *s)
{
	while (*s)
		mmio_write(f, DR, (uint8_t)*s++);
}

static void test_init_describes_device(void **state)
{
	struct fixture f;
	const struct vm_device *dev;
	static const char compatible[] = "arm,pl011\0arm,primecell";

	(void)state;
	fixture_init(&f, true);
	assert_int_equal(f.vm.device_count, 1);
	dev = &f.vm.devices[0];
	assert_string_equal(dev->name, "pl011");
	assert_int_equal(dev->compatible_len, sizeof(compatible));
	assert_int_equal(dev->compatible_len, 24);
	assert_memory_equal(dev->compatible, compatible, sizeof(compatible));
	assert_int_equal(dev->base, BASE);
	assert_int_equal(dev->size, PL011_MMIO_SIZE);
	assert_int_equal(dev->irq_line, IRQ);
	assert_int_equal(dev->flags, VM_DEVICE_AMBA | VM_DEVICE_CONSOLE);

	assert_non_null(bus_find(&f.vm.mmio, BASE));
	assert_non_null(bus_find(&f.vm.mmio, BASE + PL011_MMIO_SIZE - 1));
	assert_null(bus_find(&f.vm.mmio, BASE + PL011_MMIO_SIZE));
	assert_string_equal(bus_find(&f.vm.mmio, BASE)->name, "pl011");
	/* Nothing is pending at power-on, so the line was never touched. */
	assert_int_equal(f.irq.calls, 0);

	fixture_init(&f, false);
	assert_int_equal(f.vm.devices[0].flags, VM_DEVICE_AMBA);
}

static void test_init_errors(void **state)
{
	struct fixture f;
	struct pl011 other;
	struct vm_device filler = {.name = "filler", .irq_line = -1};

	(void)state;
	fixture_init(&f, true);
	/* Same range twice. */
	assert_int_equal(pl011_init(&other, &f.vm, BASE, IRQ + 1, NULL, false), -SVMM_EEXIST);
	assert_int_equal(pl011_init(&other, &f.vm, BASE + 0x800, IRQ + 1, NULL, false),
			 -SVMM_EEXIST);
	assert_int_equal(f.vm.device_count, 1);
	/* The line must fit vm_device's int. */
	assert_int_equal(pl011_init(&other, &f.vm, BASE + 0x10000, 0x80000000u, NULL, false),
			 -SVMM_EINVAL);
	assert_null(bus_find(&f.vm.mmio, BASE + 0x10000));

	/* No device slot left: the bus must not keep a range for it. */
	while (f.vm.device_count < VM_MAX_DEVICES)
		assert_int_equal(vm_add_device(&f.vm, &filler), 0);
	assert_int_equal(pl011_init(&other, &f.vm, BASE + 0x10000, IRQ + 1, NULL, false),
			 -SVMM_ENOSPC);
	assert_null(bus_find(&f.vm.mmio, BASE + 0x10000));
}

static void test_id_registers(void **state)
{
	static const uint8_t expected[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};
	struct fixture f;

	(void)state;
	fixture_init(&f, true);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(mmio_read(&f, 0xfe0 + 4 * i), expected[i]);
		assert_int_equal(mmio_read_sized(&f, 0xfe0 + 4 * i, 1), expected[i]);
		assert_int_equal(mmio_read_sized(&f, 0xfe0 + 4 * i, 2), expected[i]);
		/* Read-only. */
		mmio_write(&f, 0xfe0 + 4 * i, 0xff);
		assert_int_equal(mmio_read(&f, 0xfe0 + 4 * i), expected[i]);
	}
	assert_int_equal(f.logs, 0);
}

static void test_reset_values(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f, true);
	assert_int_equal(mmio_read(&f, DR), 0);
	assert_int_equal(mmio_read(&f, RSR), 0);
	assert_int_equal(mmio_read(&f, FR), FR_RXFE | FR_TXFE);
	assert_int_equal(mmio_read(&f, ILPR), 0);
	assert_int_equal(mmio_read(&f, IBRD), 0);
	assert_int_equal(mmio_read(&f, FBRD), 0);
	assert_int_equal(mmio_read(&f, LCR_H), 0);
	assert_int_equal(mmio_read(&f, CR), 0x300);
	assert_int_equal(mmio_read(&f, IFLS), 0x12);
	assert_int_equal(mmio_read(&f, IMSC), 0);
	/* The empty transmit FIFO is below its trigger level. */
	assert_int_equal(mmio_read(&f, RIS), INT_TX);
	assert_int_equal(mmio_read(&f, MIS), 0);
	assert_int_equal(mmio_read(&f, ICR), 0);
	assert_int_equal(mmio_read(&f, DMACR), 0);
	assert_int_equal(f.logs, 0);
}

static void test_register_masks(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f, true);
	mmio_write(&f, IBRD, 0xffffffff);
	mmio_write(&f, FBRD, 0xffffffff);
	mmio_write(&f, LCR_H, 0xffffffff);
	mmio_write(&f, CR, 0xffffffff);
	mmio_write(&f, IFLS, 0xffffffff);
	mmio_write(&f, IMSC, 0xffffffff);
	mmio_write(&f, DMACR, 0xffffffff);
	assert_int_equal(mmio_read(&f, IBRD), 0xffff);
	assert_int_equal(mmio_read(&f, FBRD), 0x3f);
	assert_int_equal(mmio_read(&f, LCR_H), 0xff);
	assert_int_equal(mmio_read(&f, CR), 0xff87);
	assert_int_equal(mmio_read(&f, IFLS), 0x3f);
	assert_int_equal(mmio_read(&f, IMSC), 0x7ff);
	assert_int_equal(mmio_read(&f, DMACR), 0x7);

	/* Read-only registers ignore writes. */
	mmio_write(&f, FR, 0);
	mmio_write(&f, RIS, 0);
	mmio_write(&f, MIS, 0);
	assert_int_equal(mmio_read(&f, FR), FR_RXFE | FR_TXFE);
	assert_int_equal(mmio_read(&f, RIS), INT_TX);
	assert_int_equal(f.logs, 0);
}

static void test_narrow_accesses(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f, true);
	/* Linux's amba-pl011 uses 16-bit accesses, earlycon 8-bit ones. */
	assert_int_equal(mmio_read_sized(&f, CR, 2), 0x300);
	assert_int_equal(mmio_read_sized(&f, CR, 1), 0x00);
	assert_int_equal(mmio_read_sized(&f, FR, 1), FR_RXFE | FR_TXFE);
	mmio_write_sized(&f, IBRD, 0x12345678, 2);
	assert_int_equal(mmio_read(&f, IBRD), 0x5678);
	mmio_write_sized(&f, LCR_H, 0x1ff, 1);
	assert_int_equal(mmio_read(&f, LCR_H), 0xff);
	mmio_write_sized(&f, DR, 0x4100 | 'x', 1);
	mmio_write_sized(&f, DR, '\n', 2);
	assert_int_equal(f.out.len, 2);
	assert_memory_equal(f.out.data, "x\n", 2);
	assert_int_equal(f.logs, 0);
}

static void test_fr_flags(void **state)
{
	struct fixture f;
	uint8_t bytes[PL011_RX_FIFO_SIZE];

	(void)state;
	fixture_init(&f, true);
	memset(bytes, 'a', sizeof(bytes));
	assert_int_equal(pl011_receive(&f.uart, bytes, 1), 1);
	assert_int_equal(mmio_read(&f, FR), FR_TXFE);
	assert_int_equal(pl011_receive(&f.uart, bytes, sizeof(bytes)), PL011_RX_FIFO_SIZE - 1);
	assert_int_equal(mmio_read(&f, FR), FR_RXFF | FR_TXFE);
	mmio_read(&f, DR);
	assert_int_equal(mmio_read(&f, FR), FR_TXFE);

	/* However much the guest writes, the transmitter is never full or busy. */
	for (unsigned i = 0; i < 2000; i++) {
		mmio_write(&f, DR, 'z');
		assert_int_equal(mmio_read(&f, FR) & (FR_TXFF | FR_BUSY | FR_TXFE), FR_TXFE);
	}
}

static void test_output_coalesced(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f, true);
	write_string(&f, "hello");
	assert_int_equal(f.out.writes, 0);
	write_string(&f, "\n");
	assert_int_equal(f.out.writes, 1);
	assert_int_equal(f.out.last_len, 6);
	assert_memory_equal(f.out.data, "hello\n", 6);

	write_string(&f, "abc");
	assert_int_equal(f.out.writes, 1);
	pl011_flush(&f.uart);
	assert_int_equal(f.out.writes, 2);
	assert_int_equal(f.out.last_len, 3);
	assert_memory_equal(f.out.data, "hello\nabc", 9);

	/* Nothing buffered: no empty write reaches the backend. */
	pl011_flush(&f.uart);
	assert_int_equal(f.out.writes, 2);

	/* Every newline ends a chunk. */
	write_string(&f, "\n\n");
	assert_int_equal(f.out.writes, 4);
	assert_int_equal(f.out.last_len, 1);
}

static void test_output_pending_notice(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f, true);
	/* The host hears when output starts waiting, once, not per byte. */
	write_string(&f, "# ");
	assert_int_equal(f.out.pending_notices, 1);
	write_string(&f, "more");
	assert_int_equal(f.out.pending_notices, 1);
	pl011_flush(&f.uart);
	write_string(&f, "x");
	assert_int_equal(f.out.pending_notices, 2);
	/* After a newline the buffer is empty: the next byte waits again. */
	write_string(&f, "\ny");
	assert_int_equal(f.out.pending_notices, 3);
	assert_int_equal(f.out.writes, 2);
}

static void test_output_full_buffer_flushes(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f, true);
	for (unsigned i = 0; i < PL011_TX_BUFFER - 1; i++)
		mmio_write(&f, DR, 'a' + i % 26);
	assert_int_equal(f.out.writes, 0);
	mmio_write(&f, DR, '!');
	assert_int_equal(f.out.writes, 1);
	assert_int_equal(f.out.last_len, PL011_TX_BUFFER);
	assert_int_equal(f.out.data[0], 'a');
	assert_int_equal(f.out.data[PL011_TX_BUFFER - 1], '!');

	mmio_write(&f, DR, 'b');
	assert_int_equal(f.out.writes, 1);
	pl011_flush(&f.uart);
	assert_int_equal(f.out.writes, 2);
	assert_int_equal(f.out.last_len, 1);
	assert_int_equal(f.out.data[PL011_TX_BUFFER], 'b');
}

static void test_output_while_disabled(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f, true);
	/* Early console paths write before enabling the UART: keep their output. */
	mmio_write(&f, CR, 0);
	write_string(&f, "early\n");
	assert_int_equal(f.out.len, 6);
	assert_memory_equal(f.out.data, "early\n", 6);
}

static void test_output_without_backend(void **state)
{
	struct vm vm;
	struct pl011 uart;
	struct access acc = {.gpa = BASE, .size = 4, .is_write = true, .value = 'a'};

	(void)state;
	vm_init(&vm, "quiet", NULL);
	assert_int_equal(pl011_init(&uart, &vm, BASE, IRQ, NULL, false), 0);
	/* No backend and no interrupt controller: output is dropped, nothing breaks. */
	for (unsigned i = 0; i < 3 * PL011_TX_BUFFER; i++)
		assert_int_equal(bus_dispatch(&vm.mmio, &acc), 0);
	pl011_flush(&uart);
	assert_int_equal(uart.tx_len, 0);
}

static void test_rx_in_order_with_irq(void **state)
{
	struct fixture f;
	const uint8_t input[] = "abc";

	(void)state;
	fixture_init(&f, true);
	/* What Linux's driver enables. */
	mmio_write(&f, IMSC, INT_RX | INT_RT);
	assert_int_equal(f.irq.calls, 0);

	assert_int_equal(pl011_receive(&f.uart, input, 3), 3);
	assert_int_equal(mmio_read(&f, FR) & FR_RXFE, 0);
	assert_int_equal(mmio_read(&f, RIS) & (INT_RX | INT_RT), INT_RX | INT_RT);
	assert_int_equal(mmio_read(&f, MIS), INT_RX | INT_RT);
	assert_int_equal(f.irq.calls, 1);
	assert_int_equal(f.irq.line, IRQ);
	assert_true(f.irq.level);

	assert_int_equal(mmio_read(&f, DR), 'a');
	assert_int_equal(mmio_read(&f, DR), 'b');
	/* Still data: the line stays up. */
	assert_int_equal(f.irq.calls, 1);
	assert_true(f.irq.level);
	assert_int_equal(mmio_read(&f, DR), 'c');
	assert_int_equal(f.irq.calls, 2);
	assert_false(f.irq.level);
	assert_int_equal(mmio_read(&f, RIS) & (INT_RX | INT_RT), 0);
	assert_int_equal(mmio_read(&f, FR) & FR_RXFE, FR_RXFE);

	/* Reading an empty FIFO yields 0 and changes nothing. */
	assert_int_equal(mmio_read(&f, DR), 0);
	assert_int_equal(f.irq.calls, 2);

	/* The FIFO wraps around cleanly. */
	for (unsigned round = 0; round < 3 * PL011_RX_FIFO_SIZE; round++) {
		uint8_t byte = (uint8_t)round;

		assert_int_equal(pl011_receive(&f.uart, &byte, 1), 1);
		assert_int_equal(mmio_read_sized(&f, DR, 1), byte);
	}
	assert_false(f.irq.level);
}

static void test_rx_irq_follows_mask(void **state)
{
	struct fixture f;
	const uint8_t input[] = "x";

	(void)state;
	fixture_init(&f, true);
	assert_int_equal(pl011_receive(&f.uart, input, 1), 1);
	assert_int_equal(f.irq.calls, 0);
	/* Level-triggered: unmasking pending input raises the line at once (Linux's unthrottle). */
	mmio_write(&f, IMSC, INT_RT);
	assert_int_equal(f.irq.calls, 1);
	assert_true(f.irq.level);
	mmio_write(&f, IMSC, 0);
	assert_int_equal(f.irq.calls, 2);
	assert_false(f.irq.level);
	mmio_write(&f, IMSC, INT_RX);
	assert_int_equal(f.irq.calls, 3);
	assert_true(f.irq.level);
	/* Writing the same mask again does not touch the line. */
	mmio_write(&f, IMSC, INT_RX);
	assert_int_equal(f.irq.calls, 3);
}

static void test_rx_fifo_full(void **state)
{
	struct fixture f;
	uint8_t input[PL011_RX_FIFO_SIZE + 8];

	(void)state;
	fixture_init(&f, true);
	for (unsigned i = 0; i < sizeof(input); i++)
		input[i] = (uint8_t)(i + 1);
	assert_int_equal(pl011_receive(&f.uart, input, 0), 0);
	assert_int_equal(mmio_read(&f, RIS), INT_TX);
	assert_int_equal(pl011_receive(&f.uart, input, sizeof(input)), PL011_RX_FIFO_SIZE);
	assert_int_equal(pl011_receive(&f.uart, input, sizeof(input)), 0);
	assert_int_equal(mmio_read(&f, DR), 1);
	/* One slot freed: exactly one more byte fits. */
	assert_int_equal(pl011_receive(&f.uart, input + PL011_RX_FIFO_SIZE, 8), 1);
	for (unsigned i = 2; i <= PL011_RX_FIFO_SIZE + 1; i++)
		assert_int_equal(mmio_read(&f, DR), i);
	assert_int_equal(mmio_read(&f, FR) & FR_RXFE, FR_RXFE);
}

static void test_icr_clears(void **state)
{
	struct fixture f;
	const uint8_t input[] = "hi";

	(void)state;
	fixture_init(&f, true);
	mmio_write(&f, IMSC, INT_RX | INT_RT);
	pl011_receive(&f.uart, input, 2);
	assert_true(f.irq.level);

	/* Clearing one of two pending causes keeps the line up. */
	mmio_write(&f, ICR, INT_RX);
	assert_int_equal(mmio_read(&f, RIS) & (INT_RX | INT_RT), INT_RT);
	assert_true(f.irq.level);
	mmio_write(&f, ICR, INT_RT);
	assert_int_equal(mmio_read(&f, RIS) & (INT_RX | INT_RT), 0);
	assert_false(f.irq.level);
	/* The data itself stays. */
	assert_int_equal(mmio_read(&f, FR) & FR_RXFE, 0);
	assert_int_equal(mmio_read(&f, DR), 'h');

	/* Bits written as 0 are left alone; ICR reads as 0. */
	mmio_write(&f, ICR, 0);
	assert_int_equal(mmio_read(&f, RIS), INT_TX);
	assert_int_equal(mmio_read(&f, ICR), 0);
	mmio_write(&f, ICR, 0xffffffff);
	assert_int_equal(mmio_read(&f, RIS), 0);

	/* New input raises the receive interrupt again. */
	pl011_receive(&f.uart, input, 1);
	assert_int_equal(mmio_read(&f, RIS), INT_RX | INT_RT);
	assert_true(f.irq.level);
}

static void test_mis_is_ris_and_imsc(void **state)
{
	static const uint32_t masks[] = {0, INT_RX, INT_TX, INT_RT, INT_RX | INT_TX, 0x7ff, 0x40f};
	struct fixture f;
	const uint8_t input[] = "q";

	(void)state;
	fixture_init(&f, true);
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
			uint32_t ris;

			mmio_write(&f, IMSC, masks[i]);
			ris = mmio_read(&f, RIS);
			assert_int_equal(mmio_read(&f, MIS), ris & masks[i]);
			assert_int_equal(f.irq.level, (ris & masks[i]) != 0);
		}
		pl011_receive(&f.uart, input, 1);
	}
}

static void test_tx_interrupt(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f, true);
	/*
	 * Linux enables TXIM when it has more to send and expects the
	 * interrupt to ask for it: it must come at once.
	 */
	mmio_write(&f, IMSC, INT_TX);
	assert_int_equal(f.irq.calls, 1);
	assert_true(f.irq.level);
	assert_int_equal(mmio_read(&f, MIS), INT_TX);

	mmio_write(&f, ICR, INT_TX);
	assert_false(f.irq.level);
	assert_int_equal(mmio_read(&f, RIS) & INT_TX, 0);
	/* Each character sent empties the FIFO again. */
	mmio_write(&f, DR, 'a');
	assert_true(f.irq.level);
	assert_int_equal(mmio_read(&f, RIS) & INT_TX, INT_TX);
	mmio_write(&f, DR, 'b');
	assert_true(f.irq.level);
	assert_int_equal(f.irq.calls, 3);

	/* Linux's stop_tx masks it again once its buffer is empty. */
	mmio_write(&f, IMSC, 0);
	assert_false(f.irq.level);
	assert_int_equal(mmio_read(&f, RIS) & INT_TX, INT_TX);
}

static void test_bad_accesses(void **state)
{
	struct fixture f;
	struct access acc;

	(void)state;
	fixture_init(&f, true);
	mmio_write(&f, IMSC, INT_RX);

	/* 8-byte accesses. */
	assert_int_equal(mmio_read_sized(&f, CR, 8), 0);
	mmio_write_sized(&f, DR, 'x', 8);
	mmio_write_sized(&f, IMSC, 0x7ff, 8);
	/* Unaligned ones. */
	assert_int_equal(mmio_read_sized(&f, CR + 1, 1), 0);
	assert_int_equal(mmio_read_sized(&f, CR + 2, 2), 0);
	mmio_write_sized(&f, IMSC + 1, 0xff, 1);
	mmio_write_sized(&f, DR + 2, 'y', 2);
	assert_int_equal(f.logs, 5);
	/* An odd size, handed over directly. */
	acc = (struct access){.gpa = BASE, .size = 3, .value = 0x1234};
	assert_int_equal(pl011_mmio(&f.uart, &acc, 0), 0);
	assert_int_equal(acc.value, 0);
	/* Past the range, in case a caller skips the bus's check. */
	acc = (struct access){.gpa = BASE, .size = 4, .value = 0x1234};
	assert_int_equal(pl011_mmio(&f.uart, &acc, PL011_MMIO_SIZE), 0);
	assert_int_equal(acc.value, 0);

	/* Nothing took effect. */
	pl011_flush(&f.uart);
	assert_int_equal(f.out.writes, 0);
	assert_int_equal(mmio_read(&f, IMSC), INT_RX);
	assert_int_equal(mmio_read(&f, CR), 0x300);
	/* The complaints are rate-limited. */
	assert_int_equal(f.logs, LOG_RATELIMIT_BURST);
}

static void test_unknown_offsets(void **state)
{
	static const uint64_t offsets[] = {0x008, 0x014, 0x01c, 0x04c, 0x080, 0xfdc};
	struct fixture f;

	(void)state;
	fixture_init(&f, true);
	for (unsigned i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		mmio_write(&f, offsets[i], 0xffffffff);
		assert_int_equal(mmio_read(&f, offsets[i]), 0);
	}
	assert_int_equal(mmio_read(&f, CR), 0x300);
	assert_int_equal(mmio_read(&f, IMSC), 0);
	assert_true(f.logs > 0);
}

static void test_reset(void **state)
{
	struct fixture f;
	const uint8_t input[] = "zz";

	(void)state;
	fixture_init(&f, true);
	mmio_write(&f, IBRD, 13);
	mmio_write(&f, FBRD, 1);
	mmio_write(&f, LCR_H, 0x70);
	mmio_write(&f, CR, 0x301);
	mmio_write(&f, IFLS, 0x00);
	mmio_write(&f, DMACR, 0x3);
	mmio_write(&f, IMSC, INT_RX | INT_RT);
	pl011_receive(&f.uart, input, 2);
	write_string(&f, "pending");
	assert_true(f.irq.level);

	pl011_reset(&f.uart);
	/* Buffered output is not lost. */
	assert_int_equal(f.out.len, 7);
	assert_memory_equal(f.out.data, "pending", 7);
	assert_false(f.irq.level);
	assert_int_equal(mmio_read(&f, IBRD), 0);
	assert_int_equal(mmio_read(&f, FBRD), 0);
	assert_int_equal(mmio_read(&f, LCR_H), 0);
	assert_int_equal(mmio_read(&f, CR), 0x300);
	assert_int_equal(mmio_read(&f, IFLS), 0x12);
	assert_int_equal(mmio_read(&f, DMACR), 0);
	assert_int_equal(mmio_read(&f, IMSC), 0);
	assert_int_equal(mmio_read(&f, RIS), INT_TX);
	assert_int_equal(mmio_read(&f, FR), FR_RXFE | FR_TXFE);
	assert_int_equal(pl011_receive(&f.uart, input, 1), 1);
	assert_int_equal(mmio_read(&f, DR), 'z');

	/* A reset with the line already low leaves the controller alone. */
	{
		unsigned calls = f.irq.calls;

		pl011_reset(&f.uart);
		assert_int_equal(f.irq.calls, calls);
	}
}

static void test_irq_retried_after_failure(void **state)
{
	struct fixture f;
	const uint8_t input[] = "r";

	(void)state;
	fixture_init(&f, true);
	mmio_write(&f, IMSC, INT_RX);
	f.irq.fail = true;
	pl011_receive(&f.uart, input, 1);
	assert_int_equal(f.irq.calls, 0);
	/* Once the controller works again, the next update delivers the level. */
	f.irq.fail = false;
	assert_int_equal(mmio_read(&f, FR) & FR_RXFE, 0);
	assert_int_equal(f.irq.calls, 1);
	assert_true(f.irq.level);
}

/* The register sequence of Linux 6.1's pl011_startup() and console write. */
static void test_linux_startup_sequence(void **state)
{
	struct fixture f;
	const uint8_t typed[] = "root\n";
	unsigned drained = 0;

	(void)state;
	fixture_init(&f, true);
	/* Input that arrived before the driver: drained and dropped by it. */
	pl011_receive(&f.uart, typed, 2);

	/* pl011_hwinit */
	mmio_write_sized(&f, ICR, 0x7c0 | INT_RT | INT_RX, 2);
	assert_int_equal(mmio_read_sized(&f, IMSC, 2), 0);
	mmio_write_sized(&f, IMSC, INT_RT | INT_RX, 2);
	/* pl011_startup */
	mmio_write_sized(&f, IFLS, 0x12, 2);
	mmio_write_sized(&f, CR, 0x301 | (1u << 10) | (1u << 11), 2);
	/* pl011_enable_interrupts */
	mmio_write_sized(&f, ICR, INT_RT | INT_RX, 2);
	for (unsigned i = 0; i < 16 * 2; i++) {
		if (mmio_read_sized(&f, FR, 2) & FR_RXFE)
			break;
		mmio_read_sized(&f, DR, 2);
		drained++;
	}
	assert_int_equal(drained, 2);
	mmio_write_sized(&f, IMSC, INT_RT | INT_RX, 2);
	assert_false(f.irq.level);

	/* Console write: wait for room, write, wait until not busy. */
	for (const char *s = "login: "; *s; s++) {
		assert_int_equal(mmio_read_sized(&f, FR, 2) & FR_TXFF, 0);
		mmio_write_sized(&f, DR, (uint8_t)*s, 2);
		assert_int_equal(mmio_read_sized(&f, FR, 2) & FR_BUSY, 0);
	}
	pl011_flush(&f.uart);
	assert_memory_equal(f.out.data, "login: ", 7);
	/* Writing with TXIM masked does not interrupt. */
	assert_false(f.irq.level);

	/* The user types: interrupt, read until FR says empty, line drops. */
	assert_int_equal(pl011_receive(&f.uart, typed, 5), 5);
	assert_true(f.irq.level);
	assert_int_equal(mmio_read_sized(&f, RIS, 2) & mmio_read_sized(&f, IMSC, 2),
			 INT_RX | INT_RT);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(mmio_read_sized(&f, FR, 2) & FR_RXFE, 0);
		assert_int_equal(mmio_read_sized(&f, DR, 2), typed[i]);
	}
	assert_int_equal(mmio_read_sized(&f, FR, 2) & FR_RXFE, FR_RXFE);
	assert_false(f.irq.level);
}

static void test_two_uarts(void **state)
{
	struct fixture f;
	struct pl011 second;
	struct output_record out2;
	struct pl011_backend backend = {.write = fake_write, .ctx = &out2};
	struct access acc = {.gpa = BASE + 0x1000, .size = 4, .is_write = true, .value = 'B'};

	(void)state;
	fixture_init(&f, true);
	memset(&out2, 0, sizeof(out2));
	assert_int_equal(pl011_init(&second, &f.vm, BASE + 0x1000, IRQ + 1, &backend, false), 0);
	assert_int_equal(f.vm.device_count, 2);
	assert_int_equal(f.vm.devices[1].irq_line, IRQ + 1);

	write_string(&f, "A");
	assert_int_equal(bus_dispatch(&f.vm.mmio, &acc), 0);
	pl011_flush(&f.uart);
	pl011_flush(&second);
	assert_int_equal(f.out.len, 1);
	assert_int_equal(f.out.data[0], 'A');
	assert_int_equal(out2.len, 1);
	assert_int_equal(out2.data[0], 'B');

	/* Interrupts go to each UART's own line. */
	acc = (struct access){
	    .gpa = BASE + 0x1000 + IMSC, .size = 4, .is_write = true, .value = INT_TX};
	assert_int_equal(bus_dispatch(&f.vm.mmio, &acc), 0);
	assert_int_equal(f.irq.line, IRQ + 1);
	assert_true(f.irq.level);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_describes_device),
	    cmocka_unit_test(test_init_errors),
	    cmocka_unit_test(test_id_registers),
	    cmocka_unit_test(test_reset_values),
	    cmocka_unit_test(test_register_masks),
	    cmocka_unit_test(test_narrow_accesses),
	    cmocka_unit_test(test_fr_flags),
	    cmocka_unit_test(test_output_coalesced),
	    cmocka_unit_test(test_output_pending_notice),
	    cmocka_unit_test(test_output_full_buffer_flushes),
	    cmocka_unit_test(test_output_while_disabled),
	    cmocka_unit_test(test_output_without_backend),
	    cmocka_unit_test(test_rx_in_order_with_irq),
	    cmocka_unit_test(test_rx_irq_follows_mask),
	    cmocka_unit_test(test_rx_fifo_full),
	    cmocka_unit_test(test_icr_clears),
	    cmocka_unit_test(test_mis_is_ris_and_imsc),
	    cmocka_unit_test(test_tx_interrupt),
	    cmocka_unit_test(test_bad_accesses),
	    cmocka_unit_test(test_unknown_offsets),
	    cmocka_unit_test(test_reset),
	    cmocka_unit_test(test_irq_retried_after_failure),
	    cmocka_unit_test(test_linux_startup_sequence),
	    cmocka_unit_test(test_two_uarts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
