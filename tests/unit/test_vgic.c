/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GICv2 distributor, register by register (IHI 0048B chapter 4), and
 * delivery into list registers through a fake backend that records every
 * LR write, kick and EOI notice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arch/aarch64/vgic.h"
#include "core/errors.h"
#include "core/vm.h"

#define DIST_BASE 0x08000000ull

#define CTLR	   0x000
#define TYPER	   0x004
#define IIDR	   0x008
#define IGROUPR	   0x080
#define ISENABLER  0x100
#define ICENABLER  0x180
#define ISPENDR	   0x200
#define ICPENDR	   0x280
#define ISACTIVER  0x300
#define ICACTIVER  0x380
#define IPRIORITYR 0x400
#define ITARGETSR  0x800
#define ICFGR	   0xc00
#define SGIR	   0xf00
#define CPENDSGIR  0xf10
#define SPENDSGIR  0xf20
#define ICPIDR2	   0xfe8

#define MAX_RECORDS 64

struct injection {
	unsigned vcpu, lr;
	struct vgic_lr_entry entry;
};

struct fake_backend {
	struct injection injected[MAX_RECORDS];
	unsigned count;
	unsigned kicks[VGIC_MAX_CPUS];
	unsigned eoi_vcpu[MAX_RECORDS], eoi_intid[MAX_RECORDS];
	unsigned eois;
	int fail; /* what inject returns when nonzero */
};

struct fixture {
	struct vm vm;
	struct vgic g;
	struct fake_backend be;
};

static int fake_inject(void *ctx, unsigned vcpu, unsigned lr, const struct vgic_lr_entry *entry)
{
	struct fake_backend *be = ctx;

	if (be->fail != 0)
		return be->fail;
	assert_true(be->count < MAX_RECORDS);
	be->injected[be->count++] = (struct injection){.vcpu = vcpu, .lr = lr, .entry = *entry};
	return 0;
}

static void fake_kick(void *ctx, unsigned vcpu)
{
	struct fake_backend *be = ctx;

	be->kicks[vcpu]++;
}

static void fake_eoi(void *ctx, unsigned vcpu, unsigned intid)
{
	struct fake_backend *be = ctx;

	assert_true(be->eois < MAX_RECORDS);
	be->eoi_vcpu[be->eois] = vcpu;
	be->eoi_intid[be->eois++] = intid;
}

static const struct vgic_backend_ops fake_ops = {
    .inject = fake_inject,
    .kick = fake_kick,
    .eoi = fake_eoi,
};

static void setup(struct fixture *f, unsigned cpus, unsigned num_irqs, unsigned num_lrs)
{
	memset(f, 0, sizeof(*f));
	vm_init(&f->vm, "test", NULL);
	assert_int_equal(vgic_init(&f->g, &f->vm, cpus, num_irqs, num_lrs, &fake_ops, &f->be), 0);
	assert_int_equal(vgic_attach(&f->g, DIST_BASE, 0x10000), 0);
}

/* An access through the bus, as the hypervisor backend makes it. */
static int dist_access(struct fixture *f, unsigned vcpu, uint64_t offset, uint8_t size,
		       bool is_write, uint64_t *value)
{
	struct access acc = {
	    .vcpu = vcpu, .gpa = DIST_BASE + offset, .size = size, .is_write = is_write};
	int err;

	if (is_write)
		acc.value = *value;
	else
		acc.value = 0xdeadbeef; /* must be overwritten */
	err = bus_dispatch(&f->vm.mmio, &acc);
	if (!is_write)
		*value = acc.value;
	return err;
}

static uint32_t rd(struct fixture *f, unsigned vcpu, uint64_t offset)
{
	uint64_t value;

	assert_int_equal(dist_access(f, vcpu, offset, 4, false, &value), 0);
	return (uint32_t)value;
}

static uint8_t rd8(struct fixture *f, unsigned vcpu, uint64_t offset)
{
	uint64_t value;

	assert_int_equal(dist_access(f, vcpu, offset, 1, false, &value), 0);
	return (uint8_t)value;
}

static void wr(struct fixture *f, unsigned vcpu, uint64_t offset, uint32_t value)
{
	uint64_t v = value;

	assert_int_equal(dist_access(f, vcpu, offset, 4, true, &v), 0);
}

static void wr8(struct fixture *f, unsigned vcpu, uint64_t offset, uint8_t value)
{
	uint64_t v = value;

	assert_int_equal(dist_access(f, vcpu, offset, 1, true, &v), 0);
}

/* Enables SPI `intid` at `priority`, targeted at `targets`. */
static void enable_spi(struct fixture *f, unsigned intid, uint8_t priority, uint8_t targets)
{
	wr8(f, 0, IPRIORITYR + intid, priority);
	wr8(f, 0, ITARGETSR + intid, targets);
	wr(f, 0, ISENABLER + 4 * (intid / 32), 1u << (intid % 32));
}

static void assert_injected(const struct fixture *f, unsigned index, unsigned vcpu, unsigned lr,
			    unsigned intid)
{
	assert_true(index < f->be.count);
	assert_int_equal(f->be.injected[index].vcpu, vcpu);
	assert_int_equal(f->be.injected[index].lr, lr);
	assert_int_equal(f->be.injected[index].entry.intid, intid);
}

