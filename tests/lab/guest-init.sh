#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of the INNER guest (the Linux that svmm boots). Behaviour is chosen by
# svmm.test=MODE on the kernel command line: marker (default), reboot, echo,
# shell, heartbeat, spin, paste, mmio, and the device modes blk, blkro, blk2, blkreads, net,
# rng, vsock, blkbench. svmm.beats=N: how many heartbeat lines (one a second; 0: forever).
# Other parameters: svmm.modules=1 loads the virtio modules; svmm.net=dhcp or
# ADDR/LEN configures eth0; svmm.url=URL, svmm.serve=1, svmm.sink=HOST:PORT,...,
# svmm.rxsink=PORT,...,
# svmm.powerkey=1 powers off on a KEY_POWER press (the control API's stop).
# svmm.sender=nc|lab_sock and svmm.mb=N are for the net and bench modes (see
# below). With console=hvc0 the console is virtio's: the modules are loaded
# first, then init's I/O moves to /dev/hvc0 (the kernel had no console to give
# init before that).
# Every console character is a trap to the VMM (~40 ms per line when nested), so
# print only the lines the scenarios look for.

/bin/busybox --install -s # applet symlinks into /bin, /sbin, /usr/bin, /usr/sbin
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

cmdline=$(cat /proc/cmdline)
mode=marker mods=0 hvc=0 net='' url='' serve=0 sink='' rxsink='' sender=nc mb=64 beats=30 powerkey=0 mmio_id=4
for arg in $cmdline; do
	case $arg in
	svmm.test=*) mode=${arg#svmm.test=} ;;
	svmm.modules=*) mods=${arg#svmm.modules=} ;;
	svmm.net=*) net=${arg#svmm.net=} ;;
	svmm.url=*) url=${arg#svmm.url=} ;;
	svmm.serve=*) serve=${arg#svmm.serve=} ;;
	svmm.sink=*) sink=${arg#svmm.sink=} ;;
	svmm.rxsink=*) rxsink=${arg#svmm.rxsink=} ;;
	svmm.mb=*) mb=${arg#svmm.mb=} ;;
	svmm.sender=*) sender=${arg#svmm.sender=} ;;
	svmm.beats=*) beats=${arg#svmm.beats=} ;;
	svmm.powerkey=*) powerkey=${arg#svmm.powerkey=} ;;
	svmm.mmio_id=*) mmio_id=${arg#svmm.mmio_id=} ;;
	console=hvc0) hvc=1 ;;
	esac
done

# The virtio drivers are modules; load them only when asked (svmm.modules=1, the
# shell, or a virtio console), so that basic boot tests don't depend on virtio
# devices working. modules/order lists virtio_mmio first, then each module after
# the ones it depends on.
modules_loaded=0
load_modules() {
	[ $modules_loaded = 1 ] && return
	modules_loaded=1
	for m in $(cat /lib/modules/order); do
		insmod "/lib/modules/$m" || echo "SVMM-GUEST-INSMOD-FAIL=$m"
	done
}
if [ $hvc = 1 ]; then
	load_modules
	i=0
	while [ ! -c /dev/hvc0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	exec </dev/hvc0 >/dev/hvc0 2>&1
	# Through the kernel's console (printk), not the tty: priority 2 passes "quiet".
	echo "<2>svmm-guest: kernel console on hvc0" >/dev/kmsg
fi
read -r init_uptime _ </proc/uptime
echo SVMM-GUEST-INIT-OK
# The guest's own boot time, for bench/ (the kernel's share, whatever the VMM's start-up).
echo "SVMM-GUEST-INIT-UPTIME=$init_uptime"
[ "$mods" = 1 ] && load_modules
# svmm.powerkey=1 (with svmm.modules=1, for gpio_keys): a KEY_POWER press powers
# the guest off, whatever the mode is doing, as logind or acpid would.
if [ "$powerkey" = 1 ]; then
	(lab_powerkey && poweroff -f) &
fi

# net_setup: eth0 by DHCP (busybox udhcpc; its lease script applies the lease)
# or with the static address svmm.net=ADDR/LEN.
net_setup() {
	case $net in
	dhcp)
		ip link set eth0 up
		udhcpc -i eth0 -s /etc/udhcpc/default.script -q -n -t 10 -T 1 >/dev/null 2>&1 ||
			echo SVMM-GUEST-DHCP-FAILED
		;;
	*/*)
		ip addr add "$net" dev eth0
		ip link set eth0 up
		;;
	esac
}

# pattern: the disk test's 1 MiB, the start of /bin/busybox: machine code, hardly
# two sectors alike, so one in the wrong place shows; the lab host has the very
# same file. (seq would take seconds: busybox seq counts in floating point.)
pattern() { dd if=/bin/busybox bs=1M count=1 2>/dev/null; }
md5() { # md5 of stdin, the hash alone
	local sum
	sum=$(md5sum)
	echo "${sum%% *}"
}
# sector0 DEV: the text in the first sector (NULs dropped).
sector0() { dd if="$1" bs=512 count=1 2>/dev/null | tr -d '\0'; }
# put_sector0 DEV TEXT: TEXT, zero-padded to a sector, written to sector 0 and flushed.
put_sector0() { printf '%s' "$2" | dd of="$1" bs=512 count=1 conv=sync,fsync 2>/dev/null; }

case $mode in
marker)
	echo "SVMM-GUEST-CPUS=$(grep -c ^processor /proc/cpuinfo)"
	echo "SVMM-GUEST-MEMTOTAL-KB=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)"
	echo "SVMM-GUEST-CMDLINE=$cmdline"
	# With the modules: how many virtio devices a driver took.
	if [ $modules_loaded = 1 ]; then
		n=0
		for d in /sys/bus/virtio/devices/*/driver; do [ -e "$d" ] && n=$((n + 1)); done
		echo "SVMM-GUEST-VIRTIO-BOUND=$n"
	fi
	;;
reboot)
	# Memory doesn't survive a reset, so every boot reboots; the VMM decides
	# whether that restarts the guest (marker printed again) or exits.
	reboot -f
	;;
