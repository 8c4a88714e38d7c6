#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with Clang and runs each for a bounded time (docs/fuzzing.md).
#   cmake/run-fuzzers.sh SECONDS_PER_TARGET [BUILD_DIR] [TARGET...]
# BUILD_DIR defaults to build-fuzzers. TARGETs are names without the fuzz_ prefix (default: all).
# The corpus grows in BUILD_DIR/fuzz/corpus/<target> across runs (seeded each run from data/ and
# docs/formats/); crash, timeout and out-of-memory inputs are kept in BUILD_DIR/fuzz/artifacts/<target>/,
# logs in BUILD_DIR/fuzz/logs/. Exits 1 when any target found a problem, 2 on bad usage.
# Environment: JOBS (build parallelism, default 2), NICE (prefix for each run, default "nice -n 10"),
# FUZZ_SEED (libFuzzer's -seed; unset: a new random seed each run; CI sets one so its runs repeat).
set -eu

usage() {
  echo "usage: $0 SECONDS_PER_TARGET [BUILD_DIR] [TARGET...]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
secs=$1
case $secs in '' | *[!0-9]*) usage ;; esac
[ "$secs" -ge 1 ] || usage
shift
build=build-fuzzers
if [ $# -ge 1 ]; then
  build=$1
  shift
fi
all="cluster_json model_json job_json trace_csv trace_json profile_json perf_table measurements_csv cli_args observations state_json prices_json"
targets=${*:-$all}
src=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-2}
nice_cmd=${NICE:-nice -n 10}

command -v clang++ >/dev/null || { echo "run-fuzzers: clang++ not found (Debian: apt-get install clang)" >&2; exit 2; }
CC=clang CXX=clang++ cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCELLSCHED_BUILD_FUZZERS=ON \
  -DCELLSCHED_BUILD_TESTS=OFF -DCELLSCHED_BUILD_EXAMPLES=OFF -DCELLSCHED_INSTALL=OFF -DCELLSCHED_ENABLE_CUDA=OFF \
  -DCELLSCHED_WITH_CBC=OFF >/dev/null
build_targets=fuzz_seeds
for t in $targets; do build_targets="$build_targets fuzz_$t"; done
# shellcheck disable=SC2086  # word splitting of the target list is intended
cmake --build "$build" -j "$jobs" --target $build_targets >/dev/null

out=$build/fuzz
seeds=$build/tests/fuzz/seeds
status=0
summary=""
for t in $targets; do
  corpus=$out/corpus/$t
  art=$out/artifacts/$t
  log=$out/logs/$t.log
  mkdir -p "$corpus" "$art" "$out/logs" "$seeds/$t"
  case $t in cli_args) max_len=1024 ;; *) max_len=4096 ;; esac
  opts=
  [ -n "${FUZZ_SEED:-}" ] && opts="-seed=$FUZZ_SEED"
  [ -f "$src/tests/fuzz/dict/$t.dict" ] && opts="$opts -dict=$src/tests/fuzz/dict/$t.dict"
  echo "fuzz_$t: ${secs} s ..." >&2
  rc=0
  # shellcheck disable=SC2086  # $nice_cmd and $opts may be empty or several words
  $nice_cmd "$build/bin/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
    -max_len="$max_len" $opts -artifact_prefix="$art/" -print_final_stats=1 "$corpus" "$seeds/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | sed 's/ft: //')
  corp=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | sed 's/corp: //')
  found=$(find "$art" -type f | wc -l | tr -d ' ')
  verdict=ok
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    verdict="FAILED (exit $rc, $found artifact(s) in $art; log $log)"
    status=1
  fi
  summary="$summary$(printf '%-22s %5s s %10s execs %6s exec/s  cov %5s  ft %6s  corpus %6s  %s' "fuzz_$t" "$secs" \
    "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$verdict")
"
done
printf '%s' "$summary"
exit "$status"
