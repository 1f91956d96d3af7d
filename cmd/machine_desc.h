/* SPDX-License-Identifier: Apache-2.0 */
/* The machine a VM description asks for: the one mapping from config/ to machine/. */
#ifndef SVMM_CMD_MACHINE_DESC_H
#define SVMM_CMD_MACHINE_DESC_H

#include "config/vm_config.h"
#include "machine/machine.h"

/* The hypervisor-neutral part of `cfg`, which machine_assemble() builds from. */
void machine_desc_from_config(const struct vm_config *cfg, struct machine_desc *desc);

#endif
