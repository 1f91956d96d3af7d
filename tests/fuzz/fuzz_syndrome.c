/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the syndrome decoders (arch/aarch64/syndrome.c).
 * The input is an ESR, an IPA, a device's answer, a PSTATE and a register
 * file; half the time the ESR's class is forced to a data abort so the
 * decoder gets past its first check. Every decoder runs on it, and a
 * successful data-abort decode is completed against a copy of the
 * registers.
 *
 * The register file sits between two guard blocks in one struct, so an
 * index past x[30] (register 31 is XZR and has no slot) either trips
 * UBSan's bounds check or changes a guard, which the harness checks. It
 * also checks the decoder's promises: sizes are 1/2/4/8, a store's value
 * fits its size, only the target register, PC and PSTATE change on
 * completion, and PC moves by exactly 2 or 4 (mod 2^32 for AArch32).
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_syndrome)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/syndrome.h"
#include "core/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_syndrome: %s:%d: check failed: %s\n", __FILE__,      \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define GUARD	   0x5a5a5a5a5a5a5a5aull
#define GUARD_LEN  8
#define EC_SHIFT   26
#define EC_MASK	   ((uint64_t)0x3f << EC_SHIFT)
#define PSTATE_NRW 0x10u

struct guarded_regs {
	uint64_t before[GUARD_LEN];
	struct arm64_regs regs;
	uint64_t after[GUARD_LEN];
};

struct input {
	const uint8_t *data;
	size_t size;
};

/* Little-endian, zero-padded once the input runs out. */
static uint64_t take_u64(struct input *in)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8 && in->size > 0; i++, in->data++, in->size--)
		v |= (uint64_t)in->data[0] << (8 * i);
	return v;
}

static void check_guards(const struct guarded_regs *g)
{
	for (unsigned i = 0; i < GUARD_LEN; i++) {
		CHECK(g->before[i] == GUARD);
		CHECK(g->after[i] == GUARD);
	}
}

static uint64_t size_mask(unsigned size)
{
	return size == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * size)) - 1;
}

static void fuzz_data_abort(uint64_t esr, uint64_t ipa, uint64_t answer, struct guarded_regs *g)
{
	struct arm64_abort_info info;
	struct access acc;
	struct arm64_regs before;
	uint64_t expect_pc;
	int ret;

	memset(&acc, 0, sizeof(acc));
	ret = arm64_decode_data_abort(esr, ipa, 7, &g->regs, &acc, &info);
	check_guards(g);
	if (arm64_esr_class(esr) != ARM64_EC_DABT_LOW) {
		CHECK(ret == -SVMM_EINVAL);
		return;
	}
	if (ret != 0) {
		CHECK(ret == -SVMM_ENOTSUP || ret == -SVMM_EFAULT);
		return;
	}
	CHECK(info.isv);
	CHECK(acc.size == 1 || acc.size == 2 || acc.size == 4 || acc.size == 8);
	CHECK(acc.size == info.size);
	CHECK(acc.gpa == ipa && acc.vcpu == 7);
	CHECK(info.reg <= 31);
	if (acc.is_write) {
		CHECK((acc.value & ~size_mask(acc.size)) == 0);
		if (info.reg == 31)
			CHECK(acc.value == 0);
		else
			CHECK(acc.value == (g->regs.x[info.reg] & size_mask(acc.size)));
	} else {
		acc.value = answer;
	}

	before = g->regs;
	arm64_complete_data_abort(&info, &acc, &g->regs);
	check_guards(g);

	expect_pc = before.pc + (info.il32 ? 4 : 2);
	if (before.pstate & PSTATE_NRW)
		expect_pc &= UINT32_MAX;
	CHECK(g->regs.pc == expect_pc);
	CHECK(g->regs.sp == before.sp);
	for (unsigned i = 0; i < 31; i++) {
		if (i == info.reg && !acc.is_write) {
			uint64_t loaded = g->regs.x[i];
			/* A W register holds at most 4 of the bytes (SF = 0 with SAS = 3 is junk).
			 */
			uint64_t kept =
			    size_mask(acc.size) & (info.reg64 ? UINT64_MAX : UINT32_MAX);

			/* Whatever the extension, those low bytes are the device's. */
			CHECK((loaded & kept) == (answer & kept));
			if (!info.reg64)
				CHECK(loaded <= UINT32_MAX);
			continue;
		}
		CHECK(g->regs.x[i] == before.x[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct guarded_regs g;
	uint64_t esr = take_u64(&in);
	uint64_t ipa = take_u64(&in);
	uint64_t answer = take_u64(&in);
	uint64_t flags = take_u64(&in);

	/* Half the inputs are data aborts, so the interesting path is not left to chance. */
	if (flags & 1)
		esr = (esr & ~EC_MASK) | (uint64_t)ARM64_EC_DABT_LOW << EC_SHIFT;

	for (unsigned i = 0; i < GUARD_LEN; i++)
		g.before[i] = g.after[i] = GUARD;
	for (unsigned i = 0; i < 31; i++)
		g.regs.x[i] = take_u64(&in);
	g.regs.sp = take_u64(&in);
	g.regs.pc = take_u64(&in);
	g.regs.pstate = flags >> 1;

	fuzz_data_abort(esr, ipa, answer, &g);

	{
		struct arm64_wfx wfx;
		struct arm64_call call;
		struct arm64_sysreg_access sys;
		enum arm64_exception_class ec = arm64_esr_class(esr);
		int ret;

		CHECK((unsigned)ec <= 0x3f);
		ret = arm64_decode_wfx(esr, &wfx);
		CHECK((ret == 0) == (ec == ARM64_EC_WFX));
		if (ret == 0)
			CHECK(wfx.timeout_reg <= 31 && (unsigned)wfx.kind <= 3);

		ret = arm64_decode_call(esr, &call);
		if (ret == 0)
			CHECK(call.skip == call.smc);

		ret = arm64_decode_sysreg(esr, &sys);
		CHECK((ret == 0) == (ec == ARM64_EC_SYS64));
		if (ret == 0) {
			CHECK(sys.reg <= 31);
			CHECK(sys.id == ARM64_SYSREG(sys.op0, sys.op1, sys.crn, sys.crm, sys.op2));
			arm64_reg_set(&g.regs, sys.reg, esr);
			CHECK(arm64_reg_get(&g.regs, sys.reg) == (sys.reg == 31 ? 0 : esr));
			check_guards(&g);
		}
	}
	return 0;
}
