# SPDX-License-Identifier: Apache-2.0
# The control API (svmm run --api PATH, svmm ctl; docs/api.md).
# shellcheck shell=bash

LAB_SCENARIOS="$LAB_SCENARIOS api_pause_resume api_bad_requests api_stop api_stop_hard
	api_reset_paused api_metrics_disk api_system_restart"

# api_guest NAME: a 2-vCPU heartbeat guest serving its API at $sock; fails NAME
# and returns 1 if it does not beat.
api_guest() {
	sock=$LAB_TMP/$1.sock
	guest_start "$1" 120 "$GUEST_CMDLINE svmm.test=heartbeat svmm.beats=0" --cpus 2 \
		--memory 256M --api "$sock"
	if ! wait_for "SVMM-GUEST-BEAT=3 " 60 $pid; then
		guest_abort
		fail "$1" "no heartbeat, $(status)"
		return 1
	fi
}

# A paused VM makes no progress (its heartbeat stops) and carries on when resumed.
scenario_api_pause_resume() {
	local name=api_pause_resume ctl=$LAB_TMP/api_pause_resume.ctl before after state mode
	api_guest $name || return
	mode=$(stat -c %a "$sock")
	if ! "$SVMM" ctl "$sock" pause >"$ctl" 2>&1; then
		guest_abort
		fail $name "pause refused: $(cat "$ctl")"
		return
	fi
	state=$("$SVMM" ctl "$sock" status | sed -n 's/^state: //p')
	# One beat may have been on its way to the console when the vCPUs stopped.
	sleep 1
	before=$(count SVMM-GUEST-BEAT)
	sleep 3
	after=$(count SVMM-GUEST-BEAT)
	"$SVMM" ctl "$sock" resume >"$ctl" 2>&1
	if ! wait_for "SVMM-GUEST-BEAT=$((after + 2)) " 30 $pid; then
		guest_abort
		fail $name "no heartbeat after resume (beats: $after)"
		return
	fi
	"$SVMM" ctl "$sock" stop --force >/dev/null
	guest_wait
	if [ "$mode" != 600 ]; then fail $name "socket mode $mode, want 600"
	elif [ "$state" != paused ]; then fail $name "status said state '$state' while paused"
	elif [ "$before" != "$after" ]; then fail $name "paused guest beat: $before then $after"
	elif [ "$rc" != 0 ]; then fail $name "stop: $(status), want 0"
	elif [ -e "$sock" ]; then fail $name "socket left behind at exit"
	else pass $name
	fi
}

# Garbage, unknown commands, oversized lines and more clients than it serves get
# error replies; the guest beats on and a good request is still answered.
scenario_api_bad_requests() {
	local name=api_bad_requests replies=$LAB_TMP/api_bad_requests.replies beats i long
	local idle="" busy unknown refused
	api_guest $name || return
	long=$(head -c 6000 /dev/zero | tr '\0' x)
	printf '%s\n' 'not json' '{"command":"format-disk"}' "{\"command\":\"$long\"}" \
		'{"command":"status","version":2}' '{"command":"status"}' |
		timeout 10 lab_sock unix-cat "$sock" >"$replies" 2>&1
	# Ten clients that send nothing and read nothing for a while: eight are served,
	# two are told there are too many, and so is svmm ctl meanwhile.
	i=0
	while [ $i -lt 10 ]; do
		sleep 4 | timeout 10 lab_sock unix-cat "$sock" >"$LAB_TMP/$name.idle$i" 2>&1 &
		idle="$idle $!"
		i=$((i + 1))
	done
	sleep 1
	"$SVMM" ctl "$sock" status >/dev/null 2>"$LAB_TMP/$name.busy"
	busy=$?
	wait $idle
	refused=$(cat "$LAB_TMP/$name".idle* | grep -c 'too many clients')
	"$SVMM" ctl "$sock" no-such-command >/dev/null 2>"$LAB_TMP/$name.unknown"
	unknown=$?
	beats=$(count SVMM-GUEST-BEAT)
	wait_for "SVMM-GUEST-BEAT=$((beats + 2)) " 30 $pid
	"$SVMM" ctl "$sock" stop --force >/dev/null
	guest_wait
	if [ "$(grep -c '"ok":false' "$replies")" != 4 ]; then
		fail $name "want 4 error replies, got: $(tr '\n' ' ' <"$replies")"
	elif [ "$(grep -c '"ok":true' "$replies")" != 1 ]; then
		fail $name "status after bad requests not answered: $(tail -n 1 "$replies")"
	elif [ "$refused" != 2 ]; then fail $name "$refused of 10 idle clients refused, want 2"
	elif [ "$busy" != 1 ] || ! grep -q 'too many clients' "$LAB_TMP/$name.busy"; then
		fail $name "svmm ctl among 8 idle clients: exit $busy, $(cat "$LAB_TMP/$name.busy")"
	elif [ "$unknown" != 1 ] || ! grep -q 'unknown command' "$LAB_TMP/$name.unknown"; then
		fail $name "svmm ctl no-such-command: exit $unknown, $(cat "$LAB_TMP/$name.unknown")"
	elif ! has "SVMM-GUEST-BEAT=$((beats + 2)) "; then fail $name "the guest stopped beating"
	elif [ "$rc" != 0 ]; then fail $name "stop: $(status), want 0"
	else pass $name
	fi
}

