#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-compiles the given sources (core/, arch/, dev/) for aarch64 with
# -ffreestanding, links them with core/string.c and Debian's arm64 libfdt
# into one relocatable object, and fails if anything is left undefined:
# proof that these layers need neither libc nor Linux, as on seL4.
set -euo pipefail
cd "$(dirname "$0")/.."
cc=aarch64-linux-gnu-gcc
sysroot=build/sysroot-aarch64
out=build/freestanding
[ -f "$sysroot/.done" ] || bash scripts/arm64-sysroot.sh "$sysroot"
rm -rf "$out" && mkdir -p "$out/fdt"

# Only freestanding headers (<stdint.h>, <stddef.h>, <stdbool.h>, <stdarg.h>)
# and libfdt's may be reached: -nostdinc plus the compiler's own include dir.
gcc_include=$($cc -print-file-name=include)
flags=(-std=c11 -ffreestanding -fno-builtin -fno-stack-protector -nostdinc
       -isystem "$gcc_include" -Wall -Wextra -Werror -I. -I build/freestanding/include)
# libfdt's headers want <string.h>, <stdlib.h> and <limits.h>: give them ours.
mkdir -p "$out/include"
cp "$sysroot/usr/include/libfdt.h" "$sysroot/usr/include/libfdt_env.h" "$sysroot/usr/include/fdt.h" "$out/include/"
printf '#include "core/string.h"\nvoid *memchr(const void *, int, size_t);\nsize_t strnlen(const char *, size_t);\nchar *strchr(const char *, int);\nchar *strrchr(const char *, int);\n' > "$out/include/string.h"
printf 'unsigned long strtoul(const char *, char **, int);\n' > "$out/include/stdlib.h"
# GCC's own <limits.h> chains to libc's with include_next; the compiler's
# predefined macros are all libfdt needs.
printf '#define CHAR_BIT __CHAR_BIT__\n#define INT_MAX __INT_MAX__\n#define UINT_MAX (__INT_MAX__ * 2U + 1U)\n#define LONG_MAX __LONG_MAX__\n#define ULONG_MAX (__LONG_MAX__ * 2UL + 1UL)\n' > "$out/include/limits.h"

objects=()
for src in "$@" core/string.c; do
	obj="$out/$(echo "$src" | tr / _).o"
	$cc "${flags[@]}" -c "$src" -o "$obj"
	objects+=("$obj")
done
(cd "$out/fdt" && aarch64-linux-gnu-ar x "$OLDPWD/$sysroot/usr/lib/aarch64-linux-gnu/libfdt.a")
aarch64-linux-gnu-ld -r -o "$out/svmm-freestanding.o" "${objects[@]}" "$out"/fdt/*.o
undefined=$(aarch64-linux-gnu-nm -u "$out/svmm-freestanding.o" | awk '{print $2}')
if [ -n "$undefined" ]; then
	echo "freestanding: core/arch/dev need symbols nobody provides without libc:"
	echo "$undefined" | sed 's/^/  /'
	exit 1
fi
echo "freestanding: ${#objects[@]} objects + libfdt link for aarch64 with no libc"
