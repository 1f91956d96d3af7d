/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "user" network backend: passt (https://passt.top), run as a child of
 * svmm. passt gives the guest the host's addresses and routes by DHCP/NDP
 * and turns its TCP/UDP/ICMP into ordinary host sockets, so it needs no
 * privilege and no host configuration.
 *
 * svmm makes a socketpair and hands one end to `passt -f -q --fd N`; frames
 * cross it in QEMU's stream format (a 4-byte big-endian length, then the
 * frame). --fd makes passt exit once svmm closes its end, so passt never
 * outlives svmm, even if svmm is killed. When started as root, passt is
 * told to run as nobody (65534:65534) numerically, since it would switch to
 * nobody anyway and a minimal root file system may have no /etc/passwd.
 *
 * Transmit never blocks and never corrupts the stream: a frame is written
 * whole or, when the socket takes only part of it, the unsent tail is kept
 * and goes out before anything else (on the next send, the next receive
 * or net_passt_flush()). While a tail is pending and cannot be written,
 * new frames are dropped, as a full NIC queue drops them.
 */
#ifndef SVMM_HOST_LINUX_NET_PASST_H
#define SVMM_HOST_LINUX_NET_PASST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "host/linux/net_stream.h"

/* Most pieces one frame may come in: IOV_MAX less the length prefix (chains have <= 256). */
#define NET_PASST_MAX_IOV 1023

struct net_passt_params {
	const char *program; /* NULL: "passt", looked up on PATH */
	/* "tcp:HOST_PORT:GUEST_PORT" or "udp:HOST_PORT:GUEST_PORT" */
	const char *const *forwards;
	unsigned forward_count;
};

struct net_passt {
	pid_t pid;
	int fd; /* svmm's end, non-blocking: watch it for input */
	struct net_stream_rx rx;
	struct net_stream_tx tx;
	uint64_t tx_dropped; /* frames refused while the socket was full */
	struct iovec iov[NET_PASST_MAX_IOV + 1];
};

/*
 * Starts passt. On failure returns -errno and writes one line into `why`,
 * e.g. "net user: passt not found (apt-get install passt)".
 */
int net_passt_start(struct net_passt *passt, const struct net_passt_params *params, char *why,
		    size_t why_len);

/*
 * Sends one frame gathered from iov[0..count). 0 when it was written or
 * its tail is held to finish later; -EAGAIN when the socket is full
 * (dropped); -EMSGSIZE for a frame over NET_STREAM_MAX_FRAME; -EPIPE when
 * passt is gone; another -errno.
 */
int net_passt_send(struct net_passt *passt, const struct iovec *iov, unsigned count);

/*
 * The next whole frame from passt, reading the socket as needed: 1 with
 * *frame and *len set (valid until the next call on `passt`), 0 when none
 * is waiting, -EPIPE when passt closed the stream (it exited), -EPROTO when
 * the stream is corrupt, or another -errno. The frame is held until
 * net_passt_consume(), so if the guest has no room it can be offered again.
 */
int net_passt_receive(struct net_passt *passt, const uint8_t **frame, size_t *len);
void net_passt_consume(struct net_passt *passt);

/*
 * Writes a held transmit tail: 0 when nothing is left, -EAGAIN when some
 * still is (call again when the socket is writable or on the next tick).
 */
int net_passt_flush(struct net_passt *passt);
bool net_passt_tx_pending(const struct net_passt *passt);

/*
 * Stops passt (closes the socket, which ends it; SIGTERM after 0.2 s and
 * SIGKILL after 1 s more if it lingers) and
 * reaps it. Returns its wait status (see waitpid(2)), or -1 if none.
 */
int net_passt_stop(struct net_passt *passt);

#endif
