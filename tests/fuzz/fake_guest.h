/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake guest for unit tests and fuzzers of anything that reads guest
 * memory: RAM, the driver's side of split virtqueues, and fakes of what a
 * device is attached to (transport, interrupt controller, log sink).
 *
 * Header-only (static inline): a unit test is built from its one .c file
 * and a fuzzer from its harness plus the library, so there is nothing else
 * to link. Include it as "tests/fuzz/fake_guest.h" (the build passes -I.).
 *
 * RAM is one heap block of exactly the size asked for, so under
 * AddressSanitizer any host access one byte past it (or before it) is
 * reported: size RAM tightly and put rings and buffers at its very end to
 * make the redzone do the work. All values in guest memory are
 * little-endian whatever the host is.
 *
 * Typical use, a device test:
 *
 *	struct vm vm;
 *	struct fake_guest g;
 *	struct fake_ring r;
 *	struct fake_transport t;
 *
 *	vm_init(&vm, "test", NULL);
 *	fake_guest_init(&g, &vm.mem, 0x40000000, 0x10000);  // 64 KiB of RAM
 *	my_device_init(&dev, &vm, ...);                   // calls virtio_device_init
 *	fake_transport_attach(&t, &dev.virtio);
 *	fake_ring_init(&r, &g, 16, 0x40000000);           // 16 entries at RAM start
 *	fake_driver_bring_up(&dev.virtio, features);      // FEATURES_OK, no queues yet
 *	fake_ring_enable(&r, &dev.virtio, 0);             // queue 0: addresses, enable
 *	fake_driver_ok(&dev.virtio);                      // DRIVER_OK, ops->driver_ok
 *
 *	struct fake_buf bufs[] = {{0x40008000, 16, false}, {0x40009000, 1, true}};
 *	fake_ring_post(&r, bufs, 2);                      // descriptors, avail entry, idx
 *	dev.virtio.ops->queue_notify(&dev.virtio, 0);
 *	uint32_t id, len;
 *	assert(fake_ring_pop_used(&r, &id, &len));        // what the device returned
 *
 *	fake_guest_free(&g);
 *
 * Hostile rings: fake_ring_set_desc() writes any descriptor, and
 * fake_ring_set_avail_idx(), fake_guest_write() and friends write anything
 * anywhere in RAM. Writes that fall outside RAM are dropped and return
 * false (a fuzzer may point a ring past the end on purpose); reads outside
 * RAM return 0.
 *
 * Fuzzers also get struct fuzz_input, a cursor over the input bytes that
 * reads zeros once the input runs out.
 */
#ifndef SVMM_TESTS_FAKE_GUEST_H
#define SVMM_TESTS_FAKE_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/guest_mem.h"
#include "core/log.h"
#include "core/vm.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"

/* ---- guest RAM ---- */

struct fake_guest {
	uint8_t *ram; /* exactly `size` bytes from malloc */
	uint64_t gpa; /* guest address of ram[0] */
	uint64_t size;
};

/*
 * Allocates `size` zeroed bytes at guest address `gpa` and adds them to
 * `mem` (usually &vm.mem). 0, or -1 when allocation or guest_mem_add fails.
 */
static inline int fake_guest_init(struct fake_guest *g, struct guest_mem *mem, uint64_t gpa,
				  size_t size)
{
	g->ram = size != 0 ? calloc(1, size) : NULL;
	g->gpa = gpa;
	g->size = size;
	if (g->ram == NULL)
		return -1;
	if (guest_mem_add(mem, gpa, size, g->ram) < 0) {
		free(g->ram);
		g->ram = NULL;
		return -1;
	}
	return 0;
}

static inline void fake_guest_free(struct fake_guest *g)
{
	free(g->ram);
	g->ram = NULL;
}

/* Host pointer for [gpa, gpa + len) when all of it is RAM, else NULL. */
static inline uint8_t *fake_guest_ptr(const struct fake_guest *g, uint64_t gpa, uint64_t len)
{
	if (g->ram == NULL || gpa < g->gpa || gpa - g->gpa > g->size ||
	    len > g->size - (gpa - g->gpa))
		return NULL;
	return g->ram + (gpa - g->gpa);
}

