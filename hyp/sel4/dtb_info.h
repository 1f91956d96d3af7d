/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The facts svmm on seL4 takes from the guest's device tree, which the build
 * wrote with `svmm sdf --dtb-out` from the same VM description as the SDF
 * (so the tree, not a second copy of the description, says how many vCPUs
 * the guest was promised and where its initrd must go).
 */
#ifndef SVMM_HYP_SEL4_DTB_INFO_H
#define SVMM_HYP_SEL4_DTB_INFO_H

#include <stddef.h>
#include <stdint.h>

#define DTB_INFO_MAX_VIRTIO 8

struct dtb_info {
	unsigned cpus;	       /* /cpus/cpu@N nodes */
	uint64_t initrd_start; /* /chosen linux,initrd-start; 0 without one */
	uint64_t initrd_end;
	/* Top-level "virtio,mmio" nodes, in tree order (at most DTB_INFO_MAX_VIRTIO). */
	struct {
		uint64_t base; /* the first reg entry's address */
		unsigned irq;  /* the SPI number of its first interrupts entry */
	} virtio[DTB_INFO_MAX_VIRTIO];
	unsigned virtio_count; /* all of them, even past DTB_INFO_MAX_VIRTIO */
};

/* Reads a flattened device tree: 0, or -SVMM_EINVAL for a malformed one. */
int dtb_info_read(const void *dtb, size_t size, struct dtb_info *info);

#endif
