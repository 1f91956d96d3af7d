/* SPDX-License-Identifier: Apache-2.0 */
/* Field positions from the Arm ARM (D8, "The AArch64 Virtual Memory System Architecture"). */
#include "arch/aarch64/stage1.h"

#include <stdbool.h>

#include "core/endian.h"
#include "core/errors.h"

#define SCTLR_M	 (1ull << 0)
#define SCTLR_EE (1ull << 25)

#define TCR_T0SZ_SHIFT 0
#define TCR_EPD0       (1ull << 7)
#define TCR_TG0_SHIFT  14
#define TCR_T1SZ_SHIFT 16
#define TCR_EPD1       (1ull << 23)
#define TCR_TG1_SHIFT  30
#define TCR_TBI0       (1ull << 37)
#define TCR_TBI1       (1ull << 38)
#define TCR_DS	       (1ull << 59)

#define DESC_VALID (1ull << 0)
#define DESC_TABLE (1ull << 1)		 /* a table (levels 0-2) or a page (level 3) */
#define OA_MASK	   0x0000ffffffffffffull /* output address bits [47:0] */
#define TTBR_BADDR 0x0000fffffffffffeull

#define MIN_TXSZ 16 /* 48-bit inputs */
#define MAX_TXSZ 48

/* log2 of the granule: TG0 and TG1 encode it differently. */
static int granule_shift(unsigned tg, bool upper)
{
	static const int tg0[4] = {12, 16, 14, -1};
	static const int tg1[4] = {-1, 14, 12, 16};

	return upper ? tg1[tg & 3] : tg0[tg & 3];
}

static uint64_t low_bits(unsigned n)
{
	return n >= 64 ? UINT64_MAX : ((uint64_t)1 << n) - 1;
}

int arm64_stage1_translate(const struct arm64_mmu_regs *mmu, const struct guest_mem *mem,
			   uint64_t va, uint64_t *ipa)
{
	bool upper = (va >> 55) & 1;
	unsigned txsz = (unsigned)(mmu->tcr >> (upper ? TCR_T1SZ_SHIFT : TCR_T0SZ_SHIFT)) & 0x3f;
	bool tbi = (mmu->tcr & (upper ? TCR_TBI1 : TCR_TBI0)) != 0;
	int granule =
	    granule_shift((unsigned)(mmu->tcr >> (upper ? TCR_TG1_SHIFT : TCR_TG0_SHIFT)), upper);
	unsigned ia_bits = 64 - txsz, stride, levels, top_bits;
	uint64_t table, top;
	int level;

	if ((mmu->sctlr & SCTLR_M) == 0) {
		*ipa = va;
		return 0;
	}
	if ((mmu->sctlr & SCTLR_EE) != 0 || (mmu->tcr & TCR_DS) != 0 || granule < 0)
		return -SVMM_ENOTSUP;
	if (txsz < MIN_TXSZ || txsz > MAX_TXSZ)
		return -SVMM_ENOTSUP;
	if ((mmu->tcr & (upper ? TCR_EPD1 : TCR_EPD0)) != 0)
		return -SVMM_EFAULT;
	/* Bits above the input range (below the tag, with TBI) must all equal bit 55. */
	top_bits = (tbi ? 56 : 64) - ia_bits;
	top = (va >> ia_bits) & low_bits(top_bits);
	if (top != (upper ? low_bits(top_bits) : 0))
		return -SVMM_EFAULT;

	stride = (unsigned)granule - 3;
	levels = (ia_bits - (unsigned)granule + stride - 1) / stride;
	if (levels < 1 || levels > 4)
		return -SVMM_ENOTSUP;
	table = (upper ? mmu->ttbr1 : mmu->ttbr0) & TTBR_BADDR;
	for (level = 4 - (int)levels; level <= 3; level++) {
		unsigned shift = (unsigned)granule + (unsigned)(3 - level) * stride;
		unsigned bits = level == 4 - (int)levels ? ia_bits - shift : stride;
		uint64_t entry = (va >> shift) & low_bits(bits);
		uint8_t raw[8];
		uint64_t desc;

		/* A table is aligned to its size (at least 64 bytes). */
		table &= ~low_bits(bits + 3 < 6 ? 6 : bits + 3);
		if (guest_mem_read(mem, table + entry * 8, raw, sizeof(raw)) < 0)
			return -SVMM_EFAULT;
		desc = le_load(raw, sizeof(raw));
		if ((desc & DESC_VALID) == 0)
			return -SVMM_EFAULT;
		if (level < 3 && (desc & DESC_TABLE) != 0) {
			table = desc & OA_MASK & ~low_bits((unsigned)granule);
			continue;
		}
		/* A block at level 0, or a level-3 descriptor that is not a page, is invalid. */
		if (level == 0 || (level == 3 && (desc & DESC_TABLE) == 0))
			return -SVMM_EFAULT;
		*ipa = (desc & OA_MASK & ~low_bits(shift)) | (va & low_bits(shift));
		return 0;
	}
	return -SVMM_EFAULT;
}