static inline bool fake_guest_write(const struct fake_guest *g, uint64_t gpa, const void *src,
				    size_t len)
{
	uint8_t *p = fake_guest_ptr(g, gpa, len);

	if (p == NULL)
		return false;
	if (len != 0)
		memcpy(p, src, len);
	return true;
}

static inline bool fake_guest_read(const struct fake_guest *g, uint64_t gpa, void *dst, size_t len)
{
	const uint8_t *p = fake_guest_ptr(g, gpa, len);

	if (p == NULL)
		return false;
	if (len != 0)
		memcpy(dst, p, len);
	return true;
}

static inline bool fake_guest_fill(const struct fake_guest *g, uint64_t gpa, uint8_t byte,
				   size_t len)
{
	uint8_t *p = fake_guest_ptr(g, gpa, len);

	if (p == NULL)
		return false;
	if (len != 0)
		memset(p, byte, len);
	return true;
}

/* Little-endian stores of `bytes` (1..8) bytes of v. */
static inline bool fake_guest_put(const struct fake_guest *g, uint64_t gpa, uint64_t v,
				  unsigned bytes)
{
	uint8_t *p = fake_guest_ptr(g, gpa, bytes);

	if (p == NULL)
		return false;
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return true;
}

static inline uint64_t fake_guest_get(const struct fake_guest *g, uint64_t gpa, unsigned bytes)
{
	const uint8_t *p = fake_guest_ptr(g, gpa, bytes);
	uint64_t v = 0;

	if (p == NULL)
		return 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline bool fake_guest_put16(const struct fake_guest *g, uint64_t gpa, uint16_t v)
{
	return fake_guest_put(g, gpa, v, 2);
}

static inline bool fake_guest_put32(const struct fake_guest *g, uint64_t gpa, uint32_t v)
{
	return fake_guest_put(g, gpa, v, 4);
}

static inline bool fake_guest_put64(const struct fake_guest *g, uint64_t gpa, uint64_t v)
{
	return fake_guest_put(g, gpa, v, 8);
}

static inline uint16_t fake_guest_get16(const struct fake_guest *g, uint64_t gpa)
{
	return (uint16_t)fake_guest_get(g, gpa, 2);
}

static inline uint32_t fake_guest_get32(const struct fake_guest *g, uint64_t gpa)
{
	return (uint32_t)fake_guest_get(g, gpa, 4);
}

static inline uint64_t fake_guest_get64(const struct fake_guest *g, uint64_t gpa)
{
	return fake_guest_get(g, gpa, 8);
}

/* ---- the driver's side of a split virtqueue ---- */

struct fake_ring {
	const struct fake_guest *g;
	uint16_t size;
	uint64_t desc, avail, used; /* guest addresses of the three parts */
	uint16_t next_desc;	    /* the slot the next descriptor goes into (round robin) */
	uint16_t avail_idx;	    /* the driver's avail->idx */
	uint16_t last_used;	    /* used entries the driver has taken (fake_ring_pop_used) */
};

/* One buffer of a request, as the driver describes it. */
struct fake_buf {
	uint64_t gpa;
	uint32_t len;
	bool device_writes;
};

/* Bytes of each part of a ring of `size` entries (with the event index fields). */
static inline uint64_t fake_ring_desc_bytes(uint16_t size)
{
	return 16u * (uint64_t)size;
}

static inline uint64_t fake_ring_avail_bytes(uint16_t size)
{
	return 6u + 2u * (uint64_t)size;
}

static inline uint64_t fake_ring_used_bytes(uint16_t size)
{
	return 6u + 8u * (uint64_t)size;
}

/*
 * A ring whose parts are at the given addresses, which may be anything
 * (hostile, misaligned, outside RAM). Zeroes each part that lies in RAM.
 */
static inline void fake_ring_init_at(struct fake_ring *r, const struct fake_guest *g, uint16_t size,
				     uint64_t desc, uint64_t avail, uint64_t used)
{
	memset(r, 0, sizeof(*r));
	r->g = g;
	r->size = size;
	r->desc = desc;
	r->avail = avail;
	r->used = used;
	fake_guest_fill(g, desc, 0, (size_t)fake_ring_desc_bytes(size));
	fake_guest_fill(g, avail, 0, (size_t)fake_ring_avail_bytes(size));
	fake_guest_fill(g, used, 0, (size_t)fake_ring_used_bytes(size));
}

/* Bytes fake_ring_init() lays a ring of `size` entries out in. */
static inline uint64_t fake_ring_bytes(uint16_t size)
{
	uint64_t used = (fake_ring_desc_bytes(size) + fake_ring_avail_bytes(size) + 3) & ~3ull;

	return used + fake_ring_used_bytes(size);
}

/*
 * The usual layout from `base` (16-byte aligned): descriptors, the avail
 * ring right after, the used ring at the next 4-byte boundary; the whole
 * takes fake_ring_bytes(size).
 */
static inline void fake_ring_init(struct fake_ring *r, const struct fake_guest *g, uint16_t size,
				  uint64_t base)
{
	uint64_t avail = base + fake_ring_desc_bytes(size);
	uint64_t used = (avail + fake_ring_avail_bytes(size) + 3) & ~3ull;

	fake_ring_init_at(r, g, size, base, avail, used);
}

/* What a transport sets before enabling: the size and the three addresses. */
static inline void fake_ring_to_virtq(const struct fake_ring *r, struct virtq *vq)
{
	vq->size = r->size;
	vq->desc_gpa = r->desc;
	vq->avail_gpa = r->avail;
	vq->used_gpa = r->used;
}

/* Writes descriptor `index` of the table as given: any values at all. */
static inline bool fake_ring_set_desc(const struct fake_ring *r, uint16_t index, uint64_t addr,
				      uint32_t len, uint16_t flags, uint16_t next)
{
	uint64_t at = r->desc + 16u * (uint64_t)index;

	return fake_guest_put64(r->g, at, addr) && fake_guest_put32(r->g, at + 8, len) &&
	       fake_guest_put16(r->g, at + 12, flags) && fake_guest_put16(r->g, at + 14, next);
}

/*
 * Writes bufs[0..n) (n >= 1) as a chain in consecutive slots from
 * r->next_desc, wrapping at the table's end, and returns its head. The
 * chain is not made available yet (fake_ring_publish). More buffers than
 * the ring has slots overwrite the chain's own start: keep n <= size.
 */
static inline uint16_t fake_ring_add_chain(struct fake_ring *r, const struct fake_buf *bufs,
					   unsigned n)
{
	uint16_t head = r->next_desc;

	for (unsigned i = 0; i < n; i++) {
		uint16_t slot = (uint16_t)((head + i) % r->size);
		uint16_t next = (uint16_t)((slot + 1) % r->size);
		uint16_t flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
					    (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));

		fake_ring_set_desc(r, slot, bufs[i].gpa, bufs[i].len, flags, next);
	}
	r->next_desc = (uint16_t)((head + n) % r->size);
	return head;
}

