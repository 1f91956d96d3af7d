/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the no-syndrome instruction decoder and emulator
 * (arch/aarch64/insn.c). The input is an instruction word (half the time
 * forced into the load/store encoding space, so the decoder gets past its
 * first checks), a DC ZVA block size, a fault offset, a device answer and a
 * register file. A successful decode is emulated against a device that
 * checks every access.
 *
 * The harness checks the emulator's promises: every access lies in the
 * fault's 4 KiB page with a size of 1, 2, 4 or 8 and a store value that
 * fits; at most ARM64_ZVA_MAX_BLOCK / 4 accesses; on failure no register
 * changes; on success the PC moves by 4 and only the transfer registers,
 * the base register (write-back) and SP change.
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_insn)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/insn.h"
#include "core/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_insn: %s:%d: check failed: %s\n", __FILE__,          \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define FAULT_PAGE   0x0a001000ull
#define MAX_ACCESSES (ARM64_ZVA_MAX_BLOCK / 4)

struct input {
	const uint8_t *data;
	size_t size;
};

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->size > 0; i++, in->data++, in->size--)
		v |= (uint64_t)in->data[0] << (8 * i);
	return v;
}

struct device {
	uint64_t answer;
	unsigned count;
	int fail_at;
};

static int device_access(void *ctx, struct access *acc)
{
	struct device *dev = ctx;

	CHECK(acc->size == 1 || acc->size == 2 || acc->size == 4 || acc->size == 8);
	CHECK((acc->gpa & ~0xfffull) == FAULT_PAGE);
	CHECK((acc->gpa & 0xfff) + acc->size <= 0x1000);
	if (acc->is_write && acc->size < 8)
		CHECK((acc->value >> (8 * acc->size)) == 0);
	CHECK(++dev->count <= MAX_ACCESSES);
	if ((int)dev->count == dev->fail_at)
		return -SVMM_EIO;
	if (!acc->is_write)
		acc->value = dev->answer * dev->count;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint32_t insn = (uint32_t)take(&in, 4);
	unsigned selector = (unsigned)take(&in, 1);
	unsigned zva_block = 1u << (take(&in, 1) % 13); /* 1 .. 4096: some invalid */
	uint64_t fault_offset = take(&in, 2) & 0xfff;
	struct device dev = {.answer = take(&in, 8), .fail_at = (int)(take(&in, 1) % 8) - 1};
	struct arm64_regs regs, before;
	struct arm64_insn op;
	int err;

	for (unsigned i = 0; i < 31; i++)
		regs.x[i] = take(&in, 8);
	regs.sp = take(&in, 8);
	regs.pc = take(&in, 8);
	regs.pstate = take(&in, 8);
	/* Into the loads and stores (op0 = x1x0) most of the time. */
	if (selector & 1)
		insn = (insn & ~0x0a000000u) | 0x08000000u;
	/* Aim the base at the fault's page, so emulation gets past its checks. */
	if (selector & 2) {
		for (unsigned i = 0; i < 31; i++)
			regs.x[i] = (regs.x[i] & 0xfff) | 0xffff80000a001000ull;
		regs.sp = (regs.sp & 0xff0) | 0xffff80000a001000ull;
	}
	before = regs;
	err = arm64_insn_decode(insn, &regs, zva_block, &op);
	CHECK(memcmp(&before, &regs, sizeof(regs)) == 0);
	if (err < 0) {
		CHECK(err == -SVMM_ENOTSUP || err == -SVMM_EINVAL);
		return 0;
	}
	CHECK(op.count >= 1 && op.count <= MAX_ACCESSES);
	CHECK(op.rn <= 31 && op.rt[0] <= 31 && op.rt[1] <= 31);
	if (selector & 4)
		fault_offset = op.va & 0xfff;
	err = arm64_insn_emulate(&op, FAULT_PAGE | fault_offset, op.kind != ARM64_INSN_LOAD, 3,
				 device_access, &dev, &regs);
	if (err < 0) {
		CHECK(err == -SVMM_EFAULT || err == -SVMM_EIO);
		CHECK(memcmp(&before, &regs, sizeof(regs)) == 0);
		return 0;
	}
	CHECK(regs.pc == before.pc + 4);
	CHECK(regs.pstate == before.pstate);
	CHECK(dev.count == op.count);
	for (unsigned i = 0; i < 31; i++) {
		bool may_change = (op.kind == ARM64_INSN_LOAD &&
				   (i == op.rt[0] || (op.count == 2 && i == op.rt[1]))) ||
				  (op.writeback && i == op.rn);
		CHECK(may_change || regs.x[i] == before.x[i]);
	}
	if (!(op.writeback && op.rn == ARM64_REG_SP))
		CHECK(regs.sp == before.sp);
	return 0;
}
