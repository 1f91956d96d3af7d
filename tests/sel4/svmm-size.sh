#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prints the bytes of svmm itself in a seL4 build's svmm.elf: every loaded
# section but .rodata.svmm_guest, which holds the guest's kernel, initrd and
# device tree (host/sel4/guest_images_blobs.S).
# usage: tests/sel4/svmm-size.sh SVMM.ELF
set -euo pipefail
aarch64-linux-gnu-size -A "${1:?usage: svmm-size.sh SVMM.ELF}" |
	awk '$3 > 0 && $1 != ".rodata.svmm_guest" {s += $2} END {print s}'
