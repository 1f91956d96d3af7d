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
	bad_memory_small bad_json bad_option sigterm sigint sighup no_kvm dtb_out console_pty
	console_socket paste_stdio paste_pty paste_socket paste_virtio mmio_nisv validate_dtb
	blk_persist blk_readonly blk_two_disks disk_busy rng vsock virtio_console
	net_tap net_user boot_all_devices system_two_vms system_reboot system_kill9"
# The virtio scenarios drive svmm's devices through the guest kernel's own drivers
# (modules, loaded by the guest's init with svmm.modules=1). The lab host has
# busybox plus lab_sock (tests/lab/tools/lab_sock.c) for unix and vsock sockets.

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

scenario_console_socket() {
	local sock=$LAB_TMP/c.sock con=$LAB_TMP/console_socket.con in=$LAB_TMP/console_socket.cin cat i=0
	rm -f "$sock" "$in"
	guest_start console_socket 60 "$GUEST_CMDLINE svmm.test=echo" --console "socket:$sock" \
		--cpus 1 --memory 256M
	while [ $i -lt 50 ] && [ ! -S "$sock" ]; do sleep 0.1; i=$((i + 1)); done
	[ -S "$sock" ] || { guest_abort; fail console_socket "no socket at $sock"; return; }
	mkfifo "$in"
	lab_sock unix-cat "$sock" <"$in" >"$con" 2>&1 &
	cat=$!
	exec 4>"$in"
	out=$con # has/value now look at what came through the socket
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		exec 4>&-
		kill $cat 2>/dev/null
		guest_abort
		fail console_socket "no SVMM-GUEST-READY through $sock, $(status)"
		return
	fi
	echo sock-hello-53 >&4
	guest_wait
	exec 4>&-
	kill $cat 2>/dev/null
	wait $cat
	[ "$(value SVMM-GUEST-GOT)" = sock-hello-53 ] ||
		{ fail console_socket "guest got '$(value SVMM-GUEST-GOT)', want 'sock-hello-53' ($(status))"; return; }
	[ "$rc" = 0 ] || { fail console_socket "echo worked but $(status), want 0"; return; }
	[ ! -s "$LAB_TMP/console_socket.out" ] || { fail console_socket "guest output on stdout too"; return; }
	pass console_socket
}

# paste_text: the 4 KiB the paste scenarios type, numbers and newlines.
paste_text() { seq 1 1200 | head -c 4096; }

# paste_check NAME: the guest's md5 of what it read is the paste's, and it powered off.
paste_check() {
	local want got
	want=$(paste_text | md5)
	got=$(value SVMM-GUEST-PASTE-MD5)
	[ "$got" = "$want" ] || { fail "$1" "guest read md5 '$got', want '$want' (the 4 KiB paste lost or reordered bytes; $(status))"; return 1; }
	[ "$rc" = 0 ] || { fail "$1" "paste arrived but $(status), want 0"; return 1; }
}

# paste_stdin NAME CMDLINE SVMM-ARGS...: the paste in one write to svmm's stdin.
paste_stdin() {
	local name=$1 cmdline=$2
	shift 2
	guest_start "$name" 90 "$cmdline" "$@" --cpus 1 --memory 256M
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		guest_abort
		fail "$name" "no SVMM-GUEST-READY, $(status)"
		return 1
	fi
	sleep 0.5 # let stty raw take effect before the bytes come
	paste_text >&3
	guest_wait
	paste_check "$name"
}

scenario_paste_stdio() {
	paste_stdin paste_stdio "$GUEST_CMDLINE svmm.test=paste" && pass paste_stdio
}

scenario_paste_virtio() {
	paste_stdin paste_virtio "console=hvc0 quiet svmm.test=paste" --console virtio &&
		pass paste_virtio
}

