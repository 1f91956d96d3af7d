/* SPDX-License-Identifier: Apache-2.0 */
/* `svmm ctl PATH COMMAND [NAME] [options]`: the control API's command-line client. */
#ifndef SVMM_CMD_CTL_H
#define SVMM_CMD_CTL_H

/* argv[0] is "ctl". Returns 0 (done), 1 (refused or unreachable) or 2 (usage). */
int ctl_main(int argc, char **argv);

#endif
