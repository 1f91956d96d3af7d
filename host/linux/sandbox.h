/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp-BPF filters (libseccomp) that confine each kind of svmm thread,
 * once it is set up, to the system calls that kind still needs. A call
 * outside the list never runs: in kill mode svmm prints one line naming
 * the call and the thread kind and exits; in log mode the kernel logs it
 * (audit / dmesg) and lets it run, to find what a new backend needs.
 */
#ifndef SVMM_HOST_LINUX_SANDBOX_H
#define SVMM_HOST_LINUX_SANDBOX_H

#include <stddef.h>

enum sandbox_mode {
	SANDBOX_KILL, /* a forbidden call stops svmm with a line naming it (default) */
	SANDBOX_LOG,  /* a forbidden call is logged by the kernel and allowed */
	SANDBOX_OFF,  /* no filter */
};

enum sandbox_thread {
	/* The main thread: the event loop (every backend's I/O) and VM set-up at reboot. */
	SANDBOX_THREAD_MAIN,
	/* A vCPU thread: KVM_RUN, MMIO emulation, kicks and what a device does there. */
	SANDBOX_THREAD_VCPU,
};

/* "kill", "log" or "off" into `mode`: 0, or -1 for anything else. */
int sandbox_parse_mode(const char *text, enum sandbox_mode *mode);

/*
 * Installs the filter for `kind` on the calling thread (and every thread it
 * creates later, which adds its own). 0, or a negative error with a
 * one-line reason in `why`.
 */
int sandbox_enter(enum sandbox_mode mode, enum sandbox_thread kind, char *why, size_t why_len);

#endif
