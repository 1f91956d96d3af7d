/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-rng. The driver posts device-writable buffers; each one is filled
 * straight from the host source through its host mapping (no bounce copy)
 * and returned with the number of bytes written.
 *
 * A device-readable segment breaks a driver rule ("MUST NOT place
 * device-readable buffers") but cannot hurt the device, which never reads
 * it: it is skipped and logged, and the rest of the request is served, so
 * one sloppy driver does not lose its entropy device. A request with no
 * writable space at all is returned empty.
 */
#include "virtio/rng.h"

#include "core/errors.h"
#include "core/guest_mem.h"
#include "core/string.h"

static struct virtio_rng *rng_from_dev(struct virtio_device *dev)
{
	return (struct virtio_rng *)((char *)dev - offsetof(struct virtio_rng, virtio));
}

static uint64_t rng_features(struct virtio_device *dev)
{
	(void)dev;
	return 0; /* the entropy device defines no feature bits */
}

static void rng_config_read(struct virtio_device *dev, uint32_t offset, uint8_t size,
			    uint64_t *value)
{
	/* No configuration space: every offset reads as zero. */
	(void)dev;
	(void)offset;
	(void)size;
	*value = 0;
}

/*
 * Fills one segment from the source, calling it again after short fills.
 * Returns the bytes written; sets *dry when the source failed or gave
 * nothing, so the caller stops asking for this request.
 */
static uint32_t rng_fill_segment(struct virtio_rng *rng, uint8_t *dst, uint32_t len, bool *dry)
{
	uint32_t done = 0;

	while (done < len) {
		int got = rng->source.fill(rng->source.ctx, dst + done, len - done);

		if (got <= 0) {
			log_limited(&rng->virtio.vm->log, &rng->source_log, LOG_WARN,
				    "%s: entropy source failed (%s); request answered short",
				    rng->virtio.name, got < 0 ? svmm_strerror(got) : "no bytes");
			*dry = true;
			break;
		}
		/* A source claiming more than it was given room for is not believed. */
		done += (uint32_t)got > len - done ? len - done : (uint32_t)got;
	}
	return done;
}

/*
 * Serves the request in rng->chain: 0 and *written set, or a negative enum
 * virtq_error when a segment is no longer in guest memory.
 */
static int rng_serve(struct virtio_device *dev, const struct virtq *vq,
		     const struct virtq_chain *chain, uint32_t *written)
{
	struct virtio_rng *rng = rng_from_dev(dev);
	uint32_t budget = VIRTIO_RNG_MAX_REQUEST;
	uint32_t total = 0;
	bool dry = false;

	if (chain->readable_count != 0 || chain->writable_len == 0)
		log_limited(&rng->virtio.vm->log, &rng->request_log, LOG_WARN,
			    "%s: request has %u device-readable segment(s) and %llu writable "
			    "byte(s); readable ones are ignored",
			    rng->virtio.name, chain->readable_count,
			    (unsigned long long)chain->writable_len);

	for (unsigned i = chain->readable_count; i < chain->count && budget != 0 && !dry; i++) {
		const struct virtq_segment *seg = &chain->segments[i];
		uint32_t len = seg->len < budget ? seg->len : budget;
		uint8_t *dst;
		uint32_t done;

		if (len == 0)
			continue;
		dst = guest_mem_ptr(vq->mem, seg->gpa, len);
		if (dst == NULL)
			return -VIRTQ_ERR_BUFFER_ADDRESS;
		done = rng_fill_segment(rng, dst, len, &dry);
		total += done;
		budget -= done;
	}
	*written = total;
	return 0;
}

/*
 * The work stays bounded per request (VIRTIO_RNG_MAX_REQUEST bytes), and a
 * guest that keeps refilling the queue from another vCPU pays for every
 * request it makes.
 */
static void rng_process(struct virtio_rng *rng)
{
	virtio_serve_queue(&rng->virtio, VIRTIO_RNG_QUEUE, &rng->chain, rng_serve);
}

static void rng_queue_notify(struct virtio_device *dev, unsigned queue)
{
	if (queue == VIRTIO_RNG_QUEUE)
		rng_process(rng_from_dev(dev));
}

static void rng_driver_ok(struct virtio_device *dev)
{
	/* A driver may post buffers before DRIVER_OK; the device may use them only now. */
	rng_process(rng_from_dev(dev));
}

static void rng_reset(struct virtio_device *dev)
{
	(void)dev; /* nothing beyond the queues, which the core resets */
}

static const struct virtio_device_ops rng_ops = {
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 1,
    .features = rng_features,
    .config_read = rng_config_read,
    .queue_notify = rng_queue_notify,
    .driver_ok = rng_driver_ok,
    .reset = rng_reset,
};

int virtio_rng_init(struct virtio_rng *rng, struct vm *vm, const char *name,
		    const struct rng_source *source)
{
	if (source == NULL || source->fill == NULL)
		return -SVMM_EINVAL;
	memset(rng, 0, sizeof(*rng));
	virtio_device_init(&rng->virtio, &rng_ops, vm, name);
	rng->source = *source;
	return 0;
}
