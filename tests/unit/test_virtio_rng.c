/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-rng driven as a driver would drive it: split rings in a fake
 * guest RAM (tests/fuzz/fake_guest.h), the device brought up by setting
 * the state a transport would set, notifies delivered through its ops,
 * and a fake transport and entropy source that record what it did.
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
#include "host/linux/entropy.h"
#include "virtio/device.h"
#include "virtio/rng.h"
#include "virtio/virtqueue.h"

#include "tests/fuzz/fake_guest.h"

#define RAM_GPA	 0x40000000ull
#define RAM_SIZE 0x40000ull /* 256 KiB */
#define QSIZE	 16
#define RING_GPA RAM_GPA
#define DATA_GPA (RAM_GPA + 0x4000)
#define POISON	 0xa5

struct source_record {
	unsigned calls;
	uint8_t next;	   /* the source hands out next, next + 1, ... */
	size_t max_chunk;  /* 0: no limit on bytes per call */
	size_t fail_after; /* fail once this many bytes went out (0: never) */
	int fail_with;	   /* what a failing call returns */
	size_t given;
};

struct fixture {
	struct vm vm;
	struct virtio_rng rng;
	struct fake_guest g;
	struct fake_ring r;
	struct fake_transport transport;
	struct fake_log log;
	struct source_record src;
};

static int fake_fill(void *ctx, void *buf, size_t len)
{
	struct source_record *src = ctx;
	uint8_t *out = buf;

	src->calls++;
	if (src->fail_after != 0 && src->given >= src->fail_after)
		return src->fail_with;
	if (src->max_chunk != 0 && len > src->max_chunk)
		len = src->max_chunk;
	if (src->fail_after != 0 && len > src->fail_after - src->given)
		len = src->fail_after - src->given;
	for (size_t i = 0; i < len; i++)
		out[i] = src->next++;
	src->given += len;
	return (int)len;
}

static uint8_t *host(struct fixture *f, uint64_t gpa)
{
	uint8_t *p = fake_guest_ptr(&f->g, gpa, 1);

	assert_non_null(p);
	return p;
}

static void attach(struct fixture *f, const struct rng_source *source)
{
	assert_int_equal(virtio_rng_init(&f->rng, &f->vm, "virtio-rng0", source), 0);
	fake_transport_attach(&f->transport, &f->rng.virtio);
}

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct log_sink sink;
	struct rng_source source = {.fill = fake_fill};

	assert_non_null(f);
	sink = fake_log_sink(&f->log);
	source.ctx = &f->src;
	vm_init(&f->vm, "test", &sink);
	assert_int_equal(fake_guest_init(&f->g, &f->vm.mem, RAM_GPA, RAM_SIZE), 0);
	fake_ring_init(&f->r, &f->g, QSIZE, RING_GPA);
	attach(f, &source);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	fake_guest_free(&f->g);
	free(f);
	return 0;
}

/* What a driver does through the transport: features, then the queue. */
static void set_up_queue(struct fixture *f, uint64_t features)
{
	fake_driver_bring_up(&f->rng.virtio, features);
	assert_int_equal(fake_ring_enable(&f->r, &f->rng.virtio, VIRTIO_RNG_QUEUE), 0);
}

static void bring_up(struct fixture *f)
{
	set_up_queue(f, 0);
	fake_driver_ok(&f->rng.virtio);
}

/* Posts one request of `n` buffers; returns its head descriptor. */
static uint16_t post(struct fixture *f, const struct fake_buf *bufs, unsigned n)
{
	return fake_ring_post(&f->r, bufs, n);
}

static void notify(struct fixture *f)
{
	f->rng.virtio.ops->queue_notify(&f->rng.virtio, VIRTIO_RNG_QUEUE);
}

static uint16_t used_idx(struct fixture *f)
{
	return fake_ring_used_idx(&f->r);
}

static uint32_t used_id(struct fixture *f, unsigned i)
{
	uint32_t id, len;

	fake_ring_used_elem(&f->r, (uint16_t)i, &id, &len);
	return id;
}

static uint32_t used_len(struct fixture *f, unsigned i)
{
	uint32_t id, len;

	fake_ring_used_elem(&f->r, (uint16_t)i, &id, &len);
	return len;
}

