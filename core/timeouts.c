/* SPDX-License-Identifier: Apache-2.0 */
#include "core/timeouts.h"

#define NS_PER_S 1000000000ull

void timeouts_init(struct timeouts *t, unsigned clients)
{
	t->clients = clients < TIMEOUTS_MAX_CLIENTS ? clients : TIMEOUTS_MAX_CLIENTS;
	for (unsigned i = 0; i < TIMEOUTS_MAX_CLIENTS; i++)
		t->deadline[i] = TIMEOUTS_NONE;
}

bool timeouts_set(struct timeouts *t, unsigned client, uint64_t now, uint64_t delay)
{
	if (client >= t->clients)
		return false;
	t->deadline[client] = delay > TIMEOUTS_NONE - now ? TIMEOUTS_NONE : now + delay;
	return true;
}

uint64_t timeouts_next(const struct timeouts *t)
{
	uint64_t next = TIMEOUTS_NONE;

	for (unsigned i = 0; i < t->clients; i++) {
		if (t->deadline[i] < next)
			next = t->deadline[i];
	}
	return next;
}

bool timeouts_take_due(struct timeouts *t, uint64_t now, unsigned *cursor, unsigned *client)
{
	for (unsigned i = *cursor; i < t->clients; i++) {
		if (t->deadline[i] != TIMEOUTS_NONE && t->deadline[i] <= now) {
			t->deadline[i] = TIMEOUTS_NONE;
			*client = i;
			*cursor = i + 1;
			return true;
		}
	}
	*cursor = t->clients;
	return false;
}

/* a * b, or UINT64_MAX where it would not fit. */
static uint64_t saturating_mul(uint64_t a, uint64_t b)
{
	return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static uint64_t saturating_add(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/*
 * Whole seconds and the remainder apart: the remainder is below a second's
 * count and the factor below TIMEOUTS_MAX_FREQ (2^34), so their product
 * fits in 64 bits.
 */
uint64_t timeouts_counts_to_ns(uint64_t counts, uint64_t freq)
{
	uint64_t seconds = counts / freq, rest = counts % freq;

	return saturating_add(saturating_mul(seconds, NS_PER_S), rest * NS_PER_S / freq);
}

uint64_t timeouts_ns_to_counts(uint64_t ns, uint64_t freq)
{
	uint64_t seconds = ns / NS_PER_S, rest = ns % NS_PER_S;

	return saturating_add(saturating_mul(seconds, freq),
			      (rest * freq + NS_PER_S - 1) / NS_PER_S);
}
