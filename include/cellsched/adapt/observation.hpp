#pragma once
// What a host reports from a running job: the Cell it ran in (GPU type, count, node layout, pipeline
// stages), the plan, and the measured seconds per iteration at a time; optionally the split into compute
// and communication. Observations are the input of the closed loop (adapt/online_oracle.hpp): they
// correct the estimates of the Cell observed and of similar Cells. Files: io/observation_io.hpp
// (docs/closed-loop.md).
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "cellsched/cell/cell.hpp"
#include "cellsched/cell/job.hpp"

namespace cellsched {

struct observation {
  std::string job_id;
  std::string model;             ///< the job's model name
  std::int64_t global_batch = 0;
  std::string gpu_type;          ///< canonical name
  node_layout layout;            ///< GPUs per node, largest first
  int stages = 0;                ///< pipeline stages, 0 when unknown
  std::string plan;              ///< the plan it ran with (free text, e.g. plan_summary), may be empty
  double iter_time_s = 0.0;      ///< measured seconds per iteration of the global batch, > 0 unless failed
  bool failed = false;           ///< the job could not run in this Cell (out of memory, crashed at start)
  double time_s = 0.0;           ///< when it was measured (the host's clock, seconds)
  std::optional<double> compute_s;  ///< of iter_time_s, when the host splits it
  std::optional<double> comm_s;

  [[nodiscard]] int num_gpus() const noexcept {
    int n = 0;
    for (int g : layout) n += g;
    return n;
  }
};

/// The key the closed loop learns by: a job's model and batch on a GPU type and node layout (the key a
/// perf_oracle answers by).
struct cell_key {
  std::string model;
  std::int64_t global_batch = 0;
  std::string gpu_type;
  node_layout layout;  ///< sorted, largest first
  friend bool operator<(const cell_key& a, const cell_key& b) {
    return std::tie(a.model, a.global_batch, a.gpu_type, a.layout) <
           std::tie(b.model, b.global_batch, b.gpu_type, b.layout);
  }
  friend bool operator==(const cell_key&, const cell_key&) = default;
};

/// The family of a model name: the part before "__" (the reference's "bert__2.6B") or before the last
/// '-' ("gpt3-350m" -> "gpt3"); the whole name otherwise.
[[nodiscard]] inline std::string model_family(const std::string& model) {
  if (const auto p = model.find("__"); p != std::string::npos && p > 0) return model.substr(0, p);
  if (const auto p = model.rfind('-'); p != std::string::npos && p > 0) return model.substr(0, p);
  return model;
}

}  // namespace cellsched
