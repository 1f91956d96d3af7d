/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM description: every field's good and bad forms with the exact error
 * a user sees, the JSON reader, flags overriding the file, and validation
 * against real files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/vm_config.h"

#define KNOWN_FIELDS                                                                               \
	"(known: name, kernel, initrd, cmdline, cpus, memory, on_reboot, console, dtb_out, disk, " \
	"net, rng, vsock, cores, priority, budget_us, period_us)"

/* ---- helpers ---- */

/* Sets one field the way a flag would, expecting success. */
static void set_ok(struct vm_config *cfg, const char *field, const char *value,
		   const char *base_dir)
{
	struct config_error err = {{0}};

	if (vm_config_set(cfg, field, value, "--flag", base_dir, &err) != 0)
		fail_msg("%s=\"%s\" refused: %s", field, value, err.message);
}

/* Sets one field on a fresh config as flag --<field>, expecting exactly `expected`. */
static void check_set_error(const char *field, const char *value, const char *expected)
{
	struct vm_config cfg;
	struct config_error err = {{0}};
	char origin[64];

	snprintf(origin, sizeof(origin), "--%s", field);
	vm_config_init(&cfg);
	assert_int_equal(vm_config_set(&cfg, field, value, origin, NULL, &err), -1);
	assert_string_equal(err.message, expected);
	vm_config_free(&cfg);
}

/* A scratch directory per test, removed with everything in it afterwards. */
struct scratch {
	char dir[64];
};

