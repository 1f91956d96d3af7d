/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A parked vCPU waits, blocked on the fault it raised with WFI, for the
 * first of: an interrupt injected for it (a device's, an SGI from another
 * vCPU: vgic_inject() calls sel4_idle_wake()), or its virtual timer's
 * deadline. A blocked vCPU gets no virtual-timer event from seL4, so svmm
 * asks the system's timer protection domain (host/sel4/timer_pd.c, sDDF's
 * timer protocol) for a notification at the earliest parked deadline. A
 * parked vCPU is suspended rather than left waiting for its reply:
 * libmicrokit receives the next message into the same reply object, which
 * the kernel refuses while a caller still waits on it. seL4_TCB_Resume
 * restarts it at the PC the WFI fault left (already past the WFI).
 *
 * The guest's virtual count is the physical count less CNTVOFF, so the
 * deadline of an enabled, unmasked virtual timer is CNTV_CVAL + CNTVOFF in
 * physical counts. seL4 saved those registers when the vCPU stopped
 * running, so reading them through its VCPU object is exact on any core.
 */
#include <stdint.h>

#include "core/timeouts.h"
#include "host/sel4/generic_timer.h"
#include "host/sel4/timer_protocol.h"
#include "hyp/sel4/hyp_sel4.h"
#include "hyp/sel4/idle.h"

#define CNT_CTL_ENABLE (1u << 0)
#define CNT_CTL_IMASK  (1u << 1)
#define NO_DEADLINE    UINT64_MAX

/*
 * Asks the timer PD for a notification at the earliest deadline of the
 * parked vCPUs, when that differs from what it holds already; a new timeout
 * replaces the old one. With none parked the old one is left to fire: the
 * wake-up then finds nothing due, which costs less than a call.
 */
static void timer_arm(struct hyp_vm *hyp)
{
	uint64_t next = NO_DEADLINE, now;

	for (unsigned i = 0; i < hyp->params.cpus; i++) {
		if (hyp->parked[i] && hyp->wake_at[i] < next)
			next = hyp->wake_at[i];
	}
	if (next == NO_DEADLINE || hyp->alarm_at == next)
		return;
	now = generic_timer_count();
	microkit_mr_set(0, next > now ? timeouts_counts_to_ns(next - now, generic_timer_frequency())
				      : 0);
	microkit_ppcall(HYP_SEL4_TIMER_CHANNEL, microkit_msginfo_new(TIMER_SET_TIMEOUT, 1));
	hyp->alarm_at = next;
}

static int vcpu_reg(unsigned vcpu, seL4_Word field, uint64_t *value)
{
	seL4_ARM_VCPU_ReadRegs_t r = seL4_ARM_VCPU_ReadRegs(BASE_VCPU_CAP + vcpu, field);

	*value = r.value;
	return r.error == seL4_NoError ? 0 : -1;
}

/* When vCPU `vcpu`'s virtual timer fires, in physical counts; false: cannot tell. */
static bool timer_deadline(unsigned vcpu, uint64_t *deadline)
{
	uint64_t ctl, cval, offset;

	if (vcpu_reg(vcpu, seL4_VCPUReg_CNTV_CTL, &ctl) < 0)
		return false;
	if ((ctl & CNT_CTL_ENABLE) == 0 || (ctl & CNT_CTL_IMASK) != 0) {
		*deadline = NO_DEADLINE;
		return true;
	}
	if (vcpu_reg(vcpu, seL4_VCPUReg_CNTV_CVAL, &cval) < 0 ||
	    vcpu_reg(vcpu, seL4_VCPUReg_CNTVOFF, &offset) < 0)
		return false;
	*deadline = cval + offset < cval ? NO_DEADLINE : cval + offset;
	return true;
}

bool sel4_idle_park(struct hyp_vm *hyp, unsigned vcpu)
{
	uint64_t deadline;

	if (!hyp->park_wfi)
		return false;
	/* Pending or active in a list register: WFI would not wait on hardware either. */
	for (unsigned lr = 0; lr < SEL4_VGIC_LRS; lr++) {
		if (vgic_lr_intid(&hyp->vgic, vcpu, lr) >= 0)
			return false;
	}
	if (!timer_deadline(vcpu, &deadline) || deadline <= generic_timer_count())
		return false;
	if (seL4_TCB_Suspend(BASE_VM_TCB_CAP + vcpu) != seL4_NoError)
		return false;
	hyp->parked[vcpu] = true;
	hyp->wake_at[vcpu] = deadline;
	timer_arm(hyp);
	return true;
}

static void wake(struct hyp_vm *hyp, unsigned vcpu)
{
	hyp->parked[vcpu] = false;
	if (seL4_TCB_Resume(BASE_VM_TCB_CAP + vcpu) != seL4_NoError)
		log_limited(&hyp->params.vm->log, &hyp->fault_log, LOG_WARN,
			    "vCPU %u: cannot wake it from WFI", vcpu);
}

void sel4_idle_wake(struct hyp_vm *hyp, unsigned vcpu)
{
	if (vcpu >= hyp->params.cpus || !hyp->parked[vcpu])
		return;
	wake(hyp, vcpu);
	timer_arm(hyp);
}

void sel4_idle_timer(struct hyp_vm *hyp)
{
	uint64_t now = generic_timer_count();

	hyp->alarm_at = 0;
	for (unsigned i = 0; i < hyp->params.cpus; i++) {
		if (hyp->parked[i] && hyp->wake_at[i] <= now)
			wake(hyp, i);
	}
	timer_arm(hyp);
}

void sel4_idle_forget(struct hyp_vm *hyp)
{
	for (unsigned i = 0; i < hyp->params.cpus; i++)
		hyp->parked[i] = false;
}
