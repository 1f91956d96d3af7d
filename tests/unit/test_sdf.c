/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Microkit system description: the elements a VM needs, one vcpu per
 * vCPU, well-formed XML with escaped values, the same bytes for the same
 * input, and one-line refusals for what the board or seL4 svmm cannot hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/sdf.h"
#include "config/vm_config.h"
#include "tests/unit/xml_check.h"

/* ---- helpers ---- */

static void set_ok(struct vm_config *cfg, const char *field, const char *value)
{
	struct config_error err = {{0}};

	if (vm_config_set(cfg, field, value, "--flag", NULL, &err) != 0)
		fail_msg("%s=\"%s\" refused: %s", field, value, err.message);
}

/* A VM with `cpus` vCPUs and `memory`; the kernel path is not read by sdf_write. */
static void make_config(struct vm_config *cfg, const char *name, const char *cpus,
			const char *memory)
{
	vm_config_init(cfg);
	set_ok(cfg, "name", name);
	set_ok(cfg, "cpus", cpus);
	set_ok(cfg, "memory", memory);
}

/* The SDF as a malloc'd string, or NULL with `err` filled in. */
static char *render(const struct vm_config *cfg, const struct sdf_params *params,
		    struct config_error *err)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	int result;

	assert_non_null(out);
	result = sdf_write(out, cfg, params, err);
	fclose(out);
	if (result != 0) {
		assert_int_equal(result, -1);
		assert_true(size == 0);
		free(text);
		return NULL;
	}
	return text;
}

static char *render_ok(const struct vm_config *cfg, const struct sdf_params *params)
{
	struct config_error err = {{0}};
	char *text = render(cfg, params, &err);

	if (text == NULL)
		fail_msg("sdf_write refused: %s", err.message);
	return text;
}

static void expect_refusal(const struct vm_config *cfg, const struct sdf_params *params,
			   const char *expected)
{
	struct config_error err = {{0}};
	char *text = render(cfg, params, &err);

	if (text != NULL)
		fail_msg("sdf_write accepted, wanted \"%s\"", expected);
	assert_string_equal(err.message, expected);
}

static unsigned count(const char *haystack, const char *needle)
{
	unsigned n = 0;

	for (const char *at = strstr(haystack, needle); at != NULL;
	     at = strstr(at + strlen(needle), needle))
		n++;
	return n;
}

static void assert_contains(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL)
		fail_msg("missing %s in:\n%s", needle, text);
}

static void test_checker_catches_malformed_xml(void **state)
{
	(void)state;
	assert_null(xml_problem("<a x=\"1\"><b /></a>"));
	assert_non_null(xml_problem("<a><b></a></b>"));
	assert_non_null(xml_problem("<a><b></a>"));
	assert_non_null(xml_problem("<a x=\"1&2\" />"));
	assert_non_null(xml_problem("<a x=\"<\" />"));
	assert_non_null(xml_problem("<a x=\"1\" x=\"2\" />"));
	assert_non_null(xml_problem("<a />text"));
	assert_non_null(xml_problem("<a /><b />"));
}