/* Whether [gpa, gpa + len) holds the source's bytes starting at `first`. */
static void assert_pattern(struct fixture *f, uint64_t gpa, size_t len, uint8_t first)
{
	const uint8_t *p = host(f, gpa);

	for (size_t i = 0; i < len; i++)
		assert_int_equal(p[i], (uint8_t)(first + i));
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
	const struct virtio_device_ops *ops = f->rng.virtio.ops;
	uint64_t value = 0xdeadbeef;

	assert_int_equal(ops->device_id, VIRTIO_ID_RNG);
	assert_int_equal(ops->device_id, 4);
	assert_int_equal(ops->num_queues, 1);
	assert_int_equal(ops->features(&f->rng.virtio), 0);
	/* No configuration space: everything reads as zero. */
	ops->config_read(&f->rng.virtio, 0, 4, &value);
	assert_int_equal(value, 0);
	assert_ptr_equal(f->rng.virtio.vm, &f->vm);
	assert_string_equal(f->rng.virtio.name, "virtio-rng0");
}

static void test_init_needs_source(void **state)
{
	struct fixture *f = *state;
	struct virtio_rng other;
	struct rng_source no_fill = {.fill = NULL};

	assert_int_equal(virtio_rng_init(&other, &f->vm, "x", NULL), -SVMM_EINVAL);
	assert_int_equal(virtio_rng_init(&other, &f->vm, "x", &no_fill), -SVMM_EINVAL);
}

static void test_fills_buffer(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 64, .device_writes = true};
	uint16_t head;

	bring_up(f);
	memset(host(f, DATA_GPA), POISON, 128);
	f->src.next = 7;
	head = post(f, &s, 1);
	notify(f);
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(used_id(f, 0), head);
	assert_int_equal(used_len(f, 0), 64);
	assert_pattern(f, DATA_GPA, 64, 7);
	/* Not a byte past the buffer. */
	assert_untouched(f, DATA_GPA + 64, 64);
	assert_int_equal(f->transport.signal_used[VIRTIO_RNG_QUEUE], 1);
	assert_int_equal(f->transport.needs_reset, 0);
	assert_int_equal(f->log.count, 0);
}

static void test_multiple_segments(void **state)
{
	struct fixture *f = *state;
	/* Out of address order, to show the segments are filled in chain order. */
	struct fake_buf s[3] = {
	    {.gpa = DATA_GPA + 0x1000, .len = 7, .device_writes = true},
	    {.gpa = DATA_GPA, .len = 100, .device_writes = true},
	    {.gpa = DATA_GPA + 0x2000, .len = 33, .device_writes = true},
	};

	bring_up(f);
	memset(host(f, DATA_GPA), POISON, 0x3000);
	post(f, s, 3);
	notify(f);
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(used_len(f, 0), 140);
	assert_pattern(f, DATA_GPA + 0x1000, 7, 0);
	assert_pattern(f, DATA_GPA, 100, 7);
	assert_pattern(f, DATA_GPA + 0x2000, 33, 107);
	assert_untouched(f, DATA_GPA + 100, 16);
	assert_untouched(f, DATA_GPA + 0x1000 + 7, 16);
	assert_untouched(f, DATA_GPA + 0x2000 + 33, 16);
}

static void test_short_fills_are_completed(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 50, .device_writes = true};

	bring_up(f);
	f->src.max_chunk = 8; /* like getrandom(2) returning short */
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_len(f, 0), 50);
	assert_pattern(f, DATA_GPA, 50, 0);
	assert_int_equal(f->src.calls, 7);
}

static void test_several_requests_one_notify(void **state)
{
	struct fixture *f = *state;
	uint16_t heads[3];

	bring_up(f);
	for (unsigned i = 0; i < 3; i++) {
		struct fake_buf s = {
		    .gpa = DATA_GPA + 0x100 * i, .len = 16 + i, .device_writes = true};

		heads[i] = post(f, &s, 1);
	}
	notify(f);
	assert_int_equal(used_idx(f), 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(used_id(f, i), heads[i]);
		assert_int_equal(used_len(f, i), 16 + i);
	}
	assert_pattern(f, DATA_GPA, 16, 0);
	assert_pattern(f, DATA_GPA + 0x100, 17, 16);
	assert_pattern(f, DATA_GPA + 0x200, 18, 33);
}

