/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system description: the scheduling fields' good and bad forms, the
 * JSON form (a VM description is a system of one), and the rules between
 * VMs (names, cores in direct scheduling, cores the board lacks, budgets),
 * each with the exact one-line error a user sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/system.h"

static const struct system_limits four_cores = {"qemu_virt_aarch64", 4};

/* ---- the scheduling fields of one VM ---- */

static void set_ok(struct vm_config *cfg, const char *field, const char *value)
{
	struct config_error err = {{0}};

	if (vm_config_set(cfg, field, value, "--flag", NULL, &err) != 0)
		fail_msg("%s=\"%s\" refused: %s", field, value, err.message);
}

static void check_set_error(const char *field, const char *value, const char *expected)
{
	struct vm_config cfg;
	struct config_error err = {{0}};

	vm_config_init(&cfg);
	assert_int_equal(vm_config_set(&cfg, field, value, "--x", NULL, &err), -1);
	assert_string_equal(err.message, expected);
	vm_config_free(&cfg);
}

static void test_scheduling_defaults(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	assert_int_equal(cfg.core_count, 0);
	assert_int_equal(cfg.priority, VM_CONFIG_DEFAULT_PRIORITY);
	assert_int_equal(cfg.priority, 100);
	assert_int_equal(cfg.budget_us, 0);
	assert_int_equal(cfg.period_us, 0);
	vm_config_free(&cfg);
}

static void test_cores_good(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "cores", "1,2");
	set_ok(&cfg, "cores", "0");
	assert_int_equal(cfg.core_count, 3);
	assert_int_equal(cfg.cores[0], 1);
	assert_int_equal(cfg.cores[1], 2);
	assert_int_equal(cfg.cores[2], 0);
	/* Flags replace the file's list: the list can be emptied. */
	vm_config_clear_list(&cfg, "cores");
	assert_int_equal(cfg.core_count, 0);
	vm_config_free(&cfg);
}

static void test_cores_bad(void **state)
{
	static const char *const bad[] = {"",	 "a",  "-1", "1,",   ",1",	   "1,,2",
					  "1.5", "+1", " 1", "1024", "99999999999"};
	char expected[160];
	struct vm_config cfg;
	struct config_error err = {{0}};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(expected, sizeof(expected),
			 "--x: expected core numbers from 0 to 1023, got \"%s\"", bad[i]);
		check_set_error("cores", bad[i], expected);
	}
	vm_config_init(&cfg);
	for (int i = 0; i < VM_CONFIG_MAX_CPUS; i++)
		set_ok(&cfg, "cores", "1");
	assert_int_equal(vm_config_set(&cfg, "cores", "1", "--x", NULL, &err), -1);
	assert_string_equal(err.message, "--x: at most 64 cores, one per vCPU");
	assert_int_equal(cfg.core_count, VM_CONFIG_MAX_CPUS);
	vm_config_free(&cfg);
}

static void test_priority(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "priority", "0");
	assert_int_equal(cfg.priority, 0);
	set_ok(&cfg, "priority", "254");
	assert_int_equal(cfg.priority, 254);
	vm_config_free(&cfg);
	check_set_error("priority", "255", "--x: expected an integer from 0 to 254, got \"255\"");
	check_set_error("priority", "-1", "--x: expected an integer from 0 to 254, got \"-1\"");
	check_set_error("priority", "high", "--x: expected an integer from 0 to 254, got \"high\"");
	check_set_error("priority", "", "--x: expected an integer from 0 to 254, got \"\"");
}

static void test_budget_and_period_forms(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "budget_us", "1000");
	set_ok(&cfg, "period_us", "1000000");
	assert_int_equal(cfg.budget_us, 1000);
	assert_int_equal(cfg.period_us, 1000000);
	vm_config_free(&cfg);
	check_set_error("budget_us", "999",
			"--x: expected microseconds from 1000 to 1000000, got \"999\"");
	check_set_error("budget_us", "0",
			"--x: expected microseconds from 1000 to 1000000, got \"0\"");
	check_set_error("period_us", "1000001",
			"--x: expected microseconds from 1000 to 1000000, got \"1000001\"");
	check_set_error("period_us", "10ms",
			"--x: expected microseconds from 1000 to 1000000, got \"10ms\"");
}

/* ---- the JSON form ---- */

