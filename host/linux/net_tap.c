/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/net_tap.h"

#include <errno.h>
#include <fcntl.h>
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

/*
 * Opens /dev/net/tun and attaches it to `name`, with vnet headers if
 * *vnet_hdr and the kernel has them (*vnet_hdr then says whether it did):
 * the fd, or -errno and `why`.
 */
static int net_tap_attach(const char *name, bool *vnet_hdr, char *attached, char *why,
			  size_t why_len)
{
	struct ifreq ifr;
	unsigned features = 0;
	int fd, err;

	fd = open(TUN_DEVICE, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		snprintf(why, why_len, "tap \"%s\": %s: %s%s", name, TUN_DEVICE, strerror(err),
			 err == ENOENT	 ? " (load the tun module: modprobe tun)"
			 : err == EACCES ? " (svmm's user needs read and write access to it)"
					 : "");
		return -err;
	}
	if (*vnet_hdr && (ioctl(fd, TUNGETFEATURES, &features) < 0 || !(features & IFF_VNET_HDR))) {
		snprintf(why, why_len, "tap \"%s\": the kernel has no vnet headers; offloads off",
			 name);
		*vnet_hdr = false;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | (*vnet_hdr ? IFF_VNET_HDR : 0));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		snprintf(why, why_len, "tap \"%s\": %s%s", name, strerror(err), net_tap_hint(err));
		close(fd);
		return -err;
	}
	/* The kernel may have filled in a pattern such as "tap%d". */
	memcpy(attached, ifr.ifr_name, IFNAMSIZ);
	attached[IFNAMSIZ - 1] = '\0';
	return fd;
}

/* The header as svmm's device writes it: 12 bytes, little-endian. 0 or -errno. */
static int net_tap_set_header(int fd)
{
	int size = NET_TAP_VNET_HDR_LEN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &size) < 0)
		return -errno;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	{
		/* virtio 1 headers are little-endian; the tap's default is the host's order. */
		int le = 1;

		if (ioctl(fd, TUNSETVNETLE, &le) < 0)
			return -errno;
	}
#endif
	return 0;
}

/*
 * The offload sets the kernel takes, each tried with checksumming (which
 * segmentation needs); the tap is left with none. UDP segmentation goes
 * as a pair: the kernel takes USO4 and USO6 together or not at all.
 */
static int net_tap_probe_offloads(int fd, unsigned *accepted)
{
	static const unsigned sets[] = {TUN_F_TSO4 | TUN_F_TSO6, TUN_F_USO4 | TUN_F_USO6};

	*accepted = 0;
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)TUN_F_CSUM) == 0) {
		*accepted = TUN_F_CSUM;
		for (unsigned i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
			if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | sets[i])) == 0)
				*accepted |= sets[i];
	}
	/* Until the guest's driver says what it takes, frames come whole and checksummed. */
	return ioctl(fd, TUNSETOFFLOAD, 0ul) < 0 ? -errno : 0;
}

int net_tap_open(struct net_tap *tap, const char *name, bool vnet_hdr, char *why, size_t why_len)
{
	size_t name_len = strlen(name);
	int fd, err;

	tap->fd = -1;
	tap->name[0] = '\0';
	tap->vnet_hdr = false;
	tap->offloads = 0;
	if (why_len > 0)
		why[0] = '\0';
	if (name_len == 0 || name_len >= IFNAMSIZ) {
		snprintf(why, why_len, "tap \"%s\": an interface name has 1 to %d characters", name,
			 IFNAMSIZ - 1);
		return -EINVAL;
	}
	fd = net_tap_attach(name, &vnet_hdr, tap->name, why, why_len);
	if (fd < 0)
		return fd;
	if (vnet_hdr) {
		err = net_tap_set_header(fd);
		if (err == 0)
			err = net_tap_probe_offloads(fd, &tap->offloads);
		if (err < 0) {
			/* Attached with headers of the wrong shape: start again without any. */
			close(fd);
			vnet_hdr = false;
			fd = net_tap_attach(name, &vnet_hdr, tap->name, why, why_len);
			if (fd < 0)
				return fd;
			tap->offloads = 0;
			snprintf(why, why_len,
				 "tap \"%s\": vnet header set-up failed: %s; offloads off", name,
				 strerror(-err));
		} else {
			tap->vnet_hdr = true;
			if (tap->offloads == 0)
				snprintf(why, why_len,
					 "tap \"%s\": the kernel takes no offloads; offloads off",
					 name);
		}
	}
	tap->fd = fd;
	return 0;
}

int net_tap_set_offload(struct net_tap *tap, unsigned tun_flags)
{
	if ((tun_flags & ~tap->offloads) != 0)
		return -EINVAL;
	if (ioctl(tap->fd, TUNSETOFFLOAD, (unsigned long)tun_flags) < 0)
		return -errno;
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
