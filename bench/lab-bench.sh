# SPDX-License-Identifier: Apache-2.0
# The in-lab half of `make bench`, sourced by outer-init.sh (busybox sh) when
# the kernel command line has lab.mode=bench; bench.runs=N sets the run count.
# Each run boots the echo guest (1 vCPU, 256M, quiet kernel) and measures:
#   boot_to_init_ms   svmm start -> the guest's SVMM-GUEST-INIT-OK line on svmm's stdout
#   guest_uptime_at_init_ms  the guest's own /proc/uptime when it printed that line
#   boot_to_init_ms_2cpus    boot_to_init_ms with --cpus 2
#   svmm's resident memory (/proc/PID/smaps) while the guest waits for input:
#   guest RAM (the anonymous mapping exactly the guest's size) apart from the rest,
#   and the rest once more without svmm's mappings of the kernel and initrd files.
# Then, through the guest's own virtio drivers:
#   boot_to_init_ms_disk_net  the same boot with a disk and a user (passt) NIC attached
#   blk_seq_{write,read}_mbps sequential O_DIRECT dd in 1 MiB blocks on /dev/vda
#                             (a raw image in the lab host's tmpfs), 3 runs each
#   net_{tap,user}_tx_mbps    guest -> lab host TCP: dd | nc into lab_sock tcp-sink,
#                             timed by the sink (accept to end of stream), 3 runs each
#   net_{tap,user}_lab_sock_tx_mbps  the same with lab_sock tcp-send (64 KiB writes)
#                             instead of busybox nc (1 KiB per read and write)
#   net_{tap,user}_rx_mbps    lab host -> guest TCP: lab_sock tcp-send (64 KiB writes)
#                             into the guest's lab_sock tcp-sink, timed by the guest
#                             (accept to end of stream), 3 runs each
#   system_boot_to_both_init_ms  `svmm run --config` of a two-VM system description
#                             (1 vCPU each, pinned to cores 0 and 1): supervisor start
#                             -> both VMs' SVMM-GUEST-INIT-OK lines ("[a] ...", "[b] ...")
# Prints "bench: ..." lines (per run, then median/min/max) and LAB-RESULT lines.

SVMM=${SVMM:-/svmm}
GUEST=${GUEST:-/guest}
BENCH_TMP=${BENCH_TMP:-/tmp/bench}
BENCH_MEMORY_MB=256
BENCH_DEVICE_RUNS=${BENCH_DEVICE_RUNS:-5}  # boots with a disk and a NIC
BENCH_BLK_MB=${BENCH_BLK_MB:-256}          # image size, and MiB per dd run
BENCH_NET_MB=${BENCH_NET_MB:-4}            # MiB per TCP stream, dd | nc
BENCH_NET_SEND_MB=${BENCH_NET_SEND_MB:-16} # MiB per TCP stream, lab_sock tcp-send

# now: sets $now_ns to CLOCK_MONOTONIC in ns, from /proc/timer_list's "now at N
# nsecs" line, read by the shell itself (no fork). busybox date has no %N and
# /proc/uptime counts in 10 ms steps.
now() {
	local line
	while read -r line; do
		case $line in "now at "*) line=${line#now at }; now_ns=${line% nsecs}; return ;; esac
	done </proc/timer_list
}

