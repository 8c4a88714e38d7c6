#pragma once
// The performance oracle the policies and the simulator ask: "how long is one iteration of job J on
// (GPU type, node layout)?". Our best-plan table models it, and so does a host-provided measured table
// (e.g. the reference artifact's profile database).
#include <concepts>
#include <optional>
#include <string>

#include "cellsched/cell/cell.hpp"
#include "cellsched/cell/job.hpp"

namespace cellsched {

struct perf_answer {
  bool feasible = false;
  double iter_time_s = 0.0;        ///< seconds per iteration of the global batch; > 0 when feasible
  std::optional<plan> best_plan;   ///< the plan behind the time, when the oracle knows it
  int stages = 0;                  ///< pipeline stages of the best Cell, 0 when unknown
  /// False when plain data parallelism would not fit in memory (used by baselines that, like the
  /// reference artifact's, admit jobs on data-parallel memory); true when unknown.
  bool dp_memory_ok = true;
  std::string reason;              ///< why not feasible
  /// The oracle's own throughput figure (samples/s) when it keeps one that is not exactly
  /// batch / iter_time_s (the reference table rounds throughput and derives the time from it);
  /// 0 = derive it from iter_time_s.
  double samples_per_s = 0.0;
  /// Throughput as the reference artifact's data-parallel lookup reads it, when the oracle keeps one that
  /// differs: the table entry it found, without the locality and model-size factors that its best-plan
  /// lookup applies (reference_table.hpp); 0 = the same as throughput_samples_per_s().
  double dp_samples_per_s = 0.0;
  /// Share of the iteration spent at compute power rather than waiting on communication or the pipeline
  /// bubble (estimate/energy.hpp), when the oracle knows its breakdown; 1 when it does not (energy is then
  /// an upper bound: every second at the power limit).
  double compute_share = 1.0;

  [[nodiscard]] double throughput_samples_per_s(double global_batch) const noexcept {
    if (!feasible) return 0.0;
    if (samples_per_s > 0) return samples_per_s;
    return iter_time_s > 0 ? global_batch / iter_time_s : 0.0;
  }
};

template <class O>
concept perf_oracle = requires(const O& o, const job& j, const std::string& gpu_type, const node_layout& layout) {
  { o.query(j, gpu_type, layout) } -> std::same_as<perf_answer>;
};

}  // namespace cellsched
