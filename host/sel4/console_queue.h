/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One VM's console between its svmm and the console multiplexer PD, in a
 * system of several VMs on seL4: one 4 KiB memory region mapped into those
 * two protection domains only (config/sdf.c), and a channel between them.
 *
 *   0x000  struct conq_header   magic, version, VM state, four indices
 *   0x040  output ring          CONQ_OUT_SIZE bytes, svmm -> multiplexer
 *   0xc40  input ring           CONQ_IN_SIZE bytes, multiplexer -> svmm
 *
 * Each ring is a single-producer single-consumer byte ring with free-running
 * 32-bit indices (empty when head == tail, full when head - tail == size);
 * bytes are written before the release store of the head that publishes
 * them and read after the acquire load that found them. svmm initialises
 * the header and owns `state`; the multiplexer serves only a queue with the
 * right magic and version. Either side notifies the other on the channel
 * after producing; output that finds the ring full is dropped (counted), as
 * on a UART nobody reads, so a stalled multiplexer never stalls a VM.
 *
 * Pure (no Microkit): tests/unit/test_console_queue.c runs both ends.
 */
#ifndef SVMM_HOST_SEL4_CONSOLE_QUEUE_H
#define SVMM_HOST_SEL4_CONSOLE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONQ_MAGIC	 0x716e6f63u /* "conq" in little-endian bytes */
#define CONQ_VERSION	 1u
#define CONQ_REGION_SIZE 0x1000u
#define CONQ_OUT_OFFSET	 0x40u
#define CONQ_OUT_SIZE	 0xc00u
#define CONQ_IN_OFFSET	 (CONQ_OUT_OFFSET + CONQ_OUT_SIZE)
#define CONQ_IN_SIZE	 0x3c0u

/* What the VM is doing, as its svmm last said; the multiplexer reports changes. */
enum conq_vm_state {
	CONQ_STATE_BOOTING = 1,
	CONQ_STATE_RUNNING = 2,
	CONQ_STATE_REBOOTING = 3,
	CONQ_STATE_STOPPED = 4, /* powered off, or stopped on a fault or its reboot policy */
};

struct conq_header {
	uint32_t magic;
	uint32_t version;
	uint32_t state; /* enum conq_vm_state */
	uint32_t out_head, out_tail;
	uint32_t in_head, in_tail;
	uint32_t out_dropped; /* bytes svmm dropped for want of room */
	uint8_t reserved[CONQ_OUT_OFFSET - 32];
};

struct conq {
	struct conq_header *header;
	uint8_t *out, *in;
};

/* svmm's end: takes the region and initialises it. -SVMM_EINVAL for a bad region. */
int conq_client_init(struct conq *q, void *region, size_t size);

/* The multiplexer's end: 0, or -SVMM_EINVAL while the region is not initialised. */
int conq_server_attach(struct conq *q, void *region, size_t size);

/* svmm: queues output; how many bytes fit (the rest is dropped and counted). */
size_t conq_write_output(struct conq *q, const uint8_t *data, size_t len);

/* svmm: takes up to `max` input bytes. */
size_t conq_read_input(struct conq *q, uint8_t *data, size_t max);

/* svmm: the VM's state, for the multiplexer. */
void conq_set_state(struct conq *q, enum conq_vm_state state);

/* Multiplexer: takes up to `max` output bytes. */
size_t conq_read_output(struct conq *q, uint8_t *data, size_t max);

/* Multiplexer: queues input; how many bytes fit. */
size_t conq_write_input(struct conq *q, const uint8_t *data, size_t len);

/* Multiplexer: the VM's state as svmm last set it. */
enum conq_vm_state conq_state(const struct conq *q);

#endif