static void test_one_vcpu_vm(void **state)
{
	struct vm_config cfg;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	char *text;

	(void)state;
	make_config(&cfg, "vm0", "1", "256M");
	text = render_ok(&cfg, &params);
	assert_well_formed(text);
	assert_int_equal(count(text, "<system>"), 1);
	/* svmm, and the timer PD every system has. */
	assert_int_equal(count(text, "<protection_domain "), 2);
	assert_int_equal(count(text, "<virtual_machine "), 1);
	assert_int_equal(count(text, "<vcpu "), 1);
	assert_contains(text, "<vcpu id=\"0\" />");
	assert_contains(text, "<protection_domain name=\"vmm\" priority=\"101\"");
	assert_contains(text, "<program_image path=\"svmm.elf\" />");
	/* No period in the description: SDF_DEFAULT_TIMESLICE_US. */
	assert_contains(
	    text,
	    "<virtual_machine name=\"vm0\" priority=\"100\" budget=\"50000\" period=\"50000\">");
	/* No disk: no block server, no queue, no channel but the timer's. */
	assert_int_equal(count(text, "blk"), 0);
	assert_int_equal(count(text, "<channel>"), 1);
	/* Guest RAM: the VM's size, 2 MiB pages, placed by the tool, at 1 GiB for the guest. */
	assert_contains(text, "<memory_region name=\"guest_ram\" size=\"0x10000000\" "
			      "page_size=\"0x200000\" />");
	assert_contains(text, "            <map mr=\"guest_ram\" vaddr=\"0x40000000\" "
			      "perms=\"rwx\" />");
	assert_contains(text, "<map mr=\"guest_ram\" vaddr=\"0x40000000\" perms=\"rw\" "
			      "setvar_vaddr=\"guest_ram_vaddr\" setvar_size=\"guest_ram_size\" />");
	/* The GIC virtual CPU interface where the guest's GICC is; the UART to svmm. */
	assert_contains(text, "<memory_region name=\"gic_vcpu\" size=\"0x1000\" "
			      "page_size=\"0x1000\" phys_addr=\"0x8040000\" />");
	assert_contains(text, "<map mr=\"gic_vcpu\" vaddr=\"0x8010000\" perms=\"rw\" "
			      "cached=\"false\" />");
	assert_contains(text, "<memory_region name=\"uart\" size=\"0x1000\" "
			      "page_size=\"0x1000\" phys_addr=\"0x9000000\" />");
	assert_contains(text, "<map mr=\"uart\" vaddr=\"0x9000000\" perms=\"rw\" "
			      "cached=\"false\" setvar_vaddr=\"uart_vaddr\" />");
	assert_contains(text, "<irq irq=\"33\" id=\"1\" />");
	/* The UART belongs to svmm only: the guest's accesses fault to the emulated PL011. */
	assert_int_equal(count(text, "mr=\"uart\""), 1);
	free(text);
	vm_config_free(&cfg);
}

static void test_two_vcpus(void **state)
{
	struct vm_config cfg;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	char *text;
	const char *first, *second;

	(void)state;
	make_config(&cfg, "vm0", "2", "512M");
	text = render_ok(&cfg, &params);
	assert_well_formed(text);
	assert_int_equal(count(text, "<vcpu "), 2);
	first = strstr(text, "<vcpu id=\"0\" />");
	second = strstr(text, "<vcpu id=\"1\" />");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	/* Both inside the virtual machine. */
	assert_true(strstr(text, "<virtual_machine ") < first);
	assert_true(second < strstr(text, "</virtual_machine>"));
	assert_contains(text, "<memory_region name=\"guest_ram\" size=\"0x20000000\"");
	free(text);
	vm_config_free(&cfg);
}

static void test_odd_mebibytes_use_small_pages(void **state)
{
	struct vm_config cfg;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	char *text;

	(void)state;
	make_config(&cfg, "vm0", "1", "17M");
	text = render_ok(&cfg, &params);
	assert_contains(
	    text, "<memory_region name=\"guest_ram\" size=\"0x1100000\" page_size=\"0x1000\" />");
	free(text);
	vm_config_free(&cfg);
}

static void test_special_characters_escaped(void **state)
{
	struct vm_config cfg;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	char *text;

	(void)state;
	make_config(&cfg, "vm0", "1", "64M");
	/* The description's name is A-Z a-z 0-9 . _ -; a struct filled by hand may hold more. */
	free(cfg.name);
	cfg.name = strdup("a<b>&\"c'");
	assert_non_null(cfg.name);
	params.vmm_image = "images/svmm & co\t\"v1\".elf";
	params.vmm_name = "vmm<1>";
	text = render_ok(&cfg, &params);
	assert_well_formed(text);
	assert_contains(text, "<virtual_machine name=\"a&lt;b&gt;&amp;&quot;c&apos;\"");
	assert_contains(text, "<program_image path=\"images/svmm &amp; co&#9;&quot;v1&quot;.elf\"");
	assert_contains(text, "<protection_domain name=\"vmm&lt;1&gt;\"");
	free(text);
	vm_config_free(&cfg);
}

