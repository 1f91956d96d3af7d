/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The split virtqueue, device side (virtio 1.2, section 2.7).
 *
 * Ring layout, all little-endian (svmm's hosts are little-endian, so fields
 * are copied as they are):
 *
 *   descriptor table  desc_gpa   16 * size: {u64 addr, u32 len, u16 flags, u16 next}
 *   available ring    avail_gpa  6 + 2 * size: {u16 flags, u16 idx, u16 ring[size],
 *                                               u16 used_event}
 *   used ring         used_gpa   6 + 8 * size: {u16 flags, u16 idx,
 *                                               {u32 id, u32 len} ring[size], u16 avail_event}
 *
 * The driver runs on other CPUs while the device reads the rings, so the
 * order of accesses matters (2.7, on supplying and returning buffers):
 *
 * - The driver writes descriptors and the ring entry, then avail->idx. The
 *   device reads avail->idx, then an acquire fence, then the entry and the
 *   descriptors, so it never sees an index ahead of what it names.
 * - The device writes a used element, a release fence, then used->idx, so
 *   the driver never sees an index ahead of its element.
 * - Before the device reads used_event (or avail->flags) to decide on an
 *   interrupt it needs a full fence after writing used->idx: otherwise it
 *   may read a stale used_event while the driver reads a stale used->idx,
 *   and both go to sleep. The same holds the other way round for
 *   avail_event and a re-read of avail->idx.
 *
 * The fields the two sides write concurrently (avail->idx, avail->flags,
 * used_event, used->idx, avail_event) are loaded and stored as single
 * 16-bit atomic accesses: a byte-wise copy (the freestanding memcpy is one)
 * could tear an index into a value the driver never wrote, which would look
 * like a hostile ring and break a well-behaved device.
 */
#include "virtio/virtqueue.h"

#include "core/string.h"

#define DESC_SIZE      16u
#define USED_ELEM_SIZE 8u

/* Offsets inside the rings. */
#define AVAIL_FLAGS 0u
#define AVAIL_IDX   2u
#define AVAIL_RING  4u
#define USED_FLAGS  0u
#define USED_IDX    2u
#define USED_RING   4u

/*@
  // While a chain is walked: until a device-writable descriptor is seen,
  // every segment so far is device-readable.
  predicate chain_order(struct virtq_chain *c, integer seen_writable) =
    seen_writable == 0 ==> c->readable_count == c->count;

  // What the walkers return: 0 or a negative enum virtq_error.
  predicate walk_result(integer r) = -VIRTQ_ERR_USED_INDEX <= r <= 0;
*/

/* A descriptor, decoded from its 16 bytes in guest memory. */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/*@ assigns \nothing;
    ensures \result == 6 + 2 * size; */
static uint64_t avail_ring_bytes(uint16_t size)
{
	return 6u + 2u * (uint64_t)size;
}

/*@ assigns \nothing;
    ensures \result == 6 + 8 * size; */
static uint64_t used_ring_bytes(uint16_t size)
{
	return 6u + (uint64_t)USED_ELEM_SIZE * size;
}

/*
 * Little-endian fields, assembled byte by byte: no pointer casts. Sums of
 * scaled bytes rather than shifts and ors, which the provers reason about
 * poorly; the value is the same.
 */
/*@ requires \valid_read(p + (0 .. 1));
    assigns \nothing; */
static uint16_t load_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] + 256 * p[1]);
}

/*@ requires \valid_read(p + (0 .. 3));
    assigns \nothing; */
static uint32_t load_le32(const uint8_t *p)
{
	return p[0] + 0x100u * p[1] + 0x10000u * p[2] + 0x1000000u * p[3];
}

/*@ requires \valid_read(p + (0 .. 7));
    assigns \nothing; */
static uint64_t load_le64(const uint8_t *p)
{
	return load_le32(p) + 0x100000000u * load_le32(p + 4);
}

/*@ requires \valid(p + (0 .. 3));
    assigns p[0 .. 3]; */
