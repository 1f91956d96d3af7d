/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM's devices on a Linux host: the machine (machine/machine.h places
 * every device, as on seL4) with the host backends this file supplies (image
 * file, tap or passt, getrandom, the console, unix sockets), joined to the
 * event loop, which is the I/O thread: queue notifications arrive there as
 * doorbell eventfds, so vCPU threads never wait for device I/O.
 */
#ifndef SVMM_CMD_DEVICES_H
#define SVMM_CMD_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "config/vm_config.h"
#include "host/linux/block_file.h"
#include "host/linux/console.h"
#include "host/linux/event_loop.h"
#include "host/linux/net_passt.h"
#include "host/linux/net_tap.h"
#include "host/linux/vsock_unix.h"
#include "hyp/hyp.h"
#include "machine/machine.h"

struct vmm_devices;

struct vmm_disk {
	struct block_file file;
	bool open;
};

struct vmm_nic {
	struct vmm_devices *devices;
	enum net_backend kind;
	struct net_tap tap;
	struct net_passt passt;
	bool backend_open;
	bool rx_paused; /* the guest had no room: wait for rx_space */
	/* tap: the TUN_F_* offloads the driver takes, for the I/O thread to hand to the kernel */
	unsigned tap_offloads;
	bool tap_offloads_due;
	bool backend_gone; /* passt exited: the link is down */
	/* Wakes the I/O thread for rx_space and tx_pending, which the device raises under the lock.
	 */
	struct event_source kick;
	struct event_source backend_source;
	struct virtio_net *net;		       /* in the machine */
	struct iovec iov[VIRTQ_MAX_CHAIN + 1]; /* a frame's pieces and maybe its header */
	size_t held_len; /* tap: a frame read (its header too) but not yet taken by the guest */
	uint8_t frame[VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME];
};

struct vmm_doorbell {
	struct event_source source;
	struct vmm_devices *devices;
	struct virtio_mmio *mmio;
	unsigned queue;
};

struct vmm_devices {
	struct vm *vm;
	struct machine machine;
	struct event_loop *loop;
	/* Only while devices_create() runs: the description and where a reason goes. */
	const struct vm_config *cfg;
	char *why;
	size_t why_len;
	struct vmm_doorbell doorbells[MACHINE_MAX_VIRTIO * VIRTIO_MAX_QUEUES];
	unsigned doorbell_count;
	struct vmm_disk disks[VM_CONFIG_MAX_DISKS];
	unsigned disk_count;
	struct vmm_nic nics[VM_CONFIG_MAX_NETS];
	unsigned nic_count;
	bool has_vsock;
	struct vsock_unix vsock_host;
};

/*
 * Assembles the VM's machine (guest RAM at `ram`, the PL011, the virtio
 * devices) with a backend opened for every device `cfg` asks for.
 * `console_output` takes the console's output, whichever device it is.
 * -errno with a one-line reason in `why`; what was opened is closed by
 * devices_destroy().
 */
int devices_create(struct vmm_devices *devices, const struct vm_config *cfg, struct vm *vm,
		   struct event_loop *loop, void *ram,
		   const struct virtio_console_backend *console_output, char *why, size_t why_len);

/* Binds each queue's doorbell to `hyp` (where it has them) and to the event loop. */
void devices_attach_hyp(struct vmm_devices *devices, struct hyp_vm *hyp);
/* Forgets the doorbells before `hyp` is destroyed. */
void devices_detach_hyp(struct vmm_devices *devices);

/* Power-on state for a VM reset (the guest rebooted). */
void devices_reset(struct vmm_devices *devices);

void devices_destroy(struct vmm_devices *devices);

#endif
