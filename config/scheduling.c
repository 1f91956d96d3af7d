/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scheduling fields of a VM description: which physical core each vCPU
 * runs on, the VM's priority, and the CPU time each vCPU may use per period.
 * They mean the same on every hypervisor: seL4 gives each vCPU a scheduling
 * context with this budget and period on its core; on Linux/KVM they become
 * the vCPU threads' affinity, nice value and a cgroup's cpu.max. Whether a
 * core exists, and whether two VMs may share one, depends on the board and
 * the system: config/system.c checks those.
 */
#include <stdio.h>
#include <string.h>

#include "config/config_private.h"

#define STRINGIFY_EXPANDED(x) #x
#define STRINGIFY(x)	      STRINGIFY_EXPANDED(x)

/* No board svmm knows has more; a bigger number is a typo, not a core. */
#define CORE_NUMBER_MAX 1023

static const char expect_core[] = "core numbers from 0 to " STRINGIFY(CORE_NUMBER_MAX);
static const char expect_priority[] = "an integer from 0 to " STRINGIFY(VM_CONFIG_MAX_PRIORITY);
static const char expect_microseconds[] = "microseconds from " STRINGIFY(
    VM_CONFIG_MIN_PERIOD_US) " to " STRINGIFY(VM_CONFIG_MAX_PERIOD_US);

int config_parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *value)
{
	unsigned long result = 0;

	if (text[0] == '\0')
		return -1;
	for (const char *c = text; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		result = result * 10 + (unsigned long)(*c - '0');
		if (result > max)
			return -1;
	}
	if (result < min)
		return -1;
	*value = result;
	return 0;
}

/* "1,2" or "3": appends each core (a JSON array sets one element per call). */
int config_set_cores(struct vm_config *cfg, const char *value, const char *origin,
		     const char *base_dir, struct config_error *err)
{
	unsigned cores[VM_CONFIG_MAX_CPUS];
	unsigned count = 0;
	const char *token = value;

	(void)base_dir;
	for (;;) {
		size_t len = strcspn(token, ",");
		char number[8];
		unsigned long core;

		if (len == 0 || len >= sizeof(number))
			return config_fail_expected(err, origin, expect_core, value);
		memcpy(number, token, len);
		number[len] = '\0';
		if (config_parse_uint(number, 0, CORE_NUMBER_MAX, &core) != 0)
			return config_fail_expected(err, origin, expect_core, value);
		if (cfg->core_count + count == VM_CONFIG_MAX_CPUS)
			return config_fail(err, "%s: at most %d cores, one per vCPU", origin,
					   VM_CONFIG_MAX_CPUS);
		cores[count++] = (unsigned)core;
		if (token[len] == '\0')
			break;
		token += len + 1;
	}
	memcpy(cfg->cores + cfg->core_count, cores, count * sizeof(cores[0]));
	cfg->core_count += count;
	return 0;
}

int config_set_priority(struct vm_config *cfg, const char *value, const char *origin,
			const char *base_dir, struct config_error *err)
{
	unsigned long priority;

	(void)base_dir;
	if (config_parse_uint(value, 0, VM_CONFIG_MAX_PRIORITY, &priority) != 0)
		return config_fail_expected(err, origin, expect_priority, value);
	cfg->priority = (unsigned)priority;
	return 0;
}

static int parse_microseconds(const char *value, const char *origin, uint32_t *out,
			      struct config_error *err)
{
	unsigned long us;

	if (config_parse_uint(value, VM_CONFIG_MIN_PERIOD_US, VM_CONFIG_MAX_PERIOD_US, &us) != 0)
		return config_fail_expected(err, origin, expect_microseconds, value);
	*out = (uint32_t)us;
	return 0;
}

int config_set_budget(struct vm_config *cfg, const char *value, const char *origin,
		      const char *base_dir, struct config_error *err)
{
	(void)base_dir;
	return parse_microseconds(value, origin, &cfg->budget_us, err);
}

int config_set_period(struct vm_config *cfg, const char *value, const char *origin,
		      const char *base_dir, struct config_error *err)
{
	(void)base_dir;
	return parse_microseconds(value, origin, &cfg->period_us, err);
}

int config_validate_scheduling(const struct vm_config *cfg, const char *who,
			       struct config_error *err)
{
	if (cfg->core_count != 0 && cfg->core_count != cfg->cpus)
		return config_fail(err,
				   "%sfield \"cores\": expected %u cores, one per vCPU, got %u",
				   who, cfg->cpus, cfg->core_count);
	if (cfg->priority > VM_CONFIG_MAX_PRIORITY)
		return config_fail(err, "%sfield \"priority\": expected %s, got \"%u\"", who,
				   expect_priority, cfg->priority);
	if (cfg->budget_us != 0 && cfg->period_us == 0)
		return config_fail(err,
				   "%sfield \"budget_us\": a budget needs a period: add "
				   "\"period_us\"",
				   who);
	if (cfg->budget_us > cfg->period_us)
		return config_fail(err,
				   "%sfield \"budget_us\": budget %u us is longer than the period "
				   "%u us",
				   who, cfg->budget_us, cfg->period_us);
	return 0;
}
