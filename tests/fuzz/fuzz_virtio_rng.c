/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes virtio-rng as a hostile driver: the input chooses the queue
 * layout and how the entropy source behaves, then a sequence of
 * operations that post well-formed or malformed requests, scribble over
 * guest RAM (rings included), notify and reset. Guest RAM is one heap
 * block of exactly its size (tests/fuzz/fake_guest.h) and the source
 * writes every byte it is offered room for, so AddressSanitizer catches
 * any host pointer the device gets wrong.
 *
 * The device is attached to a fake transport, so the harness reaches the
 * device model and the virtqueue code without the MMIO register path:
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_virtio_rng.c \
 *     virtio/rng.c virtio/virtqueue.c virtio/device.c core/errors.c \
 *     core/guest_mem.c core/log.c core/vm.c -o /tmp/frng
 *   /tmp/frng -max_total_time=60
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/vm.h"
#include "virtio/device.h"
#include "virtio/rng.h"
#include "virtio/virtqueue.h"

#include "tests/fuzz/fake_guest.h"

#define RAM_GPA	 0x10000ull
#define RAM_SIZE 0x10000ull
#define MAX_OPS	 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz {
	struct vm vm;
	struct virtio_rng rng;
	struct fake_guest g;
	struct fake_ring ring;
	struct fake_transport transport;
	uint64_t features;
	/* How the source behaves: low bits, bytes per call (0: all); top bits, how it fails. */
	uint8_t source_mode;
	unsigned source_calls;
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

static int source_fill(void *ctx, void *buf, size_t len)
{
	struct fuzz *f = ctx;
	size_t chunk = f->source_mode & 0x3f;

	if (len == 0 || len > VIRTIO_RNG_MAX_REQUEST)
		abort();
	f->source_calls++;
	switch (f->source_mode >> 6) {
	case 1:
		if (f->source_calls % 3 == 0)
			return -SVMM_EIO;
		break;
	case 2:
		if (f->source_calls % 4 == 0)
			return 0;
		break;
	case 3:
		/* A source that claims more than it was given room for. */
		memset(buf, 0x5a, len);
		return (int)len + 100;
	}
	if (chunk != 0 && len > chunk)
		len = chunk;
	/* Every byte of the room the device offered is written. */
	memset(buf, 0x5a, len);
	return (int)len;
}

/* Negotiates the chosen features, enables the queue (where valid) and sets DRIVER_OK. */
static void bring_up(struct fuzz *f)
{
	struct fake_ring *r = &f->ring;

	fake_driver_bring_up(&f->rng.virtio, f->features);
	fake_ring_init_at(r, &f->g, r->size, r->desc, r->avail, r->used);
	fake_ring_enable(r, &f->rng.virtio, VIRTIO_RNG_QUEUE);
	fake_driver_ok(&f->rng.virtio);
}

static void choose_layout(struct fuzz *f, struct fuzz_input *in)
{
	uint8_t flags = fuzz_take8(in);
	uint8_t shape = fuzz_take8(in);
	/* Mostly a power of two up to 16 at a fixed place; sometimes anything. */
	uint16_t size = (shape & 0x80) ? fuzz_take16(in) : (uint16_t)(1u << (shape % 5));

	f->features = 0;
	if (flags & 1)
		f->features |= 1ull << VIRTIO_F_EVENT_IDX;
	if (flags & 2)
		f->features |= 1ull << VIRTIO_F_INDIRECT_DESC;
	f->source_mode = fuzz_take8(in);
	if (shape & 0x40) {
		uint64_t desc = take_gpa(in), avail = take_gpa(in);

		fake_ring_init_at(&f->ring, &f->g, size, desc, avail, take_gpa(in));
	} else {
		fake_ring_init_at(&f->ring, &f->g, size, RAM_GPA, RAM_GPA + 0x1000,
				  RAM_GPA + 0x2000);
	}
}

/* Posts a request the way a driver would, from fuzzed buffers and flags. */
static void post(struct fuzz *f, struct fuzz_input *in)
{
	struct fake_ring *r = &f->ring;
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
		/* Mostly device-writable, as the driver must send. */
		uint16_t flags = (seg & 0x30) ? VIRTQ_DESC_F_WRITE : 0;
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {.data = data, .size = size};
	struct rng_source source;
	struct fuzz *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return 0;
	source = (struct rng_source){.fill = source_fill, .ctx = f};
	vm_init(&f->vm, "fuzz", NULL);
	if (fake_guest_init(&f->g, &f->vm.mem, RAM_GPA, RAM_SIZE) != 0 ||
	    virtio_rng_init(&f->rng, &f->vm, "virtio-rng", &source) != 0)
		abort();
	fake_transport_attach(&f->transport, &f->rng.virtio);
	choose_layout(f, &in);
	bring_up(f);

	for (unsigned op = 0; op < MAX_OPS && fuzz_input_left(&in); op++) {
		uint64_t value = 0;

		switch (fuzz_take8(&in) % 6) {
		case 0:
		case 1:
			post(f, &in);
			break;
		case 2:
			scribble(f, &in);
			break;
		case 3:
			f->rng.virtio.ops->queue_notify(&f->rng.virtio, fuzz_take8(&in) & 1);
			break;
		case 4:
			/* The driver resets the device and, mostly, starts over. */
			virtio_device_reset(&f->rng.virtio);
			if (fuzz_take8(&in) & 1)
				bring_up(f);
			break;
		case 5:
			f->rng.virtio.ops->config_read(&f->rng.virtio, fuzz_take8(&in),
						       (uint8_t)(1u << (fuzz_take8(&in) % 4)),
						       &value);
			if (value != 0)
				abort();
			break;
		}
		if (f->transport.signal_config != 0 ||
		    f->transport.signal_used_total != f->transport.signal_used[VIRTIO_RNG_QUEUE])
			abort();
	}
	fake_guest_free(&f->g);
	free(f);
	return 0;
}
