/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A machine description as settings text (machine/desc_text.c): what svmm
 * sdf writes, svmm on seL4 reads back unchanged; settings lines that are not
 * the machine's are skipped; and a hostile or stale file is refused with the
 * field it got wrong, never read as a smaller or bigger machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/errors.h"
#include "machine/desc_text.h"

static const char full_text[] = "machine.cpus=2\n"
				"machine.memory=268435456\n"
				"machine.disks=1\n"
				"machine.nets=0\n"
				"machine.console=virtio\n"
				"machine.rng=1\n"
				"machine.vsock_cid=3\n";

static void round_trip(void **state)
{
	const struct machine_desc descs[] = {
	    {.cpus = 2,
	     .memory = 256u << 20,
	     .virtio_console = true,
	     .disk_count = 1,
	     .rng = true,
	     .vsock = true,
	     .vsock_cid = 3},
	    {.cpus = 1, .memory = 1},
	    {.cpus = UINT32_MAX,
	     .memory = UINT64_MAX,
	     .disk_count = MACHINE_MAX_DISKS,
	     .net_count = MACHINE_MAX_NETS,
	     .vsock = true,
	     .vsock_cid = UINT32_MAX},
	};
	char text[MACHINE_DESC_TEXT_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++) {
		struct machine_desc back;
		const char *why = NULL;
		int len = machine_desc_to_text(&descs[i], text, sizeof(text));

		assert_true(len > 0);
		assert_int_equal(strlen(text), (size_t)len);
		assert_int_equal(machine_desc_from_text(text, (size_t)len, &back, &why), 0);
		assert_memory_equal(&back, &descs[i], sizeof(back));
	}
	assert_int_equal(machine_desc_to_text(&descs[0], text, sizeof(text)), strlen(full_text));
	assert_string_equal(text, full_text);
}

static void too_small_a_buffer(void **state)
{
	const struct machine_desc desc = {.cpus = 1, .memory = 1};
	char text[MACHINE_DESC_TEXT_MAX];
	int len = machine_desc_to_text(&desc, text, sizeof(text));

	(void)state;
	assert_true(len > 0);
	assert_int_equal(machine_desc_to_text(&desc, text, (size_t)len), -SVMM_ENOSPC);
	assert_int_equal(machine_desc_to_text(&desc, text, 0), -SVMM_ENOSPC);
	assert_int_equal(machine_desc_to_text(&desc, text, (size_t)len + 1), len);
}

static void other_settings_are_skipped(void **state)
{
	char text[512];
	struct machine_desc desc;
	const char *why = NULL;
	int len = snprintf(text, sizeof(text), "on_reboot=restart\n%swfi_park=1\nmachinery=1\n",
			   full_text);

	(void)state;
	/* No newline after the last line, either. */
	assert_int_equal(machine_desc_from_text(text, (size_t)len - 1, &desc, &why), 0);
	assert_int_equal(desc.cpus, 2);
	assert_true(desc.virtio_console);
	assert_int_equal(desc.vsock_cid, 3);
}

/* `full_text` with line `field` replaced by `line` (NULL: dropped) must be refused. */
static void expect_refused(const char *field, const char *line, const char *reason)
{
	char text[512] = "";
	const char *at = full_text;
	struct machine_desc desc;
	const char *why = NULL;

	while (*at != '\0') {
		const char *end = strchr(at, '\n') + 1;

		if (strncmp(at, field, strlen(field)) == 0 && at[strlen(field)] == '=') {
			if (line != NULL)
				strcat(strcat(text, line), "\n");
		} else {
			strncat(text, at, (size_t)(end - at));
		}
		at = end;
	}
	assert_int_equal(machine_desc_from_text(text, strlen(text), &desc, &why), -SVMM_EINVAL);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void hostile_values_are_refused(void **state)
{
	(void)state;
	expect_refused("machine.cpus", "machine.cpus=0", "machine.cpus: not a vCPU count from 1");
	expect_refused("machine.cpus", "machine.cpus=4294967296",
		       "machine.cpus: not a vCPU count from 1");
	expect_refused("machine.cpus", "machine.cpus=-1", "machine.cpus: not a vCPU count from 1");
	expect_refused("machine.cpus", "machine.cpus=01", "machine.cpus: not a vCPU count from 1");
	expect_refused("machine.cpus", "machine.cpus=", "machine.cpus: not a vCPU count from 1");
	expect_refused("machine.cpus", "machine.cpus=2 ", "machine.cpus: not a vCPU count from 1");
	expect_refused("machine.memory", "machine.memory=18446744073709551616",
		       "machine.memory: not a byte count from 1");
	expect_refused("machine.disks", "machine.disks=9",
		       "machine.disks: more disks than a machine has slots for");
	expect_refused("machine.nets", "machine.nets=5",
		       "machine.nets: more interfaces than a machine has slots for");
	expect_refused("machine.console", "machine.console=virtio2",
		       "machine.console: neither virtio nor pl011");
	expect_refused("machine.rng", "machine.rng=2", "machine.rng: neither 0 nor 1");
	expect_refused("machine.rng", "machine.rng=9", "machine.rng: neither 0 nor 1");
	expect_refused("machine.vsock_cid", "machine.vsock_cid=2",
		       "machine.vsock_cid: neither 0 nor a guest CID (3 to 4294967295)");
}

static void missing_unknown_and_repeated_lines_are_refused(void **state)
{
	(void)state;
	expect_refused("machine.rng", NULL, "machine.rng is missing");
	expect_refused("machine.cpus", NULL, "machine.cpus is missing");
	expect_refused("machine.nets", "machine.nets=0\nmachine.nets=0",
		       "a machine. field is given twice");
	expect_refused("machine.nets", "machine.nets=0\nmachine.gpus=1",
		       "a machine. line that is not one of machine.cpus, memory, disks, nets, "
		       "console, rng, vsock_cid with a value");
	expect_refused("machine.nets", "machine.nets",
		       "a machine. line that is not one of machine.cpus, memory, disks, nets, "
		       "console, rng, vsock_cid with a value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(too_small_a_buffer),
	    cmocka_unit_test(other_settings_are_skipped),
	    cmocka_unit_test(hostile_values_are_refused),
	    cmocka_unit_test(missing_unknown_and_repeated_lines_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
