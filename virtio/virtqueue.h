/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The split virtqueue (virtio 1.2, section 2.7), device side, with
 * VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX.
 *
 * Everything in the rings is written by the guest and treated as hostile:
 * descriptor indices, addresses, lengths, flags, chain lengths and the
 * avail index are all checked before use, and guest memory is reached only
 * through core/guest_mem.h. A malformed ring makes virtq_next_chain()
 * return an error; the transport then marks the device NEEDS_RESET.
 */
#ifndef SVMM_VIRTIO_VIRTQUEUE_H
#define SVMM_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/guest_mem.h"

/* Largest queue this implementation offers (QueueNumMax). */
#define VIRTQ_MAX_SIZE 256
/*
 * Most segments one request may have, indirect ones included. Linux caps a
 * request at its queue size; with indirect tables it may use up to that
 * many per table, so the cap is the largest queue size.
 */
#define VIRTQ_MAX_CHAIN VIRTQ_MAX_SIZE

/* Descriptor flags (virtio 1.2, 2.7.5). */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4
/* avail->flags: the driver wants no interrupts (ignored once EVENT_IDX is on). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
/* used->flags: the device wants no notifications. */
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq {
	const struct guest_mem *mem;
	uint16_t size; /* QueueNum, a power of two up to VIRTQ_MAX_SIZE */
	bool ready;
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_F_INDIRECT_DESC negotiated */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t next_avail; /* next avail ring entry the device will take */
	uint16_t next_used;  /* the device's copy of used->idx */
	/* used->idx at the last virtq_needs_interrupt() decision, for EVENT_IDX. */
	uint16_t last_signalled_used;
	bool signalled_valid;
};

/* One guest buffer of a request. */
struct virtq_segment {
	uint64_t gpa;
	uint32_t len;
	bool device_writes;
};

/*
 * A request: a descriptor chain, flattened through any indirect table.
 * Zero-length descriptors are accepted but not listed: every segment has
 * len > 0 and lies wholly in guest memory.
 */
struct virtq_chain {
	uint16_t head; /* what goes back in the used ring */
	unsigned count;
	unsigned readable_count; /* segments [0, readable_count) are device-readable */
	uint64_t readable_len;	 /* bytes, sums of the two kinds of segment */
	uint64_t writable_len;
	struct virtq_segment segments[VIRTQ_MAX_CHAIN];
};

/*
 * The contracts below are ACSL, proven by `make prove` (Frama-C WP; the
 * README's "Proofs" section says under which assumptions). Guest memory is
 * never assumed to hold anything: every value read from it is arbitrary,
 * which is how the proof models a driver changing the rings at any time.
 */
/*@
  // [gpa, gpa + len) lies inside one guest RAM region.
  predicate virtq_in_ram(struct guest_mem *m, integer gpa, integer len) =
    \exists integer i; 0 <= i < m->count && m->regions[i].gpa <= gpa &&
      gpa + len <= m->regions[i].gpa + m->regions[i].size;

  // What virtq_enable establishes: a ready queue has a size up to
  // VIRTQ_MAX_SIZE and its three rings in guest RAM.
  predicate virtq_ok(struct virtq *vq) =
    \valid(vq) &&
    (vq->ready ==> guest_mem_ok(vq->mem) && \separated(vq, vq->mem) &&
       1 <= vq->size <= VIRTQ_MAX_SIZE &&
       virtq_in_ram(vq->mem, vq->desc_gpa, 16 * vq->size) &&
       virtq_in_ram(vq->mem, vq->avail_gpa, 6 + 2 * vq->size) &&
       virtq_in_ram(vq->mem, vq->used_gpa, 6 + 8 * vq->size));

  // What a device may rely on in a chain it is handed: at most
  // VIRTQ_MAX_CHAIN segments, each non-empty, the device-readable ones
  // first; the byte counts cannot overflow. (That each segment lies in
  // guest RAM is proven where virtqueue.c adds it, not carried here.)
  predicate virtq_chain_ok(struct virtq_chain *c) =
    c->readable_count <= c->count <= VIRTQ_MAX_CHAIN &&
    c->readable_len <= c->count * 0xffffffff && c->writable_len <= c->count * 0xffffffff &&
    \forall integer k; 0 <= k < c->count ==>
      c->segments[k].len > 0 && (c->segments[k].device_writes != 0 <==> k >= c->readable_count);
*/

/* Why a ring was rejected (also how tests tell the cases apart). */
enum virtq_error {
	VIRTQ_OK = 0,
	VIRTQ_ERR_NOT_READY = 1,
	VIRTQ_ERR_RING_ADDRESS,	  /* a ring is not inside guest memory */
	VIRTQ_ERR_AVAIL_JUMP,	  /* avail->idx moved by more than the queue size */
	VIRTQ_ERR_HEAD_INDEX,	  /* a ring entry names a descriptor past the table */
	VIRTQ_ERR_NEXT_INDEX,	  /* a next field names a descriptor past the table */
	VIRTQ_ERR_CHAIN_TOO_LONG, /* a loop, or more segments than the queue allows */
	VIRTQ_ERR_BUFFER_ADDRESS, /* a buffer is not inside guest memory, or wraps */
	VIRTQ_ERR_INDIRECT,	  /* indirect not negotiated, nested, bad size, or with NEXT */
	VIRTQ_ERR_ORDER,	  /* a device-readable segment after a writable one */
	VIRTQ_ERR_USED_INDEX,	  /* a used element names a head past the table */
};

