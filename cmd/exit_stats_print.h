/* SPDX-License-Identifier: Apache-2.0 */
/* `svmm run --stats`: the vCPUs' exit counters, readable. */
#ifndef SVMM_CMD_EXIT_STATS_PRINT_H
#define SVMM_CMD_EXIT_STATS_PRINT_H

#include <stdio.h>

#include "core/bus.h"
#include "core/exit_stats.h"

/*
 * Prints one block per vCPU: exits by kind, then MMIO accesses by device,
 * register offset and direction, most frequent first. `mmio` names the
 * devices; call with the device lock held (it guards the MMIO tables).
 */
void exit_stats_print(FILE *out, const char *vm_name, const struct exit_stats *stats, unsigned cpus,
		      const struct bus *mmio);

#endif
