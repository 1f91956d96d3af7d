/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest page-table walk (arch/aarch64/stage1.h), the no-syndrome
 * emulation from the guest's PC (arch/aarch64/nisv.h) and the abort
 * injection computation (arch/aarch64/inject.h). Page tables are built
 * here by hand from the Arm ARM's descriptor formats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/inject.h"
#include "arch/aarch64/nisv.h"
#include "arch/aarch64/stage1.h"
#include "core/endian.h"
#include "core/errors.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (16ull << 20)
#define SCTLR_M	 1ull

/* TCR_EL1 fields. */
#define T0SZ(n)	 ((uint64_t)(n))
#define T1SZ(n)	 ((uint64_t)(n) << 16)
#define TG0_4K	 (0ull << 14)
#define TG0_64K	 (1ull << 14)
#define TG0_16K	 (2ull << 14)
#define TG1_4K	 (2ull << 30)
#define EPD0	 (1ull << 7)
#define TBI0	 (1ull << 37)
#define DESC_TBL 3ull /* valid table (or level-3 page) */
#define DESC_BLK 1ull /* valid block */

struct guest {
	struct guest_mem mem;
	uint8_t *ram;
	uint64_t next_table; /* bump allocator for tables, from RAM_BASE + 8 MiB */
};

static struct guest *guest_new(void)
{
	struct guest *g = calloc(1, sizeof(*g));

	g->ram = calloc(1, RAM_SIZE);
	assert_int_equal(guest_mem_add(&g->mem, RAM_BASE, RAM_SIZE, g->ram), 0);
	g->next_table = RAM_BASE + (8ull << 20);
	return g;
}

static void guest_free(struct guest *g)
{
	free(g->ram);
	free(g);
}

static uint64_t table_alloc(struct guest *g, uint64_t granule)
{
	uint64_t t = (g->next_table + granule - 1) & ~(granule - 1);

	g->next_table = t + granule;
	return t;
}

static void put64(struct guest *g, uint64_t gpa, uint64_t value)
{
	le_store(g->ram + (gpa - RAM_BASE), value, 8);
}

static uint64_t get64(struct guest *g, uint64_t gpa)
{
	return le_load(g->ram + (gpa - RAM_BASE), 8);
}

/*
 * Maps va -> pa (a page of `granule`) in the tables under `root`, walking
 * from `start` level with `ia` input bits, making tables as needed.
 */
static void map_page(struct guest *g, uint64_t root, unsigned ia, unsigned gshift, uint64_t va,
		     uint64_t pa)
{
	unsigned stride = gshift - 3;
	unsigned levels = (ia - gshift + stride - 1) / stride;
	uint64_t table = root;

	for (unsigned level = 4 - levels; level <= 3; level++) {
		unsigned shift = gshift + (3 - level) * stride;
		uint64_t idx = (va >> shift) & ((1ull << stride) - 1);
		uint64_t slot = table + idx * 8;

		if (level == 4 - levels)
			idx = (va >> shift) & ((1ull << (ia - shift)) - 1), slot = table + idx * 8;
		if (level == 3) {
			put64(g, slot, pa | DESC_TBL | (1ull << 10) /* AF */);
			return;
		}
		if ((get64(g, slot) & 1) == 0)
			put64(g, slot, table_alloc(g, 1ull << gshift) | DESC_TBL);
		table = get64(g, slot) & 0x0000fffffffff000ull & ~((1ull << gshift) - 1);
	}
}

static void test_mmu_off_is_identity(void **state)
{
	struct guest *g = guest_new();
	struct arm64_mmu_regs mmu = {0};
	uint64_t ipa = 0;

	(void)state;
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x40001234, &ipa), 0);
	assert_int_equal(ipa, 0x40001234);
	guest_free(g);
}

