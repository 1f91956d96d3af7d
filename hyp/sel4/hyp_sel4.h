/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seL4 backend's half of hyp/hyp.h that only a Microkit protection
 * domain needs: its vCPUs are the PD's children (vCPU i is child i), and
 * every exit of theirs reaches the PD's fault() entry point, which passes it
 * here. Together with hyp.h this is all the PD (hyp/sel4/vmm.c) calls.
 */
#ifndef SVMM_HYP_SEL4_HYP_SEL4_H
#define SVMM_HYP_SEL4_HYP_SEL4_H

#include <stdbool.h>

#include <microkit.h>

#include "hyp/hyp.h"

/*
 * Handles one fault of child `child` (a vCPU). True with *reply_msginfo set:
 * reply, which resumes the vCPU. False: the vCPU was stopped (CPU_OFF,
 * power-off, a fault svmm cannot handle) and gets no reply.
 */
bool hyp_sel4_fault(struct hyp_vm *hyp, microkit_child child, microkit_msginfo msginfo,
		    microkit_msginfo *reply_msginfo);

/*
 * svmm's channel to the system's timer protection domain (host/sel4/
 * timer_pd.c; config/sdf_board.c: .vmm_timer_channel_id): svmm calls it to
 * set a timeout, and it notifies svmm on the same channel when one passes.
 */
#define HYP_SEL4_TIMER_CHANNEL 4

/*
 * Lets the backend park vCPUs in WFI (hyp/sel4/idle.h): the SDF joined this
 * svmm to the timer PD on HYP_SEL4_TIMER_CHANNEL. Set after every
 * hyp_vm_create().
 */
void hyp_sel4_park_wfi(struct hyp_vm *hyp, bool on);

/* The timer PD's notification: wakes the parked vCPUs that are due. */
void hyp_sel4_timer(struct hyp_vm *hyp);

#endif