# smaps_rss PID: sets guest_kb (Rss of the guest RAM mapping), other_kb (Rss of
# every other mapping), own_kb (other_kb less the mappings of the guest's kernel
# and initrd files) and vmrss_kb; returns 1 unless exactly one mapping is
# anonymous and exactly the guest's size.
smaps_rss() {
	# shellcheck disable=SC2046 # split on purpose: one number per positional parameter
	set -- $(awk -v ram=$((BENCH_MEMORY_MB * 1024)) -v images=" $GUEST/Image $GUEST/rootfs.cpio.gz " '
		/^[0-9a-f]+-[0-9a-f]+ / { anon = NF == 5; image = index(images, " " $6 " ") > 0 }
		/^Size:/ { guest = anon && $2 == ram; n += guest }
		/^Rss:/ { if (guest) g += $2; else { o += $2; if (!image) own += $2 } }
		END { print n + 0, g + 0, o + 0, own + 0 }' "/proc/$1/smaps") \
		$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")
	guest_kb=$2 other_kb=$3 own_kb=$4 vmrss_kb=$5
	[ "$1" = 1 ]
}

# bench_run N [SVMM-ARGS...]: one boot of $BENCH_CPUS vCPUs (default 1); appends
# its numbers to $BENCH_TMP/<metric>; 1 on failure. With SVMM-ARGS (devices) only
# the boot time is kept, as boot_to_init_ms_disk_net; with 2 vCPUs, as
# boot_to_init_ms_2cpus.
bench_run() {
	local n=$1 outp=$BENCH_TMP/out.fifo inp=$BENCH_TMP/in.fifo t0 t_init='' rss='' pid line rc
	local cpus=${BENCH_CPUS:-1} uptime=''
	shift
	rm -f "$outp" "$inp"
	mkfifo "$outp" "$inp"
	now
	t0=$now_ns
	# stdin opened read-write: svmm holds a writer itself, so it never sees end of file.
	timeout -s KILL 120 "$SVMM" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "console=ttyAMA0 quiet svmm.test=echo" --cpus "$cpus" --memory ${BENCH_MEMORY_MB}M \
		"$@" <>"$inp" >"$outp" 2>"$BENCH_TMP/err" &
	pid=$!
	# The guest's lines as they arrive (with the console's \r): timestamp the marker.
	while IFS= read -r line; do
		case $line in
		*SVMM-GUEST-INIT-OK*) now; t_init=$now_ns ;;
		*SVMM-GUEST-INIT-UPTIME=*) uptime=${line#*=} uptime=${uptime%%[!0-9.]*} ;;
		*SVMM-GUEST-READY*)
			smaps_rss $pid && rss=1
			echo bench-done >"$inp" # the guest echoes it and powers off
			;;
		esac
	done <"$outp"
	wait $pid
	rc=$?
	if [ -z "$t_init" ] || [ -z "$rss" ] || [ $rc != 0 ]; then
		echo "bench: run $n FAILED: status $rc, init marker ${t_init:+seen}${t_init:-missing}," \
			"smaps ${rss:+read}${rss:-unreadable or no single ${BENCH_MEMORY_MB} MiB mapping}"
		sed 's/^/  | /' "$BENCH_TMP/err"
		return 1
	fi
	# Rounded to whole ms: run-to-run spread is far larger.
	if [ "$cpus" != 1 ]; then
		echo $(((t_init - t0 + 500000) / 1000000)) >>"$BENCH_TMP/boot_to_init_ms_${cpus}cpus"
		echo "bench: run $n boot_to_init_ms_${cpus}cpus=$(tail -n 1 "$BENCH_TMP/boot_to_init_ms_${cpus}cpus")"
		return 0
	fi
	if [ $# -gt 0 ]; then
		echo $(((t_init - t0 + 500000) / 1000000)) >>"$BENCH_TMP/boot_to_init_ms_disk_net"
		echo "bench: run $n boot_to_init_ms_disk_net=$(tail -n 1 "$BENCH_TMP/boot_to_init_ms_disk_net")"
		return 0
	fi
	echo $(((t_init - t0 + 500000) / 1000000)) >>"$BENCH_TMP/boot_to_init_ms"
	[ -z "$uptime" ] || awk -v u="$uptime" 'BEGIN { printf "%d\n", u * 1000 + 0.5 }' \
		>>"$BENCH_TMP/guest_uptime_at_init_ms"
	echo "$other_kb" >>"$BENCH_TMP/svmm_rss_kb_excluding_guest_ram"
	echo "$own_kb" >>"$BENCH_TMP/svmm_rss_kb_excluding_guest_ram_and_images"
	echo "$guest_kb" >>"$BENCH_TMP/guest_ram_rss_kb"
	echo "$vmrss_kb" >>"$BENCH_TMP/vmrss_kb"
	echo "bench: run $n boot_to_init_ms=$(tail -n 1 "$BENCH_TMP/boot_to_init_ms")" \
		"svmm_rss_kb_excluding_guest_ram=$other_kb" \
		"svmm_rss_kb_excluding_guest_ram_and_images=$own_kb" \
		"guest_ram_rss_kb=$guest_kb vmrss_kb=$vmrss_kb guest_uptime_at_init_s=${uptime:-?}"
}

