/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for virtio-net: the input is a small program for a
 * hostile guest and host. Guest RAM is one exactly-sized heap block, so
 * AddressSanitizer reports any access the device makes outside it; the
 * backend reads every byte it is given for the same reason.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_virtio_net.c \
 *     virtio/net.c virtio/virtqueue.c virtio/device.c virtio/mmio.c core/bus.c \
 *     core/errors.c core/guest_mem.c core/log.c core/vm.c -o /tmp/fn
 *   /tmp/fn -max_total_time=60
 *
 * Program: one byte chooses the backend (with or without the virtio-net
 * header, and then the offloads it carries), two the queue size and
 * features (offloads among them), then operations, each an opcode byte and
 * its operands:
 *   post a chain (segment count, then offset/length/flags per segment),
 *   write raw bytes into RAM (rings included), notify RX or TX, deliver a
 *   frame from the host (with a header from the input when the backend
 *   has them), ask rx_ready, poll TX, read config, reset and restart the
 *   driver, toggle the link, post a transmit request whose header comes
 *   from the input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "virtio/mmio.h"
#include "virtio/net.h"

#define MMIO_BASE 0x0a000000ull
#define IRQ	  40u
#define RAM_GPA	  0x40000000ull
#define RAM_SIZE  0x10000u
/* Where op 11 puts a transmit request: past the rings, inside RAM. */
#define TX_REQ_OFF 0x8000u
#define TX_REQ_MAX (RAM_SIZE - TX_REQ_OFF)
/* Rings at fixed places so chains reach the device; buffers anywhere. */
#define DESC_OFF(q)  ((q)*0x2000u)
#define AVAIL_OFF(q) ((q)*0x2000u + 0x1000u)
#define USED_OFF(q)  ((q)*0x2000u + 0x1400u)

#define R_DRV_FEAT     0x020
#define R_DRV_FEAT_SEL 0x024
#define R_QUEUE_SEL    0x030
#define R_QUEUE_NUM    0x038
#define R_QUEUE_READY  0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_ACK      0x064
#define R_STATUS       0x070
#define R_DESC_LO      0x080
#define R_DESC_HI      0x084
#define R_AVAIL_LO     0x090
#define R_AVAIL_HI     0x094
#define R_USED_LO      0x0a0
#define R_USED_HI      0x0a4
#define R_CONFIG       0x100

struct harness {
	struct vm vm;
	uint8_t *ram;
	struct virtio_net net;
	struct virtio_mmio mmio;
	uint16_t qsize;
	uint64_t offloads_told; /* what set_offloads last said */
	uint16_t next_desc[2], avail_idx[2];
	volatile uint8_t sink;
	uint8_t frame[VIRTIO_NET_MAX_FRAME + 16];
};

struct input {
	const uint8_t *data;
	size_t len, at;
};

static uint8_t take8(struct input *in)
{
	return in->at < in->len ? in->data[in->at++] : 0;
}

static uint16_t take16(struct input *in)
{
	uint16_t lo = take8(in);

	return (uint16_t)(lo | take8(in) << 8);
}

static int fuzz_send(void *ctx, const struct net_iovec *iov, unsigned count)
{
	struct harness *h = ctx;
	uint8_t acc = 0;

	/* Touch every byte: ASan flags any piece that is not inside guest RAM. */
	for (unsigned i = 0; i < count; i++)
		for (size_t j = 0; j < iov[i].len; j++)
			acc ^= ((const uint8_t *)iov[i].base)[j];
	h->sink = acc;
	return (acc & 1) ? -1 : 0;
}

static void fuzz_rx_space(void *ctx)
{
	(void)ctx;
}

static void fuzz_tx_pending(void *ctx)
{
	(void)ctx;
}

static void fuzz_set_offloads(void *ctx, uint64_t offloads)
{
	struct harness *h = ctx;

	/* Only receive offloads the device offered may ever be turned on. */
	if ((offloads & ~(h->net.backend.offloads & VIRTIO_NET_GUEST_OFFLOADS)) != 0)
		abort();
	h->offloads_told = offloads;
}