static int scratch_setup(void **state)
{
	struct scratch *scratch = calloc(1, sizeof(*scratch));

	if (!scratch)
		return -1;
	strcpy(scratch->dir, "/tmp/svmm-test-config-XXXXXX");
	if (!mkdtemp(scratch->dir)) {
		free(scratch);
		return -1;
	}
	*state = scratch;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int scratch_teardown(void **state)
{
	struct scratch *scratch = *state;
	int result = nftw(scratch->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(scratch);
	return result;
}

/* "<dir>/<name>" in a caller's buffer. */
static const char *scratch_path(const struct scratch *scratch, const char *name, char *out,
				size_t out_size)
{
	snprintf(out, out_size, "%s/%s", scratch->dir, name);
	return out;
}

static void write_file(const char *path, const char *contents, size_t len)
{
	FILE *file = fopen(path, "w");

	assert_non_null(file);
	assert_int_equal(fwrite(contents, 1, len, file), len);
	assert_int_equal(fclose(file), 0);
}

/* A new JSON file, named by mkstemp, in the scratch directory. */
static void write_json(const struct scratch *scratch, const char *json, char *path,
		       size_t path_size)
{
	int fd;

	snprintf(path, path_size, "%s/vm-XXXXXX", scratch->dir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	assert_int_equal(close(fd), 0);
}

/* Loads `json` into a fresh config expecting the error "<file><suffix>". */
static void check_json_error(const struct scratch *scratch, const char *json, const char *suffix)
{
	struct vm_config cfg;
	struct config_error err = {{0}};
	char path[128];
	char expected[sizeof(err.message)];

	write_json(scratch, json, path, sizeof(path));
	snprintf(expected, sizeof(expected), "%s%s", path, suffix);
	vm_config_init(&cfg);
	assert_int_equal(vm_config_load_json(&cfg, path, &err), -1);
	assert_string_equal(err.message, expected);
	vm_config_free(&cfg);
}

/* ---- defaults and lifetime ---- */

static void test_init_sets_the_documented_defaults(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	assert_string_equal(cfg.name, "svmm");
	assert_string_equal(cfg.cmdline, "console=ttyAMA0");
	assert_int_equal(cfg.cpus, 1);
	assert_int_equal(cfg.memory, 512ull << 20);
	assert_int_equal(cfg.console, CONSOLE_STDIO);
	assert_int_equal(cfg.on_reboot, ON_REBOOT_RESTART);
	assert_null(cfg.kernel);
	assert_null(cfg.initrd);
	assert_null(cfg.console_path);
	assert_null(cfg.dtb_out);
	vm_config_free(&cfg);
}

static void test_free_is_safe_twice_and_right_after_init(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	vm_config_free(&cfg);
	vm_config_free(&cfg);

	vm_config_init(&cfg);
	set_ok(&cfg, "kernel", "/boot/Image", NULL);
	set_ok(&cfg, "initrd", "/boot/initrd", NULL);
	set_ok(&cfg, "console", "socket:/run/vm.sock", NULL);
	set_ok(&cfg, "dtb_out", "/tmp/vm.dtb", NULL);
	vm_config_free(&cfg);
	assert_null(cfg.name);
	assert_null(cfg.kernel);
	assert_null(cfg.initrd);
	assert_null(cfg.cmdline);
	assert_null(cfg.console_path);
	assert_null(cfg.dtb_out);
	vm_config_free(&cfg);
}

static void test_replacing_a_field_frees_the_old_value(void **state)
{
	struct vm_config cfg;

	(void)state;
	/* Valgrind (make check-unit under it) proves nothing leaks here. */
	vm_config_init(&cfg);
	set_ok(&cfg, "name", "first", NULL);
	set_ok(&cfg, "name", "second", NULL);
	set_ok(&cfg, "kernel", "/a", NULL);
	set_ok(&cfg, "kernel", "/b", NULL);
	set_ok(&cfg, "cmdline", "one", NULL);
	set_ok(&cfg, "cmdline", "two", NULL);
	set_ok(&cfg, "console", "socket:/one.sock", NULL);
	set_ok(&cfg, "console", "socket:/two.sock", NULL);
	assert_string_equal(cfg.name, "second");
	assert_string_equal(cfg.kernel, "/b");
	assert_string_equal(cfg.cmdline, "two");
	assert_string_equal(cfg.console_path, "/two.sock");
	vm_config_free(&cfg);
}

static void test_a_refused_value_keeps_the_previous_one(void **state)
{
	struct vm_config cfg;
	struct config_error err = {{0}};

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "cpus", "4", NULL);
	set_ok(&cfg, "kernel", "/boot/Image", NULL);
	assert_int_equal(vm_config_set(&cfg, "cpus", "0", "--cpus", NULL, &err), -1);
	assert_int_equal(vm_config_set(&cfg, "kernel", "", "--kernel", NULL, &err), -1);
	assert_int_equal(cfg.cpus, 4);
	assert_string_equal(cfg.kernel, "/boot/Image");
	vm_config_free(&cfg);
}

/* ---- fields one by one ---- */

static void test_unknown_field_lists_the_known_ones(void **state)
{
	(void)state;
	check_set_error("cpu", "2", "--cpu: unknown field \"cpu\" " KNOWN_FIELDS);
}

static void test_missing_value_is_an_error(void **state)
{
	(void)state;
	check_set_error("cpus", NULL, "--cpus: expected an integer from 1 to 64, got nothing");
}

static void test_name_good(void **state)
{
	struct vm_config cfg;
	char longest[65];

	(void)state;
	memset(longest, 'n', 64);
	longest[64] = '\0';
	vm_config_init(&cfg);
	set_ok(&cfg, "name", "web-1.prod_A", NULL);
	assert_string_equal(cfg.name, "web-1.prod_A");
	set_ok(&cfg, "name", longest, NULL);
	assert_string_equal(cfg.name, longest);
	vm_config_free(&cfg);
}

static void test_name_bad(void **state)
{
	static const char expected[] =
	    "--name: expected a name of 1 to 64 characters from A-Z a-z 0-9 . _ -, got ";
	char too_long[66];
	char message[256];

	(void)state;
	memset(too_long, 'n', 65);
	too_long[65] = '\0';
	check_set_error("name", "",
			"--name: expected a name of 1 to 64 characters from A-Z a-z "
			"0-9 . _ -, got \"\"");
	check_set_error("name", "my vm",
			"--name: expected a name of 1 to 64 characters from A-Z a-z 0-9 . _ -, "
			"got \"my vm\"");
	check_set_error("name", "vm/1",
			"--name: expected a name of 1 to 64 characters from A-Z a-z 0-9 . _ -, "
			"got \"vm/1\"");
	snprintf(message, sizeof(message), "%s\"%s\"", expected, too_long);
	check_set_error("name", too_long, message);
}

static void test_values_in_messages_are_escaped_onto_one_line(void **state)
{
	(void)state;
	check_set_error("name", "a\"b\\c\nd",
			"--name: expected a name of 1 to 64 characters from A-Z a-z 0-9 . _ -, "
			"got \"a\\\"b\\\\c\\x0ad\"");
}

static void test_kernel_paths_absolute_and_relative(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "kernel", "/boot/Image", "/srv/vm");
	assert_string_equal(cfg.kernel, "/boot/Image");
	set_ok(&cfg, "kernel", "Image", "/srv/vm");
	assert_string_equal(cfg.kernel, "/srv/vm/Image");
	set_ok(&cfg, "kernel", "boot/Image", "/srv/vm/");
	assert_string_equal(cfg.kernel, "/srv/vm/boot/Image");
	set_ok(&cfg, "kernel", "Image", "/");
	assert_string_equal(cfg.kernel, "/Image");
	set_ok(&cfg, "kernel", "Image", NULL);
	assert_string_equal(cfg.kernel, "Image");
	set_ok(&cfg, "kernel", "../Image", "");
	assert_string_equal(cfg.kernel, "../Image");
	vm_config_free(&cfg);
}

static void test_kernel_bad(void **state)
{
	char too_long[4200];
	char expected[256];

	(void)state;
	check_set_error("kernel", "", "--kernel: expected a file path, got \"\"");
	memset(too_long, 'k', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	/* Messages show the first 96 bytes of a long value. */
	snprintf(expected, sizeof(expected),
		 "--kernel: expected a path shorter than 4096 bytes, got \"%.96s...\"", too_long);
	check_set_error("kernel", too_long, expected);
}

static void test_initrd_empty_means_none(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "initrd", "rootfs.cpio.gz", "/srv/vm");
	assert_string_equal(cfg.initrd, "/srv/vm/rootfs.cpio.gz");
	set_ok(&cfg, "initrd", "", "/srv/vm");
	assert_null(cfg.initrd);
	vm_config_free(&cfg);
}

static void test_dtb_out_relative_and_empty(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "dtb_out", "guest.dtb", "/srv/vm");
	assert_string_equal(cfg.dtb_out, "/srv/vm/guest.dtb");
	set_ok(&cfg, "dtb_out", "", NULL);
	assert_null(cfg.dtb_out);
	vm_config_free(&cfg);
}

