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
LAB_SCENARIOS="boot_marker two_cpus memory cmdline poweroff_exit0 reboot_exit
	reboot_restart console_input config_file bad_missing_kernel bad_corrupt_image
	bad_memory_small bad_json bad_option sigterm sigint sighup no_kvm dtb_out console_pty"
# console_socket is missing on purpose: busybox's nc has no unix sockets (no -U,
# no local:PATH), and the lab has nothing but busybox to connect with.

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

# --- scenarios -----------------------------------------------------------------

scenario_boot_marker() {
	guest_run boot_marker 60 svmm.test=marker --cpus 1 --memory 256M
	booted boot_marker && pass boot_marker
}

scenario_two_cpus() {
	guest_run two_cpus 60 svmm.test=marker --cpus 2 --memory 256M
	booted two_cpus || return
	local n
	n=$(value SVMM-GUEST-CPUS)
	[ "$n" = 2 ] || { fail two_cpus "guest sees '$n' CPUs, want 2"; return; }
	pass two_cpus
}

scenario_memory() {
	guest_run memory 60 svmm.test=marker --cpus 1 --memory 300M
	booted memory || return
	local kb
	kb=$(value SVMM-GUEST-MEMTOTAL-KB)
	# MemTotal excludes the kernel image and reservations, so it is below 300 MiB.
	if [ -z "$kb" ] || [ "$kb" -lt 200000 ] || [ "$kb" -gt 307200 ]; then
		fail memory "MemTotal '$kb' kB not in 200000..307200"
		return
	fi
	pass memory
}

scenario_cmdline() {
	guest_run cmdline 60 "svmm.test=marker svmm.hello=world42" --cpus 1 --memory 256M
	booted cmdline || return
	case " $(value SVMM-GUEST-CMDLINE) " in
	*" svmm.hello=world42 "*) pass cmdline ;;
	*) fail cmdline "svmm.hello=world42 missing from guest cmdline '$(value SVMM-GUEST-CMDLINE)'" ;;
	esac
}

scenario_poweroff_exit0() {
	guest_run poweroff_exit0 60 svmm.test=marker --cpus 1 --memory 256M
	# The kernel's last words before PSCI SYSTEM_OFF: proves a real poweroff.
	has "reboot: Power down" || { fail poweroff_exit0 "no 'reboot: Power down' from the guest, $(status)"; return; }
	[ "$rc" = 0 ] || { fail poweroff_exit0 "guest powered off but $(status), want 0"; return; }
	pass poweroff_exit0
}

scenario_reboot_exit() {
	guest_run reboot_exit 60 svmm.test=reboot --cpus 1 --memory 256M --on-reboot exit
	local n
	n=$(count SVMM-GUEST-INIT-OK)
	[ "$n" = 1 ] || { fail reboot_exit "$n SVMM-GUEST-INIT-OK markers, want 1 ($(status))"; return; }
	[ "$rc" = 3 ] || { fail reboot_exit "$(status), want 3 (guest requested reset)"; return; }
	pass reboot_exit
}

