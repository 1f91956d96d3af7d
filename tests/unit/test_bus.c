/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MMIO bus: registration rules (overlap, adjacency, wrapping, capacity)
 * and dispatch (lookup, offsets, accesses that leave a range).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/bus.h"
#include "core/errors.h"

#define TOP_BASE 0xfffffffffffff000ull

/* A device that records the last access it was handed. */
struct fake_device {
	unsigned calls;
	uint64_t offset;
	struct access last;
	int result;	     /* what the handler returns */
	uint64_t read_value; /* what a read returns */
};

static int fake_handler(void *opaque, struct access *acc, uint64_t offset)
{
	struct fake_device *dev = opaque;

	dev->calls++;
	dev->offset = offset;
	if (!acc->is_write)
		acc->value = dev->read_value;
	dev->last = *acc;
	return dev->result;
}

static int dispatch(const struct bus *bus, uint64_t gpa, uint8_t size)
{
	struct access acc = {.gpa = gpa, .size = size};

	return bus_dispatch(bus, &acc);
}

static void test_register_and_dispatch(void **state)
{
	struct bus bus;
	struct fake_device dev = {.read_value = 0x1234};
	struct access acc = {.vcpu = 2, .gpa = 0x1010, .size = 4};

	(void)state;
	memset(&bus, 0, sizeof(bus));
	assert_int_equal(bus_register(&bus, 0x1000, 0x100, fake_handler, &dev, "dev"), 0);
	assert_int_equal(bus.count, 1);
	assert_string_equal(bus.ranges[0].name, "dev");

	assert_int_equal(bus_dispatch(&bus, &acc), 0);
	assert_int_equal(dev.calls, 1);
	assert_int_equal(dev.offset, 0x10);
	assert_int_equal(acc.value, 0x1234);
	assert_int_equal(dev.last.vcpu, 2);
	assert_int_equal(dev.last.gpa, 0x1010);

	acc = (struct access){.gpa = 0x10f8, .size = 8, .is_write = true, .value = 0xabcdef};
	assert_int_equal(bus_dispatch(&bus, &acc), 0);
	assert_int_equal(dev.calls, 2);
	assert_int_equal(dev.offset, 0xf8);
	assert_true(dev.last.is_write);
	assert_int_equal(dev.last.value, 0xabcdef);
	assert_int_equal(dev.last.size, 8);

	/* The handler's verdict comes back unchanged. */
	dev.result = -SVMM_EIO;
	assert_int_equal(dispatch(&bus, 0x1000, 1), -SVMM_EIO);
	assert_int_equal(dev.offset, 0);
}

static void test_register_invalid(void **state)
{
	struct bus bus;
	struct fake_device dev = {0};

	(void)state;
	memset(&bus, 0, sizeof(bus));
	assert_int_equal(bus_register(&bus, 0x1000, 0, fake_handler, &dev, "zero"), -SVMM_EINVAL);
	assert_int_equal(bus_register(&bus, 0x1000, 0x100, NULL, &dev, "nohandler"), -SVMM_EINVAL);
	/* Wrapping past the top of the address space. */
	assert_int_equal(bus_register(&bus, TOP_BASE, 0x1001, fake_handler, &dev, "wrap"),
			 -SVMM_EINVAL);
	assert_int_equal(bus_register(&bus, 2, UINT64_MAX, fake_handler, &dev, "wrap"),
			 -SVMM_EINVAL);
	assert_int_equal(bus_register(&bus, UINT64_MAX, 2, fake_handler, &dev, "wrap"),
			 -SVMM_EINVAL);
	assert_int_equal(bus.count, 0);
	/* [1, 2^64) ends exactly at the top without wrapping: valid. */
	assert_int_equal(bus_register(&bus, 1, UINT64_MAX, fake_handler, &dev, "all"), 0);
	assert_int_equal(dispatch(&bus, UINT64_MAX, 1), 0);
	assert_int_equal(dev.offset, UINT64_MAX - 1);
}

