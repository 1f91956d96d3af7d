#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make check-sel4: builds svmm as Microkit 2.3.0 protection domains with Linux
# guests and boots them on seL4 in QEMU (TCG). One VM on MICROKIT_CONFIG
# (default debug): the guest's init runs, console input reaches it (on the PL011
# and on a virtio console, hvc0), a 2-vCPU
# guest sees 2 CPUs, a disk served by the block driver protection domain reads
# back the pattern in QEMU's drive file and takes a write, a marker it writes
# survives a QEMU restart, reads the drive fails and a block driver that faults
# are I/O errors in the guest, a readonly disk cannot be written, a
# system whose QEMU has no drive stops with a line (never a hang), the guest's no-syndrome
# loads and stores on its window are emulated (or refused with an abort), a
# bare-metal guest's HVC and fetches from no RAM come back to it as SMCCC
# NOT_SUPPORTED and instruction aborts, and a guest power-off stops the VM.
# Systems on smp-debug (QEMU -smp 4): a 2-vCPU VM whose vCPUs run on cores 1
# and 2 sees 2 CPUs, alone and beside a second VM, both reaching init; two VMs
# on cores of their own both reach init; one VM reboots and comes back
# while the other's heartbeat goes on; a VM spinning on every vCPU in hybrid
# scheduling, bounded by its budget, does not starve the lower-priority VM on
# its core; console input reaches the VM selected with Ctrl-A 2 only; the management prompt
# (Ctrl-A m) refuses bad lines and stops, starts and restarts one VM while the other beats; a VM
# with "console": "none" runs to its end without a line of its own on the UART.
# Without an SDK it says SKIP and succeeds.
# usage: tests/sel4/run.sh [MICROKIT_SDK [CASE...]]   (SEL4_TIMEOUT: seconds per boot, 120)
# CASEs: marker echo hvc0 smp blk persist blkerr blkfault blkro nodrive hostile el1 shared span two
# two3 reboot budget select manage quiet; the default is all but two3 (README: "Many busy cores
# under QEMU").
set -uo pipefail
cd "$(dirname "$0")/../.."
sdk=${1:-${MICROKIT_SDK:-}}
if [ -z "$sdk" ]; then
	echo "check-sel4: SKIP (set MICROKIT_SDK=/path/to/microkit-sdk-2.3.0 to build and boot svmm on seL4)"
	exit 0
fi
shift || true
cases=" ${*:-marker echo hvc0 smp blk persist blkerr blkfault blkro nodrive hostile el1 shared span two reboot budget select manage quiet} "
# want NAME: whether case NAME runs.
want() { [[ $cases == *" $1 "* ]]; }
timeout=${SEL4_TIMEOUT:-120}
config=${MICROKIT_CONFIG:-debug}
out=build/sel4-test
mkdir -p "$out"
kernel=${KERNEL:-$HOME/.cache/svmm-lab/Image}
[ -f "$kernel" ] || { echo "check-sel4: no guest kernel at $kernel (run tests/lab/fetch.sh or set KERNEL)"; exit 1; }
initrd=${INITRD:-}
if [ -z "$initrd" ]; then
	initrd=$out/rootfs.cpio.gz
	# With the lab's MMIO prober, for the hostile case.
	if ! aarch64-linux-gnu-gcc -static -s -O2 -Wall -Wextra -Werror -o "$out/lab_mmio" \
		tests/lab/tools/lab_mmio.c >"$out/rootfs.log" 2>&1 ||
		! bash tests/lab/guest-rootfs.sh "$initrd" "" "$out/lab_mmio" >>"$out/rootfs.log" 2>&1; then
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
	printf 'check-sel4: %-9s ' "$name"
	SEL4_QEMU_ARGS="${SEL4_QEMU_ARGS:-} $qemu_extra" python3 tests/sel4/qemu_expect.py \
		"$out/$name/loader.img" "$out/$name.console.log" "$timeout" $smp "$@" || status=1
}
# QEMU options of the next boots (a drive for the block driver).
qemu_extra=
# One VM on an smp- config still boots a 4-core kernel.
smp=
[[ $config == smp-* ]] && smp="--smp 4"
# build_system NAME SYSTEM.json [CONFIG]: a system's loader image in $out/NAME,
# on CONFIG (smp-debug).
build_system() {
	if ! make --no-print-directory sel4 MICROKIT_SDK="$sdk" MICROKIT_CONFIG="${3:-smp-debug}" \
		SYSTEM="$2" SEL4_OUT="$out/$1" >"$out/$1.build.log" 2>&1; then
		echo "check-sel4: $1: build failed (see $out/$1.build.log)"
		tail -n 5 "$out/$1.build.log" | sed 's/^/  /'
		status=1
		return 1
	fi
}
# vm NAME CPUS CORES TEST [EXTRA JSON]: one VM of a system description.
vm() {
	printf '{"name": "%s", "kernel": "%s", "initrd": "%s", "cpus": %s, "memory": "128M", "cores": [%s], "cmdline": "console=ttyAMA0 quiet svmm.test=%s"%s}' \
		"$1" "$(realpath "$kernel")" "$(realpath "$initrd")" "$2" "$3" "$4" "${5:+, $5}"
}