static void test_init_rejects_bad_parameters(void **state)
{
	struct vm vm;
	struct vgic g;
	struct fake_backend be = {0};
	const struct vgic_backend_ops no_inject = {.kick = fake_kick};

	(void)state;
	vm_init(&vm, "test", NULL);
	assert_int_equal(vgic_init(&g, &vm, 0, 64, 4, &fake_ops, &be), -SVMM_EINVAL);
	assert_int_equal(vgic_init(&g, &vm, 9, 64, 4, &fake_ops, &be), -SVMM_EINVAL);
	assert_int_equal(vgic_init(&g, &vm, 1, 31, 4, &fake_ops, &be), -SVMM_EINVAL);
	assert_int_equal(vgic_init(&g, &vm, 1, 1021, 4, &fake_ops, &be), -SVMM_EINVAL);
	assert_int_equal(vgic_init(&g, &vm, 1, 64, 0, &fake_ops, &be), -SVMM_EINVAL);
	assert_int_equal(vgic_init(&g, &vm, 1, 64, 65, &fake_ops, &be), -SVMM_EINVAL);
	assert_int_equal(vgic_init(&g, &vm, 1, 64, 4, NULL, &be), -SVMM_EINVAL);
	assert_int_equal(vgic_init(&g, &vm, 1, 64, 4, &no_inject, &be), -SVMM_EINVAL);
	assert_int_equal(vgic_init(&g, NULL, 1, 64, 4, &fake_ops, &be), -SVMM_EINVAL);
	assert_int_equal(vgic_init(&g, &vm, 8, 1020, 64, &fake_ops, &be), 0);
	/* The distributor needs its 4 KiB. */
	assert_int_equal(vgic_attach(&g, DIST_BASE, 0x800), -SVMM_EINVAL);
	assert_int_equal(vgic_attach(&g, DIST_BASE, 0x1000), 0);
	assert_int_equal(vgic_attach(&g, DIST_BASE, 0x1000), -SVMM_EEXIST);
}

static void test_ctlr_typer_iidr(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2, 96, 4);
	assert_int_equal(rd(&f, 0, CTLR), 0);
	wr(&f, 0, CTLR, 0xffffffff);
	assert_int_equal(rd(&f, 1, CTLR), 3); /* EnableGrp0 and EnableGrp1, not banked */
	wr(&f, 1, CTLR, 1);
	assert_int_equal(rd(&f, 0, CTLR), 1);
	/* ITLinesNumber 2 (96 INTIDs), CPUNumber 1 (two CPUs), no Security Extensions. */
	assert_int_equal(rd(&f, 0, TYPER), 0x22);
	wr(&f, 0, TYPER, 0);
	assert_int_equal(rd(&f, 0, TYPER), 0x22);
	assert_int_equal(rd(&f, 0, IIDR), 0x5300043b);
	/* ICPIDR2.ArchRev says GICv2; the component ID is the standard one. */
	assert_int_equal((rd(&f, 0, ICPIDR2) >> 4) & 0xf, 2);
	assert_int_equal(rd(&f, 0, 0xff0), 0x0d);
	assert_int_equal(rd(&f, 0, 0xffc), 0xb1);

	/* A count that is not a multiple of 32 is rounded up in TYPER. */
	setup(&f, 8, 100, 4);
	assert_int_equal(rd(&f, 0, TYPER), (7u << 5) | 3);
	setup(&f, 1, 1020, 4);
	assert_int_equal(rd(&f, 0, TYPER), 31);
}

static void test_enable_set_clear(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2, 64, 4);
	assert_int_equal(rd(&f, 0, ISENABLER + 4), 0);
	wr(&f, 0, ISENABLER + 4, 0x5);
	assert_int_equal(rd(&f, 0, ISENABLER + 4), 0x5);
	assert_int_equal(rd(&f, 0, ICENABLER + 4), 0x5);
	/* Writing 1 sets, writing 0 leaves alone. */
	wr(&f, 0, ISENABLER + 4, 0x2);
	assert_int_equal(rd(&f, 1, ISENABLER + 4), 0x7); /* SPIs are shared */
	wr(&f, 1, ICENABLER + 4, 0x1);
	assert_int_equal(rd(&f, 0, ISENABLER + 4), 0x6);

	/* SGIs are always enabled; PPIs are banked per vCPU. */
	assert_int_equal(rd(&f, 0, ISENABLER), 0xffff);
	wr(&f, 0, ICENABLER, 0xffffffff);
	assert_int_equal(rd(&f, 0, ISENABLER), 0xffff);
	wr(&f, 0, ISENABLER, 1u << 27);
	assert_int_equal(rd(&f, 0, ISENABLER), 0xffff | 1u << 27);
	assert_int_equal(rd(&f, 1, ISENABLER), 0xffff);

	/* INTIDs past num_irqs are RAZ/WI. */
	wr(&f, 0, ISENABLER + 8, 0xffffffff);
	assert_int_equal(rd(&f, 0, ISENABLER + 8), 0);
	assert_int_equal(rd(&f, 0, ISENABLER + 0x7c), 0);
}

