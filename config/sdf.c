/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emits a Microkit 2.0.1 SDF for one VM: the plan (memory regions and the
 * mappings of the svmm protection domain and of its virtual machine) is
 * built from the description and the board facts first, checked as a whole,
 * and only then written, so a refused description writes nothing.
 *
 * Schema facts relied on (Microkit 2.0.1 docs/manual.md and
 * tool/microkit/src/sdf.rs):
 * - memory_region: name, size, page_size (0x1000 or 0x200000 on AArch64;
 *   4 KiB when absent), phys_addr (fixed address; absent: the tool
 *   allocates). size and phys_addr must be multiples of the page size.
 * - protection_domain: name, priority 0..254, budget, period, passive,
 *   stack_size (4 KiB..16 MiB, page-aligned; default 4 KiB); children
 *   program_image path, map, irq, setvar, protection_domain and at most one
 *   virtual_machine.
 * - map: mr, vaddr (a multiple of the region's page size), perms (r, w, x;
 *   not write-only), cached (default true), and in a PD only setvar_vaddr,
 *   setvar_size. Maps in one address space must not overlap.
 * - irq: irq, id (channel id 0..61), trigger (default level).
 * - virtual_machine: name, priority, budget, period; children vcpu (one or
 *   more, attribute id 0..61 only) and map. A map's vaddr is the guest
 *   physical address.
 * - 2.0.1 has no multicore configuration and no `cpu` attribute (it comes in
 *   later releases), so every vCPU of the VM runs on the one core.
 *
 * - channel: exactly two end elements (pd, id, pp, notify). pp="true" on
 *   an end lets that PD call the other by protected procedure call, which
 *   must have a strictly higher priority.
 *
 * One disk is a virtio-blk device svmm emulates (its virtio-mmio window is
 * not mapped, so the guest's accesses fault to svmm) in front of the block
 * server PD: two regions shared by both PDs (the request queue and the data
 * it moves, host/sel4/block_queue.h) and a channel on which svmm makes the
 * protected procedure call. Net, rng, vsock and the virtio console need
 * server PDs of their own that do not exist yet, so a description asking
 * for one is refused rather than turned into a system whose guest silently
 * lacks it. Budgets and periods are left at Microkit's default (1000 us,
 * full budget); passthrough devices are not described.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "config/config_private.h"
#include "config/sdf.h"

#define SDF_SMALL_PAGE	 0x1000ull
#define SDF_LARGE_PAGE	 0x200000ull
#define SDF_MAX_PRIORITY 254u
#define SDF_MAX_ID	 61u /* channel and vcpu ids: 62 bits of a 64-bit badge */
#define SDF_MIN_STACK	 0x1000ull
#define SDF_MAX_STACK	 (16ull << 20)

#define SDF_MAX_REGIONS 6
#define SDF_MAX_MAPS	6

struct sdf_params sdf_params_qemu_virt_aarch64(void)
{
	return (struct sdf_params){
	    .board = "qemu_virt_aarch64",
	    /* Microkit's build_sdk.py builds this board with QEMU_MEMORY 2048. */
	    .board_ram_size = 2ull << 30,
	    /*
	     * The schema allows vcpu ids 0..61, but the board's GIC is a GICv2,
	     * whose target lists (GICD_ITARGETSR, SGIs) address at most 8 CPU
	     * interfaces, so a guest sees at most 8 CPUs.
	     */
	    .max_vcpus = 8,
	    /*
	     * seL4's user address space end with hypervisor support and the
	     * Cortex-A53's 40-bit physical addresses (Microkit's user_top()).
	     */
	    .vaddr_limit = 1ull << 40,
	    .vmm_name = "vmm",
	    .vmm_image = "svmm.elf",
	    .vmm_priority = 253,
	    /*
	     * Device models, libfdt and the exit path run on this stack; the
	     * 4 KiB default is too small for them.
	     */
	    .vmm_stack_size = 0x10000,
	    .vm_priority = 252,
	    .guest_ram_base = 0x40000000,
	    .vmm_guest_ram_vaddr = 0x40000000,
	    /*
	     * QEMU virt's GICV frame; the guest finds it where its GICC is. Only
	     * the first page: the rest (GICC_DIR) is unused by a guest without
	     * EL2 and faults to svmm otherwise.
	     */
	    .gic_vcpu_phys = 0x8040000,
	    .gic_vcpu_guest = 0x8010000,
	    .gic_vcpu_size = 0x1000,
	    .uart_phys = 0x9000000,
	    .uart_size = 0x1000,
	    .vmm_uart_vaddr = 0x9000000,
	    .uart_irq = 33, /* PL011: SPI 1 */
	    .uart_channel_id = 1,
	    .blk_name = "blk_server",
	    .blk_image = "blk_server.elf",
	    .blk_priority = 254,
	    .blk_queue_size = 0x1000,
	    .blk_data_size = 0x40000,
	    /* Above the most guest RAM svmm maps (at 1 GiB, less than 2 GiB of it). */
	    .blk_queue_vaddr = 0x100000000,
	    .blk_data_vaddr = 0x100200000,
	    .vmm_blk_channel_id = 2,
	    .blk_channel_id = 0,
	};
}

