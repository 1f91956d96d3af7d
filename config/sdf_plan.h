/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside config/: the SDF as a plan (memory regions, protection domains with
 * their maps and virtual machines, channels), built and checked as a whole
 * by sdf.c before sdf_xml.c writes it, so a refused description writes
 * nothing.
 */
#ifndef SVMM_CONFIG_SDF_PLAN_H
#define SVMM_CONFIG_SDF_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/sdf.h"

#define SDF_MAX_PRIORITY 254u
#define SDF_MAX_ID	 61u /* vcpu ids (and, below 63, channel ids) */
#define SDF_MIN_STACK	 0x1000ull
#define SDF_MAX_STACK	 (16ull << 20)
#define SDF_SMALL_PAGE	 0x1000ull
#define SDF_LARGE_PAGE	 0x200000ull
#define SDF_NAME_LEN	 96
/*
 * Per VM: guest RAM, a console queue, and with a disk the storage info,
 * request and response queues, data and DMA regions; the three board frames
 * (GIC, UART, the virtio-mmio window) and the management PD's console queue.
 */
#define SDF_MAX_REGIONS (SYSTEM_MAX_VMS * 7 + 4)
#define SDF_MAX_MAPS	(SYSTEM_MAX_VMS + 4)
/* Per VM: svmm, a block driver; the console multiplexer, the timer PD, the management PD. */
#define SDF_MAX_PDS (SYSTEM_MAX_VMS * 2 + 3)
/* Per VM: to its block driver, the multiplexer, the timer and management PDs; mux to management. */
#define SDF_MAX_CHANNELS (SYSTEM_MAX_VMS * 4 + 1)
/* setvar region_paddr per PD: a block driver's DMA and data regions. */
#define SDF_MAX_PADDRS 2

struct sdf_region {
	char name[SDF_NAME_LEN];
	uint64_t size;
	uint64_t page_size;
	bool fixed; /* phys is the region's physical address */
	uint64_t phys;
};

struct sdf_map {
	const struct sdf_region *region;
	uint64_t vaddr;
	const char *perms;
	bool cached;
	const char *setvar_vaddr; /* NULL: none; protection domains only */
	const char *setvar_size;
};

/* One address space: a protection domain's or a guest's. */
struct sdf_space {
	const char *kind; /* for messages */
	char owner[SDF_NAME_LEN];
	uint64_t vaddr_limit; /* maps end at or below it */
	struct sdf_map maps[SDF_MAX_MAPS];
	unsigned map_count;
};

/*
 * The budget and period (a full core, a round-robin time slice) svmm writes
 * for a scheduling context the description sets no period for. Microkit's
 * own default, 1000 us, has every busy core take seL4's timer interrupt, and
 * with it the kernel's lock, a thousand times a second: under QEMU's
 * emulation on a loaded host that alone livelocks the kernel (every core
 * spinning on the lock while its holder waits for a host CPU). 50 ms is of
 * the order of Xen's credit scheduler's 30 ms slice.
 */
#define SDF_DEFAULT_TIMESLICE_US 50000u

/* Priority, budget and period of a scheduling context; 0 period: SDF_DEFAULT_TIMESLICE_US. */
struct sdf_sched {
	unsigned priority;
	uint32_t budget_us, period_us;
};

struct sdf_vm {
	const struct vm_config *cfg;
	struct sdf_sched sched;
	struct sdf_space space;
};

struct sdf_pd {
	char name[SDF_NAME_LEN];
	char image[SDF_NAME_LEN];
	struct sdf_sched sched;
	bool pinned;
	unsigned cpu;
	uint64_t stack_size; /* 0: Microkit's default */
	struct sdf_space space;
	/* Interrupts irq .. irq + irq_count - 1 on channels irq_id .. irq_id + irq_count - 1. */
	unsigned irq_count;
	unsigned irq, irq_id;
	/* setvar region_paddr: a region's physical address, for a driver's DMA. */
	const char *paddr_symbols[SDF_MAX_PADDRS];
	const struct sdf_region *paddr_regions[SDF_MAX_PADDRS];
	unsigned paddr_count;
	bool has_vm;
	struct sdf_vm vm;
};

struct sdf_end {
	const struct sdf_pd *pd;
	unsigned id;
	bool pp; /* this end may call the other by protected procedure call */
};

struct sdf_channel {
	struct sdf_end a, b;
};

struct sdf_plan {
	const struct system_config *sys;
	struct sdf_region regions[SDF_MAX_REGIONS];
	unsigned region_count;
	struct sdf_pd pds[SDF_MAX_PDS];
	unsigned pd_count;
	struct sdf_channel channels[SDF_MAX_CHANNELS];
	unsigned channel_count;
};

static inline bool sdf_aligned(uint64_t value, uint64_t alignment)
{
	return value % alignment == 0;
}

/* A system of one VM: its PDs take the bare names (vmm, blk_driver). */
static inline bool sdf_lone(const struct system_config *sys)
{
	return sys->vm_count == 1;
}

/* Board facts that contradict each other: -1 with `err` filled in. */
int sdf_check_params(const struct sdf_params *params, struct config_error *err);

/* A name or path the SDF can carry (non-empty, no control characters): 0, or -1. */
int sdf_check_value(const char *what, const char *value, struct config_error *err);

/* What the board and svmm's seL4 backends can hold of `sys`: 0, or -1 with `err`. */
int sdf_check_system(const struct system_config *sys, const struct sdf_params *params,
		     struct config_error *err);

/* Every region and address space of a built plan well-formed: 0, or -1 with `err`. */
int sdf_check_plan(const struct sdf_plan *plan, struct config_error *err);

/* Writes the checked plan as XML. */
void sdf_put_plan(FILE *out, const struct sdf_plan *plan);

#endif