static void test_pending_active_set_clear(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2, 64, 4);
	wr(&f, 0, ISPENDR + 4, 0x30);
	assert_int_equal(rd(&f, 1, ISPENDR + 4), 0x30);
	assert_int_equal(rd(&f, 0, ICPENDR + 4), 0x30);
	wr(&f, 0, ICPENDR + 4, 0x10);
	assert_int_equal(rd(&f, 0, ISPENDR + 4), 0x20);
	/* The latch the guest cleared is finished: the backend hears it. */
	assert_int_equal(f.be.eois, 1);
	assert_int_equal(f.be.eoi_intid[0], 36);

	/* SGI pending bits are not set or cleared through ISPENDR0/ICPENDR0. */
	wr(&f, 0, ISPENDR, 0xffff);
	assert_int_equal(rd(&f, 0, ISPENDR), 0);
	wr(&f, 0, ISPENDR, 1u << 20);
	assert_int_equal(rd(&f, 0, ISPENDR), 1u << 20);
	assert_int_equal(rd(&f, 1, ISPENDR), 0);

	/* A level-sensitive line that is high is pending whatever ICPENDR says. */
	assert_int_equal(vm_irq_set(&f.vm, 9, true), 0);
	assert_int_equal(rd(&f, 0, ISPENDR + 4), 0x20 | 1u << 9);
	wr(&f, 0, ICPENDR + 4, 1u << 9);
	assert_int_equal(rd(&f, 0, ISPENDR + 4), 0x20 | 1u << 9);
	assert_int_equal(vm_irq_set(&f.vm, 9, false), 0);
	assert_int_equal(rd(&f, 0, ISPENDR + 4), 0x20);

	wr(&f, 0, ISACTIVER + 4, 0x3);
	assert_int_equal(rd(&f, 0, ISACTIVER + 4), 0x3);
	assert_int_equal(rd(&f, 1, ICACTIVER + 4), 0x3);
	wr(&f, 0, ICACTIVER + 4, 0x1);
	assert_int_equal(rd(&f, 0, ISACTIVER + 4), 0x2);
	wr(&f, 1, ISACTIVER, 1u << 3);
	assert_int_equal(rd(&f, 1, ISACTIVER), 1u << 3);
	assert_int_equal(rd(&f, 0, ISACTIVER), 0);
	/* Nothing was enabled, so nothing was delivered. */
	assert_int_equal(f.be.count, 0);
}

static void test_priority_bytes_and_words(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2, 64, 4);
	wr8(&f, 0, IPRIORITYR + 40, 0x10);
	wr8(&f, 0, IPRIORITYR + 41, 0x27); /* five bits kept: 0x20 */
	wr8(&f, 0, IPRIORITYR + 42, 0xff);
	wr8(&f, 0, IPRIORITYR + 43, 0x80);
	assert_int_equal(rd(&f, 1, IPRIORITYR + 40), 0x80f82010);
	wr(&f, 0, IPRIORITYR + 44, 0xa0b0c0d8);
	assert_int_equal(rd8(&f, 0, IPRIORITYR + 44), 0xd8);
	assert_int_equal(rd8(&f, 0, IPRIORITYR + 45), 0xc0);
	assert_int_equal(rd8(&f, 1, IPRIORITYR + 47), 0xa0);

	/* Private priorities are banked. */
	wr8(&f, 0, IPRIORITYR + 27, 0x40);
	wr(&f, 1, IPRIORITYR, 0x08080808);
	assert_int_equal(rd8(&f, 0, IPRIORITYR + 27), 0x40);
	assert_int_equal(rd8(&f, 1, IPRIORITYR + 27), 0);
	assert_int_equal(rd(&f, 1, IPRIORITYR), 0x08080808);
	assert_int_equal(rd(&f, 0, IPRIORITYR), 0);

	/* Past num_irqs: RAZ/WI. */
	wr8(&f, 0, IPRIORITYR + 64, 0x10);
	assert_int_equal(rd8(&f, 0, IPRIORITYR + 64), 0);
	assert_int_equal(rd(&f, 0, IPRIORITYR + 0x3fc), 0);
}

static void test_targets(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2, 64, 4);
	/* SGI/PPI targets read as the reader's own CPU, in every byte; writes ignored. */
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(&f, 0, ITARGETSR + 4 * i), 0x01010101);
		assert_int_equal(rd(&f, 1, ITARGETSR + 4 * i), 0x02020202);
	}
	wr8(&f, 1, ITARGETSR + 27, 0x1);
	wr(&f, 1, ITARGETSR, 0);
	assert_int_equal(rd8(&f, 1, ITARGETSR + 27), 0x2);
	assert_int_equal(rd(&f, 1, ITARGETSR), 0x02020202);

	/* SPIs start on CPU 0; byte writes, masked to the CPUs that exist. */
	assert_int_equal(rd(&f, 0, ITARGETSR + 32), 0x01010101);
	wr8(&f, 0, ITARGETSR + 33, 0x2);
	wr8(&f, 1, ITARGETSR + 34, 0xff);
	wr8(&f, 1, ITARGETSR + 35, 0);
	assert_int_equal(rd(&f, 0, ITARGETSR + 32), 0x00030201);
	wr(&f, 0, ITARGETSR + 60, 0x01020301);
	assert_int_equal(rd8(&f, 1, ITARGETSR + 62), 0x02);
	assert_int_equal(rd(&f, 0, ITARGETSR + 64), 0);

	/* One vCPU: every SPI goes to it, whatever is written. */
	setup(&f, 1, 64, 4);
	wr8(&f, 0, ITARGETSR + 40, 0);
	assert_int_equal(rd8(&f, 0, ITARGETSR + 40), 1);
}

