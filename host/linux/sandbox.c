/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp policy, one allow-list per thread kind. Names the running
 * architecture lacks (x86's open and stat on aarch64) are skipped, so one
 * list serves every host ISA.
 *
 * Kill mode traps (SECCOMP_RET_TRAP) rather than killing outright: the
 * call never runs either way, and the SIGSYS handler can say which call it
 * was before it ends the process. A thread that unblocks or replaces the
 * handler gains nothing: the kernel kills a thread whose SIGSYS is blocked
 * or ignored, and a replaced handler still sees the call refused.
 */
#include "host/linux/sandbox.h"

#include <errno.h>
#include <linux/kvm.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ucontext.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* svmm's exit status when a thread made a forbidden call (SVMM_EXIT_ERROR). */
#define SANDBOX_EXIT_STATUS 1
/* Syscall numbers the SIGSYS handler can name; higher ones print as a number only. */
#define SANDBOX_NAMED_SYSCALLS 512

/*
 * Signal-handler state, the only place it can live: the names are resolved
 * once up front because the handler may not allocate, and each thread
 * records its own kind for the line it would print.
 */
static const char *sandbox_syscall_names[SANDBOX_NAMED_SYSCALLS];
static _Thread_local const char *sandbox_thread_label = "svmm";

/* What every thread kind does: memory, locks, time, signals, exit, and the
 * data path a device runs wherever it is notified (a vCPU's MMIO exit too). */
static const char *const common_syscalls[] = {
    "read",
    "readv",
    "write",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "fdatasync",
    "fsync",
    "fallocate",
    "lseek",
    "sendmsg",
    "sendto",
    "recvfrom",
    "recvmsg",
    "connect",
    "close",
    "futex",
    "exit",
    "exit_group",
    "rt_sigreturn",
    "rt_sigprocmask",
    "restart_syscall",
    "clock_gettime",
    "clock_nanosleep",
    "nanosleep",
    "gettid",
    "getpid",
    "tgkill",
    "tkill",
    "madvise",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "brk",
    "sched_yield",
    "getrandom",
    "timerfd_settime",
    "timerfd_gettime",
    "fcntl",
    "fstat",
    "newfstatat",
    "statx",
    "epoll_pwait",
    "epoll_wait",
    "ppoll",
    "poll",
};

/* The main thread also serves the event loop and rebuilds the VM at a reboot:
 * /dev/kvm and the images are opened again, vCPU threads created. */
static const char *const main_syscalls[] = {
    "openat",
    "open",
    "epoll_ctl",
    "epoll_create1",
    "eventfd2",
    "signalfd4",
    "timerfd_create",
    "rt_sigaction",
    "sigaltstack",
    "sched_setaffinity",
    "sched_getaffinity",
    "set_robust_list",
    "rseq",
    "prctl",
    "seccomp",
    "accept4",
    "bind",
    "listen",
    "shutdown",
    "getsockopt",
    "setsockopt",
    "getsockname",
    "unlinkat",
    "unlink",
    "rmdir",
    "wait4",
    "waitid",
    "kill",
    "readlinkat",
    "getdents64",
    "uname",
    "prlimit64",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getppid",
    "dup",
    "dup3",
    "pipe2",
    "ftruncate",
    "membarrier",
    "ioctl",
    "stat",
    "lstat",
};

#if defined(__SANITIZE_ADDRESS__)
/* make SANITIZE=1 only: what the ASan/UBSan/LSan runtimes call on any thread:
 * a thread's alternate signal stack at its start and end, a report's log file
 * and module names, and LeakSanitizer's exit-time tracer (a clone that is not
 * a thread, ptrace, /proc/self/task). The shipped svmm never allows these. */
static const char *const sanitizer_syscalls[] = {
    "sigaltstack",
    "openat",
    "readlinkat",
    "getpid",
    "prctl",
    "ptrace",
    "clone",
    "wait4",
    "waitid",
    "getdents64",
    "sched_getaffinity",
    "uname",
    "pipe2",
    "dup3",
    "rt_sigaction",
    "getppid",
    "setsockopt",
    "kill",
};
#endif

/* The only ioctls a vCPU thread makes: run, registers, fault injection,
 * interrupts, and TCGETS, stdio's isatty() the first time a log line goes out. */
static const unsigned long vcpu_ioctls[] = {
    KVM_RUN,	  KVM_GET_ONE_REG, KVM_SET_ONE_REG, KVM_SET_VCPU_EVENTS, KVM_GET_VCPU_EVENTS,
    KVM_IRQ_LINE, TCGETS,
};

int sandbox_parse_mode(const char *text, enum sandbox_mode *mode)
{
	if (strcmp(text, "kill") == 0)
		*mode = SANDBOX_KILL;
	else if (strcmp(text, "log") == 0)
		*mode = SANDBOX_LOG;
	else if (strcmp(text, "off") == 0)
		*mode = SANDBOX_OFF;
	else
		return -1;
	return 0;
}

/* Appends `text` to buf at *len, within `size`: the handler cannot use stdio. */
static void sandbox_append(char *buf, size_t size, size_t *len, const char *text)
{
	while (*text != '\0' && *len + 1 < size)
		buf[(*len)++] = *text++;
}

static void sandbox_append_number(char *buf, size_t size, size_t *len, long value)
{
	char digits[24];
	int n = 0;
	unsigned long v = value < 0 ? (unsigned long)-value : (unsigned long)value;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n < (int)sizeof(digits) - 1);
	if (value < 0)
		digits[n++] = '-';
	while (n > 0 && *len + 1 < size)
		buf[(*len)++] = digits[--n];
}

