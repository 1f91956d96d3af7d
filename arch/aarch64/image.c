/* SPDX-License-Identifier: Apache-2.0 */
#include "arch/aarch64/image.h"

#include <stdbool.h>

#include "core/endian.h"
#include "core/errors.h"
#include "core/string.h"

/* Offsets into the 64-byte header (Documentation/arch/arm64/booting.rst). */
#define HEADER_TEXT_OFFSET 8
#define HEADER_IMAGE_SIZE  16
#define HEADER_FLAGS	   24
#define HEADER_MAGIC	   56

/* flags bit 0: the kernel's endianness, 1 meaning big-endian. */
#define FLAG_BIG_ENDIAN 1u

/*
 * What booting.rst tells a loader to assume when image_size is zero, which
 * marks a kernel older than 3.17 whose text_offset field cannot be trusted.
 */
#define LEGACY_TEXT_OFFSET 0x80000u

#define PAGE_SIZE 4096u

/* x86 boot protocol: "HdrS" at 0x202 marks a bzImage's setup header. */
#define X86_SETUP_HEADER_MAGIC_OFFSET 0x202

static bool starts_with(const uint8_t *data, size_t len, size_t offset, const void *magic,
			size_t magic_len)
{
	return len >= offset && len - offset >= magic_len &&
	       memcmp(data + offset, magic, magic_len) == 0;
}

/*
 * Recognises the files people most often pass by mistake, so the error can
 * say what to do instead of only "bad magic".
 */
static const char *explain_foreign_format(const uint8_t *data, size_t len)
{
	if (starts_with(data, len, 0, "\x1f\x8b", 2))
		return "kernel is gzip-compressed; decompress it first (zcat vmlinuz > Image)";
	if (starts_with(data, len, 0, "\x28\xb5\x2f\xfd", 4))
		return "kernel is zstd-compressed; decompress it first (zstd -d vmlinuz -o Image)";
	if (starts_with(data, len, 0,
			"\xfd"
			"7zXZ\0",
			6))
		return "kernel is xz-compressed; decompress it first (xz -dc vmlinuz > Image)";
	if (starts_with(data, len, 0,
			"\x7f"
			"ELF",
			4))
		return "kernel is an ELF file (vmlinux); pass the raw arm64 Image "
		       "(arch/arm64/boot/Image)";
	/* EFI zboot (CONFIG_EFI_ZBOOT): a PE stub wrapping a compressed Image. */
	if (starts_with(data, len, 0, "MZ", 2) && starts_with(data, len, 4, "zimg", 4))
		return "kernel is an EFI zboot image (vmlinuz.efi); extract the arm64 Image "
		       "from it first";
	if (starts_with(data, len, X86_SETUP_HEADER_MAGIC_OFFSET, "HdrS", 4))
		return "kernel is an x86 bzImage, not an arm64 Image";
	return NULL;
}

/* 0 when the rounded value would not fit in 64 bits. */
static uint64_t round_up_2mib(uint64_t value)
{
	const uint64_t mask = ARM64_IMAGE_ALIGN - 1;

	if (value > UINT64_MAX - mask)
		return 0;
	return (value + mask) & ~mask;
}

int arm64_image_parse(const void *data, size_t len, struct arm64_image *out, const char **why)
{
	const uint8_t *bytes = data;
	const char *unused_why;
	uint64_t text_offset, image_size, flags;

	if (why == NULL)
		why = &unused_why;
	*why = NULL;
	if (out == NULL || (data == NULL && len != 0)) {
		*why = "no kernel to check";
		return -SVMM_EINVAL;
	}

	/*
	 * A real arm64 Image always carries the magic; only without it is it
	 * worth guessing what the file is instead.
	 */
	if (len < ARM64_IMAGE_HEADER_SIZE ||
	    (uint32_t)le_load(bytes + HEADER_MAGIC, 4) != ARM64_IMAGE_MAGIC) {
		const char *foreign = explain_foreign_format(bytes, len);

		if (foreign != NULL)
			*why = foreign;
		else if (len < ARM64_IMAGE_HEADER_SIZE)
			*why = "file is too short to be an arm64 Linux Image";
		else
			*why = "not an arm64 Linux Image (no ARM\\x64 magic at offset 56)";
		return -SVMM_ENOEXEC;
	}

	text_offset = le_load(bytes + HEADER_TEXT_OFFSET, 8);
	image_size = le_load(bytes + HEADER_IMAGE_SIZE, 8);
	flags = le_load(bytes + HEADER_FLAGS, 8);

	if (image_size == 0) {
		/*
		 * Before 3.17 the header had no image_size, flags were
		 * reserved, and text_offset was in the kernel's own byte
		 * order; booting.rst says to assume 0x80000. Such a kernel
		 * does not declare its BSS either, so the best bound is the
		 * file rounded to the 2 MiB granule. The boot plan puts initrd
		 * and DTB at the top of RAM, so the undeclared BSS is safe
		 * whenever RAM has a few MiB to spare above that bound.
		 */
		image_size = round_up_2mib(len);
		if (image_size == 0) {
			*why = "file is too large to be an arm64 Linux Image";
			return -SVMM_ENOEXEC;
		}
		out->text_offset = LEGACY_TEXT_OFFSET;
		out->image_size = image_size;
		out->file_size = len;
		return 0;
	}

	if (flags & FLAG_BIG_ENDIAN) {
		*why = "kernel is big-endian; svmm boots only little-endian arm64 kernels";
		return -SVMM_ENOEXEC;
	}
	/*
	 * The kernel is placed at a 2 MiB-aligned base plus text_offset, so an
	 * offset of 2 MiB or more would land in the next granule, and the
	 * kernel maps itself in pages, so it must be page-aligned. Released
	 * kernels use 0x80000, 0, or (RANDOMIZE_TEXT_OFFSET) a page multiple
	 * below 2 MiB.
	 */
	if (text_offset >= ARM64_IMAGE_ALIGN || text_offset % PAGE_SIZE != 0) {
		*why = "header text_offset is not a 4 KiB multiple below 2 MiB";
		return -SVMM_ENOEXEC;
	}
	/* image_size counts the file plus BSS; less than the file is a corrupt header. */
	if (image_size < len) {
		*why = "header image_size smaller than the file";
		return -SVMM_ENOEXEC;
	}

	out->text_offset = text_offset;
	out->image_size = image_size;
	out->file_size = len;
	return 0;
}
