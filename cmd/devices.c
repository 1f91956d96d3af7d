/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/devices.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cmd/machine_desc.h"
#include "core/errors.h"
#include "host/linux/entropy.h"

/* Frames one wake-up moves from a backend to the guest before others get a turn. */
#define NIC_RX_BATCH 64

/* ---- disks ---- */

static int disk_open(void *ctx, unsigned index, struct blk_backend *backend)
{
	struct vmm_devices *d = ctx;
	const struct disk_config *cfg = &d->cfg->disks[index];
	struct vmm_disk *disk = &d->disks[index];
	int err;

	/* The system's physical devices are seL4's (QEMU virt's virtio-blk, a driver PD). */
	if (cfg->device != NULL) {
		snprintf(d->why, d->why_len,
			 "disk: device \"%s\": a system's block device is served on seL4 only "
			 "(svmm sdf); on KVM give the disk an image file",
			 cfg->device);
		return -SVMM_ENOTSUP;
	}
	err = block_file_open(&disk->file, cfg->path, cfg->readonly, cfg->direct, cfg->serial,
			      d->why, d->why_len);
	if (err < 0)
		return err;
	disk->open = true;
	d->disk_count = index + 1;
	*backend = disk->file.backend;
	return 0;
}

/* ---- network interfaces ---- */

static void nic_update_watch(struct vmm_nic *nic)
{
	uint32_t events = 0;

	if (!nic->backend_open || nic->backend_gone)
		return;
	if (!nic->rx_paused)
		events |= EPOLLIN;
	if (nic->kind == NET_USER && net_passt_tx_pending(&nic->passt))
		events |= EPOLLOUT;
	event_loop_set_events(nic->devices->loop, &nic->backend_source, events);
}

static void nic_kick(struct vmm_nic *nic)
{
	uint64_t one = 1;

	if (write(nic->kick.fd, &one, sizeof(one)) < 0) {
		/* The counter is already non-zero: the wake-up is pending anyway. */
	}
}

static int nic_send(void *ctx, const struct net_iovec *iov, unsigned count)
{
	struct vmm_nic *nic = ctx;
	int err;

	if (count > VIRTQ_MAX_CHAIN + 1)
		return -SVMM_EINVAL;
	for (unsigned i = 0; i < count; i++)
		nic->iov[i] =
		    (struct iovec){.iov_base = (void *)iov[i].base, .iov_len = iov[i].len};
	if (nic->kind == NET_TAP) {
		err = net_tap_send(&nic->tap, nic->iov, count);
	} else {
		err = net_passt_send(&nic->passt, nic->iov, count);
		if (err == -EPIPE)
			nic->backend_gone = true;
		/* A held tail: have the I/O thread wait for the socket to drain. */
		if (net_passt_tx_pending(&nic->passt) || err == -EPIPE)
			nic_kick(nic);
	}
	if (err == -EAGAIN)
		return -SVMM_EBUSY;
	return err < 0 ? -SVMM_EIO : 0;
}

/* Both hooks run under the device lock, maybe on a vCPU thread: only wake the I/O thread. */
static void nic_rx_space(void *ctx)
{
	nic_kick(ctx);
}

static void nic_tx_pending(void *ctx)
{
	nic_kick(ctx);
}

/*
 * The tap's offloads as virtio features: a checksum or segmentation kind
 * the kernel takes goes both ways (it parses the header on writes, and
 * produces it on reads once turned on).
 */
static uint64_t nic_tap_virtio_offloads(unsigned tun)
{
	uint64_t features = 0;

	if (tun & TUN_F_CSUM)
		features |= 1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM;
	if (tun & TUN_F_TSO4)
		features |= 1ull << VIRTIO_NET_F_HOST_TSO4 | 1ull << VIRTIO_NET_F_GUEST_TSO4;
	if (tun & TUN_F_TSO6)
		features |= 1ull << VIRTIO_NET_F_HOST_TSO6 | 1ull << VIRTIO_NET_F_GUEST_TSO6;
	if ((tun & (TUN_F_USO4 | TUN_F_USO6)) == (TUN_F_USO4 | TUN_F_USO6))
		features |= 1ull << VIRTIO_NET_F_HOST_USO | 1ull << VIRTIO_NET_F_GUEST_USO4 |
			    1ull << VIRTIO_NET_F_GUEST_USO6;
	return features;
}

