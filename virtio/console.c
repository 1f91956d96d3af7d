/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console, one port. The device touches guest buffers only in the
 * direction the queue implies: it reads the device-readable part of a
 * transmit request and writes the device-writable part of a receive
 * request. A segment of the other kind breaks a driver rule ("MUST NOT put
 * a device-writable buffer in a transmitq", and the reverse for receiveq)
 * but cannot hurt the device, which never touches it: it is skipped and
 * logged, and the request is served, so a sloppy driver keeps its console.
 * A broken ring (bad index, address, loop) is another matter: the device
 * then needs a reset, as for every virtio device.
 */
#include "virtio/console.h"

#include "core/errors.h"
#include "core/string.h"

static struct virtio_console *console_from_dev(struct virtio_device *dev)
{
	return (struct virtio_console *)((char *)dev - offsetof(struct virtio_console, virtio));
}

void virtio_console_flush(struct virtio_console *con)
{
	if (con->tx_len != 0 && con->backend.write != NULL)
		con->backend.write(con->backend.ctx, con->tx_buffer, con->tx_len);
	con->tx_len = 0;
}

static bool console_has_newline(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (data[i] == '\n')
			return true;
	return false;
}

/*
 * Copies the readable bytes of the request in con->chain into the staging
 * buffer, flushing whenever it fills; notes in con->tx_newline when a
 * newline went by.
 * 0, or a negative enum virtq_error.
 */
static int console_take_output(struct virtio_device *dev, const struct virtq *vq,
			       const struct virtq_chain *chain, uint32_t *written)
{
	struct virtio_console *con = console_from_dev(dev);
	uint64_t len = chain->readable_len;
	uint64_t offset = 0;

	if (chain->count != chain->readable_count)
		log_limited(&con->virtio.vm->log, &con->request_log, LOG_WARN,
			    "%s: transmit request has %u device-writable segment(s); ignored",
			    con->virtio.name, chain->count - chain->readable_count);
	if (len > VIRTIO_CONSOLE_MAX_TX_REQUEST) {
		log_limited(&con->virtio.vm->log, &con->request_log, LOG_WARN,
			    "%s: transmit request of %llu bytes; only the first %u are sent",
			    con->virtio.name, (unsigned long long)len,
			    VIRTIO_CONSOLE_MAX_TX_REQUEST);
		len = VIRTIO_CONSOLE_MAX_TX_REQUEST;
	}
	while (offset < len) {
		size_t room = VIRTIO_CONSOLE_TX_BUFFER - con->tx_len;
		size_t n = len - offset < room ? (size_t)(len - offset) : room;
		uint8_t *dst = con->tx_buffer + con->tx_len;
		int err = virtq_chain_read(vq, chain, offset, dst, n);

		if (err < 0)
			return err;
		if (!con->tx_newline && console_has_newline(dst, n))
			con->tx_newline = true;
		con->tx_len += n;
		offset += n;
		if (con->tx_len == VIRTIO_CONSOLE_TX_BUFFER)
			virtio_console_flush(con);
	}
	/* The device writes nothing into a transmit buffer. */
	*written = 0;
	return 0;
}

/*
 * Takes every request on the transmit queue, not just a quota: with
 * EVENT_IDX the driver sends no further notify for requests it posts
 * while the device is behind, so any left over could wait forever. The
 * work stays bounded per request (VIRTIO_CONSOLE_MAX_TX_REQUEST bytes of
 * copying), and a guest that keeps refilling the queue from another vCPU
 * pays for every request it makes.
 */
static void console_transmit(struct virtio_console *con)
{
	con->tx_newline = false;
	virtio_serve_queue(&con->virtio, VIRTIO_CONSOLE_TX_QUEUE, &con->chain, console_take_output);
	/* Whole lines go out now; a partial line waits for more or for the host's timer. */
	if (con->tx_newline)
		virtio_console_flush(con);
	else if (con->tx_len > 0 && con->backend.output_pending != NULL)
		con->backend.output_pending(con->backend.ctx);
}

size_t virtio_console_receive(struct virtio_console *con, const uint8_t *data, size_t len)
{
	struct virtio_device *dev = &con->virtio;
	struct virtq *vq = &dev->queues[VIRTIO_CONSOLE_RX_QUEUE];
	size_t taken = 0;

	if (len == 0 || !virtio_device_live(dev) || !vq->ready)
		return 0;
	/*
	 * At most one queue's worth of requests per call, even if the guest
	 * keeps refilling from another vCPU: the host offers the rest later.
	 */
	for (unsigned served = 0; taken < len && served < vq->size; served++) {
		const struct virtq_chain *chain = &con->chain;
		int err = virtq_next_chain(vq, &con->chain);
		size_t n;

		if (err == 0)
			break;
		if (err < 0) {
			virtio_device_fail(dev, VIRTIO_CONSOLE_RX_QUEUE, -err);
			break;
		}
		if (chain->readable_count != 0 || chain->writable_len == 0)
			log_limited(&dev->vm->log, &con->request_log, LOG_WARN,
				    "%s: receive request has %u device-readable segment(s) and "
				    "%llu writable byte(s); readable ones are ignored",
				    dev->name, chain->readable_count,
				    (unsigned long long)chain->writable_len);
		n = len - taken < chain->writable_len ? len - taken : (size_t)chain->writable_len;
		if (n != 0 && virtq_chain_write(vq, chain, 0, data + taken, n) < 0) {
			virtio_device_fail(dev, VIRTIO_CONSOLE_RX_QUEUE, VIRTQ_ERR_BUFFER_ADDRESS);
			break;
		}
		virtio_complete(dev, VIRTIO_CONSOLE_RX_QUEUE, chain->head, (uint32_t)n);
		if (!virtio_device_live(dev))
			break; /* the used ring was bad: this input never reached the guest */
		taken += n;
	}
	return taken;
}

static uint64_t console_features(struct virtio_device *dev)
{
	(void)dev;
	return 0; /* one port, no size, no emergency write: see console.h */
}

static void console_config_read(struct virtio_device *dev, uint32_t offset, uint8_t size,
				uint64_t *value)
{
	/*
	 * cols, rows, max_nr_ports and emerg_wr are valid only with features
	 * this device does not offer; the driver reads none of them.
	 */
	(void)dev;
	(void)offset;
	(void)size;
	*value = 0;
}

static void console_queue_notify(struct virtio_device *dev, unsigned queue)
{
	/*
	 * New receive buffers need no action here: the host offers held-back
	 * input again from its timer, as for the PL011.
	 */
	if (queue == VIRTIO_CONSOLE_TX_QUEUE)
		console_transmit(console_from_dev(dev));
}

static void console_driver_ok(struct virtio_device *dev)
{
	/* Output posted before DRIVER_OK may be taken only now. */
	console_transmit(console_from_dev(dev));
}

static void console_reset(struct virtio_device *dev)
{
	/* Output already taken from the guest is not lost to a reset. */
	virtio_console_flush(console_from_dev(dev));
}

static const struct virtio_device_ops console_ops = {
    .device_id = VIRTIO_ID_CONSOLE,
    .num_queues = 2,
    .features = console_features,
    .config_read = console_config_read,
    .queue_notify = console_queue_notify,
    .driver_ok = console_driver_ok,
    .reset = console_reset,
};

int virtio_console_init(struct virtio_console *con, struct vm *vm, const char *name,
			const struct virtio_console_backend *backend)
{
	if (backend == NULL)
		return -SVMM_EINVAL;
	memset(con, 0, sizeof(*con));
	virtio_device_init(&con->virtio, &console_ops, vm, name);
	con->backend = *backend;
	return 0;
}