static void test_icfgr(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2, 64, 4);
	/* SGIs are edge-triggered and that cannot change. */
	assert_int_equal(rd(&f, 0, ICFGR), 0xaaaaaaaa);
	wr(&f, 0, ICFGR, 0);
	assert_int_equal(rd(&f, 0, ICFGR), 0xaaaaaaaa);
	/* PPIs start level-sensitive and are banked. */
	assert_int_equal(rd(&f, 0, ICFGR + 4), 0);
	wr(&f, 0, ICFGR + 4, 0x00800000); /* PPI 27 edge */
	assert_int_equal(rd(&f, 0, ICFGR + 4), 0x00800000);
	assert_int_equal(rd(&f, 1, ICFGR + 4), 0);
	/* SPIs: only the odd bit of each pair is kept. */
	wr(&f, 1, ICFGR + 8, 0xffffffff);
	assert_int_equal(rd(&f, 0, ICFGR + 8), 0xaaaaaaaa);
	wr(&f, 0, ICFGR + 12, 0x0000000a);
	assert_int_equal(rd(&f, 0, ICFGR + 12), 0x0000000a);
	wr(&f, 0, ICFGR + 16, 0xffffffff);
	assert_int_equal(rd(&f, 0, ICFGR + 16), 0);
}

static void test_sgir_delivery_and_sources(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 4, 64, 4);
	wr(&f, 0, CTLR, 1);

	/* Filter 0: the CPU target list. */
	wr(&f, 0, SGIR, (0x6u << 16) | 3);
	assert_int_equal(f.be.count, 2);
	assert_injected(&f, 0, 1, 0, 3);
	assert_injected(&f, 1, 2, 0, 3);
	assert_int_equal(f.be.injected[0].entry.source_cpu, 0);
	assert_int_equal(f.be.injected[1].entry.source_cpu, 0);
	assert_int_equal(f.be.kicks[1], 1);
	assert_int_equal(f.be.kicks[0], 0);
	/* In an LR means active, as far as GICD can tell. */
	assert_int_equal(rd(&f, 1, ISACTIVER), 1u << 3);
	assert_int_equal(rd(&f, 0, ISACTIVER), 0);

	/* Filter 1: everyone but the sender. */
	f.be.count = 0;
	wr(&f, 1, SGIR, (1u << 24) | (0xffu << 16) | 5);
	assert_int_equal(f.be.count, 3);
	assert_injected(&f, 0, 0, 0, 5);
	assert_injected(&f, 1, 2, 1, 5);
	assert_injected(&f, 2, 3, 0, 5);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(f.be.injected[i].entry.source_cpu, 1);

	/* Filter 2: the sender only. */
	f.be.count = 0;
	wr(&f, 2, SGIR, (2u << 24) | (0x1u << 16) | 7);
	assert_int_equal(f.be.count, 1);
	assert_injected(&f, 0, 2, 2, 7);
	assert_int_equal(f.be.injected[0].entry.source_cpu, 2);

	/* Filter 3 is reserved: nothing is sent. SGIR reads as zero. */
	f.be.count = 0;
	wr(&f, 0, SGIR, (3u << 24) | (0xfu << 16) | 1);
	assert_int_equal(f.be.count, 0);
	assert_int_equal(rd(&f, 0, SGIR), 0);

	/* With the distributor off, senders collect per SGI in SPENDSGIR. */
	wr(&f, 0, CTLR, 0);
	wr(&f, 0, SGIR, (0x8u << 16) | 9);
	wr(&f, 2, SGIR, (0x8u << 16) | 9);
	wr(&f, 1, SGIR, (0x8u << 16) | 10);
	assert_int_equal(rd(&f, 3, SPENDSGIR + 8), 0x00020500);
	assert_int_equal(rd8(&f, 3, CPENDSGIR + 9), 0x05);
	assert_int_equal(rd(&f, 3, ISPENDR), 3u << 9);
	assert_int_equal(rd(&f, 0, SPENDSGIR + 8), 0);
	/* CPENDSGIR clears senders; SPENDSGIR adds existing ones only. */
	wr8(&f, 3, CPENDSGIR + 10, 0xff);
	wr8(&f, 3, SPENDSGIR + 11, 0xf1);
	assert_int_equal(rd(&f, 3, SPENDSGIR + 8), 0x01000500);

	/* One sender per LR, lowest first; the next goes in after the EOI. */
	wr8(&f, 3, CPENDSGIR + 11, 0xff);
	f.be.count = 0;
	wr(&f, 0, CTLR, 1);
	assert_int_equal(f.be.count, 1);
	assert_injected(&f, 0, 3, 1, 9);
	assert_int_equal(f.be.injected[0].entry.source_cpu, 0);
	assert_int_equal(rd8(&f, 3, SPENDSGIR + 9), 0x04);
	assert_int_equal(vgic_maintenance(&f.g, 3, 1), 0);
	assert_int_equal(f.be.count, 2);
	assert_injected(&f, 1, 3, 1, 9);
	assert_int_equal(f.be.injected[1].entry.source_cpu, 2);
	assert_int_equal(rd8(&f, 3, SPENDSGIR + 9), 0);
}

