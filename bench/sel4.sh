#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What `make bench-sel4` runs: svmm on seL4 (Microkit, qemu_virt_aarch64) in
# QEMU (TCG). Builds one loader image with the quiet marker guest (1 vCPU,
# 256M, `console=ttyAMA0 quiet svmm.test=marker`), boots it BENCH_RUNS times
# (default 5) and reports the time from QEMU's start to the guest init's
# SVMM-GUEST-INIT-OK line (median, min, max); then, when the SDK has
# smp-debug, a system of two 1-vCPU VMs on cores 1 and 2 (QEMU -smp 4), from
# QEMU's start to each VM's init marker; plus the sizes of loader.img and of
# svmm itself (svmm.elf without the packaged guest images). Results go to
# the terminal and to build/bench/sel4-results.txt. Without an SDK it says
# SKIP and succeeds. See bench/README.md.
#
# Usage: bench/sel4.sh [MICROKIT_SDK]
# Env: BENCH_RUNS, KERNEL, INITRD, MICROKIT_CONFIG (default debug), SEL4_TIMEOUT
set -uo pipefail
cd "$(dirname "$0")/.."
sdk=${1:-${MICROKIT_SDK:-}}
if [ -z "$sdk" ]; then
	echo "bench-sel4: SKIP (set MICROKIT_SDK=/path/to/microkit-sdk-2.3.0 to measure svmm on seL4)"
	exit 0
fi
runs=${BENCH_RUNS:-5}
timeout=${SEL4_TIMEOUT:-120}
config=${MICROKIT_CONFIG:-debug}
out=build/bench/sel4
results=build/bench/sel4-results.txt
mkdir -p "$out"
kernel=${KERNEL:-$HOME/.cache/svmm-lab/Image}
[ -f "$kernel" ] || { echo "bench-sel4: no guest kernel at $kernel (run tests/lab/fetch.sh or set KERNEL)"; exit 1; }
initrd=${INITRD:-}
if [ -z "$initrd" ]; then
	initrd=$out/rootfs.cpio.gz
	bash tests/lab/guest-rootfs.sh "$initrd" >"$out/rootfs.log" 2>&1 ||
		{ echo "bench-sel4: cannot build the guest rootfs (see $out/rootfs.log)"; exit 1; }
fi
if ! make --no-print-directory sel4 MICROKIT_SDK="$sdk" MICROKIT_CONFIG="$config" \
	VM=examples/linux-sel4.json KERNEL="$kernel" INITRD="$initrd" \
	CMDLINE="console=ttyAMA0 quiet svmm.test=marker" SEL4_OUT="$out/image" >"$out/build.log" 2>&1; then
	echo "bench-sel4: build failed (see $out/build.log)"
	tail -n 5 "$out/build.log" | sed 's/^/  /'
	exit 1
fi

# The functions below run inside $(...), so a failed run is recorded in a
# file rather than in a shell variable, which would not reach the exit status.
failed_mark=$out/failed
rm -f "$failed_mark"

