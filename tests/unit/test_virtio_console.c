/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console driven as a driver would drive it: split rings in a fake
 * guest RAM (tests/fuzz/fake_guest.h), the device brought up by setting
 * the state a transport would set, notifies delivered through its ops,
 * and a fake transport and output backend that record what it did.
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
#include "virtio/console.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"

#include "tests/fuzz/fake_guest.h"

#define RAM_GPA	 0x40000000ull
#define RAM_SIZE 0x40000ull /* 256 KiB */
#define QSIZE	 16
/* Queue q's rings, 12 KiB apart; buffers after them. */
#define RING_GPA(q) (RAM_GPA + 0x3000ull * (q))
#define DATA_GPA    (RAM_GPA + 0x8000)
#define POISON	    0xa5
#define RX	    VIRTIO_CONSOLE_RX_QUEUE
#define TX	    VIRTIO_CONSOLE_TX_QUEUE

struct output_record {
	unsigned writes;
	size_t len;
	uint8_t data[0x20000];
};

struct fixture {
	struct vm vm;
	struct virtio_console con;
	struct fake_guest g;
	struct fake_ring ring[2];
	struct fake_transport transport;
	struct fake_log log;
	struct output_record out;
};

static void fake_write(void *ctx, const uint8_t *data, size_t len)
{
	struct output_record *out = ctx;

	assert_true(len > 0);
	assert_true(out->len + len <= sizeof(out->data));
	memcpy(out->data + out->len, data, len);
	out->len += len;
	out->writes++;
}

static uint8_t *host(struct fixture *f, uint64_t gpa)
{
	uint8_t *p = fake_guest_ptr(&f->g, gpa, 1);

	assert_non_null(p);
	return p;
}

static int setup_with_backend(void **state, bool with_write)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct log_sink sink;
	struct virtio_console_backend backend = {.write = with_write ? fake_write : NULL};

	assert_non_null(f);
	sink = fake_log_sink(&f->log);
	backend.ctx = &f->out;
	vm_init(&f->vm, "test", &sink);
	assert_int_equal(fake_guest_init(&f->g, &f->vm.mem, RAM_GPA, RAM_SIZE), 0);
	for (unsigned q = 0; q < 2; q++)
		fake_ring_init(&f->ring[q], &f->g, QSIZE, RING_GPA(q));
	assert_int_equal(virtio_console_init(&f->con, &f->vm, "virtio-console0", &backend), 0);
	fake_transport_attach(&f->transport, &f->con.virtio);
	*state = f;
	return 0;
}

static int fixture_setup(void **state)
{
	return setup_with_backend(state, true);
}

static int fixture_setup_no_write(void **state)
{
	return setup_with_backend(state, false);
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	fake_guest_free(&f->g);
	free(f);
	return 0;
}

/* What a driver does through the transport: features, then both queues. */
static void set_up_queues(struct fixture *f, uint64_t features)
{
	fake_driver_bring_up(&f->con.virtio, features);
	for (unsigned q = 0; q < 2; q++)
		assert_int_equal(fake_ring_enable(&f->ring[q], &f->con.virtio, q), 0);
}

static void bring_up(struct fixture *f)
{
	set_up_queues(f, 0);
	fake_driver_ok(&f->con.virtio);
}

/* Posts one request of `n` buffers on queue q; returns its head descriptor. */
static uint16_t post(struct fixture *f, unsigned q, const struct fake_buf *bufs, unsigned n)
{
	return fake_ring_post(&f->ring[q], bufs, n);
}

/* Places `text` in guest RAM at gpa and posts it as a one-buffer transmit request. */
static uint16_t post_text(struct fixture *f, uint64_t gpa, const char *text)
{
	struct fake_buf b = {.gpa = gpa, .len = (uint32_t)strlen(text)};

	memcpy(host(f, gpa), text, b.len);
	return post(f, TX, &b, 1);
}

/* One receive buffer of len bytes at gpa, poisoned so writes show. */
static uint16_t post_rx(struct fixture *f, uint64_t gpa, uint32_t len)
{
	struct fake_buf b = {.gpa = gpa, .len = len, .device_writes = true};

	memset(host(f, gpa), POISON, len);
	return post(f, RX, &b, 1);
}

static void notify(struct fixture *f, unsigned q)
{
	f->con.virtio.ops->queue_notify(&f->con.virtio, q);
}

