/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-blk. Each request is a descriptor chain read as bytes, whatever
 * its framing (virtio 1.x lets a driver split or merge descriptors
 * freely): the first 16 device-readable bytes are the header, the last
 * device-writable byte is the status, and the data is what lies between,
 * readable for a write and writable for a read.
 *
 * A request the guest got wrong but that has a status byte is answered
 * VIRTIO_BLK_S_IOERR (or UNSUPP) and logged a few times; only a chain with
 * nowhere to put a status, or a ring the virtqueue rejects, marks the
 * device NEEDS_RESET, because the driver could never learn how that
 * request ended.
 */
#include "virtio/blk.h"

#include "core/endian.h"
#include "core/errors.h"
#include "core/guest_mem.h"
#include "core/string.h"

/*
 * The used ring reports bytes written (data and status) as 32 bits, so one
 * request moves less than 4 GiB (Linux sends at most a few MiB).
 */
#define BLK_MAX_DATA_BYTES (UINT32_MAX - 1ull)

/*
 * What virtio_device_fail() is told about a chain with no device-writable
 * byte for its status. No enum virtq_error names a layout that is valid
 * for the ring but unusable for the device, so this value lies outside the
 * enum: device.c then says "malformed request", which is what it is, and
 * the device has already logged the specifics.
 */
#define BLK_ERR_NO_STATUS 0x100

#define BLK_QUEUE 0

static struct virtio_blk *blk_from_dev(struct virtio_device *dev)
{
	return (struct virtio_blk *)((char *)dev - offsetof(struct virtio_blk, virtio));
}

static uint64_t blk_features(struct virtio_device *dev)
{
	const struct virtio_blk *blk = blk_from_dev(dev);
	uint64_t features = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE |
			    1ull << VIRTIO_BLK_F_FLUSH;

	if (blk->backend.readonly)
		features |= 1ull << VIRTIO_BLK_F_RO;
	if (blk->backend.can_discard)
		features |= 1ull << VIRTIO_BLK_F_DISCARD;
	if (blk->backend.can_write_zeroes)
		features |= 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
	return features;
}

static void blk_config_read(struct virtio_device *dev, uint32_t offset, uint8_t size,
			    uint64_t *value)
{
	const struct virtio_blk *blk = blk_from_dev(dev);
	uint8_t cfg[VIRTIO_BLK_CFG_SIZE];
	uint64_t v = 0;

	/*
	 * Built on every read: the config space is small, read only while the
	 * driver probes, and this keeps one source of truth (the backend).
	 * Fields of features not offered stay zero, as do the padding bytes.
	 */
	memset(cfg, 0, sizeof(cfg));
	le_store(cfg + VIRTIO_BLK_CFG_CAPACITY, blk->capacity_sectors, 8);
	le_store(cfg + VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_SEG_MAX, 4);
	le_store(cfg + VIRTIO_BLK_CFG_BLK_SIZE, VIRTIO_BLK_SECTOR_SIZE, 4);
	le_store(cfg + VIRTIO_BLK_CFG_NUM_QUEUES, 1, 2);
	if (blk->backend.can_discard) {
		le_store(cfg + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, VIRTIO_BLK_MAX_DISCARD_SECTORS,
			 4);
		le_store(cfg + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, VIRTIO_BLK_MAX_RANGES, 4);
		le_store(cfg + VIRTIO_BLK_CFG_DISCARD_ALIGNMENT,
			 VIRTIO_BLK_DISCARD_ALIGNMENT_SECTORS, 4);
	}
	if (blk->backend.can_write_zeroes) {
		le_store(cfg + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECT,
			 VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS, 4);
		le_store(cfg + VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, VIRTIO_BLK_MAX_RANGES, 4);
		/* Unmapping is what discard does; a backend that cannot discard never will. */
		cfg[VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP] = blk->backend.can_discard ? 1 : 0;
	}
	for (unsigned i = 0; i < size && i < 8; i++) {
		uint64_t at = (uint64_t)offset + i;

		if (at < sizeof(cfg))
			v |= (uint64_t)cfg[at] << (8 * i);
	}
	*value = v;
}

