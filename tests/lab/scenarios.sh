# SPDX-License-Identifier: Apache-2.0
# Lab scenarios, sourced by outer-init.sh (busybox sh) inside the emulated arm64
# host. One function scenario_<name> per scenario; each prints exactly one
# "LAB-RESULT <name> PASS" or "LAB-RESULT <name> FAIL <reason>" line (a failure
# is preceded by the tail of svmm's output, indented with "  | ").
# Every svmm run is bounded (busybox timeout or a polling deadline): a hang fails.

SVMM=${SVMM:-/svmm}
GUEST=${GUEST:-/guest}
LAB_TMP=${LAB_TMP:-/tmp/lab}
GUEST_CMDLINE="console=ttyAMA0 quiet"
# The scenarios themselves live in scenarios-*.sh beside this file, one file per
# area; each adds its names to LAB_SCENARIOS, the default run's order.
LAB_SCENARIOS=""

# --- helpers -----------------------------------------------------------------

pass() { echo "LAB-RESULT $1 PASS"; }
fail() { # NAME REASON...: also shows the tail of the last run's output
	local name=$1
	shift
	for f in "$out" "$err"; do
		[ -s "$f" ] && tail -n 8 "$f" | tr -d '\r' | sed 's/^/  | /'
	done
	echo "LAB-RESULT $name FAIL $*"
}

# svmm_run NAME SECS ARGS...: runs "svmm ARGS" with no stdin; sets $out $err $rc.
svmm_run() {
	out=$LAB_TMP/$1.out err=$LAB_TMP/$1.err
	local secs=$2
	shift 2
	timeout "$secs" "$SVMM" "$@" </dev/null >"$out" 2>"$err"
	rc=$?
}

# guest_run NAME SECS EXTRA-CMDLINE SVMM-ARGS...: boots the test guest.
guest_run() {
	local name=$1 secs=$2 extra=$3
	shift 3
	svmm_run "$name" "$secs" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "$GUEST_CMDLINE $extra" "$@"
}

has() { grep -q "$1" "$out"; }
count() { grep -c "$1" "$out"; }
# value KEY: what follows "KEY=" on the guest's marker line (console adds \r).
value() { tr -d '\r' <"$out" | sed -n "s/.*$1=//p" | head -n 1; }
status() { # human-readable $rc
	if [ "$rc" -ge 128 ]; then echo "exit status $rc (killed by signal $((rc - 128)): timeout or crash)"
	else echo "exit status $rc"; fi
}
# booted NAME: the guest printed its init marker and svmm exited 0, else fails.
booted() {
	if ! has SVMM-GUEST-INIT-OK; then fail "$1" "no SVMM-GUEST-INIT-OK, $(status)"; return 1; fi
	if [ "$rc" != 0 ]; then fail "$1" "guest booted but $(status), want 0"; return 1; fi
}

# wait_for PATTERN SECS PID: polls $out until PATTERN shows up or PID exits.
wait_for() {
	local i=0
	while [ "$i" -lt $(($2 * 5)) ]; do
		has "$1" && return 0
		kill -0 "$3" 2>/dev/null || { has "$1"; return; }
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# stop PID: SIGTERM, then SIGKILL if it lingers; sets $rc.
stop() {
	kill "$1" 2>/dev/null
	local i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 10 ]; do sleep 0.2; i=$((i + 1)); done
	kill -9 "$1" 2>/dev/null
	wait "$1"
	rc=$?
}

# bad_input ARGS...: svmm must fail cleanly: exit 2 (the README's status for bad
# input and for a host that cannot run guests) and exactly one stderr line
# starting with "svmm: ". Prints the reason it didn't (nothing if it did).
bad_input() {
	svmm_run "$bad_name" 20 "$@"
	local lines
	lines=$(grep -c '' "$err")
	if [ "$rc" = 0 ]; then echo "exit status 0, want failure"
	elif [ "$rc" -ge 128 ]; then status
	elif [ "$rc" != 2 ]; then echo "exit status $rc, want 2"
	elif [ "$lines" != 1 ]; then echo "$lines lines on stderr, want 1"
	elif ! grep -q '^svmm: ' "$err"; then echo "stderr line doesn't start with 'svmm: '"
	fi
}
# bad_case NAME WHAT ARGS...: runs bad_input, fails NAME with WHAT as context.
bad_case() {
	bad_name=$1
	local what=$2 why
	shift 2
	out=$LAB_TMP/$bad_name.out err=$LAB_TMP/$bad_name.err # for fail(): $(...) is a subshell
	why=$(bad_input "$@")
	[ -z "$why" ] || { fail "$bad_name" "$what: $why"; return 1; }
}

