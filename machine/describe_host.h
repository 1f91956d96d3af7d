/* SPDX-License-Identifier: Apache-2.0 */
/* A host for a machine that is only described, never run: no device does I/O. */
#ifndef SVMM_MACHINE_DESCRIBE_HOST_H
#define SVMM_MACHINE_DESCRIBE_HOST_H

#include "machine/machine.h"

void machine_describe_host(struct machine_host *host);

#endif
