/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Linux arm64 Image header (Documentation/arch/arm64/booting.rst): the
 * first 64 bytes of a raw, uncompressed arm64 kernel.
 */
#ifndef SVMM_ARCH_AARCH64_IMAGE_H
#define SVMM_ARCH_AARCH64_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define ARM64_IMAGE_HEADER_SIZE 64
#define ARM64_IMAGE_MAGIC	0x644d5241u /* "ARM\x64", little-endian at offset 56 */
/* Kernels since 3.17 must sit at a 2 MiB-aligned base plus text_offset. */
#define ARM64_IMAGE_ALIGN (2u * 1024 * 1024)

struct arm64_image {
	uint64_t text_offset; /* load offset from a 2 MiB-aligned base */
	uint64_t image_size;  /* bytes the kernel occupies once running, BSS included */
	size_t file_size;     /* bytes to copy from the file */
};

/*
 * Checks the header of the `len` bytes at `data` and fills `out`. On
 * failure returns -SVMM_ENOEXEC and sets *why to a one-line explanation that
 * names the problem (truncated file, gzip-compressed, an ELF vmlinux, an
 * x86 bzImage, wrong magic, big-endian kernel, bad text_offset).
 */
int arm64_image_parse(const void *data, size_t len, struct arm64_image *out, const char **why);

#endif