static bool blk_range_ok(const struct virtio_blk *blk, uint64_t sector, uint64_t sectors)
{
	/* Two comparisons instead of a sum, so no guest value can wrap. */
	return sector <= blk->capacity_sectors && sectors <= blk->capacity_sectors - sector;
}

/* Turns a backend result into a status byte, logging real failures. */
static uint8_t blk_status(struct virtio_blk *blk, int err, const char *what)
{
	if (err == 0)
		return VIRTIO_BLK_S_OK;
	if (err == -SVMM_ENOTSUP)
		return VIRTIO_BLK_S_UNSUPP;
	log_limited(&blk->virtio.vm->log, &blk->backend_log, LOG_WARN,
		    "%s: %s failed: %s; the guest sees an I/O error", blk->virtio.name, what,
		    svmm_strerror(err));
	return VIRTIO_BLK_S_IOERR;
}

/*
 * A driver that did not accept VIRTIO_BLK_F_FLUSH cannot ask for one, so
 * the spec (5.2.6.2) wants its writes stable when they complete.
 */
static int blk_writethrough(struct virtio_blk *blk)
{
	const struct blk_backend *be = &blk->backend;

	if (virtio_has_feature(&blk->virtio, VIRTIO_BLK_F_FLUSH) || be->ops->flush == NULL)
		return 0;
	return be->ops->flush(be->ctx);
}

/* A request the guest got wrong, logged a few times and answered with an error. */
#define BLK_GUEST_ERROR(blk, fmt, ...)                                                             \
	log_limited(&(blk)->virtio.vm->log, &(blk)->request_log, LOG_WARN,                         \
		    "%s: bad request from the guest: " fmt, (blk)->virtio.name, __VA_ARGS__)

/*
 * Fills blk->segs with host pointers for `len` bytes of the chain's
 * readable (or writable) segments, starting `skip` bytes in. Zero-length
 * pieces are left out. 0, or -VIRTQ_ERR_BUFFER_ADDRESS if a segment the
 * virtqueue accepted is no longer guest memory.
 */
static int blk_gather(struct virtio_blk *blk, const struct virtq *vq, bool writable, uint64_t skip,
		      uint64_t len, unsigned *count)
{
	const struct virtq_chain *chain = &blk->chain;
	unsigned first = writable ? chain->readable_count : 0;
	unsigned end = writable ? chain->count : chain->readable_count;
	unsigned n = 0;

	for (unsigned i = first; i < end && len != 0; i++) {
		const struct virtq_segment *seg = &chain->segments[i];
		uint64_t take;
		void *host;

		if (skip >= seg->len) {
			skip -= seg->len;
			continue;
		}
		take = seg->len - skip;
		if (take > len)
			take = len;
		host = guest_mem_ptr(vq->mem, seg->gpa + skip, take);
		if (host == NULL)
			return -VIRTQ_ERR_BUFFER_ADDRESS;
		blk->segs[n].base = host;
		blk->segs[n].len = (size_t)take;
		n++;
		skip = 0;
		len -= take;
	}
	if (len != 0)
		return -VIRTQ_ERR_BUFFER_ADDRESS;
	*count = n;
	return 0;
}

