/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between each svmm and the management protection domain
 * (host/sel4/mgmt_pd.c), on one channel and without shared memory: svmm
 * calls the management PD (a protected procedure call; its priority is
 * above every svmm's, as the timer PD's is), and the management PD only
 * ever notifies svmm. So the management PD holds no capability to a VM, its
 * memory or its threads: the most it can do is ask, and svmm decides (by
 * core/vm_lifecycle.c's table, as on Linux).
 *
 *   MGMT_CALL_REPORT  svmm -> mgmt, after every change of the VM's state and
 *                     after each request it carried out:
 *                     mr0 the state (enum vm_state), mr1 boots so far,
 *                     mr2 milliseconds since the last boot (0 when stopped),
 *                     mr3 vCPUs, mr4 RAM in MiB, mr5 the request carried out
 *                     (MGMT_REQUEST_NONE when none), mr6 its result.
 *                     The reply carries nothing.
 *   MGMT_CALL_TAKE    svmm -> mgmt, when notified: the reply's label is the
 *                     request waiting for this VM (MGMT_REQUEST_NONE: none).
 *
 * One request per VM waits at a time; the management PD refuses another
 * until svmm has reported the first done.
 */
#ifndef SVMM_HOST_SEL4_MGMT_PROTOCOL_H
#define SVMM_HOST_SEL4_MGMT_PROTOCOL_H

#define MGMT_CALL_REPORT  0
#define MGMT_CALL_TAKE	  1
#define MGMT_REPORT_WORDS 7

enum mgmt_request_code {
	MGMT_REQUEST_NONE = 0,
	MGMT_REQUEST_STATUS = 1,
	MGMT_REQUEST_STOP = 2,	  /* hard stop: the vCPUs suspended */
	MGMT_REQUEST_START = 3,	  /* boot a stopped VM */
	MGMT_REQUEST_RESTART = 4, /* boot it again from power-on, stopped or not */
};

enum mgmt_result {
	MGMT_RESULT_DONE = 0,
	MGMT_RESULT_REFUSED = 1, /* not in this state (mr0 says which) */
	MGMT_RESULT_FAILED = 2,	 /* svmm could not boot the guest (its own line says why) */
};

/* svmm's end of the channel (config/sdf_board.c: .vmm_mgmt_channel_id). */
#define MGMT_VMM_CHANNEL 5

#endif