scenario_paste_pty() {
	out=$LAB_TMP/paste_pty.out err=$LAB_TMP/paste_pty.err
	local con=$LAB_TMP/paste_pty.con pid pty reader i=0
	timeout -s KILL 90 "$SVMM" run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "$GUEST_CMDLINE svmm.test=paste" --console pty --cpus 1 --memory 256M \
		</dev/null >"$out" 2>"$err" &
	pid=$!
	while [ $i -lt 50 ] && ! grep -q '^svmm: console on ' "$err"; do sleep 0.2; i=$((i + 1)); done
	pty=$(sed -n 's/^svmm: console on //p' "$err")
	[ -c "$pty" ] || { stop $pid; fail paste_pty "no 'svmm: console on PTY' line"; return; }
	stty -F "$pty" raw -echo 2>/dev/null
	cat "$pty" >"$con" 2>/dev/null &
	reader=$!
	out=$con
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		stop $pid
		kill $reader
		fail paste_pty "no SVMM-GUEST-READY on $pty, $(status)"
		return
	fi
	sleep 0.5
	paste_text >"$pty"
	wait $pid
	rc=$?
	kill $reader 2>/dev/null
	wait $reader
	paste_check paste_pty && pass paste_pty
}

scenario_paste_socket() {
	local sock=$LAB_TMP/p.sock con=$LAB_TMP/paste_socket.con in=$LAB_TMP/paste_socket.cin cat i=0
	rm -f "$sock" "$in"
	guest_start paste_socket 90 "$GUEST_CMDLINE svmm.test=paste" --console "socket:$sock" \
		--cpus 1 --memory 256M
	while [ $i -lt 50 ] && [ ! -S "$sock" ]; do sleep 0.1; i=$((i + 1)); done
	[ -S "$sock" ] || { guest_abort; fail paste_socket "no socket at $sock"; return; }
	mkfifo "$in"
	lab_sock unix-cat "$sock" <"$in" >"$con" 2>&1 &
	cat=$!
	exec 4>"$in"
	out=$con
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		exec 4>&-
		kill $cat 2>/dev/null
		guest_abort
		fail paste_socket "no SVMM-GUEST-READY through $sock, $(status)"
		return
	fi
	sleep 0.5
	paste_text >&4
	guest_wait
	exec 4>&-
	kill $cat 2>/dev/null
	wait $cat
	paste_check paste_socket && pass paste_socket
}

# mmio_nisv: the guest's lab_mmio runs loads and stores without a syndrome on a
# virtio-mmio window: each is emulated (its result checked), or refused with an
# abort the guest sees (SIGBUS); svmm keeps the VM running.
scenario_mmio_nisv() {
	local got c
	guest_run mmio_nisv 90 svmm.test=mmio --cpus 1 --memory 256M --rng
	got=$(tr -d '\r' <"$out" | grep '^LAB-MMIO' | head -n 1)
	[ -n "$got" ] || { fail mmio_nisv "no LAB-MMIO line from the guest, $(status)"; return; }
	for c in ldp ldpsw ldr_pre ldr_post ldp_pre stp str_post str_pre after; do
		case " $got " in
		*" $c=ok "*) ;;
		*) fail mmio_nisv "$c not emulated right: $got"; return ;;
		esac
	done
	# DC ZVA: emulated, or refused by the guest's own kernel (Device memory).
	case " $got " in
	*" dc_zva=ok "* | *" dc_zva=sigbus "*) ;;
	*) fail mmio_nisv "dc_zva: $got"; return ;;
	esac
	# An exclusive load on a device: svmm injects an external abort: SIGBUS.
	case " $got " in
	*" ldxr=sigbus "*) ;;
	*) fail mmio_nisv "ldxr was not refused with an abort: $got"; return ;;
	esac
	grep -q 'cannot be emulated.*external abort' "$err" ||
		{ fail mmio_nisv "svmm did not log the refused instruction"; return; }
	has SVMM-GUEST-MMIO-DONE || { fail mmio_nisv "the guest did not go on after lab_mmio, $(status)"; return; }
	[ "$rc" = 0 ] || { fail mmio_nisv "$(status), want 0 (the guest powers off)"; return; }
	echo "  | $got"
	pass mmio_nisv
}