base="console=ttyAMA0 quiet"
want marker && build marker examples/linux-sel4.json "$base svmm.test=marker" &&
	boot marker SVMM-GUEST-INIT-OK SVMM-GUEST-CPUS=1
want echo && build echo examples/linux-sel4.json "$base svmm.test=echo" &&
	boot echo --send SVMM-GUEST-READY hello-from-sel4 SVMM-GUEST-READY SVMM-GUEST-GOT=hello-from-sel4
# hvc0: the guest's console is svmm's virtio console ("console": "virtio"):
# the kernel's own lines (printk) and init's echo of a typed line go through
# hvc0, the PL011 is not the console.
printf '{"name": "linux", "cpus": 1, "memory": "256M", "console": "virtio"}\n' >"$out/hvc0.json"
want hvc0 && build hvc0 "$out/hvc0.json" "console=hvc0 quiet svmm.test=echo" &&
	boot hvc0 --send SVMM-GUEST-READY hello-from-hvc0 "svmm-guest: kernel console on hvc0" \
		SVMM-GUEST-READY SVMM-GUEST-GOT=hello-from-hvc0
want smp && build smp examples/linux-sel4-2cpu.json "$base svmm.test=marker" &&
	boot smp SVMM-GUEST-INIT-OK SVMM-GUEST-CPUS=2
# blk: a 4 MiB drive file in the layout guest-init.sh's blk mode keeps (a boot
# count in sector 0, its 1 MiB pattern, the first MiB of the guest's
# /bin/busybox, at 1 MiB), QEMU's virtio-blk device (modern virtio-mmio). The
# guest reads the pattern back through virtio-blk, svmm's sDDF block queue and
# the block driver PD (BLK-VERIFIED=7), then writes and flushes sector 0; a
# failed request would show as a kernel I/O error, and the file must hold the
# new count.
# make_disk FILE: that drive file, at count 7.
make_disk() {
	rm -f "$1"
	truncate -s 4M "$1"
	printf 'svmm-blk-state=7' | dd of="$1" bs=512 count=1 conv=sync,notrunc 2>/dev/null
	# The guest's busybox is the lab cache's (tests/lab/guest-rootfs.sh puts it there).
	dd if="${SVMM_LAB_CACHE:-$HOME/.cache/svmm-lab}/busybox" of="$1" bs=1M seek=1 count=1 \
		iflag=fullblock conv=notrunc 2>/dev/null
}
# drive FILE [LEGACY]: QEMU options giving the guest's disk FILE (on a legacy transport).
drive() {
	printf -- '-drive file=%s,if=none,format=raw,id=d0 -device virtio-blk-device,drive=d0%s' \
		"$1" "$([ -z "${2:-}" ] && echo ' -global virtio-mmio.force-legacy=false')"
}
# count_is FILE N: sector 0 of FILE says count N.
count_is() { [ "$(head -c 512 "$1" | tr -d '\0')" = "svmm-blk-state=$2" ]; }
disk=$out/blk-disk.img
make_disk "$disk"
printf '{"name": "linux", "cpus": 1, "memory": "256M", "disk": ["blk-disk.img"]}\n' >"$out/blk.json"
if want blk && build blk "$out/blk.json" "$base svmm.test=blk svmm.modules=1" "$disk"; then
	qemu_extra=$(drive "$disk")
	if boot blk SVMM-GUEST-INIT-OK SVMM-GUEST-BLK-VERIFIED=7 "blk_driver: virtio-blk in slot" &&
		grep -q "I/O error" "$out/blk.console.log"; then
		echo "check-sel4: blk: the guest saw an I/O error (see $out/blk.console.log)"
		status=1
	elif ! count_is "$disk" 8; then
		echo "check-sel4: blk: the drive file does not hold the guest's write (count 8)"
		status=1
	fi
	qemu_extra=