static const struct net_backend_ops fuzz_ops = {
    .send = fuzz_send,
    .rx_space = fuzz_rx_space,
    .tx_pending = fuzz_tx_pending,
    .set_offloads = fuzz_set_offloads,
};

/* Offload bits a byte of input picks, one per bit. */
static uint64_t offload_choice(uint8_t byte)
{
	static const unsigned bits[8] = {
	    VIRTIO_NET_F_CSUM,	    VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_HOST_TSO4,
	    VIRTIO_NET_F_HOST_TSO6, VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6,
	    VIRTIO_NET_F_HOST_USO,  VIRTIO_NET_F_GUEST_USO4,
	};
	uint64_t features = 0;

	for (unsigned i = 0; i < 8; i++)
		if (byte >> i & 1)
			features |= 1ull << bits[i];
	/* The last bit takes both UDP families, as the tap does. */
	if (byte & 0x80)
		features |= 1ull << VIRTIO_NET_F_GUEST_USO6;
	return features;
}

static int irq_set(void *ctx, unsigned line, bool level)
{
	(void)ctx;
	(void)line;
	(void)level;
	return 0;
}

static void reg(struct harness *h, uint64_t offset, uint8_t size, bool write, uint32_t value)
{
	struct access acc = {
	    .gpa = MMIO_BASE + offset, .size = size, .is_write = write, .value = value};

	bus_dispatch(&h->vm.mmio, &acc);
}

static void put(struct harness *h, uint32_t off, uint64_t value, unsigned bytes)
{
	for (unsigned i = 0; i < bytes && off + i < RAM_SIZE; i++)
		h->ram[off + i] = (uint8_t)(value >> (8 * i));
}

