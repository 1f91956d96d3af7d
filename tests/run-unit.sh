#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the cmocka unit test programs given as arguments and sums up their
# results in one closing line.
set -u
passed=0 failed=0
for test in "$@"; do
	out=$("$test" 2>&1)
	rc=$?
	echo "$out" | grep -E '^\[  (FAILED|  ERROR)' | sed "s|^|$(basename "$test"): |"
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		echo "$(basename "$test"): exited with status $rc"
		echo "$out" | tail -n 20
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
