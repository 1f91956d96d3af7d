/* SPDX-License-Identifier: Apache-2.0 */
/* The log sink of svmm on Linux: one line per message on standard error. */
#ifndef SVMM_HOST_LINUX_LOG_STDERR_H
#define SVMM_HOST_LINUX_LOG_STDERR_H

#include "core/log.h"

/* A sink writing "svmm: [level: ]message" lines to stderr. */
struct log_sink log_stderr_sink(enum log_level max_level);

#endif