struct scratch {
	char dir[64];
	char path[128];
};

static int scratch_setup(void **state)
{
	struct scratch *scratch = calloc(1, sizeof(*scratch));
	FILE *image;

	if (!scratch)
		return -1;
	strcpy(scratch->dir, "/tmp/svmm-test-system-XXXXXX");
	if (!mkdtemp(scratch->dir))
		return -1;
	snprintf(scratch->path, sizeof(scratch->path), "%s/Image", scratch->dir);
	image = fopen(scratch->path, "w");
	if (!image)
		return -1;
	fputs("not really a kernel, but a file", image);
	fclose(image);
	snprintf(scratch->path, sizeof(scratch->path), "%s/sys.json", scratch->dir);
	*state = scratch;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *scratch = *state;
	char image[128];

	snprintf(image, sizeof(image), "%s/Image", scratch->dir);
	unlink(image);
	unlink(scratch->path);
	rmdir(scratch->dir);
	free(scratch);
	return 0;
}

static void write_json(const struct scratch *scratch, const char *json)
{
	FILE *file = fopen(scratch->path, "w");

	assert_non_null(file);
	fputs(json, file);
	assert_int_equal(fclose(file), 0);
}

/* Loads `json` as sys.json, expecting success. The caller frees `sys`. */
static void load_ok(const struct scratch *scratch, const char *json, struct system_config *sys)
{
	struct config_error err = {{0}};

	write_json(scratch, json);
	system_config_init(sys);
	if (system_config_load_json(sys, scratch->path, &err) != 0)
		fail_msg("refused: %s", err.message);
}

/* Loads `json` expecting the load itself to fail with "<path><suffix>". */
static void check_load_error(const struct scratch *scratch, const char *json, const char *suffix)
{
	struct system_config sys;
	struct config_error err = {{0}};
	char expected[sizeof(err.message)];

	write_json(scratch, json);
	snprintf(expected, sizeof(expected), "%s%s", scratch->path, suffix);
	system_config_init(&sys);
	assert_int_equal(system_config_load_json(&sys, scratch->path, &err), -1);
	assert_string_equal(err.message, expected);
	system_config_free(&sys);
}

/* Loads `json` (which must load) expecting system_config_check() to say "<path><suffix>". */
static void check_rule_error(const struct scratch *scratch, const char *json, const char *suffix)
{
	struct system_config sys;
	struct config_error err = {{0}};
	char expected[sizeof(err.message)];

	load_ok(scratch, json, &sys);
	snprintf(expected, sizeof(expected), "%s%s", scratch->path, suffix);
	assert_int_equal(system_config_check(&sys, &four_cores, &err), -1);
	assert_string_equal(err.message, expected);
	system_config_free(&sys);
}

static void check_rules_pass(const struct scratch *scratch, const char *json)
{
	struct system_config sys;
	struct config_error err = {{0}};

	load_ok(scratch, json, &sys);
	if (system_config_check(&sys, &four_cores, &err) != 0)
		fail_msg("refused: %s", err.message);
	system_config_free(&sys);
}

static void test_the_issue_example_loads(void **state)
{
	struct scratch *scratch = *state;
	struct system_config sys;
	struct config_error err = {{0}};

	load_ok(scratch,
		"{\"name\": \"two-vms\", \"scheduling\": \"direct\", \"vms\": ["
		"{\"name\": \"a\", \"kernel\": \"Image\", \"initrd\": \"\", \"cmdline\": "
		"\"console=ttyAMA0 quiet\", \"cpus\": 2, \"memory\": \"256M\", \"cores\": [1, 2], "
		"\"priority\": 200, \"on_reboot\": \"restart\"},"
		"{\"name\": \"b\", \"kernel\": \"Image\", \"cpus\": 1, \"memory\": \"128M\", "
		"\"cores\": [3], \"priority\": 150, \"budget_us\": 2000, \"period_us\": 10000, "
		"\"on_reboot\": \"stop\", \"console\": \"none\"}]}",
		&sys);
	assert_false(sys.from_vm_description);
	assert_string_equal(sys.name, "two-vms");
	assert_int_equal(sys.scheduling, SYSTEM_SCHEDULING_DIRECT);
	assert_false(sys.management);
	assert_int_equal(sys.vm_count, 2);
	assert_string_equal(sys.vms[0].name, "a");
	assert_int_equal(sys.vms[0].cpus, 2);
	assert_int_equal(sys.vms[0].memory, 256ull << 20);
	assert_int_equal(sys.vms[0].core_count, 2);
	assert_int_equal(sys.vms[0].cores[1], 2);
	assert_int_equal(sys.vms[0].priority, 200);
	assert_int_equal(sys.vms[0].budget_us, 0);
	assert_int_equal(sys.vms[1].priority, 150);
	assert_int_equal(sys.vms[1].budget_us, 2000);
	assert_int_equal(sys.vms[1].period_us, 10000);
	assert_int_equal(sys.vms[1].on_reboot, ON_REBOOT_STOP);
	assert_int_equal(sys.vms[1].console, CONSOLE_NONE);
	/* Relative paths are taken from the file's directory, as in a VM description. */
	assert_string_equal(sys.vms[1].kernel + strlen(scratch->dir), "/Image");
	assert_ptr_equal(system_config_find_vm(&sys, "b"), &sys.vms[1]);
	assert_null(system_config_find_vm(&sys, "c"));
	assert_int_equal(system_config_check(&sys, &four_cores, &err), 0);
	assert_int_equal(system_config_validate(&sys, &four_cores, &err), 0);
	system_config_free(&sys);
	system_config_free(&sys); /* safe twice */
}

