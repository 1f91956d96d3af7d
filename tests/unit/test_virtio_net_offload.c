/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net's offloads: what is offered for which backend, the guest's
 * transmit header checked and passed on as a copy, the host's receive
 * header checked against what the driver accepted, and the receive
 * offloads handed to the backend. The device is driven directly on fake
 * guest RAM (tests/fuzz/fake_guest.h), without a transport.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/vm.h"
#include "tests/fuzz/fake_guest.h"
#include "virtio/net.h"

#define RAM_GPA	 0x40000000ull
#define RAM_SIZE (1u << 20)
#define RXQ_BASE RAM_GPA
#define TXQ_BASE (RAM_GPA + 0x4000)
#define TX_BUF	 (RAM_GPA + 0x10000)
#define RX_BUFS	 (RAM_GPA + 0x40000)
#define QSIZE	 64

#define BIT(b) (1ull << (b))
#define TX_OFFLOADS                                                                                \
	(BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6) |      \
	 BIT(VIRTIO_NET_F_HOST_USO))
#define ALL_OFFLOADS VIRTIO_NET_OFFLOAD_FEATURES

static const uint8_t test_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

struct fake_backend {
	unsigned sends, pieces;
	const void *first_base; /* where the first piece was: guest RAM or not */
	size_t len;
	uint8_t data[VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME];
	unsigned offload_calls;
	uint64_t offloads;
};

struct fixture {
	struct vm vm;
	struct fake_guest g;
	struct fake_irq irq;
	struct fake_log log;
	struct fake_transport t;
	struct fake_ring rx, tx;
	struct virtio_net net;
	struct fake_backend b;
	uint8_t frame[VIRTIO_NET_MAX_FRAME];
};

static int fake_send(void *ctx, const struct net_iovec *iov, unsigned count)
{
	struct fake_backend *b = ctx;

	b->sends++;
	b->pieces = count;
	b->first_base = count > 0 ? iov[0].base : NULL;
	b->len = 0;
	for (unsigned i = 0; i < count; i++) {
		assert_true(b->len + iov[i].len <= sizeof(b->data));
		memcpy(b->data + b->len, iov[i].base, iov[i].len);
		b->len += iov[i].len;
	}
	return 0;
}

static void fake_set_offloads(void *ctx, uint64_t offloads)
{
	struct fake_backend *b = ctx;

	b->offload_calls++;
	b->offloads = offloads;
}

static const struct net_backend_ops fake_ops = {.send = fake_send,
						.set_offloads = fake_set_offloads};

/* A device over a backend with or without headers, offering `offloads`. */
static struct fixture *fixture_new(bool with_header, uint64_t offloads)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct log_sink sink;
	struct virtio_net_backend backend;

	assert_non_null(f);
	sink = fake_log_sink(&f->log);
	vm_init(&f->vm, "test", &sink);
	fake_irq_attach(&f->irq, &f->vm);
	assert_int_equal(fake_guest_init(&f->g, &f->vm.mem, RAM_GPA, RAM_SIZE), 0);
	backend = (struct virtio_net_backend){
	    .ops = &fake_ops, .ctx = &f->b, .with_header = with_header, .offloads = offloads};
	assert_int_equal(virtio_net_init(&f->net, &f->vm, "virtio-net0", test_mac, &backend), 0);
	fake_transport_attach(&f->t, &f->net.dev);
	return f;
}

static void fixture_free(struct fixture *f)
{
	fake_guest_free(&f->g);
	free(f);
}

/* The driver accepts `features` (MRG_RXBUF always), sets up both queues and DRIVER_OK. */
static void start(struct fixture *f, uint64_t features)
{
	fake_driver_bring_up(&f->net.dev, features | BIT(VIRTIO_NET_F_MRG_RXBUF));
	fake_ring_init(&f->rx, &f->g, QSIZE, RXQ_BASE);
	fake_ring_init(&f->tx, &f->g, QSIZE, TXQ_BASE);
	assert_int_equal(fake_ring_enable(&f->rx, &f->net.dev, VIRTIO_NET_RXQ), 0);
	assert_int_equal(fake_ring_enable(&f->tx, &f->net.dev, VIRTIO_NET_TXQ), 0);
	fake_driver_ok(&f->net.dev);
}

static void put_hdr(uint8_t hdr[VIRTIO_NET_HDR_LEN], uint8_t flags, uint8_t gso, uint16_t hdr_len,
		    uint16_t gso_size, uint16_t csum_start, uint16_t csum_offset)
{
	const uint16_t fields[] = {hdr_len, gso_size, csum_start, csum_offset, 0};

	hdr[0] = flags;
	hdr[1] = gso;
	for (unsigned i = 0; i < 5; i++) {
		hdr[2 + 2 * i] = (uint8_t)fields[i];
		hdr[3 + 2 * i] = (uint8_t)(fields[i] >> 8);
	}
}

