/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The timer protection domain: it alone owns the EL1 physical timer's PPI
 * (CNTP, which this kernel leaves to user level) on its core, and serves
 * one-shot timeouts to every svmm by sDDF's timer protocol
 * (host/sel4/timer_protocol.h), so each VM's svmm can park its idle vCPUs
 * until their virtual timers are due (hyp/sel4/idle.c). One PD serves all:
 * Microkit takes an irq number once per system, though a PPI is per core.
 *
 * Not passive: a passive server runs on its caller's scheduling context,
 * hence on the caller's core, where it would arm another core's CNTP than
 * the one whose interrupt it receives. Its priority is above every svmm's
 * (a protected procedure call must go up).
 *
 * Channels (config/sdf.c): the timer's irq is 0, client i is 1 + i.
 */
#include <stdbool.h>
#include <stdint.h>

#include <microkit.h>

#include "core/timeouts.h"
#include "host/sel4/generic_timer.h"
#include "host/sel4/timer_protocol.h"

#define IRQ_CHANNEL	     0 /* config/sdf_board.c: .timer_irq_channel_id */
#define FIRST_CLIENT_CHANNEL 1 /* .timer_first_client_channel_id */

#define CNT_CTL_ENABLE (1u << 0)

struct timer_pd {
	struct timeouts timeouts;
	uint64_t freq; /* counts per second */
};

/* Microkit's entry points take no context: the one object they reach. */
static struct timer_pd the_timer;

/* Arms this core's CNTP for the earliest deadline, or stops it. */
static void arm(const struct timer_pd *t)
{
	uint64_t next = timeouts_next(&t->timeouts);

	if (next == TIMEOUTS_NONE) {
		__asm__ volatile("msr cntp_ctl_el0, %0\n\tisb" : : "r"((uint64_t)0));
		return;
	}
	__asm__ volatile("msr cntp_cval_el0, %0\n\tmsr cntp_ctl_el0, %1\n\tisb"
			 :
			 : "r"(next), "r"((uint64_t)CNT_CTL_ENABLE));
}

void init(void)
{
	struct timer_pd *t = &the_timer;

	t->freq = generic_timer_frequency();
	timeouts_init(&t->timeouts, TIMEOUTS_MAX_CLIENTS);
	arm(t);
}

void notified(microkit_channel ch)
{
	struct timer_pd *t = &the_timer;
	uint64_t now = generic_timer_count();
	unsigned cursor = 0, client;

	if (ch != IRQ_CHANNEL)
		return;
	while (timeouts_take_due(&t->timeouts, now, &cursor, &client))
		microkit_notify(FIRST_CLIENT_CHANNEL + client);
	arm(t);
	microkit_irq_ack(IRQ_CHANNEL);
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
	struct timer_pd *t = &the_timer;
	uint64_t now = generic_timer_count();

	if (ch < FIRST_CLIENT_CHANNEL)
		return microkit_msginfo_new(TIMER_ERR_INVALID, 0);
	switch (microkit_msginfo_get_label(msginfo)) {
	case TIMER_GET_TIME:
		microkit_mr_set(0, timeouts_counts_to_ns(now, t->freq));
		return microkit_msginfo_new(0, 1);
	case TIMER_SET_TIMEOUT:
		if (microkit_msginfo_get_count(msginfo) < 1 ||
		    !timeouts_set(&t->timeouts, ch - FIRST_CLIENT_CHANNEL, now,
				  timeouts_ns_to_counts(microkit_mr_get(0), t->freq)))
			return microkit_msginfo_new(TIMER_ERR_INVALID, 0);
		arm(t);
		return microkit_msginfo_new(0, 0);
	default:
		return microkit_msginfo_new(TIMER_ERR_INVALID, 0);
	}
}
