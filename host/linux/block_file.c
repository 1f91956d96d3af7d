/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The raw image backend. Decisions worth knowing:
 *
 * - Locking is flock(2) on the open file: a second svmm (or anything else
 *   that honours flock) cannot open the image for writing while one has
 *   it, nor for reading while one writes it.
 * - A read that meets the end of the file inside the disk (the file
 *   shrank after open; the lock is advisory) returns zeros for the rest,
 *   as a hole would, rather than failing the guest's disk.
 * - Discard punches a hole. It is only a hint to the device (virtio 1.2
 *   5.2.6.2: the device MAY deallocate), so on a filesystem that cannot
 *   punch holes it succeeds doing nothing; whether holes work is learned
 *   from the first attempt rather than by probing at open, which would
 *   have to touch the file.
 * - Write zeroes must leave zeros, so it falls back from hole punching (if
 *   unmap is allowed) to FALLOC_FL_ZERO_RANGE to writing zeros; it always
 *   works and is always offered on a writable file.
 * - With direct I/O, requests whose buffers or offsets O_DIRECT refuses go
 *   through a second descriptor without O_DIRECT; the kernel keeps the
 *   page cache coherent with direct I/O on the same file.
 */
#include "host/linux/block_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/errors.h"

/* iovecs handed to one preadv/pwritev; longer requests take several calls. */
#define IOV_BATCH 64
/* Write zeroes by writing goes this many bytes at a time. */
#define ZERO_CHUNK (256u * 1024u)
/* Direct I/O alignment when the kernel does not say (statx DIOALIGN). */
#define DIO_ALIGN_DEFAULT 4096u

static struct block_file *bf_from_ctx(void *ctx)
{
	return ctx;
}

/*
 * Turns a failed call's errno into what the device understands, keeping
 * the errno for the host's diagnostics. A full host disk is worth telling
 * apart in the device's log; everything else is an I/O error to the guest.
 */
static int bf_error(struct block_file *f, int err)
{
	f->last_error = err;
	return err == ENOSPC ? -SVMM_ENOSPC : -SVMM_EIO;
}

/* Whether O_DIRECT accepts this transfer: offset, lengths and buffers aligned. */
static bool bf_direct_ok(const struct block_file *f, uint64_t offset, const struct iovec *iov,
			 int n)
{
	if (offset % f->dio_offset_align != 0)
		return false;
	for (int i = 0; i < n; i++)
		if ((uintptr_t)iov[i].iov_base % f->dio_mem_align != 0 ||
		    iov[i].iov_len % f->dio_offset_align != 0)
			return false;
	return true;
}

/*
 * Reads or writes the segments at `offset`, looping over short transfers
 * and EINTR, at most IOV_BATCH segments per system call.
 */
static int bf_transfer(struct block_file *f, bool write, uint64_t offset,
		       const struct blk_io_segment *segs, unsigned count)
{
	unsigned i = 0;	 /* first segment not yet done */
	size_t done = 0; /* bytes of segs[i] already done */

	for (;;) {
		struct iovec iov[IOV_BATCH];
		ssize_t got;
		int n = 0, fd;

		for (unsigned j = i; j < count && n < IOV_BATCH; j++) {
			size_t skip = j == i ? done : 0;

			if (segs[j].len == skip)
				continue;
			iov[n].iov_base = (char *)segs[j].base + skip;
			iov[n].iov_len = segs[j].len - skip;
			n++;
		}
		if (n == 0)
			return 0;
		if (offset > (uint64_t)INT64_MAX)
			return bf_error(f, EOVERFLOW);
		fd = f->direct && bf_direct_ok(f, offset, iov, n) ? f->fd : f->buffered_fd;
		if (write)
			got = pwritev(fd, iov, n, (off_t)offset);
		else
			got = preadv(fd, iov, n, (off_t)offset);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return bf_error(f, errno);
		if (got == 0 && write)
			return bf_error(f, EIO); /* no progress: would loop forever */
		if (got == 0) {
			/* End of file inside the disk: the rest reads as a hole. */
			for (unsigned j = i; j < count; j++) {
				size_t skip = j == i ? done : 0;

				memset((char *)segs[j].base + skip, 0, segs[j].len - skip);
			}
			return 0;
		}
		offset += (uint64_t)got;
		for (size_t left = (size_t)got; left != 0;) {
			size_t room = segs[i].len - done;

			if (left < room) {
				done += left;
				left = 0;
			} else {
				left -= room;
				i++;
				done = 0;
			}
		}
	}
}

static int bf_read(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count)
{
	return bf_transfer(bf_from_ctx(ctx), false, offset, segs, count);
}