# stop presses the guest's power key (a PL061 GPIO line, gpio-keys in the guest);
# the guest powers itself off and svmm exits 0.
scenario_api_stop() {
	local name=api_stop ctl=$LAB_TMP/api_stop.ctl ctl_rc
	sock=$LAB_TMP/$name.sock
	guest_start $name 120 "$GUEST_CMDLINE svmm.test=heartbeat svmm.beats=0 svmm.modules=1 \
svmm.powerkey=1" --cpus 2 --memory 256M --api "$sock"
	if ! wait_for SVMM-GUEST-POWER-KEY-READY 60 $pid; then
		guest_abort
		fail $name "the guest found no power key, $(status)"
		return
	fi
	# A timeout long enough that only the guest's own power-off can end the VM.
	"$SVMM" ctl "$sock" stop --timeout-ms 600000 >"$ctl" 2>&1
	ctl_rc=$?
	guest_wait
	if [ "$ctl_rc" != 0 ]; then fail $name "svmm ctl stop exited $ctl_rc: $(cat "$ctl")"
	elif ! grep -q 'power-key' "$ctl"; then fail $name "stop did not press the key: $(cat "$ctl")"
	elif ! tr -d '\r' <"$out" | grep -qx SVMM-GUEST-POWER-KEY; then
		fail $name "the guest saw no KEY_POWER press, $(status)"
	elif [ "$rc" != 0 ]; then fail $name "$(status), want 0"
	elif [ -e "$sock" ]; then fail $name "socket left behind at exit"
	else pass $name
	fi
}

# A guest that ignores its power key is stopped hard once the timeout passes.
scenario_api_stop_hard() {
	local name=api_stop_hard ctl=$LAB_TMP/api_stop_hard.ctl ctl_rc
	api_guest $name || return
	"$SVMM" ctl "$sock" stop --timeout-ms 1000 >"$ctl" 2>&1
	ctl_rc=$?
	guest_wait
	if [ "$ctl_rc" != 0 ]; then fail $name "svmm ctl stop exited $ctl_rc: $(cat "$ctl")"
	elif [ "$rc" != 0 ]; then fail $name "$(status), want 0"
	elif [ -e "$sock" ]; then fail $name "socket left behind at exit"
	else pass $name
	fi
}