/*
 * Writes bufs[0..n) as an indirect table at `table` (n * 16 bytes, in
 * RAM) and one descriptor in the ring's table pointing at it; returns that
 * descriptor, the head. Not made available yet.
 */
static inline uint16_t fake_ring_add_indirect(struct fake_ring *r, uint64_t table,
					      const struct fake_buf *bufs, unsigned n)
{
	uint16_t head = r->next_desc;

	for (unsigned i = 0; i < n; i++) {
		uint64_t at = table + 16u * (uint64_t)i;
		uint16_t flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
					    (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));

		fake_guest_put64(r->g, at, bufs[i].gpa);
		fake_guest_put32(r->g, at + 8, bufs[i].len);
		fake_guest_put16(r->g, at + 12, flags);
		fake_guest_put16(r->g, at + 14, (uint16_t)(i + 1));
	}
	fake_ring_set_desc(r, head, table, (uint32_t)(16u * n), VIRTQ_DESC_F_INDIRECT, 0);
	r->next_desc = (uint16_t)((head + 1) % r->size);
	return head;
}

/* Sets avail->idx (and the driver's copy) to anything, e.g. to jump it. */
static inline void fake_ring_set_avail_idx(struct fake_ring *r, uint16_t idx)
{
	r->avail_idx = idx;
	fake_guest_put16(r->g, r->avail + 2, idx);
}

/* Makes `head` available: the ring entry, then avail->idx + 1. */
static inline void fake_ring_publish(struct fake_ring *r, uint16_t head)
{
	fake_guest_put16(r->g, r->avail + 4 + 2u * (uint64_t)(r->avail_idx % r->size), head);
	fake_ring_set_avail_idx(r, (uint16_t)(r->avail_idx + 1));
}