static void driver_start(struct harness *h, uint8_t choice, uint8_t offload_byte)
{
	static const uint16_t sizes[] = {1, 2, 4, 8, 16, 64, 256, 3};
	uint32_t features = 1u << VIRTIO_NET_F_MAC | 1u << VIRTIO_NET_F_STATUS;
	/* Offered ones mostly (else FEATURES_OK fails); now and then anything. */
	uint64_t offloads =
	    offload_choice(offload_byte) & ((choice & 128) ? ~0ull : h->net.backend.offloads);

	h->qsize = sizes[choice & 7];
	if (choice & 8)
		features |= 1u << VIRTIO_NET_F_MRG_RXBUF;
	reg(h, R_STATUS, 4, true, 0);
	reg(h, R_STATUS, 4, true, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	reg(h, R_DRV_FEAT_SEL, 4, true, 1);
	reg(h, R_DRV_FEAT, 4, true, 1 | (uint32_t)(offloads >> 32)); /* VERSION_1, USO */
	/* Now and then EVENT_IDX and INDIRECT_DESC (bits 29 and 28, in the low word). */
	if (choice & 16)
		features |= 1u << VIRTIO_F_EVENT_IDX;
	if (choice & 64)
		features |= 1u << VIRTIO_F_INDIRECT_DESC;
	reg(h, R_DRV_FEAT_SEL, 4, true, 0);
	reg(h, R_DRV_FEAT, 4, true, features | (uint32_t)offloads);
	reg(h, R_STATUS, 4, true,
	    VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	for (unsigned q = 0; q < 2; q++) {
		reg(h, R_QUEUE_SEL, 4, true, q);
		reg(h, R_QUEUE_NUM, 4, true, h->qsize);
		reg(h, R_DESC_LO, 4, true, (uint32_t)(RAM_GPA + DESC_OFF(q)));
		reg(h, R_DESC_HI, 4, true, (uint32_t)((RAM_GPA + DESC_OFF(q)) >> 32));
		reg(h, R_AVAIL_LO, 4, true, (uint32_t)(RAM_GPA + AVAIL_OFF(q)));
		reg(h, R_AVAIL_HI, 4, true, (uint32_t)((RAM_GPA + AVAIL_OFF(q)) >> 32));
		reg(h, R_USED_LO, 4, true, (uint32_t)(RAM_GPA + USED_OFF(q)));
		reg(h, R_USED_HI, 4, true, (uint32_t)((RAM_GPA + USED_OFF(q)) >> 32));
		reg(h, R_QUEUE_READY, 4, true, 1);
		h->next_desc[q] = 0;
		h->avail_idx[q] = 0;
		memset(h->ram + DESC_OFF(q), 0, 0x2000);
	}
	if (!(choice & 32))
		reg(h, R_STATUS, 4, true,
		    VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
			VIRTIO_STATUS_DRIVER_OK);
}

/* A chain shaped by the input: offsets and lengths may point anywhere. */
static void post_chain(struct harness *h, struct input *in)
{
	unsigned q = take8(in) & 1;
	unsigned n = take8(in) % 8 + 1;
	uint16_t size = h->qsize ? h->qsize : 1;
	uint16_t head = (uint16_t)(h->next_desc[q] % size);

	for (unsigned i = 0; i < n; i++) {
		uint16_t d = (uint16_t)((head + i) % size);
		uint32_t at = DESC_OFF(q) + 16u * d;
		uint8_t kind = take8(in);
		/* Mostly inside RAM above the rings; sometimes raw 64-bit garbage. */
		uint64_t gpa =
		    (kind & 0x80)
			? (uint64_t)take16(in) << 32 | (uint64_t)take16(in) << 16 | take16(in)
			: RAM_GPA + 0x4000u + take16(in) % (RAM_SIZE - 0x4000u);
		uint32_t len = (kind & 0x40) ? (uint32_t)take16(in) << 8 : take16(in) % 0x2000u;
		uint16_t flags = (uint16_t)(kind & 7);

		if (i + 1 < n)
			flags |= 1; /* NEXT */
		put(h, at, gpa, 8);
		put(h, at + 8, len, 4);
		put(h, at + 12, flags, 2);
		put(h, at + 14, (kind & 0x20) ? take8(in) : (uint16_t)((d + 1) % size), 2);
	}
	h->next_desc[q] = (uint16_t)((head + n) % size);
	put(h, AVAIL_OFF(q) + 4 + 2u * (h->avail_idx[q] % size), head, 2);
	h->avail_idx[q]++;
	put(h, AVAIL_OFF(q) + 2, h->avail_idx[q], 2);
}

/*
 * A transmit request with a header from the input (any flags, type and
 * numbers) and a frame of a chosen length, in one to three segments.
 */
static void post_tx_request(struct harness *h, struct input *in)
{
	uint32_t total = VIRTIO_NET_HDR_LEN + take16(in) % (TX_REQ_MAX - VIRTIO_NET_HDR_LEN);
	unsigned pieces = take8(in) % 3 + 1;
	uint16_t size = h->qsize ? h->qsize : 1;
	uint16_t head = (uint16_t)(h->next_desc[1] % size);
	uint32_t done = 0;

	for (unsigned i = 0; i < VIRTIO_NET_HDR_LEN; i++)
		h->ram[TX_REQ_OFF + i] = take8(in);
	for (unsigned i = 0; i < pieces; i++) {
		uint16_t d = (uint16_t)((head + i) % size);
		uint32_t at = DESC_OFF(1) + 16u * d;
		/* Cuts anywhere, the header's middle too; the last piece takes the rest. */
		uint32_t len = i + 1 < pieces ? take16(in) % (total - done + 1) : total - done;

		put(h, at, RAM_GPA + TX_REQ_OFF + done, 8);
		put(h, at + 8, len, 4);
		put(h, at + 12, i + 1 < pieces ? 1 : 0, 2);
		put(h, at + 14, (uint16_t)((d + 1) % size), 2);
		done += len;
	}
	h->next_desc[1] = (uint16_t)((head + pieces) % size);
	put(h, AVAIL_OFF(1) + 4 + 2u * (h->avail_idx[1] % size), head, 2);
	h->avail_idx[1]++;
	put(h, AVAIL_OFF(1) + 2, h->avail_idx[1], 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 1};
	struct input in = {.data = data, .len = len};
	struct harness *h = calloc(1, sizeof(*h));
	struct virtio_net_backend backend = {.ops = &fuzz_ops};
	unsigned steps = 0;

	if (h == NULL)
		return 0;
	/* Exactly RAM_SIZE bytes, so ASan's redzones sit right at its ends. */
	h->ram = calloc(1, RAM_SIZE);
	backend.ctx = h;
	{
		/* A tap with vnet headers (offloads as the input says) or passt (neither). */
		uint8_t mode = take8(&in);

		backend.with_header = mode & 1;
		backend.offloads = (mode & 1) ? offload_choice(take8(&in)) : 0;
	}
	vm_init(&h->vm, "fuzz", NULL);
	h->vm.irq_chip = (struct vm_irq_chip){.set_level = irq_set, .ctx = h};
	if (h->ram == NULL || guest_mem_add(&h->vm.mem, RAM_GPA, RAM_SIZE, h->ram) < 0 ||
	    virtio_net_init(&h->net, &h->vm, "virtio-net-fuzz", mac, &backend) < 0 ||
	    virtio_mmio_init(&h->mmio, &h->net.dev, MMIO_BASE, IRQ) < 0)
		goto out;
	driver_start(h, take8(&in), take8(&in));
	while (in.at < in.len && steps++ < 512) {
		uint8_t op = take8(&in);

		switch (op % 12) {
		case 0:
			post_chain(h, &in);
			break;
		case 1: {
			uint16_t off = take16(&in) % RAM_SIZE;
			unsigned n = take8(&in) % 16;

			for (unsigned i = 0; i < n; i++)
				put(h, (uint32_t)off + i, take8(&in), 1);
			break;
		}
		case 2:
			reg(h, R_QUEUE_NOTIFY, 4, true, take8(&in) % 3);
			break;
		case 3: {
			/* Sizes around every boundary: tiny, MTU, buffer sizes, the maximum. */
			static const uint32_t sizes[] = {0,    1,     14,    60,   1514,
							 4096, 65536, 65550, 65551};
			uint8_t pick = take8(&in);
			size_t flen = pick < 9 ? sizes[pick] : take16(&in);

			for (size_t i = 0; i < 32 && i < flen; i++)
				h->frame[i] = take8(&in);
			if (h->net.backend.with_header && (pick & 1)) {
				uint8_t hdr[VIRTIO_NET_HDR_LEN];

				for (unsigned i = 0; i < VIRTIO_NET_HDR_LEN; i++)
					hdr[i] = take8(&in);
				virtio_net_receive_hdr(&h->net, hdr, h->frame, flen);
			} else {
				virtio_net_receive(&h->net, h->frame, flen);
			}
			break;
		}
		case 4:
			virtio_net_rx_ready(&h->net);
			break;
		case 5:
			virtio_net_tx_poll(&h->net);
			break;
		case 6:
			reg(h, R_CONFIG + take8(&in), (uint8_t)(1u << (take8(&in) % 4)), false, 0);
			break;
		case 7:
			driver_start(h, take8(&in), take8(&in));
			break;
		case 8:
			virtio_net_set_link(&h->net, take8(&in) & 1);
			break;
		case 9:
			reg(h, R_INT_ACK, 4, true, 3);
			break;
		case 10:
			/* Corrupt the avail index: jumps and wraps. */
			put(h, AVAIL_OFF(take8(&in) & 1) + 2, take16(&in), 2);
			break;
		case 11:
			post_tx_request(h, &in);
			if (take8(&in) & 1)
				reg(h, R_QUEUE_NOTIFY, 4, true, 1);
			break;
		}
	}
out:
	free(h->ram);
	free(h);
	return 0;
}