static uint16_t le16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void fill_frame(uint8_t *frame, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(seed + i * 11 + (i >> 8));
}

/* Queues one transmit request, header then frame, in two pieces, and notifies. */
static void transmit(struct fixture *f, const uint8_t hdr[VIRTIO_NET_HDR_LEN], size_t len)
{
	struct fake_buf bufs[2] = {{TX_BUF, VIRTIO_NET_HDR_LEN, false},
				   {TX_BUF + VIRTIO_NET_HDR_LEN, (uint32_t)len, false}};

	assert_true(fake_guest_write(&f->g, TX_BUF, hdr, VIRTIO_NET_HDR_LEN));
	assert_true(fake_guest_write(&f->g, TX_BUF + VIRTIO_NET_HDR_LEN, f->frame, len));
	fake_ring_post(&f->tx, bufs, 2);
	f->net.dev.ops->queue_notify(&f->net.dev, VIRTIO_NET_TXQ);
}

/* Posts `n` receive buffers of `size` bytes each. */
static void post_rx(struct fixture *f, unsigned n, uint32_t size)
{
	for (unsigned i = 0; i < n; i++) {
		struct fake_buf buf = {RX_BUFS + (uint64_t)i * size, size, true};

		fake_ring_post(&f->rx, &buf, 1);
	}
}

static bool offered(struct fixture *f, unsigned bit)
{
	return (f->net.dev.ops->features(&f->net.dev) & BIT(bit)) != 0;
}

/* ---- what is offered ---- */

static void test_offers_only_what_the_backend_carries(void **state)
{
	struct fixture *f = fixture_new(false, 0);
	struct virtio_net other;
	struct virtio_net_backend bad = {.ops = &fake_ops, .offloads = BIT(VIRTIO_NET_F_CSUM)};

	(void)state;
	/* A backend without headers (passt): no offload at all. */
	assert_int_equal(f->net.dev.ops->features(&f->net.dev) & ALL_OFFLOADS, 0);
	assert_true(offered(f, VIRTIO_NET_F_MRG_RXBUF));
	/* Offloads over a backend that drops the header, or ones the device does not know. */
	assert_int_equal(virtio_net_init(&other, &f->vm, "x", test_mac, &bad), -SVMM_EINVAL);
	bad.with_header = true;
	bad.offloads = BIT(9); /* GUEST_ECN */
	assert_int_equal(virtio_net_init(&other, &f->vm, "x", test_mac, &bad), -SVMM_EINVAL);
	fixture_free(f);

	/* A tap whose kernel takes checksums and TCP segmentation only. */
	f = fixture_new(true, BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) |
				  BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO4));
	assert_true(offered(f, VIRTIO_NET_F_CSUM));
	assert_true(offered(f, VIRTIO_NET_F_GUEST_CSUM));
	assert_true(offered(f, VIRTIO_NET_F_HOST_TSO4));
	assert_true(offered(f, VIRTIO_NET_F_GUEST_TSO4));
	assert_false(offered(f, VIRTIO_NET_F_HOST_TSO6));
	assert_false(offered(f, VIRTIO_NET_F_HOST_USO));
	assert_true(offered(f, VIRTIO_NET_F_MRG_RXBUF));
	fixture_free(f);
}

/* ---- transmit ---- */