static uint16_t used_idx(struct fixture *f, unsigned q)
{
	return fake_ring_used_idx(&f->ring[q]);
}

static uint32_t used_id(struct fixture *f, unsigned q, unsigned i)
{
	uint32_t id, len;

	fake_ring_used_elem(&f->ring[q], (uint16_t)i, &id, &len);
	return id;
}

static uint32_t used_len(struct fixture *f, unsigned q, unsigned i)
{
	uint32_t id, len;

	fake_ring_used_elem(&f->ring[q], (uint16_t)i, &id, &len);
	return len;
}

static size_t receive(struct fixture *f, const char *text)
{
	return virtio_console_receive(&f->con, (const uint8_t *)text, strlen(text));
}

static void assert_output(struct fixture *f, const char *text)
{
	assert_int_equal(f->out.len, strlen(text));
	assert_memory_equal(f->out.data, text, strlen(text));
}

static void assert_untouched(struct fixture *f, uint64_t gpa, size_t len)
{
	const uint8_t *p = host(f, gpa);

	for (size_t i = 0; i < len; i++)
		assert_int_equal(p[i], POISON);
}

static void test_identity(void **state)
{
	struct fixture *f = *state;
	const struct virtio_device_ops *ops = f->con.virtio.ops;
	uint64_t value = 0xdeadbeef;

	assert_int_equal(ops->device_id, VIRTIO_ID_CONSOLE);
	assert_int_equal(ops->device_id, 3);
	assert_int_equal(ops->num_queues, 2);
	/* No SIZE, MULTIPORT or EMERG_WRITE. */
	assert_int_equal(ops->features(&f->con.virtio), 0);
	for (uint32_t offset = 0; offset < 12; offset += 4) {
		value = 0xdeadbeef;
		ops->config_read(&f->con.virtio, offset, 4, &value);
		assert_int_equal(value, 0);
	}
	assert_string_equal(f->con.virtio.name, "virtio-console0");
}

static void test_init_needs_backend(void **state)
{
	struct fixture *f = *state;
	struct virtio_console other;

	assert_int_equal(virtio_console_init(&other, &f->vm, "x", NULL), -SVMM_EINVAL);
}

static void test_tx_segments_in_order(void **state)
{
	struct fixture *f = *state;
	/* Out of address order, to show the bytes follow the chain. */
	struct fake_buf s[3] = {
	    {.gpa = DATA_GPA + 0x200, .len = 3},
	    {.gpa = DATA_GPA, .len = 3},
	    {.gpa = DATA_GPA + 0x100, .len = 6},
	};
	uint16_t head;

	bring_up(f);
	memcpy(host(f, DATA_GPA + 0x200), "hel", 3);
	memcpy(host(f, DATA_GPA), "lo ", 3);
	memcpy(host(f, DATA_GPA + 0x100), "world\n", 6);
	head = post(f, TX, s, 3);
	notify(f, TX);
	assert_output(f, "hello world\n");
	assert_int_equal(f->out.writes, 1);
	/* Returned, with nothing written into it. */
	assert_int_equal(used_idx(f, TX), 1);
	assert_int_equal(used_id(f, TX, 0), head);
	assert_int_equal(used_len(f, TX, 0), 0);
	assert_int_equal(f->transport.signal_used[TX], 1);
	assert_int_equal(f->log.count, 0);
}

static void test_tx_chains_coalesced(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	post_text(f, DATA_GPA, "a");
	post_text(f, DATA_GPA + 0x10, "bc");
	post_text(f, DATA_GPA + 0x20, "d\n");
	notify(f, TX);
	assert_output(f, "abcd\n");
	assert_int_equal(f->out.writes, 1);
	assert_int_equal(used_idx(f, TX), 3);
}

static void test_tx_partial_line_waits(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	/* hvc hands printk over in pieces, one notify each: one write per line. */
	post_text(f, DATA_GPA, "[    0.000000] Booting");
	notify(f, TX);
	post_text(f, DATA_GPA + 0x100, " Linux\n");
	notify(f, TX);
	assert_output(f, "[    0.000000] Booting Linux\n");
	assert_int_equal(f->out.writes, 1);

	/* A prompt has no newline: it waits for the host's flush. */
	post_text(f, DATA_GPA, "/ # ");
	notify(f, TX);
	assert_int_equal(f->out.writes, 1);
	assert_int_equal(used_idx(f, TX), 3); /* taken from the guest all the same */
	virtio_console_flush(&f->con);
	assert_int_equal(f->out.writes, 2);
	assert_output(f, "[    0.000000] Booting Linux\n/ # ");
	/* Nothing left: a second flush writes nothing. */
	virtio_console_flush(&f->con);
	assert_int_equal(f->out.writes, 2);
}