static void test_spi_level_injects_with_priority(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2, 64, 4);
	wr(&f, 0, CTLR, 1);
	enable_spi(&f, 40, 0x80, 0x2);
	assert_int_equal(vm_irq_set(&f.vm, 8, true), 0);
	assert_int_equal(f.be.count, 1);
	assert_injected(&f, 0, 1, 0, 40);
	assert_int_equal(f.be.injected[0].entry.priority, 0x80);
	assert_false(f.be.injected[0].entry.group1);
	assert_int_equal(f.be.injected[0].entry.source_cpu, VGIC_NO_SOURCE);
	assert_int_equal(vgic_lr_intid(&f.g, 1, 0), 40);
	assert_int_equal(vgic_lr_intid(&f.g, 0, 0), -1);

	/* Group 1 goes out only when EnableGrp1 is set, and says so in the LR. */
	wr(&f, 0, IGROUPR + 4, 1u << 10);
	assert_int_equal(rd(&f, 1, IGROUPR + 4), 1u << 10);
	enable_spi(&f, 42, 0x20, 0x1);
	assert_int_equal(vm_irq_set(&f.vm, 10, true), 0);
	assert_int_equal(f.be.count, 1);
	wr(&f, 0, CTLR, 3);
	assert_int_equal(f.be.count, 2);
	assert_injected(&f, 1, 0, 0, 42);
	assert_true(f.be.injected[1].entry.group1);
	assert_int_equal(f.be.injected[1].entry.priority, 0x20);

	/* Lines past the distributor are refused. */
	assert_int_equal(vm_irq_set(&f.vm, 32, true), -SVMM_EINVAL);
	assert_int_equal(vm_irq_set(&f.vm, 0xffffffffu, true), -SVMM_EINVAL);
	assert_int_equal(vm_irq_pulse(&f.vm, 5000), -SVMM_EINVAL);
	assert_int_equal(vgic_set_irq_level(&f.g, 27, true), -SVMM_EINVAL);
}

static void test_lr_overflow_in_priority_order(void **state)
{
	struct fixture f;
	/* SPI 32 + i at priority prio[i]: best first is 37, 33, 35, 32, 36, 34. */
	const uint8_t prio[6] = {0x40, 0x20, 0xa0, 0x30, 0x80, 0x10};
	const unsigned order[6] = {37, 33, 35, 32, 36, 34};

	(void)state;
	setup(&f, 1, 64, 4);
	for (unsigned i = 0; i < 6; i++) {
		enable_spi(&f, 32 + i, prio[i], 1);
		assert_int_equal(vm_irq_pulse(&f.vm, i), 0);
	}
	assert_int_equal(f.be.count, 0);
	wr(&f, 0, CTLR, 1);
	/* Four LRs, four best; two wait in the distributor. */
	assert_int_equal(f.be.count, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_injected(&f, i, 0, i, order[i]);
	assert_int_equal(rd(&f, 0, ISPENDR + 4), (1u << 2) | (1u << 4));

	/* The guest EOIs what sat in LR 2: the best waiting one takes it. */
	assert_int_equal(vgic_maintenance(&f.g, 0, 2), 0);
	assert_int_equal(f.be.count, 5);
	assert_injected(&f, 4, 0, 2, order[4]);
	assert_int_equal(f.be.eois, 1);
	assert_int_equal(f.be.eoi_intid[0], order[2]);
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), 0);
	assert_injected(&f, 5, 0, 0, order[5]);
	assert_int_equal(rd(&f, 0, ISPENDR + 4), 0);
	/* Nothing left: another EOI frees the LR for good. */
	assert_int_equal(vgic_maintenance(&f.g, 0, 1), 0);
	assert_int_equal(f.be.count, 6);
	assert_int_equal(vgic_lr_intid(&f.g, 0, 1), -1);

	/* Ties go to the lowest INTID. */
	setup(&f, 1, 64, 1);
	wr(&f, 0, CTLR, 1);
	wr(&f, 0, ISENABLER + 4, 0xffffffff);
	wr(&f, 0, ISPENDR + 4, (1u << 7) | (1u << 3));
	assert_injected(&f, 0, 0, 0, 35);
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), 0);
	assert_injected(&f, 1, 0, 0, 39);
}

