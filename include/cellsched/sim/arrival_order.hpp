#pragma once
// The order in which the simulator reads a trace's jobs into arrival rounds.
// * `time`: sorted by submission time (stable, so equal times keep the file's order);
// * `file`: the rows as given, as the reference simulator reads a CSV trace (GitHub sjtu-epcc/arena,
//   trace_manager.py): rows are batched into rounds in file order, and a row whose submission time is
//   earlier than the round being built joins that round instead of an earlier one.
// On a trace already sorted by time both orders give the same rounds.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "cellsched/cell/job.hpp"

namespace cellsched::sim {

enum class trace_order { time, file };

[[nodiscard]] inline const char* to_string(trace_order o) noexcept { return o == trace_order::file ? "file" : "time"; }

/// "file" or "time"; throws std::invalid_argument otherwise.
[[nodiscard]] inline trace_order parse_trace_order(const std::string& s) {
  if (s == "file") return trace_order::file;
  if (s == "time") return trace_order::time;
  throw std::invalid_argument("trace order must be file or time, got '" + s + "'");
}

/// Puts `trace` in the order its jobs are read (`file` leaves it as given).
inline void order_trace(std::vector<job>& trace, trace_order o) {
  if (o == trace_order::time)
    std::stable_sort(trace.begin(), trace.end(),
                     [](const job& a, const job& b) { return a.submit_time_s < b.submit_time_s; });
}

/// Round index of each job of `trace`, in the order given, as the reference's trace manager batches
/// them: the window starts at the first job's time and advances by `round_s` until it covers the job;
/// a job earlier than the current window joins it (file order), so indices never decrease.
[[nodiscard]] inline std::vector<int> arrival_rounds(const std::vector<job>& trace, double round_s) {
  std::vector<int> out;
  out.reserve(trace.size());
  if (trace.empty()) return out;
  double window = trace.front().submit_time_s;
  int k = 0;
  for (const auto& j : trace) {
    while (window + round_s < j.submit_time_s) {
      window += round_s;
      ++k;
    }
    out.push_back(k);
  }
  return out;
}

}  // namespace cellsched::sim
