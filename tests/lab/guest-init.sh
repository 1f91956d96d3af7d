#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of the INNER guest (the Linux that svmm boots). Behaviour is chosen by
# svmm.test=MODE on the kernel command line: marker (default), reboot, echo, shell.
# Every console character is a trap to the VMM (~40 ms per line when nested), so
# print only the lines the scenarios look for.

/bin/busybox --install -s # applet symlinks into /bin, /sbin, /usr/bin, /usr/sbin
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo SVMM-GUEST-INIT-OK

cmdline=$(cat /proc/cmdline)
mode=marker
mods=0
for arg in $cmdline; do
	case $arg in
	svmm.test=*) mode=${arg#svmm.test=} ;;
	svmm.modules=*) mods=${arg#svmm.modules=} ;;
	esac
done

# The virtio drivers are modules; load them only when asked (svmm.modules=1, or
# the shell), so that basic boot tests don't depend on virtio devices working.
load_modules() {
	for m in $(cat /lib/modules/order); do
		insmod "/lib/modules/$m" || echo "SVMM-GUEST-INSMOD-FAIL=$m"
	done
}
[ "$mods" = 1 ] && load_modules

case $mode in
marker)
	echo "SVMM-GUEST-CPUS=$(grep -c ^processor /proc/cpuinfo)"
	echo "SVMM-GUEST-MEMTOTAL-KB=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)"
	echo "SVMM-GUEST-CMDLINE=$cmdline"
	;;
reboot)
	# Memory doesn't survive a reset, so every boot reboots; the VMM decides
	# whether that restarts the guest (marker printed again) or exits.
	reboot -f
	;;
echo)
	echo SVMM-GUEST-READY
	read -r line
	echo "SVMM-GUEST-GOT=$line"
	;;
shell)
	[ "$mods" = 1 ] || load_modules
	hostname svmm-guest
	echo "svmm guest: $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu(s). 'exit' powers off."
	# cttyhack opens the real console tty as controlling terminal: job control, ^C.
	PS1='svmm-guest:\w# ' setsid cttyhack sh
	;;
*)
	echo "SVMM-GUEST-BAD-MODE=$mode"
	;;
esac

poweroff -f
# PID 1 must never exit (kernel panic), even if poweroff somehow returns.
while :; do sleep 3600; done
