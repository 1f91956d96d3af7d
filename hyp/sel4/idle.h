/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parking idle vCPUs: a vCPU that executes WFI is left blocked (its fault
 * gets no reply) until an interrupt is due for it, instead of being resumed
 * at once to spin through its idle loop.
 */
#ifndef SVMM_HYP_SEL4_IDLE_H
#define SVMM_HYP_SEL4_IDLE_H

#include <stdbool.h>

#include "hyp/sel4/sel4_vm.h"

/*
 * vCPU `vcpu` executed WFI (its PC already past it). True: it is parked,
 * do not reply. False: an interrupt is due already (one in its list
 * registers, its virtual timer expired) or parking is off; resume it.
 */
bool sel4_idle_park(struct hyp_vm *hyp, unsigned vcpu);

/* An interrupt went into vCPU `vcpu`'s list registers: run it if parked. */
void sel4_idle_wake(struct hyp_vm *hyp, unsigned vcpu);

/* svmm's timer fired: wakes every parked vCPU whose virtual timer is due. */
void sel4_idle_timer(struct hyp_vm *hyp);

/* Forgets every parked vCPU (they were suspended) and stops the timer. */
void sel4_idle_forget(struct hyp_vm *hyp);

#endif