static void test_cmdline_good(void **state)
{
	struct vm_config cfg;
	char longest[2048];

	(void)state;
	memset(longest, 'c', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	vm_config_init(&cfg);
	set_ok(&cfg, "cmdline", "console=ttyAMA0 root=/dev/vda rw", NULL);
	assert_string_equal(cfg.cmdline, "console=ttyAMA0 root=/dev/vda rw");
	set_ok(&cfg, "cmdline", "", NULL);
	assert_string_equal(cfg.cmdline, "");
	/* 2047 bytes and the NUL fill arm64's COMMAND_LINE_SIZE exactly. */
	set_ok(&cfg, "cmdline", longest, NULL);
	assert_int_equal(strlen(cfg.cmdline), 2047);
	vm_config_free(&cfg);
}

static void test_cmdline_too_long(void **state)
{
	static const char prefix[] =
	    "--cmdline: expected a kernel command line of at most 2047 bytes, got \"";
	char too_long[2049];
	struct vm_config cfg;
	struct config_error err = {{0}};

	(void)state;
	memset(too_long, 'c', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	vm_config_init(&cfg);
	assert_int_equal(vm_config_set(&cfg, "cmdline", too_long, "--cmdline", NULL, &err), -1);
	assert_memory_equal(err.message, prefix, sizeof(prefix) - 1);
	/* The value is cut short with "...", leaving the message one readable line. */
	assert_non_null(strstr(err.message, "ccc...\""));
	assert_true(strlen(err.message) < 200);
	assert_null(strchr(err.message, '\n'));
	assert_string_equal(cfg.cmdline, "console=ttyAMA0");
	vm_config_free(&cfg);
}

static void test_a_shortened_value_is_not_cut_inside_a_character(void **state)
{
	/* 1024 two-byte "é": too long, and cut on a character boundary. */
	char too_long[2049];
	struct config_error err = {{0}};
	struct vm_config cfg;
	const char *dots;

	(void)state;
	for (size_t i = 0; i < 2048; i += 2) {
		too_long[i] = (char)0xc3;
		too_long[i + 1] = (char)0xa9;
	}
	too_long[2048] = '\0';
	vm_config_init(&cfg);
	assert_int_equal(vm_config_set(&cfg, "cmdline", too_long, "--cmdline", NULL, &err), -1);
	dots = strstr(err.message, "...\"");
	assert_non_null(dots);
	assert_int_equal((unsigned char)dots[-2], 0xc3);
	assert_int_equal((unsigned char)dots[-1], 0xa9);
	vm_config_free(&cfg);
}

static void test_cpus_good(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "cpus", "1", NULL);
	assert_int_equal(cfg.cpus, 1);
	set_ok(&cfg, "cpus", "64", NULL);
	assert_int_equal(cfg.cpus, 64);
	set_ok(&cfg, "cpus", "08", NULL);
	assert_int_equal(cfg.cpus, 8);
	vm_config_free(&cfg);
}

static void test_cpus_bad(void **state)
{
	static const char *const bad[] = {
	    "0",  "65", "",   "-1",  "+1",   "0x4",
	    "4 ", " 4", "4x", "1.0", "four", "99999999999999999999",
	};
	char expected[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(expected, sizeof(expected),
			 "--cpus: expected an integer from 1 to 64, got \"%s\"", bad[i]);
		check_set_error("cpus", bad[i], expected);
	}
}

static void test_memory_good(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "memory", "1G", NULL);
	assert_int_equal(cfg.memory, 1ull << 30);
	set_ok(&cfg, "memory", "16M", NULL);
	assert_int_equal(cfg.memory, 16ull << 20);
	set_ok(&cfg, "memory", "255GiB", NULL);
	assert_int_equal(cfg.memory, 255ull << 30);
	set_ok(&cfg, "memory", "1073741824", NULL);
	assert_int_equal(cfg.memory, 1ull << 30);
	set_ok(&cfg, "memory", "1537M", NULL);
	assert_int_equal(cfg.memory, 1537ull << 20);
	vm_config_free(&cfg);
}

