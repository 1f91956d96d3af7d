/* SPDX-License-Identifier: Apache-2.0 */
/* svmm's sDDF block client; what it does and why it waits as it does is in sddf_blk_client.h. */
#include "host/sel4/sddf_blk_client.h"

#include "core/errors.h"
#include "core/string.h"

#define BLOCK SDDF_BLK_TRANSFER_SIZE

int sddf_blk_client_init(struct sddf_blk_client *c, const void *storage_info, void *req_region,
			 void *resp_region, void *data, size_t data_size, int (*wait)(void *ctx),
			 void *wait_ctx)
{
	if (storage_info == NULL || data == NULL || data_size < BLOCK || wait == NULL)
		return -SVMM_EINVAL;
	*c = (struct sddf_blk_client){
	    .info = storage_info,
	    .data = data,
	    /* count is 16 bits: no request moves more blocks than that. */
	    .data_blocks =
		data_size / BLOCK > UINT16_MAX ? UINT16_MAX : (uint32_t)(data_size / BLOCK),
	    .wait = wait,
	    .wait_ctx = wait_ctx,
	    .next_id = 1,
	};
	sddf_blk_queues_init(&c->queues, req_region, resp_region, SDDF_BLK_QUEUE_REGION_SIZE,
			     SDDF_BLK_QUEUE_CAPACITY);
	return c->queues.capacity == 0 ? -SVMM_EINVAL : 0;
}

/*
 * One request and its response: `count` blocks from `block` at data
 * offset `io` (count 0 for a flush). 0 or a negative SVMM error.
 */
static int blk_call(struct sddf_blk_client *c, enum sddf_blk_req_code code, uint64_t io,
		    uint64_t block, uint16_t count)
{
	struct sddf_blk_req req = {.code = code,
				   .io_or_offset = io,
				   .block_number = block,
				   .count = count,
				   .id = c->next_id++};
	struct sddf_blk_resp resp;

	if (c->failed)
		return -SVMM_EIO;
	/* One request at a time: a full queue means the server took none of the earlier ones. */
	if (sddf_blk_enqueue_req(&c->queues, &req) < 0) {
		c->failed = true;
		return -SVMM_EIO;
	}
	/*
	 * The wait returns once the response queue is not empty; one that still
	 * yields nothing (indices the server made up), or an answer to another
	 * request (only one is ever outstanding), is the server's fault.
	 */
	if (c->wait(c->wait_ctx) < 0 || sddf_blk_dequeue_resp(&c->queues, &resp) < 0 ||
	    resp.id != req.id) {
		c->failed = true;
		return -SVMM_EIO;
	}
	if (resp.status != SDDF_BLK_RESP_OK || resp.success_count != count)
		return -SVMM_EIO;
	return 0;
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

/*
 * A write's partial first and last blocks, read into the data region
 * where the write will take them whole: `skip` bytes of the first block
 * and the end of the last one (of `blocks`) lie outside the write of
 * `bytes`.
 */
static int read_partial_blocks(struct sddf_blk_client *c, uint64_t first, uint32_t blocks,
			       size_t skip, size_t bytes)
{
	int err = 0;

	if (skip != 0)
		err = blk_call(c, SDDF_BLK_REQ_READ, 0, first, 1);
	if (err == 0 && (skip + bytes) % BLOCK != 0 && (blocks > 1 || skip == 0))
		err = blk_call(c, SDDF_BLK_REQ_READ, (uint64_t)(blocks - 1) * BLOCK,
			       first + blocks - 1, 1);
	return err;
}

/* A read or write of [offset, + the segments' length) in chunks of at most the data region. */
static int blk_rw(struct sddf_blk_client *c, bool write, uint64_t offset,
		  const struct blk_io_segment *segs, unsigned count)
{
	size_t total = 0, done = 0;

	for (unsigned i = 0; i < count; i++)
		total += segs[i].len;
	while (done < total) {
		uint64_t pos = offset + done;
		uint64_t first = pos / BLOCK;
		size_t skip = (size_t)(pos % BLOCK);
		size_t left = total - done;
		uint64_t blocks = (skip + left + BLOCK - 1) / BLOCK;
		size_t bytes;
		int err;

		if (blocks > c->data_blocks)
			blocks = c->data_blocks;
		bytes = (size_t)blocks * BLOCK - skip;
		if (bytes > left)
			bytes = left;
		if (write) {
			err = read_partial_blocks(c, first, (uint32_t)blocks, skip, bytes);
			if (err < 0)
				return err;
			segs_copy(segs, count, done, c->data + skip, bytes, false);
		}
		err = blk_call(c, write ? SDDF_BLK_REQ_WRITE : SDDF_BLK_REQ_READ, 0, first,
			       (uint16_t)blocks);
		if (err < 0)
			return err;
		if (!write)
			segs_copy(segs, count, done, c->data + skip, bytes, true);
		done += bytes;
	}
	return 0;
}

static int client_read(void *ctx, uint64_t offset, const struct blk_io_segment *segs,
		       unsigned count)
{
	return blk_rw(ctx, false, offset, segs, count);
}

static int client_write(void *ctx, uint64_t offset, const struct blk_io_segment *segs,
			unsigned count)
{
	return blk_rw(ctx, true, offset, segs, count);
}

static int client_flush(void *ctx)
{
	return blk_call(ctx, SDDF_BLK_REQ_FLUSH, 0, 0, 0);
}

static const struct blk_backend_ops client_ops = {
    .read = client_read,
    .write = client_write,
    .flush = client_flush,
};

int sddf_blk_client_backend(struct sddf_blk_client *c, struct blk_backend *backend)
{
	const struct sddf_blk_storage_info *info = c->info;
	size_t serial_len = 0;

	if (!sddf_blk_storage_ready(info))
		return -SVMM_EBUSY;
	*backend = (struct blk_backend){
	    .ops = &client_ops,
	    .ctx = c,
	    /* A capacity past 2^64 bytes is no disk anyone has: keep what fits. */
	    .capacity_bytes = info->capacity > UINT64_MAX / BLOCK ? UINT64_MAX - UINT64_MAX % BLOCK
								  : info->capacity * BLOCK,
	    .readonly = info->read_only != 0,
	};
	while (serial_len < sizeof(backend->serial) && serial_len < SDDF_BLK_MAX_SERIAL_NUMBER &&
	       info->serial_number[serial_len] != '\0')
		serial_len++;
	memcpy(backend->serial, info->serial_number, serial_len);
	return 0;
}
