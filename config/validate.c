/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks a complete description against the host before anything is built:
 * a missing initrd is better reported now, by name, than as a failed read
 * halfway through setting up the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_private.h"

/* Room for most paths; a longer one is cut with "..." rather than lost. */
#define QUOTED_PATH_BYTES 320

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "something other than a regular file";
}

static int fail_with_errno(struct config_error *err, const char *field, const char *path, int error)
{
	char quoted[QUOTED_PATH_BYTES];

	config_quote_for_message(quoted, sizeof(quoted), path);
	return config_fail(err, "%s \"%s\": %s", field, quoted, strerror(error));
}

/* A file svmm will read at start: present, a regular file, readable by us. */
static int check_input_file(const char *field, const char *path, bool may_be_empty,
			    struct config_error *err)
{
	char quoted[QUOTED_PATH_BYTES];
	struct stat st;
	int fd;

	config_quote_for_message(quoted, sizeof(quoted), path);
	if (stat(path, &st) != 0)
		return fail_with_errno(err, field, path, errno);
	if (!S_ISREG(st.st_mode))
		return config_fail(err, "%s \"%s\": expected a regular file, got %s", field, quoted,
				   file_kind(st.st_mode));
	if (!may_be_empty && st.st_size == 0)
		return config_fail(err, "%s \"%s\": expected a kernel image, got an empty file",
				   field, quoted);
	/* Opening, not access(), so the answer matches what the loader will see. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail_with_errno(err, field, path, errno);
	close(fd);
	return 0;
}

/* A file svmm will write: its directory must exist and take new files. */
static int check_output_file(const char *field, const char *path, struct config_error *err)
{
	char quoted[QUOTED_PATH_BYTES];
	char quoted_dir[QUOTED_PATH_BYTES];
	const char *last_slash = strrchr(path, '/');
	char *dir;
	struct stat st;
	int result = 0;

	config_quote_for_message(quoted, sizeof(quoted), path);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return config_fail(err, "%s \"%s\": expected a file path, got a directory", field,
				   quoted);
	if (!last_slash)
		dir = strdup(".");
	else if (last_slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(last_slash - path));
	if (!dir)
		return config_fail(err, "%s \"%s\": out of memory", field, quoted);
	config_quote_for_message(quoted_dir, sizeof(quoted_dir), dir);
	if (stat(dir, &st) != 0)
		result = config_fail(err, "%s \"%s\": directory \"%s\": %s", field, quoted,
				     quoted_dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		result = config_fail(err, "%s \"%s\": directory \"%s\": %s", field, quoted,
				     quoted_dir, strerror(ENOTDIR));
	else if (access(dir, W_OK | X_OK) != 0)
		result = config_fail(err, "%s \"%s\": directory \"%s\": %s", field, quoted,
				     quoted_dir, strerror(errno));
	free(dir);
	return result;
}

int vm_config_validate(const struct vm_config *cfg, struct config_error *err)
{
	char text[32];

	if (!cfg->kernel)
		return config_fail(err, "no kernel given: use --kernel FILE or \"kernel\" in the "
					"VM description");
	if (check_input_file("kernel", cfg->kernel, false, err) != 0)
		return -1;
	if (cfg->initrd && check_input_file("initrd", cfg->initrd, true, err) != 0)
		return -1;
	/* Only a failed allocation in vm_config_init() leaves these unset. */
	if (!cfg->name || !cfg->cmdline)
		return config_fail(err, "%s is not set (out of memory?)",
				   cfg->name ? "cmdline" : "name");
	if (cfg->cpus < 1 || cfg->cpus > VM_CONFIG_MAX_CPUS) {
		snprintf(text, sizeof(text), "%u", cfg->cpus);
		return config_fail(err, "cpus: expected an integer from 1 to %d, got \"%s\"",
				   VM_CONFIG_MAX_CPUS, text);
	}
	snprintf(text, sizeof(text), "%llu", (unsigned long long)cfg->memory);
	if (config_check_memory(cfg->memory, text, "memory", err) != 0)
		return -1;
	if (cfg->console == CONSOLE_SOCKET && (!cfg->console_path || cfg->console_path[0] == '\0'))
		return config_fail(err, "console: expected \"socket:PATH\" with a path, got "
					"\"socket:\"");
	if (cfg->dtb_out && check_output_file("dtb_out", cfg->dtb_out, err) != 0)
		return -1;
	if (config_validate_scheduling(cfg, "", err) != 0)
		return -1;
	return config_validate_devices(cfg, err);
}
