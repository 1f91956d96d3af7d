/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svmm's virtio-blk backend on seL4 as an sDDF block client
 * (host/sel4/sddf_blk.h): each read, write and flush the guest asks for
 * becomes requests on the sDDF request queue to the block driver PD, its
 * bytes going through svmm's data region.
 *
 * sDDF counts in 4 KiB blocks and virtio in 512-byte sectors, so a write
 * that starts or ends inside a block reads that block first and writes it
 * back whole (read-modify-write); svmm is the only client of its disk, so
 * nothing changes the block in between.
 *
 * The wait: virtio-blk's backend contract is synchronous (virtio/blk.h:
 * a call completes before it returns), so after enqueueing a request the
 * client calls `wait`, which signals the driver and returns once the
 * response queue holds something, or fails at a deadline. On seL4
 * (hyp/sel4/vmm.c) that is a notify and a poll of the response queue, not
 * a park of the request until notified(): the vCPU that asked is stopped
 * in its fault either way, svmm is single-threaded, and completing a
 * virtio request later would need an asynchronous device model that the
 * KVM side does not have. A wait that fails (a driver that faulted or
 * hangs) fails the disk for good: the request may still be in the
 * driver's hands, so the data region can no longer be trusted, and every
 * later request is an I/O error at once - the guest sees errors, not a
 * hang.
 */
#ifndef SVMM_HOST_SEL4_SDDF_BLK_CLIENT_H
#define SVMM_HOST_SEL4_SDDF_BLK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/sel4/sddf_blk.h"
#include "virtio/blk.h"

struct sddf_blk_client {
	struct sddf_blk_queues queues;
	const struct sddf_blk_storage_info *info;
	uint8_t *data;
	uint32_t data_blocks; /* whole SDDF_BLK_TRANSFER_SIZE blocks in the data region */
	/* Signals the server; returns once a response waits: 0, or a negative SVMM error. */
	int (*wait)(void *ctx);
	void *wait_ctx;
	uint32_t next_id;
	bool failed; /* a wait failed or the server broke the protocol: every request fails */
};

/*
 * The client over the mapped regions (queue regions of
 * SDDF_BLK_QUEUE_REGION_SIZE, SDDF_BLK_QUEUE_CAPACITY entries). 0, or
 * -SVMM_EINVAL when a region is missing or the data region holds no block.
 */
int sddf_blk_client_init(struct sddf_blk_client *c, const void *storage_info, void *req_region,
			 void *resp_region, void *data, size_t data_size, int (*wait)(void *ctx),
			 void *wait_ctx);

/*
 * The virtio-blk backend for the disk the storage info describes; the
 * server must have published it (sddf_blk_storage_ready), else -SVMM_EBUSY.
 * `c` must outlive the device.
 */
int sddf_blk_client_backend(struct sddf_blk_client *c, struct blk_backend *backend);

#endif