/* fake_ring_add_chain() then fake_ring_publish(): returns the head. */
static inline uint16_t fake_ring_post(struct fake_ring *r, const struct fake_buf *bufs, unsigned n)
{
	uint16_t head = fake_ring_add_chain(r, bufs, n);

	fake_ring_publish(r, head);
	return head;
}

static inline uint16_t fake_ring_post_indirect(struct fake_ring *r, uint64_t table,
					       const struct fake_buf *bufs, unsigned n)
{
	uint16_t head = fake_ring_add_indirect(r, table, bufs, n);

	fake_ring_publish(r, head);
	return head;
}

static inline void fake_ring_set_avail_flags(const struct fake_ring *r, uint16_t flags)
{
	fake_guest_put16(r->g, r->avail, flags);
}

/* EVENT_IDX: the driver wants an interrupt once used->idx passes `event`. */
static inline void fake_ring_set_used_event(const struct fake_ring *r, uint16_t event)
{
	fake_guest_put16(r->g, r->avail + 4 + 2u * (uint64_t)r->size, event);
}

/* EVENT_IDX: where the device wants the next notify (what it published). */
static inline uint16_t fake_ring_avail_event(const struct fake_ring *r)
{
	return fake_guest_get16(r->g, r->used + 4 + 8u * (uint64_t)r->size);
}

static inline uint16_t fake_ring_used_flags(const struct fake_ring *r)
{
	return fake_guest_get16(r->g, r->used);
}

static inline uint16_t fake_ring_used_idx(const struct fake_ring *r)
{
	return fake_guest_get16(r->g, r->used + 2);
}

/* Used ring entry for used index `i` (taken modulo the size). */
static inline void fake_ring_used_elem(const struct fake_ring *r, uint16_t i, uint32_t *id,
				       uint32_t *len)
{
	uint64_t at = r->used + 4 + 8u * (uint64_t)(i % r->size);

	*id = fake_guest_get32(r->g, at);
	*len = fake_guest_get32(r->g, at + 4);
}

/* The next used entry the driver has not taken: false when there is none. */
static inline bool fake_ring_pop_used(struct fake_ring *r, uint32_t *id, uint32_t *len)
{
	if (fake_ring_used_idx(r) == r->last_used)
		return false;
	fake_ring_used_elem(r, r->last_used, id, len);
	r->last_used++;
	return true;
}

/* ---- what a device is attached to ---- */

/* A transport that counts what the device asks of it. */
struct fake_transport {
	unsigned signal_used[VIRTIO_MAX_QUEUES];
	unsigned signal_used_total;
	unsigned signal_config;
	unsigned needs_reset;
};

static inline void fake_transport_signal_used(struct virtio_device *dev, unsigned queue)
{
	struct fake_transport *t = dev->transport_ctx;

	if (queue < VIRTIO_MAX_QUEUES)
		t->signal_used[queue]++;
	t->signal_used_total++;
}

static inline void fake_transport_signal_config(struct virtio_device *dev)
{
	((struct fake_transport *)dev->transport_ctx)->signal_config++;
}

static inline void fake_transport_needs_reset(struct virtio_device *dev)
{
	((struct fake_transport *)dev->transport_ctx)->needs_reset++;
}

/* Zeroes the counters and attaches them, as virtio_mmio_init() would attach mmio. */
static inline void fake_transport_attach(struct fake_transport *t, struct virtio_device *dev)
{
	static const struct virtio_transport_ops ops = {
	    .signal_used = fake_transport_signal_used,
	    .signal_config = fake_transport_signal_config,
	    .needs_reset = fake_transport_needs_reset,
	};

	memset(t, 0, sizeof(*t));
	dev->transport = &ops;
	dev->transport_ctx = t;
}

/*
 * The driver's side of feature negotiation, done directly on the device
 * (no transport): ACKNOWLEDGE | DRIVER | FEATURES_OK with `features`
 * accepted (VERSION_1 is added). Queues are set up next (fake_ring_enable),
 * then fake_driver_ok().
 */
static inline void fake_driver_bring_up(struct virtio_device *dev, uint64_t features)
{
	dev->driver_features = features | 1ull << VIRTIO_F_VERSION_1;
	dev->status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
}