static void test_management_flag(void **state)
{
	struct scratch *scratch = *state;
	struct system_config sys;

	load_ok(scratch,
		"{\"management\": true, \"vms\": [{\"name\": \"a\", \"kernel\": \"Image\"}, "
		"{\"name\": \"b\", \"kernel\": \"Image\"}]}",
		&sys);
	assert_true(sys.management);
	system_config_free(&sys);
	load_ok(scratch, "{\"management\": false, \"vms\": [{\"name\": \"a\"}]}", &sys);
	assert_false(sys.management);
	system_config_free(&sys);
}

static void test_a_vm_description_is_a_system_of_one(void **state)
{
	struct scratch *scratch = *state;
	struct system_config sys;
	bool is_system = true;
	struct config_error err = {{0}};

	load_ok(scratch, "{\"name\": \"solo\", \"kernel\": \"Image\", \"cpus\": 2}", &sys);
	assert_true(sys.from_vm_description);
	assert_int_equal(sys.vm_count, 1);
	assert_string_equal(sys.vms[0].name, "solo");
	assert_int_equal(sys.scheduling, SYSTEM_SCHEDULING_HYBRID);
	assert_int_equal(system_config_check(&sys, &four_cores, &err), 0);
	system_config_free(&sys);
	assert_int_equal(system_config_file_is_system(scratch->path, &is_system, &err), 0);
	assert_false(is_system);
	write_json(scratch, "{\"vms\": []}");
	assert_int_equal(system_config_file_is_system(scratch->path, &is_system, &err), 0);
	assert_true(is_system);
	/* A VM description's own errors keep their form: file, then field. */
	check_load_error(scratch, "{\"cores\": [\"x\"]}",
			 ": field \"cores\"[0]: expected core numbers from 0 to 1023, got \"x\"");
	check_rule_error(scratch, "{\"kernel\": \"Image\", \"cores\": [9]}",
			 ": field \"cores\": core 9 does not exist on qemu_virt_aarch64 (cores 0 "
			 "to 3)");
}

