#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the INNER guest's initramfs: static arm64 busybox (applet links are made
# at boot by `busybox --install -s`: the host can't run an arm64 binary to list
# them), the virtio modules in /lib/modules (+ load order), /init = guest-init.sh,
# udhcpc's lease script, and the static lab_sock, lab_mmio and lab_powerkey tools
# when given.
# Usage: guest-rootfs.sh OUT.cpio.gz [LAB_SOCK [LAB_MMIO]]     (run fetch.sh first)
set -euo pipefail

out=${1:?usage: guest-rootfs.sh OUT.cpio.gz [LAB_SOCK [LAB_MMIO]]}
lab_sock=${2:-}
lab_mmio=${3:-}
lab_powerkey=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
cache=${SVMM_LAB_CACHE:-$HOME/.cache/svmm-lab}
[ -f "$cache/.complete" ] || { echo "guest-rootfs: no lab cache in $cache (run tests/lab/fetch.sh)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,lib/modules,etc/udhcpc}
cp "$cache/busybox" "$stage/bin/busybox"
cp "$cache"/modules/* "$stage/lib/modules/"
cp "$here/guest-init.sh" "$stage/init"
cp "$here/udhcpc-script.sh" "$stage/etc/udhcpc/default.script"
[ -z "$lab_sock" ] || cp "$lab_sock" "$stage/usr/bin/lab_sock"
[ -z "$lab_mmio" ] || cp "$lab_mmio" "$stage/usr/bin/lab_mmio"
[ -z "$lab_powerkey" ] || cp "$lab_powerkey" "$stage/usr/bin/lab_powerkey"
chmod 755 "$stage/bin/busybox" "$stage/init" "$stage/etc/udhcpc/default.script"
# No /dev/console node needed: the kernel's built-in initramfs already has one.

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
