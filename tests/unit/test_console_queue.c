/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console queue between an svmm and the console multiplexer on seL4
 * (host/sel4/console_queue.c): both ends in one process over one region,
 * output and input in order across the ring's wrap, a full ring dropping
 * (and counting) rather than blocking, the VM state, and a hostile peer's
 * indices taken as nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/errors.h"
#include "host/sel4/console_queue.h"

static _Alignas(4096) uint8_t region[CONQ_REGION_SIZE];

static void attach_needs_init(void **state)
{
	struct conq server;

	(void)state;
	memset(region, 0, sizeof(region));
	assert_int_equal(conq_server_attach(&server, region, sizeof(region)), -SVMM_EINVAL);
}

static void output_and_input_in_order(void **state)
{
	struct conq client, server;
	uint8_t buf[CONQ_OUT_SIZE];
	uint8_t chunk[700];

	(void)state;
	assert_int_equal(conq_client_init(&client, region, sizeof(region)), 0);
	assert_int_equal(conq_server_attach(&server, region, sizeof(region)), 0);
	assert_int_equal(conq_state(&server), CONQ_STATE_BOOTING);
	/* Several rounds, so the indices wrap around the ring. */
	for (unsigned round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (uint8_t)(round * 7 + i);
		assert_int_equal(conq_write_output(&client, chunk, sizeof(chunk)), sizeof(chunk));
		assert_int_equal(conq_read_output(&server, buf, sizeof(buf)), sizeof(chunk));
		assert_memory_equal(buf, chunk, sizeof(chunk));
		assert_int_equal(conq_write_input(&server, chunk, 100), 100);
		assert_int_equal(conq_read_input(&client, buf, 60), 60);
		assert_int_equal(conq_read_input(&client, buf + 60, 60), 40);
		assert_memory_equal(buf, chunk, 100);
	}
	conq_set_state(&client, CONQ_STATE_STOPPED);
	assert_int_equal(conq_state(&server), CONQ_STATE_STOPPED);
}

static void full_ring_drops(void **state)
{
	struct conq client, server;
	static uint8_t big[CONQ_OUT_SIZE + 100];
	static uint8_t buf[CONQ_OUT_SIZE + 100];

	(void)state;
	assert_int_equal(conq_client_init(&client, region, sizeof(region)), 0);
	assert_int_equal(conq_server_attach(&server, region, sizeof(region)), 0);
	assert_int_equal(conq_write_output(&client, big, sizeof(big)), CONQ_OUT_SIZE);
	assert_int_equal(client.header->out_dropped, 100);
	assert_int_equal(conq_write_output(&client, big, 1), 0);
	assert_int_equal(conq_read_output(&server, buf, sizeof(buf)), CONQ_OUT_SIZE);
	assert_int_equal(conq_write_input(&server, big, sizeof(big)), CONQ_IN_SIZE);
}

static void hostile_indices(void **state)
{
	struct conq client, server;
	uint8_t buf[16];

	(void)state;
	assert_int_equal(conq_client_init(&client, region, sizeof(region)), 0);
	assert_int_equal(conq_server_attach(&server, region, sizeof(region)), 0);
	/* The multiplexer claims input far beyond the ring: svmm takes none of it. */
	server.header->in_head = 0x80000000u;
	assert_int_equal(conq_read_input(&client, buf, sizeof(buf)), 0);
	/* svmm's head far ahead: the multiplexer takes none either. */
	client.header->out_head = 0x40000000u;
	assert_int_equal(conq_read_output(&server, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(attach_needs_init),
	    cmocka_unit_test(output_and_input_in_order),
	    cmocka_unit_test(full_ring_drops),
	    cmocka_unit_test(hostile_indices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