static void test_overlaps_rejected(void **state)
{
	/* Each overlaps [0x2000, 0x3000) in a different way. */
	static const struct {
		uint64_t base, size;
	} overlapping[] = {
	    {0x2000, 0x1000}, /* identical */
	    {0x1800, 0x1000}, /* partial, from the left */
	    {0x2800, 0x1000}, /* partial, to the right */
	    {0x1000, 0x3000}, /* containing */
	    {0x2400, 0x100},  /* contained */
	    {0x1000, 0x1001}, /* its first byte only */
	    {0x2fff, 0x1000}, /* its last byte only */
	    {0x2000, 1},      /* one byte at its base */
	    {0x2fff, 1},      /* one byte at its end */
	    {0, UINT64_MAX},  /* nearly everything */
	};
	struct bus bus;
	struct fake_device dev = {0};

	(void)state;
	memset(&bus, 0, sizeof(bus));
	assert_int_equal(bus_register(&bus, 0x2000, 0x1000, fake_handler, &dev, "mid"), 0);
	for (unsigned i = 0; i < sizeof(overlapping) / sizeof(overlapping[0]); i++)
		assert_int_equal(bus_register(&bus, overlapping[i].base, overlapping[i].size,
					      fake_handler, &dev, "bad"),
				 -SVMM_EEXIST);
	assert_int_equal(bus.count, 1);

	/* Adjacent on both sides (end + 1 == base) is fine. */
	assert_int_equal(bus_register(&bus, 0x1000, 0x1000, fake_handler, &dev, "left"), 0);
	assert_int_equal(bus_register(&bus, 0x3000, 0x1000, fake_handler, &dev, "right"), 0);
	assert_int_equal(bus.count, 3);
	/* Now with neighbours on both sides, a range bridging two of them is refused too. */
	assert_int_equal(bus_register(&bus, 0x1fff, 2, fake_handler, &dev, "bridge"), -SVMM_EEXIST);
	assert_int_equal(bus_register(&bus, 0x2fff, 2, fake_handler, &dev, "bridge"), -SVMM_EEXIST);
	assert_int_equal(bus.count, 3);
}

static void test_adjacent_dispatch(void **state)
{
	struct bus bus;
	struct fake_device left = {0}, right = {0};

	(void)state;
	memset(&bus, 0, sizeof(bus));
	assert_int_equal(bus_register(&bus, 0x1000, 0x1000, fake_handler, &left, "left"), 0);
	assert_int_equal(bus_register(&bus, 0x2000, 0x1000, fake_handler, &right, "right"), 0);
	assert_int_equal(dispatch(&bus, 0x1fff, 1), 0);
	assert_int_equal(left.calls, 1);
	assert_int_equal(left.offset, 0xfff);
	assert_int_equal(dispatch(&bus, 0x2000, 1), 0);
	assert_int_equal(right.calls, 1);
	assert_int_equal(right.offset, 0);
	/* Straddling two devices belongs to neither. */
	assert_int_equal(dispatch(&bus, 0x1ffe, 4), -SVMM_ENOENT);
	assert_int_equal(left.calls, 1);
	assert_int_equal(right.calls, 1);
}

static void test_full_bus(void **state)
{
	struct bus bus;
	struct fake_device devs[BUS_MAX_RANGES + 1];

	(void)state;
	memset(&bus, 0, sizeof(bus));
	memset(devs, 0, sizeof(devs));
	for (unsigned i = 0; i < BUS_MAX_RANGES; i++)
		assert_int_equal(bus_register(&bus, 0x10000 + 0x1000 * (uint64_t)i, 0x100,
					      fake_handler, &devs[i], "d"),
				 0);
	assert_int_equal(
	    bus_register(&bus, 0x900000, 0x100, fake_handler, &devs[BUS_MAX_RANGES], "extra"),
	    -SVMM_ENOSPC);
	assert_int_equal(bus.count, BUS_MAX_RANGES);
	/* The full bus keeps working. */
	for (unsigned i = 0; i < BUS_MAX_RANGES; i++) {
		assert_int_equal(dispatch(&bus, 0x10000 + 0x1000 * (uint64_t)i + 0x80, 4), 0);
		assert_int_equal(devs[i].calls, 1);
		assert_int_equal(devs[i].offset, 0x80);
	}
	assert_int_equal(dispatch(&bus, 0x900000, 4), -SVMM_ENOENT);
	assert_int_equal(devs[BUS_MAX_RANGES].calls, 0);
}