struct sdf_region {
	const char *name;
	uint64_t size;
	uint64_t page_size; /* SDF_SMALL_PAGE is the schema's default and is not written */
	bool fixed;	    /* phys is the region's physical address */
	uint64_t phys;
};

struct sdf_map {
	const struct sdf_region *region;
	uint64_t vaddr;
	const char *perms;
	bool cached;
	const char *setvar_vaddr; /* NULL: none; svmm's protection domain only */
	const char *setvar_size;
};

/* One address space: the svmm protection domain's or the guest's. */
struct sdf_space {
	const char *kind;     /* for messages */
	uint64_t vaddr_limit; /* maps end at or below it */
	struct sdf_map maps[SDF_MAX_MAPS];
	unsigned map_count;
};

struct sdf_plan {
	struct sdf_region regions[SDF_MAX_REGIONS];
	unsigned region_count;
	struct sdf_space vmm, vm, blk; /* blk: the block server, for a VM with a disk */
	bool has_blk;
};

/* ---- the plan ---- */

static const struct sdf_region *add_region(struct sdf_plan *plan, struct sdf_region region)
{
	plan->regions[plan->region_count] = region;
	return &plan->regions[plan->region_count++];
}

static void add_map(struct sdf_space *space, struct sdf_map map)
{
	space->maps[space->map_count++] = map;
}

static bool aligned(uint64_t value, uint64_t alignment)
{
	return value % alignment == 0;
}

/*
 * The block server's PD and the request queue and data regions, mapped at
 * the same addresses into it and svmm (both programs name them alike).
 */
static void plan_disk(struct sdf_plan *plan, const struct sdf_params *params)
{
	const struct sdf_region *queue, *data;

	plan->has_blk = true;
	plan->blk.kind = "block server";
	plan->blk.vaddr_limit = params->vaddr_limit - SDF_MIN_STACK;
	queue = add_region(plan, (struct sdf_region){.name = "blk_queue",
						     .size = params->blk_queue_size,
						     .page_size = SDF_SMALL_PAGE});
	data = add_region(plan, (struct sdf_region){.name = "blk_data",
						    .size = params->blk_data_size,
						    .page_size = SDF_SMALL_PAGE});
	for (unsigned i = 0; i < 2; i++) {
		struct sdf_space *space = i == 0 ? &plan->vmm : &plan->blk;

		add_map(space, (struct sdf_map){.region = queue,
						.vaddr = params->blk_queue_vaddr,
						.perms = "rw",
						.cached = true,
						.setvar_vaddr = SDF_SYMBOL_BLK_QUEUE_VADDR});
		add_map(space, (struct sdf_map){.region = data,
						.vaddr = params->blk_data_vaddr,
						.perms = "rw",
						.cached = true,
						.setvar_vaddr = SDF_SYMBOL_BLK_DATA_VADDR,
						.setvar_size = SDF_SYMBOL_BLK_DATA_SIZE});
	}
}