static void test_deterministic(void **state)
{
	struct vm_config a, b;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	char *first, *second;

	(void)state;
	make_config(&a, "vm0", "3", "1G");
	make_config(&b, "vm0", "3", "1G");
	first = render_ok(&a, &params);
	second = render_ok(&b, &params);
	assert_string_equal(first, second);
	free(second);
	second = render_ok(&a, &params);
	assert_string_equal(first, second);
	free(first);
	free(second);
	vm_config_free(&a);
	vm_config_free(&b);
}

static void test_board_limits(void **state)
{
	struct vm_config cfg;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	char *text;

	(void)state;
	make_config(&cfg, "vm0", "8", "1G");
	text = render_ok(&cfg, &params);
	assert_contains(text, "<vcpu id=\"7\" />");
	free(text);
	set_ok(&cfg, "cpus", "9");
	expect_refusal(&cfg, &params, "cpus 9: qemu_virt_aarch64 takes 1 to 8 vCPUs per VM");
	set_ok(&cfg, "cpus", "1");
	set_ok(&cfg, "memory", "2G");
	expect_refusal(&cfg, &params,
		       "memory 2G: qemu_virt_aarch64 has 2G of RAM in all, shared with seL4 and "
		       "svmm; give the guest less");
	vm_config_free(&cfg);
}

static void test_devices_without_sel4_backend_refused(void **state)
{
	struct vm_config cfg;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();

	(void)state;
	make_config(&cfg, "vm0", "1", "64M");
	set_ok(&cfg, "disk", "/srv/root.img");
	set_ok(&cfg, "rng", "true");
	expect_refusal(&cfg, &params,
		       "rng: virtio-rng has no seL4 backend yet, so qemu_virt_aarch64 cannot "
		       "describe it (the SDF holds RAM, vCPUs, the GIC, a PL011 or virtio "
		       "console and one disk)");
	vm_config_free(&cfg);

	/* The virtio console needs nothing in the SDF: svmm serves it to the console it has. */
	make_config(&cfg, "vm0", "1", "64M");
	set_ok(&cfg, "console", "virtio,stdio");
	free(render_ok(&cfg, &params));
	vm_config_free(&cfg);

	/* One disk, as the block driver serves it; not two, nor options it cannot honour. */
	make_config(&cfg, "vm0", "1", "64M");
	set_ok(&cfg, "disk", "/srv/a.img");
	set_ok(&cfg, "disk", "/srv/b.img");
	expect_refusal(&cfg, &params,
		       "disk: 2 disks; svmm on qemu_virt_aarch64 serves one (one block driver "
		       "protection domain for the board's virtio-blk device)");
	vm_config_free(&cfg);
	/* readonly is the driver's own (built so for the VM): the SDF is the same. */
	make_config(&cfg, "vm0", "1", "64M");
	set_ok(&cfg, "disk", "/srv/a.img,readonly");
	free(render_ok(&cfg, &params));
	vm_config_free(&cfg);
	make_config(&cfg, "vm0", "1", "64M");
	set_ok(&cfg, "disk", "/srv/a.img,serial=abc");
	expect_refusal(&cfg, &params,
		       "disk: option serial is not supported on qemu_virt_aarch64: the block "
		       "driver serves QEMU's virtio-blk drive as it is, as serial "
		       "\"sel4-virtio-blk\"");
	vm_config_free(&cfg);

	/* Where the console's host side goes does not matter on seL4: the UART is svmm's. */
	make_config(&cfg, "vm0", "1", "64M");
	set_ok(&cfg, "console", "pty");
	free(render_ok(&cfg, &params));
	vm_config_free(&cfg);
}

