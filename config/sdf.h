/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A system description as a Microkit System Description File (SDF): the XML
 * the `microkit` tool turns into a bootable seL4 image. One svmm protection
 * domain per VM, the guest its child virtual machine with one vcpu element
 * per vCPU (pinned to its core, scheduled with the VM's priority, budget and
 * period). A VM with a disk gets a block driver protection domain of its own
 * for QEMU virt's virtio-blk device, which its svmm reaches through sDDF's
 * block queues (host/sel4/sddf_blk.h, docs/sel4-block-queue.md). One timer PD serves every svmm the
 * alarm that wakes its idle vCPUs (host/sel4/timer_protocol.h). A system of one VM has its svmm
 * drive the board UART; with several, a console multiplexer PD drives it and each svmm talks to it
 * through a console queue (host/sel4/console_queue.h); "management": true adds the management PD
 * behind the multiplexer's Ctrl-A m prompt, joined to each svmm by a channel. The schema is
 * Microkit 2.3.0's (docs/manual.md, "System Description File").
 */
#ifndef SVMM_CONFIG_SDF_H
#define SVMM_CONFIG_SDF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/system.h"
#include "config/vm_config.h"

/*
 * Symbols the SDF asks the microkit tool to patch in the svmm program image
 * (setvar_vaddr / setvar_size). The tool fails when the image lacks one, so
 * the seL4 build of svmm must define each as a `uintptr_t` (or `size_t`)
 * variable with exactly this name.
 */
#define SDF_SYMBOL_GUEST_RAM_VADDR "guest_ram_vaddr" /* guest RAM as the VMM sees it */
#define SDF_SYMBOL_GUEST_RAM_SIZE  "guest_ram_size"
#define SDF_SYMBOL_UART_VADDR	   "uart_vaddr" /* the board UART, mapped uncached */
/* The sDDF block queue's regions, in svmm and in the block driver alike. */
#define SDF_SYMBOL_BLK_STORAGE_INFO_VADDR "blk_storage_info_vaddr"
#define SDF_SYMBOL_BLK_REQ_QUEUE_VADDR	  "blk_req_queue_vaddr"
#define SDF_SYMBOL_BLK_RESP_QUEUE_VADDR	  "blk_resp_queue_vaddr"
#define SDF_SYMBOL_BLK_DATA_VADDR	  "blk_data_vaddr"
#define SDF_SYMBOL_BLK_DATA_SIZE	  "blk_data_size"
/* The block driver's own: the virtio-mmio window, its DMA region, physical addresses. */
#define SDF_SYMBOL_BLK_MMIO_VADDR "blk_mmio_vaddr"
#define SDF_SYMBOL_BLK_DMA_VADDR  "blk_dma_vaddr"
#define SDF_SYMBOL_BLK_DMA_PADDR  "blk_dma_paddr"
#define SDF_SYMBOL_BLK_DATA_PADDR "blk_data_paddr"
/* With several VMs: svmm's console queue, and the multiplexer's first one (the rest follow). */
#define SDF_SYMBOL_CONSOLE_QUEUE_VADDR	"console_queue_vaddr"
#define SDF_SYMBOL_CONSOLE_QUEUES_VADDR "console_queues_vaddr"
/* With "management": the multiplexer's end of the management PD's console queue. */
#define SDF_SYMBOL_MGMT_QUEUE_VADDR "mgmt_queue_vaddr"

/*
 * Board and SDK facts the SDF needs; none of them is in the VM description.
 * Addresses are physical (phys), guest physical (guest) or in the svmm
 * protection domain's address space (vmm_*).
 */
struct sdf_params {
	const char *board;	 /* Microkit board name, for messages */
	uint64_t board_ram_size; /* all the board's RAM; guest RAM must fit in less */
	unsigned max_vcpus;	 /* vcpu elements one VM may have on this board */
	unsigned cores;		 /* physical cores under the SMP kernel */
	uint64_t vaddr_limit;	 /* end of a PD's or VM's address space */