static void build_plan(struct sdf_plan *plan, const struct vm_config *cfg,
		       const struct sdf_params *params)
{
	bool large = aligned(cfg->memory, SDF_LARGE_PAGE) &&
		     aligned(params->guest_ram_base, SDF_LARGE_PAGE) &&
		     aligned(params->vmm_guest_ram_vaddr, SDF_LARGE_PAGE);
	const struct sdf_region *ram, *gic, *uart;

	memset(plan, 0, sizeof(*plan));
	plan->vmm.kind = "protection domain";
	/* A protection domain's stack sits at the top of its address space. */
	plan->vmm.vaddr_limit = params->vaddr_limit - params->vmm_stack_size;
	plan->vm.kind = "virtual machine";
	plan->vm.vaddr_limit = params->vaddr_limit;
	/* Guest RAM: anywhere in physical memory; 2 MiB pages when it allows them. */
	ram = add_region(plan,
			 (struct sdf_region){.name = "guest_ram",
					     .size = cfg->memory,
					     .page_size = large ? SDF_LARGE_PAGE : SDF_SMALL_PAGE});
	gic = add_region(plan, (struct sdf_region){.name = "gic_vcpu",
						   .size = params->gic_vcpu_size,
						   .page_size = SDF_SMALL_PAGE,
						   .fixed = true,
						   .phys = params->gic_vcpu_phys});
	uart = add_region(plan, (struct sdf_region){.name = "uart",
						    .size = params->uart_size,
						    .page_size = SDF_SMALL_PAGE,
						    .fixed = true,
						    .phys = params->uart_phys});

	/* svmm loads the kernel into guest RAM and reaches it through bounds-checked helpers. */
	add_map(&plan->vmm, (struct sdf_map){.region = ram,
					     .vaddr = params->vmm_guest_ram_vaddr,
					     .perms = "rw",
					     .cached = true,
					     .setvar_vaddr = SDF_SYMBOL_GUEST_RAM_VADDR,
					     .setvar_size = SDF_SYMBOL_GUEST_RAM_SIZE});
	add_map(&plan->vmm, (struct sdf_map){.region = uart,
					     .vaddr = params->vmm_uart_vaddr,
					     .perms = "rw",
					     .cached = false,
					     .setvar_vaddr = SDF_SYMBOL_UART_VADDR});
	/*
	 * The guest sees RAM and the GIC CPU interface only. Its GIC distributor
	 * and PL011 stay unmapped, so every access faults to svmm, which emulates
	 * them as it does under KVM.
	 */
	add_map(&plan->vm, (struct sdf_map){.region = ram,
					    .vaddr = params->guest_ram_base,
					    .perms = "rwx",
					    .cached = true});
	add_map(&plan->vm, (struct sdf_map){.region = gic,
					    .vaddr = params->gic_vcpu_guest,
					    .perms = "rw",
					    .cached = false});
	if (cfg->disk_count > 0)
		plan_disk(plan, params);
}

/* ---- checks ---- */

/*
 * A name or path the SDF can carry: not empty, and no control character
 * XML 1.0 forbids even as a character reference.
 */
static bool xml_value_ok(const char *value)
{
	if (value == NULL || value[0] == '\0')
		return false;
	for (const unsigned char *c = (const unsigned char *)value; *c != '\0'; c++) {
		if (*c < 0x20 && *c != '\t' && *c != '\n' && *c != '\r')
			return false;
	}
	return true;
}

static int check_value(const char *what, const char *value, struct config_error *err)
{
	char quoted[100];

	if (xml_value_ok(value))
		return 0;
	config_quote_for_message(quoted, sizeof(quoted), value != NULL ? value : "");
	return config_fail(err,
			   "sdf: %s \"%s\": expected a non-empty name without control characters",
			   what, quoted);
}

/* Devices whose seL4 backend does not exist yet (see the comment at the top). */
static int check_devices(const struct vm_config *cfg, const char *board, struct config_error *err)
{
	static const char covers[] =
	    "the SDF holds RAM, vCPUs, the GIC, the PL011 console and one disk";
	const char *field = NULL, *device = NULL;

	if (cfg->disk_count > 1)
		return config_fail(err,
				   "disk: %u disks; svmm on %s serves one (one block server "
				   "protection domain)",
				   cfg->disk_count, board);
	if (cfg->disk_count == 1) {
		const struct disk_config *disk = &cfg->disks[0];
		const char *option = disk->readonly	    ? "readonly"
				     : disk->direct	    ? "direct"
				     : disk->serial != NULL ? "serial"
							    : NULL;

		if (option != NULL)
			return config_fail(err,
					   "disk: option %s is not supported on %s: the block "
					   "server serves the packaged image read-write, from "
					   "memory, as serial \"sel4-disk0\"",
					   option, board);
	}
	if (cfg->net_count > 0) {
		field = "net";
		device = "virtio-net";
	} else if (cfg->rng) {
		field = "rng";
		device = "virtio-rng";
	} else if (cfg->vsock.socket != NULL) {
		field = "vsock";
		device = "virtio-vsock";
	} else if (cfg->console_device == CONSOLE_DEVICE_VIRTIO) {
		field = "console";
		device = "virtio-console";
	}
	if (field == NULL)
		return 0;
	return config_fail(err, "%s: %s has no seL4 backend yet, so %s cannot describe it (%s)",
			   field, device, board, covers);
}

