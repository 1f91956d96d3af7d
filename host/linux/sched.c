/* SPDX-License-Identifier: Apache-2.0 */
#include "host/linux/sched.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define CGROUP2_MAGIC 0x63677270 /* linux/magic.h's CGROUP2_SUPER_MAGIC */

int host_nice_for_priority(unsigned priority)
{
	int nice = (100 - (int)priority) / 5;

	return nice < -20 ? -20 : nice > 19 ? 19 : nice;
}

int host_apply_priority(unsigned priority, char *why, size_t why_len)
{
	int nice = host_nice_for_priority(priority);

	if (nice == 0)
		return 0;
	/* Linux keeps nice per thread: this one's, inherited by the threads it creates. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), nice) < 0) {
		int err = errno;

		snprintf(why, why_len, "priority %u (nice %d) not applied: %s%s", priority, nice,
			 strerror(err),
			 err == EACCES || err == EPERM ? " (raising it needs CAP_SYS_NICE)" : "");
		return -err;
	}
	return 0;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t done;
	int err = 0;

	if (fd < 0)
		return -errno;
	done = write(fd, text, strlen(text));
	if (done < 0)
		err = -errno;
	else if ((size_t)done != strlen(text))
		err = -EIO;
	close(fd);
	return err;
}

static int read_text(const char *path, char *out, size_t out_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = read(fd, out, out_size - 1);
	close(fd);
	if (got < 0)
		return -errno;
	out[got] = '\0';
	return 0;
}

/* Whether the space-separated list in `text` has `word`. */
static int has_word(const char *text, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = text; (p = strstr(p, word)) != NULL; p += len) {
		if ((p == text || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\n' || !p[len]))
			return 1;
	}
	return 0;
}

/* "0::/user.slice/x" in /proc/self/cgroup: this process's group, as a path. */
static int current_group(char *out, size_t out_size)
{
	char text[512];
	char *path;
	int err = read_text("/proc/self/cgroup", text, sizeof(text));

	if (err < 0)
		return err;
	path = strstr(text, "0::");
	if (path == NULL)
		return -ENOENT;
	path += 3;
	path[strcspn(path, "\n")] = '\0';
	snprintf(out, out_size, "%s%s", HOST_CGROUP_ROOT, strcmp(path, "/") == 0 ? "" : path);
	return 0;
}

/* Each level down to svmm/ hands the cpu controller to its children. */
static int enable_cpu_controller(char *why, size_t why_len)
{
	char path[256], text[256];
	int err;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", HOST_CGROUP_ROOT);
	err = read_text(path, text, sizeof(text));
	if (err == 0 && !has_word(text, "cpu"))
		err = -ENOTSUP;
	if (err == 0)
		err = write_text(HOST_CGROUP_ROOT "/cgroup.subtree_control", "+cpu");
	if (err == 0 && mkdir(HOST_CGROUP_ROOT "/" HOST_CGROUP_SVMM, 0755) < 0 && errno != EEXIST)
		err = -errno;
	if (err == 0)
		err = write_text(HOST_CGROUP_ROOT "/" HOST_CGROUP_SVMM "/cgroup.subtree_control",
				 "+cpu");
	if (err < 0)
		snprintf(why, why_len, "cannot enable the cpu controller under %s: %s",
			 HOST_CGROUP_ROOT,
			 err == -ENOTSUP ? "the kernel has none" : strerror(-err));
	return err;
}

int host_cgroup_limit(struct host_cgroup *group, const char *name, unsigned cpus,
		      uint32_t budget_us, uint32_t period_us, char *why, size_t why_len)
{
	struct statfs fs;
	char file[320], limit[64], pid[24];
	int err;

	group->path[0] = '\0';
	if (statfs(HOST_CGROUP_ROOT, &fs) < 0 || fs.f_type != CGROUP2_MAGIC) {
		snprintf(why, why_len, "%s is not a cgroup v2 hierarchy", HOST_CGROUP_ROOT);
		return -ENOTSUP;
	}
	err = current_group(group->previous, sizeof(group->previous));
	if (err < 0) {
		snprintf(why, why_len, "cannot tell this process's cgroup: %s", strerror(-err));
		return err;
	}
	err = enable_cpu_controller(why, why_len);
	if (err < 0)
		return err;
	snprintf(group->path, sizeof(group->path), "%s/%s/%s-%d", HOST_CGROUP_ROOT,
		 HOST_CGROUP_SVMM, name, (int)getpid());
	if (mkdir(group->path, 0755) < 0 && errno != EEXIST) {
		err = -errno;
		snprintf(why, why_len, "cannot create %s: %s", group->path, strerror(-err));
		group->path[0] = '\0';
		return err;
	}
	/* cpu.max limits the whole group: a budget per vCPU is cpus budgets. */
	snprintf(limit, sizeof(limit), "%llu %u", (unsigned long long)budget_us * cpus, period_us);
	snprintf(file, sizeof(file), "%s/cpu.max", group->path);
	err = write_text(file, limit);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(file, sizeof(file), "%s/cgroup.procs", group->path);
	if (err == 0)
		err = write_text(file, pid);
	if (err < 0) {
		snprintf(why, why_len, "cannot set up %s: %s", group->path, strerror(-err));
		rmdir(group->path);
		group->path[0] = '\0';
	}
	return err;
}

void host_cgroup_leave(struct host_cgroup *group)
{
	char file[320], pid[24];

	if (group->path[0] == '\0')
		return;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(file, sizeof(file), "%s/cgroup.procs", group->previous);
	/* A group with a process in it cannot be removed: leave it first. */
	if (write_text(file, pid) == 0)
		rmdir(group->path);
	group->path[0] = '\0';
}

void host_cgroup_remove_for(const char *name, int pid)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s/%s-%d", HOST_CGROUP_ROOT, HOST_CGROUP_SVMM, name, pid);
	rmdir(path);
}