fi
# persist: a system description in the issue's form (the VM's disk on the
# system's block device "disk0") on a fresh drive file and a legacy virtio-mmio
# transport (QEMU's default). The first boot verifies count 7 and writes 8;
# QEMU is stopped; a second QEMU on the same file sees 8 and writes 9.
persist_disk=$out/persist-disk.img
printf '{"name": "persist", "vms": [%s], "devices": {"disk0": {"type": "block"}}}\n' \
	"$(vm linux 1 "" "blk svmm.modules=1" '"disk": [{"device": "disk0"}]')" >"$out/persist.json"
if want persist && build_system persist "$out/persist.json" "$config"; then
	make_disk "$persist_disk"
	qemu_extra=$(drive "$persist_disk" legacy)
	boot persist SVMM-GUEST-BLK-VERIFIED=7 "(legacy)"
	cp "$out/persist.console.log" "$out/persist-1.console.log"
	boot persist SVMM-GUEST-BLK-VERIFIED=8
	if ! count_is "$persist_disk" 9; then
		echo "check-sel4: persist: the drive file does not hold the second boot's count 9"
		status=1
	fi
	qemu_extra=
fi
# blkerr: the drive fails every read of the pattern (QEMU's blkdebug injects EIO
# at sector 2048): the guest gets I/O errors for those reads and nothing else
# (no hang, the disk goes on), so its write of sector 0 still lands.
if want blkerr && build blkerr "$out/blk.json" "$base svmm.test=blk svmm.modules=1" "$disk"; then
	make_disk "$disk"
	printf '[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "2048"\n' >"$out/blkerr.conf"
	qemu_extra=$(drive "blkdebug:$out/blkerr.conf:$disk")
	boot blkerr SVMM-GUEST-BLK-MISMATCH=7 "I/O error"
	if ! count_is "$disk" 8; then
		echo "check-sel4: blkerr: the write after the failed reads did not land (count 8)"
		status=1
	fi
	qemu_extra=
fi
# blkfault: a block driver built to fault on the first write (SEL4_BLK_TEST_FAULT):
# the guest reads the pattern, its write of sector 0 gets no answer, svmm gives
# up after 10 s and the guest sees an I/O error and goes on to power off; the
# file keeps count 7.
if want blkfault &&
	SEL4_BLK_TEST_FAULT=1 build blkfault "$out/blk.json" "$base svmm.test=blk svmm.modules=1" "$disk"; then
	make_disk "$disk"
	qemu_extra=$(drive "$disk")
	boot blkfault SVMM-GUEST-BLK-VERIFIED=7 "faulting on the first write" \
		"has not answered in 10 s" "I/O error"
	if ! count_is "$disk" 7; then
		echo "check-sel4: blkfault: the drive file changed though the driver died"
		status=1
	fi
	qemu_extra=
fi
# blkro: the issue's form with "readonly": true: the guest sees a read-only disk
# it can read, every write fails (the driver itself refuses them), and the file
# keeps count 7.
printf '{"name": "blkro", "vms": [%s], "devices": {"disk0": {"type": "block"}}}\n' \
	"$(vm linux 1 "" "blkro svmm.modules=1" '"disk": [{"device": "disk0", "readonly": true}]')" \
	>"$out/blkro.json"
if want blkro && build_system blkro "$out/blkro.json" "$config"; then
	make_disk "$disk"
	qemu_extra=$(drive "$disk")
	boot blkro "SVMM-GUEST-BLKRO ro=1 read=svmm-blk-state=7 write=failed" ", read-only"
	if ! count_is "$disk" 7; then
		echo "check-sel4: blkro: the read-only disk was written"
		status=1
	fi
	qemu_extra=
fi
# nodrive: the system has a disk but QEMU no virtio-blk device: the driver and
# svmm each say so in a line and the VM is not started (no hang).
want nodrive && build nodrive "$out/blk.json" "$base svmm.test=blk svmm.modules=1" "$disk" &&
	boot nodrive --until "the guest was not started" "blk_driver: no virtio-blk device" \
		"the block driver found no usable virtio-blk device"
# hostile: the guest's lab_mmio runs loads and stores without a syndrome (LDP,
# pre/post-indexed, STP, DC ZVA) on the disk's virtio-mmio window (DeviceID 2): each is
# emulated and its result checked (DC ZVA may be refused by the guest's own
# kernel), an exclusive load gets the external abort svmm injects (SIGBUS), and
# the VM goes on to power off.
mmio_ok="ldp=ok ldpsw=ok ldr_pre=ok ldr_post=ok ldp_pre=ok stp=ok str_post=ok str_pre=ok after=ok"
# shellcheck disable=SC2086 # one EXPECT per word
want hostile && build hostile "$out/blk.json" "$base svmm.test=mmio svmm.mmio_id=2" "$disk" &&
	qemu_extra=$(drive "$disk") boot hostile $mmio_ok ldxr=sigbus "cannot be emulated" SVMM-GUEST-MMIO-DONE