/* VIRTIO_BLK_T_IN and _OUT. 0, or a negative enum virtq_error. */
static int blk_rw(struct virtio_blk *blk, const struct virtq *vq, bool is_write, uint64_t sector,
		  uint8_t *status, uint32_t *data_written)
{
	const struct virtq_chain *chain = &blk->chain;
	const struct blk_backend *be = &blk->backend;
	/* A write's data follows the header; a read's precedes the status. */
	uint64_t len =
	    is_write ? chain->readable_len - VIRTIO_BLK_HEADER_SIZE : chain->writable_len - 1;
	unsigned count = 0;
	int err;

	*status = VIRTIO_BLK_S_IOERR;
	if (is_write && be->readonly) {
		BLK_GUEST_ERROR(blk, "write of %llu bytes at sector %llu to a read-only disk",
				(unsigned long long)len, (unsigned long long)sector);
		return 0;
	}
	if (len % VIRTIO_BLK_SECTOR_SIZE != 0 || len > BLK_MAX_DATA_BYTES) {
		BLK_GUEST_ERROR(blk, "%llu bytes of data: not whole sectors, or 4 GiB or more",
				(unsigned long long)len);
		return 0;
	}
	if (!blk_range_ok(blk, sector, len / VIRTIO_BLK_SECTOR_SIZE)) {
		BLK_GUEST_ERROR(blk, "%llu bytes at sector %llu run past the end (%llu sectors)",
				(unsigned long long)len, (unsigned long long)sector,
				(unsigned long long)blk->capacity_sectors);
		return 0;
	}
	if (len == 0) {
		*status = VIRTIO_BLK_S_OK;
		return 0;
	}
	err = blk_gather(blk, vq, !is_write, is_write ? VIRTIO_BLK_HEADER_SIZE : 0, len, &count);
	if (err < 0)
		return err;
	if (is_write) {
		err = be->ops->write(be->ctx, sector * VIRTIO_BLK_SECTOR_SIZE, blk->segs, count);
		if (err == 0)
			err = blk_writethrough(blk);
	} else {
		err = be->ops->read(be->ctx, sector * VIRTIO_BLK_SECTOR_SIZE, blk->segs, count);
	}
	*status = blk_status(blk, err, is_write ? "write" : "read");
	if (err == 0)
		*(is_write ? &blk->stats.write_bytes : &blk->stats.read_bytes) += len;
	/* A failed read may have filled some of the buffer, but promises none of it. */
	if (!is_write && err == 0)
		*data_written = (uint32_t)len;
	return 0;
}

static uint8_t blk_flush(struct virtio_blk *blk)
{
	const struct blk_backend *be = &blk->backend;

	/* A read-only disk holds no writes to make stable. */
	if (be->readonly || be->ops->flush == NULL)
		return VIRTIO_BLK_S_OK;
	return blk_status(blk, be->ops->flush(be->ctx), "flush");
}

/* VIRTIO_BLK_T_GET_ID. 0, or a negative enum virtq_error. */
static int blk_get_id(struct virtio_blk *blk, const struct virtq *vq, uint8_t *status,
		      uint32_t *data_written)
{
	uint64_t room = blk->chain.writable_len - 1;
	size_t n = room < VIRTIO_BLK_ID_BYTES ? (size_t)room : VIRTIO_BLK_ID_BYTES;
	int err;

	/* A short buffer gets the start of the ID: the driver asked for no more. */
	err = virtq_chain_write(vq, &blk->chain, 0, blk->backend.serial, n);
	if (err < 0)
		return err;
	*data_written = (uint32_t)n;
	*status = VIRTIO_BLK_S_OK;
	return 0;
}

/*
 * VIRTIO_BLK_T_DISCARD and _WRITE_ZEROES. Every range is checked before
 * any reaches the backend, so a request with one bad range changes
 * nothing. 0, or a negative enum virtq_error.
 */