/*
 * Gives queue `queue` this ring, with the negotiated EVENT_IDX and
 * INDIRECT_DESC, and enables it: the result of virtq_enable() (the queue
 * is left not ready when that fails, as a transport leaves it).
 */
static inline int fake_ring_enable(const struct fake_ring *r, struct virtio_device *dev,
				   unsigned queue)
{
	struct virtq *vq = &dev->queues[queue];
	int err;

	virtq_reset(vq, &dev->vm->mem);
	fake_ring_to_virtq(r, vq);
	vq->event_idx = virtio_has_feature(dev, VIRTIO_F_EVENT_IDX);
	vq->indirect = virtio_has_feature(dev, VIRTIO_F_INDIRECT_DESC);
	err = virtq_enable(vq);
	vq->ready = err == 0;
	return err;
}

/* DRIVER_OK, and the device's driver_ok op, as the transport would call it. */
static inline void fake_driver_ok(struct virtio_device *dev)
{
	dev->status |= VIRTIO_STATUS_DRIVER_OK;
	if (dev->ops->driver_ok != NULL)
		dev->ops->driver_ok(dev);
}

/* An interrupt controller that counts edges and levels per line (lines 0..1023). */
#define FAKE_IRQ_LINES 1024

struct fake_irq {
	unsigned pulses[FAKE_IRQ_LINES];
	bool level[FAKE_IRQ_LINES];
	unsigned total_pulses;
};

static inline int fake_irq_set_level(void *ctx, unsigned line, bool level)
{
	struct fake_irq *irq = ctx;

	if (line >= FAKE_IRQ_LINES)
		return -1;
	irq->level[line] = level;
	return 0;
}

static inline int fake_irq_pulse(void *ctx, unsigned line)
{
	struct fake_irq *irq = ctx;

	if (line >= FAKE_IRQ_LINES)
		return -1;
	irq->pulses[line]++;
	irq->total_pulses++;
	return 0;
}

static inline void fake_irq_attach(struct fake_irq *irq, struct vm *vm)
{
	memset(irq, 0, sizeof(*irq));
	vm->irq_chip = (struct vm_irq_chip){
	    .set_level = fake_irq_set_level, .pulse = fake_irq_pulse, .ctx = irq};
}

/* A log sink that counts messages and keeps the last format string. */
struct fake_log {
	unsigned count;
	const char *last_fmt;
};

static inline void fake_log_vlog(void *ctx, enum log_level level, const char *fmt, va_list args)
{
	struct fake_log *log = ctx;

	(void)level;
	(void)args;
	log->count++;
	log->last_fmt = fmt;
}

/* A sink for vm_init() that feeds `log`, at every level. */
static inline struct log_sink fake_log_sink(struct fake_log *log)
{
	memset(log, 0, sizeof(*log));
	return (struct log_sink){.vlog = fake_log_vlog, .ctx = log, .max_level = LOG_DEBUG};
}

/* ---- fuzzer input ---- */

/* A cursor over a fuzzer's input; reads past its end give zeros. */
struct fuzz_input {
	const uint8_t *data;
	size_t size, pos;
};

static inline bool fuzz_input_left(const struct fuzz_input *in)
{
	return in->pos < in->size;
}

static inline uint8_t fuzz_take8(struct fuzz_input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint16_t fuzz_take16(struct fuzz_input *in)
{
	uint16_t lo = fuzz_take8(in);

	return (uint16_t)(lo | fuzz_take8(in) << 8);
}

static inline uint32_t fuzz_take32(struct fuzz_input *in)
{
	uint32_t lo = fuzz_take16(in);

	return lo | (uint32_t)fuzz_take16(in) << 16;
}

static inline uint64_t fuzz_take64(struct fuzz_input *in)
{
	uint64_t lo = fuzz_take32(in);

	return lo | (uint64_t)fuzz_take32(in) << 32;
}

/* Up to `len` bytes of input (fewer at its end): a pointer and the count in *got. */
static inline const uint8_t *fuzz_take_bytes(struct fuzz_input *in, size_t len, size_t *got)
{
	size_t left = in->pos < in->size ? in->size - in->pos : 0;
	const uint8_t *p = left != 0 ? in->data + in->pos : in->data;

	*got = len < left ? len : left;
	in->pos += *got;
	return p;
}

#endif
