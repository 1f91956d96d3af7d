/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net: see the design note in virtio/net.h.
 */
#include "virtio/net.h"

#include "core/errors.h"
#include "core/guest_mem.h"
#include "core/string.h"

/* Config space: mac[6], then status (le16). Nothing past it is offered. */
#define NET_CONFIG_MAC	  0
#define NET_CONFIG_STATUS 6
#define NET_CONFIG_SIZE	  8

/*
 * A receive buffer that breaks a driver MUST without breaking the ring. No
 * enum virtq_error says that, so virtio_device_fail() logs its generic
 * "malformed request", after net_rx_broken()'s own line naming the fault.
 */
#define NET_ERR_BAD_RX_BUFFER 0x100

/* The shortest Ethernet frame worth sending: destination, source, type. */
#define NET_ETH_HLEN 14

static struct virtio_net *net_from_dev(struct virtio_device *dev)
{
	return (struct virtio_net *)((char *)dev - offsetof(struct virtio_net, dev));
}

static uint64_t net_features(struct virtio_device *dev)
{
	/* Offloads only as far as the backend carries them: see the design note. */
	return 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_MRG_RXBUF |
	       1ull << VIRTIO_NET_F_STATUS | net_from_dev(dev)->backend.offloads;
}

static void net_config_read(struct virtio_device *dev, uint32_t offset, uint8_t size,
			    uint64_t *value)
{
	struct virtio_net *net = net_from_dev(dev);
	uint8_t config[NET_CONFIG_SIZE];
	uint16_t status = net->link_up ? VIRTIO_NET_S_LINK_UP : 0;

	memcpy(&config[NET_CONFIG_MAC], net->mac, sizeof(net->mac));
	config[NET_CONFIG_STATUS] = (uint8_t)status;
	config[NET_CONFIG_STATUS + 1] = (uint8_t)(status >> 8);
	*value = 0;
	/* The offset is the guest's: compare in 64 bits so nothing wraps. */
	for (unsigned i = 0; i < size && i < sizeof(*value); i++) {
		uint64_t at = (uint64_t)offset + i;

		if (at < NET_CONFIG_SIZE)
			*value |= (uint64_t)config[at] << (8 * i);
	}
}

/* A frame the guest sent that we refuse: counted and logged, the chain is returned. */
static void net_tx_reject(struct virtio_net *net, const char *why)
{
	net->stats.tx_errors++;
	log_limited(&net->dev.vm->log, &net->tx_log, LOG_WARN, "%s: transmit request %s; dropped",
		    net->dev.name, why);
}

/*
 * Sends the frame in net->chain. Returns 0 (sent, dropped or refused: the
 * chain is done either way) or a negative enum virtq_error when its
 * buffers are not in guest memory.
 */
static int net_tx_one(struct virtio_net *net, const struct virtq *vq)
{
	const struct virtq_chain *chain = &net->chain;
	uint8_t hdr[VIRTIO_NET_HDR_LEN];
	uint64_t frame_len, skip = VIRTIO_NET_HDR_LEN;
	unsigned count = 0;
	const char *why;
	int err;

	if (chain->readable_count != chain->count) {
		net_tx_reject(net, "has device-writable buffers");
		return 0;
	}
	if (chain->readable_len < VIRTIO_NET_HDR_LEN) {
		net_tx_reject(net, "is shorter than the virtio-net header");
		return 0;
	}
	frame_len = chain->readable_len - VIRTIO_NET_HDR_LEN;
	if (frame_len < NET_ETH_HLEN || frame_len > VIRTIO_NET_MAX_FRAME) {
		net_tx_reject(net, frame_len < NET_ETH_HLEN ? "holds no Ethernet header"
							    : "is larger than 65550 bytes");
		return 0;
	}
	err = virtq_chain_read(vq, chain, 0, hdr, sizeof(hdr));
	if (err < 0)
		return err;
	/*
	 * An offload not negotiated (none is, on a backend without headers)
	 * would leave the host as a corrupt or oversized packet; one whose
	 * numbers miss the frame would be the kernel's to refuse, or worse.
	 */
	why = virtio_net_hdr_check_tx(hdr, frame_len, net->dev.driver_features, net->tx_hdr);
	if (why != NULL) {
		net_tx_reject(net, why);
		return 0;
	}
	/* The checked copy, not the guest's bytes, which it may rewrite meanwhile. */
	if (net->backend.with_header)
		net->iov[count++] =
		    (struct net_iovec){.base = net->tx_hdr, .len = VIRTIO_NET_HDR_LEN};
	/* The frame goes to the backend straight from guest memory. */
	for (unsigned i = 0; i < chain->count; i++) {
		const struct virtq_segment *seg = &chain->segments[i];
		uint64_t len = seg->len;
		const void *base;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		base = guest_mem_ptr(vq->mem, seg->gpa + skip, len - skip);
		if (base == NULL)
			return -VIRTQ_ERR_BUFFER_ADDRESS;
		net->iov[count].base = base;
		net->iov[count].len = (size_t)(len - skip);
		count++;
		skip = 0;
	}
	err = net->backend.ops->send(net->backend.ctx, net->iov, count);
	if (err < 0) {
		/* A full or failing backend loses the frame, as a wire would. */
		net->stats.tx_dropped++;
		return 0;
	}
	net->stats.tx_frames++;
	net->stats.tx_bytes += frame_len;
	return 0;
}

