/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svmm on seL4's block backend: a shared-memory request queue between svmm
 * (the client, which owns the virtio-blk device model) and a block server
 * protection domain (today host/sel4/blk_server.c, serving a disk image
 * packaged into its program image; later a real driver PD can take its
 * place behind the same queue).
 *
 * Two Microkit memory regions are mapped into both protection domains:
 *
 *   queue region (BLKQ_QUEUE_REGION_SIZE, 4 KiB)
 *     0x000  struct blkq_header   magic, version, ring size, four indices
 *     0x040  request ring         BLKQ_RING_ENTRIES x struct blkq_request
 *     0x840  response ring        BLKQ_RING_ENTRIES x struct blkq_response
 *   data region (any multiple of 4 KiB)
 *     the bytes of the requests: a request names a slice [data, data +
 *     length) of it; svmm copies a write's bytes in before posting it and a
 *     read's bytes out after its response.
 *
 * Each ring is single-producer single-consumer with free-running 32-bit
 * indices (slot = index % BLKQ_RING_ENTRIES; empty when head == tail, full
 * when head - tail == BLKQ_RING_ENTRIES). svmm produces requests (writes
 * req_head) and consumes responses (writes resp_tail); the server consumes
 * requests (writes req_tail) and produces responses (writes resp_head). An
 * entry is written before the release store of the index that publishes
 * it, and read after the acquire load that found it. svmm initialises the
 * header; the server serves only a queue with the right magic and version.
 *
 * The kick: svmm makes a protected procedure call (microkit_ppcall) to the
 * server on their channel after posting requests. The server's protected()
 * entry serves every request in the ring before it returns, so when the call
 * returns the responses are there: the backend is synchronous, as the
 * virtio-blk model requires. Microkit only allows a PPC to a protection
 * domain of strictly higher priority, which config/sdf.c arranges. A
 * request without a response after the kick is failed with an I/O error.
 *
 * This file's functions are pure (no Microkit, no seL4): the kick is a
 * callback, so tests/unit/test_block_queue.c runs client and server in one
 * process.
 */
#ifndef SVMM_HOST_SEL4_BLOCK_QUEUE_H
#define SVMM_HOST_SEL4_BLOCK_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/blk.h"

#define BLKQ_MAGIC	       0x716b6c62u /* "blkq" in little-endian bytes */
#define BLKQ_VERSION	       1u
#define BLKQ_RING_ENTRIES      64u
#define BLKQ_QUEUE_REGION_SIZE 0x1000u
#define BLKQ_REQUESTS_OFFSET   0x40u
#define BLKQ_RESPONSES_OFFSET  (BLKQ_REQUESTS_OFFSET + BLKQ_RING_ENTRIES * 32u)

/* Operations. */
#define BLKQ_OP_INFO  1 /* fills a struct blkq_info at the request's data slice */
#define BLKQ_OP_READ  2 /* disk [offset, offset + length) into the data slice */
#define BLKQ_OP_WRITE 3 /* the data slice onto disk [offset, offset + length) */
#define BLKQ_OP_FLUSH 4 /* makes completed writes stable */

/* Response status. */
#define BLKQ_OK	     0
#define BLKQ_EIO     1 /* the server's storage failed */
#define BLKQ_EINVAL  2 /* a malformed request: slice or range out of bounds */
#define BLKQ_ENOTSUP 3 /* an unknown operation, or a write to a read-only disk */

#define BLKQ_INFO_READONLY 1u

struct blkq_header {
	uint32_t magic;
	uint32_t version;
	uint32_t entries; /* BLKQ_RING_ENTRIES */
	uint32_t reserved;
	uint32_t req_head;  /* written by svmm */
	uint32_t req_tail;  /* written by the server */
	uint32_t resp_head; /* written by the server */
	uint32_t resp_tail; /* written by svmm */
};

struct blkq_request {
	uint32_t id; /* echoed in the response */
	uint32_t op; /* BLKQ_OP_* */
	uint64_t offset;
	uint64_t data; /* offset of the data slice in the data region */
	uint32_t length;
	uint32_t reserved;
};

struct blkq_response {
	uint32_t id;
	uint32_t status; /* BLKQ_OK or BLKQ_E* */
	uint32_t length; /* bytes transferred */
	uint32_t reserved;
};

/* BLKQ_OP_INFO's answer, in the data region. */
struct blkq_info {
	uint64_t capacity; /* bytes */
	uint32_t flags;	   /* BLKQ_INFO_* */
	uint32_t reserved;
	char serial[VIRTIO_BLK_ID_BYTES]; /* NUL-padded */
};

/* ---- the client (svmm) ---- */

struct blkq_client {
	struct blkq_header *header;
	struct blkq_request *requests;
	struct blkq_response *responses;
	uint8_t *data;
	size_t data_size;
	/* Has the server serve the ring and returns once it did; 0 or a negative SVMM error. */
	int (*kick)(void *ctx);
	void *kick_ctx;
	uint32_t next_id;
};

/*
 * Sets up the client over the two mapped regions and initialises the queue
 * header. 0, or -SVMM_EINVAL when a region is missing or too small.
 */
int blkq_client_init(struct blkq_client *c, void *queue, size_t queue_size, void *data,
		     size_t data_size, int (*kick)(void *ctx), void *kick_ctx);

/* Asks the server about its disk. 0 or a negative SVMM error. */
int blkq_client_info(struct blkq_client *c, struct blkq_info *info);

/*
 * The virtio-blk backend for the disk `info` describes: read, write (unless
 * read-only) and flush through the queue. `c` must outlive the device.
 */
void blkq_client_backend(struct blkq_client *c, const struct blkq_info *info,
			 struct blk_backend *backend);

/* ---- the server ---- */

/* A disk held in the server's memory. */
struct blkq_disk {
	uint8_t *bytes;
	uint64_t size;
	bool readonly;
	char serial[VIRTIO_BLK_ID_BYTES];
};

/*
 * Serves every request in the ring (as long as the response ring has room)
 * against `disk`; returns how many. Trusts nothing in the shared regions:
 * a queue without the right magic is not served, and a request whose data
 * slice or disk range is out of bounds gets BLKQ_EINVAL.
 */
unsigned blkq_serve(void *queue, size_t queue_size, uint8_t *data, size_t data_size,
		    const struct blkq_disk *disk);

#endif
