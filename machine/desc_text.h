/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A machine description as text, for a hypervisor that cannot read the VM
 * description itself: `svmm sdf --build-dir` writes each VM's machine into
 * its settings file, and svmm on seL4 reads it back, so the seL4 guest is
 * assembled from exactly what the description said (machine_assemble()),
 * not from a guess at what its device tree's nodes are.
 *
 * One "machine.KEY=VALUE" line per field, decimal numbers, in this order:
 *
 *	machine.cpus=2
 *	machine.memory=268435456
 *	machine.disks=1
 *	machine.nets=0
 *	machine.console=virtio        (or pl011)
 *	machine.rng=1                 (or 0)
 *	machine.vsock_cid=3           (0: no vsock device)
 *
 * Other lines (the settings file has its own) are skipped. Freestanding.
 */
#ifndef SVMM_MACHINE_DESC_TEXT_H
#define SVMM_MACHINE_DESC_TEXT_H

#include <stddef.h>

#include "machine/machine.h"

/* Room for the text of any machine description. */
#define MACHINE_DESC_TEXT_MAX 256

/*
 * Writes `desc` as text into `buf` (NUL-terminated): its length, or
 * -SVMM_ENOSPC when `size` is too small.
 */
int machine_desc_to_text(const struct machine_desc *desc, char *buf, size_t size);

/*
 * Reads a machine from `len` bytes of text (need not be NUL-terminated):
 * 0, or -SVMM_EINVAL with `*why` naming the first line or field that is
 * wrong, missing or twice there.
 */
int machine_desc_from_text(const char *text, size_t len, struct machine_desc *desc,
			   const char **why);

#endif