/* Sends up to VIRTIO_NET_TX_BUDGET frames; true when chains are left. */
static bool net_tx_process(struct virtio_net *net)
{
	struct virtio_device *dev = &net->dev;
	struct virtq *vq = &dev->queues[VIRTIO_NET_TXQ];
	bool rechecked = false;

	if (!virtio_device_live(dev) || !vq->ready)
		return false;
	for (unsigned done = 0;;) {
		int err;

		if (done == VIRTIO_NET_TX_BUDGET)
			return true;
		err = virtq_next_chain(vq, &net->chain);
		if (err == 0) {
			if (rechecked)
				return false;
			/*
			 * With EVENT_IDX, ask for a notify on the next frame, then
			 * look once more: a frame queued before the driver could see
			 * the new avail_event would otherwise wait forever.
			 */
			virtq_publish_avail_event(vq);
			rechecked = true;
			continue;
		}
		rechecked = false;
		if (err > 0)
			err = net_tx_one(net, vq);
		if (err < 0) {
			virtio_device_fail(dev, VIRTIO_NET_TXQ, -err);
			return false;
		}
		virtio_complete(dev, VIRTIO_NET_TXQ, net->chain.head, 0);
		done++;
	}
}

bool virtio_net_tx_poll(struct virtio_net *net)
{
	return net_tx_process(net);
}

/* Resumes a host that virtio_net_receive() told to wait for buffers. */
static void net_rx_wake(struct virtio_net *net)
{
	if (!net->rx_waiting)
		return;
	net->rx_waiting = false;
	if (net->backend.ops->rx_space != NULL)
		net->backend.ops->rx_space(net->backend.ctx);
}

static void net_queue_notify(struct virtio_device *dev, unsigned queue)
{
	struct virtio_net *net = net_from_dev(dev);

	if (queue == VIRTIO_NET_RXQ) {
		net_rx_wake(net);
	} else if (queue == VIRTIO_NET_TXQ) {
		if (net_tx_process(net) && net->backend.ops->tx_pending != NULL)
			net->backend.ops->tx_pending(net->backend.ctx);
	}
}

/* Tells the backend which receive offloads the driver takes now. */
static void net_set_offloads(struct virtio_net *net, uint64_t guest_offloads)
{
	if (net->backend.offloads != 0 && net->backend.ops->set_offloads != NULL)
		net->backend.ops->set_offloads(net->backend.ctx, guest_offloads);
}

static void net_driver_ok(struct virtio_device *dev)
{
	struct virtio_net *net = net_from_dev(dev);

	/* Features are final now: the host may start sending what the driver takes. */
	net_set_offloads(net, virtio_net_guest_offloads(dev->driver_features));
	/* Buffers may have been posted before DRIVER_OK; only now may the device use them. */
	net_queue_notify(dev, VIRTIO_NET_TXQ);
	net_rx_wake(net);
}

static void net_reset(struct virtio_device *dev)
{
	/*
	 * Beyond the queues, which the core resets: no receive offloads until
	 * the next driver accepts some. rx_waiting stays: a host paused on
	 * ENOSPC resumes on the new driver's first RX notify.
	 */
	net_set_offloads(net_from_dev(dev), 0);
}

static const struct virtio_device_ops net_ops = {
    .device_id = VIRTIO_ID_NET,
    .num_queues = 2,
    .features = net_features,
    .config_read = net_config_read,
    .queue_notify = net_queue_notify,
    .driver_ok = net_driver_ok,
    .reset = net_reset,
};

