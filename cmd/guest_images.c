/* SPDX-License-Identifier: Apache-2.0 */
#include "cmd/guest_images.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/errors.h"

#define MIB(bytes) ((unsigned long long)(((bytes) + (1u << 20) - 1) >> 20))

int guest_images_load(struct guest_images *images, const struct vm_config *cfg, char *why,
		      size_t why_len)
{
	const char *problem = NULL;
	int err;

	memset(images, 0, sizeof(*images));
	arm64_guest_map_default(&images->map);
	err = host_file_map(&images->kernel, cfg->kernel, "kernel", why, why_len);
	if (err == 0 && cfg->initrd != NULL)
		err = host_file_map(&images->initrd, cfg->initrd, "initrd", why, why_len);
	if (err < 0)
		goto fail;
	err = arm64_image_parse(images->kernel.data, images->kernel.size, &images->image, &problem);
	if (err < 0) {
		snprintf(why, why_len, "kernel \"%s\": %s", cfg->kernel, problem);
		goto fail;
	}
	err = arm64_boot_plan(images->map.ram_base, cfg->memory, &images->image,
			      images->initrd.size, &images->plan);
	if (err == -SVMM_E2BIG) {
		snprintf(why, why_len,
			 "memory %llu MiB is too small for this kernel (%llu MiB) and initrd "
			 "(%llu MiB): give at least %llu MiB (--memory %lluM)",
			 MIB(cfg->memory), MIB(images->image.image_size), MIB(images->initrd.size),
			 MIB(images->plan.min_ram_size), MIB(images->plan.min_ram_size));
		goto fail;
	} else if (err < 0) {
		snprintf(why, why_len, "cannot place the kernel and initrd in guest RAM: %s",
			 svmm_strerror(err));
		goto fail;
	}
	return 0;
fail:
	guest_images_release(images);
	return err < 0 ? err : -EINVAL;
}

void guest_images_release(struct guest_images *images)
{
	host_file_unmap(&images->kernel);
	host_file_unmap(&images->initrd);
}

static int write_whole_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *bytes = data;

	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t done = write(fd, bytes, len);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0) {
			int err = done < 0 ? -errno : -EIO;

			close(fd);
			return err;
		}
		bytes += done;
		len -= (size_t)done;
	}
	return close(fd) < 0 ? -errno : 0;
}

int guest_images_build_dtb(const struct guest_images *images, const struct vm_config *cfg,
			   const struct machine *machine, unsigned gic_version,
			   const char *psci_method, void *dtb, size_t size, char *why,
			   size_t why_len)
{
	struct arm64_fdt_params params;
	int err;

	machine_fdt_params(machine, &images->plan, cfg->cmdline,
			   gic_version == 2 ? ARM64_GICV2 : ARM64_GICV3, psci_method, &params);
	err = arm64_fdt_build(dtb, size, &params);

	if (err < 0) {
		snprintf(why, why_len, "cannot build the guest device tree: %s",
			 svmm_strerror(err));
		return err;
	}
	if (cfg->dtb_out != NULL) {
		err = write_whole_file(cfg->dtb_out, dtb, fdt_totalsize(dtb));
		if (err < 0) {
			snprintf(why, why_len, "dtb_out \"%s\": %s", cfg->dtb_out, strerror(-err));
			return err;
		}
	}
	return 0;
}