heartbeat)
	# A line a second, with the guest's uptime: another VM's isolation tests
	# count these while something happens next door.
	i=0
	while [ "$beats" = 0 ] || [ $i -lt "$beats" ]; do
		i=$((i + 1))
		read -r up _ </proc/uptime
		echo "SVMM-GUEST-BEAT=$i up=$up"
		sleep 1
	done
	;;
spin)
	# Every CPU busy for good: the noisy neighbour of the time-isolation test.
	echo "SVMM-GUEST-SPINNING cpus=$(grep -c ^processor /proc/cpuinfo)"
	i=1
	while [ $i -lt "$(grep -c ^processor /proc/cpuinfo)" ]; do
		(while :; do :; done) &
		i=$((i + 1))
	done
	while :; do :; done
	;;
echo)
	echo SVMM-GUEST-READY
	read -r line
	echo "SVMM-GUEST-GOT=$line"
	;;
blkreads)
	# Once a console line arrives: exactly 10 O_DIRECT reads of 4 KiB from
	# /dev/vda (each waits for the last, so none merge), then another line.
	echo SVMM-GUEST-READY
	read -r line
	dd if=/dev/vda of=/dev/null bs=4096 count=10 iflag=direct 2>/dev/null
	echo SVMM-GUEST-BLK-READ-DONE
	read -r line
	;;
blk)
	# /dev/vda keeps a boot count in sector 0 and the pattern at 1 MiB. The
	# first boot writes both and reboots; each later one checks the pattern,
	# counts itself and powers off. Only the disk carries anything across.
	state=$(sector0 /dev/vda)
	case $state in
	svmm-blk-state=*)
		n=${state#svmm-blk-state=}
		got=$(dd if=/dev/vda bs=1M skip=1 count=1 iflag=direct 2>/dev/null | md5)
		if [ "$got" = "$(pattern | md5)" ]; then echo "SVMM-GUEST-BLK-VERIFIED=$n"
		else echo "SVMM-GUEST-BLK-MISMATCH=$n md5=$got"; fi
		put_sector0 /dev/vda "svmm-blk-state=$((n + 1))"
		;;
	'')
		pattern | dd of=/dev/vda bs=1M seek=1 count=1 iflag=fullblock conv=fsync 2>/dev/null &&
			put_sector0 /dev/vda svmm-blk-state=1 && echo SVMM-GUEST-BLK-WROTE
		reboot -f
		;;
	*) echo "SVMM-GUEST-BLK-UNEXPECTED=$state" ;;
	esac
	;;
blkro)
	# A read-only disk: readable, marked read-only, and every write fails.
	w=failed
	put_sector0 /dev/vda overwritten && w=succeeded
	dd if=/dev/zero of=/dev/vda bs=4096 seek=1 count=1 oflag=direct 2>/dev/null && w=succeeded
	echo "SVMM-GUEST-BLKRO ro=$(cat /sys/block/vda/ro) read=$(sector0 /dev/vda) write=$w"
	;;
blk2)
	for d in vda vdb; do
		echo "SVMM-GUEST-DISK $d size=$(cat /sys/block/$d/size) label=$(sector0 /dev/$d)"
	done
	;;