/*
 * Writes bytes [pos, pos + len) of the received data (the header followed
 * by the frame) at the start of `chain`'s writable space.
 */
static int net_rx_fill(const struct virtq *vq, const struct virtq_chain *chain,
		       const uint8_t hdr[VIRTIO_NET_HDR_LEN], const uint8_t *frame, uint64_t pos,
		       uint64_t len)
{
	uint64_t at = 0;
	int err;

	if (pos < VIRTIO_NET_HDR_LEN) {
		uint64_t part = VIRTIO_NET_HDR_LEN - pos < len ? VIRTIO_NET_HDR_LEN - pos : len;

		err = virtq_chain_write(vq, chain, 0, hdr + pos, (size_t)part);
		if (err < 0)
			return err;
		at = part;
		pos += part;
		len -= part;
	}
	if (len == 0)
		return 0;
	return virtq_chain_write(vq, chain, at, frame + (pos - VIRTIO_NET_HDR_LEN), (size_t)len);
}

/* A receive buffer that breaks a driver MUST: the device stops (NEEDS_RESET). */
static int net_rx_broken(struct virtio_net *net, const char *why, int err)
{
	log_limited(&net->dev.vm->log, &net->rx_log, LOG_WARN, "%s: receive buffer %s",
		    net->dev.name, why);
	virtio_device_fail(&net->dev, VIRTIO_NET_RXQ, err);
	net->rx_waiting = true;
	return -SVMM_ENOSPC;
}

/* The frame cannot fit the guest's buffers: put them back and drop it. */
static int net_rx_drop(struct virtio_net *net, struct virtq *vq, uint16_t saved_avail, size_t len)
{
	vq->next_avail = saved_avail;
	net->stats.rx_dropped++;
	log_limited(&net->dev.vm->log, &net->rx_log, LOG_WARN,
		    "%s: a %zu-byte frame does not fit the guest's receive buffers; dropped",
		    net->dev.name, len);
	return -SVMM_E2BIG;
}

/*
 * Hands the frame's buffers to the driver: the header's chain first, one
 * interrupt after the last. Each push still stores used->idx (see "Known
 * gap" in virtio/net.h). 0 or a negative enum virtq_error.
 */
/* All buffers of one frame in a single used->idx update: see virtq_push_used_batch(). */
static int net_rx_publish(struct virtio_net *net, unsigned used)
{
	virtio_complete_batch(&net->dev, VIRTIO_NET_RXQ, net->used, used);
	return virtio_device_live(&net->dev) ? 0 : -VIRTQ_ERR_RING_ADDRESS;
}

