/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int host_file_map(struct host_file *file, const char *path, const char *what, char *why,
		  size_t why_len)
{
	struct stat info;
	int fd, err = 0;

	file->data = NULL;
	file->size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &info) < 0) {
		err = -errno;
		snprintf(why, why_len, "%s \"%s\": %s", what, path, strerror(errno));
	} else if (!S_ISREG(info.st_mode)) {
		err = -EINVAL;
		snprintf(why, why_len, "%s \"%s\": not a regular file", what, path);
	} else if (info.st_size == 0) {
		err = -EINVAL;
		snprintf(why, why_len, "%s \"%s\": file is empty", what, path);
	} else {
		file->size = (size_t)info.st_size;
		file->data = mmap(NULL, file->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (file->data == MAP_FAILED) {
			err = -errno;
			snprintf(why, why_len, "%s \"%s\": cannot map: %s", what, path,
				 strerror(errno));
			file->data = NULL;
			file->size = 0;
		}
	}
	if (fd >= 0)
		close(fd);
	return err;
}

void host_file_unmap(struct host_file *file)
{
	if (file->data != NULL)
		munmap(file->data, file->size);
	file->data = NULL;
	file->size = 0;
}

size_t host_write_or_drop(int fd, const void *data, size_t len)
{
	const unsigned char *next = data;
	size_t written = 0;

	while (fd >= 0 && written < len) {
		ssize_t done = write(fd, next + written, len - written);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			break;
		written += (size_t)done;
	}
	return written;
}
