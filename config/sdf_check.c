/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks of an SDF plan (config/sdf_plan.h): of the description before
 * planning (what the board and the seL4 backends can hold), and of the
 * finished plan (every region and map well-formed, no two maps of one
 * address space overlapping) before anything is written.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "config/config_private.h"
#include "config/sdf_plan.h"

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

int sdf_check_value(const char *what, const char *value, struct config_error *err)
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
	    "the SDF holds RAM, vCPUs, the GIC, a PL011 or virtio console and one disk";
	const char *field = NULL, *device = NULL;

	if (cfg->disk_count > 1)
		return config_fail(err,
				   "disk: %u disks; svmm on %s serves one (one block driver "
				   "protection domain for the board's virtio-blk device)",
				   cfg->disk_count, board);
	if (cfg->disk_count == 1) {
		const struct disk_config *disk = &cfg->disks[0];
		/* readonly is the driver's (built for the VM so); direct and serial mean nothing
		 * there. */
		const char *option = disk->direct	    ? "direct"
				     : disk->serial != NULL ? "serial"
							    : NULL;

		if (option != NULL)
			return config_fail(err,
					   "disk: option %s is not supported on %s: the block "
					   "driver serves QEMU's virtio-blk drive as it is, as "
					   "serial \"sel4-virtio-blk\"",
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
	}
	if (field == NULL)
		return 0;
	return config_fail(err, "%s: %s has no seL4 backend yet, so %s cannot describe it (%s)",
			   field, device, board, covers);
}

static int check_regions(const struct sdf_plan *plan, struct config_error *err)
{
	for (unsigned i = 0; i < plan->region_count; i++) {
		const struct sdf_region *region = &plan->regions[i];

		if (region->size == 0 || !sdf_aligned(region->size, region->page_size))
			return config_fail(err,
					   "sdf: region %s: size 0x%" PRIx64
					   " is not a multiple of its page size 0x%" PRIx64,
					   region->name, region->size, region->page_size);
		if (region->fixed && !sdf_aligned(region->phys, region->page_size))
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

		if (!sdf_aligned(map->vaddr, map->region->page_size))
			return config_fail(err,
					   "sdf: %s %s maps %s at 0x%" PRIx64
					   ", which is not a multiple of its page size 0x%" PRIx64,
					   space->kind, space->owner, map->region->name, map->vaddr,
					   map->region->page_size);
		if (map->vaddr > space->vaddr_limit ||
		    map->region->size > space->vaddr_limit - map->vaddr)
			return config_fail(err,
					   "sdf: %s %s maps %s at 0x%" PRIx64 ", past its address "
					   "space's end 0x%" PRIx64,
					   space->kind, space->owner, map->region->name, map->vaddr,
					   space->vaddr_limit);
		for (unsigned j = 0; j < i; j++) {
			if (maps_overlap(map, &space->maps[j]))
				return config_fail(
				    err,
				    "sdf: %s %s maps %s at 0x%" PRIx64 " over %s at 0x%" PRIx64,
				    space->kind, space->owner, map->region->name, map->vaddr,
				    space->maps[j].region->name, space->maps[j].vaddr);
		}
	}
	return 0;
}

static int check_vm(const struct vm_config *cfg, const struct sdf_params *params,
		    struct config_error *err)
{
	char memory[32], board_ram[32];

	if (sdf_check_value("VM name", cfg->name, err) < 0)
		return -1;
	if (cfg->cpus < 1 || cfg->cpus > params->max_vcpus)
		return config_fail(err, "cpus %u: %s takes 1 to %u vCPUs per VM", cfg->cpus,
				   params->board, params->max_vcpus);
	config_format_size(cfg->memory, memory, sizeof(memory));
	config_format_size(params->board_ram_size, board_ram, sizeof(board_ram));
	if (cfg->memory == 0 || !sdf_aligned(cfg->memory, SDF_SMALL_PAGE))
		return config_fail(err, "memory %s: expected a multiple of 4 KiB", memory);
	if (cfg->memory >= params->board_ram_size)
		return config_fail(err,
				   "memory %s: %s has %s of RAM in all, shared with seL4 and "
				   "svmm; give the guest less",
				   memory, params->board, board_ram);
	if (cfg->priority > params->max_vm_priority)
		return config_fail(err,
				   "priority %u: on %s a VM takes 0 to %u (its svmm runs one above "
				   "it, block drivers above that)",
				   cfg->priority, params->board, params->max_vm_priority);
	if (cfg->core_count != 0 && cfg->core_count != cfg->cpus)
		return config_fail(err, "cores: %u cores for %u vCPUs: expected one per vCPU",
				   cfg->core_count, cfg->cpus);
	return check_devices(cfg, params->board, err);
}

/* Every VM on its own, then what they share: the board's RAM. */
int sdf_check_system(const struct system_config *sys, const struct sdf_params *params,
		     struct config_error *err)
{
	uint64_t total = 0;
	char memory[32], board_ram[32];
	unsigned first_disk = SYSTEM_MAX_VMS; /* none yet */

	if (sys->vm_count == 0 || sys->vm_count > SYSTEM_MAX_VMS)
		return config_fail(err, "sdf: %u VMs: expected 1 to %u", sys->vm_count,
				   SYSTEM_MAX_VMS);
	/* The prompt is the multiplexer's, which a lone VM does without (its svmm has the UART). */
	if (sys->management && sdf_lone(sys))
		return config_fail(err,
				   "management: on %s the management PD's prompt is the console "
				   "multiplexer's, which only a system of 2 or more VMs has",
				   params->board);
	for (unsigned i = 0; i < sys->vm_count; i++) {
		const struct vm_config *cfg = &sys->vms[i];

		if (check_vm(cfg, params, err) < 0) {
			if (!sdf_lone(sys)) {
				char message[sizeof(err->message)];

				snprintf(message, sizeof(message), "%s", err->message);
				config_fail(err, "vm \"%s\": %s", cfg->name, message);
			}
			return -1;
		}
		total += cfg->memory;
		if (cfg->disk_count > 0) {
			if (first_disk < sys->vm_count)
				return config_fail(
				    err,
				    "vm \"%s\": disk: VM \"%s\" has the disk already; "
				    "on %s one VM has the board's virtio-blk device "
				    "(sharing it by partitions needs the block "
				    "virtualiser, not there yet)",
				    cfg->name, sys->vms[first_disk].name, params->board);
			first_disk = i;
		}
	}
	if (total >= params->board_ram_size) {
		config_format_size(total, memory, sizeof(memory));
		config_format_size(params->board_ram_size, board_ram, sizeof(board_ram));
		return config_fail(err,
				   "memory: the VMs take %s together; %s has %s of RAM in all, "
				   "shared with seL4 and svmm",
				   memory, params->board, board_ram);
	}
	return 0;
}

int sdf_check_plan(const struct sdf_plan *plan, struct config_error *err)
{
	if (check_regions(plan, err) < 0)
		return -1;
	for (unsigned i = 0; i < plan->pd_count; i++) {
		const struct sdf_pd *pd = &plan->pds[i];

		if (check_space(&pd->space, err) < 0 ||
		    (pd->has_vm && check_space(&pd->vm.space, err) < 0))
			return -1;
	}
	return 0;
}