static void test_memory_bad(void **state)
{
	(void)state;
	check_set_error("memory", "lots",
			"--memory: expected a size like 512M or 1G, got \"lots\"");
	check_set_error("memory", "", "--memory: expected a size like 512M or 1G, got \"\"");
	check_set_error("memory", "-1", "--memory: expected a size like 512M or 1G, got \"-1\"");
	check_set_error("memory", "1.5G",
			"--memory: expected a size like 512M or 1G, got \"1.5G\"");
	check_set_error("memory", "12Q", "--memory: expected a size like 512M or 1G, got \"12Q\"");
	check_set_error("memory", "99999999999T",
			"--memory: expected a size like 512M or 1G, got \"99999999999T\"");
	check_set_error("memory", "0", "--memory: expected a size from 16M to 255G, got \"0\"");
	check_set_error("memory", "8M", "--memory: expected a size from 16M to 255G, got \"8M\"");
	check_set_error("memory", "256G",
			"--memory: expected a size from 16M to 255G, got \"256G\"");
	check_set_error("memory", "1T", "--memory: expected a size from 16M to 255G, got \"1T\"");
	check_set_error("memory", "100000000",
			"--memory: expected a whole number of MiB (guest memory is mapped in whole "
			"host pages), got \"100000000\"");
	check_set_error("memory", "16388K",
			"--memory: expected a whole number of MiB (guest memory is mapped in whole "
			"host pages), got \"16388K\"");
}

static void test_on_reboot(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "on_reboot", "exit", NULL);
	assert_int_equal(cfg.on_reboot, ON_REBOOT_EXIT);
	set_ok(&cfg, "on_reboot", "restart", NULL);
	assert_int_equal(cfg.on_reboot, ON_REBOOT_RESTART);
	set_ok(&cfg, "on_reboot", "stop", NULL);
	assert_int_equal(cfg.on_reboot, ON_REBOOT_STOP);
	vm_config_free(&cfg);
	check_set_error("on_reboot", "reboot",
			"--on_reboot: expected \"restart\", \"stop\" or \"exit\", got \"reboot\"");
	check_set_error("on_reboot", "EXIT",
			"--on_reboot: expected \"restart\", \"stop\" or \"exit\", got \"EXIT\"");
	check_set_error("on_reboot", "",
			"--on_reboot: expected \"restart\", \"stop\" or \"exit\", got \"\"");
}

static void test_console_good(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	set_ok(&cfg, "console", "pty", NULL);
	assert_int_equal(cfg.console, CONSOLE_PTY);
	assert_null(cfg.console_path);
	set_ok(&cfg, "console", "socket:/run/svmm/console.sock", NULL);
	assert_int_equal(cfg.console, CONSOLE_SOCKET);
	assert_string_equal(cfg.console_path, "/run/svmm/console.sock");
	set_ok(&cfg, "console", "socket:console.sock", "/srv/vm");
	assert_string_equal(cfg.console_path, "/srv/vm/console.sock");
	/* Leaving the socket behind frees its path. */
	set_ok(&cfg, "console", "stdio", NULL);
	assert_int_equal(cfg.console, CONSOLE_STDIO);
	assert_null(cfg.console_path);
	set_ok(&cfg, "console", "none", NULL);
	assert_int_equal(cfg.console, CONSOLE_NONE);
	set_ok(&cfg, "console", "virtio,none", NULL);
	assert_int_equal(cfg.console, CONSOLE_NONE);
	assert_int_equal(cfg.console_device, CONSOLE_DEVICE_VIRTIO);
	vm_config_free(&cfg);
}

static void test_console_bad(void **state)
{
	char long_socket[160];
	char expected[300];

	(void)state;
	check_set_error("console", "tcp",
			"--console: expected \"stdio\", \"pty\", \"socket:PATH\" or \"none\", "
			"optionally after \"virtio,\" or \"pl011,\", got \"tcp\"");
	check_set_error("console", "",
			"--console: expected \"stdio\", \"pty\", \"socket:PATH\" or \"none\", "
			"optionally after \"virtio,\" or \"pl011,\", got \"\"");
	check_set_error("console", "socket",
			"--console: expected \"stdio\", \"pty\", \"socket:PATH\" or \"none\", "
			"optionally after \"virtio,\" or \"pl011,\", got \"socket\"");
	check_set_error("console", "socket:",
			"--console: expected a socket path after \"socket:\", got \"socket:\"");
	/* A unix socket address holds 107 bytes of path and its NUL. */
	snprintf(long_socket, sizeof(long_socket), "socket:/%0120d", 0);
	snprintf(expected, sizeof(expected),
		 "--console: expected a socket path of at most 107 bytes, got \"/%095d...\"", 0);
	check_set_error("console", long_socket, expected);
}

/* ---- JSON ---- */

static void test_json_full_description_with_numbers(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	struct config_error err = {{0}};
	char path[128];

	write_json(scratch,
		   "{\n"
		   "  \"name\": \"web\",\n"
		   "  \"kernel\": \"/boot/Image\",\n"
		   "  \"initrd\": \"\",\n"
		   "  \"cmdline\": \"console=ttyAMA0 quiet\",\n"
		   "  \"cpus\": 4,\n"
		   "  \"memory\": 1073741824,\n"
		   "  \"on_reboot\": \"exit\",\n"
		   "  \"console\": \"pty\",\n"
		   "  \"dtb_out\": \"/tmp/web.dtb\"\n"
		   "}\n",
		   path, sizeof(path));
	vm_config_init(&cfg);
	assert_int_equal(vm_config_load_json(&cfg, path, &err), 0);
	assert_string_equal(cfg.name, "web");
	assert_string_equal(cfg.kernel, "/boot/Image");
	assert_null(cfg.initrd);
	assert_string_equal(cfg.cmdline, "console=ttyAMA0 quiet");
	assert_int_equal(cfg.cpus, 4);
	assert_int_equal(cfg.memory, 1ull << 30);
	assert_int_equal(cfg.on_reboot, ON_REBOOT_EXIT);
	assert_int_equal(cfg.console, CONSOLE_PTY);
	assert_string_equal(cfg.dtb_out, "/tmp/web.dtb");
	vm_config_free(&cfg);
}