static void test_request_is_capped(void **state)
{
	struct fixture *f = *state;
	/* Two segments past the cap: the first is filled whole, the second in part. */
	struct fake_buf s[2] = {
	    {.gpa = DATA_GPA, .len = 0x10000 - 16, .device_writes = true},
	    {.gpa = DATA_GPA + 0x20000, .len = 0x8000, .device_writes = true},
	};

	bring_up(f);
	memset(host(f, DATA_GPA + 0x20000), POISON, 0x8000);
	post(f, s, 2);
	notify(f);
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(used_len(f, 0), VIRTIO_RNG_MAX_REQUEST);
	assert_int_equal(f->src.given, VIRTIO_RNG_MAX_REQUEST);
	assert_pattern(f, DATA_GPA + 0x20000, 16, (uint8_t)(0x10000 - 16));
	assert_untouched(f, DATA_GPA + 0x20000 + 16, 0x8000 - 16);
}

static void test_source_failure(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 64, .device_writes = true};

	bring_up(f);
	memset(host(f, DATA_GPA), POISON, 64);
	f->src.fail_after = 20;
	f->src.fail_with = -SVMM_EIO;
	post(f, &s, 1);
	notify(f);
	/* What the source gave before failing is handed over; the rest is left alone. */
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(used_len(f, 0), 20);
	assert_pattern(f, DATA_GPA, 20, 0);
	assert_untouched(f, DATA_GPA + 20, 44);
	assert_int_equal(f->log.count, 1);
	assert_true(virtio_device_live(&f->rng.virtio));
	assert_int_equal(f->transport.signal_used[VIRTIO_RNG_QUEUE], 1);

	/* Nothing at all: the request still comes back, empty, so the driver is not stuck. */
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_idx(f), 2);
	assert_int_equal(used_len(f, 1), 0);

	/* The source recovers, and so does the device. */
	f->src.fail_after = 0;
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_idx(f), 3);
	assert_int_equal(used_len(f, 2), 64);
	assert_pattern(f, DATA_GPA, 64, 20);
	assert_int_equal(f->transport.needs_reset, 0);
}

static void test_source_returning_zero(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 64, .device_writes = true};

	bring_up(f);
	f->src.fail_after = 1;
	f->src.given = 1;
	f->src.fail_with = 0; /* "no bytes", which must not loop forever */
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(used_len(f, 0), 0);
	assert_int_equal(f->src.calls, 1);
}

static void test_readable_only_request(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 32, .device_writes = false};

	bring_up(f);
	memset(host(f, DATA_GPA), POISON, 32);
	post(f, &s, 1);
	notify(f);
	/* Returned empty, buffer untouched, device still serving. */
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(used_len(f, 0), 0);
	assert_untouched(f, DATA_GPA, 32);
	assert_int_equal(f->src.calls, 0);
	assert_int_equal(f->log.count, 1);
	assert_true(virtio_device_live(&f->rng.virtio));
	assert_int_equal(f->transport.needs_reset, 0);

	s.device_writes = true;
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_idx(f), 2);
	assert_int_equal(used_len(f, 1), 32);
}

static void test_readable_segment_ignored(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s[2] = {
	    {.gpa = DATA_GPA, .len = 32, .device_writes = false},
	    {.gpa = DATA_GPA + 0x100, .len = 32, .device_writes = true},
	};

	bring_up(f);
	memset(host(f, DATA_GPA), POISON, 32);
	post(f, s, 2);
	notify(f);
	assert_int_equal(used_len(f, 0), 32);
	assert_untouched(f, DATA_GPA, 32);
	assert_pattern(f, DATA_GPA + 0x100, 32, 0);
	assert_int_equal(f->log.count, 1);
	assert_true(virtio_device_live(&f->rng.virtio));
}

static void test_not_live(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 16, .device_writes = true};

	/* Queue set up and a buffer posted, but no DRIVER_OK yet. */
	set_up_queue(f, 0);
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(f->src.calls, 0);
	assert_int_equal(f->transport.signal_used[VIRTIO_RNG_QUEUE], 0);

	/* DRIVER_OK: what was posted before is served now. */
	fake_driver_ok(&f->rng.virtio);
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(used_len(f, 0), 16);
	assert_int_equal(f->transport.signal_used[VIRTIO_RNG_QUEUE], 1);
}