static int blk_ranges(struct virtio_blk *blk, const struct virtq *vq, bool zeroes, uint8_t *status)
{
	const struct virtq_chain *chain = &blk->chain;
	const struct blk_backend *be = &blk->backend;
	uint64_t payload = chain->readable_len - VIRTIO_BLK_HEADER_SIZE;
	uint32_t max_sectors =
	    zeroes ? VIRTIO_BLK_MAX_WRITE_ZEROES_SECTORS : VIRTIO_BLK_MAX_DISCARD_SECTORS;
	const char *what = zeroes ? "write zeroes" : "discard";
	unsigned count;
	bool bad_range = false;
	int err = 0;

	*status = VIRTIO_BLK_S_IOERR;
	if (be->readonly) {
		BLK_GUEST_ERROR(blk, "%s on a read-only disk", what);
		return 0;
	}
	if (!(zeroes ? be->can_write_zeroes : be->can_discard)) {
		*status = VIRTIO_BLK_S_UNSUPP;
		return 0;
	}
	if (payload == 0 || payload % VIRTIO_BLK_RANGE_SIZE != 0 ||
	    payload / VIRTIO_BLK_RANGE_SIZE > VIRTIO_BLK_MAX_RANGES) {
		BLK_GUEST_ERROR(blk,
				"%s with %llu bytes of ranges (16 per range, at most %u ranges)",
				what, (unsigned long long)payload, VIRTIO_BLK_MAX_RANGES);
		return 0;
	}
	count = (unsigned)(payload / VIRTIO_BLK_RANGE_SIZE);
	for (unsigned i = 0; i < count; i++) {
		uint8_t raw[VIRTIO_BLK_RANGE_SIZE];
		uint64_t sector;
		uint32_t sectors, flags;

		err =
		    virtq_chain_read(vq, chain, VIRTIO_BLK_HEADER_SIZE + i * VIRTIO_BLK_RANGE_SIZE,
				     raw, sizeof(raw));
		if (err < 0)
			return err;
		sector = le_load(raw, 8);
		sectors = (uint32_t)le_load(raw + 8, 4);
		flags = (uint32_t)le_load(raw + 12, 4);
		/* Flags are checked on every range first: the spec wants UNSUPP for them. */
		if ((flags & ~VIRTIO_BLK_RANGE_F_UNMAP) != 0 ||
		    (!zeroes && (flags & VIRTIO_BLK_RANGE_F_UNMAP) != 0)) {
			*status = VIRTIO_BLK_S_UNSUPP;
			return 0;
		}
		if (sectors > max_sectors || !blk_range_ok(blk, sector, sectors)) {
			bad_range = true;
			BLK_GUEST_ERROR(blk,
					"%s of %u sectors at sector %llu (at most %u, disk %llu)",
					what, sectors, (unsigned long long)sector, max_sectors,
					(unsigned long long)blk->capacity_sectors);
		}
		blk->ranges[i].offset = sector * VIRTIO_BLK_SECTOR_SIZE;
		blk->ranges[i].len = (uint64_t)sectors * VIRTIO_BLK_SECTOR_SIZE;
		blk->ranges[i].unmap = (flags & VIRTIO_BLK_RANGE_F_UNMAP) != 0;
	}
	if (bad_range)
		return 0;
	for (unsigned i = 0; i < count && err == 0; i++) {
		if (blk->ranges[i].len == 0)
			continue;
		if (zeroes)
			err = be->ops->write_zeroes(be->ctx, blk->ranges[i].offset,
						    blk->ranges[i].len, blk->ranges[i].unmap);
		else
			err = be->ops->discard(be->ctx, blk->ranges[i].offset, blk->ranges[i].len);
	}
	if (err == 0)
		err = blk_writethrough(blk);
	*status = blk_status(blk, err, what);
	return 0;
}

/*
 * Serves the request in blk->chain: 0 and *used set, or a negative enum
 * virtq_error when the chain cannot be answered at all.
 */
static void blk_count(struct virtio_blk *blk, uint32_t type, uint8_t status)
{
	if (type == VIRTIO_BLK_T_IN)
		blk->stats.reads++;
	else if (type == VIRTIO_BLK_T_OUT)
		blk->stats.writes++;
	else if (type == VIRTIO_BLK_T_FLUSH)
		blk->stats.flushes++;
	else
		blk->stats.other++;
	if (status != VIRTIO_BLK_S_OK)
		blk->stats.errors++;
}

