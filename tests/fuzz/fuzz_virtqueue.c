/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the split virtqueue (virtio/virtqueue.c) against a
 * hostile driver. The input chooses guest RAM's size, the queue's size,
 * features and ring addresses, then runs a program of operations: raw
 * bytes anywhere in RAM, well-formed or raw descriptors and indirect
 * tables, avail index moves, and the device's side (take a chain, copy in
 * and out of it, return it, decide on interrupts, publish avail_event,
 * re-enable the queue).
 *
 * Guest RAM is one heap block of exactly its size (tests/fuzz/fake_guest.h),
 * so AddressSanitizer reports any access the queue code makes outside it.
 * On top of that the harness checks the queue's promises and aborts when
 * one breaks: every segment of a returned chain lies in RAM and adds up to
 * the chain's lengths, readable segments come first, chain_read returns
 * exactly the bytes of the segments (or fails exactly when the range does
 * not fit), a refused chain consumes nothing, and the used ring holds what
 * was pushed.
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_virtqueue)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/guest_mem.h"
#include "tests/fuzz/fake_guest.h"
#include "virtio/virtqueue.h"

#define RAM_GPA	 0x80000000ull
#define MAX_RAM	 0x10000u
#define MAX_OPS	 512
#define MAX_BUFS 8
#define SCRATCH	 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_virtqueue: %s:%d: check failed: %s\n", __FILE__,     \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct harness {
	struct guest_mem mem;
	struct fake_guest g;
	struct fake_ring r;
	struct virtq vq;
	bool indirect, event_idx;
	struct virtq_chain chain;
	bool have_chain;
	/* Heads taken and not yet returned, as a device holding requests would. */
	uint16_t pending[VIRTQ_MAX_SIZE];
	unsigned npending;
	uint8_t scratch[SCRATCH], expect[SCRATCH];
};

/* A guest address: usually in RAM, sometimes just past it, sometimes anything. */
static uint64_t take_gpa(struct harness *h, struct fuzz_input *in)
{
	uint8_t kind = fuzz_take8(in);

	if (kind < 200)
		return RAM_GPA + fuzz_take16(in) % h->g.size;
	if (kind < 240)
		return RAM_GPA + h->g.size - (kind - 200);
	return fuzz_take64(in);
}

static uint16_t take_queue_size(struct fuzz_input *in)
{
	uint8_t b = fuzz_take8(in);

	/* Mostly powers of two up to VIRTQ_MAX_SIZE; sometimes anything. */
	if (b < 224)
		return (uint16_t)(1u << (b % 9));
	return fuzz_take16(in);
}

/* Sets the queue up from the input and enables it; it may well stay disabled. */
static void configure(struct harness *h, struct fuzz_input *in)
{
	uint16_t qsize = take_queue_size(in);
	uint8_t layout = fuzz_take8(in);

	if (layout < 128) {
		uint64_t base = RAM_GPA + (fuzz_take16(in) % h->g.size & ~15ull);

		fake_ring_init(&h->r, &h->g, qsize, base);
	} else {
		uint64_t desc = take_gpa(h, in), avail = take_gpa(h, in), used = take_gpa(h, in);

		fake_ring_init_at(&h->r, &h->g, qsize, desc, avail, used);
	}
	virtq_reset(&h->vq, &h->mem);
	fake_ring_to_virtq(&h->r, &h->vq);
	h->vq.indirect = h->indirect;
	h->vq.event_idx = h->event_idx;
	if (virtq_enable(&h->vq) == 0) {
		CHECK(h->vq.ready && h->vq.size != 0 && (h->vq.size & (h->vq.size - 1)) == 0);
		CHECK(fake_guest_ptr(&h->g, h->vq.desc_gpa, 16u * h->vq.size) != NULL);
		CHECK(fake_guest_ptr(&h->g, h->vq.avail_gpa, 6u + 2u * h->vq.size) != NULL);
		CHECK(fake_guest_ptr(&h->g, h->vq.used_gpa, 6u + 8u * h->vq.size) != NULL);
	} else {
		CHECK(!h->vq.ready);
	}
	h->npending = 0;
}

static void take_bufs(struct harness *h, struct fuzz_input *in, struct fake_buf *bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		bufs[i].gpa = take_gpa(h, in);
		bufs[i].len = fuzz_take16(in);
		bufs[i].device_writes = fuzz_take8(in) & 1;
	}
}

