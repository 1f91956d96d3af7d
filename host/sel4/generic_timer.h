/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Arm generic timer's physical count and frequency as a Microkit
 * protection domain reads them: this kernel leaves the counter to user level
 * (CONFIG_EXPORT_PTMR_USER). For the timer PD, svmm's parking and the
 * benchmark's spinner alike.
 */
#ifndef SVMM_HOST_SEL4_GENERIC_TIMER_H
#define SVMM_HOST_SEL4_GENERIC_TIMER_H

#include <stdint.h>

#include "core/timeouts.h"

/* QEMU virt's frequency, for firmware that left CNTFRQ_EL0 unset. */
#define GENERIC_TIMER_FALLBACK_HZ 62500000u

static inline uint64_t generic_timer_count(void)
{
	uint64_t count;

	__asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(count));
	return count;
}

/* Counts per second: CNTFRQ_EL0, or the fallback where it is 0 or past core/timeouts' range. */
static inline uint64_t generic_timer_frequency(void)
{
	uint64_t freq;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	return freq != 0 && freq < TIMEOUTS_MAX_FREQ ? freq : GENERIC_TIMER_FALLBACK_HZ;
}

#endif