static void test_level_reinjected_after_eoi(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 1, 64, 4);
	wr(&f, 0, CTLR, 1);
	enable_spi(&f, 33, 0xa0, 1);
	assert_int_equal(vm_irq_set(&f.vm, 1, true), 0);
	assert_int_equal(f.be.count, 1);
	/* Raising a line that is already high changes nothing. */
	assert_int_equal(vm_irq_set(&f.vm, 1, true), 0);
	assert_int_equal(f.be.count, 1);
	/* Still high at its EOI: straight back into an LR. */
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), 0);
	assert_int_equal(f.be.count, 2);
	assert_injected(&f, 1, 0, 0, 33);
	/* Lowered before its EOI: done. */
	assert_int_equal(vm_irq_set(&f.vm, 1, false), 0);
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), 0);
	assert_int_equal(f.be.count, 2);

	/* Edge-triggered: one delivery per rising edge, however long the line stays high. */
	wr(&f, 0, ICFGR + 8, 2u << 2); /* SPI 33 edge */
	assert_int_equal(vm_irq_set(&f.vm, 1, true), 0);
	assert_int_equal(f.be.count, 3);
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), 0);
	assert_int_equal(f.be.count, 3);
	/* An edge while it sits in the LR is delivered after the EOI. */
	assert_int_equal(vm_irq_set(&f.vm, 1, false), 0);
	assert_int_equal(vm_irq_set(&f.vm, 1, true), 0);
	assert_int_equal(f.be.count, 4);
	assert_int_equal(vm_irq_pulse(&f.vm, 1), 0);
	assert_int_equal(f.be.count, 4);
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), 0);
	assert_int_equal(f.be.count, 5);
}

static void test_disabled_irq_not_injected(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 1, 64, 4);
	wr(&f, 0, CTLR, 1);
	assert_int_equal(vm_irq_set(&f.vm, 4, true), 0);
	assert_int_equal(f.be.count, 0);
	assert_int_equal(rd(&f, 0, ISPENDR + 4), 1u << 4);
	wr(&f, 0, ISENABLER + 4, 1u << 4);
	assert_int_equal(f.be.count, 1);
	assert_injected(&f, 0, 0, 0, 36);

	/* Disabling does not pull it out of the LR; it just is not sent again. */
	wr(&f, 0, ICENABLER + 4, 1u << 4);
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), 0);
	assert_int_equal(f.be.count, 1);

	/* Targeted at no CPU: never delivered. */
	setup(&f, 2, 64, 4);
	wr(&f, 0, CTLR, 1);
	enable_spi(&f, 36, 0, 0);
	assert_int_equal(vm_irq_set(&f.vm, 4, true), 0);
	assert_int_equal(f.be.count, 0);
	wr(&f, 0, CTLR, 1);
	assert_int_equal(f.be.count, 0);
	/* Targeted at vCPU 1 only: vCPU 0's free LRs do not take it. */
	wr8(&f, 0, ITARGETSR + 36, 0x2);
	assert_int_equal(f.be.count, 1);
	assert_injected(&f, 0, 1, 0, 36);

	/* Made active by the guest: held until it deactivates it. */
	wr(&f, 0, ISACTIVER + 4, 1u << 5);
	enable_spi(&f, 37, 0, 0x1);
	assert_int_equal(vm_irq_pulse(&f.vm, 5), 0);
	assert_int_equal(f.be.count, 1);
	wr(&f, 0, ICACTIVER + 4, 1u << 5);
	assert_int_equal(f.be.count, 2);
	assert_injected(&f, 1, 0, 0, 37);
}

static void test_distributor_disabled(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 1, 64, 4);
	enable_spi(&f, 32, 0, 1);
	wr(&f, 0, ISENABLER, 1u << 27);
	assert_int_equal(vm_irq_set(&f.vm, 0, true), 0);
	assert_int_equal(vgic_inject_ppi(&f.g, 0, 27), 0);
	wr(&f, 0, SGIR, (2u << 24) | 1);
	assert_int_equal(f.be.count, 0);
	/* Group 1 only: group-0 interrupts still wait. */
	wr(&f, 0, CTLR, 2);
	assert_int_equal(f.be.count, 0);
	wr(&f, 0, CTLR, 1);
	assert_int_equal(f.be.count, 3);
	assert_injected(&f, 0, 0, 0, 1);
	assert_injected(&f, 1, 0, 1, 27);
	assert_injected(&f, 2, 0, 2, 32);
	assert_int_equal(f.be.kicks[0], 1);
}

