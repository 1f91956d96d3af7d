#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What `make bench-sel4` runs: svmm on seL4 (Microkit, qemu_virt_aarch64) in
# QEMU (TCG). Builds one loader image with the quiet marker guest (1 vCPU,
# 256M, `console=ttyAMA0 quiet svmm.test=marker`), boots it BENCH_RUNS times
# (default 5) and reports the time from QEMU's start to the guest init's
# SVMM-GUEST-INIT-OK line (median, min, max), plus the sizes of loader.img and
# of svmm itself (svmm.elf without the packaged guest images). Results go to
# the terminal and to build/bench/sel4-results.txt. Without an SDK it says
# SKIP and succeeds. See bench/README.md.
#
# Usage: bench/sel4.sh [MICROKIT_SDK]
# Env: BENCH_RUNS, KERNEL, INITRD, MICROKIT_CONFIG (default debug), SEL4_TIMEOUT
set -uo pipefail
cd "$(dirname "$0")/.."
sdk=${1:-${MICROKIT_SDK:-}}
if [ -z "$sdk" ]; then
	echo "bench-sel4: SKIP (set MICROKIT_SDK=/path/to/microkit-sdk-2.0.1 to measure svmm on seL4)"
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

times=()
status=0
for i in $(seq 1 "$runs"); do
	line=$(python3 tests/sel4/qemu_expect.py "$out/image/loader.img" "$out/run$i.console.log" \
		"$timeout" SVMM-GUEST-INIT-OK)
	t=$(sed -n 's/.*SVMM-GUEST-INIT-OK@\([0-9.]*\)s.*/\1/p' <<<"$line")
	if [[ $line != ok* || -z $t ]]; then
		echo "bench-sel4: run $i: $line"
		status=1
		continue
	fi
	ms=$(awk -v t="$t" 'BEGIN {printf "%d", t * 1000 + 0.5}')
	echo "bench: sel4 run $i qemu_start_to_init_ms=$ms"
	times+=("$ms")
done

loader=$(stat -c %s "$out/image/loader.img")
elf=$(stat -c %s "$out/image/svmm.elf")
svmm=$(bash tests/sel4/svmm-size.sh "$out/image/svmm.elf")
{
	echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git describe --always --dirty 2>/dev/null || echo unknown)" \
		"microkit-$config qemu_virt_aarch64 (QEMU TCG)"
	if [ ${#times[@]} -gt 0 ]; then
		printf '%s\n' "${times[@]}" | sort -n | awk -v n="${#times[@]}" -v want="$runs" '
			{ v[NR] = $1 }
			END {
				med = n % 2 ? v[(n + 1) / 2] : int((v[n / 2] + v[n / 2 + 1]) / 2 + 0.5)
				printf "bench: sel4 qemu_start_to_init_ms median=%d min=%d max=%d runs=%d/%d\n",
					med, v[1], v[n], n, want
			}'
	fi
	echo "bench: sel4 loader_img_bytes=$loader"
	echo "bench: sel4 svmm_elf_bytes=$elf svmm_bytes_without_guest_images=$svmm"
} >"$results"
echo "--- $results"
cat "$results"
exit $status
