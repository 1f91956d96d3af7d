/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error codes used inside svmm: negative values, errno-style. The core is
 * freestanding, so it cannot take <errno.h>; the numbers match Linux's so a
 * host layer can hand them to strerror() unchanged.
 */
#ifndef SVMM_CORE_ERRORS_H
#define SVMM_CORE_ERRORS_H

#define SVMM_EPERM   1
#define SVMM_ENOENT  2
#define SVMM_EIO     5
#define SVMM_E2BIG   7
#define SVMM_ENOEXEC 8
#define SVMM_ENOMEM  12
#define SVMM_EFAULT  14
#define SVMM_EBUSY   16
#define SVMM_EEXIST  17
#define SVMM_EINVAL  22
#define SVMM_ENOSPC  28
#define SVMM_ERANGE  34
#define SVMM_ENOSYS  38
#define SVMM_ENOTSUP 95

/* A short English name for an error code (positive or negative). */
const char *svmm_strerror(int err);

#endif