# reset of a paused VM: the guest boots again (its heartbeat starts over) and runs.
scenario_api_reset_paused() {
	local name=api_reset_paused ctl=$LAB_TMP/api_reset_paused.ctl i state
	api_guest $name || return
	"$SVMM" ctl "$sock" pause >"$ctl" 2>&1 && "$SVMM" ctl "$sock" reset >>"$ctl" 2>&1
	i=0
	while [ $i -lt 300 ] && [ "$(count 'SVMM-GUEST-BEAT=2 ')" -lt 2 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	state=$("$SVMM" ctl "$sock" status | sed -n 's/^state: //p')
	"$SVMM" ctl "$sock" stop --force >/dev/null
	guest_wait
	if [ "$(count SVMM-GUEST-INIT-OK)" != 2 ]; then
		fail $name "booted $(count SVMM-GUEST-INIT-OK) times, want 2: $(tr '\n' ' ' <"$ctl")"
	elif [ "$(count 'SVMM-GUEST-BEAT=2 ')" != 2 ]; then fail $name "no heartbeat after the reset"
	elif [ "$state" != running ]; then fail $name "state '$state' after the reset, want running"
	elif [ "$rc" != 0 ]; then fail $name "stop: $(status), want 0"
	else pass $name
	fi
}

# metrics: the disk's counters go up by exactly the 10 direct 4 KiB reads the
# guest makes between two snapshots.
scenario_api_metrics_disk() {
	local name=api_metrics_disk sock=$LAB_TMP/api_metrics_disk.sock img=$LAB_TMP/api_metrics_disk.img
	local before after reads bytes mmio
	image "$img" 8
	guest_start $name 90 "$GUEST_CMDLINE svmm.test=blkreads svmm.modules=1" --cpus 1 \
		--memory 256M --disk "$img" --api "$sock"
	if ! wait_for SVMM-GUEST-READY 60 $pid; then
		guest_abort
		fail $name "no SVMM-GUEST-READY, $(status)"
		return
	fi
	before=$("$SVMM" ctl "$sock" metrics)
	echo go >&3
	wait_for SVMM-GUEST-BLK-READ-DONE 30 $pid
	after=$("$SVMM" ctl "$sock" metrics)
	echo done >&3
	guest_wait
	field() { echo "$1" | sed -n "s/^devices\[1\]\.$2: //p"; }
	reads=$(($(field "$after" reads) - $(field "$before" reads)))
	bytes=$(($(field "$after" read_bytes) - $(field "$before" read_bytes)))
	# Each completed read raises an interrupt the driver reads and acknowledges
	# through MMIO registers: at least one MMIO exit per read.
	mmio=$(($(echo "$after" | sed -n 's/^vm_exits\.mmio: //p') - $(echo "$before" | sed -n 's/^vm_exits\.mmio: //p')))
	if [ "$(field "$after" name)" != vda ]; then fail $name "no vda in metrics: $(echo "$after" | tr '\n' ' ')"
	elif [ "$reads" != 10 ] || [ "$bytes" != 40960 ]; then
		fail $name "10 reads of 4 KiB counted as $reads reads, $bytes bytes"
	elif [ "$(field "$after" errors)" != 0 ]; then fail $name "errors: $(field "$after" errors)"
	elif [ "$mmio" -lt 10 ]; then fail $name "10 reads counted $mmio MMIO exits, want >= 10"
	elif [ "$rc" != 0 ]; then fail $name "$(status), want 0"
	else pass $name
	fi
}

# The multi-VM runner's API: restart b (its own API stops it: no power key
# listener, so hard after 1 s) while a beats on in the same process.
scenario_api_system_restart() {
	local name=api_system_restart api=$LAB_TMP/api_system_restart.api fifo a b pa beats list
	local vm_state restart_rc
	fifo=$LAB_TMP/$name.in
	out=$LAB_TMP/$name.out err=$LAB_TMP/$name.err
	a=$(system_vm a 1 0 "svmm.test=heartbeat svmm.beats=0")
	b=$(system_vm b 1 1 "svmm.test=heartbeat svmm.beats=0")
	printf '%s\n' "{\"scheduling\": \"direct\", \"vms\": [$a, $b]}" >"$LAB_TMP/$name.json"
	rm -f "$fifo"
	mkfifo "$fifo"
	timeout -s KILL 200 "$SVMM" run --config "$LAB_TMP/$name.json" --api "$api" \
		<"$fifo" >"$out" 2>"$err" &
	pid=$!
	exec 3>"$fifo"
	if ! system_wait_for '^\[a\] SVMM-GUEST-BEAT=3 ' 100 || ! system_wait_for '^\[b\] SVMM-GUEST-BEAT=3 ' 60; then
		stop $pid
		exec 3>&-
		fail $name "the VMs do not beat, $(status)"
		return
	fi
	list=$("$SVMM" ctl "$api" list | tr '\n' ' ')
	pa=$(vm_pid a)
	"$SVMM" ctl "$api" restart b --timeout-ms 1000 >"$LAB_TMP/$name.ctl" 2>&1
	restart_rc=$?
	system_wait_for 'vm b: stopped through the API: restarting' 30
	beats=$(tr -d '\r' <"$out" | grep -c '^\[a\] SVMM-GUEST-BEAT')
	# b boots again while a keeps beating.
	wait_for_count() { # PATTERN N
		local i=0
		while [ $i -lt 300 ] && [ "$(tr -d '\r' <"$out" | grep -c "$1")" -lt "$2" ]; do
			sleep 0.2
			i=$((i + 1))
		done
	}
	wait_for_count '^\[b\] SVMM-GUEST-INIT-OK' 2
	wait_for_count '^\[a\] SVMM-GUEST-BEAT' $((beats + 3))
	vm_state=$("$SVMM" ctl "$api.a" status | sed -n 's/^state: //p')
	"$SVMM" ctl "$api" stop a --force >/dev/null
	"$SVMM" ctl "$api" stop b --force >/dev/null
	system_finish
	tr -d '\r' <"$out" >"$out.txt"
	if [ "$restart_rc" != 0 ]; then fail $name "restart b refused: $(cat "$LAB_TMP/$name.ctl")"
	elif ! echo "$list" | grep -q 'vms\[0\].state: running vms\[0\].pid: [0-9]* .*vms\[1\].state: running'; then
		fail $name "list said: $list"
	elif [ "$(grep -c '^\[b\] SVMM-GUEST-INIT-OK' "$out.txt")" != 2 ]; then fail $name "vm b did not boot again"
	elif [ "$(grep -c '^svmm: vm a: started' "$out.txt")" != 1 ] || [ "$(vm_pid a)" != "$pa" ]; then
		fail $name "vm a was restarted too"
	elif [ "$(grep -c '^\[a\] SVMM-GUEST-BEAT' "$out.txt")" -lt $((beats + 3)) ]; then
		fail $name "vm a stopped beating while b restarted"
	elif [ "$vm_state" != running ]; then fail $name "vm a's own API ($api.a) said state '$vm_state'"
	elif [ "$rc" != 0 ]; then fail $name "both VMs stopped through the API but $(status), want 0"
	elif [ -e "$api" ] || [ -e "$api.a" ]; then fail $name "API sockets left behind"
	else pass $name
	fi
}