static void test_ppi_27(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2, 64, 4);
	wr(&f, 0, CTLR, 1);
	wr(&f, 1, ISENABLER, 1u << VGIC_PPI_VTIMER);
	wr8(&f, 1, IPRIORITYR + VGIC_PPI_VTIMER, 0xa0);
	assert_int_equal(vgic_inject_ppi(&f.g, 1, VGIC_PPI_VTIMER), 0);
	assert_int_equal(f.be.count, 1);
	assert_injected(&f, 0, 1, 0, VGIC_PPI_VTIMER);
	assert_int_equal(f.be.injected[0].entry.priority, 0xa0);
	/* The EOI tells the backend, which acknowledges the VPPI then; no re-delivery. */
	assert_int_equal(vgic_maintenance(&f.g, 1, 0), 0);
	assert_int_equal(f.be.eois, 1);
	assert_int_equal(f.be.eoi_vcpu[0], 1);
	assert_int_equal(f.be.eoi_intid[0], VGIC_PPI_VTIMER);
	assert_int_equal(f.be.count, 1);

	/* vCPU 0 has not enabled its PPI 27: it waits there. */
	assert_int_equal(vgic_inject_ppi(&f.g, 0, VGIC_PPI_VTIMER), 0);
	assert_int_equal(f.be.count, 1);
	assert_int_equal(rd(&f, 0, ISPENDR), 1u << VGIC_PPI_VTIMER);
	assert_int_equal(rd(&f, 1, ISPENDR), 0);

	/* A PPI driven as a level line. */
	wr(&f, 0, ISENABLER, 1u << 23);
	assert_int_equal(vgic_set_ppi_level(&f.g, 0, 23, true), 0);
	assert_injected(&f, 1, 0, 0, 23);
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), 0);
	assert_injected(&f, 2, 0, 0, 23);
	assert_int_equal(vgic_set_ppi_level(&f.g, 0, 23, false), 0);

	assert_int_equal(vgic_inject_ppi(&f.g, 2, VGIC_PPI_VTIMER), -SVMM_EINVAL);
	assert_int_equal(vgic_inject_ppi(&f.g, 0, 15), -SVMM_EINVAL);
	assert_int_equal(vgic_inject_ppi(&f.g, 0, 32), -SVMM_EINVAL);
	assert_int_equal(vgic_set_ppi_level(&f.g, 0, 40, true), -SVMM_EINVAL);
}

static void test_bad_accesses_ignored(void **state)
{
	struct fixture f;
	uint64_t value;

	(void)state;
	setup(&f, 2, 64, 4);
	value = 1;
	assert_int_equal(dist_access(&f, 0, CTLR, 2, true, &value), -SVMM_EINVAL);
	assert_int_equal(dist_access(&f, 0, CTLR, 8, true, &value), -SVMM_EINVAL);
	assert_int_equal(dist_access(&f, 0, CTLR, 1, true, &value), -SVMM_EINVAL);
	assert_int_equal(dist_access(&f, 0, CTLR + 1, 4, true, &value), -SVMM_EINVAL);
	assert_int_equal(dist_access(&f, 0, IPRIORITYR + 2, 4, true, &value), -SVMM_EINVAL);
	assert_int_equal(dist_access(&f, 0, ISENABLER + 4, 1, true, &value), -SVMM_EINVAL);
	assert_int_equal(dist_access(&f, 0, SGIR, 1, true, &value), -SVMM_EINVAL);
	assert_int_equal(dist_access(&f, 0, SGIR, 2, true, &value), -SVMM_EINVAL);
	assert_int_equal(dist_access(&f, 2, CTLR, 4, true, &value), -SVMM_EINVAL);
	assert_int_equal(rd(&f, 0, CTLR), 0);
	assert_int_equal(rd(&f, 0, ISENABLER + 4), 0);
	assert_int_equal(rd(&f, 0, IPRIORITYR), 0);

	assert_int_equal(dist_access(&f, 0, TYPER, 2, false, &value), -SVMM_EINVAL);
	assert_int_equal(value, 0);
	assert_int_equal(dist_access(&f, 0, TYPER, 8, false, &value), -SVMM_EINVAL);
	assert_int_equal(value, 0);
	assert_int_equal(dist_access(&f, 5, TYPER, 4, false, &value), -SVMM_EINVAL);
	assert_int_equal(value, 0);
	assert_int_equal(dist_access(&f, 0, 0x1001, 1, false, &value), -SVMM_EINVAL);

	/* Reserved offsets and the rest of the 64 KiB window: RAZ/WI. */
	wr(&f, 0, 0x00c, 0xffffffff);
	assert_int_equal(rd(&f, 0, 0x00c), 0);
	assert_int_equal(rd(&f, 0, 0xe00), 0);
	assert_int_equal(rd(&f, 0, 0xd00), 0);
	wr(&f, 0, 0x1000, 0xffffffff);
	assert_int_equal(rd(&f, 0, 0x1000), 0);
	assert_int_equal(rd(&f, 0, 0xfffc), 0);
	/* Past the window the bus refuses it before the vGIC sees it. */
	assert_int_equal(dist_access(&f, 0, 0xfffe, 4, false, &value), -SVMM_ENOENT);
	assert_int_equal(f.be.count, 0);
}