static int bf_write(void *ctx, uint64_t offset, const struct blk_io_segment *segs, unsigned count)
{
	struct block_file *f = bf_from_ctx(ctx);

	if (f->readonly)
		return -SVMM_EPERM; /* the device never asks; this is a second wall */
	return bf_transfer(f, true, offset, segs, count);
}

static int bf_flush(void *ctx)
{
	struct block_file *f = bf_from_ctx(ctx);

	if (f->readonly)
		return 0;
	/* Data and the metadata needed to read it back (a grown file's size). */
	if (fdatasync(f->fd) < 0)
		return bf_error(f, errno);
	return 0;
}

static bool bf_unsupported(int err)
{
	return err == EOPNOTSUPP || err == ENOSYS;
}

static int bf_fallocate(int fd, int mode, uint64_t offset, uint64_t len)
{
	int ret;

	do
		ret = fallocate(fd, mode, (off_t)offset, (off_t)len);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? errno : 0;
}

static int bf_discard(void *ctx, uint64_t offset, uint64_t len)
{
	struct block_file *f = bf_from_ctx(ctx);
	int err;

	if (f->readonly)
		return -SVMM_EPERM;
	if (f->punch_unsupported)
		return 0;
	err = bf_fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
	if (bf_unsupported(err)) {
		f->punch_unsupported = true;
		return 0; /* discard is a hint: not freeing the space is allowed */
	}
	return err == 0 ? 0 : bf_error(f, err);
}

/* Zeros [offset, offset + len) by writing them, through the page cache. */
static int bf_write_zeros(struct block_file *f, uint64_t offset, uint64_t len)
{
	while (len != 0) {
		size_t chunk = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;
		ssize_t got = pwrite(f->buffered_fd, f->zeros, chunk, (off_t)offset);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return bf_error(f, errno);
		if (got == 0)
			return bf_error(f, EIO);
		offset += (uint64_t)got;
		len -= (uint64_t)got;
	}
	return 0;
}

static int bf_write_zeroes(void *ctx, uint64_t offset, uint64_t len, bool unmap)
{
	struct block_file *f = bf_from_ctx(ctx);
	int err;

	if (f->readonly)
		return -SVMM_EPERM;
	/* A punched hole reads back as zeros and frees the space, as unmap allows. */
	if (unmap && !f->punch_unsupported) {
		err = bf_fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
		if (err == 0)
			return 0;
		if (!bf_unsupported(err))
			return bf_error(f, err);
		f->punch_unsupported = true;
	}
	if (!f->zero_range_unsupported) {
		err = bf_fallocate(f->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, len);
		if (err == 0)
			return 0;
		if (!bf_unsupported(err))
			return bf_error(f, err);
		f->zero_range_unsupported = true;
	}
	return bf_write_zeros(f, offset, len);
}

static const struct blk_backend_ops block_file_ops = {
    .read = bf_read,
    .write = bf_write,
    .flush = bf_flush,
    .discard = bf_discard,
    .write_zeroes = bf_write_zeroes,
};

/*
 * The guest's disk ID from the file name: its last path component, cut to
 * 20 bytes, with anything but printable ASCII (which the spec asks for)
 * made '_'.
 */
static void bf_serial_from_path(char serial[VIRTIO_BLK_ID_BYTES], const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;

	memset(serial, 0, VIRTIO_BLK_ID_BYTES);
	for (size_t i = 0; i < VIRTIO_BLK_ID_BYTES && name[i] != '\0'; i++)
		serial[i] = name[i] > ' ' && name[i] < 0x7f ? name[i] : '_';
}

/* Direct I/O alignment as the kernel reports it, or a safe default. */
static void bf_dio_align(struct block_file *f)
{
	f->dio_mem_align = DIO_ALIGN_DEFAULT;
	f->dio_offset_align = DIO_ALIGN_DEFAULT;
#ifdef STATX_DIOALIGN
	struct statx stx;

	if (statx(f->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN) != 0 && stx.stx_dio_mem_align != 0 &&
	    stx.stx_dio_offset_align != 0) {
		f->dio_mem_align = stx.stx_dio_mem_align;
		f->dio_offset_align = stx.stx_dio_offset_align;
	}
#endif
}

/*
 * Opens the file, telling apart a filesystem that refuses O_DIRECT (an
 * EINVAL that plain open does not give) from every other failure.
 */
