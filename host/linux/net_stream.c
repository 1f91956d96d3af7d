/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/net_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NET_STREAM_TX_SIZE (NET_STREAM_PREFIX + NET_STREAM_MAX_FRAME)

int net_stream_rx_init(struct net_stream_rx *rx)
{
	rx->start = rx->end = 0;
	rx->buf = malloc(NET_STREAM_RX_SIZE);
	return rx->buf != NULL ? 0 : -ENOMEM;
}

void net_stream_rx_fini(struct net_stream_rx *rx)
{
	free(rx->buf);
	rx->buf = NULL;
	rx->start = rx->end = 0;
}

static uint32_t net_stream_length(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint8_t *net_stream_rx_space(struct net_stream_rx *rx, size_t *len)
{
	if (rx->start == rx->end) {
		rx->start = rx->end = 0;
	} else if (NET_STREAM_RX_SIZE - rx->end < NET_STREAM_PREFIX + NET_STREAM_MAX_FRAME &&
		   rx->start != 0) {
		/*
		 * Only when the tail is short of one largest frame: then the
		 * bytes moved are at most one partial frame, not every read.
		 */
		memmove(rx->buf, rx->buf + rx->start, rx->end - rx->start);
		rx->end -= rx->start;
		rx->start = 0;
	}
	*len = NET_STREAM_RX_SIZE - rx->end;
	return rx->buf + rx->end;
}

void net_stream_rx_commit(struct net_stream_rx *rx, size_t len)
{
	/* A caller reporting more than it was offered would move end past the buffer. */
	if (len > NET_STREAM_RX_SIZE - rx->end)
		len = NET_STREAM_RX_SIZE - rx->end;
	rx->end += len;
}

int net_stream_rx_peek(struct net_stream_rx *rx, const uint8_t **frame, size_t *len)
{
	for (;;) {
		size_t held = rx->end - rx->start;
		uint32_t frame_len;

		if (held < NET_STREAM_PREFIX)
			return 0;
		frame_len = net_stream_length(rx->buf + rx->start);
		if (frame_len > NET_STREAM_MAX_FRAME)
			return -EPROTO;
		if (frame_len == 0) {
			/* Nothing to deliver; a guest would see a bare header. */
			rx->start += NET_STREAM_PREFIX;
			continue;
		}
		if (held < NET_STREAM_PREFIX + (size_t)frame_len)
			return 0;
		*frame = rx->buf + rx->start + NET_STREAM_PREFIX;
		*len = frame_len;
		return 1;
	}
}

void net_stream_rx_consume(struct net_stream_rx *rx)
{
	const uint8_t *frame;
	size_t len;

	if (net_stream_rx_peek(rx, &frame, &len) == 1)
		rx->start += NET_STREAM_PREFIX + len;
}

void net_stream_prefix(uint8_t out[NET_STREAM_PREFIX], uint32_t len)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

int net_stream_tx_init(struct net_stream_tx *tx)
{
	tx->len = tx->sent = 0;
	tx->buf = malloc(NET_STREAM_TX_SIZE);
	return tx->buf != NULL ? 0 : -ENOMEM;
}

void net_stream_tx_fini(struct net_stream_tx *tx)
{
	free(tx->buf);
	tx->buf = NULL;
	tx->len = tx->sent = 0;
}

bool net_stream_tx_pending(const struct net_stream_tx *tx)
{
	return tx->sent < tx->len;
}

void net_stream_tx_keep(struct net_stream_tx *tx, const struct iovec *iov, unsigned count,
			size_t written)
{
	size_t skip = written;

	tx->len = tx->sent = 0;
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *base = iov[i].iov_base;
		size_t len = iov[i].iov_len;
		size_t room = NET_STREAM_TX_SIZE - tx->len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		base += skip;
		len -= skip;
		skip = 0;
		/* Callers send one prefixed frame, which always fits; never overrun if not. */
		if (len > room)
			len = room;
		memcpy(tx->buf + tx->len, base, len);
		tx->len += len;
	}
}

const uint8_t *net_stream_tx_data(const struct net_stream_tx *tx, size_t *len)
{
	*len = tx->len - tx->sent;
	return tx->buf + tx->sent;
}

void net_stream_tx_advance(struct net_stream_tx *tx, size_t len)
{
	if (len > tx->len - tx->sent)
		len = tx->len - tx->sent;
	tx->sent += len;
	if (tx->sent == tx->len)
		tx->len = tx->sent = 0;
}
