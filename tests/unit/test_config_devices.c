/* SPDX-License-Identifier: Apache-2.0 */
/* The device fields of a VM description: disk, net, rng, vsock, console device. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/vm_config.h"

static int set(struct vm_config *cfg, const char *field, const char *value,
	       struct config_error *err)
{
	return vm_config_set(cfg, field, value, field, "/base", err);
}

static void expect_error(const char *field, const char *value, const char *needle)
{
	struct vm_config cfg;
	struct config_error err = {{0}};

	vm_config_init(&cfg);
	assert_int_equal(set(&cfg, field, value, &err), -1);
	if (strstr(err.message, needle) == NULL)
		fail_msg("%s=%s: \"%s\" lacks \"%s\"", field, value, err.message, needle);
	vm_config_free(&cfg);
}

static void test_disk_forms(void **state)
{
	struct vm_config cfg;
	struct config_error err = {{0}};

	(void)state;
	vm_config_init(&cfg);
	assert_int_equal(set(&cfg, "disk", "root.img", &err), 0);
	assert_int_equal(set(&cfg, "disk", "/data.img,readonly,serial=DATA1", &err), 0);
	assert_int_equal(set(&cfg, "disk", "path=x.img,direct,ro", &err), 0);
	assert_int_equal(cfg.disk_count, 3);
	assert_string_equal(cfg.disks[0].path, "/base/root.img");
	assert_false(cfg.disks[0].readonly);
	assert_string_equal(cfg.disks[1].path, "/data.img");
	assert_true(cfg.disks[1].readonly);
	assert_string_equal(cfg.disks[1].serial, "DATA1");
	assert_true(cfg.disks[2].direct);
	assert_true(cfg.disks[2].readonly);
	vm_config_clear_list(&cfg, "disk");
	assert_int_equal(cfg.disk_count, 0);
	vm_config_free(&cfg);
}

static void test_disk_errors(void **state)
{
	(void)state;
	expect_error("disk", "", "expected PATH[,readonly]");
	expect_error("disk", "a.img,readwrite", "expected PATH[,readonly]");
	expect_error("disk", "a.img,b.img", "expected PATH[,readonly]");
	expect_error("disk", "readonly", "expected PATH[,readonly]");
	expect_error("disk", "a.img,serial=123456789012345678901", "expected PATH[,readonly]");
}

static void test_disk_limit(void **state)
{
	struct vm_config cfg;
	struct config_error err = {{0}};

	(void)state;
	vm_config_init(&cfg);
	for (int i = 0; i < VM_CONFIG_MAX_DISKS; i++)
		assert_int_equal(set(&cfg, "disk", "d.img", &err), 0);
	assert_int_equal(set(&cfg, "disk", "d.img", &err), -1);
	assert_non_null(strstr(err.message, "at most 8 disks"));
	vm_config_free(&cfg);
}

static void test_net_forms(void **state)
{
	struct vm_config cfg;
	struct config_error err = {{0}};
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

	(void)state;
	vm_config_init(&cfg);
	assert_int_equal(set(&cfg, "net", "user", &err), 0);
	assert_int_equal(set(&cfg, "net", "tap=tap0,mac=52:54:00:12:34:56", &err), 0);
	assert_int_equal(set(&cfg, "net", "user,forward=tcp:8080:80,forward=udp:5353:53", &err), 0);
	assert_int_equal(cfg.net_count, 3);
	assert_int_equal(cfg.nets[0].backend, NET_USER);
	assert_false(cfg.nets[0].has_mac);
	assert_int_equal(cfg.nets[1].backend, NET_TAP);
	assert_string_equal(cfg.nets[1].tap_name, "tap0");
	assert_true(cfg.nets[1].has_mac);
	assert_memory_equal(cfg.nets[1].mac, mac, 6);
	assert_int_equal(cfg.nets[2].forward_count, 2);
	assert_string_equal(cfg.nets[2].forwards[1], "udp:5353:53");
	vm_config_free(&cfg);
}

static void test_net_errors(void **state)
{
	(void)state;
	expect_error("net", "slirp", "expected user[,mac=MAC]");
	expect_error("net", "tap=", "tap interface name");
	expect_error("net", "tap=averyverylongname", "tap interface name");
	expect_error("net", "user,mac=01:00:5e:00:00:01", "unicast MAC");
	expect_error("net", "user,mac=52:54:00:12:34", "unicast MAC");
	expect_error("net", "user,forward=tcp:0:80", "forward=tcp:HOSTPORT:GUESTPORT");
	expect_error("net", "user,forward=icmp:1:2", "forward=tcp:HOSTPORT:GUESTPORT");
	expect_error("net", "tap=tap0,forward=tcp:80:80", "user networking only");
	expect_error("net", "mac=52:54:00:12:34:56", "expected user[,mac=MAC]");
}

static void test_rng_and_vsock(void **state)
{
	struct vm_config cfg;
	struct config_error err = {{0}};

	(void)state;
	vm_config_init(&cfg);
	assert_false(cfg.rng);
	assert_int_equal(set(&cfg, "rng", "true", &err), 0);
	assert_true(cfg.rng);
	assert_int_equal(set(&cfg, "rng", "off", &err), 0);
	assert_false(cfg.rng);
	assert_null(cfg.vsock.socket);
	assert_int_equal(set(&cfg, "vsock", "cid=3,socket=vm.vsock", &err), 0);
	assert_int_equal(cfg.vsock.cid, 3);
	assert_string_equal(cfg.vsock.socket, "/base/vm.vsock");
	assert_int_equal(set(&cfg, "vsock", "socket=/run/v.sock,cid=4294967294", &err), 0);
	assert_int_equal(cfg.vsock.cid, 4294967294u);
	vm_config_free(&cfg);
	expect_error("rng", "maybe", "true or false");
	expect_error("vsock", "cid=2,socket=/x", "cid=N,socket=PATH");
	expect_error("vsock", "cid=4294967295,socket=/x", "cid=N,socket=PATH");
	expect_error("vsock", "cid=3", "cid=N,socket=PATH");
	expect_error("vsock", "cid=x3,socket=/x", "cid=N,socket=PATH");
	expect_error("vsock", "cid=3,socket=/x,extra", "cid=N,socket=PATH");
}

static void test_console_device(void **state)
{
	struct vm_config cfg;
	struct config_error err = {{0}};

	(void)state;
	vm_config_init(&cfg);
	assert_int_equal(cfg.console_device, CONSOLE_DEVICE_PL011);
	assert_int_equal(set(&cfg, "console", "virtio", &err), 0);
	assert_int_equal(cfg.console_device, CONSOLE_DEVICE_VIRTIO);
	assert_int_equal(cfg.console, CONSOLE_STDIO);
	/* The default command line follows the console device... */
	assert_string_equal(cfg.cmdline, "console=hvc0");
	assert_int_equal(set(&cfg, "cmdline", "console=hvc0 quiet", &err), 0);
	/* ...but never overrides one the user gave. */
	assert_int_equal(set(&cfg, "console", "pl011", &err), 0);
	assert_string_equal(cfg.cmdline, "console=hvc0 quiet");
	assert_int_equal(set(&cfg, "console", "virtio", &err), 0);
	assert_int_equal(set(&cfg, "console", "virtio,pty", &err), 0);
	assert_int_equal(cfg.console, CONSOLE_PTY);
	assert_int_equal(set(&cfg, "console", "pl011,socket:/tmp/c.sock", &err), 0);
	assert_int_equal(cfg.console_device, CONSOLE_DEVICE_PL011);
	assert_int_equal(cfg.console, CONSOLE_SOCKET);
	vm_config_free(&cfg);
	expect_error("console", "virtio,", "optionally after");
	expect_error("console", "virtio,tcp", "optionally after");
}