/* The receive offloads a driver takes (virtio_net_guest_offloads()) as TUN_F_* flags. */
static unsigned nic_tap_tun_offloads(uint64_t guest)
{
	unsigned tun = 0;

	if (guest & 1ull << VIRTIO_NET_F_GUEST_CSUM)
		tun |= TUN_F_CSUM;
	if (guest & 1ull << VIRTIO_NET_F_GUEST_TSO4)
		tun |= TUN_F_TSO4;
	if (guest & 1ull << VIRTIO_NET_F_GUEST_TSO6)
		tun |= TUN_F_TSO6;
	if (guest & 1ull << VIRTIO_NET_F_GUEST_USO4)
		tun |= TUN_F_USO4 | TUN_F_USO6;
	return tun;
}

/*
 * Under the device lock, maybe on a vCPU thread (whose sandbox allows no
 * tap ioctl): the I/O thread hands the offloads to the kernel. Until then
 * the tap sends whole frames, which any driver takes.
 */
static void nic_set_offloads(void *ctx, uint64_t guest_offloads)
{
	struct vmm_nic *nic = ctx;

	nic->tap_offloads = nic_tap_tun_offloads(guest_offloads);
	nic->tap_offloads_due = true;
	nic_kick(nic);
}

static const struct net_backend_ops nic_backend_ops = {
    .send = nic_send,
    .rx_space = nic_rx_space,
    .tx_pending = nic_tx_pending,
    .set_offloads = nic_set_offloads,
};

/*
 * Offers one frame (after its header when the tap has them); false when
 * the guest had no room (keep the frame, wait for rx_space).
 */
static bool nic_deliver(struct vmm_nic *nic, const uint8_t *frame, size_t len)
{
	int err;

	if (nic->kind == NET_TAP && nic->tap.vnet_hdr) {
		/* Shorter than its header: nothing a kernel sends; drop it. */
		if (len < VIRTIO_NET_HDR_LEN)
			return true;
		err = virtio_net_receive_hdr(nic->net, frame, frame + VIRTIO_NET_HDR_LEN,
					     len - VIRTIO_NET_HDR_LEN);
	} else {
		err = virtio_net_receive(nic->net, frame, len);
	}
	if (err == -SVMM_ENOSPC) {
		nic->rx_paused = true;
		return false;
	}
	return true;
}

static void nic_receive_tap(struct vmm_nic *nic)
{
	for (unsigned i = 0; i < NIC_RX_BATCH; i++) {
		if (nic->held_len == 0) {
			ssize_t got = net_tap_read(&nic->tap, nic->frame, sizeof(nic->frame));

			if (got <= 0)
				return;
			nic->held_len = (size_t)got;
		}
		if (!nic_deliver(nic, nic->frame, nic->held_len))
			return;
		nic->held_len = 0;
	}
}

static void nic_receive_passt(struct vmm_nic *nic)
{
	for (unsigned i = 0; i < NIC_RX_BATCH; i++) {
		const uint8_t *frame;
		size_t len;
		int got = net_passt_receive(&nic->passt, &frame, &len);

		if (got == 0)
			return;
		if (got < 0) {
			nic->backend_gone = true;
			return;
		}
		if (!nic_deliver(nic, frame, len))
			return;
		net_passt_consume(&nic->passt);
	}
}

/* The I/O thread's work for one interface: receive, transmit leftovers, backend health. */
static void nic_service(struct vmm_nic *nic)
{
	struct vm *vm = nic->devices->vm;

	vm_lock_devices(vm);
	/*
	 * A paused receive offers its held frame again. If the guest still has
	 * no room, virtio_net_receive() says so and arms the device to call
	 * rx_space at the guest's next receive notify. Asking
	 * virtio_net_rx_ready() first would arm nothing: after a wake-up that
	 * finds the ring still empty (DRIVER_OK comes before the driver posts
	 * its buffers) nothing would ever resume the interface.
	 */
	nic->rx_paused = false;
	if (nic->tap_offloads_due) {
		int err = net_tap_set_offload(&nic->tap, nic->tap_offloads);

		/* The device checks every received header: a tap left as it was costs frames, never
		 * their integrity. */
		if (err < 0)
			log_message(&vm->log, LOG_WARN, "%s: tap offloads 0x%x: %s",
				    nic->net->dev.name, nic->tap_offloads, strerror(-err));
		nic->tap_offloads_due = false;
	}
	if (!nic->backend_gone) {
		if (nic->kind == NET_TAP)
			nic_receive_tap(nic);
		else
			nic_receive_passt(nic);
	}
	if (nic->kind == NET_USER && !nic->backend_gone && net_passt_flush(&nic->passt) == -EPIPE)
		nic->backend_gone = true;
	if (virtio_net_tx_poll(nic->net))
		nic_kick(nic);
	if (nic->backend_gone && nic->net->link_up) {
		log_message(&vm->log, LOG_ERROR, "%s: passt exited; the link is down",
			    nic->net->dev.name);
		virtio_net_set_link(nic->net, false);
		event_loop_remove(nic->devices->loop, &nic->backend_source);
	}
	nic_update_watch(nic);
	vm_unlock_devices(vm);
}

