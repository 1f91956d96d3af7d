/* SPDX-License-Identifier: Apache-2.0 */
#include "host/sel4/guest_images.h"

/* Defined in guest_images_blobs.S. */
extern const uint8_t svmm_kernel_start[], svmm_kernel_end[];
extern const uint8_t svmm_initrd_start[], svmm_initrd_end[];
extern const uint8_t svmm_dtb_start[], svmm_dtb_end[];
extern const uint8_t svmm_settings_start[], svmm_settings_end[];

static struct sel4_guest_blob blob(const uint8_t *start, const uint8_t *end)
{
	return (struct sel4_guest_blob){.data = start, .size = (size_t)(end - start)};
}

void sel4_guest_images(struct sel4_guest_images *out)
{
	out->kernel = blob(svmm_kernel_start, svmm_kernel_end);
	out->initrd = blob(svmm_initrd_start, svmm_initrd_end);
	out->dtb = blob(svmm_dtb_start, svmm_dtb_end);
	out->settings = blob(svmm_settings_start, svmm_settings_end);
}
