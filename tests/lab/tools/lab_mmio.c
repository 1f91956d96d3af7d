/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lab_mmio: runs, inside the lab's guest, the MMIO instructions whose data
 * aborts carry no syndrome (ISV = 0), on a virtio-mmio window mapped from
 * /dev/mem (a device no driver has bound): load/store pairs, LDPSW,
 * pre- and post-indexed loads and stores with write-back, DC ZVA, and an
 * exclusive load, which svmm refuses with an external abort (SIGBUS here).
 * It prints one line, "LAB-MMIO name=result ...", each result "ok" or what
 * was wrong; "sigbus" for a case the kernel answered with SIGBUS.
 *
 * Usage: lab_mmio PHYS [DEVICE_ID]   (the window's physical address, e.g. 0x0a000000,
 *        and the virtio DeviceID its device reports: 4, rng, by default)
 * Built static for the lab (tests/lab/run.sh); no libc beyond the basics.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define VIRTIO_MAGIC	   0x74726976u /* "virt" */
#define REG_MAGIC	   0x000
#define REG_DEVICE_ID	   0x008
#define REG_STATUS	   0x070
#define STATUS_ACK	   1u
#define STATUS_DRIVER	   2u
#define VIRTIO_VENDOR_SVMM 0x4d4d5653u /* "SVMM" */

static sigjmp_buf on_bus_error;
/* The device ID the window's device must report (virtio-mmio DeviceID). */
static uint32_t device_id = 4; /* rng */

static void bus_error(int sig)
{
	(void)sig;
	siglongjmp(on_bus_error, 1);
}

static char line[1024];

static void result(const char *name, const char *what)
{
	size_t used = strlen(line);

	snprintf(line + used, sizeof(line) - used, " %s=%s", name, what);
}

static void check(const char *name, int ok)
{
	result(name, ok ? "ok" : "wrong");
}

/* Runs one case: it reports itself, or the SIGBUS handler jumps back here. */
static void run_case(const char *name, void (*fn)(const char *name, uintptr_t base), uintptr_t base)
{
	if (sigsetjmp(on_bus_error, 1) == 0)
		fn(name, base);
	else
		result(name, "sigbus");
}

static void case_ldp(const char *name, uintptr_t base)
{
	uint32_t a, b;
	__asm__ volatile("ldp %w0, %w1, [%2]" : "=&r"(a), "=&r"(b) : "r"(base) : "memory");
	check(name, a == VIRTIO_MAGIC && b == 2);
}

static void case_ldpsw(const char *name, uintptr_t base)
{
	int64_t a, b;
	__asm__ volatile("ldpsw %0, %1, [%2, #8]" : "=&r"(a), "=&r"(b) : "r"(base) : "memory");
	check(name, a == device_id && b == VIRTIO_VENDOR_SVMM);
}

static void case_ldr_pre(const char *name, uintptr_t base)
{
	uintptr_t p = base;
	uint32_t v;
	__asm__ volatile("ldr %w0, [%1, #8]!" : "=&r"(v), "+r"(p) : : "memory");
	check(name, v == device_id && p == base + 8);
}

static void case_ldr_post(const char *name, uintptr_t base)
{
	uintptr_t p = base;
	uint32_t v;
	__asm__ volatile("ldr %w0, [%1], #4" : "=&r"(v), "+r"(p) : : "memory");
	check(name, v == VIRTIO_MAGIC && p == base + 4);
}

static void case_ldp_pre(const char *name, uintptr_t base)
{
	uintptr_t p = base;
	uint32_t a, b;
	__asm__ volatile("ldp %w0, %w1, [%2, #8]!" : "=&r"(a), "=&r"(b), "+r"(p) : : "memory");
	check(name, a == device_id && p == base + 8);
}

static void case_stp(const char *name, uintptr_t base)
{
	uint32_t s = STATUS_ACK, zero = 0, v;
	__asm__ volatile("stp %w0, %w1, [%2]"
			 :
			 : "r"(s), "r"(zero), "r"(base + REG_STATUS)
			 : "memory");
	v = *(volatile uint32_t *)(base + REG_STATUS);
	check(name, v == STATUS_ACK);
}

static void case_str_post(const char *name, uintptr_t base)
{
	uintptr_t p = base + REG_STATUS;
	uint32_t s = STATUS_ACK | STATUS_DRIVER, v;
	__asm__ volatile("str %w1, [%0], #4" : "+r"(p) : "r"(s) : "memory");
	v = *(volatile uint32_t *)(base + REG_STATUS);
	check(name, v == (STATUS_ACK | STATUS_DRIVER) && p == base + REG_STATUS + 4);
}

static void case_str_pre(const char *name, uintptr_t base)
{
	uintptr_t p = base;
	uint32_t zero = 0, v;
	/* Status 0 resets the device. */
	__asm__ volatile("str %w1, [%0, #0x70]!" : "+r"(p) : "r"(zero) : "memory");
	v = *(volatile uint32_t *)(base + REG_STATUS);
	check(name, v == 0 && p == base + REG_STATUS);
}

static void case_dc_zva(const char *name, uintptr_t base)
{
	uint32_t v;
	/* Zeroes the block: the first registers are read-only, so the magic stays. */
	__asm__ volatile("dc zva, %0" : : "r"(base) : "memory");
	v = *(volatile uint32_t *)(base + REG_MAGIC);
	check(name, v == VIRTIO_MAGIC);
}

static void case_ldxr(const char *name, uintptr_t base)
{
	uint32_t v;
	__asm__ volatile("ldxr %w0, [%1]" : "=&r"(v) : "r"(base) : "memory");
	result(name, v == VIRTIO_MAGIC ? "ok" : "wrong");
}

static void case_after(const char *name, uintptr_t base)
{
	/* A plain load still works after all of the above. */
	check(name, *(volatile uint32_t *)(base + REG_DEVICE_ID) == device_id);
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = bus_error};
	long page = sysconf(_SC_PAGESIZE);
	unsigned long phys;
	volatile uint8_t *map;
	uintptr_t base;
	int fd;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: lab_mmio PHYS [DEVICE_ID]\n");
		return 2;
	}
	phys = strtoul(argv[1], NULL, 0);
	if (argc == 3)
		device_id = (uint32_t)strtoul(argv[2], NULL, 0);
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0) {
		perror("lab_mmio: /dev/mem");
		return 1;
	}
	map = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)(phys & ~(unsigned long)(page - 1)));
	if (map == MAP_FAILED) {
		perror("lab_mmio: mmap");
		return 1;
	}
	base = (uintptr_t)map + (phys & (unsigned long)(page - 1));
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	strcpy(line, "LAB-MMIO");

	run_case("ldp", case_ldp, base);
	run_case("ldpsw", case_ldpsw, base);
	run_case("ldr_pre", case_ldr_pre, base);
	run_case("ldr_post", case_ldr_post, base);
	run_case("ldp_pre", case_ldp_pre, base);
	run_case("stp", case_stp, base);
	run_case("str_post", case_str_post, base);
	run_case("str_pre", case_str_pre, base);
	run_case("dc_zva", case_dc_zva, base);
	run_case("ldxr", case_ldxr, base);
	run_case("after", case_after, base);
	puts(line);
	return 0;
}
