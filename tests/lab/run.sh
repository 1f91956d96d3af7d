#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs svmm against real Linux guests, nested: QEMU emulates an arm64 host at EL2
# (so it has /dev/kvm), whose initramfs runs the scenarios (scenarios.sh), the
# benchmarks (bench/lab-bench.sh) or the interactive demo. The host's own
# /dev/kvm is x86 and can't run arm64 guests.
#
# Usage: tests/lab/run.sh [--svmm PATH] [--demo | --bench] [scenario...]
#   --svmm PATH  aarch64 svmm binary (default build/aarch64/svmm); a dynamic one
#                brings its libraries from the cross toolchain
#   --demo       interactive: the guest's shell on this terminal (QEMU: Ctrl-A x quits)
#   --bench      the benchmarks (bench/lab-bench.sh) instead of the scenarios
#   scenario...  run only these (default: all; see LAB_SCENARIOS in scenarios-*.sh)
# Env: SVMM_LAB_CACHE (downloads), SVMM_LAB_BUILD (default build/lab),
#      LAB_TIMEOUT (seconds for the whole outer run, default 900),
#      LAB_SMOKE=1 (lab self-test lab_smoke; works without an svmm binary),
#      LAB_SMP (the lab host's CPUs, default 2),
#      BENCH_RUNS (boots per benchmark with --bench, default 7),
#      BENCH_ONLY=system (with --bench: only the two-VM system boot; =boot: and the
#      single-VM boots; =net: only the network figures), LAB_EXTRA (files copied
#      to /extra in the lab host: with --bench, an svmm-* binary or kvmtool's
#      lkvm-static there is booted too, alternating with svmm, for side-by-side
#      boot figures),
#      LAB_TRIALS (kill -9 trials per durability scenario, default 100),
#      LAB_SANITIZE=1 (svmm is an ASan+UBSan build: any report it logs fails the run).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
svmm=$root/build/aarch64/svmm
demo=0
mode="test"
scenarios=()
while [ $# -gt 0 ]; do
	case $1 in
	--svmm) svmm=${2:?--svmm needs a path}; shift 2 ;;
	--demo) demo=1; mode=demo; shift ;;
	--bench) mode=bench; shift ;;
	-h | --help) sed -n '3,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) scenarios+=("$1"); shift ;;
	esac
done