static void test_system_level_bad_forms(void **state)
{
	struct scratch *scratch = *state;

	check_load_error(scratch, "{\"vms\": {}}",
			 ": field \"vms\": expected a list of VM descriptions, got \"{}\"");
	check_load_error(scratch, "{\"vms\": []}", ": field \"vms\": expected 1 to 9 VMs, got 0");
	check_load_error(scratch,
			 "{\"vms\": [{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":"
			 "\"d\"},{\"name\":\"e\"},{\"name\":\"f\"},{\"name\":\"g\"},{\"name\":"
			 "\"h\"},{\"name\":\"i\"},{\"name\":\"j\"}]}",
			 ": field \"vms\": expected 1 to 9 VMs, got 10");
	check_load_error(scratch, "{\"vms\": [7]}",
			 ": vms[0]: expected a VM description (a JSON object), got \"7\"");
	check_load_error(scratch, "{\"vms\": [{\"kernel\": \"Image\"}]}",
			 ": vms[0]: field \"name\": required in a system description");
	check_load_error(scratch, "{\"vms\": [{\"name\": 5}]}",
			 ": vms[0]: field \"name\": expected a JSON string (a name), got \"5\"");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a b\"}]}",
			 ": vms[0]: field \"name\": expected a name of 1 to 64 characters from "
			 "A-Z a-z 0-9 . _ -, got \"a b\"");
	check_load_error(scratch, "{\"name\": \"\", \"vms\": [{\"name\": \"a\"}]}",
			 ": field \"name\": expected a name of 1 to 64 characters from A-Z a-z "
			 "0-9 . _ -, got \"\"");
	check_load_error(scratch, "{\"name\": [], \"vms\": [{\"name\": \"a\"}]}",
			 ": field \"name\": expected a JSON string (a name), got \"[]\"");
	check_load_error(scratch, "{\"scheduling\": \"fair\", \"vms\": [{\"name\": \"a\"}]}",
			 ": field \"scheduling\": expected \"direct\" or \"hybrid\", got \"fair\"");
	check_load_error(scratch, "{\"scheduling\": 1, \"vms\": [{\"name\": \"a\"}]}",
			 ": field \"scheduling\": expected \"direct\" or \"hybrid\", got \"1\"");
	check_load_error(scratch, "{\"kernel\": \"Image\", \"vms\": [{\"name\": \"a\"}]}",
			 ": unknown field \"kernel\" in a system description (known: name, "
			 "scheduling, management, vms, devices, switches, vsock_links; VM fields "
			 "go in \"vms\")");
	check_load_error(scratch, "{\"management\": \"yes\", \"vms\": [{\"name\": \"a\"}]}",
			 ": field \"management\": expected true or false, got \"\\\"yes\\\"\"");
	check_load_error(scratch, "{\"management\": 1, \"vms\": [{\"name\": \"a\"}]}",
			 ": field \"management\": expected true or false, got \"1\"");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\"}], \"switches\": {}}",
			 ": field \"switches\": not supported yet");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\"}], \"vsock_links\": []}",
			 ": field \"vsock_links\": not supported yet");
}

static void test_vm_fields_are_named_with_their_vm(void **state)
{
	struct scratch *scratch = *state;

	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\", \"memory\": \"lots\"}]}",
			 ": vm \"a\": field \"memory\": expected a size like 512M or 1G, got "
			 "\"lots\"");
	check_load_error(scratch, "{\"vms\": [{\"memory\": \"1M\", \"name\": \"late\"}]}",
			 ": vm \"late\": field \"memory\": expected a size from 16M to 255G, got "
			 "\"1M\"");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\", \"cores\": [1, -2]}]}",
			 ": vm \"a\": field \"cores\"[1]: expected core numbers from 0 to 1023, "
			 "got \"-2\"");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\", \"cores\": true}]}",
			 ": vm \"a\": field \"cores\": expected a list of core numbers like [1, "
			 "2], got \"true\"");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\", \"priority\": 300}]}",
			 ": vm \"a\": field \"priority\": expected an integer from 0 to 254, got "
			 "\"300\"");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\", \"priority\": 1.5}]}",
			 ": vm \"a\": field \"priority\": expected an integer from 0 to 254, got "
			 "\"1.5\"");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\", \"budget_us\": \"soon\"}]}",
			 ": vm \"a\": field \"budget_us\": expected microseconds from 1000 to "
			 "1000000, got \"soon\"");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\", \"period_us\": 0}]}",
			 ": vm \"a\": field \"period_us\": expected microseconds from 1000 to "
			 "1000000, got \"0\"");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\", \"on_reboot\": \"halt\"}]}",
			 ": vm \"a\": field \"on_reboot\": expected \"restart\", \"stop\" or "
			 "\"exit\", got \"halt\"");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\", \"colour\": \"red\"}]}",
			 ": vm \"a\": unknown field \"colour\" (known: name, kernel, initrd, "
			 "cmdline, cpus, memory, on_reboot, console, dtb_out, disk, net, rng, "
			 "vsock, cores, priority, budget_us, period_us)");
	/* The forms of the shared devices still to come are refused by name. */
	check_load_error(scratch,
			 "{\"vms\": [{\"name\": \"a\", \"net\": [{\"switch\": \"lan\"}]}]}",
			 ": vm \"a\": field \"net\"[0]: a network on a system's \"switch\" is not "
			 "supported yet");
}

