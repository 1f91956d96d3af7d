/* SPDX-License-Identifier: Apache-2.0 */
#include "core/errors.h"

const char *svmm_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case SVMM_EPERM:
		return "operation not permitted";
	case SVMM_ENOENT:
		return "no such file or address";
	case SVMM_EIO:
		return "input/output error";
	case SVMM_E2BIG:
		return "too large";
	case SVMM_ENOEXEC:
		return "not a bootable image";
	case SVMM_ENOMEM:
		return "out of memory";
	case SVMM_EFAULT:
		return "address outside guest memory";
	case SVMM_EBUSY:
		return "busy";
	case SVMM_EEXIST:
		return "overlaps an existing range";
	case SVMM_EINVAL:
		return "invalid argument";
	case SVMM_ENOSPC:
		return "no room left";
	case SVMM_ERANGE:
		return "out of range";
	case SVMM_ENOSYS:
		return "not implemented";
	case SVMM_ENOTSUP:
		return "not supported";
	default:
		return "unknown error";
	}
}
