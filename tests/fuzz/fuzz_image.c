/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the arm64 Image header parser (arch/aarch64/image.c):
 * the input is a kernel file. Checks: a refusal always says why (one line),
 * an accepted header promises a 64-byte header at least, a file size within
 * the input, and a text_offset inside the 2 MiB alignment window (so the
 * boot placement cannot be pushed anywhere by a hostile image).
 *
 *   make fuzz   (or: bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_image)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/image.h"
#include "core/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_image: %s:%d: check failed: %s\n", __FILE__,         \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arm64_image image;
	const char *why = NULL;
	int err = arm64_image_parse(data, size, &image, &why);

	if (err < 0) {
		CHECK(err == -SVMM_ENOEXEC);
		CHECK(why != NULL && why[0] != '\0' && strchr(why, '\n') == NULL);
		return 0;
	}
	CHECK(size >= ARM64_IMAGE_HEADER_SIZE);
	CHECK(image.file_size <= size);
	CHECK(image.text_offset < ARM64_IMAGE_ALIGN);
	return 0;
}
