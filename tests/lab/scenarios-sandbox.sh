# SPDX-License-Identifier: Apache-2.0
# Lab scenarios for svmm's sandbox on the Linux host (seccomp filters), sourced
# by scenarios.sh. /svmm-test is the test build (make's build/ARCH/svmm-test):
# svmm plus a hidden trigger that, with SVMM_TEST_FORBIDDEN_SYSCALL=vcpu or
# =main, makes a forbidden system call on that thread right after its filter
# is installed. Every other scenario runs the shipped /svmm with the filters
# on (kill is the default), so they prove the filters allow what serving needs.

LAB_SCENARIOS="$LAB_SCENARIOS seccomp_vcpu_kill seccomp_main_kill seccomp_log seccomp_not_shipped"

# forbidden_run NAME THREAD SVMM-ARGS...: boots the test build with the trigger
# armed on THREAD (vcpu or main); sets $out $err $rc.
forbidden_run() {
	local name=$1 thread=$2 saved=$SVMM
	shift 2
	SVMM=/svmm-test
	export SVMM_TEST_FORBIDDEN_SYSCALL=$thread
	guest_run "$name" 90 "" --memory 256M "$@"
	unset SVMM_TEST_FORBIDDEN_SYSCALL
	SVMM=$saved
}

# forbidden_killed NAME THREAD-LABEL SYSCALL: svmm stopped with status 1 and
# the one line naming the thread and the call.
forbidden_killed() {
	local want="svmm: seccomp: the $2 made a forbidden system call, $3 ("
	if [ "$rc" != 1 ]; then fail "$1" "$(status), want 1"; return 1; fi
	if ! grep -qF "$want" "$err"; then fail "$1" "no '$want' line on stderr"; return 1; fi
	if has SVMM-GUEST-INIT-OK; then fail "$1" "the guest booted: the call was not stopped"; return 1; fi
}

scenario_seccomp_vcpu_kill() {
	[ -x /svmm-test ] || { fail seccomp_vcpu_kill "no /svmm-test (build it: make ARCH=aarch64)"; return; }
	forbidden_run seccomp_vcpu_kill vcpu
	forbidden_killed seccomp_vcpu_kill "vCPU thread" socket || return
	pass seccomp_vcpu_kill
}

scenario_seccomp_main_kill() {
	[ -x /svmm-test ] || { fail seccomp_main_kill "no /svmm-test (build it: make ARCH=aarch64)"; return; }
	forbidden_run seccomp_main_kill main
	forbidden_killed seccomp_main_kill "main thread" execve || return
	pass seccomp_main_kill
}

# --seccomp log: the same forbidden call is only logged, and the guest runs.
scenario_seccomp_log() {
	[ -x /svmm-test ] || { fail seccomp_log "no /svmm-test (build it: make ARCH=aarch64)"; return; }
	forbidden_run seccomp_log vcpu --seccomp log
	booted seccomp_log || return
	if grep -q 'seccomp' "$err"; then fail seccomp_log "svmm reported a seccomp stop in log mode"; return; fi
	pass seccomp_log
}

# The shipped binary carries no trigger.
scenario_seccomp_not_shipped() {
	out=$LAB_TMP/seccomp_not_shipped.out err=$LAB_TMP/seccomp_not_shipped.err
	: >"$out"
	: >"$err"
	if grep -q SVMM_TEST_FORBIDDEN_SYSCALL "$SVMM"; then
		fail seccomp_not_shipped "$SVMM contains the test trigger"
		return
	fi
	grep -q SVMM_TEST_FORBIDDEN_SYSCALL /svmm-test ||
		{ fail seccomp_not_shipped "/svmm-test lacks the trigger: the check cannot tell"; return; }
	pass seccomp_not_shipped
}

# --jail: the jailed svmm (as 1000:1000, root = a fresh directory) boots a
# guest with a disk and a NIC, and cannot open a file outside the directory.
# The test build's probe reports its ids and tries a path outside and inside.
LAB_SCENARIOS="$LAB_SCENARIOS jail_boot"
scenario_jail_boot() {
	local jail=$LAB_TMP/jail img=$LAB_TMP/jail-disk.img saved=$SVMM got
	[ -x /svmm-test ] || { fail jail_boot "no /svmm-test (build it: make ARCH=aarch64)"; return; }
	rm -rf "$jail"
	mkdir -p "$jail"
	echo inside >"$jail/inside"
	# The disk test's second-boot state: the guest verifies the pattern, then writes state 2.
	image "$img" 8 svmm-blk-state=1
	blk_pattern | dd of="$img" bs=1M seek=1 conv=notrunc 2>/dev/null
	SVMM=/svmm-test
	export SVMM_TEST_JAIL_PROBE="$GUEST/Image:/inside"
	# A sanitized svmm (make check-sanitize): LeakSanitizer's exit-time check
	# ptraces svmm's threads, which a process that dropped every privilege in
	# new namespaces cannot do; without it here, svmm hung at its exit.
	local asan=${ASAN_OPTIONS:-}
	[ -z "$asan" ] || export ASAN_OPTIONS="$asan:detect_leaks=0"
	guest_run jail_boot 120 "svmm.test=blk svmm.modules=1" --memory 256M --disk "$img" \
		--net user --on-reboot exit --jail "$jail" --uid 1000 --gid 1000
	[ -z "$asan" ] || export ASAN_OPTIONS="$asan"
	unset SVMM_TEST_JAIL_PROBE
	SVMM=$saved
	grep -q "^svmm-test: jail uid=1000 gid=1000$" "$err" ||
		{ fail jail_boot "svmm did not run as 1000:1000"; return; }
	grep -q "^svmm-test: jail probe $GUEST/Image: No such file or directory$" "$err" ||
		{ fail jail_boot "the jailed svmm could open $GUEST/Image, outside the jail"; return; }
	grep -q "^svmm-test: jail probe /inside: opened$" "$err" ||
		{ fail jail_boot "the jailed svmm could not open /inside (the probe cannot tell)"; return; }
	[ "$(value SVMM-GUEST-BLK-VERIFIED)" = 1 ] ||
		{ fail jail_boot "the guest did not read its disk, $(status)"; return; }
	[ "$rc" = 0 ] || { fail jail_boot "$(status), want 0"; return; }
	got=$(dd if="$img" bs=512 count=1 2>/dev/null | tr -d '\0')
	[ "$got" = svmm-blk-state=2 ] || { fail jail_boot "image sector 0 holds '$got', want svmm-blk-state=2"; return; }
	pass jail_boot
}
