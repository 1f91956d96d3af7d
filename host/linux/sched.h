/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A VM description's priority and budget on a Linux host: the priority
 * becomes the nice value of svmm's threads (which the vCPU threads inherit),
 * the budget and period a cgroup v2 group with cpu.max. (The cores are each
 * vCPU thread's affinity, set by the KVM backend.)
 */
#ifndef SVMM_HOST_LINUX_SCHED_H
#define SVMM_HOST_LINUX_SCHED_H

#include <stddef.h>
#include <stdint.h>

/* Where svmm makes its groups: one per VM process, svmm/<name>-<pid>. */
#define HOST_CGROUP_ROOT "/sys/fs/cgroup"
#define HOST_CGROUP_SVMM "svmm"

/*
 * Priority 0..254 to nice: 100 (the default) is nice 0; every 5 above is
 * one nice step more favoured, down to -20 at 200; every 5 below one less,
 * to 19 at 5 and under.
 */
int host_nice_for_priority(unsigned priority);

/*
 * Gives the calling thread (and every thread it creates later) the nice
 * value for `priority`. 0, or -errno with a one-line reason in `why`.
 */
int host_apply_priority(unsigned priority, char *why, size_t why_len);

struct host_cgroup {
	char path[256]; /* "" when none was made */
	char previous[256];
};

/*
 * Moves this process into a new cgroup v2 group whose cpu.max lets it use
 * `budget_us` per `period_us` on each of `cpus` vCPUs. 0, or -errno with a
 * one-line reason in `why` (no cgroup v2, not writable, no cpu controller).
 */
int host_cgroup_limit(struct host_cgroup *group, const char *name, unsigned cpus,
		      uint32_t budget_us, uint32_t period_us, char *why, size_t why_len);

/* Moves this process back to where it was and removes the group. */
void host_cgroup_leave(struct host_cgroup *group);

/* Removes the group left by VM process `pid` (which was killed before it could). */
void host_cgroup_remove_for(const char *name, int pid);

#endif
