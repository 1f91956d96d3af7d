/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the GICv2 distributor as a hostile guest and a misbehaving
 * hypervisor at once: the input chooses the shape (vCPUs, INTIDs, LRs),
 * then a sequence of distributor accesses of any size and offset from any
 * vCPU number, device line changes, PPIs, maintenance events (mostly for
 * LRs that hold something, sometimes for any), backend refusals and
 * resets. The fake backend keeps its own copy of every vCPU's LRs and
 * aborts when the vGIC writes an LR that is in use, an INTID that does not
 * exist, or one INTID twice at once; AddressSanitizer catches any index
 * out of range.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_vgic.c \
 *     arch/aarch64/vgic.c core/bus.c core/errors.c core/guest_mem.c core/log.c core/vm.c \
 *     -o /tmp/fvgic
 *   /tmp/fvgic -max_total_time=60
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/vgic.h"
#include "core/errors.h"
#include "core/vm.h"

#include "tests/fuzz/fake_guest.h"

#define DIST_BASE 0x08000000ull
#define DIST_SIZE 0x10000ull
#define MAX_OPS	  1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz {
	struct vm vm;
	struct vgic g;
	/* The backend's view of the hardware LRs: INTID held, or VGIC_LR_FREE. */
	uint16_t lr[VGIC_MAX_CPUS][VGIC_MAX_LRS];
	unsigned cpus, num_irqs, num_lrs;
	int fail;
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static int fuzz_inject(void *ctx, unsigned vcpu, unsigned lr, const struct vgic_lr_entry *e)
{
	struct fuzz *f = ctx;

	check(vcpu < f->cpus && lr < f->num_lrs);
	check(f->lr[vcpu][lr] == VGIC_LR_FREE);
	check(e->intid < f->num_irqs);
	check((e->priority & 7) == 0);
	check(e->intid < VGIC_NR_SGIS ? e->source_cpu < f->cpus : e->source_cpu == VGIC_NO_SOURCE);
	/* Never the same interrupt twice: per vCPU for SGI/PPI, anywhere for an SPI. */
	for (unsigned c = 0; c < f->cpus; c++) {
		if (c != vcpu && e->intid < VGIC_NR_PRIVATE)
			continue;
		for (unsigned i = 0; i < f->num_lrs; i++)
			check(f->lr[c][i] != e->intid);
	}
	if (f->fail != 0)
		return f->fail;
	f->lr[vcpu][lr] = (uint16_t)e->intid;
	return 0;
}

static void fuzz_kick(void *ctx, unsigned vcpu)
{
	struct fuzz *f = ctx;

	check(vcpu < f->cpus);
}

static void fuzz_eoi(void *ctx, unsigned vcpu, unsigned intid)
{
	struct fuzz *f = ctx;

	check(vcpu < f->cpus && intid < f->num_irqs);
}

static const struct vgic_backend_ops fuzz_ops = {
    .inject = fuzz_inject,
    .kick = fuzz_kick,
    .eoi = fuzz_eoi,
};

/* An offset: mostly a real register, sometimes anywhere in (or just past) the window. */
static uint64_t take_offset(struct fuzz_input *in)
{
	uint8_t kind = fuzz_take8(in);

	if (kind < 0xe0)
		return fuzz_take16(in) & 0xfff;
	if (kind < 0xf0)
		return 0xf00 + (fuzz_take8(in) & 0x3f);
	return fuzz_take16(in) + (kind & 3);
}

static unsigned take_vcpu(struct fuzz *f, struct fuzz_input *in)
{
	uint8_t v = fuzz_take8(in);

	/* Now and then a vCPU that does not exist. */
	return v < 0xf0 ? v % f->cpus : v;
}

static void mmio(struct fuzz *f, struct fuzz_input *in, bool is_write)
{
	static const uint8_t sizes[8] = {4, 4, 4, 1, 1, 2, 8, 3};
	struct access acc = {
	    .vcpu = take_vcpu(f, in),
	    .gpa = DIST_BASE + take_offset(in),
	    .size = sizes[fuzz_take8(in) % 8],
	    .is_write = is_write,
	    .value = is_write ? fuzz_take32(in) : 0x5a5a5a5a5a5a5a5aull,
	};
	int err = bus_dispatch(&f->vm.mmio, &acc);

	/* A read the vGIC rejects or serves never leaves stale bits behind. */
	if (!is_write && err == -SVMM_EINVAL)
		check(acc.value == 0);
	if (!is_write && err == 0)
		check(acc.value <= 0xffffffffu);
}

/* Maintenance for an LR the backend knows is full, or for anything at all. */
static void maintenance(struct fuzz *f, struct fuzz_input *in)
{
	uint8_t kind = fuzz_take8(in);
	unsigned vcpu = take_vcpu(f, in);
	unsigned lr = fuzz_take8(in);
	int err;

	if (kind < 0xc0 && vcpu < f->cpus) {
		for (unsigned i = 0; i < f->num_lrs; i++) {
			unsigned n = (lr + i) % f->num_lrs;

			if (f->lr[vcpu][n] != VGIC_LR_FREE) {
				lr = n;
				break;
			}
		}
	}
	/* The hardware LR empties on the EOI, before the vGIC hears of it. */
	if (vcpu < f->cpus && lr < f->num_lrs) {
		bool full = f->lr[vcpu][lr] != VGIC_LR_FREE;

		f->lr[vcpu][lr] = VGIC_LR_FREE;
		err = vgic_maintenance(&f->g, vcpu, lr);
		check(full ? err == 0 : err == -SVMM_EINVAL);
	} else {
		check(vgic_maintenance(&f->g, vcpu, lr) == -SVMM_EINVAL);
	}
}

/* The vGIC's LRs and the backend's must agree after every step. */
static void check_lrs(struct fuzz *f)
{
	for (unsigned c = 0; c < f->cpus; c++)
		for (unsigned i = 0; i < f->num_lrs; i++) {
			int held = vgic_lr_intid(&f->g, c, i);

			check(held == (f->lr[c][i] == VGIC_LR_FREE ? -1 : (int)f->lr[c][i]));
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {.data = data, .size = size};
	struct fuzz *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return 0;
	vm_init(&f->vm, "fuzz", NULL);
	f->cpus = 1 + fuzz_take8(&in) % VGIC_MAX_CPUS;
	f->num_irqs = VGIC_NR_PRIVATE + fuzz_take16(&in) % (VGIC_MAX_INTIDS - VGIC_NR_PRIVATE + 1);
	f->num_lrs = 1 + fuzz_take8(&in) % VGIC_MAX_LRS;
	memset(f->lr, 0xff, sizeof(f->lr));
	if (vgic_init(&f->g, &f->vm, f->cpus, f->num_irqs, f->num_lrs, &fuzz_ops, f) != 0 ||
	    vgic_attach(&f->g, DIST_BASE, DIST_SIZE) != 0)
		abort();

	for (unsigned op = 0; op < MAX_OPS && fuzz_input_left(&in); op++) {
		uint8_t kind = fuzz_take8(&in);
		unsigned vcpu, intid;

		switch (kind % 10) {
		case 0:
		case 1:
		case 2:
			mmio(f, &in, true);
			break;
		case 3:
			mmio(f, &in, false);
			break;
		case 4:
			/* Any line number, most of them real. */
			intid = fuzz_take16(&in);
			vm_irq_set(&f->vm, (kind & 0x80) ? intid : intid % 64, kind & 0x40);
			break;
		case 5:
			intid = fuzz_take16(&in);
			vm_irq_pulse(&f->vm, (kind & 0x80) ? intid : intid % 64);
			break;
		case 6:
			maintenance(f, &in);
			break;
		case 7:
			vcpu = take_vcpu(f, &in);
			intid = fuzz_take8(&in);
			if (kind & 0x80)
				vgic_inject_ppi(&f->g, vcpu,
						(kind & 0x40) ? intid : 16 + intid % 16);
			else
				vgic_set_ppi_level(&f->g, vcpu, 16 + intid % 32, kind & 0x40);
			break;
		case 8:
			/* The hypervisor refuses LR writes for a while. */
			f->fail = (kind & 0xc0) == 0xc0 ? -SVMM_EBUSY : 0;
			break;
		case 9:
			if ((kind & 0xf0) == 0xf0) {
				/* The backend empties the LRs, then resets the vGIC. */
				memset(f->lr, 0xff, sizeof(f->lr));
				vgic_reset(&f->g);
			}
			break;
		}
		/* Comparing every LR after every step would cost more than the step. */
		if (op % 8 == 0)
			check_lrs(f);
	}
	check_lrs(f);
	free(f);
	return 0;
}