static void nic_on_event(struct event_source *source, uint32_t events)
{
	struct vmm_nic *nic = source->ctx;

	(void)events;
	if (source == &nic->kick)
		event_drain(source->fd);
	nic_service(nic);
}

/* A locally administered MAC (52:54:00 as QEMU's), unique per interface and VM. */
static void nic_default_mac(uint8_t mac[6], unsigned index)
{
	unsigned pid = (unsigned)getpid();

	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(pid >> 8);
	mac[4] = (uint8_t)pid;
	mac[5] = (uint8_t)(0x10 + index);
}

static int nic_open_backend(struct vmm_nic *nic, const struct net_config *cfg, char *why,
			    size_t why_len)
{
	if (cfg->backend == NET_TAP) {
		int err = net_tap_open(&nic->tap, cfg->tap_name, true, why, why_len);

		/* Opened, but without headers or offloads: say so once, and go on without. */
		if (err == 0 && why[0] != '\0') {
			log_message(&nic->devices->vm->log, LOG_WARN, "%s", why);
			why[0] = '\0';
		}
		nic->backend_source.fd = nic->tap.fd;
		return err;
	} else {
		struct net_passt_params params = {
		    .forwards = (const char *const *)cfg->forwards,
		    .forward_count = cfg->forward_count,
		};
		int err = net_passt_start(&nic->passt, &params, why, why_len);

		nic->backend_source.fd = nic->passt.fd;
		return err;
	}
}

static int nic_open(void *ctx, unsigned index, struct virtio_net *net, uint8_t mac[6],
		    struct virtio_net_backend *backend)
{
	struct vmm_devices *d = ctx;
	const struct net_config *cfg = &d->cfg->nets[index];
	struct vmm_nic *nic = &d->nics[index];
	int err;

	nic->devices = d;
	nic->net = net;
	nic->kind = cfg->backend;
	nic->kick = (struct event_source){
	    .fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), .on_event = nic_on_event, .ctx = nic};
	nic->backend_source = (struct event_source){.fd = -1, .on_event = nic_on_event, .ctx = nic};
	if (nic->kick.fd < 0) {
		snprintf(d->why, d->why_len, "net: cannot create an eventfd: %s", strerror(errno));
		return -errno;
	}
	d->nic_count = index + 1;
	err = nic_open_backend(nic, cfg, d->why, d->why_len);
	if (err < 0)
		return err;
	nic->backend_open = true;
	if (cfg->has_mac)
		memcpy(mac, cfg->mac, 6);
	else
		nic_default_mac(mac, index);
	err = event_loop_add(d->loop, &nic->kick);
	if (err == 0)
		err = event_loop_add(d->loop, &nic->backend_source);
	*backend = (struct virtio_net_backend){.ops = &nic_backend_ops, .ctx = nic};
	if (nic->kind == NET_TAP && nic->tap.vnet_hdr) {
		backend->with_header = true;
		backend->offloads = nic_tap_virtio_offloads(nic->tap.offloads);
	}
	return err;
}

static void nic_close(struct vmm_devices *d, struct vmm_nic *nic)
{
	if (nic->backend_open) {
		event_loop_remove(d->loop, &nic->backend_source);
		if (nic->kind == NET_TAP)
			net_tap_close(&nic->tap);
		else
			net_passt_stop(&nic->passt);
	}
	if (nic->kick.fd >= 0) {
		event_loop_remove(d->loop, &nic->kick);
		close(nic->kick.fd);
	}
	nic->backend_open = false;
	nic->kick.fd = -1;
}