/* Delivers a frame with the host's header `host_hdr`, or none (NULL: all zero). */
static int net_receive(struct virtio_net *net, const uint8_t *host_hdr, const void *frame,
		       size_t len)
{
	struct virtio_device *dev = &net->dev;
	struct virtq *vq = &dev->queues[VIRTIO_NET_RXQ];
	uint8_t hdr[VIRTIO_NET_HDR_LEN] = {0};
	uint64_t need = VIRTIO_NET_HDR_LEN + (uint64_t)len, done = 0;
	uint16_t saved_avail;
	unsigned used = 0;
	bool mergeable, rechecked = false;
	int err;

	if (len > VIRTIO_NET_MAX_FRAME) {
		net->stats.rx_dropped++;
		return -SVMM_E2BIG;
	}
	if (!virtio_device_live(dev) || !vq->ready) {
		net->rx_waiting = true;
		return -SVMM_ENOSPC;
	}
	mergeable = virtio_has_feature(dev, VIRTIO_NET_F_MRG_RXBUF);
	if (host_hdr != NULL) {
		/* Checked against this driver's features: one read before a reset may not fit. */
		const char *why = virtio_net_hdr_check_rx(host_hdr, len, dev->driver_features, hdr);

		if (why != NULL) {
			net->stats.rx_dropped++;
			log_limited(&dev->vm->log, &net->rx_log, LOG_WARN,
				    "%s: received frame %s; dropped", dev->name, why);
			return -SVMM_EINVAL;
		}
	} else {
		/* No header: all 0 but num_buffers, 1 until the frame's buffers are counted. */
		hdr[VIRTIO_NET_HDR_NUM_BUFFERS] = 1;
	}
	/*
	 * Chains are taken from the ring as they are filled; if the frame does
	 * not fit, next_avail goes back so the guest keeps them all. Nothing
	 * is returned to the guest until the whole frame is in place.
	 */
	saved_avail = vq->next_avail;
	while (done < need) {
		/* The header chain is kept for num_buffers; later ones reuse one scratch chain. */
		struct virtq_chain *chain = used == 0 ? &net->first : &net->chain;
		uint64_t part;

		/* Every buffer the ring can hold is not enough: waiting would never end. */
		if (used == vq->size)
			return net_rx_drop(net, vq, saved_avail, len);
		err = virtq_next_chain(vq, chain);
		if (err == 0 && !rechecked) {
			/* As on transmit: ask for a notify, then look once more. */
			virtq_publish_avail_event(vq);
			rechecked = true;
			continue;
		}
		if (err == 0) {
			vq->next_avail = saved_avail;
			net->rx_waiting = true;
			return -SVMM_ENOSPC;
		}
		if (err < 0) {
			virtio_device_fail(dev, VIRTIO_NET_RXQ, -err);
			net->rx_waiting = true;
			return -SVMM_ENOSPC;
		}
		/* Taken: a later empty ring must publish the new avail_event again. */
		rechecked = false;
		if (chain->readable_count != 0)
			return net_rx_broken(net, "has device-readable segments",
					     NET_ERR_BAD_RX_BUFFER);
		if (mergeable && chain->writable_len < VIRTIO_NET_HDR_LEN)
			return net_rx_broken(net, "is smaller than the virtio-net header",
					     NET_ERR_BAD_RX_BUFFER);
		if (!mergeable && chain->writable_len < need)
			return net_rx_drop(net, vq, saved_avail, len);
		part = chain->writable_len < need - done ? chain->writable_len : need - done;
		err = net_rx_fill(vq, chain, hdr, frame, done, part);
		if (err < 0)
			return net_rx_broken(net, "is not in guest memory", -err);
		net->used[used].head = chain->head;
		net->used[used].written = (uint32_t)part;
		used++;
		done += part;
	}
	if (used > 1) {
		uint8_t num_buffers[2] = {(uint8_t)used, (uint8_t)(used >> 8)};

		err = virtq_chain_write(vq, &net->first, VIRTIO_NET_HDR_NUM_BUFFERS, num_buffers,
					sizeof(num_buffers));
		if (err < 0)
			return net_rx_broken(net, "is not in guest memory", -err);
	}
	err = net_rx_publish(net, used);
	if (err < 0)
		return net_rx_broken(net, "was returned to a broken ring", err);
	net->stats.rx_frames++;
	net->stats.rx_bytes += len;
	return 0;
}

int virtio_net_receive(struct virtio_net *net, const void *frame, size_t len)
{
	return net_receive(net, NULL, frame, len);
}

int virtio_net_receive_hdr(struct virtio_net *net, const uint8_t hdr[VIRTIO_NET_HDR_LEN],
			   const void *frame, size_t len)
{
	return net_receive(net, hdr, frame, len);
}

bool virtio_net_rx_ready(struct virtio_net *net)
{
	struct virtio_device *dev = &net->dev;
	struct virtq *vq = &dev->queues[VIRTIO_NET_RXQ];
	uint16_t saved_avail = vq->next_avail;
	bool ready;

	if (!virtio_device_live(dev) || !vq->ready)
		return false;
	/* Look, then put the chain back: the next receive takes it for real. */
	ready = virtq_next_chain(vq, &net->chain) > 0;
	vq->next_avail = saved_avail;
	return ready;
}

void virtio_net_set_link(struct virtio_net *net, bool up)
{
	if (net->link_up == up)
		return;
	net->link_up = up;
	virtio_config_changed(&net->dev);
}

int virtio_net_init(struct virtio_net *net, struct vm *vm, const char *name, const uint8_t mac[6],
		    const struct virtio_net_backend *backend)
{
	if (backend == NULL || backend->ops == NULL || backend->ops->send == NULL || mac == NULL)
		return -SVMM_EINVAL;
	/* An offload the device does not know, or one over a backend that drops the header. */
	if ((backend->offloads & ~VIRTIO_NET_OFFLOAD_FEATURES) != 0 ||
	    (backend->offloads != 0 && !backend->with_header))
		return -SVMM_EINVAL;
	memset(net, 0, sizeof(*net));
	virtio_device_init(&net->dev, &net_ops, vm, name);
	net->backend = *backend;
	memcpy(net->mac, mac, sizeof(net->mac));
	net->link_up = true;
	return 0;
}