static void test_rules_between_vms(void **state)
{
	struct scratch *scratch = *state;

	check_rule_error(scratch, "{\"vms\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
			 ": field \"vms\": two VMs are named \"a\" (vms[0] and vms[1])");
	check_rule_error(
	    scratch,
	    "{\"scheduling\": \"direct\", \"vms\": [{\"name\": \"a\", \"cores\": [1]}, "
	    "{\"name\": \"b\", \"cores\": [1]}]}",
	    ": vm \"b\": field \"cores\": core 1 is already vm \"a\"'s (direct "
	    "scheduling gives each vCPU its own core)");
	check_rule_error(scratch,
			 "{\"scheduling\": \"direct\", \"vms\": [{\"name\": \"a\", \"cpus\": 2, "
			 "\"cores\": [2, 2]}]}",
			 ": vm \"a\": field \"cores\": core 2 named twice (direct scheduling gives "
			 "each vCPU its own core)");
	check_rule_error(
	    scratch,
	    "{\"scheduling\": \"direct\", \"vms\": [{\"name\": \"a\", \"cores\": [0]}, "
	    "{\"name\": \"b\", \"cpus\": 2}]}",
	    ": vm \"b\": field \"cores\": direct scheduling gives each vCPU its own "
	    "core: name 2");
	/* Hybrid scheduling shares cores, within a VM and between VMs. */
	check_rules_pass(scratch, "{\"scheduling\": \"hybrid\", \"vms\": [{\"name\": \"a\", "
				  "\"cpus\": 2, \"cores\": [1, 1]}, {\"name\": \"b\", \"cores\": "
				  "[1]}, {\"name\": \"c\"}]}");
	check_rules_pass(scratch, "{\"scheduling\": \"direct\", \"vms\": [{\"name\": \"a\", "
				  "\"cpus\": 3, \"cores\": [0, 1, 2]}, {\"name\": \"b\", "
				  "\"cores\": [3]}]}");
	check_rule_error(scratch,
			 "{\"vms\": [{\"name\": \"a\", \"cores\": [3]}, {\"name\": \"b\", "
			 "\"cores\": [4]}]}",
			 ": vm \"b\": field \"cores\": core 4 does not exist on qemu_virt_aarch64 "
			 "(cores 0 to 3)");
	check_rule_error(scratch, "{\"vms\": [{\"name\": \"a\", \"cpus\": 2, \"cores\": [1]}]}",
			 ": vm \"a\": field \"cores\": expected 2 cores, one per vCPU, got 1");
	check_rule_error(scratch, "{\"vms\": [{\"name\": \"a\", \"cores\": [1, 2]}]}",
			 ": vm \"a\": field \"cores\": expected 1 cores, one per vCPU, got 2");
}

/* The issue's disk form: a VM's {"device": NAME} on the system's block device NAME. */
static void test_block_devices(void **state)
{
	struct scratch *scratch = *state;
	struct system_config sys;
	static const char vm_a[] = "{\"name\": \"a\", \"disk\": [{\"device\": \"disk0\"}]}";
	char json[512];

	snprintf(json, sizeof(json),
		 "{\"vms\": [%s], \"devices\": {\"disk0\": {\"type\": \"block\"}}}", vm_a);
	check_rules_pass(scratch, json);
	load_ok(scratch, json, &sys);
	assert_int_equal(sys.block_device_count, 1);
	assert_string_equal(sys.block_devices[0], "disk0");
	assert_string_equal(sys.vms[0].disks[0].device, "disk0");
	assert_null(sys.vms[0].disks[0].path);
	system_config_free(&sys);
	snprintf(json, sizeof(json), "{\"vms\": [%s]}", vm_a);
	check_rule_error(scratch, json,
			 ": vm \"a\": disk: device \"disk0\" is not a block device of the "
			 "system's \"devices\"");
	snprintf(json, sizeof(json),
		 "{\"vms\": [%s, {\"name\": \"b\", \"disk\": [\"device=disk0\"]}], "
		 "\"devices\": {\"disk0\": {\"type\": \"block\"}}}",
		 vm_a);
	check_rule_error(scratch, json,
			 ": vm \"b\": disk: device \"disk0\" is VM \"a\"'s already (sharing one "
			 "needs partitions, not supported yet)");
	check_load_error(scratch,
			 "{\"vms\": [{\"name\": \"a\", \"disk\": [{\"device\": \"disk0\", "
			 "\"partition\": 1}]}], \"devices\": {\"disk0\": {\"type\": \"block\"}}}",
			 ": vm \"a\": field \"disk\"[0]: partition: a partition of a shared disk "
			 "is not supported yet (it needs the block virtualiser); give the VM the "
			 "whole device");
	check_load_error(scratch,
			 "{\"vms\": [{\"name\": \"a\"}], \"devices\": {\"nic0\": {\"type\": "
			 "\"net\"}}}",
			 ": field \"devices\": device \"nic0\": type \"net\" is not supported yet "
			 "(block devices are)");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\"}], \"devices\": {\"d\": 1}}",
			 ": field \"devices\": device \"d\": expected {\"type\": \"block\"}");
	check_load_error(scratch, "{\"vms\": [{\"name\": \"a\"}], \"devices\": {\"d/1\": {}}}",
			 ": field \"devices\": device \"d/1\": expected a name of letters, "
			 "digits, '.', '_' and '-' (1 to 64)");
}