static void test_json_numbers_as_strings(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	struct config_error err = {{0}};
	char path[128];

	write_json(scratch, "{\"cpus\": \"2\", \"memory\": \"2G\"}", path, sizeof(path));
	vm_config_init(&cfg);
	assert_int_equal(vm_config_load_json(&cfg, path, &err), 0);
	assert_int_equal(cfg.cpus, 2);
	assert_int_equal(cfg.memory, 2ull << 30);
	vm_config_free(&cfg);
}

static void test_json_empty_object_keeps_defaults(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	struct config_error err = {{0}};
	char path[128];

	write_json(scratch, " { } ", path, sizeof(path));
	vm_config_init(&cfg);
	assert_int_equal(vm_config_load_json(&cfg, path, &err), 0);
	assert_string_equal(cfg.name, "svmm");
	assert_int_equal(cfg.cpus, 1);
	vm_config_free(&cfg);
}

static void test_json_relative_paths_are_taken_from_the_files_directory(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	struct config_error err = {{0}};
	char path[128];
	char expected[128];

	write_json(scratch,
		   "{\"kernel\": \"Image\", \"initrd\": \"boot/initrd.img\", "
		   "\"dtb_out\": \"out/guest.dtb\", \"console\": \"socket:console.sock\"}",
		   path, sizeof(path));
	vm_config_init(&cfg);
	assert_int_equal(vm_config_load_json(&cfg, path, &err), 0);
	assert_string_equal(cfg.kernel, scratch_path(scratch, "Image", expected, sizeof(expected)));
	assert_string_equal(cfg.initrd,
			    scratch_path(scratch, "boot/initrd.img", expected, sizeof(expected)));
	assert_string_equal(cfg.dtb_out,
			    scratch_path(scratch, "out/guest.dtb", expected, sizeof(expected)));
	assert_string_equal(cfg.console_path,
			    scratch_path(scratch, "console.sock", expected, sizeof(expected)));
	vm_config_free(&cfg);
}

static void test_json_flags_override_the_file(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	struct config_error err = {{0}};
	char path[128];

	write_json(scratch, "{\"cpus\": 2, \"kernel\": \"Image\", \"memory\": \"1G\"}", path,
		   sizeof(path));
	vm_config_init(&cfg);
	assert_int_equal(vm_config_load_json(&cfg, path, &err), 0);
	/* What cmd/ does after the file: each flag given goes through vm_config_set. */
	assert_int_equal(vm_config_set(&cfg, "cpus", "8", "--cpus", NULL, &err), 0);
	assert_int_equal(vm_config_set(&cfg, "kernel", "/other/Image", "--kernel", NULL, &err), 0);
	assert_int_equal(cfg.cpus, 8);
	assert_string_equal(cfg.kernel, "/other/Image");
	assert_int_equal(cfg.memory, 1ull << 30);
	vm_config_free(&cfg);
}

static void test_json_unreadable_file(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	struct config_error err = {{0}};
	char path[128];
	char expected[256];

	vm_config_init(&cfg);
	scratch_path(scratch, "missing.json", path, sizeof(path));
	assert_int_equal(vm_config_load_json(&cfg, path, &err), -1);
	snprintf(expected, sizeof(expected), "%s: cannot read: No such file or directory", path);
	assert_string_equal(err.message, expected);

	assert_int_equal(vm_config_load_json(&cfg, scratch->dir, &err), -1);
	snprintf(expected, sizeof(expected), "%s: cannot read: Is a directory", scratch->dir);
	assert_string_equal(err.message, expected);
	vm_config_free(&cfg);
}

static void test_json_file_too_large(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	struct config_error err = {{0}};
	size_t len = (1u << 20) + 1;
	char *big = malloc(len);
	char path[128];
	char expected[256];

	assert_non_null(big);
	/* Valid JSON but for its size: an object padded with whitespace. */
	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	scratch_path(scratch, "big.json", path, sizeof(path));
	write_file(path, big, len);
	free(big);
	vm_config_init(&cfg);
	assert_int_equal(vm_config_load_json(&cfg, path, &err), -1);
	snprintf(expected, sizeof(expected),
		 "%s: larger than 1024 KiB, too big for a VM description", path);
	assert_string_equal(err.message, expected);
	vm_config_free(&cfg);
}

