#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks a Microkit SDK before svmm is built against it, with one line per
# problem: usage: sel4-sdk-check.sh SDK BOARD CONFIG
set -u
sdk=${1:-} board=${2:-} config=${3:-}
if [ -z "$sdk" ]; then
	echo "sel4: set MICROKIT_SDK=/path/to/microkit-sdk-2.0.1" >&2
	exit 1
fi
if [ ! -f "$sdk/VERSION" ]; then
	echo "sel4: MICROKIT_SDK=$sdk: no VERSION file there; expected an unpacked Microkit SDK" >&2
	exit 1
fi
version=$(cat "$sdk/VERSION")
[ "$version" = 2.0.1 ] ||
	echo "sel4: warning: Microkit SDK $version; svmm is written for 2.0.1 (its SDF schema and libmicrokit)" >&2
dir="$sdk/board/$board/$config"
if [ ! -d "$sdk/board/$board" ]; then
	echo "sel4: MICROKIT_BOARD=$board: the SDK has no such board (it has: $(ls "$sdk/board" | tr '\n' ' '))" >&2
	exit 1
fi
if [ ! -d "$dir" ]; then
	echo "sel4: MICROKIT_CONFIG=$config: board $board has no such config (it has: $(ls "$sdk/board/$board" | tr '\n' ' '))" >&2
	exit 1
fi
if ! grep -q 'CONFIG_ARM_HYPERVISOR_SUPPORT  *1' "$dir/include/kernel/gen_config.h" 2>/dev/null; then
	echo "sel4: $dir: seL4 was built without hypervisor support (CONFIG_ARM_HYPERVISOR_SUPPORT); svmm needs it" >&2
	exit 1
fi
for f in "$sdk/bin/microkit" "$dir/lib/libmicrokit.a" "$dir/lib/microkit.ld"; do
	[ -e "$f" ] || { echo "sel4: $f is missing from the SDK" >&2; exit 1; }
done
command -v aarch64-linux-gnu-gcc >/dev/null ||
	{ echo "sel4: aarch64-linux-gnu-gcc not found (Debian: apt-get install gcc-aarch64-linux-gnu)" >&2; exit 1; }
exit 0