static void store_le32(uint8_t *p, uint32_t value)
{
	/*@ loop invariant 0 <= i <= 4;
	    loop assigns i, p[0 .. 3];
	    loop variant 4 - i; */
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

/*
 * A 16-bit ring field the driver may be writing right now, as one atomic
 * access. A host mapping that is not 2-byte aligned (never seen in
 * practice) falls back to a plain copy. These two are the only functions
 * here whose bodies `make prove` does not analyse (WP does not model the
 * builtins); their contracts are what the proof assumes: a load reads
 * those two bytes and returns any value at all, a store writes only them.
 */
/*@ requires \valid_read(p + (0 .. 1));
    assigns \nothing; */
static uint16_t load16_relaxed(const uint8_t *p)
{
	uint16_t value;

	if ((uintptr_t)p % sizeof(value) == 0)
		return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
	memcpy(&value, p, sizeof(value));
	return value;
}

/*@ requires \valid(p + (0 .. 1));
    assigns p[0 .. 1]; */
static void store16_relaxed(uint8_t *p, uint16_t value)
{
	if ((uintptr_t)p % sizeof(value) == 0)
		__atomic_store_n((uint16_t *)p, value, __ATOMIC_RELAXED);
	else
		memcpy(p, &value, sizeof(value));
}

/* The rings were checked at enable time; guest_mem_ptr() still bounds every access. */
/*@ requires \valid_read(vq) && guest_mem_ok(vq->mem) && \valid(value);
    assigns *value;
    ensures \result == \false || \result == \true; */
static bool ring_load16(const struct virtq *vq, uint64_t gpa, uint16_t *value)
{
	const uint8_t *p = guest_mem_ptr(vq->mem, gpa, 2);

	if (p == NULL)
		return false;
	*value = load16_relaxed(p);
	return true;
}

/*@ requires \valid_read(vq) && guest_mem_ok(vq->mem);
    assigns guest_mem_find(vq->mem, 0, gpa, 2)[0 .. 1]; */
static bool ring_store16(const struct virtq *vq, uint64_t gpa, uint16_t value)
{
	uint8_t *p = guest_mem_ptr(vq->mem, gpa, 2);

	if (p == NULL)
		return false;
	store16_relaxed(p, value);
	return true;
}

/*
 * Whether [gpa, gpa + len) lies in guest RAM; guest_mem_ptr() also refuses
 * a range that wraps past 2^64. (Its own contract is about the host
 * pointer, which the walkers do not need; this one keeps their proofs small.)
 */
/*@ requires \valid_read(vq) && guest_mem_ok(vq->mem);
    assigns \nothing;
    ensures \result ==> virtq_in_ram(vq->mem, gpa, len) && gpa + len <= UINT64_MAX + 1; */
static bool in_guest_ram(const struct virtq *vq, uint64_t gpa, uint64_t len)
{
	return guest_mem_ptr(vq->mem, gpa, len) != NULL;
}

void virtq_reset(struct virtq *vq, const struct guest_mem *mem)
{
	*vq = (struct virtq){.mem = mem};
}

/*
 * Besides the checks its header names, this requires the alignment 2.7
 * asks of the driver (descriptors 16, avail 2, used 4 bytes): the atomic
 * index accesses above rely on it. A bad size is reported as
 * VIRTQ_ERR_RING_ADDRESS too, since it makes the ring extents meaningless.
 *
 * On success the queue is ready and starts from index 0 on both rings:
 * a driver that enables a queue has just initialised its rings, whether
 * for the first time or after disabling the queue.
 */
int virtq_enable(struct virtq *vq)
{
	uint16_t size = vq->size;

	if (vq->mem == NULL || size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) != 0)
		return -VIRTQ_ERR_RING_ADDRESS;
	if (vq->desc_gpa % 16 != 0 || vq->avail_gpa % 2 != 0 || vq->used_gpa % 4 != 0)
		return -VIRTQ_ERR_RING_ADDRESS;
	if (!in_guest_ram(vq, vq->desc_gpa, (uint64_t)DESC_SIZE * size) ||
	    !in_guest_ram(vq, vq->avail_gpa, avail_ring_bytes(size)) ||
	    !in_guest_ram(vq, vq->used_gpa, used_ring_bytes(size)))
		return -VIRTQ_ERR_RING_ADDRESS;
	vq->next_avail = 0;
	vq->next_used = 0;
	vq->last_signalled_used = 0;
	vq->signalled_valid = false;
	vq->ready = true;
	return 0;
}