/* Resets to the unconfigured state (size 0, not ready). */
/*@ requires \valid(vq);
    assigns *vq;
    ensures vq->mem == mem && vq->size == 0 && !vq->ready; */
void virtq_reset(struct virtq *vq, const struct guest_mem *mem);

/*
 * Checks that the three rings of a queue being enabled lie in guest memory
 * (aligned as 2.7 asks: descriptors 16, avail 2, used 4 bytes) and that the
 * size is a power of two up to VIRTQ_MAX_SIZE: 0, or a negative enum
 * virtq_error (-VIRTQ_ERR_RING_ADDRESS, for a bad size too). On success
 * the queue is ready and both indices restart at 0; set event_idx and
 * indirect before calling it.
 */
/*@ requires \valid(vq) && (vq->mem != \null ==> guest_mem_ok(vq->mem) && \separated(vq, vq->mem));
    assigns vq->next_avail, vq->next_used, vq->last_signalled_used, vq->signalled_valid,
	    vq->ready;
    ensures \result == 0 || \result == -VIRTQ_ERR_RING_ADDRESS;
    ensures \result == 0 ==> vq->ready && virtq_ok(vq); */
int virtq_enable(struct virtq *vq);

/*
 * Takes the next available request: 1 and `chain` filled in, 0 when the
 * ring is empty, or a negative enum virtq_error when the guest broke the
 * ring (nothing is consumed then).
 */
/*@ requires virtq_ok(vq) && \valid(chain) && \separated(chain, vq, vq->mem);
    assigns vq->next_avail, *chain;
    ensures -VIRTQ_ERR_USED_INDEX <= \result <= 1;
    ensures \result == 1 ==> virtq_chain_ok(chain) && chain->head < vq->size;
    ensures \result != 1 ==> vq->next_avail == \old(vq->next_avail); */
int virtq_next_chain(struct virtq *vq, struct virtq_chain *chain);

/* A finished request: its head and the bytes written into its writable segments. */
struct virtq_used_elem {
	uint16_t head;
	uint32_t written;
};

/*
 * Returns a finished request to the driver, `written` bytes having been
 * written into its device-writable segments. 0 or -VIRTQ_ERR_*.
 */
/*@ requires virtq_ok(vq);
    assigns vq->next_used,
	    guest_mem_find(vq->mem, 0, vq->used_gpa, 6 + 8 * vq->size)[2 .. 4 + 8 * vq->size - 1];
    ensures virtq_ok(vq);
    ensures -VIRTQ_ERR_USED_INDEX <= \result <= 0; */
int virtq_push_used(struct virtq *vq, uint16_t head, uint32_t written);

/*
 * Returns `count` finished requests with a single used->idx update, so the
 * driver sees all of them or none: a frame spread over several receive
 * buffers (mergeable rx buffers) must not be seen in part by a driver
 * polling on another CPU. Nothing is published if any element is bad.
 * 0 or -VIRTQ_ERR_*. The only guest bytes it changes are used->idx and
 * the used ring's entries.
 */
/*@ requires virtq_ok(vq) && \valid_read(elems + (0 .. count - 1));
    assigns vq->next_used,
	    guest_mem_find(vq->mem, 0, vq->used_gpa, 6 + 8 * vq->size)[2 .. 4 + 8 * vq->size - 1];
    ensures virtq_ok(vq);
    ensures -VIRTQ_ERR_USED_INDEX <= \result <= 0; */
int virtq_push_used_batch(struct virtq *vq, const struct virtq_used_elem *elems, unsigned count);

/*
 * Whether the driver wants an interrupt for what was pushed since the
 * previous call (EVENT_IDX's used_event, or the NO_INTERRUPT flag). Each
 * call records where this decision was made; call it once per batch of
 * pushes and send the interrupt when it returns true.
 */
/*@ requires virtq_ok(vq);
    assigns vq->last_signalled_used, vq->signalled_valid;
    ensures virtq_ok(vq); */
bool virtq_needs_interrupt(struct virtq *vq);

/*
 * With EVENT_IDX, tells the driver to notify again once it adds anything
 * past what the device has taken (avail_event = next_avail); no-op
 * otherwise. Call it when virtq_next_chain() finds the queue empty, then
 * look once more: a request posted meanwhile would not be notified.
 */
/*@ requires virtq_ok(vq);
    // avail_event, at the end of the used ring
    assigns guest_mem_find(vq->mem, 0, vq->used_gpa + 4 + 8 * vq->size, 2)[0 .. 1]; */
void virtq_publish_avail_event(struct virtq *vq);

/*
 * Copy between a chain's segments and the host, as if the readable (or
 * writable) segments were one buffer: bytes [offset, offset + len). 0, or
 * -VIRTQ_ERR_BUFFER_ADDRESS when that range is not all there.
 */
int virtq_chain_read(const struct virtq *vq, const struct virtq_chain *chain, uint64_t offset,
		     void *dst, size_t len);
int virtq_chain_write(const struct virtq *vq, const struct virtq_chain *chain, uint64_t offset,
		      const void *src, size_t len);

#endif