static void test_tx_partial_checksum_goes_as_a_copy(void **state)
{
	struct fixture *f = fixture_new(true, ALL_OFFLOADS);
	uint8_t hdr[VIRTIO_NET_HDR_LEN];
	uint32_t id, len;

	(void)state;
	start(f, BIT(VIRTIO_NET_F_CSUM));
	fill_frame(f->frame, 1514, 1);
	/* A TCP checksum at 34 + 16 in a 1514-byte frame; DATA_VALID is no driver's to set. */
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 34, 16);
	transmit(f, hdr, 1514);
	assert_int_equal(f->b.sends, 1);
	assert_int_equal(f->b.len, VIRTIO_NET_HDR_LEN + 1514);
	/* The header piece is the device's checked copy, not guest memory. */
	assert_true(f->b.first_base == (const void *)f->net.tx_hdr);
	assert_int_equal(f->b.data[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(le16_at(f->b.data + 6), 34);
	assert_int_equal(le16_at(f->b.data + 8), 16);
	assert_memory_equal(f->b.data + VIRTIO_NET_HDR_LEN, f->frame, 1514);
	assert_true(fake_ring_pop_used(&f->tx, &id, &len));
	assert_int_equal(f->net.stats.tx_frames, 1);
	assert_int_equal(f->net.stats.tx_errors, 0);
	fixture_free(f);
}

static void test_tx_64k_segmentation_frame(void **state)
{
	struct fixture *f = fixture_new(true, ALL_OFFLOADS);
	uint8_t hdr[VIRTIO_NET_HDR_LEN];

	(void)state;
	start(f, BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_HOST_TSO4));
	fill_frame(f->frame, VIRTIO_NET_MAX_FRAME, 9);
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 66, 1448, 34, 16);
	transmit(f, hdr, VIRTIO_NET_MAX_FRAME);
	assert_int_equal(f->b.sends, 1);
	assert_int_equal(f->b.len, VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME);
	assert_int_equal(f->b.data[1], VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(le16_at(f->b.data + 2), 66);
	assert_int_equal(le16_at(f->b.data + 4), 1448);
	assert_memory_equal(f->b.data + VIRTIO_NET_HDR_LEN, f->frame, VIRTIO_NET_MAX_FRAME);
	assert_int_equal(f->net.stats.tx_bytes, VIRTIO_NET_MAX_FRAME);
	fixture_free(f);
}

struct bad_tx {
	const char *what;
	uint64_t features;
	uint8_t flags, gso;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

static void test_tx_hostile_headers_dropped(void **state)
{
	static const uint64_t csum = BIT(VIRTIO_NET_F_CSUM);
	static const uint64_t tso4 = BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_HOST_TSO4);
	static const struct bad_tx cases[] = {
	    {"partial checksum not negotiated", 0, 1, 0, 0, 0, 34, 16},
	    {"checksum in the Ethernet header", csum, 1, 0, 0, 0, 13, 0},
	    {"checksum one byte past the end", csum, 1, 0, 0, 0, 1000, 999},
	    {"checksum position that would wrap", csum, 1, 0, 0, 0, 0xffff, 0xffff},
	    {"TSO not negotiated", csum, 1, VIRTIO_NET_HDR_GSO_TCPV4, 54, 1448, 34, 16},
	    {"TSO6 with only TSO4", tso4, 1, VIRTIO_NET_HDR_GSO_TCPV6, 74, 1428, 54, 16},
	    {"UFO, never offered", tso4, 1, VIRTIO_NET_HDR_GSO_UDP, 42, 1400, 34, 6},
	    {"ECN, never offered", tso4, 1, VIRTIO_NET_HDR_GSO_TCPV4 | 0x80, 54, 1448, 34, 16},
	    {"ECN bit without segmentation", tso4, 0, 0x80, 0, 0, 0, 0},
	    {"unknown segmentation type", tso4, 1, 2, 54, 1448, 34, 16},
	    {"segmentation without partial checksum", tso4, 0, VIRTIO_NET_HDR_GSO_TCPV4, 54, 1448,
	     0, 0},
	    {"segments of 0 bytes", tso4, 1, VIRTIO_NET_HDR_GSO_TCPV4, 54, 0, 34, 16},
	    {"header length past the frame", tso4, 1, VIRTIO_NET_HDR_GSO_TCPV4, 2001, 1448, 34, 16},
	};
	uint8_t hdr[VIRTIO_NET_HDR_LEN];

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_tx *c = &cases[i];
		struct fixture *f = fixture_new(true, ALL_OFFLOADS);
		uint32_t id, len;

		print_message("case: %s\n", c->what);
		start(f, c->features);
		fill_frame(f->frame, 2000, (uint8_t)i);
		put_hdr(hdr, c->flags, c->gso, c->hdr_len, c->gso_size, c->csum_start,
			c->csum_offset);
		transmit(f, hdr, 2000);
		/* Dropped and counted; the chain comes back; the device goes on. */
		assert_int_equal(f->b.sends, 0);
		assert_int_equal(f->net.stats.tx_errors, 1);
		assert_true(fake_ring_pop_used(&f->tx, &id, &len));
		assert_int_equal(f->t.needs_reset, 0);
		assert_true(f->log.count > 0);
		/* The very next frame, well formed, still goes. */
		put_hdr(hdr, 0, 0, 0, 0, 0, 0);
		transmit(f, hdr, 60);
		assert_int_equal(f->b.sends, 1);
		fixture_free(f);
	}
}