static void test_maintenance_and_backend_errors(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2, 64, 2);
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), -SVMM_EINVAL); /* holds nothing */
	assert_int_equal(vgic_maintenance(&f.g, 0, 2), -SVMM_EINVAL); /* no such LR */
	assert_int_equal(vgic_maintenance(&f.g, 2, 0), -SVMM_EINVAL); /* no such vCPU */
	assert_int_equal(vgic_lr_intid(&f.g, 0, 64), -1);
	assert_int_equal(vgic_lr_intid(&f.g, 8, 0), -1);
	assert_int_equal(f.be.eois, 0);

	/* The hypervisor refuses the LR: the interrupt stays pending and goes later. */
	wr(&f, 0, CTLR, 1);
	enable_spi(&f, 50, 0, 1);
	f.be.fail = -SVMM_EBUSY;
	assert_int_equal(vm_irq_pulse(&f.vm, 18), 0);
	assert_int_equal(f.be.count, 0);
	assert_int_equal(rd(&f, 0, ISPENDR + 4), 1u << 18);
	assert_int_equal(f.be.kicks[0], 0);
	f.be.fail = 0;
	wr(&f, 0, CTLR, 1);
	assert_int_equal(f.be.count, 1);
	assert_injected(&f, 0, 0, 0, 50);
	assert_int_equal(rd(&f, 0, ISPENDR + 4), 0);
	assert_int_equal(rd(&f, 0, ISACTIVER + 4), 1u << 18);
	/* ICACTIVER cannot take it out of the LR; only its EOI does. */
	wr(&f, 0, ICACTIVER + 4, 1u << 18);
	assert_int_equal(rd(&f, 0, ISACTIVER + 4), 1u << 18);
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), 0);
	assert_int_equal(rd(&f, 0, ISACTIVER + 4), 0);
	/* An EOI for an LR already freed is refused. */
	assert_int_equal(vgic_maintenance(&f.g, 0, 0), -SVMM_EINVAL);
}

static void test_reset(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, 2, 64, 4);
	wr(&f, 0, CTLR, 1);
	enable_spi(&f, 33, 0x40, 2);
	wr(&f, 0, ICFGR + 8, 0xffffffff);
	wr(&f, 1, SGIR, (2u << 24) | 2);
	assert_int_equal(vm_irq_set(&f.vm, 1, true), 0);
	assert_int_equal(f.be.count, 2);

	vgic_reset(&f.g);
	assert_int_equal(rd(&f, 0, CTLR), 0);
	assert_int_equal(rd(&f, 0, ISENABLER + 4), 0);
	assert_int_equal(rd8(&f, 0, IPRIORITYR + 33), 0);
	assert_int_equal(rd8(&f, 0, ITARGETSR + 33), 1);
	assert_int_equal(rd(&f, 0, ICFGR + 8), 0);
	assert_int_equal(rd(&f, 1, ISACTIVER), 0);
	assert_int_equal(vgic_lr_intid(&f.g, 1, 0), -1);
	/* The device still holds its line high: once set up again, SPI 33 is delivered. */
	enable_spi(&f, 33, 0x40, 1);
	wr(&f, 0, CTLR, 1);
	assert_int_equal(f.be.count, 3);
	assert_injected(&f, 2, 0, 0, 33);
}

static void test_two_vms_independent(void **state)
{
	struct fixture *a = test_malloc(sizeof(*a));
	struct fixture *b = test_malloc(sizeof(*b));

	(void)state;
	setup(a, 1, 64, 4);
	setup(b, 2, 128, 2);
	wr(a, 0, CTLR, 1);
	enable_spi(a, 40, 0x10, 1);
	wr(b, 0, CTLR, 1);
	enable_spi(b, 40, 0x20, 2);
	assert_int_equal(rd(a, 0, TYPER), 0x1);
	assert_int_equal(rd(b, 0, TYPER), 0x23);

	assert_int_equal(vm_irq_set(&a->vm, 8, true), 0);
	assert_int_equal(a->be.count, 1);
	assert_int_equal(b->be.count, 0);
	assert_int_equal(rd(b, 0, ISPENDR + 4), 0);
	assert_int_equal(vm_irq_pulse(&b->vm, 8), 0);
	assert_int_equal(a->be.count, 1);
	assert_int_equal(b->be.count, 1);
	assert_injected(b, 0, 1, 0, 40);
	assert_int_equal(b->be.injected[0].entry.priority, 0x20);
	assert_int_equal(a->be.injected[0].entry.priority, 0x10);
	assert_int_equal(vgic_maintenance(&b->g, 0, 0), -SVMM_EINVAL);
	assert_int_equal(vgic_maintenance(&a->g, 0, 0), 0);
	assert_int_equal(b->be.eois, 0);
	assert_int_equal(a->be.eois, 1);
	test_free(a);
	test_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_rejects_bad_parameters),
	    cmocka_unit_test(test_ctlr_typer_iidr),
	    cmocka_unit_test(test_enable_set_clear),
	    cmocka_unit_test(test_pending_active_set_clear),
	    cmocka_unit_test(test_priority_bytes_and_words),
	    cmocka_unit_test(test_targets),
	    cmocka_unit_test(test_icfgr),
	    cmocka_unit_test(test_sgir_delivery_and_sources),
	    cmocka_unit_test(test_spi_level_injects_with_priority),
	    cmocka_unit_test(test_lr_overflow_in_priority_order),
	    cmocka_unit_test(test_level_reinjected_after_eoi),
	    cmocka_unit_test(test_disabled_irq_not_injected),
	    cmocka_unit_test(test_distributor_disabled),
	    cmocka_unit_test(test_ppi_27),
	    cmocka_unit_test(test_bad_accesses_ignored),
	    cmocka_unit_test(test_maintenance_and_backend_errors),
	    cmocka_unit_test(test_reset),
	    cmocka_unit_test(test_two_vms_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