net)
	# Print the features the virtio-net driver negotiated (bit 0 first). Fetch
	# svmm.url and print its md5; svmm.serve=1: then serve /www on port 80, the
	# fetched file as /www/fetched too, until a console line arrives.
	# svmm.sink=HOST:P1,P2,..: send svmm.mb MiB of zeros by TCP to each port in
	# turn; svmm.rxsink=P1,P2,..: take one TCP stream on each port in turn and
	# print what lab_sock tcp-sink counted (the bench, both directions).
	net_setup
	for d in /sys/bus/virtio/devices/*; do
		[ "$(cat "$d/device")" = 0x0001 ] && echo "SVMM-GUEST-NETFEAT=$(cat "$d/features")"
	done
	mkdir -p /www
	if [ -n "$url" ]; then
		wget -q -O /www/fetched "$url"
		echo "SVMM-GUEST-NET ip=$(ip -4 -o addr show dev eth0 | sed -n 's/.* inet \([0-9./]*\).*/\1/p')" \
			"md5=$(md5 </www/fetched)"
	fi
	if [ "$serve" = 1 ]; then
		echo svmm-guest-httpd-page >/www/index.html
		httpd -p 80 -h /www
		echo SVMM-GUEST-SERVING
		read -r line
	fi
	if [ -n "$sink" ]; then
		# Each stream ends when the sink closes (it says "sink" first: see lab_sock.c).
		for p in $(echo "${sink#*:}" | tr ',' ' '); do
			if [ "$sender" = lab_sock ]; then
				lab_sock tcp-send "${sink%%:*}" "$p" "$mb"
			else
				dd if=/dev/zero bs=64k count=$((mb * 16)) 2>/dev/null | nc "${sink%%:*}" "$p" >/dev/null
			fi || echo "SVMM-GUEST-SEND-FAILED=$p"
		done
		echo SVMM-GUEST-SENT
	fi
	for p in $(echo "$rxsink" | tr ',' ' '); do
		echo "SVMM-GUEST-RXSINK $p $(lab_sock tcp-sink "$p" 2>&1)"
	done
	;;
rng)
	hex=$(dd if=/dev/hwrng bs=64 count=1 iflag=fullblock 2>/dev/null | od -An -v -tx1 | tr -d ' \n')
	nz=no
	[ -n "$(echo "$hex" | tr -d 0)" ] && nz=yes
	echo "SVMM-GUEST-RNG current=$(cat /sys/class/misc/hw_random/rng_current) bytes=$((${#hex} / 2)) nonzero=$nz"
	;;
vsock)
	# Host to guest: lab_sock answers one connection on port 5000 (it prints a
	# "listening" line when ready). Guest to host: a line to the host's port 5001.
	lab_sock vsock-echo 5000 &
	echo "SVMM-GUEST-VSOCK-REPLY=$(lab_sock vsock-send 2 5001 ping 2>&1)"
	wait
	;;
blkbench)
	# Sequential O_DIRECT write then read of svmm.mb MiB in 1 MiB blocks, 3 times,
	# timed in centiseconds by /proc/uptime (busybox dd prints no rate).
	for i in 1 2 3; do
		for op in write read; do
			read -r t0 _ </proc/uptime
			if [ $op = write ]; then dd if=/dev/zero of=/dev/vda bs=1M count="$mb" oflag=direct 2>/dev/null
			else dd if=/dev/vda of=/dev/null bs=1M count="$mb" iflag=direct 2>/dev/null; fi ||
				echo "SVMM-GUEST-DD-FAILED=$op"
			read -r t1 _ </proc/uptime
			echo "SVMM-GUEST-BENCH $op bytes=$((mb * 1048576)) cs=$((${t1%.*}${t1#*.} - ${t0%.*}${t0#*.}))"
		done
	done
	;;
paste)
	# A 4 KiB paste arrives in one host write: raw mode (no line editing, no
	# echo, no 4095-byte line limit), so the md5 covers exactly what came in.
	stty raw -echo
	echo SVMM-GUEST-READY
	got=$(head -c 4096 | md5)
	stty sane
	echo "SVMM-GUEST-PASTE-MD5=$got"
	;;
records)
	# Numbered records, one per sector from sector 1 on, each written and
	# flushed (dd's fsync: a virtio FLUSH) before its number is printed. The
	# lab kills svmm -9 meanwhile: every number printed must be in the image.
	n=1
	while [ $n -lt 16000 ]; do
		printf 'svmm-record-%d' $n |
			dd of=/dev/vda bs=512 seek=$n count=1 conv=sync,fsync 2>/dev/null ||
			{ echo "SVMM-REC-FAILED=$n"; break; }
		echo "SVMM-REC-ACK=$n"
		n=$((n + 1))
	done
	;;
mmio)
	# No-syndrome MMIO instructions on the first virtio-mmio window (no driver
	# bound: the modules stay unloaded), a device whose ID is svmm.mmio_id
	# (default 4, rng); then a line proves the VM still runs.
	lab_mmio 0x0a000000 "$mmio_id"
	echo SVMM-GUEST-MMIO-DONE
	;;
shell)
	load_modules
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