static int check_params(const struct sdf_params *params, struct config_error *err)
{
	if (check_value("board", params->board, err) < 0 ||
	    check_value("protection domain name", params->vmm_name, err) < 0 ||
	    check_value("program image", params->vmm_image, err) < 0)
		return -1;
	if (params->vmm_priority > SDF_MAX_PRIORITY || params->vm_priority > SDF_MAX_PRIORITY)
		return config_fail(err, "sdf: priorities %u and %u: expected 0 to %u",
				   params->vmm_priority, params->vm_priority, SDF_MAX_PRIORITY);
	if (params->vmm_stack_size < SDF_MIN_STACK || params->vmm_stack_size > SDF_MAX_STACK ||
	    !aligned(params->vmm_stack_size, SDF_SMALL_PAGE))
		return config_fail(err,
				   "sdf: stack size 0x%" PRIx64
				   ": expected a multiple of 4 KiB from 4 KiB to 16 MiB",
				   params->vmm_stack_size);
	if (params->vaddr_limit <= params->vmm_stack_size)
		return config_fail(err, "sdf: address space end 0x%" PRIx64 ": leaves no room",
				   params->vaddr_limit);
	if (params->uart_channel_id > SDF_MAX_ID)
		return config_fail(err, "sdf: uart channel id %u: expected 0 to %u",
				   params->uart_channel_id, SDF_MAX_ID);
	if (check_value("block server name", params->blk_name, err) < 0 ||
	    check_value("block server image", params->blk_image, err) < 0)
		return -1;
	if (strcmp(params->blk_name, params->vmm_name) == 0)
		return config_fail(err, "sdf: the block server and svmm are both named \"%s\"",
				   params->vmm_name);
	if (params->blk_priority > SDF_MAX_PRIORITY || params->blk_priority <= params->vmm_priority)
		return config_fail(err,
				   "sdf: block server priority %u: expected above svmm's %u "
				   "(it takes svmm's protected procedure calls) and at most %u",
				   params->blk_priority, params->vmm_priority, SDF_MAX_PRIORITY);
	if (params->vmm_blk_channel_id > SDF_MAX_ID || params->blk_channel_id > SDF_MAX_ID ||
	    params->vmm_blk_channel_id == params->uart_channel_id)
		return config_fail(err,
				   "sdf: block channel ids %u and %u: expected 0 to %u, svmm's "
				   "apart from its uart channel %u",
				   params->vmm_blk_channel_id, params->blk_channel_id, SDF_MAX_ID,
				   params->uart_channel_id);
	if (params->max_vcpus < 1 || params->max_vcpus > SDF_MAX_ID + 1)
		return config_fail(err, "sdf: %u vCPUs at most: expected 1 to %u",
				   params->max_vcpus, SDF_MAX_ID + 1);
	return 0;
}

static int check_regions(const struct sdf_plan *plan, struct config_error *err)
{
	for (unsigned i = 0; i < plan->region_count; i++) {
		const struct sdf_region *region = &plan->regions[i];

		if (region->size == 0 || !aligned(region->size, region->page_size))
			return config_fail(err,
					   "sdf: region %s: size 0x%" PRIx64
					   " is not a multiple of its page size 0x%" PRIx64,
					   region->name, region->size, region->page_size);
		if (region->fixed && !aligned(region->phys, region->page_size))
			return config_fail(err,
					   "sdf: region %s: address 0x%" PRIx64
					   " is not a multiple of its page size 0x%" PRIx64,
					   region->name, region->phys, region->page_size);
	}
	return 0;
}