static void test_4k_both_halves(void **state)
{
	struct guest *g = guest_new();
	uint64_t root0 = table_alloc(g, 4096), root1 = table_alloc(g, 4096), ipa = 0;
	struct arm64_mmu_regs mmu = {
	    .sctlr = SCTLR_M,
	    .tcr = T0SZ(16) | TG0_4K | T1SZ(25) | TG1_4K,
	    .ttbr0 = root0 | (5ull << 48), /* an ASID must not disturb the walk */
	    .ttbr1 = root1,
	};

	(void)state;
	map_page(g, root0, 48, 12, 0x0000123456789000ull, RAM_BASE + 0x5000);
	map_page(g, root1, 39, 12, 0xffffffc008001000ull, RAM_BASE + 0x7000);
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x0000123456789abcull, &ipa), 0);
	assert_int_equal(ipa, RAM_BASE + 0x5abc);
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0xffffffc008001ff8ull, &ipa), 0);
	assert_int_equal(ipa, RAM_BASE + 0x7ff8);
	/* Unmapped, non-canonical, and outside the 39-bit upper half. */
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x0000123456788000ull, &ipa),
			 -SVMM_EFAULT);
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x0001000000000000ull, &ipa),
			 -SVMM_EFAULT);
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0xffff000008001000ull, &ipa),
			 -SVMM_EFAULT);
	/* Top byte ignored only with TBI0. */
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x2a00123456789abcull, &ipa),
			 -SVMM_EFAULT);
	mmu.tcr |= TBI0;
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x2a00123456789abcull, &ipa), 0);
	assert_int_equal(ipa, RAM_BASE + 0x5abc);
	/* EPD0: no walks in the lower half. */
	mmu.tcr |= EPD0;
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x0000123456789abcull, &ipa),
			 -SVMM_EFAULT);
	guest_free(g);
}

static void test_block_and_bad_tables(void **state)
{
	struct guest *g = guest_new();
	uint64_t root = table_alloc(g, 4096), l2 = table_alloc(g, 4096), ipa = 0;
	struct arm64_mmu_regs mmu = {.sctlr = SCTLR_M, .tcr = T0SZ(25) | TG0_4K, .ttbr0 = root};

	(void)state;
	/* 39 bits: level 1 first. A 2 MiB block at level 2 for VA 0x40200000. */
	put64(g, root + 1 * 8, l2 | DESC_TBL);
	put64(g, l2 + 1 * 8, (RAM_BASE + 0x200000) | DESC_BLK);
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x40212345, &ipa), 0);
	assert_int_equal(ipa, RAM_BASE + 0x212345);
	/* A 1 GiB block at level 1. */
	put64(g, root + 2 * 8, 0x40000000ull | DESC_BLK);
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x80000010, &ipa), 0);
	assert_int_equal(ipa, 0x40000010);
	/* A table pointer outside guest RAM. */
	put64(g, root + 3 * 8, 0x9000000ull | DESC_TBL);
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0xc0000000, &ipa), -SVMM_EFAULT);
	/* A TTBR outside guest RAM. */
	mmu.ttbr0 = 0x1000;
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x40212345, &ipa), -SVMM_EFAULT);
	/* Big-endian tables and 52-bit (DS) are not implemented. */
	mmu.ttbr0 = root;
	mmu.sctlr |= 1ull << 25;
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x40212345, &ipa), -SVMM_ENOTSUP);
	guest_free(g);
}

static void test_16k_and_64k(void **state)
{
	struct guest *g = guest_new();
	uint64_t root16 = table_alloc(g, 16384), root64 = table_alloc(g, 65536), ipa = 0;
	struct arm64_mmu_regs mmu = {.sctlr = SCTLR_M, .tcr = T0SZ(17) | TG0_16K, .ttbr0 = root16};

	(void)state;
	map_page(g, root16, 47, 14, 0x00004000deadc000ull, RAM_BASE + 0x10000);
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x00004000deadd234ull, &ipa), 0);
	assert_int_equal(ipa, RAM_BASE + 0x11234);
	mmu = (struct arm64_mmu_regs){.sctlr = SCTLR_M, .tcr = T0SZ(22) | TG0_64K, .ttbr0 = root64};
	map_page(g, root64, 42, 16, 0x0000012345670000ull, RAM_BASE + 0x30000);
	assert_int_equal(arm64_stage1_translate(&mmu, &g->mem, 0x000001234567fffcull, &ipa), 0);
	assert_int_equal(ipa, RAM_BASE + 0x3fffc);
	guest_free(g);
}