static int bf_open_file(struct block_file *f, const char *path, char *why, size_t why_len)
{
	int flags = (f->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	int err;

	f->fd = open(path, flags | (f->direct ? O_DIRECT : 0));
	if (f->fd >= 0)
		return 0;
	err = errno;
	if (f->direct && err == EINVAL) {
		int plain = open(path, flags);

		if (plain >= 0) {
			close(plain);
			snprintf(why, why_len,
				 "disk \"%s\": its filesystem does not support direct I/O "
				 "(O_DIRECT); drop \"direct\"",
				 path);
			return -EINVAL;
		}
		err = errno;
	}
	if (!f->readonly && (err == EROFS || err == EACCES))
		snprintf(why, why_len, "disk \"%s\": %s (to use it read-only, add \"readonly\")",
			 path, strerror(err));
	else
		snprintf(why, why_len, "disk \"%s\": %s", path, strerror(err));
	return -err;
}

/* The second descriptor of a direct-I/O file, checked to be the same file. */
static int bf_open_buffered(struct block_file *f, const char *path, const struct stat *info,
			    char *why, size_t why_len)
{
	struct stat again;

	f->buffered_fd = open(path, (f->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (f->buffered_fd < 0 || fstat(f->buffered_fd, &again) < 0) {
		int err = errno;

		snprintf(why, why_len, "disk \"%s\": %s", path, strerror(err));
		return -err;
	}
	if (again.st_dev != info->st_dev || again.st_ino != info->st_ino) {
		snprintf(why, why_len, "disk \"%s\": the file was replaced while being opened",
			 path);
		return -EBUSY;
	}
	return 0;
}

static int bf_setup(struct block_file *f, const char *path, const char *serial, char *why,
		    size_t why_len)
{
	struct stat info;
	int err;

	err = bf_open_file(f, path, why, why_len);
	if (err < 0)
		return err;
	/* Lock first, so nothing below races a VM that already has the image. */
	if (flock(f->fd, (f->readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		err = errno;
		if (err == EWOULDBLOCK)
			snprintf(why, why_len,
				 "disk \"%s\": locked by another process (is another VM using it?)",
				 path);
		else
			snprintf(why, why_len, "disk \"%s\": cannot lock it: %s", path,
				 strerror(err));
		return -err;
	}
	if (fstat(f->fd, &info) < 0) {
		err = errno;
		snprintf(why, why_len, "disk \"%s\": %s", path, strerror(err));
		return -err;
	}
	if (!S_ISREG(info.st_mode)) {
		snprintf(why, why_len, "disk \"%s\": not a regular file (a raw image is expected)",
			 path);
		return -EINVAL;
	}
	if (info.st_size < (off_t)VIRTIO_BLK_SECTOR_SIZE) {
		snprintf(why, why_len,
			 "disk \"%s\": %lld bytes is smaller than one %u-byte sector; "
			 "a raw image is expected",
			 path, (long long)info.st_size, VIRTIO_BLK_SECTOR_SIZE);
		return -EINVAL;
	}
	if (serial != NULL && strlen(serial) > VIRTIO_BLK_ID_BYTES) {
		snprintf(why, why_len, "disk \"%s\": serial \"%s\" is longer than %u bytes", path,
			 serial, VIRTIO_BLK_ID_BYTES);
		return -EINVAL;
	}
	if (f->direct) {
		err = bf_open_buffered(f, path, &info, why, why_len);
		if (err < 0)
			return err;
		bf_dio_align(f);
	} else {
		f->buffered_fd = f->fd;
	}
	if (!f->readonly) {
		f->zeros = calloc(1, ZERO_CHUNK);
		if (f->zeros == NULL) {
			snprintf(why, why_len, "disk \"%s\": out of memory", path);
			return -ENOMEM;
		}
	}

	f->backend.ops = &block_file_ops;
	f->backend.ctx = f;
	/* A partial last sector cannot be addressed by the guest, so it is left out. */
	f->backend.capacity_bytes =
	    (uint64_t)info.st_size & ~(uint64_t)(VIRTIO_BLK_SECTOR_SIZE - 1);
	f->backend.readonly = f->readonly;
	f->backend.can_discard = !f->readonly;
	f->backend.can_write_zeroes = !f->readonly;
	if (serial != NULL) {
		memset(f->backend.serial, 0, sizeof(f->backend.serial));
		memcpy(f->backend.serial, serial, strlen(serial));
	} else {
		bf_serial_from_path(f->backend.serial, path);
	}
	return 0;
}

int block_file_open(struct block_file *f, const char *path, bool readonly, bool direct,
		    const char *serial, char *why, size_t why_len)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->buffered_fd = -1;
	f->readonly = readonly;
	f->direct = direct;
	err = bf_setup(f, path, serial, why, why_len);
	if (err < 0)
		block_file_close(f);
	return err;
}

void block_file_close(struct block_file *f)
{
	if (f->buffered_fd >= 0 && f->buffered_fd != f->fd)
		close(f->buffered_fd);
	/* Closing the last descriptor of the open file releases the flock. */
	if (f->fd >= 0)
		close(f->fd);
	free(f->zeros);
	f->fd = -1;
	f->buffered_fd = -1;
	f->zeros = NULL;
	f->backend.ops = NULL;
}