# el1: a bare-metal guest (tests/guest/hostile_guest.S) does at EL1 what Linux
# user space cannot: an HVC while PSCI is by SMC (SMCCC NOT_SUPPORTED), a fetch
# from no RAM and from the UART's window (each an instruction abort the guest
# takes), a load from nothing (zero); then it powers off.
guest_image=$out/hostile_guest
if want el1; then
	if aarch64-linux-gnu-gcc -c -o "$guest_image.o" tests/guest/hostile_guest.S &&
		aarch64-linux-gnu-ld -Ttext=0 -o "$guest_image.elf" "$guest_image.o" &&
		aarch64-linux-gnu-objcopy -O binary "$guest_image.elf" "$guest_image.img"; then
		printf '{"name": "el1", "vms": [{"name": "el1", "kernel": "%s", "cpus": 1, "memory": "64M"}]}\n' \
			"$(realpath "$guest_image.img")" >"$out/el1.json"
		build_system el1 "$out/el1.json" "$config" &&
			boot el1 --until "svmm: guest powered off" SVMM-HOSTILE-HVC=not-supported \
				SVMM-HOSTILE-FETCH-NO-RAM=abort SVMM-HOSTILE-FETCH-DEVICE=abort \
				SVMM-HOSTILE-LOAD-NOTHING=zero SVMM-HOSTILE-DONE --absent UNEXPECTED
	else
		echo "check-sel4: el1: cannot assemble tests/guest/hostile_guest.S"
		status=1
	fi
fi

# Systems of two VMs on the SMP kernel, their consoles multiplexed on the UART.
if [ ! -d "$sdk/board/qemu_virt_aarch64/smp-debug" ]; then
	echo "check-sel4: systems: SKIP (the SDK has no smp-debug config for qemu_virt_aarch64)"
