/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tap backend with vnet headers: what the kernel accepts, and frames
 * crossing with their 12-byte header in front, checked from a packet
 * socket on the host side. Needs CAP_NET_ADMIN and /dev/net/tun; without
 * them each test says it is skipped. (The plain tap's own tests are in
 * test_virtio_net.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/linux/net_tap.h"

#define TEST_ETHERTYPE_LO 0xb5 /* 0x88b5: IEEE's local experimental EtherType */

/* Opens a new tap with headers, or skips the test when this host cannot. */
static void open_or_skip(struct net_tap *tap, char *why, size_t why_len)
{
	int err = net_tap_open(tap, "svmmhdr%d", true, why, why_len);

	if (err == -EPERM || err == -EACCES || err == -ENOENT || err == -ENODEV) {
		print_message("skipped: cannot create a tap here (%s)\n", why);
		skip();
	}
	assert_int_equal(err, 0);
}

/* Brings the tap up and binds a packet socket to it: the socket. */
static int host_side(const struct net_tap *tap)
{
	struct sockaddr_ll addr = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct ifreq ifr;
	int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), pkt;

	assert_true(ctl >= 0);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, tap->name, IFNAMSIZ);
	assert_int_equal(ioctl(ctl, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(ctl, SIOCSIFFLAGS, &ifr), 0);
	assert_int_equal(ioctl(ctl, SIOCGIFINDEX, &ifr), 0);
	addr.sll_ifindex = ifr.ifr_ifindex;
	close(ctl);
	pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	assert_true(pkt >= 0);
	assert_int_equal(bind(pkt, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return pkt;
}

/* A broadcast frame with the experimental EtherType and a pattern after it. */
static void test_frame(uint8_t *frame, size_t len, uint8_t type_lo)
{
	memset(frame, 0xff, 6);
	memcpy(frame + 6, (const uint8_t[]){0x52, 0x54, 0, 0x12, 0x34, 0x56}, 6);
	frame[12] = 0x88;
	frame[13] = type_lo;
	for (size_t i = 14; i < len; i++)
		frame[i] = (uint8_t)(i * 13 + 5);
}

static void test_tap_vnet_hdr_offloads_probed(void **state)
{
	struct net_tap tap;
	char why[256];

	(void)state;
	open_or_skip(&tap, why, sizeof(why));
	/* Every kernel since 2.6.35 has 12-byte vnet headers and checksum offload. */
	assert_true(tap.vnet_hdr);
	assert_string_equal(why, "");
	assert_true(tap.offloads & TUN_F_CSUM);
	/* Only what was asked about, and UDP segmentation as a pair. */
	assert_int_equal(tap.offloads & ~(unsigned)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
						    TUN_F_USO4 | TUN_F_USO6),
			 0);
	assert_true((tap.offloads & (TUN_F_USO4 | TUN_F_USO6)) == 0 ||
		    (tap.offloads & (TUN_F_USO4 | TUN_F_USO6)) == (TUN_F_USO4 | TUN_F_USO6));
	print_message("offloads the kernel takes: 0x%x\n", tap.offloads);
	/* What was accepted can be set and cleared; anything beyond it is refused here. */
	assert_int_equal(net_tap_set_offload(&tap, tap.offloads), 0);
	assert_int_equal(net_tap_set_offload(&tap, 0), 0);
	assert_int_equal(net_tap_set_offload(&tap, TUN_F_UFO), -EINVAL);
	net_tap_close(&tap);
	assert_int_equal(tap.fd, -1);
}

static void test_tap_vnet_hdr_frames_both_ways(void **state)
{
	struct net_tap tap;
	char why[256];
	uint8_t hdr[NET_TAP_VNET_HDR_LEN] = {0}, frame[80], got[NET_TAP_VNET_HDR_LEN + 2048];
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {frame, sizeof(frame)}};
	ssize_t n = -1;
	int pkt;

	(void)state;
	open_or_skip(&tap, why, sizeof(why));
	pkt = host_side(&tap);

	/* Guest to host: the header goes in front and the host sees the bare frame. */
	test_frame(frame, sizeof(frame), TEST_ETHERTYPE_LO);
	assert_int_equal(net_tap_send(&tap, iov, 2), 0);
	for (int tries = 0; tries < 20; tries++) {
		struct pollfd pfd = {.fd = pkt, .events = POLLIN};

		assert_true(poll(&pfd, 1, 1000) > 0);
		n = recv(pkt, got, sizeof(got), 0);
		/* Skip what the kernel sends on a new link (IPv6 router solicitations). */
		if (n == (ssize_t)sizeof(frame) && got[12] == 0x88 && got[13] == TEST_ETHERTYPE_LO)
			break;
	}
	assert_int_equal(n, sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));

	/* A header whose hdr_len is past the frame: the kernel refuses the frame. */
	hdr[2] = 0xff;
	hdr[3] = 0x7f;
	assert_int_equal(net_tap_send(&tap, iov, 2), -EINVAL);

	/* Host to guest: the read gives a header, all zero with no offloads on, then the frame. */
	frame[13] = TEST_ETHERTYPE_LO + 1;
	assert_int_equal(send(pkt, frame, sizeof(frame), 0), sizeof(frame));
	for (int tries = 0; tries < 20; tries++) {
		struct pollfd pfd = {.fd = tap.fd, .events = POLLIN};

		assert_true(poll(&pfd, 1, 1000) > 0);
		n = net_tap_read(&tap, got, sizeof(got));
		if (n == (ssize_t)(NET_TAP_VNET_HDR_LEN + sizeof(frame)) &&
		    got[NET_TAP_VNET_HDR_LEN + 13] == TEST_ETHERTYPE_LO + 1)
			break;
	}
	assert_int_equal(n, NET_TAP_VNET_HDR_LEN + sizeof(frame));
	/* flags, gso_type, hdr_len, gso_size, csum_start, csum_offset (num_buffers is ours). */
	assert_memory_equal(got, (uint8_t[10]){0}, 10);
	assert_memory_equal(got + NET_TAP_VNET_HDR_LEN, frame, sizeof(frame));
	close(pkt);
	net_tap_close(&tap);
}

static void test_tap_without_vnet_hdr_is_plain(void **state)
{
	struct net_tap tap;
	char why[256];
	int err;

	(void)state;
	err = net_tap_open(&tap, "svmmhdr%d", false, why, sizeof(why));
	if (err == -EPERM || err == -EACCES || err == -ENOENT || err == -ENODEV) {
		print_message("skipped: cannot create a tap here (%s)\n", why);
		skip();
	}
	assert_int_equal(err, 0);
	assert_false(tap.vnet_hdr);
	assert_int_equal(tap.offloads, 0);
	assert_string_equal(why, "");
	/* No offload can be turned on a tap without headers. */
	assert_int_equal(net_tap_set_offload(&tap, TUN_F_CSUM), -EINVAL);
	net_tap_close(&tap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tap_vnet_hdr_offloads_probed),
	    cmocka_unit_test(test_tap_vnet_hdr_frames_both_ways),
	    cmocka_unit_test(test_tap_without_vnet_hdr_is_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