static bool maps_overlap(const struct sdf_map *a, const struct sdf_map *b)
{
	return a->vaddr < b->vaddr + b->region->size && b->vaddr < a->vaddr + a->region->size;
}

static int check_space(const struct sdf_space *space, struct config_error *err)
{
	for (unsigned i = 0; i < space->map_count; i++) {
		const struct sdf_map *map = &space->maps[i];

		if (!aligned(map->vaddr, map->region->page_size))
			return config_fail(err,
					   "sdf: %s maps %s at 0x%" PRIx64
					   ", which is not a multiple of its page size 0x%" PRIx64,
					   space->kind, map->region->name, map->vaddr,
					   map->region->page_size);
		if (map->vaddr > space->vaddr_limit ||
		    map->region->size > space->vaddr_limit - map->vaddr)
			return config_fail(err,
					   "sdf: %s maps %s at 0x%" PRIx64 ", past its address "
					   "space's end 0x%" PRIx64,
					   space->kind, map->region->name, map->vaddr,
					   space->vaddr_limit);
		for (unsigned j = 0; j < i; j++) {
			if (maps_overlap(map, &space->maps[j]))
				return config_fail(
				    err, "sdf: %s maps %s at 0x%" PRIx64 " over %s at 0x%" PRIx64,
				    space->kind, map->region->name, map->vaddr,
				    space->maps[j].region->name, space->maps[j].vaddr);
		}
	}
	return 0;
}

static int check_description(const struct vm_config *cfg, const struct sdf_params *params,
			     struct config_error *err)
{
	char memory[32], board_ram[32];

	if (check_value("VM name", cfg->name, err) < 0)
		return -1;
	if (cfg->cpus < 1 || cfg->cpus > params->max_vcpus)
		return config_fail(err, "cpus %u: %s takes 1 to %u vCPUs per VM", cfg->cpus,
				   params->board, params->max_vcpus);
	config_format_size(cfg->memory, memory, sizeof(memory));
	config_format_size(params->board_ram_size, board_ram, sizeof(board_ram));
	if (cfg->memory == 0 || !aligned(cfg->memory, SDF_SMALL_PAGE))
		return config_fail(err, "memory %s: expected a multiple of 4 KiB", memory);
	if (cfg->memory >= params->board_ram_size)
		return config_fail(err,
				   "memory %s: %s has %s of RAM in all, shared with seL4 and "
				   "svmm; give the guest less",
				   memory, params->board, board_ram);
	return check_devices(cfg, params->board, err);
}

/* ---- output ---- */

static void put_escaped(FILE *out, const char *value)
{
	for (const char *c = value; *c != '\0'; c++) {
		switch (*c) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		/* Written as references so attribute normalisation keeps them. */
		case '\t':
			fputs("&#9;", out);
			break;
		case '\n':
			fputs("&#10;", out);
			break;
		case '\r':
			fputs("&#13;", out);
			break;
		default:
			fputc(*c, out);
			break;
		}
	}
}

static void put_text(FILE *out, const char *attribute, const char *value)
{
	fprintf(out, " %s=\"", attribute);
	put_escaped(out, value);
	fputc('"', out);
}

static void put_hex(FILE *out, const char *attribute, uint64_t value)
{
	fprintf(out, " %s=\"0x%" PRIx64 "\"", attribute, value);
}

static void put_decimal(FILE *out, const char *attribute, uint64_t value)
{
	fprintf(out, " %s=\"%" PRIu64 "\"", attribute, value);
}

static void put_indent(FILE *out, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		fputs("    ", out);
}

static void put_region(FILE *out, const struct sdf_region *region)
{
	put_indent(out, 1);
	fputs("<memory_region", out);
	put_text(out, "name", region->name);
	put_hex(out, "size", region->size);
	if (region->page_size != SDF_SMALL_PAGE)
		put_hex(out, "page_size", region->page_size);
	if (region->fixed)
		put_hex(out, "phys_addr", region->phys);
	fputs(" />\n", out);
}