static void test_json_invalid(void **state)
{
	const struct scratch *scratch = *state;

	check_json_error(scratch, "", ": invalid JSON: unexpected end of data");
	check_json_error(scratch, "  \n", ": invalid JSON: unexpected end of data");
	check_json_error(scratch, "{\"cpus\": 2", ": invalid JSON: unexpected end of data");
	check_json_error(scratch, "{\"cpus\": 2,}",
			 ": invalid JSON: unexpected character (line 1, column 12)");
	check_json_error(scratch, "{\n  \"cpus\": 2\n  \"memory\": \"1G\"\n}",
			 ": invalid JSON: object value separator ',' expected (line 3, column 3)");
	check_json_error(scratch, "{\"cpus\": tru}",
			 ": invalid JSON: boolean expected (line 1, column 13)");
	check_json_error(scratch, "{\"cpus\": 2} {}",
			 ": invalid JSON: unexpected character (line 1, column 13)");
	check_json_error(scratch, "{\"name\": \"\xff\"}",
			 ": invalid JSON: invalid utf-8 string (line 1, column 11)");
	check_json_error(scratch, "{/* comment */}",
			 ": invalid JSON: quoted object property name expected (line 1, column 2)");
}

static void test_json_nul_byte_is_located(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	struct config_error err = {{0}};
	char path[128];
	char expected[256];

	scratch_path(scratch, "nul.json", path, sizeof(path));
	write_file(path, "{\n \"cpus\": 2\0}", 14);
	vm_config_init(&cfg);
	assert_int_equal(vm_config_load_json(&cfg, path, &err), -1);
	snprintf(expected, sizeof(expected), "%s: invalid JSON: NUL byte (line 2, column 11)",
		 path);
	assert_string_equal(err.message, expected);
	vm_config_free(&cfg);
}

static void test_json_top_level_must_be_an_object(void **state)
{
	const struct scratch *scratch = *state;

	check_json_error(scratch, "[1, 2]", ": expected a JSON object at the top level");
	check_json_error(scratch, "\"vm\"", ": expected a JSON object at the top level");
	check_json_error(scratch, "42", ": expected a JSON object at the top level");
	check_json_error(scratch, "null", ": expected a JSON object at the top level");
}

static void test_json_unknown_key(void **state)
{
	const struct scratch *scratch = *state;

	check_json_error(scratch, "{\"cpus\": 2, \"cpu\": 2}",
			 ": unknown field \"cpu\" " KNOWN_FIELDS);
}

static void test_json_bad_values_name_the_file_and_field(void **state)
{
	const struct scratch *scratch = *state;

	check_json_error(scratch, "{\"cpus\": 0}",
			 ": field \"cpus\": expected an integer from 1 to 64, got \"0\"");
	check_json_error(scratch, "{\"cpus\": \"0\"}",
			 ": field \"cpus\": expected an integer from 1 to 64, got \"0\"");
	check_json_error(scratch, "{\"cpus\": -2}",
			 ": field \"cpus\": expected an integer from 1 to 64, got \"-2\"");
	check_json_error(scratch, "{\"cpus\": 1.5}",
			 ": field \"cpus\": expected an integer from 1 to 64, got \"1.5\"");
	check_json_error(scratch, "{\"memory\": 1.5e9}",
			 ": field \"memory\": expected a size like 512M or 1G, got \"1.5e9\"");
	check_json_error(scratch, "{\"memory\": -1}",
			 ": field \"memory\": expected a size like 512M or 1G, got \"-1\"");
	check_json_error(scratch, "{\"memory\": 1024}",
			 ": field \"memory\": expected a size from 16M to 255G, got \"1024\"");
	check_json_error(scratch, "{\"memory\": \"lots\"}",
			 ": field \"memory\": expected a size like 512M or 1G, got \"lots\"");
	check_json_error(scratch, "{\"name\": \"my vm\"}",
			 ": field \"name\": expected a name of 1 to 64 characters from A-Z a-z "
			 "0-9 . _ -, got \"my vm\"");
	check_json_error(scratch, "{\"console\": \"socket:\"}",
			 ": field \"console\": expected a socket path after \"socket:\", got "
			 "\"socket:\"");
}

