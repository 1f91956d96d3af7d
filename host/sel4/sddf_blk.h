/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seL4 Device Driver Framework (sDDF) block queues, as au-ts/sddf 0.7.0
 * lays them out (include/sddf/blk/queue.h, storage_info.h), written here
 * from that format so that sDDF's own block drivers and svmm's can take
 * each other's place. docs/sel4-block-queue.md has the layout with its
 * offsets; the _Static_asserts in sddf_blk.c pin it.
 *
 * Three regions join a client (svmm) and a server (a driver PD, later a
 * block virtualiser), plus the client's data region:
 *
 *   storage info   what the device is; the server fills it, then sets ready
 *   request queue  head, tail, plugged, then `capacity` struct sddf_blk_req
 *   response queue head, tail, then `capacity` struct sddf_blk_resp
 *   data           the bytes of transfers: a request names a slice of it by
 *                  offset (io_or_offset), in SDDF_BLK_TRANSFER_SIZE units
 *
 * Each queue is a single-producer single-consumer ring with free-running
 * 32-bit indices: the producer writes an entry at tail % capacity and then
 * increments tail (release); the consumer reads the entry at head %
 * capacity and then increments head. Empty when head == tail, full when
 * tail - head == capacity. The capacity is not in the regions: both ends
 * are configured with it (here SDDF_BLK_QUEUE_CAPACITY, from the SDF's
 * region sizes).
 *
 * Signalling is by notification: the client notifies the server after
 * enqueueing requests, the server notifies the client after enqueueing
 * responses. Neither end waits for the other inside a call.
 *
 * The functions here are pure (no Microkit): tests/unit/test_sddf_blk.c
 * runs both ends in one process. The server end trusts nothing in the
 * shared regions: the indices may be anything, so it copies each entry
 * out once before checking it.
 */
#ifndef SVMM_HOST_SEL4_SDDF_BLK_H
#define SVMM_HOST_SEL4_SDDF_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The unit of block_number, count and capacity. */
#define SDDF_BLK_TRANSFER_SIZE 4096u

#define SDDF_BLK_STORAGE_INFO_REGION_SIZE 0x1000u
#define SDDF_BLK_MAX_SERIAL_NUMBER	  63u

/* Request codes (blk_req_code_t). */
enum sddf_blk_req_code {
	SDDF_BLK_REQ_READ = 0,
	SDDF_BLK_REQ_WRITE = 1,
	SDDF_BLK_REQ_FLUSH = 2,
	SDDF_BLK_REQ_BARRIER = 3,
};

/* Response status (blk_resp_status_t). */
enum sddf_blk_resp_status {
	SDDF_BLK_RESP_OK = 0,
	SDDF_BLK_RESP_ERR_UNSPEC = 1,
	SDDF_BLK_RESP_ERR_INVALID_PARAM = 2,
	SDDF_BLK_RESP_ERR_IO = 3,
	SDDF_BLK_RESP_ERR_NO_DEVICE = 4,
};

/* One request, 32 bytes (C layout of sDDF's blk_req_t on AArch64). */
struct sddf_blk_req {
	uint32_t code;	       /* enum sddf_blk_req_code (a C enum: 4 bytes) */
	uint32_t pad0;	       /* alignment of the next field */
	uint64_t io_or_offset; /* offset of the transfer in the client's data region */
	uint64_t block_number; /* first block, in SDDF_BLK_TRANSFER_SIZE units */
	uint16_t count;	       /* blocks; 0 for FLUSH and BARRIER */
	uint16_t pad1;
	uint32_t id; /* echoed in the response */
};

/* One response, 12 bytes. */
struct sddf_blk_resp {
	uint32_t status;	/* enum sddf_blk_resp_status */
	uint16_t success_count; /* blocks moved */
	uint16_t pad;
	uint32_t id;
};

struct sddf_blk_req_queue {
	uint32_t head;	 /* consumer's */
	uint32_t tail;	 /* producer's */
	uint8_t plugged; /* C bool: the producer asks the consumer to hold off; unused here */
	uint8_t pad[7];
	struct sddf_blk_req entries[];
};

struct sddf_blk_resp_queue {
	uint32_t head;
	uint32_t tail;
	struct sddf_blk_resp entries[];
};

/* The storage info region's start (blk_storage_info_t), 88 bytes. */
struct sddf_blk_storage_info {
	char serial_number[SDDF_BLK_MAX_SERIAL_NUMBER + 1];
	uint8_t read_only; /* C bool */
	uint8_t ready;	   /* C bool, stored last with release */
	uint16_t sector_size;
	uint16_t block_size; /* optimal, in SDDF_BLK_TRANSFER_SIZE units */
	uint16_t queue_depth;
	uint16_t cylinders, heads, blocks;
	uint16_t pad;
	uint64_t capacity; /* in SDDF_BLK_TRANSFER_SIZE units */
};

/*
 * The capacity of svmm's queues: each queue is one 4 KiB region, so the
 * request queue holds (4096 - 16) / 32 entries; 64 keeps it a power of two.
 */
#define SDDF_BLK_QUEUE_CAPACITY	   64u
#define SDDF_BLK_QUEUE_REGION_SIZE 0x1000u

/* One end's view of a request and a response queue. */
struct sddf_blk_queues {
	struct sddf_blk_req_queue *req;
	struct sddf_blk_resp_queue *resp;
	uint32_t capacity;
};

/*
 * The queues in regions of `region_size` bytes each, `capacity` entries
 * (0 entries when the regions cannot hold them: every operation fails).
 */
void sddf_blk_queues_init(struct sddf_blk_queues *q, void *req_region, void *resp_region,
			  size_t region_size, uint32_t capacity);

/* Entries waiting in each queue, as the indices say (may exceed capacity if they lie). */
uint32_t sddf_blk_req_length(const struct sddf_blk_queues *q);
uint32_t sddf_blk_resp_length(const struct sddf_blk_queues *q);

/* Producer ends: 0, or -1 when the queue is full. */
int sddf_blk_enqueue_req(struct sddf_blk_queues *q, const struct sddf_blk_req *req);
int sddf_blk_enqueue_resp(struct sddf_blk_queues *q, const struct sddf_blk_resp *resp);

/*
 * Consumer ends: 0 with a copy of the oldest entry, or -1 when the queue
 * is empty or its indices are ones no honest producer writes (tail - head
 * > capacity), in which case nothing is taken.
 */
int sddf_blk_dequeue_req(struct sddf_blk_queues *q, struct sddf_blk_req *req);
int sddf_blk_dequeue_resp(struct sddf_blk_queues *q, struct sddf_blk_resp *resp);

/* The server publishes the device: every field, then ready (release). */
void sddf_blk_storage_publish(struct sddf_blk_storage_info *info,
			      const struct sddf_blk_storage_info *fields);
/* The client's check (acquire): true once the fields may be read. */
bool sddf_blk_storage_ready(const struct sddf_blk_storage_info *info);

/*
 * A server's check of a READ or WRITE request against its client's data
 * region and the device: the slice [io_or_offset, + count blocks) inside
 * data_size, the blocks inside capacity (blocks), count at least 1. The
 * status to answer with: SDDF_BLK_RESP_OK when the request may go on.
 */
enum sddf_blk_resp_status sddf_blk_check_transfer(const struct sddf_blk_req *req,
						  uint64_t data_size, uint64_t capacity);

#endif
