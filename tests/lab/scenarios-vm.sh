# SPDX-License-Identifier: Apache-2.0
# Lab scenarios for one VM: boot, console, signals, bad input, pastes, MMIO
# without a syndrome, validate. Sourced by scenarios.sh, whose helpers they use.

LAB_SCENARIOS="$LAB_SCENARIOS boot_marker two_cpus memory cmdline poweroff_exit0 reboot_exit
	reboot_restart console_input config_file bad_missing_kernel bad_corrupt_image
	bad_memory_small bad_json bad_option sigterm sigint sighup no_kvm dtb_out console_pty
	console_socket paste_stdio paste_pty paste_socket paste_virtio mmio_nisv validate_dtb"

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

