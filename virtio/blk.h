/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk, the block device (virtio 1.2, section 5.2): one request
 * queue, served synchronously from the notify that posted the requests,
 * in front of a storage backend.
 *
 * The backend is a seam: on Linux a raw image file (host/linux/
 * block_file.c), on seL4 a shared-memory queue to a driver protection
 * domain. The device hands it host pointers that it obtained through
 * guest_mem_ptr(), never guest addresses, and byte offsets it has already
 * checked against the capacity, so a backend needs no knowledge of virtio
 * and no defence against the guest.
 */
#ifndef SVMM_VIRTIO_BLK_H
#define SVMM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "core/vm.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"

/* The protocol's unit for every offset and length, whatever blk_size says. */
#define VIRTIO_BLK_SECTOR_SIZE 512u
/* GET_ID answers with a NUL-padded string of this many bytes. */
#define VIRTIO_BLK_ID_BYTES 20u

/* Feature bits (virtio 1.2, 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX	  1
#define VIRTIO_BLK_F_SEG_MAX	  2
#define VIRTIO_BLK_F_GEOMETRY	  4
#define VIRTIO_BLK_F_RO		  5
#define VIRTIO_BLK_F_BLK_SIZE	  6
#define VIRTIO_BLK_F_FLUSH	  9
#define VIRTIO_BLK_F_TOPOLOGY	  10
#define VIRTIO_BLK_F_CONFIG_WCE	  11
#define VIRTIO_BLK_F_MQ		  12
#define VIRTIO_BLK_F_DISCARD	  13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types (5.2.6). */
#define VIRTIO_BLK_T_IN		  0
#define VIRTIO_BLK_T_OUT	  1
#define VIRTIO_BLK_T_FLUSH	  4
#define VIRTIO_BLK_T_GET_ID	  8
#define VIRTIO_BLK_T_GET_LIFETIME 10
#define VIRTIO_BLK_T_DISCARD	  11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_T_SECURE_ERASE 14

/* The status byte, the last device-writable byte of every request. */
#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

/* The request header: le32 type, le32 reserved, le64 sector. */
#define VIRTIO_BLK_HEADER_SIZE 16u
/* One discard / write-zeroes range: le64 sector, le32 num_sectors, le32 flags. */
#define VIRTIO_BLK_RANGE_SIZE	 16u
#define VIRTIO_BLK_RANGE_F_UNMAP 1u

/* Offsets of the config space fields this device fills in (5.2.4). */
#define VIRTIO_BLK_CFG_CAPACITY		      0x00 /* le64, 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX		      0x08
#define VIRTIO_BLK_CFG_SEG_MAX		      0x0c
#define VIRTIO_BLK_CFG_BLK_SIZE		      0x14
#define VIRTIO_BLK_CFG_NUM_QUEUES	      0x22 /* le16 */
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS    0x24
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG	      0x28
#define VIRTIO_BLK_CFG_DISCARD_ALIGNMENT      0x2c
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECT  0x30
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG   0x34
#define VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP 0x38 /* u8 */
/* Everything up to and including write_zeroes_may_unmap and its padding. */
#define VIRTIO_BLK_CFG_SIZE 0x3c

/*
 * Limits offered to the driver. A request may have a data segment per
 * chain entry minus the header and the status (Linux adds those two to
 * seg_max when it sizes its chains).
 */
#define VIRTIO_BLK_SEG_MAX (VIRTQ_MAX_CHAIN - 2)
/*
 * Discard and write zeroes run synchronously on the thread that took the
 * notify, so their size is capped: 2 GiB per range is one fallocate() on a
 * file, and a driver splits larger ones. Write zeroes may fall back to
 * writing real zeros, hence its smaller cap.
 */
#define VIRTIO_BLK_MAX_DISCARD_SECTORS	    (1u << 22)
#define VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS (1u << 16)
#define VIRTIO_BLK_MAX_RANGES		    16u
/*
 * A hint for splitting discards: 4 KiB, the block size of the host
 * filesystems a file backend punches holes in, so ranges line up with
 * blocks the filesystem can actually free.
 */
#define VIRTIO_BLK_DISCARD_ALIGNMENT_SECTORS 8u

/* One piece of a request's data buffer, as host memory. */
struct blk_io_segment {
	void *base;
	size_t len;
};

/*
 * What the device asks of its storage. Offsets and lengths are in bytes,
 * multiples of VIRTIO_BLK_SECTOR_SIZE, and lie inside capacity_bytes;
 * `count` is at least 1. Each returns 0, -SVMM_ENOTSUP (the guest sees
 * VIRTIO_BLK_S_UNSUPP) or another negative SVMM error such as -SVMM_EIO
 * (VIRTIO_BLK_S_IOERR). Calls are made with the VM's device lock held and
 * must complete before returning.
 */
struct blk_backend_ops {
	/* Fills the segments, in order, from [offset, offset + their total length). */
	int (*read)(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count);
	/* Stores the segments, in order, at [offset, offset + their total length). */
	int (*write)(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count);
	/* Makes every completed write stable. NULL: writes are stable at once. */
	int (*flush)(void *ctx);
	/* May deallocate [offset, offset + len); needed when can_discard. */
	int (*discard)(void *ctx, uint64_t offset, uint64_t len);
	/*
	 * Makes [offset, offset + len) read back as zeros, deallocating it if
	 * `unmap` and the backend can; needed when can_write_zeroes.
	 */
	int (*write_zeroes)(void *ctx, uint64_t offset, uint64_t len, bool unmap);
};

struct blk_backend {
	const struct blk_backend_ops *ops;
	void *ctx;
	/* Size of the disk; a partial last sector is not offered to the guest. */
	uint64_t capacity_bytes;
	bool readonly; /* the guest sees VIRTIO_BLK_F_RO; write ops are never called */
	bool can_discard;
	bool can_write_zeroes;
	/* GET_ID's answer: NUL-padded, no terminator when all 20 bytes are used. */
	char serial[VIRTIO_BLK_ID_BYTES];
};

/* What the guest asked of the disk, by request type, since the device was made. */
struct virtio_blk_stats {
	uint64_t reads, read_bytes;   /* VIRTIO_BLK_T_IN, and the bytes of those that succeeded */
	uint64_t writes, write_bytes; /* VIRTIO_BLK_T_OUT */
	uint64_t flushes;
	uint64_t other;	 /* GET_ID, DISCARD, WRITE_ZEROES, unsupported types, malformed */
	uint64_t errors; /* requests answered with anything but VIRTIO_BLK_S_OK */
};

struct virtio_blk {
	struct virtio_device virtio; /* first: the transport drives this */
	struct blk_backend backend;
	struct virtio_blk_stats stats; /* kept across resets: the host's view of the disk */
	uint64_t capacity_sectors;
	struct log_ratelimit backend_log; /* the backend failed a request */
	struct log_ratelimit request_log; /* the guest sent a request against the spec */
	/* Scratch for the request being served; too big for a small stack. */
	struct virtq_chain chain;
	struct blk_io_segment segs[VIRTQ_MAX_CHAIN];
	struct {
		uint64_t offset, len;
		bool unmap;
	} ranges[VIRTIO_BLK_MAX_RANGES];
};

/*
 * Sets up the device (attach it to a transport afterwards, e.g.
 * virtio_mmio_init(&mmio, &blk->virtio, base, irq)). `backend` is copied.
 * 0, or -SVMM_EINVAL when the backend lacks an operation it claims (read
 * always; write unless readonly; discard, write_zeroes when offered).
 */
int virtio_blk_init(struct virtio_blk *blk, struct vm *vm, const char *name,
		    const struct blk_backend *backend);

#endif
