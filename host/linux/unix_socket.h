/* SPDX-License-Identifier: Apache-2.0 */
/* Connecting to a unix stream socket by path: the API client, the runner, stale-socket probes. */
#ifndef SVMM_HOST_LINUX_UNIX_SOCKET_H
#define SVMM_HOST_LINUX_UNIX_SOCKET_H

/*
 * Connects a new close-on-exec stream socket to the unix socket at `path`.
 * Returns its fd, or -errno of the step that failed (-ENAMETOOLONG for a
 * path a sockaddr_un cannot hold; -ECONNREFUSED when a socket file is there
 * but nobody accepts on it, as one left by a process that died).
 */
int host_unix_connect(const char *path);

#endif
