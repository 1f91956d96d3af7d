/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A raw disk image file as a virtio-blk backend: byte N of the file is
 * byte N of the disk. I/O is synchronous (preadv/pwritev on the calling
 * thread, which holds the VM's device lock).
 */
#ifndef SVMM_HOST_LINUX_BLOCK_FILE_H
#define SVMM_HOST_LINUX_BLOCK_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "virtio/blk.h"

struct block_file {
	int fd; /* locked; opened with O_DIRECT when direct */
	/*
	 * The same file through the page cache: equal to fd unless direct,
	 * when it serves what O_DIRECT refuses (unaligned buffers or offsets).
	 */
	int buffered_fd;
	bool readonly;
	bool direct;
	size_t dio_mem_align;	 /* direct I/O alignment of buffer addresses */
	size_t dio_offset_align; /* ... and of file offsets and lengths */
	/* The filesystem said no once; not asked again. */
	bool punch_unsupported;
	bool zero_range_unsupported;
	void *zeros;	/* a chunk of zeros for write zeroes done by writing */
	int last_error; /* errno of the last failed operation, 0 if none */
	/* Ready for virtio_blk_init(); its ctx points back here, so do not move f. */
	struct blk_backend backend;
};

/*
 * Opens the image at `path` read-write, or read-only (then the file is
 * never written, its lock is shared and the guest sees a read-only disk).
 * `direct` bypasses the host page cache (O_DIRECT). `serial` is the disk's
 * ID for the guest (at most 20 bytes); NULL derives it from the file name.
 *
 * The file is locked with flock(2) (exclusive for a writer, shared for a
 * reader) so that two VMs cannot use one image at once. The disk's size is
 * the file's, rounded down to 512 bytes.
 *
 * On failure returns -errno and writes `disk "<path>": <reason>` into why.
 */
int block_file_open(struct block_file *f, const char *path, bool readonly, bool direct,
		    const char *serial, char *why, size_t why_len);

/* Releases the lock and closes the file; safe on a file that failed to open. */
void block_file_close(struct block_file *f);

#endif
