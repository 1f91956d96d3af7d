# SPDX-License-Identifier: Apache-2.0
# Lab scenarios for system descriptions (several VMs, one svmm process each,
# under one supervising svmm), sourced by scenarios.sh. They need a lab host
# with at least 2 CPUs (run.sh boots it with -smp 2).
#
# The supervisor's stdout carries every VM's console, each line prefixed
# with "[name] ", and its own "svmm: vm NAME: ..." state lines.

LAB_SCENARIOS="$LAB_SCENARIOS system_two_vms system_reboot system_kill9"

# system_start NAME SECS JSON: writes $LAB_TMP/NAME.json and runs the system in
# the background, its stdin a fifo held open as fd 3. Sets $pid $out $err.
system_start() {
	local name=$1 secs=$2 fifo=$LAB_TMP/$1.in
	out=$LAB_TMP/$name.out err=$LAB_TMP/$name.err
	printf '%s\n' "$3" >"$LAB_TMP/$name.json"
	rm -f "$fifo"
	mkfifo "$fifo"
	timeout -s KILL "$secs" "$SVMM" run --config "$LAB_TMP/$name.json" \
		<"$fifo" >"$out" 2>"$err" &
	pid=$!
	exec 3>"$fifo"
}

# system_vm NAME CPUS CORES EXTRA-CMDLINE [MORE-JSON]: one VM of a description.
system_vm() {
	printf '{"name": "%s", "kernel": "%s/Image", "initrd": "%s/rootfs.cpio.gz",
	  "cmdline": "%s %s", "cpus": %s, "memory": "192M", "cores": [%s]%s}' \
		"$1" "$GUEST" "$GUEST" "$GUEST_CMDLINE" "$4" "$2" "$3" "${5:+, $5}"
}

# vm_pid VM: the pid of VM's svmm process (its latest start).
vm_pid() { tr -d '\r' <"$out" | sed -n "s/^svmm: vm $1: started (pid \([0-9]*\))$/\1/p" | tail -n 1; }

# vcpu_threads PID FIELD: "vcpu0=X vcpu1=Y" for each vCPU thread of PID, X
# its Cpus_allowed_list (FIELD=cpus) or its nice value (FIELD=nice).
vcpu_threads() {
	local t line=''
	for t in /proc/"$1"/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in
		vcpu*)
			if [ "$2" = cpus ]; then
				line="$line $(cat "$t/comm")=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status")"
			else
				line="$line $(cat "$t/comm")=$(cut -d' ' -f19 "$t/stat")"
			fi
			;;
		esac
	done
	echo "$line" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/^ *//; s/ *$//'
}

# send_to N TEXT: Ctrl-A N (select VM N), then TEXT and a newline, on the console.
send_to() {
	printf '\001' >&3
	printf '%s%s\n' "$1" "$2" >&3
}

# system_wait_for PATTERN SECS: polls $out (the supervisor $pid alive).
system_wait_for() { wait_for "$1" "$2" "$pid"; }

# vm_console VM: what VM printed, its lines' text (after "[VM] ") joined. The
# mux breaks a VM's line when another VM or a notice takes the terminal, and
# the rest comes as a new "[VM] " line: joined, the VM's words read whole again.
vm_console() { tr -d '\r' <"$out" | sed -n "s/^\[$1\] //p" | tr -d '\n'; }

# vm_says VM TEXT: VM printed TEXT. vm_says_count VM TEXT: how many times.
vm_says() { vm_console "$1" | grep -qF "$2"; }
vm_says_count() {
	vm_console "$1" | awk -v text="$2" '{ while ((i = index($0, text)) > 0) { n++; $0 = substr($0, i + length(text)) } } END { print n + 0 }'
}