static void test_budget_rules(void **state)
{
	struct scratch *scratch = *state;

	check_rule_error(scratch,
			 "{\"vms\": [{\"name\": \"b\", \"budget_us\": 20000, \"period_us\": "
			 "10000}]}",
			 ": vm \"b\": field \"budget_us\": budget 20000 us is longer than the "
			 "period 10000 us");
	check_rule_error(scratch, "{\"vms\": [{\"name\": \"b\", \"budget_us\": 2000}]}",
			 ": vm \"b\": field \"budget_us\": a budget needs a period: add "
			 "\"period_us\"");
	/* A period alone, or a budget equal to it, is the whole period. */
	check_rules_pass(scratch, "{\"vms\": [{\"name\": \"b\", \"period_us\": 5000}]}");
	check_rules_pass(
	    scratch, "{\"vms\": [{\"name\": \"b\", \"budget_us\": 5000, \"period_us\": 5000}]}");
}

static void test_validate_names_the_vm_of_a_missing_file(void **state)
{
	struct scratch *scratch = *state;
	struct system_config sys;
	struct config_error err = {{0}};
	char expected[sizeof(err.message)];

	load_ok(scratch,
		"{\"vms\": [{\"name\": \"a\", \"kernel\": \"Image\"}, {\"name\": \"b\", "
		"\"kernel\": \"Image\", \"initrd\": \"gone.cpio\"}]}",
		&sys);
	assert_int_equal(system_config_validate(&sys, &four_cores, &err), -1);
	snprintf(expected, sizeof(expected),
		 "%s: vm \"b\": initrd \"%s/gone.cpio\": No such file or directory", scratch->path,
		 scratch->dir);
	assert_string_equal(err.message, expected);
	system_config_free(&sys);
}

static void test_check_vm_alone(void **state)
{
	struct vm_config cfg;
	struct config_error err = {{0}};

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "cpus", "2");
	set_ok(&cfg, "cores", "3,0");
	assert_int_equal(system_config_check_vm(&cfg, &four_cores, &err), 0);
	vm_config_clear_list(&cfg, "cores");
	set_ok(&cfg, "cores", "3,4");
	assert_int_equal(system_config_check_vm(&cfg, &four_cores, &err), -1);
	assert_string_equal(err.message, "field \"cores\": core 4 does not exist on "
					 "qemu_virt_aarch64 (cores 0 to 3)");
	/* The borrowed VM is still the caller's, intact. */
	assert_string_equal(cfg.name, "svmm");
	vm_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scheduling_defaults),
	    cmocka_unit_test(test_cores_good),
	    cmocka_unit_test(test_cores_bad),
	    cmocka_unit_test(test_priority),
	    cmocka_unit_test(test_budget_and_period_forms),
	    cmocka_unit_test_setup_teardown(test_the_issue_example_loads, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_management_flag, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_a_vm_description_is_a_system_of_one, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_system_level_bad_forms, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_vm_fields_are_named_with_their_vm, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_rules_between_vms, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_budget_rules, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_block_devices, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_validate_names_the_vm_of_a_missing_file,
					    scratch_setup, scratch_teardown),
	    cmocka_unit_test(test_check_vm_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
