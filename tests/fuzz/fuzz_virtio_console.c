/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes virtio-console as a hostile driver: the input chooses the queue
 * layout, then a sequence of operations that post well-formed or
 * malformed requests, scribble over guest RAM (rings included), notify
 * queues, offer host input, flush and reset. Guest RAM is one heap block
 * of exactly its size (tests/fuzz/fake_guest.h), so AddressSanitizer
 * catches any access the device makes outside it.
 *
 * The device is attached to a fake transport, so the harness reaches the
 * device model and the virtqueue code without the MMIO register path:
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_virtio_console.c \
 *     virtio/console.c virtio/virtqueue.c virtio/device.c core/errors.c \
 *     core/guest_mem.c core/log.c core/vm.c -o /tmp/fconsole
 *   /tmp/fconsole -max_total_time=60
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "virtio/console.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"

#include "tests/fuzz/fake_guest.h"

#define RAM_GPA	   0x10000ull
#define RAM_SIZE   0x10000ull
#define MAX_OPS	   512
#define NUM_QUEUES 2

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz {
	struct vm vm;
	struct virtio_console con;
	struct fake_guest g;
	struct fake_ring rings[NUM_QUEUES];
	struct fake_transport transport;
	uint64_t features;
	size_t output;
	uint8_t output_sum;
};

/* A guest address: mostly inside RAM, sometimes at its very end, sometimes anywhere. */
static uint64_t take_gpa(struct fuzz_input *in)
{
	uint8_t kind = fuzz_take8(in);

	if (kind < 0xf0)
		return RAM_GPA + fuzz_take16(in);
	if (kind < 0xf8)
		return RAM_GPA + RAM_SIZE - (fuzz_take8(in) & 0x1f);
	return fuzz_take64(in);
}

static void backend_write(void *ctx, const uint8_t *data, size_t len)
{
	struct fuzz *f = ctx;

	/* Reading every byte lets AddressSanitizer check the whole range. */
	for (size_t i = 0; i < len; i++)
		f->output_sum = (uint8_t)(f->output_sum + data[i]);
	f->output += len;
	if (len == 0 || len > VIRTIO_CONSOLE_TX_BUFFER)
		abort();
}

/* Negotiates the chosen features, enables both queues (where valid) and sets DRIVER_OK. */
static void bring_up(struct fuzz *f)
{
	fake_driver_bring_up(&f->con.virtio, f->features);
	for (unsigned q = 0; q < NUM_QUEUES; q++) {
		struct fake_ring *r = &f->rings[q];

		fake_ring_init_at(r, &f->g, r->size, r->desc, r->avail, r->used);
		fake_ring_enable(r, &f->con.virtio, q);
	}
	fake_driver_ok(&f->con.virtio);
	if (f->con.virtio.ops->features(&f->con.virtio) != 0)
		abort(); /* nothing optional is offered */
}

static void choose_layout(struct fuzz *f, struct fuzz_input *in)
{
	uint8_t flags = fuzz_take8(in);

	f->features = 0;
	if (flags & 1)
		f->features |= 1ull << VIRTIO_F_EVENT_IDX;
	if (flags & 2)
		f->features |= 1ull << VIRTIO_F_INDIRECT_DESC;
	for (unsigned q = 0; q < NUM_QUEUES; q++) {
		uint8_t shape = fuzz_take8(in);
		/* Mostly a power of two up to 16 at a fixed place; sometimes anything. */
		uint16_t size = (shape & 0x80) ? fuzz_take16(in) : (uint16_t)(1u << (shape % 5));
		uint64_t base = RAM_GPA + 0x4000ull * q;

		if (shape & 0x40) {
			uint64_t desc = take_gpa(in), avail = take_gpa(in);

			fake_ring_init_at(&f->rings[q], &f->g, size, desc, avail, take_gpa(in));
		} else {
			fake_ring_init_at(&f->rings[q], &f->g, size, base, base + 0x1000,
					  base + 0x2000);
		}
	}
}