# bench_other NAME N CMD...: one boot of the echo guest by another VMM, CMD (from
# LAB_EXTRA: an earlier svmm, kvmtool); appends boot_to_init_ms_NAME and
# guest_uptime_at_init_ms_NAME, then stops it. 1 on failure.
bench_other() {
	local name=$1 n=$2 outp=$BENCH_TMP/out.fifo t0 t_init='' uptime='' pid line
	shift 2
	rm -f "$outp"
	mkfifo "$outp"
	now
	t0=$now_ns
	timeout -s KILL 120 "$@" </dev/null >"$outp" 2>"$BENCH_TMP/err.$name" &
	pid=$!
	while IFS= read -r line; do
		case $line in
		*SVMM-GUEST-INIT-OK*) now; t_init=$now_ns ;;
		*SVMM-GUEST-INIT-UPTIME=*)
			uptime=${line#*=} uptime=${uptime%%[!0-9.]*}
			kill $pid 2>/dev/null # measured; the guest would wait for input
			;;
		esac
	done <"$outp"
	wait $pid
	if [ -z "$t_init" ] || [ -z "$uptime" ]; then
		echo "bench: $name run $n FAILED: init marker ${t_init:+seen}${t_init:-missing}"
		tail -n 5 "$BENCH_TMP/err.$name" | sed 's/^/  | /'
		return 1
	fi
	echo $(((t_init - t0 + 500000) / 1000000)) >>"$BENCH_TMP/boot_to_init_ms_$name"
	awk -v u="$uptime" 'BEGIN { printf "%d\n", u * 1000 + 0.5 }' >>"$BENCH_TMP/guest_uptime_at_init_ms_$name"
	echo "bench: $name run $n boot_to_init_ms=$(tail -n 1 "$BENCH_TMP/boot_to_init_ms_$name") guest_uptime_at_init_s=$uptime"
}

# other_vmms: "NAME PATH" lines for each VMM LAB_EXTRA put in /extra.
other_vmms() {
	local f
	for f in /extra/svmm-*; do
		[ -x "$f" ] && echo "${f##*/} $f"
	done
	[ -x /extra/lkvm-static ] && echo "kvmtool /extra/lkvm-static"
	return 0
}

# bench_other_boot NAME PATH N: one boot by that VMM, 1 vCPU, 256M, the same guest.
bench_other_boot() {
	local cmdline="quiet svmm.test=echo"
	case $1 in
	kvmtool)
		bench_other "$1" "$3" "$2" run -k "$GUEST/Image" -i "$GUEST/rootfs.cpio.gz" -c 1 \
			-m $BENCH_MEMORY_MB --console serial -p "console=ttyS0 $cmdline" ;;
	*)
		bench_other "$1" "$3" "$2" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
			--cmdline "console=ttyAMA0 $cmdline" --cpus 1 --memory ${BENCH_MEMORY_MB}M ;;
	esac
}

# bench_system N: one boot of a two-VM system; appends to
# $BENCH_TMP/system_boot_to_both_init_ms; 1 on failure.
bench_system() {
	local n=$1 outp=$BENCH_TMP/out.fifo inp=$BENCH_TMP/in.fifo t0 ta='' tb='' pid line rc vm ready=0
	{
		printf '{"name": "bench", "scheduling": "direct", "vms": ['
		for vm in a b; do
			[ $vm = a ] || printf ', '
			printf '{"name": "%s", "kernel": "%s/Image", "initrd": "%s/rootfs.cpio.gz", ' \
				$vm "$GUEST" "$GUEST"
			printf '"cmdline": "console=ttyAMA0 quiet svmm.test=echo", "cpus": 1, '
			printf '"memory": "%sM", "cores": [%s]}' $BENCH_MEMORY_MB "$([ $vm = a ] && echo 0 || echo 1)"
		done
		printf ']}\n'
	} >"$BENCH_TMP/system.json"
	rm -f "$outp" "$inp"
	mkfifo "$outp" "$inp"
	now
	t0=$now_ns
	timeout -s KILL 180 "$SVMM" run --config "$BENCH_TMP/system.json" \
		<>"$inp" >"$outp" 2>"$BENCH_TMP/err" &
	pid=$!
	while IFS= read -r line; do
		case $line in
		"[a] "*SVMM-GUEST-INIT-OK*) now; ta=$now_ns ;;
		"[b] "*SVMM-GUEST-INIT-OK*) now; tb=$now_ns ;;
		*SVMM-GUEST-READY*)
			ready=$((ready + 1))
			# Both waiting for input: Ctrl-A 1 and Ctrl-A 2, a line each; they power off.
			[ $ready = 2 ] && printf '\001%s\n\001%s\n' 1bench-done 2bench-done >"$inp"
			;;
		esac
	done <"$outp"
	wait $pid
	rc=$?
	if [ -z "$ta" ] || [ -z "$tb" ] || [ $rc != 0 ]; then
		echo "bench: system run $n FAILED: status $rc, init markers a ${ta:+seen}${ta:-missing}," \
			"b ${tb:+seen}${tb:-missing}"
		sed 's/^/  | /' "$BENCH_TMP/err"
		return 1
	fi
	[ "$ta" -gt "$tb" ] || ta=$tb
	echo $(((ta - t0 + 500000) / 1000000)) >>"$BENCH_TMP/system_boot_to_both_init_ms"
	echo "bench: system run $n system_boot_to_both_init_ms=$(tail -n 1 "$BENCH_TMP/system_boot_to_both_init_ms")"
}

# summary METRIC: "bench: METRIC median=N min=N max=N runs=N" over $BENCH_TMP/METRIC;
# rates (*_mbps) keep one decimal.
summary() {
	[ -s "$BENCH_TMP/$1" ] || return 0
	sort -n "$BENCH_TMP/$1" | awk -v m="$1" '{ v[NR] = $1 }
		END { med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      if (m ~ /_mbps$/)
		          printf "bench: %s median=%.1f min=%.1f max=%.1f runs=%d\n", m, med, v[1], v[NR], NR
		      else
		          printf "bench: %s median=%d min=%d max=%d runs=%d\n", m, med + 0.5, v[1], v[NR], NR }'
}

