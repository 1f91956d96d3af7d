/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console (virtio 1.2, section 5.3) with a single port and none of
 * the optional features: no MULTIPORT (so no control queues), no SIZE (the
 * host does not track a terminal size to report), no EMERG_WRITE (one
 * config write per character; the PL011 serves early output). Linux names
 * the port hvc0.
 *
 * Output is coalesced as on the PL011 (dev/pl011.h): the guest's transmit
 * buffers are copied into a staging buffer that goes to the backend when
 * a buffer that held a newline has been taken, when the staging buffer
 * fills, or when the host calls virtio_console_flush() (from the same short
 * timer that flushes the PL011). Linux's hvc layer hands printk output over
 * in small pieces, one notify each, so this turns a kernel log line into
 * one host write instead of several.
 *
 * Input works like pl011_receive(): the host offers bytes, the device puts
 * as many as fit in the buffers the guest has posted, and the host offers
 * the rest again later (from the same timer).
 */
#ifndef SVMM_VIRTIO_CONSOLE_H
#define SVMM_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "core/vm.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"

#define VIRTIO_CONSOLE_RX_QUEUE	 0 /* receiveq(port0): host to guest */
#define VIRTIO_CONSOLE_TX_QUEUE	 1 /* transmitq(port0): guest to host */
#define VIRTIO_CONSOLE_TX_BUFFER 4096
/*
 * Most bytes taken from one transmit request; the rest is dropped (and
 * logged). Linux sends at most 32 KiB per request; the cap bounds the copy
 * one descriptor chain can cause, whose segments may all name the same
 * guest pages.
 */
#define VIRTIO_CONSOLE_MAX_TX_REQUEST 65536u

struct virtio_console_backend {
	/* Takes guest output, in whole coalesced chunks; same shape as struct pl011_backend. */
	void (*write)(void *ctx, const uint8_t *data, size_t len);
	/*
	 * Optional: output without a newline waits in the buffer; the host
	 * should call virtio_console_flush() soon (as for the PL011).
	 */
	void (*output_pending)(void *ctx);
	void *ctx;
};

struct virtio_console {
	struct virtio_device virtio; /* first: the transport drives this */
	struct virtio_console_backend backend;
	struct log_ratelimit request_log; /* requests against the spec */
	/* Scratch for the request being served; too big for a small stack. */
	struct virtq_chain chain;
	uint8_t tx_buffer[VIRTIO_CONSOLE_TX_BUFFER];
	size_t tx_len;
	bool tx_newline; /* the requests served in this notify ended a line */
};

/*
 * Sets up the device (attach it to a transport afterwards, e.g.
 * virtio_mmio_init(&mmio, &con->virtio, ...)). `backend` is copied; its
 * write may be NULL, which discards output. 0, or -SVMM_EINVAL when
 * `backend` is NULL.
 */
int virtio_console_init(struct virtio_console *con, struct vm *vm, const char *name,
			const struct virtio_console_backend *backend);

/*
 * Input from the host: copies as much of `data` as fits into the receive
 * buffers the guest has posted, returns them to the guest and returns how
 * many bytes it took. 0 while the driver is not running or has posted no
 * buffers; the rest should be offered again later. Call with the VM's
 * device lock held, as for every device entry point.
 */
size_t virtio_console_receive(struct virtio_console *con, const uint8_t *data, size_t len);

/* Hands buffered output to the backend (device lock held: vCPUs fill the buffer). */
void virtio_console_flush(struct virtio_console *con);

#endif
