/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plans a Microkit 2.3.0 SDF for a system: the memory regions, the
 * protection domains with their maps and virtual machines, and the channels
 * are built from the description and the board facts first, checked as a
 * whole, and only then written (sdf_xml.c), so a refused description writes
 * nothing.
 *
 * Schema facts relied on (Microkit 2.3.0 docs/manual.md):
 * - memory_region: name, size, page_size (0x1000 or 0x200000 on AArch64;
 *   absent: the largest the region allows, so svmm always writes it),
 *   phys_addr (fixed address; absent: the tool allocates). size and
 *   phys_addr must be multiples of the page size.
 * - protection_domain: name, priority 0..254, budget and period (us;
 *   budget <= period; default 1000 us, period = budget), stack_size (4 KiB
 *   ..16 MiB, page-aligned; default 8 KiB), cpu (the core it runs on;
 *   default 0); children program_image path, map, irq, setvar and at most
 *   one virtual_machine.
 * - map: mr, vaddr (a multiple of the region's page size), perms (r, w, x;
 *   not write-only), cached (default true), and in a PD only setvar_vaddr,
 *   setvar_size. Maps in one address space must not overlap.
 * - irq: irq, id (channel id 0..62), trigger (default level).
 * - virtual_machine: name, priority, budget, period (its vCPUs' scheduling
 *   contexts); children vcpu (id 0..61, cpu: the core it runs on, default
 *   the PD's) and map. A map's vaddr is the guest physical address.
 * - channel: exactly two end elements (pd, id, pp, notify). pp="true" on
 *   an end lets that PD call the other by protected procedure call, which
 *   must have a strictly higher priority.
 *
 * - setvar (in a PD): symbol and region_paddr, the physical address of a
 *   region (which the tool then allocates contiguous), for a driver's DMA.
 *
 * Isolation by construction: a VM's RAM is one region mapped into its guest
 * and its own svmm only; the sDDF block regions only into its svmm and
 * block driver, and the virtio-mmio window and DMA region into the driver;
 * a console queue only into its svmm and the multiplexer (the management
 * PD's into it and the multiplexer). The one region
 * several VMs map is the GIC's virtual CPU interface, a hardware frame whose
 * state seL4 switches with the vCPU running on each core.
 *
 * One disk is a virtio-blk device svmm emulates (its virtio-mmio window is
 * not mapped, so the guest's accesses fault to svmm) in front of the block
 * driver PD for QEMU's virtio-blk device (host/sel4/blk_driver_pd.c). One
 * VM per system may have it: the driver probes the transports for the
 * board's block device and takes all their interrupts, which Microkit gives
 * one PD only; sharing a disk is the block virtualiser's job. Net, rng, vsock and the virtio
 * console need server PDs of their own that do not exist yet, so a description asking for one is
 * refused rather than turned into a system whose guest silently lacks it. Passthrough devices are
 * not described.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_private.h"
#include "config/sdf_plan.h"

/* ---- names ---- */

/* `base` for a lone VM; "<base>_<vm>" in a system of several. */
static void sdf_name(char *out, size_t size, const struct system_config *sys, unsigned index,
		     const char *base)
{
	if (sdf_lone(sys))
		snprintf(out, size, "%s", base);
	else
		snprintf(out, size, "%s_%s", base, sys->vms[index].name);
}

/* The core an svmm runs on: its VM's first vCPU's, or core 0 unpinned. */
static unsigned sdf_vmm_core(const struct vm_config *cfg)
{
	return cfg->core_count > 0 ? cfg->cores[0] : 0;
}

void sdf_vmm_image(const struct system_config *sys, unsigned index, const struct sdf_params *params,
		   char *out, size_t size)
{
	if (sdf_lone(sys))
		snprintf(out, size, "%s", params->vmm_image);
	else
		snprintf(out, size, "svmm_%s.elf", sys->vms[index].name);
}

void sdf_blk_image(const struct system_config *sys, unsigned index, const struct sdf_params *params,
		   char *out, size_t size)
{
	if (sdf_lone(sys))
		snprintf(out, size, "%s", params->blk_image);
	else
		snprintf(out, size, "blk_driver_%s.elf", sys->vms[index].name);
}

/* ---- the plan ---- */

static struct sdf_region *add_region(struct sdf_plan *plan, const char *name, uint64_t size,
				     uint64_t page_size)
{
	struct sdf_region *region = &plan->regions[plan->region_count++];

	snprintf(region->name, sizeof(region->name), "%s", name);
	region->size = size;
	region->page_size = page_size;
	return region;
}

static void add_map(struct sdf_space *space, struct sdf_map map)
{
	space->maps[space->map_count++] = map;
}

static struct sdf_pd *add_pd(struct sdf_plan *plan, const char *name, const char *image,
			     uint64_t vaddr_limit)
{
	struct sdf_pd *pd = &plan->pds[plan->pd_count++];

	snprintf(pd->name, sizeof(pd->name), "%s", name);
	snprintf(pd->image, sizeof(pd->image), "%s", image);
	pd->space.kind = "protection domain";
	snprintf(pd->space.owner, sizeof(pd->space.owner), "%s", name);
	pd->space.vaddr_limit = vaddr_limit;
	return pd;
}

static void add_channel(struct sdf_plan *plan, struct sdf_end a, struct sdf_end b)
{
	plan->channels[plan->channel_count++] = (struct sdf_channel){.a = a, .b = b};
}

/* A VM's scheduling: its priority, and the budget per period it asks for. */
static struct sdf_sched vm_sched(const struct vm_config *cfg)
{
	return (struct sdf_sched){
	    .priority = cfg->priority, .budget_us = cfg->budget_us, .period_us = cfg->period_us};
}

static void add_rw_map(struct sdf_space *space, const struct sdf_region *region, uint64_t vaddr,
		       const char *setvar_vaddr, const char *setvar_size)
{
	add_map(space, (struct sdf_map){.region = region,
					.vaddr = vaddr,
					.perms = "rw",
					.cached = true,
					.setvar_vaddr = setvar_vaddr,
					.setvar_size = setvar_size});
}

/*
 * VM `index`'s block driver PD and the sDDF regions it shares with the VM's
 * svmm (storage info, request and response queues, data), at the same
 * addresses in both (both programs name them alike). The driver alone maps
 * the board's virtio-mmio window (uncached) and its DMA region, and takes
 * the transports' interrupts; it maps no guest RAM.
 */
static void plan_disk(struct sdf_plan *plan, unsigned index, struct sdf_pd *vmm,
		      const struct sdf_region *mmio, const struct sdf_params *params)
{
	static const char *const queue_names[] = {"blk_storage_info", "blk_req_queue",
						  "blk_resp_queue"};
	static const char *const queue_symbols[] = {SDF_SYMBOL_BLK_STORAGE_INFO_VADDR,
						    SDF_SYMBOL_BLK_REQ_QUEUE_VADDR,
						    SDF_SYMBOL_BLK_RESP_QUEUE_VADDR};
	const struct system_config *sys = plan->sys;
	char name[SDF_NAME_LEN], image[SDF_NAME_LEN];
	const struct sdf_region *data, *dma;
	struct sdf_pd *blk;

	sdf_name(name, sizeof(name), sys, index, params->blk_name);
	sdf_blk_image(sys, index, params, image, sizeof(image));
	blk = add_pd(plan, name, image, params->vaddr_limit - 2 * SDF_MIN_STACK);
	blk->space.kind = "block driver";
	blk->sched.priority = params->blk_priority;
	blk->pinned = vmm->pinned;
	blk->cpu = vmm->cpu;
	blk->irq_count = params->blk_irq_count;
	blk->irq = params->blk_first_irq;
	blk->irq_id = params->blk_first_irq_channel_id;
	for (unsigned i = 0; i < 3; i++) {
		const struct sdf_region *queue;
		uint64_t vaddr = params->blk_queue_vaddr + i * params->blk_queue_size;

		sdf_name(name, sizeof(name), sys, index, queue_names[i]);
		queue = add_region(plan, name, params->blk_queue_size, SDF_SMALL_PAGE);
		/* svmm only reads the storage info. */
		add_map(&vmm->space, (struct sdf_map){.region = queue,
						      .vaddr = vaddr,
						      .perms = i == 0 ? "r" : "rw",
						      .cached = true,
						      .setvar_vaddr = queue_symbols[i]});
		add_rw_map(&blk->space, queue, vaddr, queue_symbols[i], NULL);
	}
	sdf_name(name, sizeof(name), sys, index, "blk_data");
	data = add_region(plan, name, params->blk_data_size, SDF_SMALL_PAGE);
	add_rw_map(&vmm->space, data, params->blk_data_vaddr, SDF_SYMBOL_BLK_DATA_VADDR,
		   SDF_SYMBOL_BLK_DATA_SIZE);
	add_rw_map(&blk->space, data, params->blk_data_vaddr, SDF_SYMBOL_BLK_DATA_VADDR,
		   SDF_SYMBOL_BLK_DATA_SIZE);
	sdf_name(name, sizeof(name), sys, index, "blk_dma");
	dma = add_region(plan, name, params->blk_dma_size, SDF_SMALL_PAGE);
	add_map(&blk->space, (struct sdf_map){.region = dma,
					      .vaddr = params->blk_dma_vaddr,
					      .perms = "rw",
					      .cached = false,
					      .setvar_vaddr = SDF_SYMBOL_BLK_DMA_VADDR});
	add_map(&blk->space, (struct sdf_map){.region = mmio,
					      .vaddr = params->blk_mmio_vaddr,
					      .perms = "rw",
					      .cached = false,
					      .setvar_vaddr = SDF_SYMBOL_BLK_MMIO_VADDR});
	/* The device reaches the virtqueue and the data region by physical address. */
	blk->paddr_symbols[0] = SDF_SYMBOL_BLK_DMA_PADDR;
	blk->paddr_regions[0] = dma;
	blk->paddr_symbols[1] = SDF_SYMBOL_BLK_DATA_PADDR;
	blk->paddr_regions[1] = data;
	blk->paddr_count = 2;
	/* Notifications both ways: svmm after posting requests, the driver after answering. */
	add_channel(plan, (struct sdf_end){.pd = vmm, .id = params->vmm_blk_channel_id},
		    (struct sdf_end){.pd = blk, .id = params->blk_channel_id});
}

/* VM `index`'s svmm and its guest. */
static struct sdf_pd *plan_vm(struct sdf_plan *plan, unsigned index, const struct sdf_region *gic,
			      const struct sdf_region *mmio, const struct sdf_params *params)
{
	const struct system_config *sys = plan->sys;
	const struct vm_config *cfg = &sys->vms[index];
	bool large = sdf_aligned(cfg->memory, SDF_LARGE_PAGE) &&
		     sdf_aligned(params->guest_ram_base, SDF_LARGE_PAGE) &&
		     sdf_aligned(params->vmm_guest_ram_vaddr, SDF_LARGE_PAGE);
	char name[SDF_NAME_LEN], image[SDF_NAME_LEN];
	const struct sdf_region *ram;
	struct sdf_pd *vmm;

	sdf_name(name, sizeof(name), sys, index, params->vmm_name);
	sdf_vmm_image(sys, index, params, image, sizeof(image));
	/* A protection domain's stack sits at the top of its address space. */
	vmm = add_pd(plan, name, image, params->vaddr_limit - params->vmm_stack_size);
	vmm->stack_size = params->vmm_stack_size;
	/* svmm serves its vCPUs' faults: one above them, with the same share of time. */
	vmm->sched = vm_sched(cfg);
	vmm->sched.priority = cfg->priority + 1;
	vmm->pinned = cfg->core_count > 0;
	vmm->cpu = sdf_vmm_core(cfg);
	vmm->has_vm = true;
	vmm->vm.cfg = cfg;
	vmm->vm.sched = vm_sched(cfg);
	vmm->vm.space.kind = "virtual machine";
	snprintf(vmm->vm.space.owner, sizeof(vmm->vm.space.owner), "%s", cfg->name);
	vmm->vm.space.vaddr_limit = params->vaddr_limit;

	/* Guest RAM: anywhere in physical memory; 2 MiB pages when it allows them. */
	sdf_name(name, sizeof(name), sys, index, "guest_ram");
	ram = add_region(plan, name, cfg->memory, large ? SDF_LARGE_PAGE : SDF_SMALL_PAGE);
	/* svmm loads the kernel into guest RAM and reaches it through bounds-checked helpers. */
	add_map(&vmm->space, (struct sdf_map){.region = ram,
					      .vaddr = params->vmm_guest_ram_vaddr,
					      .perms = "rw",
					      .cached = true,
					      .setvar_vaddr = SDF_SYMBOL_GUEST_RAM_VADDR,
					      .setvar_size = SDF_SYMBOL_GUEST_RAM_SIZE});
	/*
	 * The guest sees RAM and the GIC CPU interface only. Its GIC distributor
	 * and PL011 stay unmapped, so every access faults to svmm, which emulates
	 * them as it does under KVM.
	 */
	add_map(&vmm->vm.space, (struct sdf_map){.region = ram,
						 .vaddr = params->guest_ram_base,
						 .perms = "rwx",
						 .cached = true});
	add_map(&vmm->vm.space, (struct sdf_map){.region = gic,
						 .vaddr = params->gic_vcpu_guest,
						 .perms = "rw",
						 .cached = false});
	if (cfg->disk_count > 0)
		plan_disk(plan, index, vmm, mmio, params);
	return vmm;
}

/* A server PD of the system (no VM of its own) that takes interrupt `irq` on channel `irq_id`. */
static struct sdf_pd *add_irq_server(struct sdf_plan *plan, const char *name, const char *image,
				     const char *kind, unsigned priority, unsigned irq,
				     unsigned irq_id, const struct sdf_params *params)
{
	struct sdf_pd *pd = add_pd(plan, name, image, params->vaddr_limit - 2 * SDF_MIN_STACK);

	pd->space.kind = kind;
	pd->sched.priority = priority;
	pd->irq_count = 1;
	pd->irq = irq;
	pd->irq_id = irq_id;
	return pd;
}

/*
 * The management PD: a console queue shared with the multiplexer (the
 * prompt's text both ways) and a channel to each svmm, which calls it.
 * Nothing else: no VM's memory, no device, no irq.
 */
static void plan_mgmt(struct sdf_plan *plan, struct sdf_pd *const *vmms, struct sdf_pd *mux,
		      const struct sdf_params *params)
{
	struct sdf_pd *mgmt = add_pd(plan, params->mgmt_name, params->mgmt_image,
				     params->vaddr_limit - 2 * SDF_MIN_STACK);
	const struct sdf_region *queue =
	    add_region(plan, "mgmt_console", params->console_queue_size, SDF_SMALL_PAGE);

	mgmt->space.kind = "management PD";
	mgmt->sched.priority = params->mgmt_priority;
	add_map(&mgmt->space, (struct sdf_map){.region = queue,
					       .vaddr = params->vmm_console_queue_vaddr,
					       .perms = "rw",
					       .cached = true,
					       .setvar_vaddr = SDF_SYMBOL_CONSOLE_QUEUE_VADDR});
	add_map(&mux->space, (struct sdf_map){.region = queue,
					      .vaddr = params->mux_mgmt_queue_vaddr,
					      .perms = "rw",
					      .cached = true,
					      .setvar_vaddr = SDF_SYMBOL_MGMT_QUEUE_VADDR});
	add_channel(plan, (struct sdf_end){.pd = mgmt, .id = params->mgmt_console_channel_id},
		    (struct sdf_end){.pd = mux, .id = params->mux_mgmt_channel_id});
	for (unsigned i = 0; i < plan->sys->vm_count; i++)
		add_channel(
		    plan,
		    (struct sdf_end){.pd = vmms[i], .id = params->vmm_mgmt_channel_id, .pp = true},
		    (struct sdf_end){.pd = mgmt, .id = params->mgmt_first_vm_channel_id + i});
}

/* The multiplexer owns the board UART; VM i's console queue joins it to VM i's svmm. */
static struct sdf_pd *plan_console_mux(struct sdf_plan *plan, struct sdf_pd *const *vmms,
				       const struct sdf_region *uart,
				       const struct sdf_params *params)
{
	struct sdf_pd *mux = add_irq_server(plan, params->mux_name, params->mux_image,
					    "console multiplexer", params->mux_priority,
					    params->uart_irq, params->mux_uart_channel_id, params);

	add_map(&mux->space, (struct sdf_map){.region = uart,
					      .vaddr = params->vmm_uart_vaddr,
					      .perms = "rw",
					      .cached = false,
					      .setvar_vaddr = SDF_SYMBOL_UART_VADDR});
	for (unsigned i = 0; i < plan->sys->vm_count; i++) {
		char name[SDF_NAME_LEN];
		const struct sdf_region *queue;

		sdf_name(name, sizeof(name), plan->sys, i, "console");
		queue = add_region(plan, name, params->console_queue_size, SDF_SMALL_PAGE);
		add_map(&vmms[i]->space,
			(struct sdf_map){.region = queue,
					 .vaddr = params->vmm_console_queue_vaddr,
					 .perms = "rw",
					 .cached = true,
					 .setvar_vaddr = SDF_SYMBOL_CONSOLE_QUEUE_VADDR});
		add_map(&mux->space,
			(struct sdf_map){.region = queue,
					 .vaddr = params->mux_console_queues_vaddr +
						  i * params->console_queue_size,
					 .perms = "rw",
					 .cached = true,
					 .setvar_vaddr =
					     i == 0 ? SDF_SYMBOL_CONSOLE_QUEUES_VADDR : NULL});
		add_channel(plan,
			    (struct sdf_end){.pd = vmms[i], .id = params->vmm_console_channel_id},
			    (struct sdf_end){.pd = mux, .id = params->mux_first_vm_channel_id + i});
	}
	return mux;
}

/*
 * The timer PD on core 0 (Microkit's default) with the PPI; each svmm calls
 * it to set its alarm, and it notifies that svmm on the same channel.
 */
static void plan_timer(struct sdf_plan *plan, struct sdf_pd *const *vmms,
		       const struct sdf_params *params)
{
	struct sdf_pd *timer = add_irq_server(plan, params->timer_name, params->timer_image,
					      "timer", params->timer_priority, params->timer_irq,
					      params->timer_irq_channel_id, params);

	for (unsigned i = 0; i < plan->sys->vm_count; i++)
		add_channel(
		    plan,
		    (struct sdf_end){.pd = vmms[i], .id = params->vmm_timer_channel_id, .pp = true},
		    (struct sdf_end){.pd = timer, .id = params->timer_first_client_channel_id + i});
}

static void build_plan(struct sdf_plan *plan, const struct system_config *sys,
		       const struct sdf_params *params)
{
	struct sdf_pd *vmms[SYSTEM_MAX_VMS];
	struct sdf_region *gic, *uart, *mmio = NULL;

	memset(plan, 0, sizeof(*plan));
	plan->sys = sys;
	gic = add_region(plan, "gic_vcpu", params->gic_vcpu_size, SDF_SMALL_PAGE);
	gic->fixed = true;
	gic->phys = params->gic_vcpu_phys;
	uart = add_region(plan, "uart", params->uart_size, SDF_SMALL_PAGE);
	uart->fixed = true;
	uart->phys = params->uart_phys;
	for (unsigned i = 0; i < sys->vm_count; i++) {
		/* The board's virtio-mmio window, for the one VM with a disk (sdf_check_system). */
		if (sys->vms[i].disk_count > 0 && mmio == NULL) {
			mmio =
			    add_region(plan, "virtio_mmio", params->blk_mmio_size, SDF_SMALL_PAGE);
			mmio->fixed = true;
			mmio->phys = params->blk_mmio_phys;
		}
		vmms[i] = plan_vm(plan, i, gic, mmio, params);
	}
	if (sdf_lone(sys)) {
		/* A lone VM's svmm drives the board UART itself. */
		add_map(&vmms[0]->space, (struct sdf_map){.region = uart,
							  .vaddr = params->vmm_uart_vaddr,
							  .perms = "rw",
							  .cached = false,
							  .setvar_vaddr = SDF_SYMBOL_UART_VADDR});
		vmms[0]->irq_count = 1;
		vmms[0]->irq = params->uart_irq;
		vmms[0]->irq_id = params->uart_channel_id;
	} else {
		struct sdf_pd *mux = plan_console_mux(plan, vmms, uart, params);

		if (sys->management)
			plan_mgmt(plan, vmms, mux, params);
	}
	plan_timer(plan, vmms, params);
}

/* ---- output ---- */

int sdf_write_system(FILE *out, const struct system_config *sys, const struct sdf_params *params,
		     struct config_error *err)
{
	struct sdf_plan *plan;
	int result = 0;

	if (sdf_check_params(params, err) < 0 || sdf_check_system(sys, params, err) < 0)
		return -1;
	plan = calloc(1, sizeof(*plan));
	if (plan == NULL)
		return config_fail(err, "sdf: out of memory");
	build_plan(plan, sys, params);
	if (sdf_check_plan(plan, err) < 0)
		result = -1;
	else
		sdf_put_plan(out, plan);
	free(plan);
	if (result == 0 && (fflush(out) != 0 || ferror(out)))
		return config_fail(err, "sdf: cannot write the system description");
	return result;
}

int sdf_write(FILE *out, const struct vm_config *cfg, const struct sdf_params *params,
	      struct config_error *err)
{
	struct system_config *sys = calloc(1, sizeof(*sys));
	int result;

	if (sys == NULL)
		return config_fail(err, "sdf: out of memory");
	/* A shallow copy: the plan only reads the description. */
	system_config_init(sys);
	sys->from_vm_description = true;
	sys->vm_count = 1;
	sys->vms[0] = *cfg;
	result = sdf_write_system(out, sys, params, err);
	free(sys->name);
	free(sys);
	return result;
}

unsigned sdf_virtio_disks(const struct vm_config *cfg)
{
	return cfg->disk_count > 0 ? 1 : 0;
}
