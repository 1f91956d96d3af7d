/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-rng, the entropy device (virtio 1.2, section 5.4): one request
 * queue whose device-writable buffers the device fills with random bytes
 * from a host source (getrandom(2) on Linux, an entropy server on seL4).
 *
 * Requests are answered at once from the notify that posted them; the
 * device never holds a buffer back, so a source that fails or runs dry
 * yields a short (possibly empty) answer rather than a guest that waits
 * forever for its one outstanding buffer.
 */
#ifndef SVMM_VIRTIO_RNG_H
#define SVMM_VIRTIO_RNG_H

#include <stddef.h>

#include "core/log.h"
#include "core/vm.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"

#define VIRTIO_RNG_QUEUE 0
/*
 * Most bytes given for one request. The spec lets the device fill less
 * than the whole buffer; the cap bounds the host work one descriptor can
 * ask for (Linux asks for at most a cache line or so at a time).
 */
#define VIRTIO_RNG_MAX_REQUEST 65536u

struct rng_source {
	/*
	 * Writes up to `len` random bytes to `buf`: how many it wrote (may be
	 * fewer than asked), or a negative SVMM error. 0 counts as running dry.
	 */
	int (*fill)(void *ctx, void *buf, size_t len);
	void *ctx;
};

struct virtio_rng {
	struct virtio_device virtio; /* first: the transport drives this */
	struct rng_source source;
	struct log_ratelimit source_log;  /* the host source failed */
	struct log_ratelimit request_log; /* the guest sent a request against the spec */
	/* Scratch for the request being served; too big for a small stack. */
	struct virtq_chain chain;
};

/*
 * Sets up the device (attach it to a transport afterwards, e.g.
 * virtio_mmio_init(&mmio, &rng->virtio, ...)). `source` is copied.
 * 0, or -SVMM_EINVAL without a source.
 */
int virtio_rng_init(struct virtio_rng *rng, struct vm *vm, const char *name,
		    const struct rng_source *source);

#endif