static char *write_temp_json(const char *text)
{
	char *path = strdup("/tmp/svmm-test-devices-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_json_forms(void **state)
{
	struct vm_config cfg;
	struct config_error err = {{0}};
	char *path = write_temp_json(
	    "{\"disk\": [\"a.img\", {\"path\": \"/b.img\", \"readonly\": true, \"direct\": false}],"
	    " \"net\": {\"tap\": \"tap1\"}, \"rng\": true,"
	    " \"vsock\": {\"cid\": 7, \"socket\": \"/run/vm.vsock\"}}");

	(void)state;
	vm_config_init(&cfg);
	assert_int_equal(vm_config_load_json(&cfg, path, &err), 0);
	assert_int_equal(cfg.disk_count, 2);
	assert_string_equal(cfg.disks[0].path, "/tmp/a.img");
	assert_string_equal(cfg.disks[1].path, "/b.img");
	assert_true(cfg.disks[1].readonly);
	assert_false(cfg.disks[1].direct);
	assert_int_equal(cfg.net_count, 1);
	assert_string_equal(cfg.nets[0].tap_name, "tap1");
	assert_true(cfg.rng);
	assert_int_equal(cfg.vsock.cid, 7);
	vm_config_free(&cfg);
	unlink(path);
	free(path);
}

static void test_json_type_errors(void **state)
{
	struct vm_config cfg;
	struct config_error err = {{0}};
	char *path = write_temp_json("{\"disk\": [\"a.img\", [1]]}");
	char *path2 = write_temp_json("{\"rng\": \"yes\"}");

	(void)state;
	vm_config_init(&cfg);
	assert_int_equal(vm_config_load_json(&cfg, path, &err), -1);
	assert_non_null(strstr(err.message, "field \"disk\"[1]"));
	assert_int_equal(vm_config_load_json(&cfg, path2, &err), -1);
	assert_non_null(strstr(err.message, "field \"rng\": expected true or false, got \"yes\""));
	vm_config_free(&cfg);
	unlink(path);
	unlink(path2);
	free(path);
	free(path2);
}

static void test_validate_devices(void **state)
{
	struct vm_config cfg;
	struct config_error err = {{0}};
	char *kernel = write_temp_json("kernel");

	(void)state;
	vm_config_init(&cfg);
	assert_int_equal(vm_config_set(&cfg, "kernel", kernel, "--kernel", NULL, &err), 0);
	assert_int_equal(vm_config_set(&cfg, "disk", "/nonexistent.img", "--disk", NULL, &err), 0);
	assert_int_equal(vm_config_validate(&cfg, &err), -1);
	assert_string_equal(err.message, "disk \"/nonexistent.img\": No such file or directory");
	vm_config_clear_list(&cfg, "disk");
	assert_int_equal(vm_config_set(&cfg, "disk", kernel, "--disk", NULL, &err), 0);
	assert_int_equal(vm_config_set(&cfg, "disk", kernel, "--disk", NULL, &err), 0);
	assert_int_equal(vm_config_validate(&cfg, &err), -1);
	assert_non_null(strstr(err.message, "is given twice"));
	vm_config_clear_list(&cfg, "disk");
	assert_int_equal(
	    vm_config_set(&cfg, "vsock", "cid=3,socket=/nonexistent/v.sock", "--vsock", NULL, &err),
	    0);
	assert_int_equal(vm_config_validate(&cfg, &err), -1);
	assert_non_null(strstr(err.message, "directory \"/nonexistent\""));
	vm_config_free(&cfg);
	unlink(kernel);
	free(kernel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_disk_forms),	     cmocka_unit_test(test_disk_errors),
	    cmocka_unit_test(test_disk_limit),	     cmocka_unit_test(test_net_forms),
	    cmocka_unit_test(test_net_errors),	     cmocka_unit_test(test_rng_and_vsock),
	    cmocka_unit_test(test_console_device),   cmocka_unit_test(test_json_forms),
	    cmocka_unit_test(test_json_type_errors), cmocka_unit_test(test_validate_devices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