	/*
	 * protection_domain name and program_image path (relative to the tool's
	 * search path) of a lone VM's svmm; with several VMs, VM "a" has
	 * "<vmm_name>_a" and "svmm_a.elf".
	 */
	const char *vmm_name;
	const char *vmm_image;
	uint64_t vmm_stack_size;
	/*
	 * A VM's priority is its vCPUs'; its svmm runs one above (it serves
	 * their faults) and a block server one above the highest svmm, so a
	 * VM takes at most max_vm_priority.
	 */
	unsigned max_vm_priority;

	uint64_t guest_ram_base;      /* where the guest finds RAM */
	uint64_t vmm_guest_ram_vaddr; /* where svmm finds the same RAM */

	/* The GIC's virtual CPU interface, shown to the guest as its GICC. */
	uint64_t gic_vcpu_phys;
	uint64_t gic_vcpu_guest;
	uint64_t gic_vcpu_size;

	/* The board UART svmm drives (the guest's PL011 is emulated by svmm). */
	uint64_t uart_phys;
	uint64_t uart_size;
	uint64_t vmm_uart_vaddr;
	unsigned uart_irq;	  /* interrupt number as the kernel numbers it (SPI + 32) */
	unsigned uart_channel_id; /* the irq's channel id in svmm, 0..61 */
	/*
	 * The timer protection domain (host/sel4/timer_pd.c) of every system:
	 * it owns the EL1 physical timer's PPI, which the kernel leaves to user
	 * level (CONFIG_EXPORT_PTMR_USER), and serves each svmm the alarm that
	 * wakes its parked vCPUs by sDDF's timer protocol. One for all, because
	 * Microkit 2.3.0 takes an irq number once per system though a PPI has
	 * one handler per core. svmm calls it, so its priority is above every
	 * svmm's.
	 */
	const char *timer_name;
	const char *timer_image;
	unsigned timer_priority;
	unsigned timer_irq;			/* the PPI as the kernel numbers it */
	unsigned timer_irq_channel_id;		/* the irq's channel in the timer PD */
	unsigned timer_first_client_channel_id; /* VM i's svmm is this + i at the timer PD */
	unsigned vmm_timer_channel_id;		/* svmm's end (HYP_SEL4_TIMER_CHANNEL) */

	/*
	 * The block driver protection domain, for a VM with a disk. Its priority
	 * is above every svmm's: svmm waits for its answers polling, so the
	 * driver must preempt it on a shared core.
	 */
	const char *blk_name; /* with several VMs, "<blk_name>_a" and "blk_driver_a.elf" */
	const char *blk_image;
	unsigned blk_priority;
	/* Each of the storage info, request queue and response queue regions (4 KiB). */
	uint64_t blk_queue_size;
	uint64_t blk_data_size; /* the data region: the most one request moves */
	/*
	 * Storage info, request and response queue at this + 0, 1 and 2 times
	 * blk_queue_size, and the data region, at the same addresses in both PDs.
	 */
	uint64_t blk_queue_vaddr;
	uint64_t blk_data_vaddr;
	/* The board's virtio-mmio transports, which the driver probes, and their interrupts. */
	uint64_t blk_mmio_phys;
	uint64_t blk_mmio_size;
	uint64_t blk_mmio_vaddr;
	unsigned blk_first_irq; /* transport i's, as the kernel numbers it, is this + i */
	unsigned blk_irq_count; /* the transports */
	unsigned blk_first_irq_channel_id; /* transport i's irq is on this + i in the driver */
	uint64_t blk_dma_size;		   /* the driver's virtqueue (VBLK_DMA_SIZE) */
	uint64_t blk_dma_vaddr;
	unsigned vmm_blk_channel_id; /* svmm's end of the channel */
	unsigned blk_channel_id;     /* the block driver's end */