static void test_json_wrong_types(void **state)
{
	const struct scratch *scratch = *state;

	check_json_error(scratch, "{\"cpus\": true}",
			 ": field \"cpus\": expected an integer from 1 to 64, got \"true\"");
	check_json_error(scratch, "{\"cpus\": [2]}",
			 ": field \"cpus\": expected an integer from 1 to 64, got \"[2]\"");
	check_json_error(scratch, "{\"memory\": null}",
			 ": field \"memory\": expected a size like 512M or 1G, got \"null\"");
	check_json_error(scratch, "{\"memory\": {\"size\": 1}}",
			 ": field \"memory\": expected a size like 512M or 1G, got "
			 "\"{\\\"size\\\":1}\"");
	/* A number where a string belongs says so: "5" would have been a fine path. */
	check_json_error(scratch, "{\"kernel\": 5}",
			 ": field \"kernel\": expected a JSON string (a file path), got \"5\"");
	check_json_error(scratch, "{\"name\": 7}",
			 ": field \"name\": expected a JSON string (a name of 1 to 64 characters "
			 "from A-Z a-z 0-9 . _ -), got \"7\"");
	check_json_error(scratch, "{\"initrd\": null}",
			 ": field \"initrd\": expected a JSON string (a file path, or \"\" for "
			 "none), got \"null\"");
	check_json_error(scratch, "{\"cmdline\": false}",
			 ": field \"cmdline\": expected a JSON string (a kernel command line), "
			 "got \"false\"");
	check_json_error(
	    scratch, "{\"on_reboot\": 1}",
	    ": field \"on_reboot\": expected a JSON string (\"restart\", \"stop\" or \"exit\"), "
	    "got \"1\"");
	check_json_error(
	    scratch, "{\"console\": [\"pty\"]}",
	    ": field \"console\": expected a JSON string (\"stdio\", \"pty\", "
	    "\"socket:PATH\" or \"none\", optionally after \"virtio,\" or \"pl011,\"), got "
	    "\"[\\\"pty\\\"]\"");
	check_json_error(scratch, "{\"kernel\": \"a\\u0000b\"}",
			 ": field \"kernel\": expected a string without NUL characters, got \"a\"");
	/* A key inside a device object is the file's too: escaped onto one line (found by
	 * fuzz_config). */
	check_json_error(scratch, "{\"disk\": [{\"path\": \"a.img\", \"x\\ny\": [1]}]}",
			 ": field \"disk\"[0]: expected a string, number or boolean for "
			 "\"x\\x0ay\", got \"[1]\"");
}

/* ---- validate ---- */

/* A config whose kernel is a real, non-empty file in the scratch directory. */
static void init_with_kernel(struct vm_config *cfg, const struct scratch *scratch)
{
	char kernel[128];

	scratch_path(scratch, "Image", kernel, sizeof(kernel));
	write_file(kernel, "MZ", 2);
	vm_config_init(cfg);
	set_ok(cfg, "kernel", kernel, NULL);
}

static void check_validate_error(const struct vm_config *cfg, const char *expected)
{
	struct config_error err = {{0}};

	assert_int_equal(vm_config_validate(cfg, &err), -1);
	assert_string_equal(err.message, expected);
}

static void test_validate_good(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	struct config_error err = {{0}};
	char initrd[128];

	scratch_path(scratch, "initrd.img", initrd, sizeof(initrd));
	write_file(initrd, "", 0);
	init_with_kernel(&cfg, scratch);
	set_ok(&cfg, "initrd", initrd, NULL);
	set_ok(&cfg, "dtb_out", "guest.dtb", scratch->dir);
	set_ok(&cfg, "console", "socket:console.sock", scratch->dir);
	if (vm_config_validate(&cfg, &err) != 0)
		fail_msg("refused: %s", err.message);
	vm_config_free(&cfg);
}

static void test_validate_missing_kernel(void **state)
{
	struct vm_config cfg;

	(void)state;
	vm_config_init(&cfg);
	check_validate_error(
	    &cfg, "no kernel given: use --kernel FILE or \"kernel\" in the VM description");
	vm_config_free(&cfg);
}

static void test_validate_nonexistent_files_are_named(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	char path[128];
	char expected[256];

	vm_config_init(&cfg);
	set_ok(&cfg, "kernel", scratch_path(scratch, "nope", path, sizeof(path)), NULL);
	snprintf(expected, sizeof(expected), "kernel \"%s\": No such file or directory", path);
	check_validate_error(&cfg, expected);
	vm_config_free(&cfg);

	init_with_kernel(&cfg, scratch);
	set_ok(&cfg, "initrd", scratch_path(scratch, "no-initrd", path, sizeof(path)), NULL);
	snprintf(expected, sizeof(expected), "initrd \"%s\": No such file or directory", path);
	check_validate_error(&cfg, expected);
	vm_config_free(&cfg);
}

static void test_validate_kernel_must_be_a_regular_nonempty_file(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	char path[128];
	char expected[256];

	vm_config_init(&cfg);
	set_ok(&cfg, "kernel", scratch->dir, NULL);
	snprintf(expected, sizeof(expected),
		 "kernel \"%s\": expected a regular file, got a directory", scratch->dir);
	check_validate_error(&cfg, expected);

	set_ok(&cfg, "kernel", "/dev/null", NULL);
	check_validate_error(
	    &cfg, "kernel \"/dev/null\": expected a regular file, got a character device");

	scratch_path(scratch, "empty", path, sizeof(path));
	write_file(path, "", 0);
	set_ok(&cfg, "kernel", path, NULL);
	snprintf(expected, sizeof(expected),
		 "kernel \"%s\": expected a kernel image, got an empty file", path);
	check_validate_error(&cfg, expected);
	vm_config_free(&cfg);
}

static void test_validate_unreadable_kernel(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	char expected[256];

	/* root reads anything, so the mode bits prove nothing there. */
	if (geteuid() == 0)
		skip();
	init_with_kernel(&cfg, scratch);
	assert_int_equal(chmod(cfg.kernel, 0), 0);
	snprintf(expected, sizeof(expected), "kernel \"%s\": Permission denied", cfg.kernel);
	check_validate_error(&cfg, expected);
	vm_config_free(&cfg);
}

