/* SPDX-License-Identifier: Apache-2.0 */
/* The block request queue's two ends; the layout is in block_queue.h. */
#include "host/sel4/block_queue.h"

#include "core/errors.h"
#include "core/string.h"

_Static_assert(sizeof(struct blkq_header) <= BLKQ_REQUESTS_OFFSET, "header overlaps requests");
_Static_assert(sizeof(struct blkq_request) == 32, "request entries are 32 bytes");
_Static_assert(sizeof(struct blkq_response) == 16, "response entries are 16 bytes");
_Static_assert(BLKQ_RESPONSES_OFFSET + BLKQ_RING_ENTRIES * sizeof(struct blkq_response) <=
		   BLKQ_QUEUE_REGION_SIZE,
	       "the rings fit the queue region");

/* The largest slice one request moves: lengths are 32-bit. */
#define BLKQ_MAX_CHUNK (1u << 30)

static uint32_t load_acquire(const uint32_t *index)
{
	return __atomic_load_n(index, __ATOMIC_ACQUIRE);
}

static void store_release(uint32_t *index, uint32_t value)
{
	__atomic_store_n(index, value, __ATOMIC_RELEASE);
}

static struct blkq_request *ring_requests(void *queue)
{
	return (struct blkq_request *)((uint8_t *)queue + BLKQ_REQUESTS_OFFSET);
}

static struct blkq_response *ring_responses(void *queue)
{
	return (struct blkq_response *)((uint8_t *)queue + BLKQ_RESPONSES_OFFSET);
}

/* ---- the client ---- */

int blkq_client_init(struct blkq_client *c, void *queue, size_t queue_size, void *data,
		     size_t data_size, int (*kick)(void *ctx), void *kick_ctx)
{
	struct blkq_header *h = queue;

	if (queue == NULL || queue_size < BLKQ_QUEUE_REGION_SIZE || data == NULL ||
	    data_size < sizeof(struct blkq_info) || data_size < VIRTIO_BLK_SECTOR_SIZE ||
	    kick == NULL)
		return -SVMM_EINVAL;
	*c = (struct blkq_client){
	    .header = h,
	    .requests = ring_requests(queue),
	    .responses = ring_responses(queue),
	    .data = data,
	    /* Whole sectors, so chunks of a transfer stay sector-aligned. */
	    .data_size = data_size - data_size % VIRTIO_BLK_SECTOR_SIZE,
	    .kick = kick,
	    .kick_ctx = kick_ctx,
	    .next_id = 1,
	};
	memset(queue, 0, BLKQ_QUEUE_REGION_SIZE);
	h->version = BLKQ_VERSION;
	h->entries = BLKQ_RING_ENTRIES;
	/* Published last: the server serves nothing before the header is whole. */
	store_release(&h->magic, BLKQ_MAGIC);
	return 0;
}

/*
 * Posts one request whose data slice starts at the data region's start,
 * kicks the server and takes its response. 0 or a negative SVMM error.
 */
static int blkq_call(struct blkq_client *c, uint32_t op, uint64_t offset, uint32_t length)
{
	struct blkq_header *h = c->header;
	uint32_t id = c->next_id++;
	uint32_t head = h->req_head;
	uint32_t rtail = h->resp_tail;
	bool answered = false;
	struct blkq_response mine = {0};
	int err;

	if (head - load_acquire(&h->req_tail) >= BLKQ_RING_ENTRIES)
		return -SVMM_EBUSY; /* the server has stopped taking requests */
	c->requests[head % BLKQ_RING_ENTRIES] = (struct blkq_request){
	    .id = id, .op = op, .offset = offset, .data = 0, .length = length};
	store_release(&h->req_head, head + 1);
	err = c->kick(c->kick_ctx);
	if (err < 0)
		return err;
	/* Take every response there is: one left from a request that timed out goes too. */
	for (uint32_t rhead = load_acquire(&h->resp_head); rtail != rhead; rtail++) {
		struct blkq_response resp = c->responses[rtail % BLKQ_RING_ENTRIES];

		if (resp.id == id) {
			mine = resp;
			answered = true;
		}
	}
	store_release(&h->resp_tail, rtail);
	if (!answered)
		return -SVMM_EIO;
	if (mine.status == BLKQ_ENOTSUP)
		return -SVMM_ENOTSUP;
	if (mine.status != BLKQ_OK || mine.length != length)
		return -SVMM_EIO;
	return 0;
}

int blkq_client_info(struct blkq_client *c, struct blkq_info *info)
{
	int err = blkq_call(c, BLKQ_OP_INFO, 0, sizeof(*info));

	if (err == 0)
		memcpy(info, c->data, sizeof(*info));
	return err;
}

/* Copies between the segments' bytes [pos, pos + len) and `buf`. */
static void segs_copy(const struct blk_io_segment *segs, unsigned count, size_t pos, uint8_t *buf,
		      size_t len, bool to_segs)
{
	for (unsigned i = 0; i < count && len > 0; i++) {
		size_t n;

		if (pos >= segs[i].len) {
			pos -= segs[i].len;
			continue;
		}
		n = segs[i].len - pos;
		if (n > len)
			n = len;
		if (to_segs)
			memcpy((uint8_t *)segs[i].base + pos, buf, n);
		else
			memcpy(buf, (uint8_t *)segs[i].base + pos, n);
		buf += n;
		len -= n;
		pos = 0;
	}
}