/* ---- the rest ---- */

static int rng_open(void *ctx, struct rng_source *source)
{
	(void)ctx;
	*source = host_entropy_source();
	return 0;
}

static int vsock_open(void *ctx, struct virtio_vsock *vsock)
{
	struct vmm_devices *d = ctx;
	int err = vsock_unix_open(&d->vsock_host, d->cfg->vsock.socket, d->why, d->why_len);

	d->has_vsock = err == 0;
	return err < 0 ? err : vsock_unix_attach(&d->vsock_host, d->loop, vsock);
}

static const struct machine_host_ops linux_host_ops = {
    .disk = disk_open,
    .net = nic_open,
    .rng = rng_open,
    .vsock = vsock_open,
};

int devices_create(struct vmm_devices *d, const struct vm_config *cfg, struct vm *vm,
		   struct event_loop *loop, void *ram,
		   const struct virtio_console_backend *console_output, char *why, size_t why_len)
{
	struct machine_host host = {
	    .ops = &linux_host_ops,
	    .ctx = d,
	    .uart = {.write = console_output->write,
		     .output_pending = console_output->output_pending,
		     .ctx = console_output->ctx},
	    .console = *console_output,
	};
	struct machine_desc desc;
	int err;

	d->vm = vm;
	d->loop = loop;
	d->cfg = cfg;
	d->why = why;
	d->why_len = why_len;
	why[0] = '\0';
	machine_desc_from_config(cfg, &desc);
	err = machine_assemble(&d->machine, vm, &desc, &host, ram);
	if (err < 0 && why[0] == '\0')
		snprintf(why, why_len, "%s: cannot set up: %s", d->machine.failed,
			 svmm_strerror(err));
	return err;
}

static void devices_on_doorbell(struct event_source *source, uint32_t events)
{
	struct vmm_doorbell *bell = source->ctx;

	(void)events;
	event_drain(source->fd);
	vm_lock_devices(bell->devices->vm);
	virtio_mmio_notify(bell->mmio, bell->queue);
	vm_unlock_devices(bell->devices->vm);
}

void devices_attach_hyp(struct vmm_devices *d, struct hyp_vm *hyp)
{
	for (unsigned i = 0; i < d->machine.mmio_count; i++) {
		struct virtio_mmio *mmio = &d->machine.mmio[i];

		for (unsigned q = 0; q < mmio->dev->ops->num_queues; q++) {
			struct vmm_doorbell *bell = &d->doorbells[d->doorbell_count];
			int fd =
			    hyp_vm_doorbell_fd(hyp, mmio->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q);

			/* Without a doorbell, the MMIO exit path delivers the notify instead. */
			if (fd < 0)
				return;
			*bell = (struct vmm_doorbell){
			    .source = {.fd = fd, .on_event = devices_on_doorbell, .ctx = bell},
			    .devices = d,
			    .mmio = mmio,
			    .queue = q,
			};
			if (event_loop_add(d->loop, &bell->source) == 0)
				d->doorbell_count++;
		}
	}
}

void devices_detach_hyp(struct vmm_devices *d)
{
	for (unsigned i = 0; i < d->doorbell_count; i++)
		event_loop_remove(d->loop, &d->doorbells[i].source);
	d->doorbell_count = 0;
}

void devices_reset(struct vmm_devices *d)
{
	machine_reset(&d->machine);
	for (unsigned i = 0; i < d->nic_count; i++) {
		d->nics[i].rx_paused = false;
		d->nics[i].held_len = 0;
		/* (The device's reset already asked for the tap's offloads to go.) */
	}
}

void devices_destroy(struct vmm_devices *d)
{
	devices_detach_hyp(d);
	if (d->has_vsock)
		vsock_unix_close(&d->vsock_host);
	d->has_vsock = false;
	for (unsigned i = 0; i < d->nic_count; i++)
		nic_close(d, &d->nics[i]);
	d->nic_count = 0;
	for (unsigned i = 0; i < d->disk_count; i++) {
		if (d->disks[i].open)
			block_file_close(&d->disks[i].file);
		d->disks[i].open = false;
	}
	d->disk_count = 0;
}
