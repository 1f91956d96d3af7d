/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's entropy for virtio-rng: getrandom(2), the kernel's CSPRNG,
 * which needs no file descriptor and so no state to open or close.
 */
#ifndef SVMM_HOST_LINUX_ENTROPY_H
#define SVMM_HOST_LINUX_ENTROPY_H

#include <stddef.h>

#include "virtio/rng.h"

/*
 * Fills buf with len random bytes (at most INT_MAX): len, or -errno. Has
 * the shape of struct rng_source's fill; ctx is unused.
 */
int host_entropy_fill(void *ctx, void *buf, size_t len);

/* A source for virtio_rng_init() backed by host_entropy_fill(). */
struct rng_source host_entropy_source(void);

#endif
