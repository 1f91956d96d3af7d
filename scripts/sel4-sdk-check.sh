#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks a Microkit SDK before svmm is built against it, with one line per
# problem: usage: sel4-sdk-check.sh SDK BOARD CONFIG
# svmm is written for Microkit 2.3.0 (seL4 16.0.0): its SDF schema (vcpu and
# protection domain `cpu`, per-VM budget and period) and libmicrokit.
set -u
required=2.3.0
sdk=${1:-} board=${2:-} config=${3:-}
configs="debug release smp-debug smp-release"
problems=0
problem() {
	echo "sel4: $*" >&2
	problems=$((problems + 1))
}
if [ -z "$sdk" ]; then
	problem "set MICROKIT_SDK=/path/to/microkit-sdk-$required (svmm needs Microkit $required)"
	exit 1
fi
if [ ! -f "$sdk/VERSION" ]; then
	problem "MICROKIT_SDK=$sdk: no VERSION file there; expected an unpacked Microkit $required SDK"
	exit 1
fi
version=$(tr -d '[:space:]' <"$sdk/VERSION")
[ "$version" = "$required" ] ||
	problem "MICROKIT_SDK=$sdk is Microkit $version; svmm needs Microkit $required (its SDF schema and libmicrokit)"
case " $configs " in
*" $config "*) ;;
*) problem "MICROKIT_CONFIG=$config: svmm builds for one of: $configs" ;;
esac
dir="$sdk/board/$board/$config"
if [ ! -d "$sdk/board/$board" ]; then
	problem "MICROKIT_BOARD=$board: the SDK has no such board (it has: $(ls "$sdk/board" 2>/dev/null | tr '\n' ' '))"
elif [ ! -d "$dir" ]; then
	problem "MICROKIT_CONFIG=$config: board $board in this SDK has no such config (it has: $(ls "$sdk/board/$board" | tr '\n' ' '))"
else
	if ! grep -q 'CONFIG_ARM_HYPERVISOR_SUPPORT  *1' "$dir/include/kernel/gen_config.h" 2>/dev/null; then
		problem "$dir: seL4 was built without hypervisor support (CONFIG_ARM_HYPERVISOR_SUPPORT); svmm needs it"
	fi
	case $config in
	smp-*)
		grep -q 'CONFIG_MAX_NUM_NODES  *[2-9]' "$dir/include/kernel/gen_config.h" 2>/dev/null ||
			problem "$dir: config $config is not a multi-core kernel (CONFIG_MAX_NUM_NODES)"
		;;
	esac
	for f in "$dir/lib/libmicrokit.a" "$dir/lib/microkit.ld" "$dir/include/microkit.h"; do
		[ -e "$f" ] || problem "$f is missing from the SDK"
	done
fi
[ -x "$sdk/bin/microkit" ] || problem "$sdk/bin/microkit is missing from the SDK"
command -v aarch64-linux-gnu-gcc >/dev/null ||
	problem "aarch64-linux-gnu-gcc not found (Debian: apt-get install gcc-aarch64-linux-gnu)"
[ "$problems" -eq 0 ]
