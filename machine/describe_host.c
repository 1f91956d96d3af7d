/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A host whose devices do no I/O: it lets a machine be assembled only to be
 * described (its device tree for `svmm validate` and `svmm sdf --dtb-out`,
 * and unit tests), with every device where a running VM would have it.
 */
#include "machine/describe_host.h"

#include "core/errors.h"

static int describe_no_io(void *ctx, uint64_t offset, const struct blk_io_segment *segs,
			  unsigned count)
{
	(void)ctx;
	(void)offset;
	(void)segs;
	(void)count;
	return -SVMM_EIO;
}

static const struct blk_backend_ops describe_blk_ops = {.read = describe_no_io,
							.write = describe_no_io};

static int describe_disk(void *ctx, unsigned index, struct blk_backend *backend)
{
	(void)ctx;
	(void)index;
	*backend = (struct blk_backend){.ops = &describe_blk_ops};
	return 0;
}

static int describe_send(void *ctx, const struct net_iovec *iov, unsigned count)
{
	(void)ctx;
	(void)iov;
	(void)count;
	return -SVMM_EIO;
}

static const struct net_backend_ops describe_net_ops = {.send = describe_send};

static int describe_net(void *ctx, unsigned index, struct virtio_net *net, uint8_t mac[6],
			struct virtio_net_backend *backend)
{
	(void)ctx;
	(void)net;
	/* Locally administered, so the device model accepts it. */
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[5] = (uint8_t)index;
	*backend = (struct virtio_net_backend){.ops = &describe_net_ops};
	return 0;
}

static int describe_fill(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return -SVMM_EIO;
}

static int describe_rng(void *ctx, struct rng_source *source)
{
	(void)ctx;
	*source = (struct rng_source){.fill = describe_fill};
	return 0;
}

static int describe_vsock(void *ctx, struct virtio_vsock *vsock)
{
	(void)ctx;
	(void)vsock;
	return 0;
}

static const struct machine_host_ops describe_ops = {
    .disk = describe_disk,
    .net = describe_net,
    .rng = describe_rng,
    .vsock = describe_vsock,
};

void machine_describe_host(struct machine_host *host)
{
	*host = (struct machine_host){.ops = &describe_ops};
}
