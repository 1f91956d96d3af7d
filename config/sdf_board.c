/* SPDX-License-Identifier: Apache-2.0 */
/* The board facts the SDF is planned with, and their consistency. */
#include <inttypes.h>
#include <string.h>

#include "config/config_private.h"
#include "config/sdf_plan.h"

static int check_value(const char *what, const char *value, struct config_error *err)
{
	return sdf_check_value(what, value, err);
}

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
	    /* Microkit's smp configs for this board are built for QEMU -smp 4. */
	    .cores = 4,
	    /*
	     * seL4's user address space end with hypervisor support and the
	     * Cortex-A53's 40-bit physical addresses (Microkit's user_top()).
	     */
	    .vaddr_limit = 1ull << 40,
	    .vmm_name = "vmm",
	    .vmm_image = "svmm.elf",
	    /*
	     * Device models, libfdt and the exit path run on this stack; the
	     * 8 KiB default is too small for them.
	     */
	    .vmm_stack_size = 0x10000,
	    .max_vm_priority = 252,
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
	    .timer_name = "timer",
	    .timer_image = "timer.elf",
	    .timer_priority = 254,
	    .timer_irq = 30, /* CNTP: PPI 14 */
	    .timer_irq_channel_id = 0,
	    .timer_first_client_channel_id = 1,
	    .vmm_timer_channel_id = 4,
	    .blk_name = "blk_driver",
	    .blk_image = "blk_driver.elf",
	    .blk_priority = 254,
	    .blk_queue_size = 0x1000,
	    .blk_data_size = 0x40000,
	    /* Above the most guest RAM svmm maps (at 1 GiB, less than 2 GiB of it). */
	    .blk_queue_vaddr = 0x100000000,
	    .blk_data_vaddr = 0x100200000,
	    /* QEMU virt's 32 virtio-mmio transports, 0x200 bytes each, on SPIs 16..47. */
	    .blk_mmio_phys = 0xa000000,
	    .blk_mmio_size = 0x4000,
	    .blk_mmio_vaddr = 0x100600000,
	    .blk_first_irq = 48,
	    .blk_irq_count = 32,
	    .blk_first_irq_channel_id = 1,
	    .blk_dma_size = 0x4000,
	    .blk_dma_vaddr = 0x100800000,
	    .vmm_blk_channel_id = 2,
	    .blk_channel_id = 0,
	    .mux_name = "console",
	    .mux_image = "console_mux.elf",
	    .mux_priority = 254,
	    .mux_uart_channel_id = 0,
	    .mux_first_vm_channel_id = 1,
	    .vmm_console_channel_id = 3,
	    .console_queue_size = 0x1000,
	    .vmm_console_queue_vaddr = 0x100400000,
	    .mux_console_queues_vaddr = 0x10000000,
	    .mgmt_name = "mgmt",
	    .mgmt_image = "mgmt.elf",
	    .mgmt_priority = 254,
	    .mgmt_console_channel_id = 0,
	    .mgmt_first_vm_channel_id = 1,
	    .vmm_mgmt_channel_id = 5,
	    .mux_mgmt_channel_id = 10, /* after the 9 VMs' 1..9 */
	    /* After the 9 VMs' queues. */
	    .mux_mgmt_queue_vaddr = 0x10000000 + SYSTEM_MAX_VMS * 0x1000,
	};
}

/* A server svmm calls (a protected procedure call goes up): above every svmm, at most the top. */
static int check_called_priority(const char *what, const char *why, unsigned priority,
				 const struct sdf_params *params, struct config_error *err)
{
	if (priority <= SDF_MAX_PRIORITY && priority > params->max_vm_priority + 1)
		return 0;
	return config_fail(err, "sdf: %s priority %u: expected above svmm's %u (%s) and at most %u",
			   what, priority, params->max_vm_priority + 1, why, SDF_MAX_PRIORITY);
}

