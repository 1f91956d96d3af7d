#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs, from Debian's archive only, everything svmm needs to build and test:
# the host toolchain and libraries, the aarch64 cross toolchain and arm64 libfdt,
# QEMU for the emulated arm64 test lab, clang for fuzzing, and Frama-C with
# its provers for `make prove`.
set -euo pipefail

# frama-c-base, why3, z3, cvc4: `make prove` (Frama-C WP and the SMT provers
# Debian's why3 1.5.1 detects; it does not know cvc5 1.0).
# libclang-rt-dev: libFuzzer and the sanitizer runtimes for `make fuzz` (clang
# only recommends it, and recommends are not installed here).
# libasan8-arm64-cross, libubsan1-arm64-cross: the arm64 sanitizer runtimes of
# `make check-sanitize` (run.sh copies them into the lab host).
# e2fsprogs: the lab host's ext4 scratch disk (mkfs.ext4), for O_DIRECT.
host_pkgs=(build-essential pkg-config clang clang-format libclang-rt-dev libfdt-dev e2fsprogs
           libjson-c-dev libseccomp-dev libcmocka-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross
           libasan8-arm64-cross libubsan1-arm64-cross
           qemu-system-arm cpio gzip xz-utils python3 device-tree-compiler
           frama-c-base why3 z3 cvc4)

missing=()
for pkg in "${host_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	need_update=1
fi

if [ "${#missing[@]}" -gt 0 ] || [ -n "${need_update:-}" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "install-deps: installing ${missing[*]}"
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
fi
