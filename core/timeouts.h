/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One-shot deadlines for a fixed set of clients, on one free-running
 * counter (the Arm generic timer's count): a timer driver keeps one per
 * client, arms its hardware comparator with the earliest, and tells each
 * client whose deadline passed. A new deadline replaces the client's old one,
 * as sDDF's timer protocol has it. Also the conversions between counts and
 * nanoseconds that protocol speaks in, without 128-bit arithmetic (which a
 * freestanding aarch64 build would need libgcc for).
 */
#ifndef SVMM_CORE_TIMEOUTS_H
#define SVMM_CORE_TIMEOUTS_H

#include <stdbool.h>
#include <stdint.h>

#define TIMEOUTS_MAX_CLIENTS 16
#define TIMEOUTS_NONE	     UINT64_MAX /* no deadline */
/* The conversions take frequencies below this: every generic timer's. */
#define TIMEOUTS_MAX_FREQ (1ull << 34)

struct timeouts {
	unsigned clients;
	uint64_t deadline[TIMEOUTS_MAX_CLIENTS]; /* counts; TIMEOUTS_NONE: none */
};

/* `clients` clients (at most TIMEOUTS_MAX_CLIENTS), none waiting. */
void timeouts_init(struct timeouts *t, unsigned clients);

/*
 * Client `client` wants telling at count `now` + `delay` (saturating: a
 * delay past the counter's range waits for ever). False: no such client.
 */
bool timeouts_set(struct timeouts *t, unsigned client, uint64_t now, uint64_t delay);

/* The earliest deadline of all clients, or TIMEOUTS_NONE. */
uint64_t timeouts_next(const struct timeouts *t);

/*
 * Takes the deadline of the next client at or after `*cursor` that is due at
 * `now`, clearing it: true with *client set and *cursor moved past it; false
 * when none is left. Start with *cursor = 0.
 */
bool timeouts_take_due(struct timeouts *t, uint64_t now, unsigned *cursor, unsigned *client);

/*
 * Counts at `freq` Hz (non-zero, below TIMEOUTS_MAX_FREQ) to
 * nanoseconds, rounded down, saturating at UINT64_MAX.
 */
uint64_t timeouts_counts_to_ns(uint64_t counts, uint64_t freq);

/* Nanoseconds to counts at `freq` Hz, rounded up (never early), saturating. */
uint64_t timeouts_ns_to_counts(uint64_t ns, uint64_t freq);

#endif