	/* The console multiplexer of a system of several VMs. */
	const char *mux_name;
	const char *mux_image;
	unsigned mux_priority;
	unsigned mux_uart_channel_id;	   /* the board UART's irq in the multiplexer */
	unsigned mux_first_vm_channel_id;  /* VM i's channel is this + i at the multiplexer */
	unsigned vmm_console_channel_id;   /* svmm's end */
	uint64_t console_queue_size;	   /* one queue region per VM (CONSOLE_QUEUE_REGION_SIZE) */
	uint64_t vmm_console_queue_vaddr;  /* in each svmm */
	uint64_t mux_console_queues_vaddr; /* VM i's at this + i * console_queue_size */

	/*
	 * The management PD of a system with "management": true
	 * (host/sel4/mgmt_pd.c). It maps one console queue, shared with the
	 * multiplexer only (its prompt's text), at vmm_console_queue_vaddr as
	 * an svmm does, and has one channel to each svmm, which calls it (a
	 * protected procedure call: its priority is above every svmm's). No
	 * VM's memory, no irq, no device.
	 */
	const char *mgmt_name;
	const char *mgmt_image;
	unsigned mgmt_priority;
	unsigned mgmt_console_channel_id;  /* its channel to the multiplexer */
	unsigned mgmt_first_vm_channel_id; /* VM i's svmm is this + i at the management PD */
	unsigned vmm_mgmt_channel_id;	   /* svmm's end */
	unsigned mux_mgmt_channel_id;	   /* the multiplexer's end */
	uint64_t mux_mgmt_queue_vaddr;	   /* the queue in the multiplexer */
};

/*
 * QEMU's virt board as Microkit 2.3.0 builds seL4 for it (qemu_virt_aarch64):
 * 2 GiB of RAM, GICv2, 4 cores in the smp- configs. Guest RAM at 1 GiB and
 * the GIC CPU interface at 0x08010000, as arch/aarch64's guest map places
 * them. Priorities: block servers and the console multiplexer 254, a VM at
 * most 252 (its svmm one above).
 */
struct sdf_params sdf_params_qemu_virt_aarch64(void);

/*
 * Writes the SDF for `sys` to `out`. The output depends only on the
 * arguments, so the same description gives the same bytes. 0, or -1 with
 * `err` filled in: a description the board cannot hold (too many vCPUs, too
 * much memory, a priority above max_vm_priority), devices that have no seL4
 * backend yet (net, rng, vsock, virtio console, a second disk, disks in two
 * VMs, a disk option the driver cannot honour), inconsistent `params`, or a
 * failed write. A disk's image is not named in the SDF: it is QEMU's drive
 * file (-drive ... -device virtio-blk-device), which the block driver finds.
 */
int sdf_write_system(FILE *out, const struct system_config *sys, const struct sdf_params *params,
		     struct config_error *err);

/* The cores a system may name on the board the parameters describe. */
struct system_limits sdf_board_limits(const struct sdf_params *params);

/* sdf_write_system() for a system of one VM. */
int sdf_write(FILE *out, const struct vm_config *cfg, const struct sdf_params *params,
	      struct config_error *err);

/*
 * The program image svmm for VM `index` of `sys` is built as, into
 * out[0..size): params->vmm_image for a lone VM, else "svmm_<name>.elf".
 */
void sdf_vmm_image(const struct system_config *sys, unsigned index, const struct sdf_params *params,
		   char *out, size_t size);

/* The same for VM `index`'s block driver: params->blk_image, else "blk_driver_<name>.elf". */
void sdf_blk_image(const struct system_config *sys, unsigned index, const struct sdf_params *params,
		   char *out, size_t size);

/*
 * The virtio-mmio devices the seL4 system gives the guest, in slot order
 * (arm64_virtio_slot() places slot i), for its device tree: 1 for a VM
 * with a disk, else 0. sdf_write() refuses every other device.
 */
unsigned sdf_virtio_disks(const struct vm_config *cfg);

#endif