# summarize NAME WANT VALUE...: one line with the values' median (the mean of
# the middle two for an even count), min and max, and how many of WANT runs
# gave a value.
summarize() {
	local name=$1 want=$2
	shift 2
	[ $# -gt 0 ] || return 0
	printf '%s\n' "$@" | sort -n | awk -v n=$# -v want="$want" -v name="$name" '
		{ v[NR] = $1 }
		END {
			med = n % 2 ? v[(n + 1) / 2] : int((v[n / 2] + v[n / 2 + 1]) / 2 + 0.5)
			printf "bench: sel4 %s median=%d min=%d max=%d runs=%d/%d\n", name, med, v[1], v[n], n, want
		}'
}

# measure NAME LOADER TEXT SMP: BENCH_RUNS boots; TEXT's arrival time per run, in ms.
measure() {
	local name=$1 image=$2 text=$3 smp=$4 line t ms
	local -a got=()
	for i in $(seq 1 "$runs"); do
		line=$(python3 tests/sel4/qemu_expect.py "$image" "$out/$name-run$i.console.log" \
			"$timeout" --smp "$smp" --until "$text" "$text")
		t=$(LINE=$line TEXT=$text python3 -c 'import os, re
m = re.search(re.escape(os.environ["TEXT"]) + r"@([0-9.]+)s", os.environ["LINE"])
print(m.group(1) if m else "")')
		if [[ $line != ok* || -z $t ]]; then
			echo "bench-sel4: $name run $i: $line" >&2
			: >"$failed_mark"
			continue
		fi
		ms=$(awk -v t="$t" 'BEGIN {printf "%d", t * 1000 + 0.5}')
		echo "bench: sel4 $name run $i ms=$ms" >&2
		got+=("$ms")
	done
	summarize "$name" "$runs" "${got[@]}"
}

status=0
one_vm=$(measure qemu_start_to_init_ms "$out/image/loader.img" SVMM-GUEST-INIT-OK 1)

# Two VMs on smp-debug, each on its own core: QEMU start to each VM's init marker.
two_vms=
if [ -d "$sdk/board/qemu_virt_aarch64/smp-debug" ]; then
	k=$(realpath "$kernel") r=$(realpath "$initrd")
	vm='{"name": "%s", "kernel": "'$k'", "initrd": "'$r'", "cpus": 1, "memory": "256M", "cores": [%s], "cmdline": "console=ttyAMA0 quiet svmm.test=marker"}'
	printf '{"name": "bench2", "scheduling": "direct", "vms": ['"$vm"', '"$vm"']}\n' a 1 b 2 \
		>"$out/two.json"
	if make --no-print-directory sel4 MICROKIT_SDK="$sdk" MICROKIT_CONFIG=smp-debug \
		SYSTEM="$out/two.json" SEL4_OUT="$out/two" >"$out/two.build.log" 2>&1; then
		two_vms="$(measure two_vms_a_init_ms "$out/two/loader.img" "[a] SVMM-GUEST-INIT-OK" 4)
$(measure two_vms_b_init_ms "$out/two/loader.img" "[b] SVMM-GUEST-INIT-OK" 4)"
		two_sizes="bench: sel4 two_vms_loader_img_bytes=$(stat -c %s "$out/two/loader.img") console_mux_elf_bytes=$(stat -c %s "$out/two/console_mux.elf")"
	else
		echo "bench-sel4: two-VM build failed (see $out/two.build.log)"
		status=1
	fi
fi

# What an idle VM costs the others on its core: a lowest-priority spinner PD
# (bench/sel4/spinner.c) on the idle VM's core 1, its twin alone on core 2,
# each printing its rounds a second; their rates after the VM is up, shared
# over alone, per run. "parked" is svmm as built (WFI parks the vCPU);
# "unparked" the same image with its settings' wfi_park line dropped, so svmm
# resumes every WFI at once (as before parking).
# The spinners get the slice svmm gives every PD without a period.
slice=$(sed -n 's/^#define SDF_DEFAULT_TIMESLICE_US \([0-9]*\)u.*/\1/p' config/sdf_plan.h)
spinner_pd='    <protection_domain name="%s" priority="1" budget="'$slice'" period="'$slice'" cpu="%s"><program_image path="spinner.elf" /></protection_domain>\n'
spinner_pds=$(printf "$spinner_pd" spin_shared 1 spin_alone 2)
# idle_image DIR PARKING [second]: builds DIR/loader.img: the idle VM on core 1,
# the two spinners. With "second", the idle VM on core 1 is the second VM of a
# system whose first idles on core 3: every svmm parks, not only the first.
idle_image() {
	local dir=$1 parking=$2 layout=${3:-} k r vm
	k=$(realpath "$kernel") r=$(realpath "$initrd")
	vm='{"name": "%s", "kernel": "'$k'", "initrd": "'$r'", "cpus": 1, "memory": "256M", "cores": [%s], "cmdline": "console=ttyAMA0 quiet svmm.test=echo"}'
	if [ "$layout" = second ]; then
		printf '{"name": "idle2", "vms": ['"$vm, $vm"']}\n' a 3 b 1 >"$dir.json"
	else
		printf '{"name": "idle", "vms": ['"$vm"']}\n' a 1 >"$dir.json"
	fi
	make --no-print-directory sel4 MICROKIT_SDK="$sdk" MICROKIT_CONFIG=smp-debug \
		SYSTEM="$dir.json" SEL4_OUT="$dir" >"$dir.build.log" 2>&1 || return 1
	[ "$parking" = parked ] || sed -i '/^wfi_park=1$/d' "$dir"/*.settings
	SPINNERS=$spinner_pds python3 -c 'import os, sys
p = sys.argv[1]
s = open(p).read().replace("</system>", os.environ["SPINNERS"] + "\n</system>", 1)
open(p, "w").write(s)' "$dir/svmm.system"
	make --no-print-directory "$dir/spinner.elf" sel4-image SEL4_SYSTEM_MK="$dir/system.mk" \
		MICROKIT_SDK="$sdk" MICROKIT_CONFIG=smp-debug SEL4_OUT="$dir" >>"$dir.build.log" 2>&1
}
# idle_share NAME DIR [READY...]: BENCH_IDLE_RUNS boots (default 3), 12 s each
# once every VM is up (each READY line; by default SVMM-GUEST-READY).
idle_share() {
	local name=$1 dir=$2 line runs=${BENCH_IDLE_RUNS:-3}
	shift 2
	local -a ready=("${@:-SVMM-GUEST-READY}")
	local -a got=()
	for i in $(seq 1 "$runs"); do
		line=$(python3 tests/sel4/qemu_expect.py "$dir/loader.img" "$dir-run$i.console.log" \
			"$timeout" --smp 4 --for 12 "${ready[@]}")
		[[ $line == ok* ]] || { echo "bench-sel4: $name run $i: $line" >&2; : >"$failed_mark"; continue; }
		line=$(python3 - "$dir-run$i.console.log" <<'PY'
import re, sys
log = open(sys.argv[1], "rb").read()
# From the last VM's READY on: every VM is up.
after = log[log.rindex(b"SVMM-GUEST-READY"):]
rate = {}
for who in ("spin_shared", "spin_alone"):
    # The first line after the VM is up still counts part of its boot.
    lines = re.findall(rb"SVMM-SPIN " + who.encode() + rb" (\d+) (\d+)", after)[1:]
    rounds, us = sum(int(a) for a, _ in lines), sum(int(b) for _, b in lines)
    rate[who] = rounds * 1e6 / us if us else 0.0
share = 100 * rate["spin_shared"] / rate["spin_alone"] if rate["spin_alone"] else 0.0
print("%d %d %d" % (round(share), rate["spin_shared"], rate["spin_alone"]))
PY
)
		echo "bench: sel4 idle_$name run $i share_percent=${line%% *} rounds_per_s shared/alone=${line#* }" >&2
		got+=("${line%% *}")
	done
	summarize "idle_vm_spinner_share_${name}_percent" "$runs" "${got[@]}"
}
idle=
if [ -d "$sdk/board/qemu_virt_aarch64/smp-debug" ]; then
	for parking in parked unparked; do
		if idle_image "$out/idle-$parking" $parking; then
			idle="$idle$(idle_share $parking "$out/idle-$parking")
"
		else
			echo "bench-sel4: idle-VM build ($parking) failed (see $out/idle-$parking.build.log)"
			status=1
		fi
	done
	if idle_image "$out/idle-second" parked second; then
		idle="$idle$(idle_share parked_second_vm "$out/idle-second" "[a] SVMM-GUEST-READY" \
			"[b] SVMM-GUEST-READY")
"
	else
		echo "bench-sel4: idle-VM build (second) failed (see $out/idle-second.build.log)"
		status=1
	fi
fi

loader=$(stat -c %s "$out/image/loader.img")
elf=$(stat -c %s "$out/image/svmm.elf")
svmm=$(bash tests/sel4/svmm-size.sh "$out/image/svmm.elf")
{
	echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git describe --always --dirty 2>/dev/null || echo unknown)" \
		"microkit-$config qemu_virt_aarch64 (QEMU TCG)"
	[ -n "$one_vm" ] && echo "$one_vm"
	[ -n "$two_vms" ] && echo "$two_vms"
	[ -n "${two_sizes:-}" ] && echo "$two_sizes"
	[ -n "$idle" ] && printf '%s' "$idle"
	echo "bench: sel4 loader_img_bytes=$loader"
	echo "bench: sel4 svmm_elf_bytes=$elf svmm_bytes_without_guest_images=$svmm"
} >"$results"
echo "--- $results"
cat "$results"
[ ! -e "$failed_mark" ] || status=1
exit $status