/*
 * Reads entry `index` of the descriptor table at `table`, once: the fields
 * are checked on this copy, which the driver can no longer change.
 */
/*@ requires \valid_read(vq) && guest_mem_ok(vq->mem) && \valid(d);
    requires table + DESC_SIZE * (index + 1) <= UINT64_MAX + 1;
    assigns *d;
    ensures \result == 0 || \result == -VIRTQ_ERR_RING_ADDRESS; */
static int read_desc(const struct virtq *vq, uint64_t table, uint32_t index, struct desc *d)
{
	uint8_t raw[DESC_SIZE];

	if (guest_mem_read(vq->mem, table + (uint64_t)index * DESC_SIZE, raw, sizeof(raw)) < 0)
		return -VIRTQ_ERR_RING_ADDRESS;
	d->addr = load_le64(raw);
	d->len = load_le32(raw + 8);
	d->flags = load_le16(raw + 12);
	d->next = load_le16(raw + 14);
	return 0;
}

/*
 * Adds one buffer to the chain. Zero-length buffers are allowed (the spec
 * does not forbid them) but carry nothing, so they are left out of the
 * segment list and their address is not checked: a device never sees a
 * segment it could not map. They still count towards the chain length and
 * the readable-before-writable rule.
 */
/*@ requires \valid_read(vq) && guest_mem_ok(vq->mem) && \valid_read(d);
    requires \valid(chain) && \valid(seen_writable);
    requires \separated(chain, vq, vq->mem, d, seen_writable);
    requires virtq_chain_ok(chain) && chain_order(chain, *seen_writable);
    assigns chain->count, chain->readable_count, chain->readable_len, chain->writable_len,
	    chain->segments[0 .. VIRTQ_MAX_CHAIN - 1], *seen_writable;
    ensures \result == 0 ==> virtq_chain_ok(chain);
    ensures \result == 0 ==> chain_order(chain, *seen_writable);
    ensures walk_result(\result); */
static int add_segment(const struct virtq *vq, struct virtq_chain *chain, const struct desc *d,
		       bool *seen_writable)
{
	bool writable = (d->flags & VIRTQ_DESC_F_WRITE) != 0;

	if (!writable && *seen_writable)
		return -VIRTQ_ERR_ORDER;
	*seen_writable = *seen_writable || writable;
	if (d->len == 0)
		return 0;
	if (!in_guest_ram(vq, d->addr, d->len))
		return -VIRTQ_ERR_BUFFER_ADDRESS;
	/* What the device is handed lies in guest RAM: proven here, where it is added. */
	//@ assert segment_in_ram: virtq_in_ram(vq->mem, d->addr, d->len);
	if (chain->count == VIRTQ_MAX_CHAIN)
		return -VIRTQ_ERR_CHAIN_TOO_LONG;
	chain->segments[chain->count].gpa = d->addr;
	chain->segments[chain->count].len = d->len;
	chain->segments[chain->count].device_writes = writable;
	chain->count++;
	if (writable) {
		chain->writable_len += d->len;
	} else {
		chain->readable_len += d->len;
		chain->readable_count = chain->count;
	}
	return 0;
}

/*
 * Walks an indirect table (2.7.5.3): a non-zero multiple of 16 bytes, at
 * most VIRTQ_MAX_CHAIN entries, in guest memory, starting at entry 0 and
 * following next fields inside the table. `visited` counts descriptors of
 * the whole request, so a table cannot be used to exceed VIRTQ_MAX_CHAIN.
 */
