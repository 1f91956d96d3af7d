#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of the OUTER kernel: the emulated arm64 lab host (QEMU, EL2, so it has
# /dev/kvm) that runs svmm. Its initramfs holds /svmm, /guest/{Image,rootfs.cpio.gz}
# /scenarios.sh, /bench.sh, /usr/bin/lab_sock, passt (+ its libc) and the modules
# for its own NIC and tun in /lib/modules. Kernel cmdline:
#   lab.mode=test  run the scenarios (lab.only=a,b,... to pick some), then power off
#   lab.mode=demo  boot the guest shell under svmm on this console, then power off
#   lab.mode=bench run the benchmarks (/bench.sh, from bench/lab-bench.sh), then power off
#   lab.sanitize=1 (test mode) /svmm is an ASan+UBSan build: its reports fail the run

# passt sandboxes itself with pivot_root(2), which refuses to move the kernel's
# rootfs (the initramfs), and with a user namespace, which a chrooted process may
# not create. So, as switch_root does but without copying, a bind mount of / is
# moved on top of / and becomes the root: an ordinary mount, not a chroot.
if [ "${LAB_ROOT_MOVED:-}" != 1 ]; then
	/bin/busybox mkdir -p /lab-root
	/bin/busybox mount -o bind / /lab-root && cd /lab-root && /bin/busybox mount -o move . / &&
		LAB_ROOT_MOVED=1 exec /bin/busybox chroot . /init
	echo "lab: cannot move the root onto a mount; passt will not start"
	cd /
fi
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts # svmm --console pty: /dev/ptmx works only with devpts mounted
mount -t devpts devpts /dev/pts
# cgroup v2, as a systemd host mounts it: svmm puts a VM with a budget in a cpu.max group.
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /tmp
echo "LAB-OUTER-INIT uptime=$(cut -d' ' -f1 /proc/uptime)s kernel=$(uname -r)"

# lab_net_up: the lab host's network, for the scenarios that need it (0.15 s,
# so only then): lo, eth0 on QEMU's user network (10.0.2.15/24, via
# 10.0.2.2; passt needs a default route to start) and tun for tap interfaces.
lab_modules_up() {
	local m
	for m in $(cat /lib/modules/order); do
		[ -d "/sys/module/${m%.ko}" ] || insmod "/lib/modules/$m" || return 1
	done
}
lab_net_up() {
	[ -e /sys/class/net/eth0 ] && return 0
	lab_modules_up || return 1
	mkdir -p /etc
	echo "nameserver 10.0.2.3" >/etc/resolv.conf # QEMU's; else passt warns it has no DNS
	ip link set lo up &&
		ip link set eth0 up &&
		ip addr add 10.0.2.15/24 dev eth0 &&
		ip route add default via 10.0.2.2
}

# lab_disk_up: the lab host's scratch disk (run.sh gives QEMU an empty ext4
# image as its virtio disk) mounted on /mnt/disk, for what tmpfs cannot do:
# O_DIRECT.
lab_disk_up() {
	grep -q ' /mnt/disk ' /proc/mounts && return 0
	lab_modules_up || return 1
	mkdir -p /mnt/disk
	mount -t ext4 /dev/vda /mnt/disk
}

mode="test"
only=
sanitize=0
for arg in $(cat /proc/cmdline); do
	case $arg in
	lab.mode=*) mode=${arg#lab.mode=} ;;
	lab.only=*) only=${arg#lab.only=} ;;
	lab.trials=*) export LAB_TRIALS=${arg#lab.trials=} ;;
	lab.sanitize=1) sanitize=1 ;;
	esac
done

# The work runs in a child shell; PID 1 only waits (and reaps). Orphans, such as
# the watcher process busybox timeout leaves behind, are reparented to PID 1, and
# their SIGCHLD would interrupt whatever PID 1 is doing: a blocking open of a
# fifo then fails with EINTR (busybox sh does not retry it).
(
case $mode in
test)
	if [ "$sanitize" = 1 ]; then
		# /svmm is an ASan+UBSan build: the first report stops it and lands in
		# /tmp/sanitizer; every report fails the run.
		mkdir -p /tmp/sanitizer
		export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:log_path=/tmp/sanitizer/asan
		export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=/tmp/sanitizer/ubsan
	fi
	. /scenarios.sh
	run_scenarios "$only"
	if [ "$sanitize" = 1 ]; then
		reports=$(ls /tmp/sanitizer)
		for f in $reports; do sed "s#^#  | $f: #" "/tmp/sanitizer/$f" | head -n 40; done
		if [ -z "$reports" ]; then echo "LAB-RESULT sanitizer_reports PASS"
		else echo "LAB-RESULT sanitizer_reports FAIL $(echo $reports | wc -w) report(s): $reports"; fi
	fi
	;;
bench)
	. /bench.sh
	run_bench
	;;
demo)
	if [ -x /svmm ]; then
		echo "lab: starting svmm; in the guest shell, 'exit' powers everything off (QEMU: Ctrl-A x)"
		# setsid + cttyhack: svmm gets this console as its controlling tty.
		setsid cttyhack /svmm run --kernel /guest/Image --initrd /guest/rootfs.cpio.gz \
			--cmdline "console=ttyAMA0 quiet svmm.test=shell" --cpus 1 --memory 512M
		echo "lab: svmm exited with status $?"
	else
		echo "lab: no /svmm in this lab image"
	fi
	;;
*)
	echo "lab: unknown lab.mode=$mode"
	;;
esac
)

poweroff -f
while :; do sleep 3600; done # PID 1 must not exit
