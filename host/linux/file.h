/* SPDX-License-Identifier: Apache-2.0 */
/* Whole files (kernel, initrd) mapped read-only into svmm, and writes that must not stall. */
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

/*
 * Writes as much of data to fd as it takes, retrying on EINTR and short
 * writes, and gives up at the first refusal (a full pipe or pty of a
 * non-blocking fd, a gone reader): for consoles, where losing characters is
 * better than stalling a guest. Returns the bytes written.
 */
size_t host_write_or_drop(int fd, const void *data, size_t len);

#endif
