/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the guest page-table walk and the fetch of the
 * instruction at the guest's PC (arch/aarch64/stage1.c, nisv.c): the
 * guest's "page tables" are the input itself, in a 64 KiB region of guest
 * RAM, with TCR/SCTLR/TTBR values and a PC from the input too (the TTBRs
 * mostly pointed into that region so the walk gets somewhere). A hostile
 * guest controls all of this. Checks: a translation that succeeds gives an
 * address in the 48-bit range, no access goes outside guest memory
 * (ASan), and a failed emulation leaves the registers as they were.
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_stage1)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/nisv.h"
#include "core/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_stage1: %s:%d: check failed: %s\n", __FILE__,        \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x10000u

struct input {
	const uint8_t *data;
	size_t size;
};

static uint64_t take(struct input *in)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8 && in->size > 0; i++, in->data++, in->size--)
		v |= (uint64_t)in->data[0] << (8 * i);
	return v;
}

static int any_access(void *ctx, struct access *acc)
{
	(void)ctx;
	CHECK(acc->size >= 1 && acc->size <= 8);
	if (!acc->is_write)
		acc->value = 0x1234;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram[RAM_SIZE];
	struct input in = {data, size};
	struct arm64_mmu_regs mmu;
	struct guest_mem mem = {0};
	struct arm64_nisv_fault fault = {.vcpu = 0, .zva_block = 64};
	struct arm64_regs regs = {0}, before;
	uint64_t ipa, va, steer;

	mmu.sctlr = take(&in);
	mmu.tcr = take(&in);
	mmu.ttbr0 = take(&in);
	mmu.ttbr1 = take(&in);
	va = take(&in);
	steer = take(&in);
	fault.ipa = take(&in);
	fault.is_write = (steer >> 8) & 1;
	/* Mostly a walk that starts in the region: MMU on, tables in guest RAM. */
	if (steer & 1) {
		mmu.sctlr |= 1;
		mmu.ttbr0 = RAM_BASE + (mmu.ttbr0 & (RAM_SIZE - 1));
		mmu.ttbr1 = RAM_BASE + (mmu.ttbr1 & (RAM_SIZE - 1));
	}
	memset(ram, 0, sizeof(ram));
	memcpy(ram, in.data, in.size < RAM_SIZE ? in.size : RAM_SIZE);
	CHECK(guest_mem_add(&mem, RAM_BASE, RAM_SIZE, ram) == 0);

	if (arm64_stage1_translate(&mmu, &mem, va, &ipa) == 0 && (mmu.sctlr & 1))
		CHECK(ipa < (1ull << 48));

	for (unsigned i = 0; i < 31; i++)
		regs.x[i] = RAM_BASE + 8 * i;
	regs.pc = va;
	regs.pstate = steer >> 16;
	before = regs;
	if (arm64_nisv_emulate(&fault, &mmu, &mem, any_access, NULL, &regs, NULL, NULL) < 0)
		CHECK(memcmp(&before, &regs, sizeof(regs)) == 0);
	else
		CHECK(regs.pc == before.pc + 4);
	return 0;
}
