#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What `make bench` runs (after building svmm; this script builds nothing): one
# boot of the lab in bench mode, where bench/lab-bench.sh does the measuring.
# Its "bench:" lines go to build/bench/results.txt. See bench/README.md.
#
# Usage: bench/run.sh [--svmm PATH]     (default build/aarch64/svmm)
# Env: BENCH_RUNS (guest boots, default 7), SVMM_LAB_BUILD (default build/bench/lab),
#      BENCH_ONLY=system (only the two-VM system boot), BENCH_ONLY=boot (that and
#      the single-VM boots, 1 and 2 vCPUs), BENCH_ONLY=net (only the network figures)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
svmm=$root/build/aarch64/svmm
case ${1:-} in
--svmm) svmm=${2:?--svmm needs a path} ;;
"") ;;
*) echo "bench/run.sh: usage: bench/run.sh [--svmm PATH]" >&2; exit 2 ;;
esac

out=$root/build/bench
# Its own lab directory: a bench run leaves the scenarios' console.log alone.
export SVMM_LAB_BUILD=${SVMM_LAB_BUILD:-$out/lab}
export BENCH_RUNS=${BENCH_RUNS:-7}
mkdir -p "$out"
status=0
bash "$root/tests/lab/run.sh" --svmm "$svmm" --bench || status=$?

# Whatever was measured is kept, even when some runs failed.
{
	echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
	tr -d '\r' <"$SVMM_LAB_BUILD/console.log" | grep '^bench: ' || true
} >"$out/results.txt"
echo "--- $out/results.txt"
cat "$out/results.txt"
exit $status
