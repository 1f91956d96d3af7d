/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blk_server's disk image, included byte for byte into a writable section:
 * the server serves it in place. The Makefile passes its path as SVMM_DISK
 * (an empty file when the VM has no disk).
 */
	.section .data.svmm_disk, "aw"

	.balign 4096
	.global blk_disk_start, blk_disk_end
blk_disk_start:
	.incbin SVMM_DISK
blk_disk_end:
