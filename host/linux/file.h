/* SPDX-License-Identifier: Apache-2.0 */
/* Whole files (kernel, initrd) mapped read-only into svmm. */
#ifndef SVMM_HOST_LINUX_FILE_H
#define SVMM_HOST_LINUX_FILE_H

#include <stddef.h>

struct host_file {
	void *data;
	size_t size;
};

/*
 * Maps the regular file at `path` read-only. On failure returns -errno and
 * writes `<what> "<path>": <reason>` into why.
 */
int host_file_map(struct host_file *file, const char *path, const char *what, char *why,
		  size_t why_len);
void host_file_unmap(struct host_file *file);

#endif
