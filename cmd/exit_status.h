/* SPDX-License-Identifier: Apache-2.0 */
/* svmm's exit statuses; the README documents them. */
#ifndef SVMM_CMD_EXIT_STATUS_H
#define SVMM_CMD_EXIT_STATUS_H

enum svmm_exit_status {
	SVMM_EXIT_POWEROFF = 0,	   /* the guest powered off (or Ctrl-A x) */
	SVMM_EXIT_ERROR = 1,	   /* svmm or the hypervisor failed while running */
	SVMM_EXIT_USAGE = 2,	   /* bad command line, VM description or guest image */
	SVMM_EXIT_GUEST_RESET = 3, /* the guest rebooted and --on-reboot is exit */
	SVMM_EXIT_GUEST_CRASH = 4, /* the guest reported a crash */
	/* Stopped by signal N (SIGINT, SIGTERM, SIGHUP): 128 + N, as shells report. */
	SVMM_EXIT_SIGNAL_BASE = 128,
};

#endif
