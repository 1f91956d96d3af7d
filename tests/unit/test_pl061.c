/* SPDX-License-Identifier: Apache-2.0 */
/* The PL061 GPIO and its power key line, as Linux's gpio-pl061 and gpio-keys use them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/bus.h"
#include "core/vm.h"
#include "dev/pl061.h"

#define BASE 0x09030000ull
#define IRQ  7

struct fixture {
	struct vm vm;
	struct pl061 gpio;
	int level; /* the interrupt line as the controller last saw it, -1 never set */
};

static int record_level(void *ctx, unsigned line, bool level)
{
	struct fixture *f = ctx;

	assert_int_equal(line, IRQ);
	f->level = level;
	return 0;
}

static int setup(void **state)
{
	static struct fixture f;

	vm_init(&f.vm, "test", NULL);
	f.vm.irq_chip = (struct vm_irq_chip){.set_level = record_level, .ctx = &f};
	f.level = -1;
	assert_int_equal(pl061_init(&f.gpio, &f.vm, BASE, IRQ), 0);
	*state = &f;
	return 0;
}

static uint32_t rd(struct fixture *f, uint64_t offset)
{
	struct access acc = {.gpa = BASE + offset, .size = 4};

	assert_int_equal(bus_dispatch(&f->vm.mmio, &acc), 0);
	return (uint32_t)acc.value;
}

static void wr(struct fixture *f, uint64_t offset, uint32_t value)
{
	struct access acc = {.gpa = BASE + offset, .size = 4, .is_write = true, .value = value};

	assert_int_equal(bus_dispatch(&f->vm.mmio, &acc), 0);
}

static void identifies_as_a_pl061(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, 0xfe0), 0x61);
	assert_int_equal(rd(f, 0xfe4), 0x10);
	assert_int_equal(rd(f, 0xff0), 0x0d);
	assert_int_equal(rd(f, 0xffc), 0xb1);
	assert_true(f->vm.devices[0].flags & VM_DEVICE_GPIO_POWER_KEY);
}

/* gpio-keys: both edges, unmasked; press then release, each acknowledged. */
static void power_key_press_and_release(void **state)
{
	struct fixture *f = *state;
	uint32_t bit = 1u << VM_POWER_KEY_GPIO_LINE;

	wr(f, 0x408, bit); /* IBE */
	wr(f, 0x410, bit); /* IE */
	assert_int_equal(rd(f, 0x414), 0);
	pl061_set_input(&f->gpio, VM_POWER_KEY_GPIO_LINE, true);
	assert_int_equal(f->level, 1);
	assert_int_equal(rd(f, 0x418), bit);
	/* The data register's address bits mask the read. */
	assert_int_equal(rd(f, bit << 2), bit);
	assert_int_equal(rd(f, 0x3fc), bit);
	assert_int_equal(rd(f, 1u << 2), 0);
	wr(f, 0x41c, bit); /* IC */
	assert_int_equal(f->level, 0);
	pl061_set_input(&f->gpio, VM_POWER_KEY_GPIO_LINE, false);
	assert_int_equal(f->level, 1);
	assert_int_equal(rd(f, 0x3fc), 0);
	wr(f, 0x41c, bit);
	assert_int_equal(f->level, 0);
}

static void edges_and_levels_as_configured(void **state)
{
	struct fixture *f = *state;

	/* Rising edge only on line 0: a fall latches nothing. */
	wr(f, 0x40c, 1); /* IEV */
	wr(f, 0x410, 1);
	pl061_set_input(&f->gpio, 0, true);
	assert_int_equal(rd(f, 0x414), 1);
	wr(f, 0x41c, 1);
	pl061_set_input(&f->gpio, 0, false);
	assert_int_equal(rd(f, 0x414), 0);
	/* A masked line is raw-pending but does not raise the interrupt. */
	pl061_set_input(&f->gpio, 1, true);
	wr(f, 0x40c, 3);
	assert_int_equal(f->level, 0);
	/* Level-high on line 2: pending while high, even after a clear. */
	wr(f, 0x404, 4); /* IS */
	wr(f, 0x40c, 4);
	wr(f, 0x410, 4);
	pl061_set_input(&f->gpio, 2, true);
	assert_int_equal(f->level, 1);
	wr(f, 0x41c, 4);
	assert_int_equal(f->level, 1);
	pl061_set_input(&f->gpio, 2, false);
	assert_int_equal(f->level, 0);
}

static void outputs_read_back_and_reset_clears(void **state)
{
	struct fixture *f = *state;

	wr(f, 0x400, 0xf0); /* DIR: upper four out */
	wr(f, 0x3fc, 0xff);
	assert_int_equal(rd(f, 0x3fc), 0xf0);
	pl061_set_input(&f->gpio, 0, true);
	assert_int_equal(rd(f, 0x3fc), 0xf1);
	/* Only the masked bits change. */
	wr(f, 0x80 << 2, 0);
	assert_int_equal(rd(f, 0x3fc), 0x71);
	pl061_set_input(&f->gpio, 99, true); /* no such line: ignored */
	pl061_reset(&f->gpio);
	assert_int_equal(rd(f, 0x400), 0);
	assert_int_equal(rd(f, 0x3fc), 0);
	/* Odd accesses are ignored and read 0, never fail the guest. */
	{
		struct access acc = {.gpa = BASE + 0x401, .size = 1};

		assert_int_equal(bus_dispatch(&f->vm.mmio, &acc), 0);
		assert_int_equal(acc.value, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(identifies_as_a_pl061, setup),
	    cmocka_unit_test_setup(power_key_press_and_release, setup),
	    cmocka_unit_test_setup(edges_and_levels_as_configured, setup),
	    cmocka_unit_test_setup(outputs_read_back_and_reset_clears, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
