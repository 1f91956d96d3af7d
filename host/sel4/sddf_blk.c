/* SPDX-License-Identifier: Apache-2.0 */
/* sDDF's block queues, both ends; the layout is in sddf_blk.h and docs/sel4-block-queue.md. */
#include "host/sel4/sddf_blk.h"

#include "core/string.h"

/* sDDF 0.7.0's layout as GCC and Clang place its structs on AArch64. */
_Static_assert(sizeof(struct sddf_blk_req) == 32, "blk_req_t is 32 bytes");
_Static_assert(offsetof(struct sddf_blk_req, io_or_offset) == 8, "blk_req_t.io_or_offset");
_Static_assert(offsetof(struct sddf_blk_req, block_number) == 16, "blk_req_t.block_number");
_Static_assert(offsetof(struct sddf_blk_req, count) == 24, "blk_req_t.count");
_Static_assert(offsetof(struct sddf_blk_req, id) == 28, "blk_req_t.id");
_Static_assert(sizeof(struct sddf_blk_resp) == 12, "blk_resp_t is 12 bytes");
_Static_assert(offsetof(struct sddf_blk_resp, success_count) == 4, "blk_resp_t.success_count");
_Static_assert(offsetof(struct sddf_blk_resp, id) == 8, "blk_resp_t.id");
_Static_assert(offsetof(struct sddf_blk_req_queue, plugged) == 8, "blk_req_queue_t.plugged");
_Static_assert(offsetof(struct sddf_blk_req_queue, entries) == 16, "blk_req_queue_t.buffers");
_Static_assert(offsetof(struct sddf_blk_resp_queue, entries) == 8, "blk_resp_queue_t.buffers");
_Static_assert(offsetof(struct sddf_blk_storage_info, read_only) == 64, "storage_info.read_only");
_Static_assert(offsetof(struct sddf_blk_storage_info, ready) == 65, "storage_info.ready");
_Static_assert(offsetof(struct sddf_blk_storage_info, sector_size) == 66, "sector_size");
_Static_assert(offsetof(struct sddf_blk_storage_info, queue_depth) == 70, "queue_depth");
_Static_assert(offsetof(struct sddf_blk_storage_info, capacity) == 80, "storage_info.capacity");
_Static_assert(sizeof(struct sddf_blk_storage_info) == 88, "blk_storage_info_t is 88 bytes");
_Static_assert(sizeof(struct sddf_blk_req_queue) +
		       SDDF_BLK_QUEUE_CAPACITY * sizeof(struct sddf_blk_req) <=
		   SDDF_BLK_QUEUE_REGION_SIZE,
	       "svmm's request queue fits its region");

static uint32_t load_acquire(const uint32_t *index)
{
	return __atomic_load_n(index, __ATOMIC_ACQUIRE);
}

static void store_release(uint32_t *index, uint32_t value)
{
	__atomic_store_n(index, value, __ATOMIC_RELEASE);
}

void sddf_blk_queues_init(struct sddf_blk_queues *q, void *req_region, void *resp_region,
			  size_t region_size, uint32_t capacity)
{
	bool fits =
	    req_region != NULL && resp_region != NULL &&
	    region_size >= sizeof(struct sddf_blk_req_queue) &&
	    (region_size - sizeof(struct sddf_blk_req_queue)) / sizeof(struct sddf_blk_req) >=
		capacity;

	*q = (struct sddf_blk_queues){
	    .req = req_region, .resp = resp_region, .capacity = fits ? capacity : 0};
}

uint32_t sddf_blk_req_length(const struct sddf_blk_queues *q)
{
	return load_acquire(&q->req->tail) - load_acquire(&q->req->head);
}

uint32_t sddf_blk_resp_length(const struct sddf_blk_queues *q)
{
	return load_acquire(&q->resp->tail) - load_acquire(&q->resp->head);
}

int sddf_blk_enqueue_req(struct sddf_blk_queues *q, const struct sddf_blk_req *req)
{
	uint32_t tail = q->req->tail;

	if (q->capacity == 0 || tail - load_acquire(&q->req->head) >= q->capacity)
		return -1;
	q->req->entries[tail % q->capacity] = *req;
	store_release(&q->req->tail, tail + 1);
	return 0;
}

int sddf_blk_enqueue_resp(struct sddf_blk_queues *q, const struct sddf_blk_resp *resp)
{
	uint32_t tail = q->resp->tail;

	if (q->capacity == 0 || tail - load_acquire(&q->resp->head) >= q->capacity)
		return -1;
	q->resp->entries[tail % q->capacity] = *resp;
	store_release(&q->resp->tail, tail + 1);
	return 0;
}

int sddf_blk_dequeue_req(struct sddf_blk_queues *q, struct sddf_blk_req *req)
{
	uint32_t head = q->req->head;
	uint32_t waiting = load_acquire(&q->req->tail) - head;

	if (q->capacity == 0 || waiting == 0 || waiting > q->capacity)
		return -1;
	*req = q->req->entries[head % q->capacity];
	/* The copy is complete before the producer may reuse the slot. */
	store_release(&q->req->head, head + 1);
	return 0;
}

int sddf_blk_dequeue_resp(struct sddf_blk_queues *q, struct sddf_blk_resp *resp)
{
	uint32_t head = q->resp->head;
	uint32_t waiting = load_acquire(&q->resp->tail) - head;

	if (q->capacity == 0 || waiting == 0 || waiting > q->capacity)
		return -1;
	*resp = q->resp->entries[head % q->capacity];
	store_release(&q->resp->head, head + 1);
	return 0;
}

void sddf_blk_storage_publish(struct sddf_blk_storage_info *info,
			      const struct sddf_blk_storage_info *fields)
{
	__atomic_store_n(&info->ready, 0, __ATOMIC_RELEASE);
	memcpy(info->serial_number, fields->serial_number, sizeof(info->serial_number));
	info->serial_number[SDDF_BLK_MAX_SERIAL_NUMBER] = '\0';
	info->read_only = fields->read_only;
	info->sector_size = fields->sector_size;
	info->block_size = fields->block_size;
	info->queue_depth = fields->queue_depth;
	info->cylinders = fields->cylinders;
	info->heads = fields->heads;
	info->blocks = fields->blocks;
	info->capacity = fields->capacity;
	__atomic_store_n(&info->ready, 1, __ATOMIC_RELEASE);
}

bool sddf_blk_storage_ready(const struct sddf_blk_storage_info *info)
{
	return __atomic_load_n(&info->ready, __ATOMIC_ACQUIRE) != 0;
}

enum sddf_blk_resp_status sddf_blk_check_transfer(const struct sddf_blk_req *req,
						  uint64_t data_size, uint64_t capacity)
{
	uint64_t bytes = (uint64_t)req->count * SDDF_BLK_TRANSFER_SIZE;

	if (req->count == 0 || req->io_or_offset > data_size ||
	    bytes > data_size - req->io_or_offset)
		return SDDF_BLK_RESP_ERR_INVALID_PARAM;
	if (req->block_number > capacity || req->count > capacity - req->block_number)
		return SDDF_BLK_RESP_ERR_INVALID_PARAM;
	return SDDF_BLK_RESP_OK;
}
