/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's boot images (kernel, initrd) as svmm loads them: mapped,
 * checked, and planned into the configured RAM. `svmm validate` and
 * `svmm run` share this, so both reject the same bad images the same way.
 */
#ifndef SVMM_CMD_GUEST_IMAGES_H
#define SVMM_CMD_GUEST_IMAGES_H

#include <stddef.h>

#include "arch/aarch64/boot.h"
#include "arch/aarch64/fdt.h"
#include "arch/aarch64/guest_map.h"
#include "config/vm_config.h"
#include "host/linux/file.h"
#include "machine/machine.h"

struct guest_images {
	struct host_file kernel;
	struct host_file initrd; /* data NULL: no initrd */
	struct arm64_image image;
	struct arm64_boot_plan plan;
	struct arm64_guest_map map;
};

/* Maps and checks the images of `cfg`; -errno with a one-line reason in `why`. */
int guest_images_load(struct guest_images *images, const struct vm_config *cfg, char *why,
		      size_t why_len);
void guest_images_release(struct guest_images *images);

/*
 * Builds the guest's device tree into dtb[0..size) for `machine` and
 * writes it to cfg->dtb_out when set. -errno with `why` on failure.
 */
int guest_images_build_dtb(const struct guest_images *images, const struct vm_config *cfg,
			   const struct machine *machine, unsigned gic_version,
			   const char *psci_method, void *dtb, size_t size, char *why,
			   size_t why_len);

#endif