# lab_needed_libs ELF: the shared libraries ELF needs, transitively, as paths
# in the cross toolchain's arm64 library directory.
cross_libs=/usr/aarch64-linux-gnu/lib
lab_needed_libs() {
	local todo=("$1") seen=" " elf lib
	while [ ${#todo[@]} -gt 0 ]; do
		elf=${todo[0]}
		todo=("${todo[@]:1}")
		for lib in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case $seen in *" $lib "*) continue ;; esac
			[ -e "$cross_libs/$lib" ] ||
				{ echo "run.sh: $1 needs $lib, which $cross_libs lacks" >&2; return 1; }
			seen+="$lib "
			todo+=("$cross_libs/$lib")
			echo "$cross_libs/$lib"
		done
	done
}

build=${SVMM_LAB_BUILD:-build/lab}
case $build in /*) ;; *) build=$root/$build ;; esac
log=$build/console.log
smoke=${LAB_SMOKE:-0}

if [ -e "$svmm" ]; then
	# The lab has no libc and is arm64: catch a wrong binary before a long boot.
	[ "$(od -An -tx1 -j18 -N2 "$svmm" | tr -d ' ')" = b700 ] ||
		{ echo "run.sh: $svmm is not an aarch64 ELF binary" >&2; exit 1; }
	# A dynamic svmm (make ARCH=aarch64 SANITIZE=1) takes its loader and libraries
	# along, from the cross toolchain's arm64 libc and runtimes.
	if readelf -l "$svmm" | grep -q 'INTERP'; then
		svmm_libs=$(lab_needed_libs "$svmm") || exit 1
	fi
elif [ "$smoke" = 1 ] && [ "$demo" = 0 ]; then
	echo "lab: no svmm at $svmm: smoke run only"
else
	echo "run.sh: no svmm binary at $svmm (build it, pass --svmm, or LAB_SMOKE=1)" >&2
	exit 1
fi

"$here/fetch.sh"
cache=${SVMM_LAB_CACHE:-$HOME/.cache/svmm-lab}

echo "lab: building initramfs images in $build"
mkdir -p "$build"
# The socket tool busybox lacks (unix sockets, vsock), for the lab host and the guest.
aarch64-linux-gnu-gcc -static -s -O2 -Wall -Wextra -Werror -o "$build/lab_sock" \
	"$here/tools/lab_sock.c"
# The guest's MMIO instruction prober (no-syndrome loads and stores on a device).
aarch64-linux-gnu-gcc -static -s -O2 -Wall -Wextra -Werror -o "$build/lab_mmio" \
	"$here/tools/lab_mmio.c"
# The guest's power key listener (the control API's stop presses KEY_POWER).
aarch64-linux-gnu-gcc -static -s -O2 -Wall -Wextra -Werror -o "$build/lab_powerkey" \
	"$here/tools/lab_powerkey.c"
"$here/guest-rootfs.sh" "$build/rootfs.cpio.gz" "$build/lab_sock" "$build/lab_mmio" \
	"$build/lab_powerkey"
stage=$build/outer
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,guest,lib/modules}
cp "$cache/busybox" "$stage/bin/busybox"
cp "$build/lab_sock" "$stage/usr/bin/lab_sock"
# passt (user networking) with its loader and libc, and the modules for the NIC and tap.
cp -R "$cache/passt/." "$stage/"
cp "$cache"/outer-modules/* "$stage/lib/modules/"
cp "$here/outer-init.sh" "$stage/init"
cp "$here"/scenarios*.sh "$stage/"
cp "$root/bench/lab-bench.sh" "$stage/bench.sh"
cp "$cache/Image" "$build/rootfs.cpio.gz" "$stage/guest/"
[ ! -e "$svmm" ] || cp "$svmm" "$stage/svmm"
# Its libraries replace passt's libc too: one loader and libc for both.
for lib in ${svmm_libs:-}; do
	cp -L "$lib" "$stage/lib/aarch64-linux-gnu/"
	[ "$(basename "$lib")" != ld-linux-aarch64.so.1 ] || cp -L "$lib" "$stage/lib/"
done
# The test build beside it (hidden triggers for the sandbox scenarios), if made.
[ ! -e "$svmm-test" ] || cp "$svmm-test" "$stage/svmm-test"
# Other programs for the lab host, e.g. another VMM for the bench to compare with.
if [ -n "${LAB_EXTRA:-}" ]; then
	mkdir -p "$stage/extra"
	for f in $LAB_EXTRA; do
		cp "$f" "$stage/extra/" || { echo "lab: LAB_EXTRA: cannot copy $f" >&2; exit 2; }
	done
fi
chmod 755 "$stage/bin/busybox" "$stage/init"
# Uncompressed on purpose: QEMU copies it straight into RAM, whereas gunzip of
# ~35 MB costs ~0.5 s of emulated CPU time at every boot.
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$build/outer.cpio"
rm -rf "$stage"

# The lab host's scratch disk: an empty ext4 file system, where a disk image
# can be opened with O_DIRECT (the lab host's tmpfs refuses it). Sparse here.
rm -f "$build/disk.img"
mkfs.ext4 -q -F -E nodiscard "$build/disk.img" 256M

# Two CPUs: the system scenarios pin VMs to cores 0 and 1.
smp=${LAB_SMP:-2}
only=$(IFS=,; echo "${scenarios[*]}")
[ "$smoke" != 1 ] || only=lab_smoke${only:+,$only}
append="console=ttyAMA0 quiet rdinit=/init lab.mode=$mode${only:+ lab.only=$only}"
append+="${LAB_TRIALS:+ lab.trials=$LAB_TRIALS}"
[ "${LAB_SANITIZE:-0}" != 1 ] || append+=" lab.sanitize=1"
[ "$mode" != bench ] || append+=" bench.runs=${BENCH_RUNS:-7}${BENCH_ONLY:+ bench.only=$BENCH_ONLY}"
# virtualization=on: EL2, so the outer kernel brings up KVM. cortex-a72 is 3-4x
# faster to emulate than -cpu max. The NIC is virtio-mmio: the default (PCI) one
# needs an option ROM (efi-virtio.rom) that Debian's qemu-system-arm doesn't ship
# without ipxe-qemu. It only gives passt (svmm's user networking) a default route;
# restrict=on: nothing leaves the emulated machine.
# shellcheck disable=SC2054 # the commas are QEMU option syntax
qemu=(qemu-system-aarch64 -machine virt,virtualization=on,gic-version=3 -cpu cortex-a72
      -smp "$smp" -m 2G -no-reboot -nic none
      -netdev user,id=n0,restrict=on -device virtio-net-device,netdev=n0
      -drive "if=none,id=d0,format=raw,file=$build/disk.img" -device virtio-blk-device,drive=d0
      -kernel "$cache/Image" -initrd "$build/outer.cpio" -append "$append")

if [ "$demo" = 1 ]; then
	echo "lab: demo: QEMU owns this terminal now (Ctrl-A x quits)"
	exec "${qemu[@]}" -nographic
fi

timeout=${LAB_TIMEOUT:-900}
what=${only:-all scenarios}
[ "$mode" != bench ] || what=benchmarks
echo "lab: booting the lab ($what; timeout ${timeout}s; log $log)"
start=$(date +%s)
set +e
# Stream the console live (minus the \r of the tty) and keep it all in the log.
timeout -k 10 "$timeout" "${qemu[@]}" -display none -monitor none -serial stdio </dev/null |
	tee "$log" | while IFS= read -r line || [ -n "$line" ]; do echo "${line%$'\r'}"; done
qemu_rc=${PIPESTATUS[0]}
set -e
echo "lab: outer QEMU finished in $(($(date +%s) - start)) s (status $qemu_rc)"

results=$(tr -d '\r' <"$log" | grep '^LAB-RESULT ' || true)
passed=$(grep -c ' PASS$' <<<"$results" || true)
failed=$(grep -c ' FAIL' <<<"$results" || true)
echo "---"
[ -z "$results" ] || echo "$results"
echo "lab: $passed passed, $failed failed"
if ! grep -q '^LAB-SCENARIOS-DONE' <(tr -d '\r' <"$log"); then
	echo "lab: LAB-SCENARIOS-DONE missing (timeout or crash?); last 30 console lines:"
	tail -n 30 "$log" | tr -d '\r'
	exit 1
fi
[ "$failed" = 0 ] || exit 1