static void put_maps(FILE *out, const struct sdf_space *space, unsigned depth)
{
	for (unsigned i = 0; i < space->map_count; i++) {
		const struct sdf_map *map = &space->maps[i];

		put_indent(out, depth);
		fputs("<map", out);
		put_text(out, "mr", map->region->name);
		put_hex(out, "vaddr", map->vaddr);
		put_text(out, "perms", map->perms);
		if (!map->cached)
			put_text(out, "cached", "false");
		if (map->setvar_vaddr != NULL)
			put_text(out, "setvar_vaddr", map->setvar_vaddr);
		if (map->setvar_size != NULL)
			put_text(out, "setvar_size", map->setvar_size);
		fputs(" />\n", out);
	}
}

/* The block server and its channel with svmm, on which svmm makes the PPC. */
static void put_blk_server(FILE *out, const struct sdf_plan *plan, const struct sdf_params *params)
{
	put_indent(out, 1);
	fputs("<protection_domain", out);
	put_text(out, "name", params->blk_name);
	put_decimal(out, "priority", params->blk_priority);
	fputs(">\n", out);
	put_indent(out, 2);
	fputs("<program_image", out);
	put_text(out, "path", params->blk_image);
	fputs(" />\n", out);
	put_maps(out, &plan->blk, 2);
	put_indent(out, 1);
	fputs("</protection_domain>\n", out);
	put_indent(out, 1);
	fputs("<channel>\n", out);
	put_indent(out, 2);
	fputs("<end", out);
	put_text(out, "pd", params->vmm_name);
	put_decimal(out, "id", params->vmm_blk_channel_id);
	put_text(out, "pp", "true");
	fputs(" />\n", out);
	put_indent(out, 2);
	fputs("<end", out);
	put_text(out, "pd", params->blk_name);
	put_decimal(out, "id", params->blk_channel_id);
	fputs(" />\n", out);
	put_indent(out, 1);
	fputs("</channel>\n", out);
}

static void put_system(FILE *out, const struct sdf_plan *plan, const struct vm_config *cfg,
		       const struct sdf_params *params)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<!-- Microkit 2.0.1 system description written by svmm sdf -->\n"
	      "<system>\n",
	      out);
	for (unsigned i = 0; i < plan->region_count; i++)
		put_region(out, &plan->regions[i]);

	put_indent(out, 1);
	fputs("<protection_domain", out);
	put_text(out, "name", params->vmm_name);
	put_decimal(out, "priority", params->vmm_priority);
	put_hex(out, "stack_size", params->vmm_stack_size);
	fputs(">\n", out);
	put_indent(out, 2);
	fputs("<program_image", out);
	put_text(out, "path", params->vmm_image);
	fputs(" />\n", out);
	put_maps(out, &plan->vmm, 2);
	put_indent(out, 2);
	fputs("<irq", out);
	put_decimal(out, "irq", params->uart_irq);
	put_decimal(out, "id", params->uart_channel_id);
	fputs(" />\n", out);

	put_indent(out, 2);
	fputs("<virtual_machine", out);
	put_text(out, "name", cfg->name);
	put_decimal(out, "priority", params->vm_priority);
	fputs(">\n", out);
	for (unsigned id = 0; id < cfg->cpus; id++) {
		put_indent(out, 3);
		fputs("<vcpu", out);
		put_decimal(out, "id", id);
		fputs(" />\n", out);
	}
	put_maps(out, &plan->vm, 3);
	put_indent(out, 2);
	fputs("</virtual_machine>\n", out);
	put_indent(out, 1);
	fputs("</protection_domain>\n", out);
	if (plan->has_blk)
		put_blk_server(out, plan, params);
	fputs("</system>\n", out);
}

unsigned sdf_virtio_disks(const struct vm_config *cfg)
{
	return cfg->disk_count > 0 ? 1 : 0;
}

int sdf_write(FILE *out, const struct vm_config *cfg, const struct sdf_params *params,
	      struct config_error *err)
{
	struct sdf_plan plan;

	if (check_params(params, err) < 0 || check_description(cfg, params, err) < 0)
		return -1;
	build_plan(&plan, cfg, params);
	if (check_regions(&plan, err) < 0 || check_space(&plan.vmm, err) < 0 ||
	    check_space(&plan.vm, err) < 0 || check_space(&plan.blk, err) < 0)
		return -1;
	put_system(out, &plan, cfg, params);
	if (fflush(out) != 0 || ferror(out))
		return config_fail(err, "sdf: cannot write the system description");
	return 0;
}
