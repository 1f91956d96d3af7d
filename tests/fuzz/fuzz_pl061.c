/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the PL061 GPIO (dev/pl061.c) as a hostile guest and
 * the host's power key drive it: each 6-byte step is an MMIO read or write
 * of any size at any offset of the window, or a host input change. After
 * every step the interrupt line the device last set must be what its
 * registers say (raw status AND mask), and a read returns only byte-wide
 * values except for the identification words.
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_pl061)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/bus.h"
#include "core/vm.h"
#include "dev/pl061.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_pl061: %s:%d: check failed: %s\n", __FILE__,         \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define BASE 0x09030000ull
#define IRQ  7

static int line_level = 0;

static int set_level(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	CHECK(line == IRQ);
	line_level = level;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	static struct pl061 gpio;

	vm_init(&vm, "fuzz", NULL);
	vm.irq_chip = (struct vm_irq_chip){.set_level = set_level};
	line_level = 0;
	CHECK(pl061_init(&gpio, &vm, BASE, IRQ) == 0);
	for (size_t at = 0; at + 6 <= size; at += 6) {
		const uint8_t *step = data + at;
		uint64_t offset = ((uint64_t)step[1] << 8 | step[2]) % (PL061_MMIO_SIZE + 8);
		struct access acc = {
		    .gpa = BASE + offset,
		    .size = (uint8_t)(1u << (step[0] & 3)),
		    .is_write = (step[0] >> 2) & 1,
		    .value = (uint64_t)step[3] << 16 | (uint64_t)step[4] << 8 | step[5],
		};

		if ((step[0] >> 3) & 1) {
			pl061_set_input(&gpio, step[1] % 10, step[2] & 1);
		} else if (bus_dispatch(&vm.mmio, &acc) == 0 && !acc.is_write) {
			CHECK(acc.value <= 0xff);
		}
		CHECK(line_level == ((gpio.ris & gpio.ie) != 0));
	}
	return 0;
}
