/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/net_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define TUN_DEVICE "/dev/net/tun"

/* What the user can do about each way TUNSETIFF fails. */
static const char *net_tap_hint(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return " (needs CAP_NET_ADMIN or an existing tap owned by you)";
	case EINVAL:
		return " (an interface of that name exists but is not a single-queue tap)";
	case EBUSY:
		return " (another process has it open)";
	default:
		return "";
	}
}

int net_tap_open(struct net_tap *tap, const char *name, char *why, size_t why_len)
{
	struct ifreq ifr;
	size_t name_len = strlen(name);
	int fd, err;

	tap->fd = -1;
	tap->name[0] = '\0';
	if (name_len == 0 || name_len >= IFNAMSIZ) {
		snprintf(why, why_len, "tap \"%s\": an interface name has 1 to %d characters", name,
			 IFNAMSIZ - 1);
		return -EINVAL;
	}
	fd = open(TUN_DEVICE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		snprintf(why, why_len, "tap \"%s\": %s: %s%s", name, TUN_DEVICE, strerror(err),
			 err == ENOENT	 ? " (load the tun module: modprobe tun)"
			 : err == EACCES ? " (svmm's user needs read and write access to it)"
					 : "");
		return -err;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, name_len + 1);
	/* No IFF_VNET_HDR: the device offers no offloads, so frames need no header. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		snprintf(why, why_len, "tap \"%s\": %s%s", name, strerror(err), net_tap_hint(err));
		close(fd);
		return -err;
	}
	tap->fd = fd;
	/* The kernel may have filled in a pattern such as "tap%d". */
	memcpy(tap->name, ifr.ifr_name, IFNAMSIZ);
	tap->name[IFNAMSIZ - 1] = '\0';
	return 0;
}

int net_tap_send(struct net_tap *tap, const struct iovec *iov, unsigned count)
{
	ssize_t n;

	do {
		n = writev(tap->fd, iov, (int)count);
	} while (n < 0 && errno == EINTR);
	/* A tap takes or refuses a frame whole; there is no partial write to finish. */
	return n < 0 ? -errno : 0;
}

ssize_t net_tap_read(struct net_tap *tap, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = read(tap->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

void net_tap_close(struct net_tap *tap)
{
	if (tap->fd >= 0)
		close(tap->fd);
	tap->fd = -1;
}