static void test_validate_dtb_out_directory_must_exist(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;
	char path[128];
	char dir[128];
	char expected[384];

	init_with_kernel(&cfg, scratch);
	set_ok(&cfg, "dtb_out", scratch_path(scratch, "nodir/guest.dtb", path, sizeof(path)), NULL);
	snprintf(expected, sizeof(expected),
		 "dtb_out \"%s\": directory \"%s\": No such file or directory", path,
		 scratch_path(scratch, "nodir", dir, sizeof(dir)));
	check_validate_error(&cfg, expected);

	/* The kernel file stands where a directory should. */
	set_ok(&cfg, "dtb_out", scratch_path(scratch, "Image/guest.dtb", path, sizeof(path)), NULL);
	snprintf(expected, sizeof(expected), "dtb_out \"%s\": directory \"%s\": Not a directory",
		 path, scratch_path(scratch, "Image", dir, sizeof(dir)));
	check_validate_error(&cfg, expected);

	set_ok(&cfg, "dtb_out", scratch->dir, NULL);
	snprintf(expected, sizeof(expected),
		 "dtb_out \"%s\": expected a file path, got a directory", scratch->dir);
	check_validate_error(&cfg, expected);
	vm_config_free(&cfg);
}

static void test_validate_catches_fields_set_directly(void **state)
{
	const struct scratch *scratch = *state;
	struct vm_config cfg;

	init_with_kernel(&cfg, scratch);
	cfg.cpus = 0;
	check_validate_error(&cfg, "cpus: expected an integer from 1 to 64, got \"0\"");
	cfg.cpus = 65;
	check_validate_error(&cfg, "cpus: expected an integer from 1 to 64, got \"65\"");
	cfg.cpus = 2;
	cfg.memory = 1ull << 40;
	check_validate_error(&cfg,
			     "memory: expected a size from 16M to 255G, got \"1099511627776\"");
	cfg.memory = (1ull << 30) + 4096;
	check_validate_error(&cfg, "memory: expected a whole number of MiB (guest memory is mapped "
				   "in whole host pages), got \"1073745920\"");
	cfg.memory = 1ull << 30;
	cfg.console = CONSOLE_SOCKET;
	check_validate_error(&cfg,
			     "console: expected \"socket:PATH\" with a path, got \"socket:\"");
	vm_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_sets_the_documented_defaults),
	    cmocka_unit_test(test_free_is_safe_twice_and_right_after_init),
	    cmocka_unit_test(test_replacing_a_field_frees_the_old_value),
	    cmocka_unit_test(test_a_refused_value_keeps_the_previous_one),
	    cmocka_unit_test(test_unknown_field_lists_the_known_ones),
	    cmocka_unit_test(test_missing_value_is_an_error),
	    cmocka_unit_test(test_name_good),
	    cmocka_unit_test(test_name_bad),
	    cmocka_unit_test(test_values_in_messages_are_escaped_onto_one_line),
	    cmocka_unit_test(test_kernel_paths_absolute_and_relative),
	    cmocka_unit_test(test_kernel_bad),
	    cmocka_unit_test(test_initrd_empty_means_none),
	    cmocka_unit_test(test_dtb_out_relative_and_empty),
	    cmocka_unit_test(test_cmdline_good),
	    cmocka_unit_test(test_cmdline_too_long),
	    cmocka_unit_test(test_a_shortened_value_is_not_cut_inside_a_character),
	    cmocka_unit_test(test_cpus_good),
	    cmocka_unit_test(test_cpus_bad),
	    cmocka_unit_test(test_memory_good),
	    cmocka_unit_test(test_memory_bad),
	    cmocka_unit_test(test_on_reboot),
	    cmocka_unit_test(test_console_good),
	    cmocka_unit_test(test_console_bad),
	    cmocka_unit_test_setup_teardown(test_json_full_description_with_numbers, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_numbers_as_strings, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_empty_object_keeps_defaults, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(
		test_json_relative_paths_are_taken_from_the_files_directory, scratch_setup,
		scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_flags_override_the_file, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_unreadable_file, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_file_too_large, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_invalid, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_nul_byte_is_located, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_top_level_must_be_an_object, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_unknown_key, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_bad_values_name_the_file_and_field,
					    scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_json_wrong_types, scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_validate_good, scratch_setup, scratch_teardown),
	    cmocka_unit_test(test_validate_missing_kernel),
	    cmocka_unit_test_setup_teardown(test_validate_nonexistent_files_are_named,
					    scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_validate_kernel_must_be_a_regular_nonempty_file,
					    scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_validate_unreadable_kernel, scratch_setup,
					    scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_validate_dtb_out_directory_must_exist,
					    scratch_setup, scratch_teardown),
	    cmocka_unit_test_setup_teardown(test_validate_catches_fields_set_directly,
					    scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
