/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One VM's machine, assembled from its description the same way under every
 * hypervisor: the guest-physical memory map, guest RAM, the PL011 UART, each
 * virtio device on its virtio-mmio window and interrupt line, and the facts
 * the guest's device tree is written from. This is the only place a device
 * is put on a VM's bus, so a description gives the same guest under KVM, on
 * seL4, and in the device tree `svmm validate` and `svmm sdf --dtb-out` write.
 *
 * What differs between hosts is only where a device's I/O goes: an image
 * file or a block server's queue, a tap, passt, a unix socket. The host
 * supplies those through struct machine_host. The hypervisor backend supplies
 * the interrupt controller (vm->irq_chip) and runs the vCPUs.
 *
 * Freestanding (no libc): hyp/sel4 links it as it is.
 */
#ifndef SVMM_MACHINE_MACHINE_H
#define SVMM_MACHINE_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/boot.h"
#include "arch/aarch64/fdt.h"
#include "arch/aarch64/guest_map.h"
#include "core/vm.h"
#include "dev/pl011.h"
#include "dev/pl061.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/mmio.h"
#include "virtio/net.h"
#include "virtio/rng.h"
#include "virtio/vsock.h"

#define MACHINE_MAX_DISKS  8
#define MACHINE_MAX_NETS   4
#define MACHINE_MAX_VIRTIO (MACHINE_MAX_DISKS + MACHINE_MAX_NETS + 3)
#define MACHINE_NAME_LEN   24

/* The hypervisor-neutral part of a VM description. */
struct machine_desc {
	unsigned cpus;
	uint64_t memory; /* bytes of guest RAM */
	/* The guest's console is a virtio console (hvc0); the PL011 otherwise. */
	bool virtio_console;
	unsigned disk_count; /* virtio-blk devices, vda, vdb, ... */
	unsigned net_count;  /* virtio-net interfaces */
	bool rng;
	bool vsock;
	uint64_t vsock_cid;
};

/*
 * The host half of each device. An op may be NULL where the host has no such
 * backend: a description that asks for the device then fails with
 * -SVMM_ENOTSUP. A failing op returns a negative error (its own reason is the
 * host's to keep).
 */
struct machine_host_ops {
	/* The backend of disk `index`. */
	int (*disk)(void *ctx, unsigned index, struct blk_backend *backend);
	/*
	 * The backend and MAC address of interface `index`; `net` is the
	 * device it will drive (initialised right after this returns).
	 */
	int (*net)(void *ctx, unsigned index, struct virtio_net *net, uint8_t mac[6],
		   struct virtio_net_backend *backend);
	int (*rng)(void *ctx, struct rng_source *source);
	/* Joins the initialised vsock device to its host side. */
	int (*vsock)(void *ctx, struct virtio_vsock *vsock);
};

struct machine_host {
	const struct machine_host_ops *ops;
	void *ctx;
	/* Where the guest's console output goes, whichever device is the console. */
	struct pl011_backend uart;
	struct virtio_console_backend console;
};

struct machine {
	struct vm *vm;
	struct machine_desc desc;
	struct arm64_guest_map map;
	struct pl011 uart;
	struct pl061 gpio; /* the power key */
	struct virtio_mmio mmio[MACHINE_MAX_VIRTIO];
	char names[MACHINE_MAX_VIRTIO][MACHINE_NAME_LEN];
	unsigned mmio_count;
	struct virtio_blk disks[MACHINE_MAX_DISKS];
	struct virtio_net nets[MACHINE_MAX_NETS];
	struct virtio_console console;
	struct virtio_rng rng;
	struct virtio_vsock vsock;
	/* The device being set up when machine_assemble() failed, for messages. */
	const char *failed;
};

/*
 * Assembles `vm` (already vm_init()ed) from `desc`: guest RAM at the map's
 * RAM base backed by `ram` (NULL when only describing the guest), the PL011,
 * then the virtio devices in the order disks, network interfaces, console,
 * rng, vsock (so the guest names them vda, vdb, ..., eth0, ... in order).
 * 0, or a negative error with m->failed naming the device ("ram", "pl011",
 * "virtio-blk0", ...).
 */
int machine_assemble(struct machine *m, struct vm *vm, const struct machine_desc *desc,
		     const struct machine_host *host, void *ram);

/* Power-on state for every device (the VM is being restarted). */
void machine_reset(struct machine *m);

/* Presses or releases the guest's power key (a PL061 GPIO line). Device lock held. */
void machine_power_key(struct machine *m, bool pressed);

/* Console input to the guest's console device: how many bytes it took. Device lock held. */
size_t machine_console_receive(struct machine *m, const uint8_t *data, size_t len);

/* Hands waiting console output (PL011 and virtio console) to the host. Device lock held. */
void machine_console_flush(struct machine *m);

/*
 * The guest's device tree parameters for this machine booted by `plan`;
 * the interrupt controller and PSCI conduit are the hypervisor backend's.
 */
void machine_fdt_params(const struct machine *m, const struct arm64_boot_plan *plan,
			const char *cmdline, enum arm64_gic_version gic_version,
			const char *psci_method, struct arm64_fdt_params *params);

#endif
