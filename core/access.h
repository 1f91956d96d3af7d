/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One guest memory access that left the guest (a KVM MMIO exit or a seL4 VM
 * fault), in a form no device needs to decode further.
 */
#ifndef SVMM_CORE_ACCESS_H
#define SVMM_CORE_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

struct access {
	unsigned vcpu; /* index of the vCPU that made the access */
	uint64_t gpa;  /* guest physical address */
	uint8_t size;  /* 1, 2, 4 or 8 bytes */
	bool is_write;
	uint64_t value; /* written value; for reads, the handler fills it in */
};

#endif