/* Every promise a returned chain makes; each segment is touched through its host mapping. */
static void check_chain(const struct harness *h, const struct virtq_chain *c)
{
	uint64_t readable = 0, writable = 0;
	volatile uint8_t sink = 0;

	CHECK(c->head < h->vq.size);
	CHECK(c->count <= VIRTQ_MAX_CHAIN);
	CHECK(c->readable_count <= c->count);
	for (unsigned i = 0; i < c->count; i++) {
		const struct virtq_segment *s = &c->segments[i];
		const uint8_t *p = fake_guest_ptr(&h->g, s->gpa, s->len);

		CHECK(s->len != 0);
		CHECK(p != NULL);
		CHECK(guest_mem_ptr(&h->mem, s->gpa, s->len) == p);
		CHECK(s->device_writes == (i >= c->readable_count));
		sink = (uint8_t)(sink + p[0] + p[s->len - 1]);
		if (s->device_writes)
			writable += s->len;
		else
			readable += s->len;
	}
	CHECK(readable == c->readable_len);
	CHECK(writable == c->writable_len);
	(void)sink;
}

static void op_next(struct harness *h)
{
	uint16_t before = h->vq.next_avail;
	int n = virtq_next_chain(&h->vq, &h->chain);

	if (n == 1) {
		CHECK(h->vq.next_avail == (uint16_t)(before + 1));
		check_chain(h, &h->chain);
		h->have_chain = true;
		if (h->npending < VIRTQ_MAX_SIZE)
			h->pending[h->npending++] = h->chain.head;
		return;
	}
	CHECK(h->vq.next_avail == before);
	if (n == 0) {
		CHECK(h->vq.ready);
		CHECK(fake_guest_get16(&h->g, h->vq.avail_gpa + 2) == before);
		return;
	}
	CHECK(n < 0 && -n >= VIRTQ_ERR_NOT_READY && -n <= VIRTQ_ERR_USED_INDEX);
	/* A ring refused once is refused again: nothing moved. */
	CHECK(virtq_next_chain(&h->vq, &h->chain) == n);
	h->have_chain = false;
}

/* What chain_read must return: the readable bytes [offset, offset + len). */
static void expected_read(const struct harness *h, uint64_t offset, size_t len)
{
	const struct virtq_chain *c = &h->chain;
	size_t done = 0;

	for (unsigned i = 0; i < c->readable_count && done < len; i++) {
		const struct virtq_segment *s = &c->segments[i];
		uint64_t n;

		if (offset >= s->len) {
			offset -= s->len;
			continue;
		}
		n = s->len - offset;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)h->expect + done, fake_guest_ptr(&h->g, s->gpa + offset, n), n);
		done += n;
		offset = 0;
	}
	CHECK(done == len);
}

static void op_chain_copy(struct harness *h, struct fuzz_input *in, bool write)
{
	uint64_t offset = fuzz_take16(in);
	size_t len = fuzz_take16(in) % (SCRATCH + 1);
	uint64_t total = write ? h->chain.writable_len : h->chain.readable_len;
	bool fits;
	int err;

	if (!h->have_chain)
		return;
	if (fuzz_take8(in) == 0xff)
		offset = fuzz_take64(in); /* now and then, absurd offsets */
	fits = offset <= total && len <= total - offset;
	if (write) {
		memset(h->scratch, fuzz_take8(in), len);
		err = virtq_chain_write(&h->vq, &h->chain, offset, h->scratch, len);
		CHECK(err == (fits ? 0 : -VIRTQ_ERR_BUFFER_ADDRESS));
		return;
	}
	memset(h->scratch, 0xa5, sizeof(h->scratch));
	err = virtq_chain_read(&h->vq, &h->chain, offset, h->scratch, len);
	CHECK(err == (fits ? 0 : -VIRTQ_ERR_BUFFER_ADDRESS));
	if (fits) {
		expected_read(h, offset, len);
		CHECK(memcmp(h->scratch, h->expect, len) == 0);
	} else {
		/* Refused: nothing copied. */
		CHECK(len == 0 || h->scratch[0] == 0xa5);
	}
}