static void test_tx_large_request(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 10000};
	uint8_t *p = host(f, DATA_GPA);

	bring_up(f);
	for (unsigned i = 0; i < s.len; i++)
		p[i] = (uint8_t)('a' + i % 26);
	post(f, TX, &s, 1);
	notify(f, TX);
	/* Whole staging buffers go at once, the tail waits for a flush. */
	assert_int_equal(f->out.writes, 2);
	assert_int_equal(f->out.len, 2 * VIRTIO_CONSOLE_TX_BUFFER);
	virtio_console_flush(&f->con);
	assert_int_equal(f->out.writes, 3);
	assert_int_equal(f->out.len, s.len);
	assert_memory_equal(f->out.data, p, s.len);
}

static void test_tx_request_capped(void **state)
{
	struct fixture *f = *state;
	/* Four segments naming the same 20000 bytes: 80000 bytes asked for. */
	struct fake_buf s[4];
	uint8_t *p = host(f, DATA_GPA);

	bring_up(f);
	for (unsigned i = 0; i < 4; i++)
		s[i] = (struct fake_buf){.gpa = DATA_GPA, .len = 20000};
	for (unsigned i = 0; i < 20000; i++)
		p[i] = (uint8_t)i;
	post(f, TX, s, 4);
	notify(f, TX);
	virtio_console_flush(&f->con);
	assert_int_equal(f->out.len, VIRTIO_CONSOLE_MAX_TX_REQUEST);
	for (size_t i = 0; i < f->out.len; i++)
		assert_int_equal(f->out.data[i], (uint8_t)(i % 20000));
	assert_int_equal(f->log.count, 1);
	assert_int_equal(used_idx(f, TX), 1);
	assert_true(virtio_device_live(&f->con.virtio));
}

static void test_tx_writable_segment_ignored(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s[2] = {
	    {.gpa = DATA_GPA, .len = 2},
	    {.gpa = DATA_GPA + 0x100, .len = 16, .device_writes = true},
	};

	bring_up(f);
	memcpy(host(f, DATA_GPA), "x\n", 2);
	memset(host(f, DATA_GPA + 0x100), POISON, 16);
	post(f, TX, s, 2);
	notify(f, TX);
	assert_output(f, "x\n");
	assert_untouched(f, DATA_GPA + 0x100, 16);
	assert_int_equal(used_len(f, TX, 0), 0);
	assert_int_equal(f->log.count, 1);
	assert_true(virtio_device_live(&f->con.virtio));

	/* Writable only: nothing to send, returned all the same. */
	s[0] = s[1];
	post(f, TX, s, 1);
	notify(f, TX);
	assert_int_equal(used_idx(f, TX), 2);
	assert_int_equal(used_len(f, TX, 1), 0);
	assert_output(f, "x\n");
	assert_untouched(f, DATA_GPA + 0x100, 16);
	assert_int_equal(f->transport.needs_reset, 0);
}

static void test_tx_indirect(void **state)
{
	struct fixture *f = *state;
	struct fake_buf b[2] = {
	    {.gpa = DATA_GPA, .len = 4},
	    {.gpa = DATA_GPA + 0x100, .len = 5},
	};

	set_up_queues(f, 1ull << VIRTIO_F_INDIRECT_DESC);
	fake_driver_ok(&f->con.virtio);
	memcpy(host(f, DATA_GPA), "indi", 4);
	memcpy(host(f, DATA_GPA + 0x100), "rect\n", 5);
	fake_ring_post_indirect(&f->ring[TX], DATA_GPA + 0x1000, b, 2);
	notify(f, TX);
	assert_output(f, "indirect\n");
	assert_int_equal(used_idx(f, TX), 1);
}

static void test_tx_not_live(void **state)
{
	struct fixture *f = *state;

	set_up_queues(f, 0);
	post_text(f, DATA_GPA, "early\n");
	notify(f, TX);
	assert_int_equal(f->out.writes, 0);
	assert_int_equal(used_idx(f, TX), 0);
	/* DRIVER_OK: what was posted before goes out now. */
	fake_driver_ok(&f->con.virtio);
	assert_output(f, "early\n");
	assert_int_equal(used_idx(f, TX), 1);
}

