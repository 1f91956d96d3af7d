/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spinner of bench/sel4.sh's idle-cost measure: a Microkit protection
 * domain of the lowest priority that counts rounds of a fixed busy loop for
 * ever and prints, about once a second of the physical count, how many it
 * did and in how long: "SVMM-SPIN <its name> <rounds> <microseconds>". It
 * runs only when nothing above it on its core wants to, so its rate on a core it shares with an
 * idle VM, against a twin's on a core of its own, is the share of the core the idle VM leaves. The
 * counter is the one svmm's parking reads (hyp/sel4/idle.c): this kernel gives it to user level.
 */
#include <microkit.h>
#include <stdint.h>

#include "host/sel4/format.h"
#include "host/sel4/generic_timer.h"

#define ROUND_LENGTH 4096u /* iterations of the empty loop in a round */

void init(void)
{
	uint64_t second = generic_timer_frequency();
	uint64_t last = generic_timer_count();
	unsigned long long rounds = 0;
	char line[MICROKIT_PD_NAME_LENGTH + 48];

	for (;;) {
		for (unsigned i = 0; i < ROUND_LENGTH; i++)
			__asm__ volatile("" ::: "memory");
		rounds++;
		uint64_t now = generic_timer_count();

		if (now - last < second)
			continue;
		/* The time since the last line, however long it was kept off its core. */
		sel4_format(line, sizeof(line), "SVMM-SPIN %s %llu %llu\n", microkit_name, rounds,
			    (unsigned long long)((now - last) * 1000000u / second));
		microkit_dbg_puts(line);
		rounds = 0;
		last = now;
	}
}

void notified(microkit_channel channel)
{
	(void)channel;
}