# ratio A B: "svmm/other" of the medians of metrics A and B, when both exist.
ratio() {
	[ -s "$BENCH_TMP/$1" ] && [ -s "$BENCH_TMP/$2" ] || return 0
	awk -v a="$(median_of "$1")" -v b="$(median_of "$2")" -v m="$1" -v o="$2" \
		'BEGIN { if (b > 0) printf "bench: ratio %s / %s = %.2f\n", m, o, a / b }'
}
median_of() { sort -n "$BENCH_TMP/$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# mbps BYTES SECONDS: MB/s (10^6 bytes) with one decimal.
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1f\n", b / s / 1e6 }'; }

# guest_bench NAME SECS CMDLINE-EXTRA SVMM-ARGS...: one guest run to poweroff; its
# console in $BENCH_TMP/NAME.out. 1 (and the tail of its output) unless it exited 0.
guest_bench() {
	local name=$1 secs=$2 extra=$3 rc
	shift 3
	timeout -s KILL "$secs" "$SVMM" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "console=ttyAMA0 quiet svmm.modules=1 $extra" --cpus 1 \
		--memory ${BENCH_MEMORY_MB}M "$@" </dev/null >"$BENCH_TMP/$name.out" 2>"$BENCH_TMP/$name.err"
	rc=$?
	[ $rc = 0 ] && return 0
	echo "bench: $name FAILED: svmm exit status $rc"
	tail -n 5 "$BENCH_TMP/$name.out" "$BENCH_TMP/$name.err" | tr -d '\r' | sed 's/^/  | /'
	return 1
}

# bench_blk: the guest's blkbench mode prints, per run, a write and then a read:
# "SVMM-GUEST-BENCH write bytes=N cs=T" (T in centiseconds of guest uptime).
bench_blk() {
	local img=$BENCH_TMP/blk.img op bytes cs secs rate n=0
	dd if=/dev/zero of="$img" bs=1M count="$BENCH_BLK_MB" 2>/dev/null
	guest_bench blk 300 "svmm.test=blkbench svmm.mb=$BENCH_BLK_MB" --disk "$img" || { rm -f "$img"; return 1; }
	rm -f "$img"
	if grep -q SVMM-GUEST-DD-FAILED "$BENCH_TMP/blk.out"; then
		echo "bench: blk: the guest's dd failed"
		tr -d '\r' <"$BENCH_TMP/blk.out" | sed 's/^/  | /'
		return 1
	fi
	while read -r _ op bytes cs; do
		bytes=${bytes#bytes=} cs=${cs#cs=}
		secs=$(awk -v t="$cs" 'BEGIN { printf "%.2f", t / 100 }')
		rate=$(mbps "$bytes" "$secs")
		[ -n "$rate" ] || { echo "bench: blk: cannot read '$op bytes=$bytes cs=$cs'"; return 1; }
		echo "$rate" >>"$BENCH_TMP/blk_seq_${op}_mbps"
		echo "bench: blk run $((n / 2 + 1)) $op ${rate} MB/s ($bytes bytes in $secs s)"
		n=$((n + 1))
	done <<EOF
$(tr -d '\r' <"$BENCH_TMP/blk.out" | grep '^SVMM-GUEST-BENCH ')
EOF
	[ $n = 6 ] || { echo "bench: blk: $n of 6 dd results"; sed 's/^/  | /' "$BENCH_TMP/blk.out"; return 1; }
}

# stream_result METRIC N RES MIB: records stream N's rate from a sink's
# "bytes=B ... seconds=S" line RES into $BENCH_TMP/METRIC; false unless it
# got all MIB MiB.
stream_result() {
	local metric=$1 n=$2 res=$3 mib=$4 bytes secs rate
	bytes=$(echo "$res" | sed -n 's/^bytes=\([0-9]*\) .*/\1/p')
	secs=$(echo "$res" | sed -n 's/.* seconds=\([0-9.]*\)$/\1/p')
	if [ "$bytes" != $((mib * 1048576)) ]; then
		echo "bench: $metric stream $n: '$res', want bytes=$((mib * 1048576))"
		return 1
	fi
	rate=$(mbps "$bytes" "$secs")
	echo "$rate" >>"$BENCH_TMP/$metric"
	echo "bench: $metric stream $n ${rate} MB/s ($bytes bytes in $secs s)"
}

# bench_net KIND HOST SVMM-NET NET-CMDLINE SENDER MIB: three TCP streams of MIB
# MiB from the guest (busybox nc fed by dd, or lab_sock tcp-send) to lab_sock
# tcp-sink on ports 5101-5103 of the lab host, one after the other.
bench_net() {
	local kind=$1 host=$2 net=$3 cfg=$4 sender=$5 mib=$6 metric p sinks="" ok=0
	metric=net_${kind}_tx_mbps
	[ "$sender" = nc ] || metric=net_${kind}_${sender}_tx_mbps
	for p in 5101 5102 5103; do
		lab_sock tcp-sink $p >"$BENCH_TMP/sink.$p" 2>&1 &
		sinks="$sinks $!"
	done
	guest_bench "net_$kind" 300 "svmm.test=net svmm.net=$cfg svmm.sink=$host:5101,5102,5103 svmm.mb=$mib svmm.sender=$sender" \
		--net "$net"
	# Sinks that got no stream would wait forever.
	kill $sinks 2>/dev/null
	wait $sinks 2>/dev/null
	for p in 5101 5102 5103; do
		stream_result "$metric" $((p - 5100)) "$(cat "$BENCH_TMP/sink.$p")" "$mib" && ok=$((ok + 1))
	done
	[ $ok = 3 ] || { tr -d '\r' <"$BENCH_TMP/net_$kind.out" | tail -n 5 | sed 's/^/  | /'; return 1; }
}

# bench_net_rx KIND TARGET SVMM-NET NET-CMDLINE MIB: three TCP streams of MIB MiB
# from the lab host (lab_sock tcp-send to TARGET, ports 5201-5203, each tried
# until the guest listens) to the guest's lab_sock tcp-sink, which times them.
bench_net_rx() {
	local kind=$1 target=$2 net=$3 cfg=$4 mib=$5 metric p tries vm res ok=0
	metric=net_${kind}_rx_mbps
	timeout -s KILL 300 "$SVMM" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "console=ttyAMA0 quiet svmm.modules=1 svmm.test=net svmm.net=$cfg svmm.rxsink=5201,5202,5203" \
		--cpus 1 --memory ${BENCH_MEMORY_MB}M --net "$net" </dev/null \
		>"$BENCH_TMP/net_rx_$kind.out" 2>"$BENCH_TMP/net_rx_$kind.err" &
	vm=$!
	for p in 5201 5202 5203; do
		tries=0
		# Refused (or unreachable) until the guest's sink listens on p.
		while [ $tries -lt 300 ] && kill -0 $vm 2>/dev/null &&
			! lab_sock tcp-send "$target" $p "$mib" >/dev/null 2>&1; do
			sleep 0.2
			tries=$((tries + 1))
		done
	done
	wait $vm || echo "bench: $metric: svmm exit status $?"
	for p in 5201 5202 5203; do
		res=$(tr -d '\r' <"$BENCH_TMP/net_rx_$kind.out" | sed -n "s/^SVMM-GUEST-RXSINK $p //p")
		stream_result "$metric" $((p - 5200)) "$res" "$mib" && ok=$((ok + 1))
	done
	[ $ok = 3 ] || { tr -d '\r' <"$BENCH_TMP/net_rx_$kind.out" | tail -n 5 | sed 's/^/  | /'; return 1; }
}

# bench_net_all: every network measure, tap then passt; the number that failed.
bench_net_all() {
	local failed=0
	tunctl -t tap0 >/dev/null && ip link set tap0 up && ip addr add 10.0.3.1/24 dev tap0
	bench_net tap 10.0.3.1 tap=tap0 10.0.3.2/24 nc "$BENCH_NET_MB" || failed=$((failed + 1))
	bench_net tap 10.0.3.1 tap=tap0 10.0.3.2/24 lab_sock "$BENCH_NET_SEND_MB" || failed=$((failed + 1))
	bench_net_rx tap 10.0.3.2 tap=tap0 10.0.3.2/24 "$BENCH_NET_SEND_MB" || failed=$((failed + 1))
	tunctl -d tap0 >/dev/null
	bench_net user 10.0.2.2 user dhcp nc "$BENCH_NET_MB" || failed=$((failed + 1))
	bench_net user 10.0.2.2 user dhcp lab_sock "$BENCH_NET_SEND_MB" || failed=$((failed + 1))
	# passt forwards the lab host's ports to the guest's.
	bench_net_rx user 127.0.0.1 user,forward=tcp:5201:5201,forward=tcp:5202:5202,forward=tcp:5203:5203 \
		dhcp "$BENCH_NET_SEND_MB" || failed=$((failed + 1))
	return $failed
}

# The network figures' summary lines.
NET_METRICS="net_tap_tx_mbps net_tap_lab_sock_tx_mbps net_tap_rx_mbps net_user_tx_mbps
	net_user_lab_sock_tx_mbps net_user_rx_mbps"

run_bench() {
	local runs=7 only="" arg i=1 failed=0 m others
	for arg in $(cat /proc/cmdline); do
		case $arg in
		bench.runs=*) runs=${arg#bench.runs=} ;;
		bench.only=*) only=${arg#bench.only=} ;;
		esac
	done
	rm -rf "$BENCH_TMP"
	mkdir -p "$BENCH_TMP"
	echo "bench: $($SVMM --version | head -n 1); lab kernel $(uname -r), $(nproc) CPUs; guest 1 vCPU," \
		"${BENCH_MEMORY_MB}M, quiet, svmm.test=echo; $runs runs; clock /proc/timer_list (ns)"
	if [ "$only" = net ]; then
		lab_net_up || { echo "bench: cannot set up the lab host's network"; failed=$((failed + 1)); }
		bench_net_all || failed=$((failed + $?))
		for m in $NET_METRICS; do summary $m; done
		[ $failed = 0 ] && echo "LAB-RESULT bench PASS" ||
			echo "LAB-RESULT bench FAIL $failed measurements failed"
		echo LAB-SCENARIOS-DONE
		return
	fi
	while [ $i -le "$runs" ]; do
		bench_system $i || failed=$((failed + 1))
		i=$((i + 1))
	done
	summary system_boot_to_both_init_ms
	if [ "$only" = system ]; then
		[ $failed = 0 ] && echo "LAB-RESULT bench PASS" ||
			echo "LAB-RESULT bench FAIL $failed boots or measurements failed"
		echo LAB-SCENARIOS-DONE
		return
	fi
	others=$(other_vmms)
	i=1
	while [ $i -le "$runs" ]; do
		bench_run $i || failed=$((failed + 1))
		BENCH_CPUS=2 bench_run $i || failed=$((failed + 1))
		echo "$others" | while read -r name path; do
			[ -z "$name" ] || bench_other_boot "$name" "$path" "$i"
		done
		i=$((i + 1))
	done
	for m in boot_to_init_ms guest_uptime_at_init_ms boot_to_init_ms_2cpus; do
		summary $m
	done
	echo "$others" | while read -r name path; do
		[ -n "$name" ] || continue
		summary "boot_to_init_ms_$name"
		summary "guest_uptime_at_init_ms_$name"
		ratio boot_to_init_ms "boot_to_init_ms_$name"
		ratio guest_uptime_at_init_ms "guest_uptime_at_init_ms_$name"
	done
	if [ "$only" = boot ]; then
		[ $failed = 0 ] && echo "LAB-RESULT bench PASS" ||
			echo "LAB-RESULT bench FAIL $failed boots or measurements failed"
		echo LAB-SCENARIOS-DONE
		return
	fi
	# The devices: the lab host's tmpfs holds the images; passt needs its network.
	lab_net_up || { echo "bench: cannot set up the lab host's network"; failed=$((failed + 1)); }
	dd if=/dev/zero of="$BENCH_TMP/boot.img" bs=1M count=64 2>/dev/null
	i=1
	while [ $i -le "$BENCH_DEVICE_RUNS" ]; do
		bench_run $i --disk "$BENCH_TMP/boot.img" --net user || failed=$((failed + 1))
		i=$((i + 1))
	done
	rm -f "$BENCH_TMP/boot.img"
	bench_blk || failed=$((failed + 1))
	bench_net_all || failed=$((failed + $?))
	for m in svmm_rss_kb_excluding_guest_ram \
		svmm_rss_kb_excluding_guest_ram_and_images guest_ram_rss_kb vmrss_kb \
		boot_to_init_ms_disk_net blk_seq_write_mbps blk_seq_read_mbps $NET_METRICS; do
		summary $m
	done
	if [ $failed = 0 ]; then echo "LAB-RESULT bench PASS"
	else echo "LAB-RESULT bench FAIL $failed boots or measurements failed"; fi
	echo LAB-SCENARIOS-DONE
}