/* ---- arm64_nisv_emulate ---- */

#define KERNEL_VA 0xffffffc008010000ull
#define DEVICE_VA 0xffffffc00a000000ull
#define DEVICE_PA 0x0a000000ull

struct device_log {
	struct access acc[4];
	unsigned count;
};

static int log_access(void *ctx, struct access *acc)
{
	struct device_log *log = ctx;

	if (!acc->is_write)
		acc->value = 0x8877665544332211ull;
	if (log->count < 4)
		log->acc[log->count++] = *acc;
	return 0;
}

static void test_nisv_fetch_decode_emulate(void **state)
{
	struct guest *g = guest_new();
	uint64_t root = table_alloc(g, 4096);
	struct arm64_mmu_regs mmu = {
	    .sctlr = SCTLR_M, .tcr = T1SZ(25) | TG1_4K | EPD0, .ttbr1 = root};
	struct arm64_nisv_fault fault = {.vcpu = 1, .ipa = DEVICE_PA + 0x70, .zva_block = 64};
	struct arm64_regs regs = {.pc = KERNEL_VA + 0x10, .pstate = 0x3c5};
	struct device_log log = {0};
	struct arm64_insn op;
	uint32_t insn = 0;

	(void)state;
	map_page(g, root, 39, 12, KERNEL_VA, RAM_BASE + 0x3000);
	le_store(g->ram + 0x3010, 0xa9c10801, 4); /* ldp x1, x2, [x0, #16]! */
	regs.x[0] = DEVICE_VA + 0x60;
	assert_int_equal(
	    arm64_nisv_emulate(&fault, &mmu, &g->mem, log_access, &log, &regs, &op, &insn), 0);
	assert_int_equal(insn, 0xa9c10801);
	assert_int_equal(log.count, 2);
	assert_int_equal(log.acc[0].gpa, DEVICE_PA + 0x70);
	assert_int_equal(log.acc[1].gpa, DEVICE_PA + 0x78);
	assert_int_equal(log.acc[0].vcpu, 1);
	assert_int_equal(regs.x[1], 0x8877665544332211ull);
	assert_int_equal(regs.x[0], DEVICE_VA + 0x70);
	assert_int_equal(regs.pc, KERNEL_VA + 0x14);
	assert_int_equal(op.va, DEVICE_VA + 0x70);

	/* An instruction that is no load or store; the PC in no RAM; an unaligned PC; AArch32. */
	le_store(g->ram + 0x3014, 0xd503201f, 4);
	assert_int_equal(
	    arm64_nisv_emulate(&fault, &mmu, &g->mem, log_access, &log, &regs, NULL, NULL),
	    -SVMM_ENOTSUP);
	regs.pc = KERNEL_VA + 0x1000;
	assert_int_equal(
	    arm64_nisv_emulate(&fault, &mmu, &g->mem, log_access, &log, &regs, NULL, NULL),
	    -SVMM_EFAULT);
	regs.pc = KERNEL_VA + 0x12;
	assert_int_equal(
	    arm64_nisv_emulate(&fault, &mmu, &g->mem, log_access, &log, &regs, NULL, NULL),
	    -SVMM_EFAULT);
	regs.pc = KERNEL_VA + 0x10;
	regs.pstate = 0x10;
	assert_int_equal(
	    arm64_nisv_emulate(&fault, &mmu, &g->mem, log_access, &log, &regs, NULL, NULL),
	    -SVMM_ENOTSUP);
	assert_int_equal(log.count, 2);
	guest_free(g);
}

/* ---- arm64_inject_abort ---- */

#define VBAR 0xffffffc008011800ull