static void op_push(struct harness *h, struct fuzz_input *in)
{
	uint16_t head, before = h->vq.next_used;
	uint32_t written = fuzz_take32(in);
	uint32_t id, len;
	int err;

	if (h->npending > 0 && fuzz_take8(in) < 224) {
		unsigned i = fuzz_take8(in) % h->npending;

		head = h->pending[i];
		h->pending[i] = h->pending[--h->npending];
	} else {
		head = fuzz_take16(in);
	}
	err = virtq_push_used(&h->vq, head, written);
	if (!h->vq.ready) {
		CHECK(err == -VIRTQ_ERR_NOT_READY);
		return;
	}
	if (head >= h->vq.size) {
		CHECK(err == -VIRTQ_ERR_USED_INDEX);
		CHECK(h->vq.next_used == before);
		return;
	}
	CHECK(err == 0);
	CHECK(h->vq.next_used == (uint16_t)(before + 1));
	CHECK(fake_guest_get16(&h->g, h->vq.used_gpa + 2) == h->vq.next_used);
	id = fake_guest_get32(&h->g, h->vq.used_gpa + 4 + 8u * (before % h->vq.size));
	len = fake_guest_get32(&h->g, h->vq.used_gpa + 8 + 8u * (before % h->vq.size));
	CHECK(id == head);
	CHECK(len == written);
}

static void op_publish_event(struct harness *h)
{
	virtq_publish_avail_event(&h->vq);
	if (h->vq.ready && h->vq.event_idx)
		CHECK(fake_guest_get16(&h->g, h->vq.used_gpa + 4 + 8u * h->vq.size) ==
		      h->vq.next_avail);
}

static void run(struct harness *h, struct fuzz_input *in)
{
	struct fake_buf bufs[MAX_BUFS];

	for (unsigned ops = 0; ops < MAX_OPS && fuzz_input_left(in); ops++) {
		uint8_t op = fuzz_take8(in);

		switch (op % 14) {
		case 0: { /* raw bytes anywhere in RAM: rings, tables, buffers */
			uint64_t off = fuzz_take16(in) % h->g.size;
			size_t got, room = (size_t)(h->g.size - off);
			const uint8_t *src = fuzz_take_bytes(in, fuzz_take8(in), &got);

			fake_guest_write(&h->g, RAM_GPA + off, src, got < room ? got : room);
			break;
		}
		case 1: { /* a well-formed chain, or one with hostile buffers */
			unsigned n = 1 + fuzz_take8(in) % MAX_BUFS;

			take_bufs(h, in, bufs, n);
			if (h->r.size != 0)
				fake_ring_post(&h->r, bufs, n);
			break;
		}
		case 2: { /* an indirect table */
			uint64_t table = take_gpa(h, in);
			unsigned n = 1 + fuzz_take8(in) % MAX_BUFS;

			take_bufs(h, in, bufs, n);
			if (h->r.size != 0)
				fake_ring_post_indirect(&h->r, table, bufs, n);
			break;
		}
		case 3: { /* any descriptor at all */
			uint16_t index = fuzz_take16(in);
			uint64_t addr = take_gpa(h, in);
			uint32_t len = fuzz_take32(in);
			uint16_t flags = fuzz_take16(in);

			fake_ring_set_desc(&h->r, index, addr, len, flags, fuzz_take16(in));
			break;
		}
		case 4:
			if (h->r.size != 0)
				fake_ring_publish(&h->r, fuzz_take16(in));
			break;
		case 5:
			fake_ring_set_avail_idx(&h->r, fuzz_take16(in));
			break;
		case 6:
		case 7:
			op_next(h);
			break;
		case 8:
			op_chain_copy(h, in, false);
			break;
		case 9:
			op_chain_copy(h, in, true);
			break;
		case 10:
			op_push(h, in);
			break;
		case 11:
			fake_ring_set_used_event(&h->r, fuzz_take16(in));
			fake_ring_set_avail_flags(&h->r, fuzz_take16(in));
			virtq_needs_interrupt(&h->vq);
			break;
		case 12:
			op_publish_event(h);
			break;
		default:
			if (fuzz_take8(in) < 16)
				configure(h, in); /* the driver sets the queue up again */
			else
				op_next(h);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {.data = data, .size = size};
	struct harness *h = calloc(1, sizeof(*h));
	uint8_t flags;
	size_t ram;

	if (h == NULL)
		return 0;
	flags = fuzz_take8(&in);
	h->indirect = flags & 1;
	h->event_idx = flags & 2;
	ram = 64 + fuzz_take16(&in) % (MAX_RAM - 63);
	if (fake_guest_init(&h->g, &h->mem, RAM_GPA, ram) == 0) {
		configure(h, &in);
		run(h, &in);
	}
	fake_guest_free(&h->g);
	free(h);
	return 0;
}