/* Posts a request the way a driver would, from fuzzed buffers and flags. */
static void post(struct fuzz *f, struct fuzz_input *in)
{
	struct fake_ring *r = &f->rings[fuzz_take8(in) % NUM_QUEUES];
	uint8_t shape = fuzz_take8(in);
	unsigned count = 1 + (shape & 7);
	bool indirect = shape & 0x80;
	/* An indirect table is written like the ring's own table, at its own address. */
	struct fake_ring table = {.g = &f->g, .desc = indirect ? take_gpa(in) : r->desc};
	uint16_t table_size = indirect ? (uint16_t)count : r->size;
	uint16_t head = r->next_desc;

	if (r->size == 0)
		return;
	for (unsigned i = 0; i < count; i++) {
		uint16_t id = indirect ? (uint16_t)i : (uint16_t)((head + i) % table_size);
		uint16_t next = indirect ? (uint16_t)(i + 1) : (uint16_t)((id + 1) % table_size);
		uint8_t seg = fuzz_take8(in);
		uint16_t flags = (seg & 1) ? VIRTQ_DESC_F_WRITE : 0;
		uint64_t addr = take_gpa(in);
		uint32_t len = (seg & 2) ? fuzz_take32(in) : fuzz_take16(in) & 0xfff;

		/* Big requests: the buffer runs to the end of RAM. */
		if ((seg & 0x40) && addr >= RAM_GPA && addr < RAM_GPA + RAM_SIZE)
			len = (uint32_t)(RAM_GPA + RAM_SIZE - addr);
		if (i + 1 < count)
			flags |= VIRTQ_DESC_F_NEXT;
		/* Now and then a flag or a next index the driver should not send. */
		if (seg & 4)
			flags ^= (uint16_t)(fuzz_take8(in) & 7);
		if (seg & 8)
			next = fuzz_take16(in);
		fake_ring_set_desc(&table, id, addr, len, flags, next);
	}
	if (indirect) {
		fake_ring_set_desc(r, head, table.desc, 16u * count, VIRTQ_DESC_F_INDIRECT, 0);
		r->next_desc = (uint16_t)((head + 1) % r->size);
	} else {
		r->next_desc = (uint16_t)((head + count) % r->size);
	}
	fake_ring_publish(r, head);
}

static void scribble(struct fuzz *f, struct fuzz_input *in)
{
	uint64_t gpa = RAM_GPA + fuzz_take16(in);
	size_t len;
	const uint8_t *bytes = fuzz_take_bytes(in, fuzz_take8(in) % 32, &len);

	fake_guest_write(&f->g, gpa, bytes, len);
}

static void receive(struct fuzz *f, struct fuzz_input *in)
{
	size_t len;
	const uint8_t *bytes = fuzz_take_bytes(in, fuzz_take8(in), &len);

	if (virtio_console_receive(&f->con, bytes, len) > len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {.data = data, .size = size};
	struct virtio_console_backend backend;
	struct fuzz *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return 0;
	backend = (struct virtio_console_backend){.write = backend_write, .ctx = f};
	vm_init(&f->vm, "fuzz", NULL);
	if (fake_guest_init(&f->g, &f->vm.mem, RAM_GPA, RAM_SIZE) != 0 ||
	    virtio_console_init(&f->con, &f->vm, "virtio-console", &backend) != 0)
		abort();
	fake_transport_attach(&f->transport, &f->con.virtio);
	choose_layout(f, &in);
	bring_up(f);

	for (unsigned op = 0; op < MAX_OPS && fuzz_input_left(&in); op++) {
		uint64_t value = 0;

		switch (fuzz_take8(&in) % 9) {
		case 0:
		case 1:
			post(f, &in);
			break;
		case 2:
			scribble(f, &in);
			break;
		case 3:
			f->con.virtio.ops->queue_notify(&f->con.virtio, VIRTIO_CONSOLE_TX_QUEUE);
			break;
		case 4:
			f->con.virtio.ops->queue_notify(&f->con.virtio, fuzz_take8(&in));
			break;
		case 5:
			receive(f, &in);
			break;
		case 6:
			virtio_console_flush(&f->con);
			break;
		case 7:
			/* The driver resets the device and, mostly, starts over. */
			virtio_device_reset(&f->con.virtio);
			if (fuzz_take8(&in) & 1)
				bring_up(f);
			break;
		case 8:
			f->con.virtio.ops->config_read(&f->con.virtio, fuzz_take8(&in),
						       (uint8_t)(1u << (fuzz_take8(&in) % 4)),
						       &value);
			if (value != 0)
				abort();
			break;
		}
		if (f->con.tx_len > VIRTIO_CONSOLE_TX_BUFFER || f->transport.signal_config != 0)
			abort();
	}
	virtio_console_flush(&f->con);
	fake_guest_free(&f->g);
	free(f);
	return 0;
}
