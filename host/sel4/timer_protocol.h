/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The timer protection domain's protocol, sDDF's (include/sddf/timer/
 * protocol.h in au-ts/sddf), so sDDF's own timer driver can serve svmm and
 * svmm's timer PD can serve sDDF clients: a protected procedure call whose
 * label is the request. GET_TIME answers the time since boot in ns in mr0;
 * SET_TIMEOUT takes in mr0 a timeout in ns from now, replacing the client's
 * previous one, and the client is notified on its channel when it passes.
 * Anything else is answered with the label TIMER_ERR_INVALID.
 */
#ifndef SVMM_HOST_SEL4_TIMER_PROTOCOL_H
#define SVMM_HOST_SEL4_TIMER_PROTOCOL_H

#define TIMER_GET_TIME	  0
#define TIMER_SET_TIMEOUT 1
#define TIMER_ERR_INVALID 2 /* svmm's: sDDF answers an unknown label with no data */

#endif
