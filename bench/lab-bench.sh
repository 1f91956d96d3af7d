# SPDX-License-Identifier: Apache-2.0
# The in-lab half of `make bench`, sourced by outer-init.sh (busybox sh) when
# the kernel command line has lab.mode=bench; bench.runs=N sets the run count.
# Each run boots the echo guest (1 vCPU, 256M, quiet kernel) and measures:
#   boot_to_init_ms   svmm start -> the guest's SVMM-GUEST-INIT-OK line on svmm's stdout
#   svmm's resident memory (/proc/PID/smaps) while the guest waits for input:
#   guest RAM (the anonymous mapping exactly the guest's size) apart from the rest,
#   and the rest once more without svmm's mappings of the kernel and initrd files.
# Prints "bench: ..." lines (per run, then median/min/max) and LAB-RESULT lines.

SVMM=${SVMM:-/svmm}
GUEST=${GUEST:-/guest}
BENCH_TMP=${BENCH_TMP:-/tmp/bench}
BENCH_MEMORY_MB=256

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

# bench_run N: one boot; appends its numbers to $BENCH_TMP/<metric>; 1 on failure.
bench_run() {
	local n=$1 outp=$BENCH_TMP/out.fifo inp=$BENCH_TMP/in.fifo t0 t_init='' rss='' pid line rc
	rm -f "$outp" "$inp"
	mkfifo "$outp" "$inp"
	now
	t0=$now_ns
	# stdin opened read-write: svmm holds a writer itself, so it never sees end of file.
	timeout -s KILL 120 "$SVMM" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "console=ttyAMA0 quiet svmm.test=echo" --cpus 1 --memory ${BENCH_MEMORY_MB}M \
		<>"$inp" >"$outp" 2>"$BENCH_TMP/err" &
	pid=$!
	# The guest's lines as they arrive (with the console's \r): timestamp the marker.
	while IFS= read -r line; do
		case $line in
		*SVMM-GUEST-INIT-OK*) now; t_init=$now_ns ;;
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
	echo $(((t_init - t0 + 500000) / 1000000)) >>"$BENCH_TMP/boot_to_init_ms"
	echo "$other_kb" >>"$BENCH_TMP/svmm_rss_kb_excluding_guest_ram"
	echo "$own_kb" >>"$BENCH_TMP/svmm_rss_kb_excluding_guest_ram_and_images"
	echo "$guest_kb" >>"$BENCH_TMP/guest_ram_rss_kb"
	echo "$vmrss_kb" >>"$BENCH_TMP/vmrss_kb"
	echo "bench: run $n boot_to_init_ms=$(tail -n 1 "$BENCH_TMP/boot_to_init_ms")" \
		"svmm_rss_kb_excluding_guest_ram=$other_kb" \
		"svmm_rss_kb_excluding_guest_ram_and_images=$own_kb" \
		"guest_ram_rss_kb=$guest_kb vmrss_kb=$vmrss_kb"
}

# summary METRIC: "bench: METRIC median=N min=N max=N runs=N" over $BENCH_TMP/METRIC.
summary() {
	sort -n "$BENCH_TMP/$1" | awk -v m="$1" '{ v[NR] = $1 }
		END { med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "bench: %s median=%d min=%d max=%d runs=%d\n", m, med + 0.5, v[1], v[NR], NR }'
}

run_bench() {
	local runs=7 arg i=1 failed=0 m
	for arg in $(cat /proc/cmdline); do
		case $arg in bench.runs=*) runs=${arg#bench.runs=} ;; esac
	done
	rm -rf "$BENCH_TMP"
	mkdir -p "$BENCH_TMP"
	echo "bench: $($SVMM --version | head -n 1); lab kernel $(uname -r); guest 1 vCPU," \
		"${BENCH_MEMORY_MB}M, quiet, svmm.test=echo; $runs runs; clock /proc/timer_list (ns)"
	while [ $i -le "$runs" ]; do
		bench_run $i || failed=$((failed + 1))
		i=$((i + 1))
	done
	if [ -s "$BENCH_TMP/boot_to_init_ms" ]; then
		for m in boot_to_init_ms svmm_rss_kb_excluding_guest_ram \
			svmm_rss_kb_excluding_guest_ram_and_images guest_ram_rss_kb vmrss_kb; do
			summary $m
		done
	fi
	if [ $failed = 0 ]; then echo "LAB-RESULT bench PASS"
	else echo "LAB-RESULT bench FAIL $failed of $runs runs failed"; fi
	echo LAB-SCENARIOS-DONE
}