# vm_wait_says VM TEXT SECS: polls until VM printed TEXT (the supervisor alive).
vm_wait_says() {
	local i=0
	while [ "$i" -lt $(($3 * 5)) ]; do
		vm_says "$1" "$2" && return 0
		kill -0 "$pid" 2>/dev/null || { vm_says "$1" "$2"; return; }
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# vm_tail VM: the last of VM's console and of the supervisor's stderr, for a failure's line.
vm_tail() { echo "vm $1 ended with '$(vm_console "$1" | tail -c 120)', stderr '$(tail -n 3 "$err" | tr '\n' '|')'"; }

# system_finish: waits for the supervisor (bounded by its timeout); sets $rc.
system_finish() {
	wait "$pid"
	rc=$?
	exec 3>&-
}

scenario_system_two_vms() {
	local a b pa pb want
	a=$(system_vm a 2 "1, 0" svmm.test=echo '"priority": 150')
	b=$(system_vm b 1 1 svmm.test=echo '"priority": 50, "budget_us": 5000, "period_us": 10000')
	system_start system_two_vms 150 "{\"name\": \"pair\", \"scheduling\": \"hybrid\", \"vms\": [$a, $b]}"
	if ! vm_wait_says a SVMM-GUEST-READY 100 || ! vm_wait_says b SVMM-GUEST-READY 60; then
		stop $pid
		exec 3>&-
		fail system_two_vms "both VMs not at SVMM-GUEST-READY, $(status)"
		return
	fi
	pa=$(vm_pid a) pb=$(vm_pid b)
	# Pinning, priority (nice) and budget (cgroup v2 cpu.max) read back from /proc.
	want="vcpu0=1 vcpu1=0"
	[ "$(vcpu_threads "$pa" cpus)" = "$want" ] ||
		{ fail system_two_vms "vm a's vCPU threads on '$(vcpu_threads "$pa" cpus)', want '$want'"; stop $pid; exec 3>&-; return; }
	[ "$(vcpu_threads "$pb" cpus)" = vcpu0=1 ] ||
		{ fail system_two_vms "vm b's vCPU threads on '$(vcpu_threads "$pb" cpus)', want 'vcpu0=1'"; stop $pid; exec 3>&-; return; }
	[ "$(vcpu_threads "$pa" nice)" = "vcpu0=-10 vcpu1=-10" ] && [ "$(vcpu_threads "$pb" nice)" = vcpu0=10 ] ||
		{ fail system_two_vms "nice a '$(vcpu_threads "$pa" nice)' b '$(vcpu_threads "$pb" nice)', want -10 and 10"; stop $pid; exec 3>&-; return; }
	want="0::/svmm/b-$pb"
	[ "$(cat /proc/"$pb"/cgroup)" = "$want" ] && [ "$(cat /sys/fs/cgroup/svmm/b-"$pb"/cpu.max)" = "5000 10000" ] ||
		{ fail system_two_vms "vm b in cgroup '$(cat /proc/"$pb"/cgroup)', want '$want' with cpu.max 5000 10000 (it is '$(cat /sys/fs/cgroup/svmm/b-"$pb"/cpu.max 2>&1)')"; stop $pid; exec 3>&-; return; }
	# SIGUSR2 to the supervisor: every VM prints its exit counters and runs on.
	kill -USR2 $pid
	local i=0
	while [ $i -lt 50 ] && [ "$(cat "$out" "$err" | grep -c 'exits to the VMM')" -lt 2 ]; do # 10 s
		sleep 0.2
		i=$((i + 1))
	done
	[ "$(cat "$out" "$err" | grep -c 'exits to the VMM')" = 2 ] ||
		{ fail system_two_vms "SIGUSR2: $(cat "$out" "$err" | grep -c 'exits to the VMM') VMs printed exit counters, want 2"; stop $pid; exec 3>&-; return; }
	# Console input reaches the selected VM only: b first, then a.
	send_to 2 typed-to-b
	system_wait_for 'vm b: powered off' 60
	send_to 1 typed-to-a
	system_finish
	tr -d '\r' <"$out" >"$out.txt"
	if ! vm_says b SVMM-GUEST-GOT=typed-to-b; then fail system_two_vms "vm b did not get its line ($(status); $(vm_tail b))"
	elif ! vm_says a SVMM-GUEST-GOT=typed-to-a; then fail system_two_vms "vm a did not get its line ($(status); $(vm_tail a))"
	elif [ $(($(vm_says_count a SVMM-GUEST-GOT) + $(vm_says_count b SVMM-GUEST-GOT))) != 2 ]; then fail system_two_vms "a line reached the wrong VM"
	elif [ "$rc" != 0 ]; then fail system_two_vms "both powered off but $(status), want 0"
	elif ! grep -q '^svmm: system pair: every VM is stopped$' "$out.txt"; then fail system_two_vms "no closing line"
	elif [ -e /sys/fs/cgroup/svmm/b-"$pb" ]; then fail system_two_vms "vm b's cgroup left behind"
	else pass system_two_vms
	fi
}

scenario_system_reboot() {
	# a reboots at every boot (on_reboot restart: a fresh svmm each time); b waits for input.
	local a b n=0 i=0
	a=$(system_vm a 1 0 svmm.test=reboot '"on_reboot": "restart"')
	b=$(system_vm b 1 1 svmm.test=echo)
	system_start system_reboot 150 "{\"scheduling\": \"direct\", \"vms\": [$a, $b]}"
	while [ $i -lt 500 ] && kill -0 $pid 2>/dev/null; do # 100 s
		n=$(vm_says_count a SVMM-GUEST-INIT-OK)
		[ "$n" -ge 2 ] && vm_says b SVMM-GUEST-READY && break
		sleep 0.2
		i=$((i + 1))
	done
	if [ "$n" -lt 2 ] || ! vm_says b SVMM-GUEST-READY; then
		stop $pid
		exec 3>&-
		fail system_reboot "vm a booted $n times (want >= 2), b ready: $(vm_says_count b SVMM-GUEST-READY)"
		return
	fi
	# b kept running through a's reboots: it still answers.
	send_to 2 still-here
	if ! vm_wait_says b SVMM-GUEST-GOT=still-here 40; then
		stop $pid
		exec 3>&-
		fail system_reboot "vm b did not answer after vm a's reboots: $(vm_tail b)"
		return
	fi
	# SIGTERM to the supervisor stops every VM cleanly: 128 + 15.
	kill -TERM $pid
	system_finish
	if ! has 'vm a: rebooted: restarting'; then fail system_reboot "no 'vm a: rebooted: restarting' line"
	elif [ "$rc" != 143 ]; then fail system_reboot "after SIGTERM $(status), want 143"
	elif pidof svmm >/dev/null; then kill -9 $(pidof svmm); fail system_reboot "svmm processes left after SIGTERM"
	else pass system_reboot
	fi
}

scenario_system_kill9() {
	# b has no console: it prints nothing, and waits for input it never gets.
	# Killing its svmm leaves a running.
	local a b pb
	a=$(system_vm a 1 0 svmm.test=echo)
	b=$(system_vm b 1 1 svmm.test=echo '"console": "none"')
	system_start system_kill9 150 "{\"scheduling\": \"direct\", \"vms\": [$a, $b]}"
	if ! vm_wait_says a SVMM-GUEST-READY 100; then
		stop $pid
		exec 3>&-
		fail system_kill9 "vm a not at SVMM-GUEST-READY, $(status)"
		return
	fi
	pb=$(vm_pid b)
	[ -n "$pb" ] && [ "$(vcpu_threads "$pb" cpus)" = vcpu0=1 ] ||
		{ stop $pid; exec 3>&-; fail system_kill9 "vm b (pid '$pb') is not running on core 1"; return; }
	kill -9 "$pb"
	system_wait_for 'vm b: killed' 20
	send_to 1 after-kill
	system_finish
	tr -d '\r' <"$out" >"$out.txt"
	if grep -q '^\[b\]' "$out.txt"; then fail system_kill9 "vm b (console none) printed: $(grep -m1 '^\[b\]' "$out.txt")"
	elif ! grep -q '^svmm: vm b: killed by signal 9 (Killed): stopped$' "$out.txt"; then fail system_kill9 "no line for vm b's kill"
	elif ! vm_says a SVMM-GUEST-GOT=after-kill; then fail system_kill9 "vm a did not answer after b was killed ($(status); $(vm_tail a))"
	elif [ "$rc" != 1 ]; then fail system_kill9 "a VM was killed but $(status), want 1"
	else pass system_kill9
	fi
}