# guest_start NAME SECS CMDLINE SVMM-ARGS...: boots the test guest in the
# background with the full kernel command line CMDLINE; its console input is a
# fifo that the shell holds open as fd 3 (write lines there). Sets $pid $out $err.
guest_start() {
	local name=$1 secs=$2 cmdline=$3 fifo=$LAB_TMP/$1.in
	shift 3
	out=$LAB_TMP/$name.out err=$LAB_TMP/$name.err
	rm -f "$fifo"
	mkfifo "$fifo"
	timeout -s KILL "$secs" "$SVMM" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "$cmdline" "$@" <"$fifo" >"$out" 2>"$err" &
	pid=$!
	exec 3>"$fifo" # opening the write end lets svmm's stdin open complete
}
# guest_wait: waits for the guest started by guest_start; sets $rc.
guest_wait() {
	wait $pid
	rc=$?
	exec 3>&-
}
# guest_abort: stops it (SIGTERM, then SIGKILL); sets $rc.
guest_abort() {
	stop $pid
	exec 3>&-
}

# image FILE MIB [TEXT]: a zero-filled raw image, TEXT at its start.
image() {
	rm -f "$1"
	dd if=/dev/zero of="$1" bs=1M count="$2" 2>/dev/null
	[ -z "${3:-}" ] || printf '%s' "$3" | dd of="$1" conv=notrunc 2>/dev/null
}
md5() { # md5 of stdin, the hash alone
	local sum
	sum=$(md5sum)
	echo "${sum%% *}"
}
# The pattern the guest's blk mode writes at 1 MiB: the start of the busybox
# binary, which the guest has too.
blk_pattern() { dd if=/bin/busybox bs=1M count=1 2>/dev/null; }

# --- scenarios -----------------------------------------------------------------
# Lab self-test, needs no svmm: nested KVM is available and the guest files are sane.
scenario_lab_smoke() {
	out=/dev/null err=/dev/null
	[ -c /dev/kvm ] || { fail lab_smoke "no /dev/kvm"; return; }
	(exec 3<>/dev/kvm) 2>/dev/null || { fail lab_smoke "cannot open /dev/kvm"; return; }
	# arm64 Image header: magic "ARM\x64" ("ARMd") at offset 56.
	[ "$(dd if="$GUEST/Image" bs=1 skip=56 count=4 2>/dev/null)" = ARMd ] ||
		{ fail lab_smoke "$GUEST/Image is not an arm64 Image"; return; }
	gunzip -c "$GUEST/rootfs.cpio.gz" | cpio -t 2>/dev/null | grep -qx init ||
		{ fail lab_smoke "$GUEST/rootfs.cpio.gz has no /init"; return; }
	local kvm
	kvm=$(dmesg | grep -m1 -i 'kvm.*initialized' | sed 's/^\[[^]]*\] //')
	[ -z "$kvm" ] || echo "lab: $kvm"
	pass lab_smoke
}

# The scenario files, in the default run's order (run.sh stages them beside this one).
for part in vm devices system perf sandbox api durability; do
	. "${LAB_DIR:-}/scenarios-$part.sh"
done

# --- driver --------------------------------------------------------------------

# run_scenarios [NAMES]: NAMES separated by commas or spaces; default: all.
run_scenarios() {
	local names name t0
	names=$(echo "${1:-$LAB_SCENARIOS}" | tr ',' ' ')
	mkdir -p "$LAB_TMP"
	t0=$(cut -d. -f1 /proc/uptime)
	for name in $names; do
		out=/dev/null err=/dev/null
		if ! type "scenario_$name" >/dev/null 2>&1; then
			fail "$name" "unknown scenario"
		elif [ "$name" != lab_smoke ] && [ ! -x "$SVMM" ]; then
			fail "$name" "no svmm binary at $SVMM"
		else
			"scenario_$name"
		fi
	done
	echo "lab: scenarios took $(($(cut -d. -f1 /proc/uptime) - t0)) s"
	echo LAB-SCENARIOS-DONE
}