/* The maps a space has of region `mr`: "<map mr=\"mr\"" at `indent`. */
static unsigned maps_of(const char *text, const char *indent, const char *mr)
{
	char needle[128];

	snprintf(needle, sizeof(needle), "%s<map mr=\"%s\"", indent, mr);
	return count(text, needle);
}

/* The text of protection domain `name`'s element, from its opening tag to its end. */
static char *pd_element(const char *text, const char *name)
{
	char open[128];
	const char *start, *end;

	snprintf(open, sizeof(open), "<protection_domain name=\"%s\"", name);
	start = strstr(text, open);
	assert_non_null(start);
	end = strstr(start, "</protection_domain>");
	assert_non_null(end);
	return strndup(start, (size_t)(end - start));
}

static void test_disk_gets_block_driver(void **state)
{
	struct vm_config cfg;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	char *text, *driver, *vmm;

	(void)state;
	make_config(&cfg, "vm0", "1", "256M");
	set_ok(&cfg, "disk", "/srv/root.img");
	text = render_ok(&cfg, &params);
	assert_well_formed(text);
	assert_int_equal(count(text, "<protection_domain "), 3);
	assert_contains(text, "<memory_region name=\"blk_storage_info\" size=\"0x1000\" "
			      "page_size=\"0x1000\" />");
	assert_contains(
	    text, "<memory_region name=\"blk_data\" size=\"0x40000\" page_size=\"0x1000\" />");
	assert_contains(text,
			"<memory_region name=\"blk_dma\" size=\"0x4000\" page_size=\"0x1000\" />");
	assert_contains(text, "<memory_region name=\"virtio_mmio\" size=\"0x4000\" "
			      "page_size=\"0x1000\" phys_addr=\"0xa000000\" />");
	/* The sDDF regions at the same addresses in both PDs; svmm only reads the storage info. */
	assert_contains(text, "<map mr=\"blk_storage_info\" vaddr=\"0x100000000\" perms=\"r\" "
			      "setvar_vaddr=\"blk_storage_info_vaddr\" />");
	assert_contains(text, "<map mr=\"blk_storage_info\" vaddr=\"0x100000000\" perms=\"rw\" "
			      "setvar_vaddr=\"blk_storage_info_vaddr\" />");
	assert_int_equal(count(text, "<map mr=\"blk_req_queue\" vaddr=\"0x100001000\" perms=\"rw\" "
				     "setvar_vaddr=\"blk_req_queue_vaddr\" />"),
			 2);
	assert_int_equal(count(text, "<map mr=\"blk_resp_queue\" vaddr=\"0x100002000\" "
				     "perms=\"rw\" setvar_vaddr=\"blk_resp_queue_vaddr\" />"),
			 2);
	assert_int_equal(count(text,
			       "<map mr=\"blk_data\" vaddr=\"0x100200000\" perms=\"rw\" "
			       "setvar_vaddr=\"blk_data_vaddr\" setvar_size=\"blk_data_size\" />"),
			 2);
	assert_contains(text, "    <protection_domain name=\"blk_driver\" priority=\"254\" "
			      "budget=\"50000\" period=\"50000\">\n"
			      "        <program_image path=\"blk_driver.elf\" />\n");
	/* A notification channel both ways, no protected procedure call. */
	assert_contains(text, "    <channel>\n"
			      "        <end pd=\"vmm\" id=\"2\" />\n"
			      "        <end pd=\"blk_driver\" id=\"0\" />\n"
			      "    </channel>\n");
	driver = pd_element(text, "blk_driver");
	vmm = pd_element(text, "vmm");
	/* The driver: the transports' window and its DMA uncached, their 32 SPIs, the paddrs. */
	assert_contains(driver, "<map mr=\"virtio_mmio\" vaddr=\"0x100600000\" perms=\"rw\" "
				"cached=\"false\" setvar_vaddr=\"blk_mmio_vaddr\" />");
	assert_contains(driver, "<map mr=\"blk_dma\" vaddr=\"0x100800000\" perms=\"rw\" "
				"cached=\"false\" setvar_vaddr=\"blk_dma_vaddr\" />");
	assert_int_equal(count(driver, "<irq "), 32);
	assert_contains(driver, "<irq irq=\"48\" id=\"1\" />");
	assert_contains(driver, "<irq irq=\"79\" id=\"32\" />");
	assert_contains(driver, "<setvar symbol=\"blk_dma_paddr\" region_paddr=\"blk_dma\" />");
	assert_contains(driver, "<setvar symbol=\"blk_data_paddr\" region_paddr=\"blk_data\" />");
	/* The driver maps no VM memory; svmm maps neither the device nor the DMA region. */
	assert_int_equal(maps_of(driver, "", "guest_ram"), 0);
	assert_int_equal(count(driver, "<map "), 6);
	assert_int_equal(maps_of(vmm, "", "virtio_mmio") + maps_of(vmm, "", "blk_dma"), 0);
	/* The guest does not see the queue: its virtio-mmio window traps to svmm. */
	assert_int_equal(maps_of(text, "            ", "blk"), 0);
	assert_int_equal(maps_of(text, "            ", "virtio_mmio"), 0);
	assert_int_equal(sdf_virtio_disks(&cfg), 1);
	free(driver);
	free(vmm);
	free(text);
	vm_config_free(&cfg);
}