static void test_inject_data_abort_from_el1h(void **state)
{
	struct arm64_regs regs = {.pc = 0xffffffc008123450ull, .pstate = 0x600003c5ull};
	struct arm64_el1_state el1 = {.vbar = VBAR, .sctlr = 1ull << 23 /* SPAN */};
	struct arm64_el1_exception ex;

	(void)state;
	assert_int_equal(
	    arm64_inject_abort(ARM64_ABORT_DATA, DEVICE_VA + 8, true, &el1, &regs, &ex), 0);
	/* EC 0x25 (current EL), IL, FSC 0x10. */
	assert_int_equal(ex.esr, 0x96000010ull);
	assert_int_equal(ex.far, DEVICE_VA + 8);
	assert_int_equal(ex.elr, 0xffffffc008123450ull);
	assert_int_equal(ex.spsr, 0x600003c5ull);
	assert_int_equal(regs.pc, VBAR + 0x200);
	/* Flags kept, DAIF masked, EL1h; SPAN set so PAN stays as it was (clear). */
	assert_int_equal(regs.pstate, 0x600003c5ull);
}

static void test_inject_from_el0_and_el1t(void **state)
{
	struct arm64_regs regs = {.pc = 0x0000aaaabbbb0000ull, .pstate = 0x80000000ull};
	struct arm64_el1_state el1 = {.vbar = VBAR, .sctlr = 1ull << 44 /* DSSBS, SPAN = 0 */};
	struct arm64_el1_exception ex;

	(void)state;
	assert_int_equal(
	    arm64_inject_abort(ARM64_ABORT_INSTRUCTION, regs.pc, true, &el1, &regs, &ex), 0);
	assert_int_equal(ex.esr, 0x82000010ull); /* EC 0x20: instruction abort, lower EL */
	assert_int_equal(ex.far, 0x0000aaaabbbb0000ull);
	assert_int_equal(regs.pc, VBAR + 0x400);
	/* N kept; PAN set by SPAN = 0; SSBS by DSSBS; DAIF; EL1h. */
	assert_int_equal(regs.pstate, 0x80000000ull | (1ull << 22) | (1ull << 12) | 0x3c5);

	regs = (struct arm64_regs){.pc = 0x1000, .pstate = 0x4};
	assert_int_equal(arm64_inject_abort(ARM64_ABORT_DATA, 0, false, &el1, &regs, &ex), 0);
	assert_int_equal(ex.esr, 0x96000410ull); /* FnV: FAR not valid */
	assert_int_equal(ex.far, 0);
	assert_int_equal(regs.pc, VBAR);

	regs = (struct arm64_regs){.pc = 0x8000, .pstate = 0x10}; /* AArch32 user */
	assert_int_equal(arm64_inject_abort(ARM64_ABORT_DATA, 0x9000, true, &el1, &regs, &ex), 0);
	assert_int_equal(ex.esr, 0x92000010ull);
	assert_int_equal(regs.pc, VBAR + 0x600);
}

static void test_inject_refuses_unsupported_modes(void **state)
{
	struct arm64_el1_state el1 = {.vbar = VBAR};
	struct arm64_el1_exception ex;
	const uint64_t modes[] = {0x13 /* AArch32 SVC */, 0x9 /* EL2h */, 0x8 /* EL2t */};

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct arm64_regs regs = {.pc = 0x1234, .pstate = modes[i]};

		assert_int_equal(arm64_inject_abort(ARM64_ABORT_DATA, 0, false, &el1, &regs, &ex),
				 -SVMM_ENOTSUP);
		assert_int_equal(regs.pc, 0x1234);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mmu_off_is_identity),
	    cmocka_unit_test(test_4k_both_halves),
	    cmocka_unit_test(test_block_and_bad_tables),
	    cmocka_unit_test(test_16k_and_64k),
	    cmocka_unit_test(test_nisv_fetch_decode_emulate),
	    cmocka_unit_test(test_inject_data_abort_from_el1h),
	    cmocka_unit_test(test_inject_from_el0_and_el1t),
	    cmocka_unit_test(test_inject_refuses_unsupported_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