static void test_unmapped(void **state)
{
	struct bus bus;
	struct fake_device dev = {0};

	(void)state;
	memset(&bus, 0, sizeof(bus));
	/* An empty bus. */
	assert_int_equal(dispatch(&bus, 0, 4), -SVMM_ENOENT);
	assert_null(bus_find(&bus, 0));

	assert_int_equal(bus_register(&bus, 0x1000, 0x100, fake_handler, &dev, "a"), 0);
	assert_int_equal(bus_register(&bus, 0x3000, 0x100, fake_handler, &dev, "b"), 0);
	assert_int_equal(dispatch(&bus, 0, 4), -SVMM_ENOENT);	   /* below everything */
	assert_int_equal(dispatch(&bus, 0xfff, 1), -SVMM_ENOENT);  /* just below */
	assert_int_equal(dispatch(&bus, 0x1100, 1), -SVMM_ENOENT); /* just past */
	assert_int_equal(dispatch(&bus, 0x2000, 4), -SVMM_ENOENT); /* in a gap */
	assert_int_equal(dispatch(&bus, 0x3100, 4), -SVMM_ENOENT); /* above everything */
	assert_int_equal(dispatch(&bus, UINT64_MAX, 1), -SVMM_ENOENT);
	assert_int_equal(dev.calls, 0);

	assert_null(bus_find(&bus, 0xfff));
	assert_non_null(bus_find(&bus, 0x1000));
	assert_non_null(bus_find(&bus, 0x10ff));
	assert_null(bus_find(&bus, 0x1100));
}

static void test_access_crossing_end(void **state)
{
	struct bus bus;
	struct fake_device dev = {0};

	(void)state;
	memset(&bus, 0, sizeof(bus));
	assert_int_equal(bus_register(&bus, 0x1000, 0x100, fake_handler, &dev, "a"), 0);
	assert_int_equal(dispatch(&bus, 0x10fc, 4), 0);
	assert_int_equal(dispatch(&bus, 0x10f8, 8), 0);
	assert_int_equal(dispatch(&bus, 0x10ff, 1), 0);
	assert_int_equal(dev.calls, 3);
	assert_int_equal(dispatch(&bus, 0x10fd, 4), -SVMM_ENOENT);
	assert_int_equal(dispatch(&bus, 0x10ff, 2), -SVMM_ENOENT);
	assert_int_equal(dispatch(&bus, 0x10fc, 8), -SVMM_ENOENT);
	/* A zero-sized access is malformed. */
	assert_int_equal(dispatch(&bus, 0x1000, 0), -SVMM_ENOENT);
	assert_int_equal(dev.calls, 3);
}

static void test_top_of_address_space(void **state)
{
	struct bus bus;
	struct fake_device top = {0}, below = {0};

	(void)state;
	memset(&bus, 0, sizeof(bus));
	assert_int_equal(bus_register(&bus, TOP_BASE, 0x1000, fake_handler, &top, "top"), 0);
	assert_int_equal(bus_register(&bus, TOP_BASE - 0x1000, 0x1000, fake_handler, &below, "b"),
			 0);
	assert_int_equal(bus_register(&bus, UINT64_MAX, 1, fake_handler, &top, "again"),
			 -SVMM_EEXIST);

	assert_int_equal(dispatch(&bus, TOP_BASE, 4), 0);
	assert_int_equal(top.offset, 0);
	assert_int_equal(dispatch(&bus, UINT64_MAX - 3, 4), 0);
	assert_int_equal(top.offset, 0xffc);
	assert_int_equal(dispatch(&bus, UINT64_MAX, 1), 0);
	assert_int_equal(top.offset, 0xfff);
	assert_int_equal(top.calls, 3);
	/* gpa + size would wrap to 0: refused, not wrapped around. */
	assert_int_equal(dispatch(&bus, UINT64_MAX - 1, 4), -SVMM_ENOENT);
	assert_int_equal(dispatch(&bus, UINT64_MAX, 8), -SVMM_ENOENT);
	assert_int_equal(top.calls, 3);

	assert_int_equal(dispatch(&bus, TOP_BASE - 1, 1), 0);
	assert_int_equal(below.offset, 0xfff);
	assert_int_equal(dispatch(&bus, TOP_BASE - 2, 4), -SVMM_ENOENT);
}

