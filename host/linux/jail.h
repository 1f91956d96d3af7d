/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The jail (after Firecracker's jailer): once svmm has opened everything it
 * was given, it moves into new mount and IPC namespaces whose root is a
 * directory of the user's, becomes an unprivileged user with no
 * capabilities, and may gain no privilege again.
 */
#ifndef SVMM_HOST_LINUX_JAIL_H
#define SVMM_HOST_LINUX_JAIL_H

#include <stddef.h>
#include <sys/types.h>

struct jail_params {
	const char *dir; /* the new root; NULL: no jail */
	uid_t uid;
	gid_t gid;
	/* Device nodes (absolute paths, NULL-terminated) recreated inside the jail,
	 * owned by uid:gid, for what is opened again later (/dev/kvm at each boot). */
	const char *const *devices;
};

/* Enters the jail; 0, or a negative error with a one-line reason in `why`. */
int jail_enter(const struct jail_params *jail, char *why, size_t why_len);

#endif
