/* SPDX-License-Identifier: Apache-2.0 */
#include "host/sel4/console_queue.h"

#include "core/errors.h"
#include "core/string.h"

_Static_assert(sizeof(struct conq_header) == CONQ_OUT_OFFSET, "header fills its slot");
_Static_assert(CONQ_IN_OFFSET + CONQ_IN_SIZE <= CONQ_REGION_SIZE, "rings fit the region");

static uint32_t load_acquire(const uint32_t *index)
{
	return __atomic_load_n(index, __ATOMIC_ACQUIRE);
}

static void store_release(uint32_t *index, uint32_t value)
{
	__atomic_store_n(index, value, __ATOMIC_RELEASE);
}

static void set_rings(struct conq *q, void *region)
{
	q->header = region;
	q->out = (uint8_t *)region + CONQ_OUT_OFFSET;
	q->in = (uint8_t *)region + CONQ_IN_OFFSET;
}

int conq_client_init(struct conq *q, void *region, size_t size)
{
	if (region == NULL || size < CONQ_REGION_SIZE)
		return -SVMM_EINVAL;
	set_rings(q, region);
	memset(region, 0, CONQ_OUT_OFFSET);
	q->header->version = CONQ_VERSION;
	q->header->state = CONQ_STATE_BOOTING;
	store_release(&q->header->magic, CONQ_MAGIC);
	return 0;
}

int conq_server_attach(struct conq *q, void *region, size_t size)
{
	const struct conq_header *header = region;

	if (region == NULL || size < CONQ_REGION_SIZE ||
	    load_acquire(&header->magic) != CONQ_MAGIC || header->version != CONQ_VERSION)
		return -SVMM_EINVAL;
	set_rings(q, region);
	return 0;
}

/* Producer side of one ring: copies what fits, then publishes it. */
static size_t ring_put(uint8_t *ring, uint32_t size, uint32_t *head, const uint32_t *tail,
		       const uint8_t *data, size_t len)
{
	uint32_t h = *head;
	uint32_t used = h - load_acquire(tail);
	size_t room = used > size ? 0 : size - used;
	size_t n = len < room ? len : room;

	for (size_t i = 0; i < n; i++)
		ring[(h + i) % size] = data[i];
	store_release(head, h + (uint32_t)n);
	return n;
}

/* Consumer side: takes what is there (never more than the ring holds), then frees it. */
static size_t ring_get(const uint8_t *ring, uint32_t size, const uint32_t *head, uint32_t *tail,
		       uint8_t *data, size_t max)
{
	uint32_t t = *tail;
	uint32_t avail = load_acquire(head) - t;
	size_t n;

	/* A hostile peer's head beyond the ring: take nothing rather than garbage. */
	if (avail > size)
		return 0;
	n = avail < max ? avail : max;
	for (size_t i = 0; i < n; i++)
		data[i] = ring[(t + i) % size];
	store_release(tail, t + (uint32_t)n);
	return n;
}

size_t conq_write_output(struct conq *q, const uint8_t *data, size_t len)
{
	size_t n =
	    ring_put(q->out, CONQ_OUT_SIZE, &q->header->out_head, &q->header->out_tail, data, len);

	if (n < len)
		q->header->out_dropped += (uint32_t)(len - n);
	return n;
}

size_t conq_read_input(struct conq *q, uint8_t *data, size_t max)
{
	return ring_get(q->in, CONQ_IN_SIZE, &q->header->in_head, &q->header->in_tail, data, max);
}

void conq_set_state(struct conq *q, enum conq_vm_state state)
{
	store_release(&q->header->state, (uint32_t)state);
}

size_t conq_read_output(struct conq *q, uint8_t *data, size_t max)
{
	return ring_get(q->out, CONQ_OUT_SIZE, &q->header->out_head, &q->header->out_tail, data,
			max);
}

size_t conq_write_input(struct conq *q, const uint8_t *data, size_t len)
{
	return ring_put(q->in, CONQ_IN_SIZE, &q->header->in_head, &q->header->in_tail, data, len);
}

enum conq_vm_state conq_state(const struct conq *q)
{
	return (enum conq_vm_state)load_acquire(&q->header->state);
}