static void test_order_independent(void **state)
{
	/* Registration orders of the same five ranges. */
	static const unsigned orders[][5] = {
	    {0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}, {3, 4, 0, 2, 1}, {1, 3, 0, 4, 2},
	};
	static const uint64_t bases[5] = {0x0, 0x1000, 0x8000, 0x100000, TOP_BASE};
	static const uint64_t sizes[5] = {0x1000, 0x200, 0x4000, 0x10, 0x1000};

	(void)state;
	for (unsigned o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
		struct bus bus;
		struct fake_device devs[5];

		memset(&bus, 0, sizeof(bus));
		memset(devs, 0, sizeof(devs));
		for (unsigned i = 0; i < 5; i++) {
			unsigned r = orders[o][i];

			assert_int_equal(
			    bus_register(&bus, bases[r], sizes[r], fake_handler, &devs[r], "r"), 0);
		}
		for (unsigned r = 0; r < 5; r++) {
			assert_int_equal(bus.ranges[r].base, bases[r]);
			assert_int_equal(dispatch(&bus, bases[r], 1), 0);
			assert_int_equal(dispatch(&bus, bases[r] + sizes[r] - 1, 1), 0);
			assert_int_equal(devs[r].calls, 2);
			assert_int_equal(devs[r].offset, sizes[r] - 1);
			assert_ptr_equal(bus_find(&bus, bases[r] + sizes[r] / 2)->device, &devs[r]);
		}
		assert_int_equal(dispatch(&bus, 0x1200, 1), -SVMM_ENOENT);
		assert_int_equal(dispatch(&bus, 0xc000, 1), -SVMM_ENOENT);
	}
}

static void test_two_buses(void **state)
{
	struct bus a, b;
	struct fake_device da = {0}, db = {0};

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	/* The same range on two buses: each VM has its own. */
	assert_int_equal(bus_register(&a, 0x1000, 0x100, fake_handler, &da, "a"), 0);
	assert_int_equal(bus_register(&b, 0x1000, 0x100, fake_handler, &db, "b"), 0);
	assert_int_equal(dispatch(&a, 0x1000, 4), 0);
	assert_int_equal(da.calls, 1);
	assert_int_equal(db.calls, 0);
	assert_int_equal(dispatch(&b, 0x1000, 4), 0);
	assert_int_equal(db.calls, 1);
}

static void test_unregister(void **state)
{
	struct bus bus;
	struct fake_device d1 = {0}, d2 = {0}, d3 = {0};

	(void)state;
	memset(&bus, 0, sizeof(bus));
	assert_int_equal(bus_register(&bus, 0x1000, 0x100, fake_handler, &d1, "one"), 0);
	assert_int_equal(bus_register(&bus, 0x2000, 0x100, fake_handler, &d2, "two"), 0);
	assert_int_equal(bus_register(&bus, 0x3000, 0x100, fake_handler, &d3, "three"), 0);
	/* Only a range's exact base removes it. */
	assert_int_equal(bus_unregister(&bus, 0x2004), -SVMM_ENOENT);
	assert_int_equal(bus_unregister(&bus, 0x0800), -SVMM_ENOENT);
	assert_int_equal(bus_unregister(&bus, 0x2000), 0);
	assert_int_equal(bus.count, 2);
	assert_int_equal(dispatch(&bus, 0x2000, 4), -SVMM_ENOENT);
	assert_int_equal(dispatch(&bus, 0x3000, 4), 0);
	assert_int_equal(d3.calls, 1);
	assert_int_equal(bus_unregister(&bus, 0x2000), -SVMM_ENOENT);
	/* The range is free again: a restarted VM registers its device anew. */
	assert_int_equal(bus_register(&bus, 0x2000, 0x100, fake_handler, &d2, "two"), 0);
	assert_int_equal(dispatch(&bus, 0x2000, 4), 0);
	assert_int_equal(d2.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_and_dispatch),
	    cmocka_unit_test(test_register_invalid),
	    cmocka_unit_test(test_overlaps_rejected),
	    cmocka_unit_test(test_adjacent_dispatch),
	    cmocka_unit_test(test_full_bus),
	    cmocka_unit_test(test_unmapped),
	    cmocka_unit_test(test_access_crossing_end),
	    cmocka_unit_test(test_top_of_address_space),
	    cmocka_unit_test(test_order_independent),
	    cmocka_unit_test(test_two_buses),
	    cmocka_unit_test(test_unregister),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