static int blk_serve(struct virtio_device *dev, const struct virtq *vq,
		     const struct virtq_chain *chain, uint32_t *used)
{
	struct virtio_blk *blk = blk_from_dev(dev);
	uint8_t header[VIRTIO_BLK_HEADER_SIZE];
	uint8_t status = VIRTIO_BLK_S_IOERR;
	uint32_t data_written = 0, type = UINT32_MAX;
	uint64_t sector;
	int err = 0;

	if (chain->writable_len == 0) {
		log_limited(&blk->virtio.vm->log, &blk->request_log, LOG_WARN,
			    "%s: request has no device-writable byte for its status",
			    blk->virtio.name);
		return -BLK_ERR_NO_STATUS;
	}
	if (chain->readable_len < VIRTIO_BLK_HEADER_SIZE) {
		BLK_GUEST_ERROR(blk, "%llu device-readable bytes, short of the 16-byte header",
				(unsigned long long)chain->readable_len);
	} else {
		err = virtq_chain_read(vq, chain, 0, header, sizeof(header));
		if (err < 0)
			return err;
		type = (uint32_t)le_load(header, 4);
		sector = le_load(header + 8, 8); /* the reserved field (ex-ioprio) is ignored */

		switch (type) {
		case VIRTIO_BLK_T_IN:
		case VIRTIO_BLK_T_OUT:
			err = blk_rw(blk, vq, type == VIRTIO_BLK_T_OUT, sector, &status,
				     &data_written);
			break;
		case VIRTIO_BLK_T_FLUSH:
			status = blk_flush(blk);
			break;
		case VIRTIO_BLK_T_GET_ID:
			err = blk_get_id(blk, vq, &status, &data_written);
			break;
		case VIRTIO_BLK_T_DISCARD:
		case VIRTIO_BLK_T_WRITE_ZEROES:
			err = blk_ranges(blk, vq, type == VIRTIO_BLK_T_WRITE_ZEROES, &status);
			break;
		default:
			/* GET_LIFETIME, SECURE_ERASE, zoned and legacy SCSI: not offered. */
			status = VIRTIO_BLK_S_UNSUPP;
			break;
		}
		if (err < 0)
			return err;
	}
	blk_count(blk, type, status);
	err = virtq_chain_write(vq, chain, chain->writable_len - 1, &status, 1);
	if (err < 0)
		return err;
	*used = data_written + 1;
	return 0;
}

/*
 * Requests are served in ring order and each completes before the next is
 * taken, so the device holds no request across notifies and a reset needs
 * to cancel nothing.
 */
static void blk_process(struct virtio_blk *blk)
{
	virtio_serve_queue(&blk->virtio, BLK_QUEUE, &blk->chain, blk_serve);
}

static void blk_queue_notify(struct virtio_device *dev, unsigned queue)
{
	if (queue == BLK_QUEUE)
		blk_process(blk_from_dev(dev));
}

static void blk_driver_ok(struct virtio_device *dev)
{
	/* A driver may post requests before DRIVER_OK; the device may serve them only now. */
	blk_process(blk_from_dev(dev));
}

static void blk_reset(struct virtio_device *dev)
{
	(void)dev; /* no request outlives its notify: nothing to cancel */
}

static const struct virtio_device_ops blk_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .num_queues = 1,
    .features = blk_features,
    .config_read = blk_config_read,
    .queue_notify = blk_queue_notify,
    .driver_ok = blk_driver_ok,
    .reset = blk_reset,
};

int virtio_blk_init(struct virtio_blk *blk, struct vm *vm, const char *name,
		    const struct blk_backend *backend)
{
	const struct blk_backend_ops *ops = backend != NULL ? backend->ops : NULL;

	if (ops == NULL || ops->read == NULL)
		return -SVMM_EINVAL;
	if (!backend->readonly &&
	    (ops->write == NULL || (backend->can_discard && ops->discard == NULL) ||
	     (backend->can_write_zeroes && ops->write_zeroes == NULL)))
		return -SVMM_EINVAL;
	memset(blk, 0, sizeof(*blk));
	blk->backend = *backend;
	/* Nothing that writes is offered on a read-only disk. */
	if (blk->backend.readonly) {
		blk->backend.can_discard = false;
		blk->backend.can_write_zeroes = false;
	}
	blk->capacity_sectors = backend->capacity_bytes / VIRTIO_BLK_SECTOR_SIZE;
	virtio_device_init(&blk->virtio, &blk_ops, vm, name);
	return 0;
}