# validate_dtb: svmm validate writes the very device tree svmm run gives the guest.
scenario_validate_dtb() {
	local img=$LAB_TMP/vdtb.img vdtb=$LAB_TMP/validate.dtb rdtb=$LAB_TMP/run.dtb
	image "$img" 8
	rm -f "$vdtb" "$rdtb"
	svmm_run validate_dtb.validate 20 validate --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "$GUEST_CMDLINE svmm.test=marker" --cpus 2 --memory 256M --disk "$img" --rng \
		--console virtio --dtb-out "$vdtb"
	[ "$rc" = 0 ] || { fail validate_dtb "svmm validate: $(status), want 0"; return; }
	guest_run validate_dtb 60 svmm.test=marker --cpus 2 --memory 256M --disk "$img" --rng \
		--console virtio --dtb-out "$rdtb"
	[ -s "$rdtb" ] || { fail validate_dtb "svmm run wrote no device tree, $(status)"; return; }
	cmp -s "$vdtb" "$rdtb" || { fail validate_dtb "validate's device tree differs from run's"; return; }
	pass validate_dtb
}

scenario_blk_persist() {
	local img=$LAB_TMP/persist.img want got
	image "$img" 64
	# Boot 1 writes and reboots (restarted in place), boot 2 verifies and powers off.
	guest_run blk_persist 120 "svmm.test=blk svmm.modules=1" --cpus 1 --memory 256M \
		--disk "$img" --on-reboot restart
	has SVMM-GUEST-BLK-WROTE || { fail blk_persist "no SVMM-GUEST-BLK-WROTE on the first boot, $(status)"; return; }
	[ "$(value SVMM-GUEST-BLK-VERIFIED)" = 1 ] ||
		{ fail blk_persist "the rebooted guest did not verify the pattern, $(status)"; return; }
	[ "$rc" = 0 ] || { fail blk_persist "$(status), want 0"; return; }
	# A new svmm process on the same image.
	guest_run blk_persist.2 60 "svmm.test=blk svmm.modules=1" --cpus 1 --memory 256M --disk "$img"
	[ "$(value SVMM-GUEST-BLK-VERIFIED)" = 2 ] ||
		{ fail blk_persist "after an svmm restart the guest did not verify the pattern, $(status)"; return; }
	[ "$rc" = 0 ] || { fail blk_persist "second run: $(status), want 0"; return; }
	# The bytes really are in the file, where the guest put them.
	want=$(blk_pattern | md5)
	got=$(dd if="$img" bs=1M skip=1 count=1 2>/dev/null | md5)
	[ "$got" = "$want" ] || { fail blk_persist "image bytes at 1 MiB: md5 $got, want $want"; return; }
	got=$(dd if="$img" bs=512 count=1 2>/dev/null | tr -d '\0')
	[ "$got" = svmm-blk-state=3 ] || { fail blk_persist "image sector 0 holds '$got', want svmm-blk-state=3"; return; }
	pass blk_persist
}

scenario_blk_readonly() {
	local img=$LAB_TMP/ro.img before after
	image "$img" 16 ro-label-42
	before=$(md5 <"$img")
	guest_run blk_readonly 60 "svmm.test=blkro svmm.modules=1" --cpus 1 --memory 256M \
		--disk "$img,readonly"
	booted blk_readonly || return
	after=$(md5 <"$img")
	[ "$after" = "$before" ] || { fail blk_readonly "the image changed (md5 $before -> $after)"; return; }
	has "SVMM-GUEST-BLKRO ro=1 read=ro-label-42 write=failed" ||
		{ fail blk_readonly "want 'ro=1 read=ro-label-42 write=failed'"; return; }
	pass blk_readonly
}

scenario_blk_two_disks() {
	image "$LAB_TMP/a.img" 8 disk-label-A
	image "$LAB_TMP/b.img" 16 disk-label-B
	guest_run blk_two_disks 60 "svmm.test=blk2 svmm.modules=1" --cpus 1 --memory 256M \
		--disk "$LAB_TMP/a.img" --disk "$LAB_TMP/b.img"
	booted blk_two_disks || return
	# /sys/block/*/size counts 512-byte sectors.
	has "SVMM-GUEST-DISK vda size=16384 label=disk-label-A" &&
		has "SVMM-GUEST-DISK vdb size=32768 label=disk-label-B" ||
		{ fail blk_two_disks "want vda = a.img (16384 sectors), vdb = b.img (32768)"; return; }
	pass blk_two_disks
}

