#!/usr/bin/env bash
# Compile time of cellsched's headers: the umbrella header and each area's main header, each in a
# translation unit of its own, against the dependencies alone (nlohmann/json + Eigen/Dense). Prints the
# median CPU time (user + sys, so other jobs on the machine matter less than for wall time) of several
# runs and the ratio to the dependencies, and writes the figures as JSON. Never fails on time.
# With GCC it also prints the compiler's own memory (the GGC total of -ftime-report, one extra compile):
# it follows the work done and, unlike CPU time on a shared virtual machine (run-to-run spread of
# 10-30 % here), gives the same figure on every run, so small changes can be compared.
#
# usage: bench/compile_times.sh [--runs N] [--out FILE.json] [--cxx COMPILER] [--flags "FLAGS"]
# defaults: 5 runs, compile_times.json in the current directory, $CXX or g++, -std=c++20 -O2.
set -euo pipefail

runs=5
out=compile_times.json
cxx=${CXX:-g++}
flags="-std=c++20 -O2"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cxx) cxx=$2; shift 2 ;;
    --flags) flags=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "compile_times.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
eigen=$(pkg-config --cflags-only-I eigen3 2>/dev/null | sed 's/-I//g' | awk '{print $1}')
eigen=${eigen:-/usr/include/eigen3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name|includes (';'-separated)
cases=(
  "dependencies: nlohmann/json + Eigen/Dense|nlohmann/json.hpp;Eigen/Dense"
  "umbrella cellsched/cellsched.hpp|cellsched/cellsched.hpp"
  "hardware/cluster.hpp|cellsched/hardware/cluster.hpp"
  "model/zoo.hpp|cellsched/model/zoo.hpp"
  "cell/enumerate.hpp|cellsched/cell/enumerate.hpp"
  "estimate/analytic_estimator.hpp|cellsched/estimate/analytic_estimator.hpp"
  "search/best_plan_table.hpp|cellsched/search/best_plan_table.hpp"
  "schedule/crius.hpp|cellsched/schedule/crius.hpp"
  "io/file_kind.hpp|cellsched/io/file_kind.hpp"
  "sim/simulator.hpp|cellsched/sim/simulator.hpp"
)

ggc_mb() {  # GCC only: the GGC memory total of -ftime-report in MB; empty for other compilers
  local tu=$1 total
  total=$("$cxx" $flags -I"$root/include" -isystem "$eigen" -c "$tu" -o "$work/tu.o" -ftime-report 2>&1 |
    awk '$1 == "TOTAL" {print $NF}') || true
  case "$total" in
    *k) awk -v v="${total%k}" 'BEGIN {printf "%.0f\n", v / 1024}' ;;
    *M) echo "${total%M}" ;;
    *G) awk -v v="${total%G}" 'BEGIN {printf "%.0f\n", v * 1024}' ;;
    *[0-9]) awk -v v="$total" 'BEGIN {printf "%.0f\n", v / 1048576}' ;;  # bytes, no unit
    *) echo "" ;;
  esac
}

cpu_seconds() {  # one compile; prints user + sys seconds
  local tu=$1
  /usr/bin/time -f "%U %S" -o "$work/time" \
    "$cxx" $flags -I"$root/include" -isystem "$eigen" -c "$tu" -o "$work/tu.o"
  awk '{printf "%.3f\n", $1 + $2}' "$work/time"
}

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

printf '%s %s, %d runs each, median CPU seconds (user + sys); with GCC, its memory (GGC total)\n' "$cxx" "$flags" "$runs"
json_rows=()
base=""
base_mb=""
i=0
for c in "${cases[@]}"; do
  name=${c%%|*}
  incs=${c#*|}
  tu="$work/tu$i.cpp"
  : > "$tu"
  IFS=';' read -ra list <<< "$incs"
  for h in "${list[@]}"; do echo "#include <$h>" >> "$tu"; done
  samples=()
  for ((r = 0; r < runs; ++r)); do samples+=("$(cpu_seconds "$tu")"); done
  med=$(printf '%s\n' "${samples[@]}" | median)
  [[ -z "$base" ]] && base=$med
  ratio=$(awk -v a="$med" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
  mb=$(ggc_mb "$tu")
  mem_text="" mem_json=""
  if [[ -n "$mb" ]]; then
    [[ -z "$base_mb" ]] && base_mb=$mb
    mb_ratio=$(awk -v a="$mb" -v b="$base_mb" 'BEGIN {printf "%.2f", a / b}')
    mem_text=$(printf '  %6d MB  %5.2fx' "$mb" "$mb_ratio")
    mem_json=", \"gcc_memory_mb\": $mb, \"memory_ratio_to_dependencies\": $mb_ratio"
  fi
  printf '  %-48s %7.2f s  %5.2fx%s\n' "$name" "$med" "$ratio" "$mem_text"
  json_rows+=("    {\"translation_unit\": \"$name\", \"includes\": \"$incs\", \"cpu_s_median\": $med, \"ratio_to_dependencies\": $ratio, \"cpu_s_runs\": [$(IFS=,; echo "${samples[*]}")]$mem_json}")
  i=$((i + 1))
done

{
  echo "{"
  echo "  \"compiler\": \"$("$cxx" --version | head -1 | sed 's/"/\\"/g')\","
  echo "  \"flags\": \"$flags\","
  echo "  \"runs\": $runs,"
  echo "  \"measure\": \"median CPU seconds (user + sys) to compile a translation unit that only includes the header\","
  echo "  \"results\": ["
  for ((k = 0; k < ${#json_rows[@]}; ++k)); do
    sep=","; [[ $k -eq $((${#json_rows[@]} - 1)) ]] && sep=""
    echo "${json_rows[$k]}$sep"
  done
  echo "  ]"
  echo "}"
} > "$out"
echo "wrote $out"