/*@ requires \valid_read(vq) && guest_mem_ok(vq->mem) && \valid(chain) && \valid_read(ind);
    requires \separated(chain, vq, vq->mem, ind);
    requires virtq_chain_ok(chain) && chain_order(chain, seen_writable);
    requires visited <= VIRTQ_MAX_CHAIN;
    assigns chain->count, chain->readable_count, chain->readable_len, chain->writable_len,
	    chain->segments[0 .. VIRTQ_MAX_CHAIN - 1];
    ensures \result == 0 ==> virtq_chain_ok(chain);
    ensures walk_result(\result); */
static int walk_indirect(const struct virtq *vq, const struct desc *ind, struct virtq_chain *chain,
			 unsigned visited, bool seen_writable)
{
	uint64_t table = ind->addr;
	uint32_t entries = ind->len / DESC_SIZE;
	uint32_t i = 0;

	if (!vq->indirect || (ind->flags & VIRTQ_DESC_F_NEXT) != 0)
		return -VIRTQ_ERR_INDIRECT;
	if (ind->len == 0 || ind->len % DESC_SIZE != 0 || entries > VIRTQ_MAX_CHAIN)
		return -VIRTQ_ERR_INDIRECT;
	if (!in_guest_ram(vq, table, ind->len))
		return -VIRTQ_ERR_BUFFER_ADDRESS;
	//@ assert table_fits: table + DESC_SIZE * entries <= UINT64_MAX + 1;
	/*@ loop invariant 0 <= in_table <= entries;
	    loop invariant i < entries;
	    loop invariant visited <= VIRTQ_MAX_CHAIN;
	    loop invariant virtq_chain_ok(chain) && chain_order(chain, seen_writable);
	    loop assigns in_table, i, visited, seen_writable, chain->count, chain->readable_count,
			 chain->readable_len, chain->writable_len,
			 chain->segments[0 .. VIRTQ_MAX_CHAIN - 1];
	    loop variant entries - in_table; */
	for (uint32_t in_table = 0;; in_table++) {
		struct desc d;
		int err;

		/* More steps than entries means the next fields form a loop. */
		if (in_table == entries || visited == VIRTQ_MAX_CHAIN)
			return -VIRTQ_ERR_CHAIN_TOO_LONG;
		visited++;
		//@ assert inside_indirect_table: i < entries;
		err = read_desc(vq, table, i, &d);
		if (err < 0)
			return err;
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return -VIRTQ_ERR_INDIRECT; /* one table per request */
		err = add_segment(vq, chain, &d, &seen_writable);
		if (err < 0)
			return err;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= entries)
			return -VIRTQ_ERR_NEXT_INDEX;
		i = d.next;
	}
}

/*
 * Flattens the chain starting at descriptor `head`: zero or more direct
 * descriptors, optionally ending in one that refers to an indirect table
 * (2.7.5.3: the device must handle that mix). The WRITE flag of the
 * descriptor naming a table is ignored, as that section requires.
 */
/*@ requires virtq_ok(vq) && vq->ready && head < vq->size;
    requires \valid(chain) && \separated(chain, vq, vq->mem);
    assigns *chain;
    ensures \result == 0 ==> virtq_chain_ok(chain) && chain->head == head;
    ensures walk_result(\result); */
