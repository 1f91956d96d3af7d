# SPDX-License-Identifier: Apache-2.0
# Lab scenarios for what makes a VM fast (the figures themselves are bench/'s):
# properties that must hold, checked without any timing. Sourced by scenarios.sh.

LAB_SCENARIOS="$LAB_SCENARIOS ram_huge_pages exit_stats"

# guest_ram_huge_kb PID MIB: AnonHugePages (kB) of svmm's anonymous mapping of
# exactly MIB MiB, the guest RAM; empty if there is not exactly one.
guest_ram_huge_kb() {
	awk -v ram=$(($2 * 1024)) '
		/^[0-9a-f]+-[0-9a-f]+ / { anon = NF == 5 }
		/^Size:/ { guest = anon && $2 == ram; n += guest }
		/^AnonHugePages:/ { if (guest) h += $2 }
		END { if (n == 1) print h + 0 }' "/proc/$1/smaps"
}

# Guest RAM is backed by 2 MiB pages: svmm maps it with its host address and guest
# address equal modulo 2 MiB and asks for transparent huge pages, so the booted
# guest's memory holds huge pages (KVM then maps 2 MiB blocks at stage 2).
scenario_ram_huge_pages() {
	local thp=/sys/kernel/mm/transparent_hugepage/enabled kb
	if ! grep -q '\[always\]\|\[madvise\]' "$thp" 2>/dev/null; then
		out=/dev/null err=/dev/null
		fail ram_huge_pages "the lab kernel offers no transparent huge pages ($thp: $(cat "$thp" 2>&1))"
		return
	fi
	guest_start ram_huge_pages 60 "$GUEST_CMDLINE svmm.test=echo" --cpus 1 --memory 256M
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		guest_abort
		fail ram_huge_pages "no SVMM-GUEST-READY, $(status)"
		return
	fi
	kb=$(guest_ram_huge_kb $pid 256)
	echo done >&3
	guest_wait
	[ -n "$kb" ] || { fail ram_huge_pages "no single 256 MiB anonymous mapping in svmm's smaps"; return; }
	[ "$kb" -gt 0 ] || { fail ram_huge_pages "guest RAM mapping has AnonHugePages 0 kB, want > 0"; return; }
	[ "$rc" = 0 ] || { fail ram_huge_pages "$(status), want 0"; return; }
	echo "lab: ram_huge_pages: guest RAM AnonHugePages ${kb} kB"
	pass ram_huge_pages
}

# svmm run --stats: SIGUSR2 prints each vCPU's exit counters while the guest runs,
# and they are printed again at exit; the PL011 console's registers are among them.
scenario_exit_stats() {
	guest_start exit_stats 60 "$GUEST_CMDLINE svmm.test=echo" --stats --cpus 2 --memory 256M
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		guest_abort
		fail exit_stats "no SVMM-GUEST-READY, $(status)"
		return
	fi
	kill -USR2 $pid
	local i=0
	while [ $i -lt 50 ] && ! grep -q 'vcpu1: ' "$err"; do # 10 s
		sleep 0.2
		i=$((i + 1))
	done
	echo done >&3
	guest_wait
	[ "$rc" = 0 ] || { fail exit_stats "$(status) (SIGUSR2 must not stop the VM), want 0"; return; }
	local blocks
	blocks=$(grep -c 'exits to the VMM' "$err")
	[ "$blocks" = 2 ] || { fail exit_stats "$blocks counter reports on stderr, want 2 (SIGUSR2, exit)"; return; }
	grep -q '^  vcpu0: [1-9][0-9]* exits .*mmio=[1-9]' "$err" ||
		{ fail exit_stats "no vcpu0 line with MMIO exits"; return; }
	grep -q '^  vcpu1: ' "$err" || { fail exit_stats "no vcpu1 line"; return; }
	grep -q '^    mmio pl011 .* write [1-9]' "$err" ||
		{ fail exit_stats "no PL011 register writes counted"; return; }
	echo "lab: exit_stats: on SIGUSR2:$(grep -m1 '^  vcpu0: ' "$err"); busiest: $(grep -m1 '^    mmio ' "$err")"
	pass exit_stats
}