static void test_tx_edges_that_fit(void **state)
{
	struct fixture *f = fixture_new(true, ALL_OFFLOADS);
	uint8_t hdr[VIRTIO_NET_HDR_LEN];

	(void)state;
	start(f, TX_OFFLOADS);
	fill_frame(f->frame, 2000, 4);
	/* The checksum's last byte is the frame's last byte. */
	put_hdr(hdr, 1, 0, 0, 0, 1000, 998);
	transmit(f, hdr, 2000);
	/* hdr_len exactly the frame; UDP segmentation with HOST_USO. */
	put_hdr(hdr, 1, VIRTIO_NET_HDR_GSO_UDP_L4, 2000, 1400, 34, 6);
	transmit(f, hdr, 2000);
	/* Without a partial checksum, leftover numbers go as zeros. */
	put_hdr(hdr, 0, 0, 77, 88, 99, 11);
	transmit(f, hdr, 2000);
	assert_int_equal(f->b.sends, 3);
	assert_int_equal(f->net.stats.tx_errors, 0);
	assert_memory_equal(f->b.data, (uint8_t[VIRTIO_NET_HDR_LEN]){0}, VIRTIO_NET_HDR_LEN);
	fixture_free(f);
}

static void test_tx_without_header_backend_as_before(void **state)
{
	struct fixture *f = fixture_new(false, 0);
	uint8_t hdr[VIRTIO_NET_HDR_LEN];

	(void)state;
	start(f, 0);
	fill_frame(f->frame, 100, 2);
	/* The frame alone reaches the backend. */
	put_hdr(hdr, 0, 0, 0, 0, 0, 0);
	transmit(f, hdr, 100);
	assert_int_equal(f->b.sends, 1);
	assert_int_equal(f->b.len, 100);
	assert_memory_equal(f->b.data, f->frame, 100);
	/* No checksum offload was offered, so none is taken. */
	put_hdr(hdr, 1, 0, 0, 0, 34, 16);
	transmit(f, hdr, 100);
	assert_int_equal(f->b.sends, 1);
	assert_int_equal(f->net.stats.tx_errors, 1);
	fixture_free(f);
}

/* ---- receive ---- */

static void test_rx_64k_segment_with_its_header(void **state)
{
	struct fixture *f = fixture_new(true, ALL_OFFLOADS);
	uint8_t hdr[VIRTIO_NET_HDR_LEN], got[VIRTIO_NET_HDR_LEN];
	uint8_t *back = malloc(VIRTIO_NET_MAX_FRAME);
	uint32_t id, len;
	unsigned buffers;

	(void)state;
	assert_non_null(back);
	start(f, BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_GUEST_TSO4));
	post_rx(f, 20, 4096);
	fill_frame(f->frame, VIRTIO_NET_MAX_FRAME, 5);
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 66, 1448, 34, 16);
	hdr[10] = 0xaa; /* the kernel leaves num_buffers as it was: the device writes it */
	assert_int_equal(virtio_net_receive_hdr(&f->net, hdr, f->frame, VIRTIO_NET_MAX_FRAME), 0);
	buffers = (VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME + 4095) / 4096;
	assert_int_equal(fake_ring_used_idx(&f->rx), buffers);
	assert_true(fake_guest_read(&f->g, RX_BUFS, got, sizeof(got)));
	assert_memory_equal(got, hdr, 10);
	assert_int_equal(le16_at(got + VIRTIO_NET_HDR_NUM_BUFFERS), buffers);
	/* The buffers are consecutive here: the frame reads back whole after the header. */
	assert_true(
	    fake_guest_read(&f->g, RX_BUFS + VIRTIO_NET_HDR_LEN, back, VIRTIO_NET_MAX_FRAME));
	assert_memory_equal(back, f->frame, VIRTIO_NET_MAX_FRAME);
	assert_true(fake_ring_pop_used(&f->rx, &id, &len));
	assert_int_equal(len, 4096);
	assert_int_equal(f->net.stats.rx_frames, 1);
	free(back);
	fixture_free(f);
}