static int walk_chain(const struct virtq *vq, uint16_t head, struct virtq_chain *chain)
{
	unsigned limit = vq->size < VIRTQ_MAX_CHAIN ? vq->size : VIRTQ_MAX_CHAIN;
	unsigned direct = 0, visited = 0;
	bool seen_writable = false;
	uint16_t i = head;

	chain->head = head;
	chain->count = 0;
	chain->readable_count = 0;
	chain->readable_len = 0;
	chain->writable_len = 0;
	/*@ loop invariant 0 <= visited <= direct <= limit <= vq->size && i < vq->size;
	    loop invariant virtq_chain_ok(chain) && chain_order(chain, seen_writable);
	    loop invariant chain->head == head;
	    loop assigns direct, visited, i, seen_writable, chain->count, chain->readable_count,
			 chain->readable_len, chain->writable_len,
			 chain->segments[0 .. VIRTQ_MAX_CHAIN - 1];
	    loop variant limit - direct; */
	for (;;) {
		struct desc d;
		int err;

		/* A chain longer than the table must revisit a descriptor: a loop. */
		if (direct == limit)
			return -VIRTQ_ERR_CHAIN_TOO_LONG;
		direct++;
		//@ assert inside_descriptor_table: i < vq->size;
		err = read_desc(vq, vq->desc_gpa, i, &d);
		if (err < 0)
			return err;
		/* The descriptor naming a table is not a buffer: not counted. */
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return walk_indirect(vq, &d, chain, visited, seen_writable);
		visited++;
		err = add_segment(vq, chain, &d, &seen_writable);
		if (err < 0)
			return err;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= vq->size)
			return -VIRTQ_ERR_NEXT_INDEX;
		i = d.next;
	}
}

