#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of the OUTER kernel: the emulated arm64 lab host (QEMU, EL2, so it has
# /dev/kvm) that runs svmm. Its initramfs holds /svmm, /guest/{Image,rootfs.cpio.gz}
# /scenarios.sh and /bench.sh. Kernel cmdline:
#   lab.mode=test  run the scenarios (lab.only=a,b,... to pick some), then power off
#   lab.mode=demo  boot the guest shell under svmm on this console, then power off
#   lab.mode=bench run the benchmarks (/bench.sh, from bench/lab-bench.sh), then power off

/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts # svmm --console pty: /dev/ptmx works only with devpts mounted
mount -t devpts devpts /dev/pts
mkdir -p /tmp
echo "LAB-OUTER-INIT uptime=$(cut -d' ' -f1 /proc/uptime)s kernel=$(uname -r)"

mode="test"
only=
for arg in $(cat /proc/cmdline); do
	case $arg in
	lab.mode=*) mode=${arg#lab.mode=} ;;
	lab.only=*) only=${arg#lab.only=} ;;
	esac
done

case $mode in
test)
	. /scenarios.sh
	run_scenarios "$only"
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

poweroff -f
while :; do sleep 3600; done # PID 1 must not exit