scenario_reboot_restart() {
	# Runs until the guest has booted twice, then stops svmm (it would loop forever).
	out=$LAB_TMP/reboot_restart.out err=$LAB_TMP/reboot_restart.err
	"$SVMM" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "$GUEST_CMDLINE svmm.test=reboot" --cpus 1 --memory 256M \
		--on-reboot restart </dev/null >"$out" 2>"$err" &
	local pid=$! i=0 n=0
	while [ $i -lt 200 ]; do # 40 s
		n=$(count SVMM-GUEST-INIT-OK)
		[ "$n" -ge 2 ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
		i=$((i + 1))
	done
	if kill -0 $pid 2>/dev/null; then
		stop $pid
	else
		wait $pid
		rc=$?
		[ "$n" -ge 2 ] || { fail reboot_restart "$n SVMM-GUEST-INIT-OK markers, then svmm exited ($(status))"; return; }
	fi
	[ "$n" -ge 2 ] || { fail reboot_restart "only $n SVMM-GUEST-INIT-OK markers in 40 s, want >= 2"; return; }
	pass reboot_restart
}

scenario_console_input() {
	# svmm's stdin is a fifo; the line is written only once the guest is reading.
	out=$LAB_TMP/console_input.out err=$LAB_TMP/console_input.err
	local fifo=$LAB_TMP/console_input.in pid
	rm -f "$fifo"
	mkfifo "$fifo"
	timeout 60 "$SVMM" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "$GUEST_CMDLINE svmm.test=echo" --cpus 1 --memory 256M \
		<"$fifo" >"$out" 2>"$err" &
	pid=$!
	exec 3>"$fifo" # opening the write end lets svmm's stdin open complete
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		exec 3>&-
		stop $pid
		fail console_input "no SVMM-GUEST-READY, $(status)"
		return
	fi
	echo typed-hello-77 >&3
	wait $pid # the guest powers off after echoing; timeout bounds this
	rc=$?
	exec 3>&-
	[ "$(value SVMM-GUEST-GOT)" = typed-hello-77 ] ||
		{ fail console_input "guest got '$(value SVMM-GUEST-GOT)', want 'typed-hello-77' ($(status))"; return; }
	[ "$rc" = 0 ] || { fail console_input "echo worked but $(status), want 0"; return; }
	pass console_input
}

scenario_config_file() {
	local cfg=$LAB_TMP/vm.json n
	printf '{"kernel": "%s", "initrd": "%s", "cmdline": "%s", "cpus": 1, "memory": "256M"}\n' \
		"$GUEST/Image" "$GUEST/rootfs.cpio.gz" "$GUEST_CMDLINE svmm.test=marker" >"$cfg"
	svmm_run config_file.validate 20 validate "$cfg"
	[ "$rc" = 0 ] || { fail config_file "svmm validate: $(status), want 0"; return; }
	svmm_run config_file 60 run --config "$cfg" --cpus 2 # the CLI overrides the file
	booted config_file || return
	n=$(value SVMM-GUEST-CPUS)
	[ "$n" = 2 ] || { fail config_file "guest sees '$n' CPUs, want 2 (--cpus 2 overrides the file's 1)"; return; }
	pass config_file
}

scenario_bad_missing_kernel() {
	bad_case bad_missing_kernel "--kernel /nonexistent" run --kernel /nonexistent \
		--initrd "$GUEST/rootfs.cpio.gz" --cmdline "$GUEST_CMDLINE" --cpus 1 --memory 256M &&
		pass bad_missing_kernel
}

scenario_bad_corrupt_image() {
	local zeros=$LAB_TMP/zeros.img
	dd if=/dev/zero of="$zeros" bs=4096 count=1 2>/dev/null
	bad_case bad_corrupt_image "4 KiB of zeros as kernel" run --kernel "$zeros" \
		--initrd "$GUEST/rootfs.cpio.gz" --cmdline "$GUEST_CMDLINE" --cpus 1 --memory 256M &&
		bad_case bad_corrupt_image "rootfs.cpio.gz as kernel" run --kernel "$GUEST/rootfs.cpio.gz" \
			--initrd "$GUEST/rootfs.cpio.gz" --cmdline "$GUEST_CMDLINE" --cpus 1 --memory 256M &&
		pass bad_corrupt_image
}

scenario_bad_memory_small() {
	# Debian's Image header declares image_size ~34 MiB (+2 MiB alignment): not in 16 MiB.
	bad_case bad_memory_small "--memory 16M" run --kernel "$GUEST/Image" \
		--initrd "$GUEST/rootfs.cpio.gz" --cmdline "$GUEST_CMDLINE" --cpus 1 --memory 16M &&
		pass bad_memory_small
}

scenario_bad_json() {
	local cfg=$LAB_TMP/bad.json
	printf '{"cpus": ' >"$cfg"
	bad_case bad_json "run --config" run --config "$cfg" &&
		bad_case bad_json "validate" validate "$cfg" &&
		pass bad_json
}

scenario_bad_option() {
	bad_case bad_option "--frobnicate" run --kernel "$GUEST/Image" \
		--initrd "$GUEST/rootfs.cpio.gz" --cpus 1 --memory 256M --frobnicate &&
		pass bad_option
}

# signal_case NAME SIG WANT: svmm stopped by SIG while the guest waits for input
# must exit with status WANT (128+N) by itself, not die of the signal.
signal_case() {
	local name=$1 sig=$2 want=$3 watcher how
	out=$LAB_TMP/$name.out err=$LAB_TMP/$name.err
	: >"$out"
	# svmm runs in the foreground and the watcher signals it: a non-interactive
	# shell starts background jobs with SIGINT ignored, and svmm rightly keeps that.
	(
		i=0
		while [ $i -lt 200 ] && ! has SVMM-GUEST-READY; do sleep 0.2; i=$((i + 1)); done
		has SVMM-GUEST-READY && kill -"$sig" "$(pidof svmm)"
	) &
	watcher=$!
	# time(1) tells an exit with status 143 from death by SIGTERM (also "143" in
	# $?); -s KILL so a hang shows as 137, not as a SIGTERM from timeout.
	timeout -s KILL 60 time -o "$LAB_TMP/$name.time" "$SVMM" run --kernel "$GUEST/Image" \
		--initrd "$GUEST/rootfs.cpio.gz" --cmdline "$GUEST_CMDLINE svmm.test=echo" \
		--cpus 1 --memory 256M </dev/null >"$out" 2>"$err"
	rc=$?
	kill $watcher 2>/dev/null
	wait $watcher
	how=$(head -n 1 "$LAB_TMP/$name.time")
	if pidof svmm >/dev/null; then
		kill -9 "$(pidof svmm)"
		fail "$name" "svmm still running after SIG$sig ($how)"
	elif ! has SVMM-GUEST-READY; then fail "$name" "no SVMM-GUEST-READY, $(status)"
	elif [ "$how" != "Command exited with non-zero status $want" ]; then
		fail "$name" "after SIG$sig: '$how', want exit status $want"
	elif grep -v '^svmm: ' "$err" | grep -q .; then fail "$name" "unexpected stderr"
	else pass "$name"
	fi
}

scenario_sigterm() { signal_case sigterm TERM 143; }
scenario_sigint() { signal_case sigint INT 130; }
scenario_sighup() { signal_case sighup HUP 129; }

scenario_no_kvm() {
	local ok
	# /dev/kvm goes back before anything else can fail, or later scenarios would too.
	mv /dev/kvm /dev/kvm.hidden || { fail no_kvm "cannot hide /dev/kvm"; return; }
	bad_case no_kvm "without /dev/kvm" run --kernel "$GUEST/Image" \
		--initrd "$GUEST/rootfs.cpio.gz" --cmdline "$GUEST_CMDLINE svmm.test=marker" \
		--cpus 1 --memory 256M
	ok=$?
	mv /dev/kvm.hidden /dev/kvm
	[ $ok = 0 ] || return
	if ! grep -q '/dev/kvm' "$err" || ! grep -q 'make demo' "$err"; then
		fail no_kvm "the error doesn't name both /dev/kvm and 'make demo'"
		return
	fi
	pass no_kvm
}

scenario_dtb_out() {
	local dtb=$LAB_TMP/g.dtb size total
	rm -f "$dtb"
	guest_run dtb_out 60 svmm.test=marker --cpus 1 --memory 256M --dtb-out "$dtb"
	booted dtb_out || return
	[ -s "$dtb" ] || { fail dtb_out "no $dtb"; return; }
	[ "$(od -An -tx1 -N4 "$dtb" | tr -d ' ')" = d00dfeed ] ||
		{ fail dtb_out "$dtb lacks the FDT magic d00dfeed"; return; }
	# Header word 1 is the blob's total size (big-endian): a truncated file shows.
	total=$(od -An -tu1 -j4 -N4 "$dtb" | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
	size=$(wc -c <"$dtb")
	[ "$total" = "$size" ] || { fail dtb_out "FDT header says $total bytes, file has $size"; return; }
	pass dtb_out
}

scenario_console_pty() {
	out=$LAB_TMP/console_pty.out err=$LAB_TMP/console_pty.err
	local con=$LAB_TMP/console_pty.con pid pty reader i=0
	timeout -s KILL 60 "$SVMM" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "$GUEST_CMDLINE svmm.test=echo" --console pty --cpus 1 --memory 256M \
		</dev/null >"$out" 2>"$err" &
	pid=$!
	while [ $i -lt 50 ] && ! grep -q '^svmm: console on ' "$err"; do sleep 0.2; i=$((i + 1)); done
	pty=$(sed -n 's/^svmm: console on //p' "$err")
	[ -c "$pty" ] || { stop $pid; fail console_pty "no 'svmm: console on PTY' line, or '$pty' is no tty"; return; }
	# The reader keeps the pty open, so the writer's close below doesn't hang it up.
	cat "$pty" >"$con" 2>/dev/null &
	reader=$!
	out=$con # has/value now look at what came through the pty
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		stop $pid
		kill $reader
		fail console_pty "no SVMM-GUEST-READY on $pty, $(status)"
		return
	fi
	echo pty-hello-31 >"$pty"
	wait $pid
	rc=$?
	kill $reader 2>/dev/null
	wait $reader
	[ "$(value SVMM-GUEST-GOT)" = pty-hello-31 ] ||
		{ fail console_pty "guest got '$(value SVMM-GUEST-GOT)', want 'pty-hello-31' ($(status))"; return; }
	[ "$rc" = 0 ] || { fail console_pty "echo worked but $(status), want 0"; return; }
	[ ! -s "$LAB_TMP/console_pty.out" ] || { fail console_pty "guest output on stdout too"; return; }
	pass console_pty
}

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
