/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ethernet frames over a byte stream, as QEMU's "stream" netdev and passt
 * exchange them: each frame is preceded by its length as a 4-byte
 * big-endian number. A stream socket cuts the bytes wherever it likes, so
 * a read may end inside a length or a frame; these helpers put frames back
 * together on receive and keep a half-written frame on transmit. They do
 * no I/O themselves, so tests can feed them any split.
 */
#ifndef SVMM_HOST_LINUX_NET_STREAM_H
#define SVMM_HOST_LINUX_NET_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define NET_STREAM_PREFIX 4
/* The largest frame accepted: as VIRTIO_NET_MAX_FRAME (64 KiB + Ethernet header). */
#define NET_STREAM_MAX_FRAME 65550u
/*
 * Receive buffer: room for two largest frames, so a read always has space
 * for at least one whole frame after the one being held back, and many
 * small frames arrive per read.
 */
#define NET_STREAM_RX_SIZE (2u * (NET_STREAM_PREFIX + NET_STREAM_MAX_FRAME))

struct net_stream_rx {
	uint8_t *buf; /* NET_STREAM_RX_SIZE bytes */
	size_t start; /* first byte not yet handed out as a frame */
	size_t end;   /* one past the last byte read */
};

/* Allocates the buffer: 0 or -ENOMEM. */
int net_stream_rx_init(struct net_stream_rx *rx);
void net_stream_rx_fini(struct net_stream_rx *rx);

/*
 * Where the next read should put its bytes: a pointer and, in *len, how
 * many fit (never 0 while no whole frame is held: peek first). Moves held
 * bytes to the front of the buffer when that makes room; frames returned
 * by net_stream_rx_peek() are invalidated.
 */
uint8_t *net_stream_rx_space(struct net_stream_rx *rx, size_t *len);

/* Records that `len` bytes were read into the space returned above. */
void net_stream_rx_commit(struct net_stream_rx *rx, size_t len);

/*
 * The first whole frame held: 1 with *frame and *len set (valid until the
 * next call of any other function on `rx`), 0 when more bytes are needed,
 * or -EPROTO when a length is larger than NET_STREAM_MAX_FRAME: the stream
 * cannot be resynchronised and must be closed. Empty frames are skipped.
 * The frame stays held until net_stream_rx_consume(), so a guest with no
 * room can take it later.
 */
int net_stream_rx_peek(struct net_stream_rx *rx, const uint8_t **frame, size_t *len);

/* Drops the frame net_stream_rx_peek() returned. */
void net_stream_rx_consume(struct net_stream_rx *rx);

/* The 4-byte prefix for a frame of `len` bytes. */
void net_stream_prefix(uint8_t out[NET_STREAM_PREFIX], uint32_t len);

/*
 * The unsent tail of a frame that a write only partly sent. It must go out
 * before any other byte, or the peer would read frame bytes as a length.
 */
struct net_stream_tx {
	uint8_t *buf; /* NET_STREAM_PREFIX + NET_STREAM_MAX_FRAME bytes */
	size_t len;   /* bytes held */
	size_t sent;  /* of which already written */
};

int net_stream_tx_init(struct net_stream_tx *tx);
void net_stream_tx_fini(struct net_stream_tx *tx);

/* Whether a tail is waiting to be written. */
bool net_stream_tx_pending(const struct net_stream_tx *tx);

/*
 * After a write of the whole of iov[0..count) sent only `written` bytes
 * (less than the total), keeps the rest. The total must fit the buffer,
 * which one prefixed frame of at most NET_STREAM_MAX_FRAME bytes does.
 */
void net_stream_tx_keep(struct net_stream_tx *tx, const struct iovec *iov, unsigned count,
			size_t written);

/* The held bytes still to write, and recording that `len` of them went out. */
const uint8_t *net_stream_tx_data(const struct net_stream_tx *tx, size_t *len);
void net_stream_tx_advance(struct net_stream_tx *tx, size_t len);

#endif