static void test_rx_header_not_negotiated_dropped(void **state)
{
	struct fixture *f = fixture_new(true, ALL_OFFLOADS);
	uint8_t hdr[VIRTIO_NET_HDR_LEN], got[VIRTIO_NET_HDR_LEN];

	(void)state;
	/* Checksums only: as after a reset, the tap may still hold segments for the old driver. */
	start(f, BIT(VIRTIO_NET_F_GUEST_CSUM));
	post_rx(f, 4, 2048);
	fill_frame(f->frame, 3000, 6);
	put_hdr(hdr, 1, VIRTIO_NET_HDR_GSO_TCPV4, 66, 1448, 34, 16);
	assert_int_equal(virtio_net_receive_hdr(&f->net, hdr, f->frame, 3000), -SVMM_EINVAL);
	put_hdr(hdr, 1, VIRTIO_NET_HDR_GSO_TCPV4 | 0x80, 66, 1448, 34, 16);
	assert_int_equal(virtio_net_receive_hdr(&f->net, hdr, f->frame, 3000), -SVMM_EINVAL);
	put_hdr(hdr, 1, 0, 0, 0, 2990, 16);
	assert_int_equal(virtio_net_receive_hdr(&f->net, hdr, f->frame, 3000), -SVMM_EINVAL);
	assert_int_equal(f->net.stats.rx_dropped, 3);
	/* Nothing was taken from the ring: the next good frame gets the first buffer. */
	assert_int_equal(fake_ring_used_idx(&f->rx), 0);
	put_hdr(hdr, 1, 0, 0, 0, 34, 16);
	assert_int_equal(virtio_net_receive_hdr(&f->net, hdr, f->frame, 1000), 0);
	assert_true(fake_guest_read(&f->g, RX_BUFS, got, sizeof(got)));
	assert_int_equal(got[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(f->t.needs_reset, 0);
	fixture_free(f);

	/* No GUEST_CSUM: a partial checksum is dropped, DATA_VALID cleared. */
	f = fixture_new(true, ALL_OFFLOADS);
	start(f, 0);
	post_rx(f, 4, 2048);
	put_hdr(hdr, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0, 34, 16);
	assert_int_equal(virtio_net_receive_hdr(&f->net, hdr, f->frame, 1000), -SVMM_EINVAL);
	put_hdr(hdr, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 0, 0);
	assert_int_equal(virtio_net_receive_hdr(&f->net, hdr, f->frame, 1000), 0);
	assert_true(fake_guest_read(&f->g, RX_BUFS, got, sizeof(got)));
	assert_memory_equal(got, (uint8_t[10]){0}, 10);
	assert_int_equal(le16_at(got + VIRTIO_NET_HDR_NUM_BUFFERS), 1);
	fixture_free(f);
}

/* ---- the offloads the backend is told ---- */

static void test_receive_offloads_reach_backend(void **state)
{
	struct fixture *f = fixture_new(true, ALL_OFFLOADS);
	const uint64_t uso = BIT(VIRTIO_NET_F_GUEST_USO4) | BIT(VIRTIO_NET_F_GUEST_USO6);

	(void)state;
	/* What the driver took on receive, transmit bits left out. */
	start(f, BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) |
		     BIT(VIRTIO_NET_F_GUEST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO6));
	assert_int_equal(f->b.offload_calls, 1);
	assert_int_equal(f->b.offloads, BIT(VIRTIO_NET_F_GUEST_CSUM) |
					    BIT(VIRTIO_NET_F_GUEST_TSO4) |
					    BIT(VIRTIO_NET_F_GUEST_TSO6));
	/* Reset: none, until the next driver says. */
	virtio_device_reset(&f->net.dev);
	assert_int_equal(f->b.offload_calls, 2);
	assert_int_equal(f->b.offloads, 0);
	/* Segmentation without GUEST_CSUM means nothing; one USO family alone neither. */
	start(f, BIT(VIRTIO_NET_F_GUEST_TSO4));
	assert_int_equal(f->b.offloads, 0);
	start(f, BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_GUEST_USO4));
	assert_int_equal(f->b.offloads, BIT(VIRTIO_NET_F_GUEST_CSUM));
	start(f, BIT(VIRTIO_NET_F_GUEST_CSUM) | uso);
	assert_int_equal(f->b.offloads, BIT(VIRTIO_NET_F_GUEST_CSUM) | uso);
	fixture_free(f);

	/* A backend with no offloads is never asked. */
	f = fixture_new(false, 0);
	start(f, 0);
	virtio_device_reset(&f->net.dev);
	assert_int_equal(f->b.offload_calls, 0);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_offers_only_what_the_backend_carries),
	    cmocka_unit_test(test_tx_partial_checksum_goes_as_a_copy),
	    cmocka_unit_test(test_tx_64k_segmentation_frame),
	    cmocka_unit_test(test_tx_hostile_headers_dropped),
	    cmocka_unit_test(test_tx_edges_that_fit),
	    cmocka_unit_test(test_tx_without_header_backend_as_before),
	    cmocka_unit_test(test_rx_64k_segment_with_its_header),
	    cmocka_unit_test(test_rx_header_not_negotiated_dropped),
	    cmocka_unit_test(test_receive_offloads_reach_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
