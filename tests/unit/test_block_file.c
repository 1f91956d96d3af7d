/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The raw image backend on real temporary files: what the guest's I/O does
 * to the file, that a read-only disk leaves it untouched, locking between
 * two opens, and the one-line errors a user sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "host/linux/block_file.h"

#define MIB (1024u * 1024u)

struct fixture {
	char dir[256];
	char path[PATH_MAX];
	char why[512];
};

/* Fills `buf` with a pattern that differs at every offset of the file. */
static void pattern(uint8_t *buf, size_t len, uint64_t file_offset, uint8_t seed)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t at = file_offset + i;

		buf[i] = (uint8_t)(at ^ (at >> 8) ^ (at >> 16) ^ seed);
	}
}

/* A file of `size` bytes holding pattern(seed) at `path`. */
static void make_image(const char *path, size_t size, uint8_t seed)
{
	uint8_t *buf = malloc(size);
	int fd;

	assert_non_null(buf);
	pattern(buf, size, 0, seed);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	assert_int_equal(fsync(fd), 0);
	close(fd);
	free(buf);
}

static void read_file(const char *path, uint64_t offset, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)offset), (ssize_t)len);
	close(fd);
}

static bool all_zero(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != 0)
			return false;
	return true;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(f);
	assert_true(snprintf(f->dir, sizeof(f->dir), "%s/svmm-block-file-XXXXXX",
			     tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp") < (int)sizeof(f->dir));
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/disk.img", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	uint8_t out_a[1536], out_b[2560], in_a[512], in_b[3584], file[4096], expect[4096];
	struct blk_io_segment w[2] = {{out_a, sizeof(out_a)}, {out_b, sizeof(out_b)}};
	struct blk_io_segment r[2] = {{in_a, sizeof(in_a)}, {in_b, sizeof(in_b)}};

	(void)state;
	make_image(f->path, MIB, 1);
	assert_int_equal(block_file_open(&bf, f->path, false, false, NULL, f->why, sizeof(f->why)),
			 0);
	assert_int_equal(bf.backend.capacity_bytes, MIB);
	assert_false(bf.backend.readonly);
	assert_true(bf.backend.can_discard);
	assert_true(bf.backend.can_write_zeroes);
	assert_ptr_equal(bf.backend.ctx, &bf);

	/* Written in two pieces, read back split differently. */
	pattern(out_a, sizeof(out_a), 0, 0x5a);
	pattern(out_b, sizeof(out_b), sizeof(out_a), 0x5a);
	assert_int_equal(bf.backend.ops->write(bf.backend.ctx, 8192, w, 2), 0);
	assert_int_equal(bf.backend.ops->read(bf.backend.ctx, 8192, r, 2), 0);
	pattern(expect, sizeof(expect), 0, 0x5a);
	assert_memory_equal(in_a, expect, sizeof(in_a));
	assert_memory_equal(in_b, expect + sizeof(in_a), sizeof(in_b));
	assert_int_equal(bf.backend.ops->flush(bf.backend.ctx), 0);

	/* The bytes are in the file, at the same offset; the neighbours are not touched. */
	read_file(f->path, 8192, file, sizeof(file));
	assert_memory_equal(file, expect, sizeof(file));
	read_file(f->path, 4096, file, sizeof(file));
	pattern(expect, sizeof(expect), 4096, 1);
	assert_memory_equal(file, expect, sizeof(file));
	read_file(f->path, 12288, file, sizeof(file));
	pattern(expect, sizeof(expect), 12288, 1);
	assert_memory_equal(file, expect, sizeof(file));

	/* The last sector of the disk. */
	assert_int_equal(bf.backend.ops->read(bf.backend.ctx, MIB - 512, r, 1), 0);
	pattern(expect, 512, MIB - 512, 1);
	assert_memory_equal(in_a, expect, 512);
	block_file_close(&bf);
	assert_int_equal(bf.fd, -1);
	block_file_close(&bf); /* twice is harmless */
}

static void test_many_segments(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	enum { SEGS = 200 }; /* more than one preadv batch */
	static uint8_t data[SEGS][512], back[SEGS][512];
	struct blk_io_segment segs[SEGS];

	make_image(f->path, MIB, 2);
	assert_int_equal(block_file_open(&bf, f->path, false, false, NULL, f->why, sizeof(f->why)),
			 0);
	for (unsigned i = 0; i < SEGS; i++) {
		pattern(data[i], 512, i * 512u, 0x77);
		segs[i] = (struct blk_io_segment){data[SEGS - 1 - i], 512};
	}
	assert_int_equal(bf.backend.ops->write(bf.backend.ctx, 0, segs, SEGS), 0);
	for (unsigned i = 0; i < SEGS; i++)
		segs[i] = (struct blk_io_segment){back[i], 512};
	assert_int_equal(bf.backend.ops->read(bf.backend.ctx, 0, segs, SEGS), 0);
	for (unsigned i = 0; i < SEGS; i++)
		assert_memory_equal(back[i], data[SEGS - 1 - i], 512);
	block_file_close(&bf);
}

static void test_capacity_rounds_down(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	uint8_t buf[512], expect[512];
	struct blk_io_segment seg = {buf, sizeof(buf)};

	make_image(f->path, 1000, 3);
	assert_int_equal(block_file_open(&bf, f->path, false, false, NULL, f->why, sizeof(f->why)),
			 0);
	assert_int_equal(bf.backend.capacity_bytes, 512);
	assert_int_equal(bf.backend.ops->read(bf.backend.ctx, 0, &seg, 1), 0);
	pattern(expect, sizeof(expect), 0, 3);
	assert_memory_equal(buf, expect, sizeof(buf));
	block_file_close(&bf);
}

static void test_too_small(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	char expect[PATH_MAX + 128];

	make_image(f->path, 100, 4);
	assert_int_equal(block_file_open(&bf, f->path, false, false, NULL, f->why, sizeof(f->why)),
			 -EINVAL);
	snprintf(expect, sizeof(expect),
		 "disk \"%s\": 100 bytes is smaller than one 512-byte sector; a raw image is "
		 "expected",
		 f->path);
	assert_string_equal(f->why, expect);
	assert_int_equal(bf.fd, -1);

	/* An empty file too; and a failed open holds no lock. */
	make_image(f->path, 0, 0);
	assert_int_equal(block_file_open(&bf, f->path, false, false, NULL, f->why, sizeof(f->why)),
			 -EINVAL);
	make_image(f->path, 4096, 0);
	assert_int_equal(block_file_open(&bf, f->path, false, false, NULL, f->why, sizeof(f->why)),
			 0);
	block_file_close(&bf);
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	char path[PATH_MAX], expect[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/x.img", f->dir);
	assert_int_equal(block_file_open(&bf, path, false, false, NULL, f->why, sizeof(f->why)),
			 -ENOENT);
	snprintf(expect, sizeof(expect), "disk \"%s\": No such file or directory", path);
	assert_string_equal(f->why, expect);
	assert_int_equal(block_file_open(&bf, path, true, true, NULL, f->why, sizeof(f->why)),
			 -ENOENT);
	assert_string_equal(f->why, expect);
}

static void test_not_a_regular_file(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	char expect[PATH_MAX + 64];

	assert_int_equal(block_file_open(&bf, f->dir, true, false, NULL, f->why, sizeof(f->why)),
			 -EINVAL);
	snprintf(expect, sizeof(expect),
		 "disk \"%s\": not a regular file (a raw image is expected)", f->dir);
	assert_string_equal(f->why, expect);
	/* Read-write, open() itself refuses a directory. */
	assert_int_equal(block_file_open(&bf, f->dir, false, false, NULL, f->why, sizeof(f->why)),
			 -EISDIR);
}

static void test_readonly_never_modifies(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	struct stat before, after;
	uint8_t *orig = malloc(MIB), *now = malloc(MIB);
	uint8_t buf[4096];
	struct blk_io_segment seg = {buf, sizeof(buf)};

	assert_non_null(orig);
	assert_non_null(now);
	make_image(f->path, MIB, 5);
	read_file(f->path, 0, orig, MIB);
	assert_int_equal(stat(f->path, &before), 0);
	/* Let a modification show up in mtime even on coarse clocks. */
	usleep(20000);

	assert_int_equal(block_file_open(&bf, f->path, true, false, NULL, f->why, sizeof(f->why)),
			 0);
	assert_true(bf.backend.readonly);
	assert_false(bf.backend.can_discard);
	assert_false(bf.backend.can_write_zeroes);
	assert_int_equal(fcntl(bf.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_null(bf.zeros);
	assert_int_equal(bf.backend.ops->read(bf.backend.ctx, 0, &seg, 1), 0);
	assert_memory_equal(buf, orig, sizeof(buf));
	/* Every writing operation is refused even if called. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(bf.backend.ops->write(bf.backend.ctx, 0, &seg, 1), -SVMM_EPERM);
	assert_int_equal(bf.backend.ops->discard(bf.backend.ctx, 0, 4096), -SVMM_EPERM);
	assert_int_equal(bf.backend.ops->write_zeroes(bf.backend.ctx, 0, 4096, false), -SVMM_EPERM);
	assert_int_equal(bf.backend.ops->write_zeroes(bf.backend.ctx, 0, 4096, true), -SVMM_EPERM);
	assert_int_equal(bf.backend.ops->flush(bf.backend.ctx), 0);
	block_file_close(&bf);

	/* Direct read-only too. */
	assert_int_equal(block_file_open(&bf, f->path, true, true, NULL, f->why, sizeof(f->why)),
			 0);
	assert_int_equal(fcntl(bf.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(fcntl(bf.buffered_fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	block_file_close(&bf);

	assert_int_equal(stat(f->path, &after), 0);
	assert_int_equal(after.st_size, before.st_size);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	assert_int_equal(after.st_ctim.tv_sec, before.st_ctim.tv_sec);
	assert_int_equal(after.st_ctim.tv_nsec, before.st_ctim.tv_nsec);
	read_file(f->path, 0, now, MIB);
	assert_memory_equal(now, orig, MIB);
	free(orig);
	free(now);
}

static void test_lock_conflicts(void **state)
{
	struct fixture *f = *state;
	struct block_file writer, other, reader1, reader2;
	char expect[PATH_MAX + 128];

	make_image(f->path, MIB, 6);
	snprintf(expect, sizeof(expect),
		 "disk \"%s\": locked by another process (is another VM using it?)", f->path);

	assert_int_equal(
	    block_file_open(&writer, f->path, false, false, NULL, f->why, sizeof(f->why)), 0);
	/* A second writer, and a reader, are refused while one writer has it. */
	assert_int_equal(
	    block_file_open(&other, f->path, false, false, NULL, f->why, sizeof(f->why)),
	    -EWOULDBLOCK);
	assert_string_equal(f->why, expect);
	assert_int_equal(
	    block_file_open(&other, f->path, true, false, NULL, f->why, sizeof(f->why)),
	    -EWOULDBLOCK);
	assert_string_equal(f->why, expect);
	assert_int_equal(
	    block_file_open(&other, f->path, false, true, NULL, f->why, sizeof(f->why)),
	    -EWOULDBLOCK);
	block_file_close(&writer);

	/* Readers share; a writer must wait for all of them. */
	assert_int_equal(
	    block_file_open(&reader1, f->path, true, false, NULL, f->why, sizeof(f->why)), 0);
	assert_int_equal(
	    block_file_open(&reader2, f->path, true, false, NULL, f->why, sizeof(f->why)), 0);
	assert_int_equal(
	    block_file_open(&other, f->path, false, false, NULL, f->why, sizeof(f->why)),
	    -EWOULDBLOCK);
	assert_string_equal(f->why, expect);
	block_file_close(&reader1);
	assert_int_equal(
	    block_file_open(&other, f->path, false, false, NULL, f->why, sizeof(f->why)),
	    -EWOULDBLOCK);
	block_file_close(&reader2);
	/* Closing released the locks. */
	assert_int_equal(
	    block_file_open(&writer, f->path, false, false, NULL, f->why, sizeof(f->why)), 0);
	block_file_close(&writer);
}

static void test_discard_punches_hole(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	struct stat before, after;
	uint8_t *buf = malloc(MIB), *expect = malloc(MIB);

	assert_non_null(buf);
	assert_non_null(expect);
	make_image(f->path, MIB, 7);
	assert_int_equal(stat(f->path, &before), 0);
	assert_int_equal(block_file_open(&bf, f->path, false, false, NULL, f->why, sizeof(f->why)),
			 0);
	assert_int_equal(bf.backend.ops->discard(bf.backend.ctx, 256 * 1024, 256 * 1024), 0);
	assert_int_equal(bf.backend.ops->flush(bf.backend.ctx), 0);
	assert_int_equal(stat(f->path, &after), 0);
	assert_int_equal(after.st_size, MIB);
	read_file(f->path, 0, buf, MIB);
	pattern(expect, MIB, 0, 7);
	assert_memory_equal(buf, expect, 256 * 1024);
	assert_memory_equal(buf + 512 * 1024, expect + 512 * 1024, 512 * 1024);
	if (!bf.punch_unsupported) {
		/* The space went back to the filesystem and the hole reads as zeros. */
		assert_true(after.st_blocks < before.st_blocks);
		assert_true(all_zero(buf + 256 * 1024, 256 * 1024));
	}
	block_file_close(&bf);
	free(buf);
	free(expect);
}

/* Write zeroes through each of its three ways, on an unaligned range. */
static void check_write_zeroes(struct fixture *f, bool unmap, bool no_punch, bool no_zero_range)
{
	struct block_file bf;
	struct stat info;
	uint8_t *buf = malloc(MIB), *expect = malloc(MIB);
	const uint64_t at = 3 * 512, len = 600 * 1024 + 512;

	assert_non_null(buf);
	assert_non_null(expect);
	make_image(f->path, MIB, 8);
	assert_int_equal(block_file_open(&bf, f->path, false, false, NULL, f->why, sizeof(f->why)),
			 0);
	bf.punch_unsupported = no_punch;
	bf.zero_range_unsupported = no_zero_range;
	assert_int_equal(bf.backend.ops->write_zeroes(bf.backend.ctx, at, len, unmap), 0);
	assert_int_equal(bf.last_error, 0);
	block_file_close(&bf);

	assert_int_equal(stat(f->path, &info), 0);
	assert_int_equal(info.st_size, MIB);
	read_file(f->path, 0, buf, MIB);
	pattern(expect, MIB, 0, 8);
	assert_memory_equal(buf, expect, at);
	assert_true(all_zero(buf + at, len));
	assert_memory_equal(buf + at + len, expect + at + len, MIB - at - len);
	free(buf);
	free(expect);
}

static void test_write_zeroes(void **state)
{
	struct fixture *f = *state;

	check_write_zeroes(f, false, false, false); /* FALLOC_FL_ZERO_RANGE */
	check_write_zeroes(f, true, false, false);  /* a punched hole */
	check_write_zeroes(f, true, true, false);   /* no holes: zero range */
	check_write_zeroes(f, false, true, true);   /* neither: zeros written */
	check_write_zeroes(f, true, true, true);
}

static void test_write_zeroes_unmap_frees_space(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	struct stat before, after;

	make_image(f->path, MIB, 9);
	assert_int_equal(stat(f->path, &before), 0);
	assert_int_equal(block_file_open(&bf, f->path, false, false, NULL, f->why, sizeof(f->why)),
			 0);
	assert_int_equal(bf.backend.ops->write_zeroes(bf.backend.ctx, 0, 512 * 1024, true), 0);
	assert_int_equal(bf.backend.ops->flush(bf.backend.ctx), 0);
	assert_int_equal(stat(f->path, &after), 0);
	if (!bf.punch_unsupported)
		assert_true(after.st_blocks < before.st_blocks);
	block_file_close(&bf);
}

static void test_direct_io(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	uint8_t *aligned = aligned_alloc(4096, 3 * 4096), *odd_base = malloc(4096 + 1);
	uint8_t *odd = odd_base + 1, expect[8192], *back = aligned_alloc(4096, 8192);
	struct blk_io_segment seg;
	int err;

	assert_non_null(aligned);
	assert_non_null(odd_base);
	assert_non_null(back);
	make_image(f->path, MIB, 10);
	err = block_file_open(&bf, f->path, false, true, NULL, f->why, sizeof(f->why));
	if (err == -EINVAL) {
		/* The temporary directory's filesystem refuses O_DIRECT: the message says so. */
		assert_non_null(strstr(f->why, "does not support direct I/O"));
		skip();
	}
	assert_int_equal(err, 0);
	assert_true(bf.direct);
	assert_true((fcntl(bf.fd, F_GETFL) & O_DIRECT) != 0);
	assert_true((fcntl(bf.buffered_fd, F_GETFL) & O_DIRECT) == 0);
	assert_true(bf.dio_offset_align >= 1 && bf.dio_mem_align >= 1);

	/* Aligned: through O_DIRECT. */
	pattern(aligned, 8192, 0, 0x21);
	seg = (struct blk_io_segment){aligned, 8192};
	assert_int_equal(bf.backend.ops->write(bf.backend.ctx, 16384, &seg, 1), 0);
	/* Misaligned buffer and offset: through the page cache, coherently. */
	pattern(odd, 512, 0, 0x42);
	seg = (struct blk_io_segment){odd, 512};
	assert_int_equal(bf.backend.ops->write(bf.backend.ctx, 16384 + 512, &seg, 1), 0);
	seg = (struct blk_io_segment){back, 8192};
	assert_int_equal(bf.backend.ops->read(bf.backend.ctx, 16384, &seg, 1), 0);
	pattern(expect, 8192, 0, 0x21);
	pattern(expect + 512, 512, 0, 0x42);
	assert_memory_equal(back, expect, 8192);
	/* And read back misaligned after a direct write. */
	seg = (struct blk_io_segment){odd, 4096};
	assert_int_equal(bf.backend.ops->read(bf.backend.ctx, 16384, &seg, 1), 0);
	assert_memory_equal(odd, expect, 4096);
	assert_int_equal(bf.backend.ops->flush(bf.backend.ctx), 0);
	/* Write zeroes at a 512-byte offset works under O_DIRECT too. */
	assert_int_equal(bf.backend.ops->write_zeroes(bf.backend.ctx, 16384 + 512, 512, false), 0);
	bf.zero_range_unsupported = true;
	bf.punch_unsupported = true;
	assert_int_equal(bf.backend.ops->write_zeroes(bf.backend.ctx, 16384 + 1024, 512, false), 0);
	block_file_close(&bf);

	read_file(f->path, 16384, back, 8192);
	memset(expect + 512, 0, 1024);
	assert_memory_equal(back, expect, 8192);
	free(aligned);
	free(odd_base);
	free(back);
}

static void test_read_past_shrunk_end(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	uint8_t buf[4096], expect[4096];
	struct blk_io_segment segs[2] = {{buf, 1024}, {buf + 1024, 3072}};

	make_image(f->path, 64 * 1024, 11);
	assert_int_equal(block_file_open(&bf, f->path, false, false, NULL, f->why, sizeof(f->why)),
			 0);
	/* Someone ignoring the lock cuts the file inside the last read. */
	assert_int_equal(truncate(f->path, 60 * 1024 + 512), 0);
	memset(buf, 0xcc, sizeof(buf));
	assert_int_equal(bf.backend.ops->read(bf.backend.ctx, 60 * 1024, segs, 2), 0);
	pattern(expect, 512, 60 * 1024, 11);
	assert_memory_equal(buf, expect, 512);
	assert_true(all_zero(buf + 512, sizeof(buf) - 512));
	block_file_close(&bf);
}

static void test_serial(void **state)
{
	struct fixture *f = *state;
	struct block_file bf;
	char path[PATH_MAX], cwd[PATH_MAX];
	static const char long_name[] = "a-rather-long-disk-image-name.img";

	snprintf(path, sizeof(path), "%s/%s", f->dir, long_name);
	make_image(path, 4096, 0);
	assert_int_equal(block_file_open(&bf, path, true, false, NULL, f->why, sizeof(f->why)), 0);
	/* The first 20 bytes of the file name, with no terminator. */
	assert_memory_equal(bf.backend.serial, long_name, VIRTIO_BLK_ID_BYTES);
	block_file_close(&bf);

	snprintf(path, sizeof(path), "%s/d \xc3\xa9.img", f->dir);
	make_image(path, 4096, 0);
	assert_int_equal(block_file_open(&bf, path, true, false, NULL, f->why, sizeof(f->why)), 0);
	/* Printable ASCII only; NUL-padded. */
	assert_memory_equal(bf.backend.serial, "d___.img\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	block_file_close(&bf);

	assert_int_equal(block_file_open(&bf, path, true, false, "SN-0042", f->why, sizeof(f->why)),
			 0);
	assert_memory_equal(bf.backend.serial, "SN-0042\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	block_file_close(&bf);
	assert_int_equal(
	    block_file_open(&bf, path, true, false, "12345678901234567890", f->why, sizeof(f->why)),
	    0);
	assert_memory_equal(bf.backend.serial, "12345678901234567890", 20);
	block_file_close(&bf);
	assert_int_equal(block_file_open(&bf, path, true, false, "123456789012345678901", f->why,
					 sizeof(f->why)),
			 -EINVAL);
	assert_non_null(strstr(f->why, "is longer than 20 bytes"));

	/* A relative path without a directory. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(block_file_open(&bf, long_name, true, false, NULL, f->why, sizeof(f->why)),
			 0);
	assert_memory_equal(bf.backend.serial, long_name, VIRTIO_BLK_ID_BYTES);
	block_file_close(&bf);
	assert_int_equal(chdir(cwd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_segments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_capacity_rounds_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_small, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_regular_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_readonly_never_modifies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock_conflicts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_discard_punches_hole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_zeroes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_zeroes_unmap_frees_space, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_direct_io, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_past_shrunk_end, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_serial, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
