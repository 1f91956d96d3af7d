#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs each libFuzzer binary given (make fuzz passes build/fuzz/bin/fuzz_*)
# for FUZZ_SECONDS seconds (default 20), FUZZ_JOBS of them at a time (default:
# one per CPU), and prints one line per fuzzer: runs, executions per second,
# corpus size. Exits 1 if any fuzzer crashed, hung, leaked or tripped a
# sanitizer; the input that did it is kept for replay.
#
#   FUZZ_SECONDS=300 make fuzz
#   bash scripts/run-fuzzers.sh build/fuzz/bin/fuzz_virtqueue
#   build/fuzz/bin/fuzz_virtqueue build/fuzz/artifacts/fuzz_virtqueue/crash-...   # replay
#
# Each fuzzer keeps its corpus in build/fuzz/corpus/NAME (grown run after run)
# and also reads seeds from tests/fuzz/corpus/NAME when that folder exists: the
# minimized corpus of the last long campaign (docs/fuzzing.md). libFuzzer only
# ever writes into its first corpus folder, so the committed one stays untouched.
# Logs: build/fuzz/logs/NAME.log; crash inputs: build/fuzz/artifacts/NAME/.
set -u
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
out=build/fuzz

if [ $# -eq 0 ]; then
	echo "usage: [FUZZ_SECONDS=N] [FUZZ_JOBS=N] $0 FUZZER..." >&2
	exit 2
fi
case $seconds in '' | *[!0-9]*)
	echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, got \"$seconds\"" >&2
	exit 2
	;;
esac
mkdir -p "$out/logs"

# A crash is any nonzero exit: libFuzzer stops at the first sanitizer report
# (UBSan is built not to recover), failed harness check, leak or timeout.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
	local bin=$1 name seeds=()
	name=$(basename "$bin")
	mkdir -p "$out/corpus/$name" "$out/artifacts/$name"
	[ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$name/" "$out/corpus/$name" "${seeds[@]}" \
		>"$out/logs/$name.log" 2>&1
	echo $? >"$out/logs/$name.rc"
}

for bin in "$@"; do
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin: no such fuzzer (build it with make fuzz-build)" >&2
		exit 2
	fi
	rm -f "$out/logs/$(basename "$bin").rc"
done

echo "fuzz: $# fuzzers, ${seconds}s each, $jobs at a time"
running=0
for bin in "$@"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$bin" &
	running=$((running + 1))
done
wait

status=0
for bin in "$@"; do
	name=$(basename "$bin")
	log=$out/logs/$name.log
	rc=$(cat "$out/logs/$name.rc" 2>/dev/null || echo "?")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	corpus=$(find "$out/corpus/$name" -type f | wc -l)
	if [ "$rc" = 0 ]; then
		printf 'fuzz: %-22s ok: %s runs, %s exec/s, corpus %s\n' "$name" "${runs:-?}" \
			"${speed:-?}" "$corpus"
	else
		status=1
		printf 'fuzz: %-22s FAILED (exit %s) after %s runs; log %s\n' "$name" "$rc" \
			"${runs:-?}" "$log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*check failed)' "$log" | head -n 5 |
			sed 's/^/    /'
		ls -t "$out/artifacts/$name" 2>/dev/null | head -n 3 |
			sed "s|^|    replay: $bin $out/artifacts/$name/|"
	fi
done
exit "$status"
