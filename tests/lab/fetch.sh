#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fetches the lab's guest ingredients from Debian's arm64 archive into a cache:
#   Image          raw arm64 kernel (Debian's vmlinuz already is one)
#   modules/*.ko   virtio/vsock modules plus their module deps, uncompressed
#   modules/order  the .ko file names in load order (deps first)
#   busybox        static arm64 busybox
#   kernel-version e.g. 6.1.0-56-arm64
#   outer-modules/ the lab host's own modules (virtio-mmio NIC, tun, virtio-blk,
#                  ext4), same layout
#   passt/         passt:arm64 with the libc6:arm64 files it needs (a tree to
#                  copy into the lab host's /: usr/bin/passt, lib/...)
# Needs `dpkg --add-architecture arm64` + `apt-get update` (scripts/install-deps.sh).
# Idempotent: a complete cache (stamp file .complete) is reused without touching apt.
set -euo pipefail

cache=${SVMM_LAB_CACHE:-$HOME/.cache/svmm-lab}
# Modules the guest may use; anything they depend on is added automatically.
# evdev and gpio_keys: the power key (a PL061 line; gpio-pl061 is built in).
want_mods="virtio_mmio virtio_blk virtio_net virtio_console virtio_rng vsock
           vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport evdev gpio_keys"
# The lab host's: its QEMU NIC (virtio-mmio), so passt has a route; tun for tap;
# virtio_blk, ext4 and its checksum (crc32c) for its scratch disk (O_DIRECT,
# which its tmpfs refuses).
outer_mods="virtio_mmio virtio_net tun virtio_blk crc32c_generic ext4"

die() { echo "fetch: error: $*" >&2; exit 1; }

# Caches filled before outer-modules/ and passt/ existed are completed, not refetched.
if [ -f "$cache/.complete" ] && [ -f "$cache/outer-modules/order" ] && [ -x "$cache/passt/usr/bin/passt" ] &&
	grep -q '^gpio_keys' "$cache/modules/order" && grep -q '^ext4' "$cache/outer-modules/order"; then
	echo "fetch: using cached $(cat "$cache/.complete") in $cache"
	exit 0
fi

# The metapackage points at the signed image; its -unsigned twin has the same kernel.
kpkg=${SVMM_LAB_KERNEL_PKG:-}
# Completing an older cache: keep its kernel, even if the archive moved on.
[ -n "$kpkg" ] || [ ! -f "$cache/.complete" ] || kpkg=$(cut -d' ' -f1 "$cache/.complete")
if [ -z "$kpkg" ]; then
	kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^:]*\).*/\1/p' | head -n1)
	[ -n "$kpkg" ] || die "no linux-image-arm64:arm64 in apt (run scripts/install-deps.sh: needs arm64 arch + apt-get update)"
	kpkg=$kpkg-unsigned
fi

mkdir -p "$cache/debs"
for pkg in "$kpkg" busybox-static passt libc6; do
	if ! ls "$cache/debs/${pkg}_"*_arm64.deb >/dev/null 2>&1; then
		echo "fetch: downloading $pkg:arm64"
		# Run apt in the cache dir; keep its chatter (e.g. the root sandbox warning) in a log.
		(cd "$cache/debs" && apt-get -q download "$pkg:arm64") >"$cache/apt.log" 2>&1 ||
			die "apt-get download $pkg:arm64 failed: $(grep -m1 '^E:' "$cache/apt.log" || tail -n1 "$cache/apt.log")"
	fi
done

tmp=$(mktemp -d "$cache/extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "fetch: extracting $kpkg, busybox-static, passt and libc6"
for deb in "$cache/debs/${kpkg}_"*_arm64.deb; do dpkg-deb -x "$deb" "$tmp/k"; done
for deb in "$cache/debs/busybox-static_"*_arm64.deb; do dpkg-deb -x "$deb" "$tmp/bb"; done
for deb in "$cache/debs/passt_"*_arm64.deb "$cache/debs/libc6_"*_arm64.deb; do dpkg-deb -x "$deb" "$tmp/p"; done

kver=$(ls "$tmp/k/lib/modules")
moddir=$tmp/k/lib/modules/$kver
mkdir -p "$tmp/out/modules"
cp "$tmp/k/boot/vmlinuz-$kver" "$tmp/out/Image"
cp "$tmp/bb/bin/busybox" "$tmp/out/busybox"
echo "$kver" >"$tmp/out/kernel-version"

# The .deb has no modules.dep (depmod runs at install time), so read each module's
# own "depends=" field from its .modinfo strings and resolve recursively.
# Module names use '_' where file names may use '-' (virtio-rng.ko).
find "$moddir/kernel" -name '*.ko*' >"$tmp/all-mods"
modfile() { grep -m1 -E "/${1//[_-]/[_-]}\.ko(\.xz|\.zst)?$" "$tmp/all-mods"; }
modcat() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*) cat "$1" ;;
	esac
}
add_mod() { # $1 = module name, $2 = output dir; appends it (after its deps) to $2/order
	local f deps d base out=$2
	f=$(modfile "$1") || {
		grep -qE "/${1//[_-]/[_-]}\.ko$" "$moddir/modules.builtin" && return 0
		die "module $1 is neither a module nor built into $kver"
	}
	base=$(basename "$f" | sed 's/\.ko.*$/.ko/')
	grep -qx "$base" "$out/order" 2>/dev/null && return 0
	deps=$(modcat "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1)
	for d in ${deps//,/ }; do add_mod "$d" "$out"; done
	modcat "$f" >"$out/$base" # busybox insmod wants plain ELF
	echo "$base" >>"$out/order"
}
for m in $want_mods; do add_mod "$m" "$tmp/out/modules"; done
mkdir -p "$tmp/out/outer-modules"
for m in $outer_mods; do add_mod "$m" "$tmp/out/outer-modules"; done

# passt is dynamically linked: take the loader and every library it names
# (readelf -d NEEDED) from libc6, as real files (no symlinks into the tree).
mkdir -p "$tmp/out/passt/usr/bin" "$tmp/out/passt/lib/aarch64-linux-gnu"
cp "$tmp/p/usr/bin/passt" "$tmp/out/passt/usr/bin/passt"
interp=$(readelf -l "$tmp/p/usr/bin/passt" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] || die "passt: no program interpreter found"
mkdir -p "$tmp/out/passt$(dirname "$interp")"
cp -L "$tmp/p$interp" "$tmp/out/passt$interp"
for lib in $(readelf -d "$tmp/p/usr/bin/passt" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	[ -e "$tmp/p/lib/aarch64-linux-gnu/$lib" ] || die "passt needs $lib, not in libc6:arm64"
	cp -L "$tmp/p/lib/aarch64-linux-gnu/$lib" "$tmp/out/passt/lib/aarch64-linux-gnu/$lib"
done

# Publish atomically-enough: replace the outputs, then write the stamp last.
rm -rf "$cache/modules" "$cache/outer-modules" "$cache/passt" "$cache/.complete"
mv "$tmp/out/modules" "$tmp/out/outer-modules" "$tmp/out/passt" "$tmp/out/Image" \
	"$tmp/out/busybox" "$tmp/out/kernel-version" "$cache/"
echo "$kpkg ($kver)" >"$cache/.complete"
echo "fetch: kernel $kver, modules: $(paste -sd' ' "$cache/modules/order")"
echo "fetch: lab host modules: $(paste -sd' ' "$cache/outer-modules/order");" \
	"passt with $(cd "$cache/passt" && find lib -type f | paste -sd' ')"
echo "fetch: cache ready in $cache"
