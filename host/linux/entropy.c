/* SPDX-License-Identifier: Apache-2.0 */
/*
 * getrandom(2) with flags 0: it blocks only until the kernel's pool has
 * been seeded once, which on a host that is already running VMs happened
 * long ago, and never again afterwards. GRND_NONBLOCK would add an EAGAIN
 * case that cannot occur in practice; /dev/random semantics (GRND_RANDOM)
 * would only make the guest wait for nothing.
 */
#include "host/linux/entropy.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/types.h>

int host_entropy_fill(void *ctx, void *buf, size_t len)
{
	uint8_t *out = buf;
	size_t done = 0;

	(void)ctx;
	/* The result is an int. */
	if (len > INT_MAX)
		len = INT_MAX;
	/*
	 * Requests over 256 bytes may return short or fail with EINTR when a
	 * signal arrives; keep going so the caller gets what it asked for.
	 */
	while (done < len) {
		ssize_t got = getrandom(out + done, len - done, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			/* Bytes already written are still good entropy: hand them over. */
			return done != 0 ? (int)done : -errno;
		}
		done += (size_t)got;
	}
	return (int)done;
}

struct rng_source host_entropy_source(void)
{
	return (struct rng_source){.fill = host_entropy_fill, .ctx = NULL};
}