int virtq_next_chain(struct virtq *vq, struct virtq_chain *chain)
{
	uint16_t avail_idx, head;
	int err;

	if (!vq->ready)
		return -VIRTQ_ERR_NOT_READY;
	if (!ring_load16(vq, vq->avail_gpa + AVAIL_IDX, &avail_idx))
		return -VIRTQ_ERR_RING_ADDRESS;
	if (avail_idx == vq->next_avail)
		return 0;
	/* The driver can have at most `size` requests outstanding. */
	if ((uint16_t)(avail_idx - vq->next_avail) > vq->size)
		return -VIRTQ_ERR_AVAIL_JUMP;
	/* Pairs with the driver's write barrier before its avail->idx store. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (!ring_load16(
		vq, vq->avail_gpa + AVAIL_RING + 2u * (uint64_t)(vq->next_avail % vq->size), &head))
		return -VIRTQ_ERR_RING_ADDRESS;
	if (head >= vq->size)
		return -VIRTQ_ERR_HEAD_INDEX;
	err = walk_chain(vq, head, chain);
	if (err < 0)
		return err;
	vq->next_avail++;
	return 1;
}

/*
 * The used ring is found once, whole, so that every store below goes
 * through that one pointer: the proof then says directly which guest
 * bytes the publication may change (used->idx and the ring entries).
 */
int virtq_push_used_batch(struct virtq *vq, const struct virtq_used_elem *elems, unsigned count)
{
	uint8_t *used;

	if (!vq->ready)
		return -VIRTQ_ERR_NOT_READY;
	if (count > vq->size)
		return -VIRTQ_ERR_USED_INDEX;
	used = guest_mem_ptr(vq->mem, vq->used_gpa, used_ring_bytes(vq->size));
	if (used == NULL)
		return -VIRTQ_ERR_RING_ADDRESS;
	/*@ loop invariant 0 <= i <= count;
	    loop assigns i, used[USED_RING .. USED_RING + USED_ELEM_SIZE * vq->size - 1];
	    loop variant count - i; */
	for (unsigned i = 0; i < count; i++) {
		uint8_t *elem =
		    used + USED_RING + USED_ELEM_SIZE * ((uint16_t)(vq->next_used + i) % vq->size);

		if (elems[i].head >= vq->size)
			return -VIRTQ_ERR_USED_INDEX;
		store_le32(elem, elems[i].head);
		store_le32(elem + 4, elems[i].written);
	}
	/* The elements must be visible before the index that hands them over. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	store16_relaxed(used + USED_IDX, (uint16_t)(vq->next_used + count));
	vq->next_used = (uint16_t)(vq->next_used + count);
	return 0;
}

int virtq_push_used(struct virtq *vq, uint16_t head, uint32_t written)
{
	const struct virtq_used_elem elem = {.head = head, .written = written};

	return virtq_push_used_batch(vq, &elem, 1);
}

/*
 * last_signalled_used is updated on every call, not only when an interrupt
 * goes out: with EVENT_IDX the question is whether used_event lies among
 * the entries added since the previous check, [old, new). That narrow
 * window is what the driver's side of the formula assumes (2.7, used
 * buffer notification suppression), and a window that grew without bound
 * would wrap after 65536 entries.
 */
bool virtq_needs_interrupt(struct virtq *vq)
{
	uint16_t old = vq->last_signalled_used, new_idx = vq->next_used;
	bool valid = vq->signalled_valid;
	uint16_t value;

	if (!vq->ready)
		return false;
	/* used->idx (stored by virtq_push_used) before used_event or avail->flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->last_signalled_used = new_idx;
	vq->signalled_valid = true;
	if (valid && old == new_idx)
		return false; /* nothing new since the last decision */
	if (vq->event_idx) {
		if (!ring_load16(vq, vq->avail_gpa + AVAIL_RING + 2u * (uint64_t)vq->size, &value))
			return true;
		/* The first decision has no window yet: interrupt to be safe. */
		return !valid || (uint16_t)(new_idx - value - 1) < (uint16_t)(new_idx - old);
	}
	if (!ring_load16(vq, vq->avail_gpa + AVAIL_FLAGS, &value))
		return true;
	return (value & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
}

/*
 * Devices call this when they find the queue empty and then look once
 * more (see virtio/blk.c): a request posted after that look, but before
 * the driver saw the new avail_event, would otherwise never be notified.
 * The full fence orders this store before the device's next load of
 * avail->idx, the mirror image of the driver's fence.
 */
void virtq_publish_avail_event(struct virtq *vq)
{
	if (!vq->ready || !vq->event_idx)
		return;
	ring_store16(vq, vq->used_gpa + USED_RING + (uint64_t)USED_ELEM_SIZE * vq->size,
		     vq->next_avail);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Copies between the host and the chain's readable (or writable) segments
 * seen as one buffer: into `to_host`, or from `from_host` when that is set.
 * The whole range is checked against the segment lengths first, so a
 * request that does not fit copies nothing.
 */
static int chain_copy(const struct virtq *vq, const struct virtq_chain *chain, bool writable,
		      uint64_t offset, uint8_t *to_host, const uint8_t *from_host, size_t len)
{
	uint64_t total = writable ? chain->writable_len : chain->readable_len;
	unsigned first = writable ? chain->readable_count : 0;
	unsigned end = writable ? chain->count : chain->readable_count;
	size_t done = 0;

	if (offset > total || len > total - offset)
		return -VIRTQ_ERR_BUFFER_ADDRESS;
	for (unsigned i = first; i < end && done < len; i++) {
		const struct virtq_segment *seg = &chain->segments[i];
		uint64_t n;
		int err;

		if (offset >= seg->len) {
			offset -= seg->len;
			continue;
		}
		n = seg->len - offset;
		if (n > len - done)
			n = len - done;
		if (from_host != NULL)
			err = guest_mem_write(vq->mem, seg->gpa + offset, from_host + done,
					      (size_t)n);
		else
			err = guest_mem_read(vq->mem, seg->gpa + offset, to_host + done, (size_t)n);
		if (err < 0)
			return -VIRTQ_ERR_BUFFER_ADDRESS;
		done += (size_t)n;
		offset = 0;
	}
	return done == len ? 0 : -VIRTQ_ERR_BUFFER_ADDRESS;
}

int virtq_chain_read(const struct virtq *vq, const struct virtq_chain *chain, uint64_t offset,
		     void *dst, size_t len)
{
	return chain_copy(vq, chain, false, offset, dst, NULL, len);
}

int virtq_chain_write(const struct virtq *vq, const struct virtq_chain *chain, uint64_t offset,
		      const void *src, size_t len)
{
	return chain_copy(vq, chain, true, offset, NULL, src, len);
}
