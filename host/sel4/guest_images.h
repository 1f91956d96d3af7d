/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's kernel, initrd and device tree, and svmm's settings for the VM
 * ("on_reboot=restart", one key=value a line), packaged into svmm.elf by
 * guest_images.S at build time: seL4 gives a protection domain no files.
 */
#ifndef SVMM_HOST_SEL4_GUEST_IMAGES_H
#define SVMM_HOST_SEL4_GUEST_IMAGES_H

#include <stddef.h>
#include <stdint.h>

struct sel4_guest_blob {
	const uint8_t *data;
	size_t size;
};

struct sel4_guest_images {
	struct sel4_guest_blob kernel, initrd, dtb; /* initrd.size 0: none */
	struct sel4_guest_blob settings;
};

void sel4_guest_images(struct sel4_guest_images *out);

#endif
