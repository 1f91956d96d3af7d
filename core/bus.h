/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MMIO bus: sorted, non-overlapping guest physical ranges, each owned by
 * one device handler. Lookup is a binary search, so the cost of an exit does
 * not grow with the number of devices.
 */
#ifndef SVMM_CORE_BUS_H
#define SVMM_CORE_BUS_H

#include <stdint.h>

#include "core/access.h"

#define BUS_MAX_RANGES 64

/*
 * Handles one access at `offset` bytes into the device's range. For reads
 * it sets acc->value. Returns 0, or a negative error for an access the
 * device rejects (the hypervisor backend then ignores a write and returns
 * zero for a read, as real hardware does for a bus error it tolerates).
 */
typedef int (*bus_handler_fn)(void *device, struct access *acc, uint64_t offset);

struct bus_range {
	uint64_t base;
	uint64_t size;
	bus_handler_fn handler;
	void *device;
	const char *name;
};

struct bus {
	struct bus_range ranges[BUS_MAX_RANGES]; /* sorted by base */
	unsigned count;
};

/*
 * Registers [base, base + size). -SVMM_EINVAL for a zero size, a wrapping
 * range or no handler; -SVMM_EEXIST if it overlaps a registered range;
 * -SVMM_ENOSPC when the bus is full.
 */
int bus_register(struct bus *bus, uint64_t base, uint64_t size, bus_handler_fn handler,
		 void *device, const char *name);

/*
 * Removes the range registered at exactly `base` (a backend taking its
 * device off the bus when its VM is torn down). 0, or -SVMM_ENOENT.
 */
int bus_unregister(struct bus *bus, uint64_t base);

/* The range holding gpa, or NULL. */
const struct bus_range *bus_find(const struct bus *bus, uint64_t gpa);

/*
 * Hands the access to the device that owns acc->gpa. -SVMM_ENOENT when no
 * device does, or when the access runs past the end of the device's range;
 * otherwise the handler's result.
 */
int bus_dispatch(const struct bus *bus, struct access *acc);

#endif