static void sandbox_append_hex(char *buf, size_t size, size_t *len, unsigned long value)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 60;

	sandbox_append(buf, size, len, "0x");
	while (shift > 0 && (value >> shift) == 0)
		shift -= 4;
	for (; shift >= 0 && *len + 1 < size; shift -= 4)
		buf[(*len)++] = hex[(value >> shift) & 0xf];
}

/* The call's second argument (an ioctl's request), where the architecture is known. */
static bool sandbox_second_argument(const void *context, unsigned long *value)
{
	const ucontext_t *uc = context;

#if defined(__aarch64__)
	*value = uc->uc_mcontext.regs[1];
	return true;
#elif defined(__x86_64__)
	*value = (unsigned long)uc->uc_mcontext.gregs[REG_RSI];
	return true;
#else
	(void)uc;
	(void)value;
	return false;
#endif
}

static void sandbox_on_sigsys(int signal, siginfo_t *info, void *context)
{
	char line[200];
	size_t len = 0;
	int nr = info->si_syscall;
	const char *name =
	    nr >= 0 && nr < SANDBOX_NAMED_SYSCALLS ? sandbox_syscall_names[nr] : NULL;

	unsigned long argument;

	(void)signal;
	sandbox_append(line, sizeof(line), &len, "svmm: seccomp: the ");
	sandbox_append(line, sizeof(line), &len, sandbox_thread_label);
	sandbox_append(line, sizeof(line), &len, " made a forbidden system call, ");
	sandbox_append(line, sizeof(line), &len, name != NULL ? name : "number");
	sandbox_append(line, sizeof(line), &len, " (");
	sandbox_append_number(line, sizeof(line), &len, nr);
	if (sandbox_second_argument(context, &argument)) {
		sandbox_append(line, sizeof(line), &len, ", second argument ");
		sandbox_append_hex(line, sizeof(line), &len, argument);
	}
	sandbox_append(line, sizeof(line), &len, "): svmm stops\n");
	if (write(STDERR_FILENO, line, len) < 0) {
		/* Nowhere left to say it. */
	}
	_exit(SANDBOX_EXIT_STATUS);
}

