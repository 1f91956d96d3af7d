/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM's virtio devices on a Linux host: each device model on its own
 * virtio-mmio window and interrupt, joined to its host backend (image
 * file, tap or passt, getrandom, the console, unix sockets) and to the
 * event loop, which is the I/O thread: queue notifications arrive there as
 * doorbell eventfds, so vCPU threads never wait for device I/O.
 */
#ifndef SVMM_CMD_DEVICES_H
#define SVMM_CMD_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "arch/aarch64/guest_map.h"
#include "config/vm_config.h"
#include "host/linux/block_file.h"
#include "host/linux/console.h"
#include "host/linux/event_loop.h"
#include "host/linux/net_passt.h"
#include "host/linux/net_tap.h"
#include "host/linux/vsock_unix.h"
#include "hyp/hyp.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/mmio.h"
#include "virtio/net.h"
#include "virtio/rng.h"
#include "virtio/vsock.h"

#define VMM_MAX_VIRTIO (VM_CONFIG_MAX_DISKS + VM_CONFIG_MAX_NETS + 3)

struct vmm_devices;

struct vmm_disk {
	struct block_file file;
	bool open;
	struct virtio_blk blk;
};

struct vmm_nic {
	struct vmm_devices *devices;
	enum net_backend kind;
	struct net_tap tap;
	struct net_passt passt;
	bool backend_open;
	bool rx_paused;	   /* the guest had no room: wait for rx_space */
	bool backend_gone; /* passt exited: the link is down */
	/* Wakes the I/O thread for rx_space and tx_pending, which the device raises under the lock.
	 */
	struct event_source kick;
	struct event_source backend_source;
	struct virtio_net net;
	struct iovec iov[VIRTQ_MAX_CHAIN];
	size_t held_len; /* tap: a frame read but not yet taken by the guest */
	uint8_t frame[VIRTIO_NET_MAX_FRAME];
};

struct vmm_doorbell {
	struct event_source source;
	struct vmm_devices *devices;
	struct virtio_mmio *mmio;
	unsigned queue;
};

struct vmm_devices {
	struct vm *vm;
	struct event_loop *loop;
	struct console *host_console;
	struct virtio_mmio mmio[VMM_MAX_VIRTIO];
	char names[VMM_MAX_VIRTIO][24];
	unsigned mmio_count;
	struct vmm_doorbell doorbells[VMM_MAX_VIRTIO * VIRTIO_MAX_QUEUES];
	unsigned doorbell_count;
	struct vmm_disk disks[VM_CONFIG_MAX_DISKS];
	unsigned disk_count;
	struct vmm_nic nics[VM_CONFIG_MAX_NETS];
	unsigned nic_count;
	bool has_rng;
	struct virtio_rng rng;
	bool has_console;
	struct virtio_console console;
	bool has_vsock;
	struct virtio_vsock vsock;
	struct vsock_unix vsock_host;
};

/*
 * Opens every backend `cfg` asks for and puts each device on the VM's bus,
 * in the order disks, network interfaces, console, rng, vsock (so the
 * guest names them vda, vdb, ..., eth0, ... in the order given).
 * `console_output` carries virtio-console output. -errno with a one-line
 * reason in `why`; what was opened is closed by devices_destroy().
 */
int devices_create(struct vmm_devices *devices, const struct vm_config *cfg, struct vm *vm,
		   struct event_loop *loop, const struct arm64_guest_map *map,
		   const struct virtio_console_backend *console_output, char *why, size_t why_len);

/* Binds each queue's doorbell to `hyp` (where it has them) and to the event loop. */
void devices_attach_hyp(struct vmm_devices *devices, struct hyp_vm *hyp);
/* Forgets the doorbells before `hyp` is destroyed. */
void devices_detach_hyp(struct vmm_devices *devices);

/* Power-on state for a VM reset (the guest rebooted). */
void devices_reset(struct vmm_devices *devices);

/*
 * The virtio devices devices_create() puts on the VM for `cfg`, which take
 * virtio-mmio slots 0..n-1 in its order; `svmm validate` describes the same
 * slots in the device tree it writes.
 */
unsigned devices_virtio_count(const struct vm_config *cfg);

/* Console input for the virtio console; how many bytes it took. Device lock held. */
size_t devices_console_receive(struct vmm_devices *devices, const uint8_t *data, size_t len);
/* Hands waiting virtio-console output to the host. Device lock held. */
void devices_console_flush(struct vmm_devices *devices);

void devices_destroy(struct vmm_devices *devices);

#endif