static void test_queue_not_ready(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 16, .device_writes = true};

	bring_up(f);
	post(f, &s, 1);
	f->rng.virtio.queues[VIRTIO_RNG_QUEUE].ready = false;
	notify(f);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(f->transport.needs_reset, 0);
	/* A notify for a queue the device does not have is ignored. */
	f->rng.virtio.queues[VIRTIO_RNG_QUEUE].ready = true;
	f->rng.virtio.ops->queue_notify(&f->rng.virtio, 1);
	assert_int_equal(used_idx(f), 0);
	notify(f);
	assert_int_equal(used_idx(f), 1);
}

static void test_broken_ring_needs_reset(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 16, .device_writes = true};

	bring_up(f);
	/* A head descriptor index past the table. */
	fake_ring_publish(&f->r, QSIZE + 3);
	notify(f);
	assert_int_equal(used_idx(f), 0);
	assert_true((f->rng.virtio.status & VIRTIO_STATUS_NEEDS_RESET) != 0);
	assert_false(virtio_device_live(&f->rng.virtio));
	assert_int_equal(f->src.calls, 0);

	/* Until the driver resets it, the device leaves the queue alone. */
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(f->src.calls, 0);
}

static void test_buffer_outside_ram_needs_reset(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = RAM_GPA + RAM_SIZE - 8, .len = 16, .device_writes = true};

	bring_up(f);
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_idx(f), 0);
	assert_int_equal(f->src.calls, 0);
	assert_true((f->rng.virtio.status & VIRTIO_STATUS_NEEDS_RESET) != 0);
}

static void test_reset_stops_device(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 16, .device_writes = true};

	bring_up(f);
	virtio_device_reset(&f->rng.virtio);
	assert_false(virtio_device_live(&f->rng.virtio));
	post(f, &s, 1);
	notify(f);
	assert_int_equal(f->src.calls, 0);

	/* The driver sets it up again from scratch. */
	fake_ring_init(&f->r, &f->g, QSIZE, RING_GPA);
	bring_up(f);
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_idx(f), 1);
	assert_int_equal(used_len(f, 0), 16);
}

static void test_event_idx(void **state)
{
	struct fixture *f = *state;
	struct fake_buf s = {.gpa = DATA_GPA, .len = 16, .device_writes = true};

	set_up_queue(f, 1ull << VIRTIO_F_EVENT_IDX);
	fake_driver_ok(&f->rng.virtio);
	post(f, &s, 1);
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_idx(f), 2);
	/* avail_event: the device asks to hear about the next buffer, index 2. */
	assert_int_equal(fake_ring_avail_event(&f->r), 2);
}

/* The Linux host's source, end to end: getrandom(2) into guest buffers. */
static void test_host_entropy(void **state)
{
	struct fixture *f = *state;
	struct rng_source source = host_entropy_source();
	size_t big_len = 300000;
	uint8_t *big = malloc(big_len);
	struct fake_buf s = {.gpa = DATA_GPA, .len = 4096, .device_writes = true};
	size_t zeros = 0;

	assert_ptr_equal(source.fill, host_entropy_fill);
	/* Past getrandom's 256-byte guarantee, so short reads are retried. */
	assert_non_null(big);
	assert_int_equal(host_entropy_fill(NULL, big, big_len), big_len);
	assert_int_equal(host_entropy_fill(NULL, big, 0), 0);
	free(big);

	attach(f, &source);
	bring_up(f);
	post(f, &s, 1);
	notify(f);
	assert_int_equal(used_len(f, 0), 4096);
	/* 4096 random bytes have about 16 zeros; all-zero would mean nothing was written. */
	for (size_t i = 0; i < 4096; i++)
		zeros += host(f, DATA_GPA)[i] == 0;
	assert_true(zeros < 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_identity, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_init_needs_source, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_fills_buffer, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_multiple_segments, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_short_fills_are_completed, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_several_requests_one_notify, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_request_is_capped, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_source_failure, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_source_returning_zero, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_readable_only_request, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_readable_segment_ignored, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_not_live, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_queue_not_ready, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_broken_ring_needs_reset, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_buffer_outside_ram_needs_reset, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_reset_stops_device, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_event_idx, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_host_entropy, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