static int sandbox_install_handler(void)
{
	struct sigaction action = {.sa_sigaction = sandbox_on_sigsys, .sa_flags = SA_SIGINFO};

	for (int nr = 0; nr < SANDBOX_NAMED_SYSCALLS; nr++) {
		if (sandbox_syscall_names[nr] == NULL)
			sandbox_syscall_names[nr] =
			    seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	}
	sigemptyset(&action.sa_mask);
	return sigaction(SIGSYS, &action, NULL) < 0 ? -errno : 0;
}

/* Allows each named call the architecture has; libseccomp errors are negative errnos. */
static int sandbox_allow(scmp_filter_ctx filter, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		int err;

		if (nr == __NR_SCMP_ERROR)
			continue;
		err = seccomp_rule_add(filter, SCMP_ACT_ALLOW, nr, 0);
		if (err < 0)
			return err;
	}
	return 0;
}

static int sandbox_build(scmp_filter_ctx filter, enum sandbox_thread kind)
{
	int err = sandbox_allow(filter, common_syscalls,
				sizeof(common_syscalls) / sizeof(common_syscalls[0]));

#if defined(__SANITIZE_ADDRESS__)
	if (err == 0)
		err = sandbox_allow(filter, sanitizer_syscalls,
				    sizeof(sanitizer_syscalls) / sizeof(sanitizer_syscalls[0]));
#endif

	/* vsock's host side connects out over AF_UNIX only. */
	if (err == 0)
		err = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (err < 0 || kind == SANDBOX_THREAD_VCPU) {
		for (size_t i = 0; err == 0 && i < sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]);
		     i++)
			err = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
					       SCMP_A1(SCMP_CMP_EQ, vcpu_ioctls[i]));
		return err;
	}
	err =
	    sandbox_allow(filter, main_syscalls, sizeof(main_syscalls) / sizeof(main_syscalls[0]));
	/* New threads (vCPUs at a reboot), never new processes. clone3's flags sit in
	 * memory a filter cannot read: refused with ENOSYS, glibc falls back to clone. */
	if (err == 0)
		err = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (err == 0)
		err = seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return err;
}

#ifdef SVMM_SANDBOX_TEST_TRIGGER
/* Test builds only: the lab proves a forbidden call is caught on each thread kind. */
static void sandbox_test_trigger(enum sandbox_thread kind)
{
	const char *want = getenv("SVMM_TEST_FORBIDDEN_SYSCALL");

	if (want == NULL)
		return;
	if (kind == SANDBOX_THREAD_VCPU && strcmp(want, "vcpu") == 0)
		syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	if (kind == SANDBOX_THREAD_MAIN && strcmp(want, "main") == 0)
		syscall(SYS_execve, "/nonexistent", NULL, NULL);
}
#endif

int sandbox_enter(enum sandbox_mode mode, enum sandbox_thread kind, char *why, size_t why_len)
{
	const char *label = kind == SANDBOX_THREAD_VCPU ? "vCPU thread" : "main thread";
	scmp_filter_ctx filter;
	int err;

	if (mode == SANDBOX_OFF)
		return 0;
	sandbox_thread_label = label;
	if (kind == SANDBOX_THREAD_MAIN && (err = sandbox_install_handler()) < 0) {
		snprintf(why, why_len, "seccomp: cannot install the SIGSYS handler: %s",
			 strerror(-err));
		return err;
	}
	filter = seccomp_init(mode == SANDBOX_LOG ? SCMP_ACT_LOG : SCMP_ACT_TRAP);
	if (filter == NULL) {
		snprintf(why, why_len, "seccomp: cannot create the %s filter", label);
		return -ENOMEM;
	}
	err = sandbox_build(filter, kind);
	if (err == 0)
		err = seccomp_load(filter);
	seccomp_release(filter);
	if (err < 0) {
		snprintf(why, why_len, "seccomp: cannot install the %s filter: %s", label,
			 strerror(-err));
		return err;
	}
#ifdef SVMM_SANDBOX_TEST_TRIGGER
	sandbox_test_trigger(kind);
#endif
	return 0;
}