/*
 * The timer PD owns the CNTP PPI and nothing else; svmm calls it on its
 * timer channel (HYP_SEL4_TIMER_CHANNEL) and no longer takes the PPI itself.
 */
static void test_timer_pd_serves_svmm(void **state)
{
	struct vm_config cfg;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	char *text;

	(void)state;
	make_config(&cfg, "vm0", "1", "256M");
	text = render_ok(&cfg, &params);
	assert_contains(text, "    <protection_domain name=\"timer\" priority=\"254\" "
			      "budget=\"50000\" period=\"50000\">\n"
			      "        <program_image path=\"timer.elf\" />\n"
			      "        <irq irq=\"30\" id=\"0\" />\n"
			      "    </protection_domain>\n");
	assert_int_equal(count(text, "<irq irq=\"30\""), 1);
	assert_contains(text, "    <channel>\n"
			      "        <end pd=\"vmm\" id=\"4\" pp=\"true\" />\n"
			      "        <end pd=\"timer\" id=\"1\" />\n"
			      "    </channel>\n");
	free(text);
	vm_config_free(&cfg);
}

/* The SDF of a system of two VMs, `management` or not, or NULL with `err`. */
static char *render_pair(bool management, unsigned vm_count, struct config_error *err)
{
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	struct system_config sys;
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	int result;

	assert_non_null(out);
	system_config_init(&sys);
	sys.management = management;
	sys.vm_count = vm_count;
	make_config(&sys.vms[0], "a", "1", "128M");
	if (vm_count > 1)
		make_config(&sys.vms[1], "b", "1", "64M");
	result = sdf_write_system(out, &sys, &params, err);
	fclose(out);
	system_config_free(&sys);
	if (result != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * "management": a management PD with one map (its console queue, shared
 * with the multiplexer), no irq, a channel to the multiplexer and one to
 * each svmm, which calls it; no VM's memory anywhere in it.
 */
static void test_management_pd(void **state)
{
	struct config_error err = {{0}};
	char *text = render_pair(true, 2, &err), *plain;
	const char *mgmt, *end;

	(void)state;
	if (text == NULL)
		fail_msg("refused: %s", err.message);
	assert_well_formed(text);
	assert_contains(text, "    <protection_domain name=\"mgmt\" priority=\"254\" "
			      "budget=\"50000\" period=\"50000\">\n"
			      "        <program_image path=\"mgmt.elf\" />\n"
			      "        <map mr=\"mgmt_console\" vaddr=\"0x100400000\" perms=\"rw\" "
			      "setvar_vaddr=\"console_queue_vaddr\" />\n"
			      "    </protection_domain>\n");
	mgmt = strstr(text, "<protection_domain name=\"mgmt\"");
	end = strstr(mgmt, "</protection_domain>");
	for (const char *at = mgmt; at < end; at++) {
		assert_true(strncmp(at, "guest_ram", 9) != 0);
		assert_true(strncmp(at, "<irq", 4) != 0);
	}
	/* Two maps of the queue: the management PD's and the multiplexer's, nobody else's. */
	assert_int_equal(count(text, "<map mr=\"mgmt_console\""), 2);
	assert_contains(text, "        <map mr=\"mgmt_console\" vaddr=\"0x10009000\" perms=\"rw\" "
			      "setvar_vaddr=\"mgmt_queue_vaddr\" />\n");
	assert_contains(text, "    <channel>\n"
			      "        <end pd=\"mgmt\" id=\"0\" />\n"
			      "        <end pd=\"console\" id=\"10\" />\n"
			      "    </channel>\n");
	assert_contains(text, "    <channel>\n"
			      "        <end pd=\"vmm_a\" id=\"5\" pp=\"true\" />\n"
			      "        <end pd=\"mgmt\" id=\"1\" />\n"
			      "    </channel>\n");
	assert_contains(text, "    <channel>\n"
			      "        <end pd=\"vmm_b\" id=\"5\" pp=\"true\" />\n"
			      "        <end pd=\"mgmt\" id=\"2\" />\n"
			      "    </channel>\n");
	assert_int_equal(count(text, "pd=\"mgmt\""), 3);
	/* Each VM's RAM stays in its guest and its svmm. */
	assert_int_equal(count(text, "<map mr=\"guest_ram_"), 4);
	plain = render_pair(false, 2, &err);
	assert_non_null(plain);
	assert_null(strstr(plain, "mgmt"));
	free(plain);
	free(text);
	/* A lone VM has no multiplexer to carry the prompt. */
	assert_null(render_pair(true, 1, &err));
	assert_non_null(strstr(err.message, "management: "));
	assert_non_null(strstr(err.message, "2 or more VMs"));
}

static void test_bad_params_refused(void **state)
{
	struct vm_config cfg;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();

	(void)state;
	make_config(&cfg, "vm0", "1", "64M");
	params.max_vm_priority = 253;
	expect_refusal(&cfg, &params,
		       "sdf: VM priority 253 at most: expected at most 252 (svmm runs one above "
		       "its VM, a block driver above that)");
	params = sdf_params_qemu_virt_aarch64();
	params.blk_priority = params.max_vm_priority + 1;
	expect_refusal(&cfg, &params,
		       "sdf: block driver priority 253: expected above svmm's 253 (it must "
		       "preempt svmm, which polls for its answers) and at most 254");
	params = sdf_params_qemu_virt_aarch64();
	params.blk_first_irq_channel_id = 0;
	expect_refusal(&cfg, &params,
		       "sdf: block driver irq channels 0..31: expected at most 62, apart from "
		       "its channel to svmm 0");
	params = sdf_params_qemu_virt_aarch64();
	params.blk_first_irq_channel_id = 40;
	expect_refusal(&cfg, &params,
		       "sdf: block driver irq channels 40..71: expected at most 62, apart from "
		       "its channel to svmm 0");
	params = sdf_params_qemu_virt_aarch64();
	params.vmm_blk_channel_id = params.uart_channel_id;
	expect_refusal(&cfg, &params,
		       "sdf: block channel ids 1 and 0: expected 0 to 61, svmm's apart from its "
		       "uart channel 1");
	params = sdf_params_qemu_virt_aarch64();
	params.blk_name = params.vmm_name;
	expect_refusal(&cfg, &params, "sdf: the block driver and svmm are both named \"vmm\"");
	params = sdf_params_qemu_virt_aarch64();
	params.vmm_image = "";
	expect_refusal(&cfg, &params,
		       "sdf: program image \"\": expected a non-empty name without control "
		       "characters");
	params = sdf_params_qemu_virt_aarch64();
	params.vmm_name = "v\x01m";
	expect_refusal(&cfg, &params,
		       "sdf: protection domain name \"v\\x01m\": expected a non-empty name "
		       "without control characters");
	params = sdf_params_qemu_virt_aarch64();
	params.timer_priority = params.max_vm_priority + 1;
	expect_refusal(&cfg, &params,
		       "sdf: timer priority 253: expected above svmm's 253 (it takes svmm's "
		       "protected procedure calls) and at most 254");
	params = sdf_params_qemu_virt_aarch64();
	params.mgmt_priority = params.max_vm_priority + 1;
	expect_refusal(&cfg, &params,
		       "sdf: management PD priority 253: expected above svmm's 253 (it takes "
		       "svmm's protected procedure calls) and at most 254");
	params = sdf_params_qemu_virt_aarch64();
	params.mux_mgmt_channel_id = params.mux_first_vm_channel_id + 2;
	expect_refusal(&cfg, &params,
		       "sdf: management channel ids: svmm's 5 apart from its other channels, the "
		       "management PD's 1..9 above its console channel 0, the multiplexer's 3 "
		       "apart from its uart and VM channels");
	params = sdf_params_qemu_virt_aarch64();
	params.vmm_timer_channel_id = params.vmm_console_channel_id;
	expect_refusal(&cfg, &params,
		       "sdf: timer channel ids: svmm's 3 apart from its uart, block and console "
		       "channels, the timer PD's 1..9 above its irq channel 0");
	params = sdf_params_qemu_virt_aarch64();
	params.timer_image = "";
	expect_refusal(&cfg, &params,
		       "sdf: timer image \"\": expected a non-empty name without control "
		       "characters");
	/* The UART mapped into svmm where guest RAM is. */
	params = sdf_params_qemu_virt_aarch64();
	params.vmm_uart_vaddr = 0x40001000;
	expect_refusal(&cfg, &params,
		       "sdf: protection domain vmm maps uart at 0x40001000 over guest_ram at "
		       "0x40000000");
	params = sdf_params_qemu_virt_aarch64();
	params.gic_vcpu_phys = 0x8040800;
	expect_refusal(&cfg, &params,
		       "sdf: region gic_vcpu: address 0x8040800 is not a multiple of its page "
		       "size 0x1000");
	params = sdf_params_qemu_virt_aarch64();
	params.vaddr_limit = 0x42000000;
	expect_refusal(&cfg, &params,
		       "sdf: protection domain vmm maps guest_ram at 0x40000000, past its address "
		       "space's end 0x41ff0000");
	params = sdf_params_qemu_virt_aarch64();
	params.uart_channel_id = 62;
	expect_refusal(&cfg, &params, "sdf: uart channel id 62: expected 0 to 61");
	vm_config_free(&cfg);
}

static void test_write_failure_reported(void **state)
{
	struct vm_config cfg;
	struct sdf_params params = sdf_params_qemu_virt_aarch64();
	struct config_error err = {{0}};
	FILE *full = fopen("/dev/full", "w");

	(void)state;
	if (full == NULL)
		skip();
	make_config(&cfg, "vm0", "1", "64M");
	assert_int_equal(sdf_write(full, &cfg, &params, &err), -1);
	assert_string_equal(err.message, "sdf: cannot write the system description");
	fclose(full);
	vm_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checker_catches_malformed_xml),
	    cmocka_unit_test(test_one_vcpu_vm),
	    cmocka_unit_test(test_two_vcpus),
	    cmocka_unit_test(test_odd_mebibytes_use_small_pages),
	    cmocka_unit_test(test_special_characters_escaped),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_board_limits),
	    cmocka_unit_test(test_devices_without_sel4_backend_refused),
	    cmocka_unit_test(test_disk_gets_block_driver),
	    cmocka_unit_test(test_timer_pd_serves_svmm),
	    cmocka_unit_test(test_management_pd),
	    cmocka_unit_test(test_bad_params_refused),
	    cmocka_unit_test(test_write_failure_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
