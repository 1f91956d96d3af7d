#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Unpacks Debian's arm64 libfdt, json-c and libseccomp (headers and static libraries)
# into a private sysroot so the aarch64 svmm links statically against them.
set -euo pipefail
sysroot=${1:?usage: arm64-sysroot.sh DIR}
pkgs=(libfdt-dev:arm64 libfdt1:arm64 libjson-c-dev:arm64 libjson-c5:arm64
      libseccomp-dev:arm64 libseccomp2:arm64)

download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
if ! (cd "$download" && apt-get download -q -o APT::Sandbox::User=root "${pkgs[@]}" >/dev/null); then
	echo "arm64-sysroot: apt-get download ${pkgs[*]} failed (is arm64 enabled? run scripts/install-deps.sh)" >&2
	exit 1
fi
mkdir -p "$sysroot"
for deb in "$download"/*.deb; do
	dpkg-deb -x "$deb" "$sysroot"
done
touch "$sysroot/.done"