else
	off="console: every VM is off"
	# Two unpinned VMs sharing the cores (hybrid): both reach init through the multiplexer.
	printf '{"name": "shared", "scheduling": "hybrid", "vms": [%s, %s]}\n' \
		"$(vm a 1 "" marker)" "$(vm b 1 "" marker)" | sed 's/"cores": \[\], //g' >"$out/shared.json"
	want shared && build_system shared "$out/shared.json" &&
		boot shared --smp 4 --until "$off" "[a] SVMM-GUEST-INIT-OK" "[b] SVMM-GUEST-INIT-OK" \
			"console: a: stopped" "console: b: stopped"
	# span: one 2-vCPU VM whose vCPUs run on cores 1 and 2 sees 2 CPUs.
	printf '{"name": "span", "scheduling": "direct", "vms": [%s]}\n' \
		"$(vm a 2 1,2 marker)" >"$out/span.json"
	want span && build_system span "$out/span.json" &&
		boot span --smp 4 "SVMM-GUEST-INIT-OK" "SVMM-GUEST-CPUS=2"
	# two: that VM beside another (hybrid: b shares core 2 with a's second
	# vCPU), both to init. The direct layout, b on a core of its own (two3),
	# keeps three cores busy: see the README's "Many busy cores under QEMU".
	for layout in "two hybrid 2" "two3 direct 3"; do
		read -r name scheduling b_core <<<"$layout"
		printf '{"name": "%s", "scheduling": "%s", "vms": [%s, %s]}\n' "$name" "$scheduling" \
			"$(vm a 2 1,2 marker)" "$(vm b 1 "$b_core" marker)" >"$out/$name.json"
		want "$name" && build_system "$name" "$out/$name.json" &&
			boot "$name" --smp 4 --until "$off" "[a] SVMM-GUEST-INIT-OK" "[b] SVMM-GUEST-INIT-OK" \
				"[a] SVMM-GUEST-CPUS=2" "[b] SVMM-GUEST-CPUS=1"
	done
	# a reboots at every boot (on_reboot restart); b's heartbeat must go on after a is back.
	printf '{"name": "reboot", "scheduling": "direct", "vms": [%s, %s]}\n' \
		"$(vm a 1 1 reboot '"on_reboot": "restart"')" \
		"$(vm b 1 2 "heartbeat svmm.beats=0")" >"$out/reboot.json"
	want reboot && build_system reboot "$out/reboot.json" &&
		boot reboot --smp 4 --then "[b] SVMM-GUEST-BEAT=" "[a] SVMM-GUEST-INIT-OK*2" \
			"[b] SVMM-GUEST-BEAT=3"
	# a spins on core 1 at a higher priority, limited to 2 ms in 10 ms; b shares the core.
	printf '{"name": "budget", "scheduling": "hybrid", "vms": [%s, %s]}\n' \
		"$(vm a 1 1 spin '"priority": 150, "budget_us": 2000, "period_us": 10000')" \
		"$(vm b 1 1 "heartbeat svmm.beats=0" '"priority": 100')" >"$out/budget.json"
	# a boots slowly on its 20%; once it spins, b must still beat.
	want budget && build_system budget "$out/budget.json" &&
		boot budget --smp 4 --then "[b] SVMM-GUEST-BEAT=" "[a] SVMM-GUEST-SPINNING" \
			"[b] SVMM-GUEST-BEAT=5"
	# Input goes to VM 1 (a) until Ctrl-A 2 selects b. QEMU's own console takes
	# Ctrl-A as its escape: Ctrl-A Ctrl-A sends one through it.
	printf '{"name": "select", "scheduling": "direct", "vms": [%s, %s]}\n' \
		"$(vm a 1 1 echo)" "$(vm b 1 2 echo)" >"$out/select.json"
	want select && build_system select "$out/select.json" &&
		boot select --smp 4 --until "[b] svmm: guest powered off" \
			--send "[b] SVMM-GUEST-READY" '\x01\x012hello-b' --absent "[a] SVMM-GUEST-GOT" \
			"console: b: input goes here" "[b] SVMM-GUEST-GOT=hello-b"
	# The management prompt (Ctrl-A m; through QEMU's console, Ctrl-A twice): hostile lines get
	# one error each and change nothing, list shows the VMs, start refuses a running VM; then a
	# is stopped, started and restarted, and b's heartbeat goes on after a is back a third time.
	# One request for a VM at a time (a second one is refused while the first is answered),
	# so each waits for the answer before it; the restart, for a's heartbeat after the start.
	printf '{"name": "manage", "scheduling": "direct", "management": true, "vms": [%s, %s]}\n' \
		"$(vm a 1 1 "heartbeat svmm.beats=0")" "$(vm b 1 2 "heartbeat svmm.beats=0")" \
		>"$out/manage.json"
	want manage && build_system manage "$out/manage.json" &&
		boot manage --smp 4 --then "[b] SVMM-GUEST-BEAT=" \
			--send "[b] SVMM-GUEST-BEAT=3" '\x01\x01mfrobnicate\rstop nosuch\rlist\rstart a' \
			--send "[mgmt] error: a: the VM is running" 'stop a' \
			--send "[mgmt] a: stopped" 'status a' --send "[mgmt] a: stopped, boot" 'start a' \
			--send "[a] SVMM-GUEST-BEAT=" 'restart a' \
			"console: mgmt: input goes here" "[mgmt] error: unknown command" \
			'[mgmt] error: stop: no VM named "nosuch"' "[mgmt] a: running" \
			"[mgmt] error: a: the VM is running" "console: a: stopped" \
			"[mgmt] a: stopped, boot 1, up 0 s, 1 vCPU, 128 MiB" "[mgmt] a: started" \
			"[mgmt] a: restarted" "[a] SVMM-GUEST-INIT-OK*3"
	# b has no console: the multiplexer reports its state, nothing it prints.
	printf '{"name": "quiet", "scheduling": "direct", "vms": [%s, %s]}\n' \
		"$(vm a 1 1 marker)" "$(vm b 1 2 marker '"console": "none"')" >"$out/quiet.json"
	want quiet && build_system quiet "$out/quiet.json" &&
		boot quiet --smp 4 --until "$off" --absent "[b] " "[a] SVMM-GUEST-INIT-OK" \
			"console: b: running" "console: b: stopped"
fi
if [ -f "$out/marker/svmm.elf" ]; then
	echo "check-sel4: sizes: loader.img $(stat -c %s "$out/marker/loader.img") B;" \
		"svmm.elf $(stat -c %s "$out/marker/svmm.elf") B, of which svmm itself:" \
		"$(bash tests/sel4/svmm-size.sh "$out/marker/svmm.elf") B" \
		"(every loaded section but the guest images)"
fi
[ $status = 0 ] && echo "check-sel4: ok" || echo "check-sel4: FAILED"
exit $status
