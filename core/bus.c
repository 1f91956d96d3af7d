/* SPDX-License-Identifier: Apache-2.0 */
#include "core/bus.h"

#include <stddef.h>

#include "core/errors.h"

/* Index of the first range whose base is above gpa. */
static unsigned bus_upper_bound(const struct bus *bus, uint64_t gpa)
{
	unsigned low = 0, high = bus->count;

	while (low < high) {
		unsigned mid = low + (high - low) / 2;

		if (bus->ranges[mid].base <= gpa)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t size, bus_handler_fn handler,
		 void *device, const char *name)
{
	uint64_t last = base + (size - 1);
	unsigned slot;

	if (size == 0 || handler == NULL || last < base)
		return -SVMM_EINVAL;
	slot = bus_upper_bound(bus, base);
	/* Only the neighbours on either side can overlap a sorted, disjoint set. */
	if (slot > 0) {
		const struct bus_range *prev = &bus->ranges[slot - 1];

		if (prev->base + (prev->size - 1) >= base)
			return -SVMM_EEXIST;
	}
	if (slot < bus->count && bus->ranges[slot].base <= last)
		return -SVMM_EEXIST;
	if (bus->count == BUS_MAX_RANGES)
		return -SVMM_ENOSPC;
	for (unsigned i = bus->count; i > slot; i--)
		bus->ranges[i] = bus->ranges[i - 1];
	bus->ranges[slot] = (struct bus_range){
	    .base = base, .size = size, .handler = handler, .device = device, .name = name};
	bus->count++;
	return 0;
}

int bus_unregister(struct bus *bus, uint64_t base)
{
	unsigned slot = bus_upper_bound(bus, base);

	if (slot == 0 || bus->ranges[slot - 1].base != base)
		return -SVMM_ENOENT;
	for (unsigned i = slot - 1; i + 1 < bus->count; i++)
		bus->ranges[i] = bus->ranges[i + 1];
	bus->count--;
	return 0;
}

const struct bus_range *bus_find(const struct bus *bus, uint64_t gpa)
{
	unsigned slot = bus_upper_bound(bus, gpa);
	const struct bus_range *range;

	if (slot == 0)
		return NULL;
	range = &bus->ranges[slot - 1];
	return gpa - range->base < range->size ? range : NULL;
}

int bus_dispatch(const struct bus *bus, struct access *acc)
{
	const struct bus_range *range = bus_find(bus, acc->gpa);
	uint64_t offset;

	if (range == NULL)
		return -SVMM_ENOENT;
	offset = acc->gpa - range->base;
	if (acc->size == 0 || acc->size > range->size - offset)
		return -SVMM_ENOENT;
	return range->handler(range->device, acc, offset);
}
