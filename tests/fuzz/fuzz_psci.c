/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for PSCI and SMCCC dispatch (arch/aarch64/psci.c) as a
 * hostile guest drives it: a sequence of calls, each with x0..x3 and the
 * calling vCPU from the input, against a backend that tracks vCPU states
 * the way svmm's do. Checks the promises psci.h makes to backends (ops see
 * only valid vCPU indices, CPU_ON never targets the caller) and to guests
 * (every answer is a PSCI return code, a version, a MIGRATE_INFO_TYPE or
 * an AFFINITY_INFO state).
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_psci)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/aarch64/psci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_psci: %s:%d: check failed: %s\n", __FILE__,          \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define MAX_CPUS  8
#define MAX_CALLS 64

struct backend {
	unsigned cpus;
	bool on[MAX_CPUS];
	bool off_system;
};

static int cpu_on(void *ctx, unsigned caller, unsigned target, uint64_t entry, uint64_t context)
{
	struct backend *b = ctx;

	(void)entry;
	(void)context;
	CHECK(caller < b->cpus && target < b->cpus && caller != target);
	if (b->on[target])
		return ARM64_PSCI_ALREADY_ON;
	b->on[target] = true;
	return (entry & 3) ? ARM64_PSCI_INVALID_ADDRESS : ARM64_PSCI_SUCCESS;
}

static int cpu_off(void *ctx, unsigned vcpu)
{
	struct backend *b = ctx;

	CHECK(vcpu < b->cpus);
	b->on[vcpu] = false;
	return ARM64_PSCI_SUCCESS;
}

static int cpu_state(void *ctx, unsigned vcpu)
{
	struct backend *b = ctx;

	CHECK(vcpu < b->cpus);
	return b->on[vcpu] ? ARM64_PSCI_STATE_ON : ARM64_PSCI_STATE_OFF;
}

static void cpu_suspend(void *ctx, unsigned vcpu)
{
	struct backend *b = ctx;

	CHECK(vcpu < b->cpus);
}

static void system_off(void *ctx)
{
	((struct backend *)ctx)->off_system = true;
}

static uint64_t take(const uint8_t **data, size_t *size, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i<bytes && * size> 0; i++, (*data)++, (*size)--)
		v |= (uint64_t)(*data)[0] << (8 * i);
	return v;
}

/* A function ID: mostly from the PSCI/SMCCC ranges, sometimes anything. */
static uint64_t function_id(uint64_t raw)
{
	static const uint32_t bases[] = {0x84000000u, 0xc4000000u, 0x80000000u, 0x80008000u};

	if ((raw >> 40) & 1)
		return raw;
	return (raw & 0xffffffff00000000ull) | bases[(raw >> 32) & 3] | (raw & 0x1f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct backend b = {.cpus = 1 + (unsigned)(take(&data, &size, 1) % MAX_CPUS)};
	unsigned null_ops = (unsigned)take(&data, &size, 1);
	struct arm64_psci_ops ops = {
	    .cpus = b.cpus,
	    .cpu_on = (null_ops & 1) ? NULL : cpu_on,
	    .cpu_off = (null_ops & 2) ? NULL : cpu_off,
	    .cpu_state = (null_ops & 4) ? NULL : cpu_state,
	    .cpu_suspend = (null_ops & 8) ? NULL : cpu_suspend,
	    .system_off = (null_ops & 16) ? NULL : system_off,
	    .system_reset = (null_ops & 32) ? NULL : system_off,
	    .ctx = &b,
	};

	b.on[0] = true;
	for (unsigned call = 0; call < MAX_CALLS && size > 0; call++) {
		unsigned vcpu = (unsigned)(take(&data, &size, 1) % b.cpus);
		uint64_t args[4];
		int64_t result;

		args[0] = function_id(take(&data, &size, 8));
		for (unsigned i = 1; i < 4; i++)
			args[i] = take(&data, &size, 8);
		result = (int64_t)arm64_psci_call(&ops, vcpu, args);
		/* Error codes, AFFINITY_INFO states and MIGRATE_INFO_TYPE, or a version. */
		CHECK((result >= ARM64_PSCI_INVALID_ADDRESS && result <= 2) ||
		      result == ARM64_PSCI_VERSION_1_1);
	}
	return 0;
}
