/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For harnesses whose code under test reads a file (the JSON descriptions):
 * the fuzzer's input written to one file per fuzzing process, reused across
 * inputs. Returns its path, or NULL when it cannot be written (the harness
 * reports that as a failed check: a fuzzer that cannot feed its target
 * must not pass silently).
 */
#ifndef SVMM_FUZZ_INPUT_FILE_H
#define SVMM_FUZZ_INPUT_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static inline const char *fuzz_input_file(const char *harness, const uint8_t *data, size_t size)
{
	static char path[64];
	FILE *file;
	bool written;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/svmm-fuzz-%s-%d.json", harness, (int)getpid());
	file = fopen(path, "wb");
	if (file == NULL)
		return NULL;
	written = fwrite(data, 1, size, file) == size;
	if (fclose(file) != 0 || !written)
		return NULL;
	return path;
}

#endif