scenario_disk_busy() {
	local img=$LAB_TMP/busy.img first_out first_err
	image "$img" 8
	guest_start disk_busy.first 60 "$GUEST_CMDLINE svmm.test=echo" --cpus 1 --memory 256M --disk "$img"
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		guest_abort
		fail disk_busy "the first VM did not boot, $(status)"
		return
	fi
	first_out=$out first_err=$err
	bad_case disk_busy "the same image again" run --kernel "$GUEST/Image" \
		--initrd "$GUEST/rootfs.cpio.gz" --cmdline "$GUEST_CMDLINE svmm.test=marker" \
		--cpus 1 --memory 256M --disk "$img"
	local ok=$?
	if [ $ok = 0 ] && ! grep -q locked "$LAB_TMP/disk_busy.err"; then
		fail disk_busy "the error doesn't say the image is locked"
		ok=1
	fi
	out=$first_out err=$first_err
	echo bye >&3
	guest_wait
	[ $ok = 0 ] || return
	[ "$rc" = 0 ] || { fail disk_busy "the first VM: $(status), want 0"; return; }
	pass disk_busy
}

scenario_rng() {
	guest_run rng 60 "svmm.test=rng svmm.modules=1" --cpus 1 --memory 256M --rng
	booted rng || return
	has "SVMM-GUEST-RNG current=virtio_rng.0 bytes=64 nonzero=yes" ||
		{ fail rng "want 'current=virtio_rng.0 bytes=64 nonzero=yes'"; return; }
	pass rng
}

scenario_vsock() {
	local sock=$LAB_TMP/v.sock host=$LAB_TMP/vsock.host echo_pid reply
	rm -f "$sock" "${sock}_5001"
	# Guest to host: the guest's connection to port 5001 lands on ${sock}_5001.
	lab_sock unix-echo "${sock}_5001" >/dev/null 2>&1 &
	echo_pid=$!
	guest_start vsock 60 "$GUEST_CMDLINE svmm.test=vsock svmm.modules=1" --cpus 1 --memory 256M \
		--vsock "cid=3,socket=$sock"
	if ! wait_for "listening on vsock port 5000" 40 $pid; then
		kill $echo_pid 2>/dev/null
		guest_abort
		fail vsock "the guest's vsock listener did not start, $(status)"
		return
	fi
	# Host to guest: through svmm's socket, CONNECT 5000.
	reply=$(timeout 20 lab_sock unix-vsock "$sock" 5000 hello 2>&1)
	guest_wait
	kill $echo_pid 2>/dev/null
	wait $echo_pid
	[ "$reply" = echo:hello ] || { fail vsock "host to guest: reply '$reply', want 'echo:hello'"; return; }
	[ "$(value SVMM-GUEST-VSOCK-REPLY)" = host-echo:ping ] ||
		{ fail vsock "guest to host: reply '$(value SVMM-GUEST-VSOCK-REPLY)', want 'host-echo:ping'"; return; }
	[ "$rc" = 0 ] || { fail vsock "$(status), want 0"; return; }
	pass vsock
}

scenario_virtio_console() {
	# console=hvc0 only: the kernel and init talk through virtio-console, not the PL011.
	guest_start virtio_console 60 "console=hvc0 quiet svmm.test=echo" --console virtio \
		--cpus 1 --memory 256M
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		guest_abort
		fail virtio_console "no SVMM-GUEST-READY through hvc0, $(status)"
		return
	fi
	echo hvc-hello-19 >&3
	guest_wait
	[ "$(value SVMM-GUEST-GOT)" = hvc-hello-19 ] ||
		{ fail virtio_console "guest got '$(value SVMM-GUEST-GOT)', want 'hvc-hello-19' ($(status))"; return; }
	# (The guest kernel resets its virtio devices before its last words, so
	# "reboot: Power down" never reaches hvc0.)
	has "svmm-guest: kernel console on hvc0" || { fail virtio_console "no kernel message through hvc0"; return; }
	[ "$rc" = 0 ] || { fail virtio_console "echo worked but $(status), want 0"; return; }
	pass virtio_console
}

# www: a directory with a file of known content for busybox httpd; sets $www_md5.
www() {
	mkdir -p "$LAB_TMP/www"
	seq 1 40000 >"$LAB_TMP/www/file" # ~230 KB: many frames, both directions
	www_md5=$(md5 <"$LAB_TMP/www/file")
}