static void test_tx_without_backend(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	post_text(f, DATA_GPA, "into the void\n");
	notify(f, TX);
	virtio_console_flush(&f->con);
	assert_int_equal(used_idx(f, TX), 1);
	assert_int_equal(f->con.tx_len, 0);
}

static void test_tx_broken_ring(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	post_text(f, DATA_GPA, "ok\n");
	/* A second request whose buffer runs off the end of RAM. */
	{
		struct fake_buf s = {.gpa = RAM_GPA + RAM_SIZE - 4, .len = 8};

		post(f, TX, &s, 1);
	}
	notify(f, TX);
	/* The good request went out; then the device stopped and asked for a reset. */
	assert_output(f, "ok\n");
	assert_int_equal(used_idx(f, TX), 1);
	assert_true((f->con.virtio.status & VIRTIO_STATUS_NEEDS_RESET) != 0);
	post_text(f, DATA_GPA, "more\n");
	notify(f, TX);
	assert_output(f, "ok\n");
}

static void test_rx_fills_buffer(void **state)
{
	struct fixture *f = *state;
	uint16_t head;

	bring_up(f);
	head = post_rx(f, DATA_GPA, 16);
	assert_int_equal(receive(f, "hi"), 2);
	assert_int_equal(used_idx(f, RX), 1);
	assert_int_equal(used_id(f, RX, 0), head);
	assert_int_equal(used_len(f, RX, 0), 2);
	assert_memory_equal(host(f, DATA_GPA), "hi", 2);
	assert_untouched(f, DATA_GPA + 2, 14);
	assert_int_equal(f->transport.signal_used[RX], 1);
	assert_int_equal(f->log.count, 0);
}

static void test_rx_partial_when_buffers_run_out(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	post_rx(f, DATA_GPA, 4);
	post_rx(f, DATA_GPA + 0x100, 4);
	assert_int_equal(receive(f, "0123456789"), 8);
	assert_int_equal(used_idx(f, RX), 2);
	assert_int_equal(used_len(f, RX, 0), 4);
	assert_int_equal(used_len(f, RX, 1), 4);
	assert_memory_equal(host(f, DATA_GPA), "0123", 4);
	assert_memory_equal(host(f, DATA_GPA + 0x100), "4567", 4);
	/* No buffer left: the host keeps the rest for later. */
	assert_int_equal(receive(f, "89"), 0);
	post_rx(f, DATA_GPA + 0x200, 4);
	assert_int_equal(receive(f, "89"), 2);
	assert_memory_equal(host(f, DATA_GPA + 0x200), "89", 2);
	assert_int_equal(used_idx(f, RX), 3);
}

static void test_rx_none_posted(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	assert_int_equal(receive(f, "x"), 0);
	assert_int_equal(used_idx(f, RX), 0);
	assert_int_equal(f->transport.signal_used[RX], 0);
	/* Nothing offered: no buffer is used up. */
	post_rx(f, DATA_GPA, 4);
	assert_int_equal(virtio_console_receive(&f->con, NULL, 0), 0);
	assert_int_equal(used_idx(f, RX), 0);
}

static void test_rx_not_live(void **state)
{
	struct fixture *f = *state;

	/* Before anything is set up at all. */
	assert_int_equal(receive(f, "x"), 0);
	set_up_queues(f, 0);
	post_rx(f, DATA_GPA, 4);
	assert_int_equal(receive(f, "x"), 0);
	assert_untouched(f, DATA_GPA, 4);
	fake_driver_ok(&f->con.virtio);
	assert_int_equal(receive(f, "x"), 1);
	/* After a reset, back to taking nothing. */
	virtio_device_reset(&f->con.virtio);
	assert_int_equal(receive(f, "y"), 0);
}

static void test_rx_multi_segment_buffer(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s[2] = {
	    {.gpa = DATA_GPA + 0x100, .len = 3, .device_writes = true},
	    {.gpa = DATA_GPA, .len = 5, .device_writes = true},
	};

	bring_up(f);
	memset(host(f, DATA_GPA), POISON, 0x200);
	post(f, RX, s, 2);
	assert_int_equal(receive(f, "abcdefghij"), 8);
	assert_int_equal(used_len(f, RX, 0), 8);
	assert_memory_equal(host(f, DATA_GPA + 0x100), "abc", 3);
	assert_memory_equal(host(f, DATA_GPA), "defgh", 5);
	assert_untouched(f, DATA_GPA + 5, 16);
	assert_untouched(f, DATA_GPA + 0x103, 16);
}

