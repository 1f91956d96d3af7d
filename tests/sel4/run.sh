#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make check-sel4: builds svmm as a Microkit protection domain with a Linux
# guest and boots it on seL4 in QEMU (TCG), checking that the guest's init
# runs, console input reaches it, a 2-vCPU guest sees 2 CPUs, a disk served by
# the blk_server protection domain reads back the pattern packaged into it and
# takes a write, and a guest power-off stops the VM. Without an SDK it says SKIP
# and succeeds.
# usage: tests/sel4/run.sh [MICROKIT_SDK]        (SEL4_TIMEOUT: seconds per boot, 120)
set -uo pipefail
cd "$(dirname "$0")/../.."
sdk=${1:-${MICROKIT_SDK:-}}
if [ -z "$sdk" ]; then
	echo "check-sel4: SKIP (set MICROKIT_SDK=/path/to/microkit-sdk-2.0.1 to build and boot svmm on seL4)"
	exit 0
fi
timeout=${SEL4_TIMEOUT:-120}
config=${MICROKIT_CONFIG:-debug}
out=build/sel4-test
mkdir -p "$out"
kernel=${KERNEL:-$HOME/.cache/svmm-lab/Image}
[ -f "$kernel" ] || { echo "check-sel4: no guest kernel at $kernel (run tests/lab/fetch.sh or set KERNEL)"; exit 1; }
initrd=${INITRD:-}
if [ -z "$initrd" ]; then
	initrd=$out/rootfs.cpio.gz
	if ! bash tests/lab/guest-rootfs.sh "$initrd" >"$out/rootfs.log" 2>&1; then
		[ -f build/lab/rootfs.cpio.gz ] || { echo "check-sel4: cannot build the guest rootfs (see $out/rootfs.log)"; exit 1; }
		initrd=build/lab/rootfs.cpio.gz
	fi
fi

status=0
# build NAME VM CMDLINE [DISK]: one loader image in $out/NAME.
build() {
	if ! make --no-print-directory sel4 MICROKIT_SDK="$sdk" MICROKIT_CONFIG="$config" VM="$2" \
		KERNEL="$kernel" INITRD="$initrd" CMDLINE="$3" DISK="${4:-}" SEL4_OUT="$out/$1" \
		>"$out/$1.build.log" 2>&1; then
		echo "check-sel4: $1: build failed (see $out/$1.build.log)"
		tail -n 5 "$out/$1.build.log" | sed 's/^/  /'
		status=1
		return 1
	fi
}
# boot NAME ARGS...: qemu_expect.py on $out/NAME/loader.img.
boot() {
	local name=$1
	shift
	printf 'check-sel4: %-8s ' "$name"
	python3 tests/sel4/qemu_expect.py "$out/$name/loader.img" "$out/$name.console.log" "$timeout" "$@" || status=1
}

base="console=ttyAMA0 quiet"
build marker examples/linux-sel4.json "$base svmm.test=marker" &&
	boot marker SVMM-GUEST-INIT-OK SVMM-GUEST-CPUS=1
build echo examples/linux-sel4.json "$base svmm.test=echo" &&
	boot echo --send SVMM-GUEST-READY hello-from-sel4 SVMM-GUEST-READY SVMM-GUEST-GOT=hello-from-sel4
build smp examples/linux-sel4-2cpu.json "$base svmm.test=marker" &&
	boot smp SVMM-GUEST-INIT-OK SVMM-GUEST-CPUS=2
# blk: a 4 MiB disk in the layout guest-init.sh's blk mode keeps (a boot count in
# sector 0, its 1 MiB pattern, the first MiB of the guest's /bin/busybox, at 1 MiB), packaged into
# blk_server. The guest reads the pattern back through virtio-blk, the request
# queue and blk_server (BLK-VERIFIED=7), then writes and flushes sector 0; a
# failed request would show as a kernel I/O error.
disk=$out/blk-disk.img
rm -f "$disk"
truncate -s 4M "$disk"
printf 'svmm-blk-state=7' | dd of="$disk" bs=512 count=1 conv=sync,notrunc 2>/dev/null
# The guest's busybox is the lab cache's (tests/lab/guest-rootfs.sh puts it there).
dd if="${SVMM_LAB_CACHE:-$HOME/.cache/svmm-lab}/busybox" of="$disk" bs=1M seek=1 count=1 \
	iflag=fullblock conv=notrunc 2>/dev/null
printf '{"name": "linux", "cpus": 1, "memory": "256M", "disk": ["blk-disk.img"]}\n' >"$out/blk.json"
if build blk "$out/blk.json" "$base svmm.test=blk svmm.modules=1" "$disk" &&
	boot blk SVMM-GUEST-INIT-OK SVMM-GUEST-BLK-VERIFIED=7 &&
	grep -q "I/O error" "$out/blk.console.log"; then
	echo "check-sel4: blk: the guest saw an I/O error (see $out/blk.console.log)"
	status=1
fi
if [ -f "$out/marker/svmm.elf" ]; then
	echo "check-sel4: sizes: loader.img $(stat -c %s "$out/marker/loader.img") B;" \
		"svmm.elf $(stat -c %s "$out/marker/svmm.elf") B, of which svmm itself:" \
		"$(bash tests/sel4/svmm-size.sh "$out/marker/svmm.elf") B" \
		"(every loaded section but the guest images)"
fi
[ $status = 0 ] && echo "check-sel4: ok" || echo "check-sel4: FAILED"
exit $status