scenario_net_tap() {
	local httpd i=0
	lab_net_up || { fail net_tap "cannot set up the lab host's network"; return; }
	www
	httpd -f -p 8080 -h "$LAB_TMP/www" &
	httpd=$!
	# No tap0 yet: svmm (root here) creates it; the lab host then configures it
	# while the guest boots, as an administrator would.
	guest_start net_tap 60 "$GUEST_CMDLINE svmm.test=net svmm.modules=1 svmm.net=10.0.3.2/24 svmm.url=http://10.0.3.1:8080/file" \
		--cpus 1 --memory 256M --net tap=tap0
	while [ $i -lt 50 ] && [ ! -e /sys/class/net/tap0 ]; do sleep 0.1; i=$((i + 1)); done
	ip link set tap0 up 2>/dev/null && ip addr add 10.0.3.1/24 dev tap0 ||
		{ kill $httpd; guest_abort; fail net_tap "svmm did not create tap0"; return; }
	guest_wait
	kill $httpd
	wait $httpd 2>/dev/null
	booted net_tap || return
	[ "$(value md5)" = "$www_md5" ] || { fail net_tap "guest's md5 '$(value md5)', want $www_md5"; return; }
	# svmm made it, so it goes away with svmm.
	[ ! -e /sys/class/net/tap0 ] || { tunctl -d tap0 >/dev/null; fail net_tap "tap0 outlived svmm"; return; }
	pass net_tap
}

scenario_net_user() {
	local httpd page
	lab_net_up || { fail net_user "cannot set up the lab host's network"; return; }
	www
	httpd -f -p 8080 -h "$LAB_TMP/www" &
	httpd=$!
	# passt: DHCP gives the guest the lab host's address; the gateway 10.0.2.2
	# means the lab host itself (its loopback); host port 8081 reaches guest port 80.
	guest_start net_user 60 "$GUEST_CMDLINE svmm.test=net svmm.modules=1 svmm.net=dhcp svmm.url=http://10.0.2.2:8080/file svmm.serve=1" \
		--cpus 1 --memory 256M --net user,forward=tcp:8081:80
	if ! wait_for SVMM-GUEST-SERVING 40 $pid; then
		kill $httpd
		guest_abort
		fail net_user "no SVMM-GUEST-SERVING, $(status)"
		return
	fi
	page=$(timeout 10 wget -q -O - http://127.0.0.1:8081/index.html 2>&1)
	echo done >&3
	guest_wait
	kill $httpd
	wait $httpd 2>/dev/null
	# passt's DHCP hands the guest the lab host's own address.
	[ "$(value ip | cut -d' ' -f1)" = 10.0.2.15/24 ] ||
		{ fail net_user "guest's address '$(value ip | cut -d' ' -f1)', want 10.0.2.15/24 by DHCP"; return; }
	[ "$(value md5)" = "$www_md5" ] || { fail net_user "guest's md5 '$(value md5)', want $www_md5"; return; }
	[ "$page" = svmm-guest-httpd-page ] || { fail net_user "host port 8081 gave '$page', want the guest's page"; return; }
	[ "$rc" = 0 ] || { fail net_user "$(status), want 0"; return; }
	pass net_user
}

scenario_boot_all_devices() {
	local img=$LAB_TMP/all.img sock=$LAB_TMP/all.sock
	lab_net_up || { fail boot_all_devices "cannot set up the lab host's network"; return; }
	image "$img" 8
	rm -f "$sock"
	svmm_run boot_all_devices 60 run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "console=hvc0 quiet svmm.test=marker" --console virtio --cpus 2 --memory 256M \
		--disk "$img" --net user --rng --vsock "cid=3,socket=$sock"
	booted boot_all_devices || return
	# disk, net, console, rng, vsock: each bound to its driver.
	[ "$(value SVMM-GUEST-VIRTIO-BOUND)" = 5 ] ||
		{ fail boot_all_devices "'$(value SVMM-GUEST-VIRTIO-BOUND)' virtio devices bound, want 5"; return; }
	pass boot_all_devices
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

# The system scenarios (several VMs under one supervising svmm).
. "${LAB_SYSTEM_SCENARIOS:-/system-scenarios.sh}"

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