static void test_rx_readable_segments(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s[2] = {
	    {.gpa = DATA_GPA, .len = 4},
	    {.gpa = DATA_GPA + 0x100, .len = 4, .device_writes = true},
	};

	bring_up(f);
	memset(host(f, DATA_GPA), POISON, 0x200);
	/* Readable then writable: the readable part is left alone. */
	post(f, RX, s, 2);
	/* Readable only: returned empty; the data goes to the next buffer. */
	post(f, RX, s, 1);
	post_rx(f, DATA_GPA + 0x180, 4);
	assert_int_equal(receive(f, "abcdef"), 6);
	assert_untouched(f, DATA_GPA, 4);
	assert_memory_equal(host(f, DATA_GPA + 0x100), "abcd", 4);
	assert_memory_equal(host(f, DATA_GPA + 0x180), "ef", 2);
	assert_int_equal(used_idx(f, RX), 3);
	assert_int_equal(used_len(f, RX, 0), 4);
	assert_int_equal(used_len(f, RX, 1), 0);
	assert_int_equal(used_len(f, RX, 2), 2);
	assert_int_equal(f->log.count, 2);
	assert_true(virtio_device_live(&f->con.virtio));
	assert_int_equal(f->transport.needs_reset, 0);
}

static void test_rx_broken_ring(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	/* avail->idx jumps by more than the queue size. */
	fake_ring_set_avail_idx(&f->ring[RX], QSIZE + 1);
	assert_int_equal(receive(f, "x"), 0);
	assert_true((f->con.virtio.status & VIRTIO_STATUS_NEEDS_RESET) != 0);
	assert_int_equal(used_idx(f, RX), 0);
	/* The other queue stops too: the whole device waits for a reset. */
	post_text(f, DATA_GPA, "tx\n");
	notify(f, TX);
	assert_int_equal(f->out.writes, 0);
}

static void test_rx_notify_is_harmless(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	post_rx(f, DATA_GPA, 4);
	notify(f, RX);
	notify(f, 7); /* no such queue */
	assert_int_equal(used_idx(f, RX), 0);
	assert_int_equal(receive(f, "z"), 1);
}

static void test_reset_flushes_output(void **state)
{
	struct fixture *f = *state;

	bring_up(f);
	post_text(f, DATA_GPA, "login: ");
	notify(f, TX);
	assert_int_equal(f->out.writes, 0);
	virtio_device_reset(&f->con.virtio);
	assert_output(f, "login: ");
}

static void test_event_idx(void **state)
{
	struct fixture *f = *state;

	set_up_queues(f, 1ull << VIRTIO_F_EVENT_IDX);
	fake_driver_ok(&f->con.virtio);
	post_text(f, DATA_GPA, "a\n");
	post_text(f, DATA_GPA + 0x10, "b\n");
	notify(f, TX);
	assert_output(f, "a\nb\n");
	/* avail_event: the device asks to hear about the next buffer, index 2. */
	assert_int_equal(fake_ring_avail_event(&f->ring[TX]), 2);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_identity),
	    TEST(test_init_needs_backend),
	    TEST(test_tx_segments_in_order),
	    TEST(test_tx_chains_coalesced),
	    TEST(test_tx_partial_line_waits),
	    TEST(test_tx_large_request),
	    TEST(test_tx_request_capped),
	    TEST(test_tx_writable_segment_ignored),
	    TEST(test_tx_indirect),
	    TEST(test_tx_not_live),
	    cmocka_unit_test_setup_teardown(test_tx_without_backend, fixture_setup_no_write,
					    fixture_teardown),
	    TEST(test_tx_broken_ring),
	    TEST(test_rx_fills_buffer),
	    TEST(test_rx_partial_when_buffers_run_out),
	    TEST(test_rx_none_posted),
	    TEST(test_rx_not_live),
	    TEST(test_rx_multi_segment_buffer),
	    TEST(test_rx_readable_segments),
	    TEST(test_rx_broken_ring),
	    TEST(test_rx_notify_is_harmless),
	    TEST(test_reset_flushes_output),
	    TEST(test_event_idx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
