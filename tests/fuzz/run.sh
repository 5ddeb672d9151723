#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each one, one after the
# other, for SECONDS_PER_TARGET seconds (default 30) on a scratch copy of its seed corpus
# in tests/fuzz/corpus/ (the tree's corpus is never modified).
#   tests/fuzz/run.sh [SECONDS_PER_TARGET]
# Build directory: $DOWNLINE_FUZZ_BUILD_DIR, default <repo>/build-fuzz. Crash, leak and
# timeout inputs are written to a scratch directory whose path is printed; the run exits
# non-zero when any target fails.
set -euo pipefail

seconds=${1:-30}
if [[ ! $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS_PER_TARGET]  (a positive whole number; got '$seconds')" >&2
  exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${DOWNLINE_FUZZ_BUILD_DIR:-$repo/build-fuzz}
targets=(fuzz_participants_csv fuzz_orders_csv fuzz_network)

say() { printf '[fuzz] %s\n' "$*" >&2; }

say "configuring $build"
CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDOWNLINE_FUZZ=ON -DDOWNLINE_WERROR=ON -DDOWNLINE_BUILD_TESTS=OFF \
  -DDOWNLINE_BUILD_BENCHMARKS=OFF -DDOWNLINE_BUILD_CLI=OFF -DDOWNLINE_INSTALL=OFF >/dev/null
say "building ${targets[*]}"
cmake --build "$build" --parallel 2 --target "${targets[@]}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/downline-fuzz.XXXXXX")
say "scratch directory (corpus copies, logs, crash artifacts): $scratch"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()
total_execs=0
total_seconds=0
for t in "${targets[@]}"; do
  work=$scratch/$t
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -R "$here/corpus/$t/." "$work/corpus/"
  say "$t: ${seconds} s"
  start=$SECONDS
  status=0
  "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" \
    >"$work/log" 2>&1 || status=$?
  elapsed=$((SECONDS - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$work/log" | tail -n 1)
  if [[ $status -ne 0 || -z $execs ]] || compgen -G "$work/artifacts/*" >/dev/null; then
    failed+=("$t")
    say "$t FAILED (exit status $status); log: $work/log"
    tail -n 60 "$work/log" >&2
    for a in "$work"/artifacts/*; do
      [[ -e $a ]] && say "$t: artifact $a"
    done
  fi
  summary+=("fuzz: $t ${execs:-?} executions in $elapsed s")
  total_execs=$((total_execs + ${execs:-0}))
  total_seconds=$((total_seconds + elapsed))
done

for line in "${summary[@]}"; do echo "$line"; done
echo "fuzz: total $total_execs executions in $total_seconds s"
if ((${#failed[@]})); then
  say "failed: ${failed[*]} (artifacts and logs under $scratch)"
  exit 1
fi
rm -rf "$scratch"
