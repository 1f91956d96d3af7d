#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fails when a C file differs from .clang-format or lacks an SPDX header.
set -u
cd "$(dirname "$0")/.."
status=0
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h')
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	if ! head -n 2 "$f" | grep -q 'SPDX-License-Identifier'; then
		echo "format: $f: missing SPDX-License-Identifier header"
		status=1
	fi
	if ! clang-format --style=file "$f" | cmp -s - "$f"; then
		echo "format: $f differs from .clang-format (run: clang-format -i $f)"
		status=1
	fi
done
[ "$status" -eq 0 ] && echo "format: ${#files[@]} files clean"
exit "$status"
