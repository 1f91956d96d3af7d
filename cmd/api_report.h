/* SPDX-License-Identifier: Apache-2.0 */
/* What `status` and `metrics` say about a VM's devices (docs/api.md). */
#ifndef SVMM_CMD_API_REPORT_H
#define SVMM_CMD_API_REPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "cmd/devices.h"
#include "core/exit_stats.h"
#include "config/vm_config.h"

/* Bytes through the console, counted by cmd/run.c where they pass. */
struct api_console_counters {
	uint64_t output_bytes; /* from the guest */
	uint64_t input_bytes;  /* taken by the guest */
};

/*
 * Adds "devices" (each with its backend, and its counters when `metrics`)
 * to `result`; with `metrics` also the console's. Device lock held: the
 * counters change under it.
 */
void api_report_devices(struct json_object *result, const struct vm_config *cfg,
			const struct vmm_devices *devices,
			const struct api_console_counters *console, bool metrics);

/* Adds "vm_exits": each exit kind's count, summed over the `cpus` vCPUs. */
void api_report_vm_exits(struct json_object *result, const struct exit_stats *stats, unsigned cpus);

#endif