int sdf_check_params(const struct sdf_params *params, struct config_error *err)
{
	if (check_value("board", params->board, err) < 0 ||
	    check_value("protection domain name", params->vmm_name, err) < 0 ||
	    check_value("program image", params->vmm_image, err) < 0 ||
	    check_value("block driver name", params->blk_name, err) < 0 ||
	    check_value("block driver image", params->blk_image, err) < 0 ||
	    check_value("console multiplexer name", params->mux_name, err) < 0 ||
	    check_value("console multiplexer image", params->mux_image, err) < 0 ||
	    check_value("timer name", params->timer_name, err) < 0 ||
	    check_value("timer image", params->timer_image, err) < 0 ||
	    check_value("management PD name", params->mgmt_name, err) < 0 ||
	    check_value("management PD image", params->mgmt_image, err) < 0)
		return -1;
	if (params->max_vm_priority + 2 > SDF_MAX_PRIORITY)
		return config_fail(
		    err,
		    "sdf: VM priority %u at most: expected at most %u (svmm runs one "
		    "above its VM, a block driver above that)",
		    params->max_vm_priority, SDF_MAX_PRIORITY - 2);
	if (params->vmm_stack_size < SDF_MIN_STACK || params->vmm_stack_size > SDF_MAX_STACK ||
	    !sdf_aligned(params->vmm_stack_size, SDF_SMALL_PAGE))
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
	if (strcmp(params->blk_name, params->vmm_name) == 0)
		return config_fail(err, "sdf: the block driver and svmm are both named \"%s\"",
				   params->vmm_name);
	if (check_called_priority("block driver",
				  "it must preempt svmm, which polls for its answers",
				  params->blk_priority, params, err) < 0)
		return -1;
	if (params->blk_irq_count == 0 ||
	    params->blk_first_irq_channel_id + params->blk_irq_count > SDF_MAX_ID + 2 ||
	    (params->blk_channel_id >= params->blk_first_irq_channel_id &&
	     params->blk_channel_id < params->blk_first_irq_channel_id + params->blk_irq_count))
		return config_fail(err,
				   "sdf: block driver irq channels %u..%u: expected at most 62, "
				   "apart from its channel to svmm %u",
				   params->blk_first_irq_channel_id,
				   params->blk_first_irq_channel_id + params->blk_irq_count - 1,
				   params->blk_channel_id);
	if (params->mux_priority > SDF_MAX_PRIORITY)
		return config_fail(err, "sdf: console multiplexer priority %u: expected 0 to %u",
				   params->mux_priority, SDF_MAX_PRIORITY);
	if (params->vmm_blk_channel_id > SDF_MAX_ID || params->blk_channel_id > SDF_MAX_ID ||
	    params->vmm_blk_channel_id == params->uart_channel_id)
		return config_fail(err,
				   "sdf: block channel ids %u and %u: expected 0 to %u, svmm's "
				   "apart from its uart channel %u",
				   params->vmm_blk_channel_id, params->blk_channel_id, SDF_MAX_ID,
				   params->uart_channel_id);
	if (params->vmm_console_channel_id > SDF_MAX_ID ||
	    params->vmm_console_channel_id == params->vmm_blk_channel_id ||
	    params->mux_first_vm_channel_id + SYSTEM_MAX_VMS > SDF_MAX_ID + 1 ||
	    params->mux_first_vm_channel_id <= params->mux_uart_channel_id)
		return config_fail(err,
				   "sdf: console channel ids: svmm's %u apart from its block "
				   "channel %u, the multiplexer's %u..%u above its uart channel %u",
				   params->vmm_console_channel_id, params->vmm_blk_channel_id,
				   params->mux_first_vm_channel_id,
				   params->mux_first_vm_channel_id + SYSTEM_MAX_VMS - 1,
				   params->mux_uart_channel_id);
	if (check_called_priority("timer", "it takes svmm's protected procedure calls",
				  params->timer_priority, params, err) < 0)
		return -1;
	if (params->vmm_timer_channel_id > SDF_MAX_ID ||
	    params->vmm_timer_channel_id == params->uart_channel_id ||
	    params->vmm_timer_channel_id == params->vmm_blk_channel_id ||
	    params->vmm_timer_channel_id == params->vmm_console_channel_id ||
	    params->timer_first_client_channel_id + SYSTEM_MAX_VMS > SDF_MAX_ID + 1 ||
	    params->timer_first_client_channel_id <= params->timer_irq_channel_id)
		return config_fail(err,
				   "sdf: timer channel ids: svmm's %u apart from its uart, block "
				   "and console channels, the timer PD's %u..%u above its irq "
				   "channel %u",
				   params->vmm_timer_channel_id,
				   params->timer_first_client_channel_id,
				   params->timer_first_client_channel_id + SYSTEM_MAX_VMS - 1,
				   params->timer_irq_channel_id);
	if (check_called_priority("management PD", "it takes svmm's protected procedure calls",
				  params->mgmt_priority, params, err) < 0)
		return -1;
	if (params->vmm_mgmt_channel_id > SDF_MAX_ID ||
	    params->vmm_mgmt_channel_id == params->uart_channel_id ||
	    params->vmm_mgmt_channel_id == params->vmm_blk_channel_id ||
	    params->vmm_mgmt_channel_id == params->vmm_console_channel_id ||
	    params->vmm_mgmt_channel_id == params->vmm_timer_channel_id ||
	    params->mgmt_first_vm_channel_id + SYSTEM_MAX_VMS > SDF_MAX_ID + 1 ||
	    params->mgmt_first_vm_channel_id <= params->mgmt_console_channel_id ||
	    params->mux_mgmt_channel_id > SDF_MAX_ID ||
	    params->mux_mgmt_channel_id == params->mux_uart_channel_id ||
	    (params->mux_mgmt_channel_id >= params->mux_first_vm_channel_id &&
	     params->mux_mgmt_channel_id < params->mux_first_vm_channel_id + SYSTEM_MAX_VMS))
		return config_fail(err,
				   "sdf: management channel ids: svmm's %u apart from its other "
				   "channels, the management PD's %u..%u above its console channel "
				   "%u, the multiplexer's %u apart from its uart and VM channels",
				   params->vmm_mgmt_channel_id, params->mgmt_first_vm_channel_id,
				   params->mgmt_first_vm_channel_id + SYSTEM_MAX_VMS - 1,
				   params->mgmt_console_channel_id, params->mux_mgmt_channel_id);
	if (params->max_vcpus < 1 || params->max_vcpus > SDF_MAX_ID + 1)
		return config_fail(err, "sdf: %u vCPUs at most: expected 1 to %u",
				   params->max_vcpus, SDF_MAX_ID + 1);
	return 0;
}

struct system_limits sdf_board_limits(const struct sdf_params *params)
{
	return (struct system_limits){params->board, params->cores};
}