/* A read or write in chunks of at most the data region. */
static int blkq_rw(struct blkq_client *c, uint32_t op, uint64_t offset,
		   const struct blk_io_segment *segs, unsigned count)
{
	size_t total = 0, done = 0;

	for (unsigned i = 0; i < count; i++)
		total += segs[i].len;
	while (done < total) {
		size_t chunk = total - done;
		int err;

		if (chunk > c->data_size)
			chunk = c->data_size;
		if (chunk > BLKQ_MAX_CHUNK)
			chunk = BLKQ_MAX_CHUNK;
		if (op == BLKQ_OP_WRITE)
			segs_copy(segs, count, done, c->data, chunk, false);
		err = blkq_call(c, op, offset + done, (uint32_t)chunk);
		if (err < 0)
			return err;
		if (op == BLKQ_OP_READ)
			segs_copy(segs, count, done, c->data, chunk, true);
		done += chunk;
	}
	return 0;
}

static int blkq_read(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count)
{
	return blkq_rw(ctx, BLKQ_OP_READ, offset, segs, count);
}

static int blkq_write(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count)
{
	return blkq_rw(ctx, BLKQ_OP_WRITE, offset, segs, count);
}

static int blkq_flush(void *ctx)
{
	return blkq_call(ctx, BLKQ_OP_FLUSH, 0, 0);
}

static const struct blk_backend_ops blkq_ops = {
    .read = blkq_read,
    .write = blkq_write,
    .flush = blkq_flush,
};

void blkq_client_backend(struct blkq_client *c, const struct blkq_info *info,
			 struct blk_backend *backend)
{
	*backend = (struct blk_backend){
	    .ops = &blkq_ops,
	    .ctx = c,
	    .capacity_bytes = info->capacity,
	    .readonly = (info->flags & BLKQ_INFO_READONLY) != 0,
	};
	memcpy(backend->serial, info->serial, sizeof(backend->serial));
}

/* ---- the server ---- */

static struct blkq_response serve_one(const struct blkq_request *req, uint8_t *data,
				      size_t data_size, const struct blkq_disk *disk)
{
	struct blkq_response resp = {.id = req->id, .status = BLKQ_EINVAL};
	uint8_t *slice;

	if (req->data > data_size || req->length > data_size - req->data)
		return resp;
	slice = data + req->data;
	switch (req->op) {
	case BLKQ_OP_INFO: {
		struct blkq_info info = {
		    .capacity = disk->size,
		    .flags = disk->readonly ? BLKQ_INFO_READONLY : 0,
		};

		if (req->length < sizeof(info))
			return resp;
		memcpy(info.serial, disk->serial, sizeof(info.serial));
		memcpy(slice, &info, sizeof(info));
		resp.length = sizeof(info);
		break;
	}
	case BLKQ_OP_READ:
	case BLKQ_OP_WRITE:
		if (req->offset > disk->size || req->length > disk->size - req->offset)
			return resp;
		if (req->op == BLKQ_OP_WRITE && disk->readonly) {
			resp.status = BLKQ_ENOTSUP;
			return resp;
		}
		if (req->op == BLKQ_OP_READ)
			memcpy(slice, disk->bytes + req->offset, req->length);
		else
			memcpy(disk->bytes + req->offset, slice, req->length);
		resp.length = req->length;
		break;
	case BLKQ_OP_FLUSH:
		/* The disk is memory: a completed write is as stable as it gets. */
		break;
	default:
		resp.status = BLKQ_ENOTSUP;
		return resp;
	}
	resp.status = BLKQ_OK;
	return resp;
}

unsigned blkq_serve(void *queue, size_t queue_size, uint8_t *data, size_t data_size,
		    const struct blkq_disk *disk)
{
	struct blkq_header *h = queue;
	struct blkq_request *requests = ring_requests(queue);
	struct blkq_response *responses = ring_responses(queue);
	unsigned served = 0;
	uint32_t tail, rhead;

	if (queue == NULL || queue_size < BLKQ_QUEUE_REGION_SIZE ||
	    load_acquire(&h->magic) != BLKQ_MAGIC || h->version != BLKQ_VERSION ||
	    h->entries != BLKQ_RING_ENTRIES)
		return 0;
	tail = h->req_tail;
	rhead = h->resp_head;
	for (;;) {
		uint32_t head = load_acquire(&h->req_head);
		struct blkq_request req;
		struct blkq_response resp;

		/* Empty, or indices no producer could have written: stop. */
		if (head == tail || head - tail > BLKQ_RING_ENTRIES)
			break;
		if (rhead - load_acquire(&h->resp_tail) >= BLKQ_RING_ENTRIES)
			break; /* no room for the response */
		/* One copy: svmm may rewrite the entry while it is checked. */
		req = requests[tail % BLKQ_RING_ENTRIES];
		resp = serve_one(&req, data, data_size, disk);
		responses[rhead % BLKQ_RING_ENTRIES] = resp;
		store_release(&h->resp_head, ++rhead);
		store_release(&h->req_tail, ++tail);
		served++;
	}
	return served;
}
