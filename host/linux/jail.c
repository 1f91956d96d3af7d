/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Order matters: namespaces and pivot_root need privilege, so they come
 * first; the bounding set is emptied while CAP_SETPCAP is still held; then
 * groups, gid, uid; the capability sets are cleared last in case the uid is
 * 0. A PID namespace is not entered: after unshare(CLONE_NEWPID) the kernel
 * refuses new threads in the caller, and vCPU threads are created after
 * the jail (and again at every reboot); it would need a fork in between.
 */
#include "host/linux/jail.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Core dumps would write guest memory wherever the jail's cwd is. */
#define JAIL_CORE_LIMIT 0

static int jail_fail(char *why, size_t why_len, const char *what, const char *dir)
{
	int err = errno;

	snprintf(why, why_len, "--jail %s: %s: %s", dir, what, strerror(err));
	return -err;
}

#define JAIL_MAX_DEVICES 4

struct jail_device {
	const char *path;
	struct stat st;
};

/* Makes `path` (and its parent directories) inside the new root, as the host's node. */
static int jail_make_device(const struct jail_params *jail, const struct jail_device *device,
			    char *why, size_t why_len)
{
	char parent[256];

	snprintf(parent, sizeof(parent), "%s", device->path);
	for (char *slash = strchr(parent + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			return jail_fail(why, why_len, "cannot make a directory for a device",
					 jail->dir);
		*slash = '/';
	}
	if (mknod(device->path, S_IFCHR | 0600, device->st.st_rdev) < 0 && errno != EEXIST)
		return jail_fail(why, why_len, "cannot make a device node inside", jail->dir);
	if (chown(device->path, jail->uid, jail->gid) < 0)
		return jail_fail(why, why_len, "cannot hand a device node to --uid", jail->dir);
	return 0;
}

/* The mount namespace's root becomes `dir`; the old root is detached. */
static int jail_pivot(const struct jail_params *jail, char *why, size_t why_len)
{
	const char *dir = jail->dir;
	struct jail_device devices[JAIL_MAX_DEVICES];
	unsigned count = 0;
	int err = 0;

	for (const char *const *path = jail->devices; path != NULL && *path != NULL; path++) {
		if (count == JAIL_MAX_DEVICES)
			break;
		devices[count].path = *path;
		if (stat(*path, &devices[count].st) < 0 || !S_ISCHR(devices[count].st.st_mode))
			return jail_fail(why, why_len, "a device it needs is missing", dir);
		count++;
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC) < 0)
		return jail_fail(why, why_len, "cannot create the mount and IPC namespaces", dir);
	/* Nothing done here may propagate back to the host's mounts. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return jail_fail(why, why_len, "cannot make the mounts private", dir);
	/* pivot_root wants a mount point. */
	if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		return jail_fail(why, why_len, "cannot bind-mount it", dir);
	if (chdir(dir) < 0)
		return jail_fail(why, why_len, "cannot enter it", dir);
	/* "." over ".": the old root stacks under the new one, then goes. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return jail_fail(why, why_len, "pivot_root failed", dir);
	if (umount2(".", MNT_DETACH) < 0)
		return jail_fail(why, why_len, "cannot detach the old root", dir);
	if (chdir("/") < 0)
		return jail_fail(why, why_len, "cannot enter the new root", dir);
	for (unsigned i = 0; i < count && err == 0; i++)
		err = jail_make_device(jail, &devices[i], why, why_len);
	return err;
}

static int jail_drop_privileges(const struct jail_params *jail, char *why, size_t why_len)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = {{0}};
	struct rlimit core = {JAIL_CORE_LIMIT, JAIL_CORE_LIMIT};

	if (setrlimit(RLIMIT_CORE, &core) < 0)
		return jail_fail(why, why_len, "cannot limit core dumps", jail->dir);
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return jail_fail(why, why_len, "cannot empty the capability bounding set",
					 jail->dir);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return jail_fail(why, why_len, "cannot clear the ambient capabilities", jail->dir);
	if (setgroups(0, NULL) < 0 || setresgid(jail->gid, jail->gid, jail->gid) < 0)
		return jail_fail(why, why_len, "cannot become the --gid", jail->dir);
	if (setresuid(jail->uid, jail->uid, jail->uid) < 0)
		return jail_fail(why, why_len, "cannot become the --uid", jail->dir);
	if (syscall(SYS_capset, &header, none) < 0)
		return jail_fail(why, why_len, "cannot drop the capabilities", jail->dir);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return jail_fail(why, why_len, "cannot set no_new_privs", jail->dir);
	return 0;
}

#ifdef SVMM_SANDBOX_TEST_TRIGGER
/* Test builds only: who svmm is now, and whether each path (':'-separated) opens. */
static void jail_test_probe(void)
{
	const char *paths = getenv("SVMM_TEST_JAIL_PROBE");
	char list[512], *save = NULL;

	if (paths == NULL)
		return;
	fprintf(stderr, "svmm-test: jail uid=%u gid=%u\n", (unsigned)getuid(), (unsigned)getgid());
	snprintf(list, sizeof(list), "%s", paths);
	for (char *path = strtok_r(list, ":", &save); path != NULL;
	     path = strtok_r(NULL, ":", &save)) {
		FILE *file = fopen(path, "r");

		fprintf(stderr, "svmm-test: jail probe %s: %s\n", path,
			file != NULL ? "opened" : strerror(errno));
		if (file != NULL)
			fclose(file);
	}
}
#endif

int jail_enter(const struct jail_params *jail, char *why, size_t why_len)
{
	int err;

	if (jail->dir == NULL)
		return 0;
	err = jail_pivot(jail, why, why_len);
	if (err == 0)
		err = jail_drop_privileges(jail, why, why_len);
#ifdef SVMM_SANDBOX_TEST_TRIGGER
	if (err == 0)
		jail_test_probe();
#endif
	return err;
}
