/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest images, included byte for byte. The Makefile passes their paths
 * as SVMM_KERNEL, SVMM_INITRD (an empty file for none), SVMM_DTB and
 * SVMM_SETTINGS (svmm's own settings for this VM, from svmm sdf --build-dir).
 */
	.section .rodata.svmm_guest, "a"

	.balign 4096
	.global svmm_kernel_start, svmm_kernel_end
svmm_kernel_start:
	.incbin SVMM_KERNEL
svmm_kernel_end:

	.balign 4096
	.global svmm_initrd_start, svmm_initrd_end
svmm_initrd_start:
	.incbin SVMM_INITRD
svmm_initrd_end:

	.balign 8
	.global svmm_dtb_start, svmm_dtb_end
svmm_dtb_start:
	.incbin SVMM_DTB
svmm_dtb_end:

	.global svmm_settings_start, svmm_settings_end
svmm_settings_start:
	.incbin SVMM_SETTINGS
svmm_settings_end:
