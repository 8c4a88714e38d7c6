#pragma once
// The GEMMs one GPU runs for one pipeline stage of a plan: what the targeted probe of a Cell measures.
// Host-only. The per-GPU dimensions are the estimator's own (estimate/compute.hpp: forward_dims and the
// two backward GEMMs), so that a measured stage and its prediction describe the same work: Megatron-LM's
// tensor parallelism splits column-parallel GEMMs along n and row-parallel ones along k, batched GEMMs
// (count > 1, e.g. attention heads) by their members, and every GPU of a stage holds
// micro_batch_samples / dp samples of a micro-batch.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/compute.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/probe/sweep.hpp"

namespace cellsched::probe {

/// Which of the three GEMMs of a linear layer: forward Y = X W, the data gradient dX = dY W^T and the
/// weight gradient dW = X^T dY. The backward pair has the forward's FLOPs with the dimensions permuted.
enum class gemm_pass { forward, backward_data, backward_weight };

[[nodiscard]] constexpr const char* to_string(gemm_pass p) noexcept {
  switch (p) {
    case gemm_pass::forward:
      return "fwd";
    case gemm_pass::backward_data:
      return "bwd_data";
    case gemm_pass::backward_weight:
      return "bwd_weight";
  }
  return "fwd";
}

/// One GEMM of a stage as one GPU runs it for one micro-batch.
struct stage_gemm {
  std::string layer;  ///< layer name
  std::string name;   ///< gemm_shape name
  gemm_pass pass = gemm_pass::forward;
  gemm_dims dims;                    ///< the estimator's dimensions (fractional where tp does not divide evenly)
  std::int64_t m = 0, n = 0, k = 0;  ///< the shape to time: dims rounded up (the largest shard bounds the stage)
  [[nodiscard]] double count() const noexcept { return dims.count; }  ///< runs per micro-batch
};

namespace detail {
[[nodiscard]] inline std::int64_t whole_dim(double d) {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(d - 1e-9)));
}
}  // namespace detail

/// Every GEMM that one GPU of stage `stage_index` runs for one micro-batch, forward and backward, in
/// layer order. Throws std::invalid_argument for a stage index or plan that does not fit the model.
[[nodiscard]] inline std::vector<stage_gemm> stage_gemm_shapes(const model& mdl, const plan& p, int stage_index) {
  if (stage_index < 0 || stage_index >= static_cast<int>(p.stages.size()))
    throw std::invalid_argument("stage index " + std::to_string(stage_index) + " outside the plan's " +
                                std::to_string(p.stages.size()) + " stages");
  const stage_plan& s = p.stages[static_cast<std::size_t>(stage_index)];
  if (s.first_layer < 0 || s.end_layer > mdl.num_layers() || s.first_layer >= s.end_layer)
    throw std::invalid_argument("stage layer range [" + std::to_string(s.first_layer) + ", " +
                                std::to_string(s.end_layer) + ") outside the model's " +
                                std::to_string(mdl.num_layers()) + " layers");
  if (s.dp < 1 || s.tp < 1 || p.micro_batch_samples < 1)
    throw std::invalid_argument("dp, tp and micro_batch_samples must be >= 1");
  if (p.micro_batch_samples % s.dp != 0)
    throw std::invalid_argument("micro_batch_samples " + std::to_string(p.micro_batch_samples) +
                                " is not a multiple of dp " + std::to_string(s.dp));
  const double samples = static_cast<double>(p.micro_batch_samples / s.dp);
  std::vector<stage_gemm> out;
  auto add = [&out](const layer& l, const gemm_shape& g, gemm_pass pass, const gemm_dims& d) {
    out.push_back({l.name, g.name, pass, d, detail::whole_dim(d.m), detail::whole_dim(d.n), detail::whole_dim(d.k)});
  };
  for (int li = s.first_layer; li < s.end_layer; ++li) {
    const layer& l = mdl.layers[static_cast<std::size_t>(li)];
    for (const gemm_shape& g : l.gemms) {
      const gemm_dims f = forward_dims(g, samples, s.tp);
      add(l, g, gemm_pass::forward, f);
      add(l, g, gemm_pass::backward_data, input_grad_dims(f));
      add(l, g, gemm_pass::backward_weight, weight_grad_dims(f));
    }
  }
  return out;
}

/// The distinct (m, n, k) of `gemms` in `type`, in first-seen order: each is timed once.
[[nodiscard]] inline std::vector<gemm_problem> distinct_problems(const std::vector<stage_gemm>& gemms, dtype type) {
  std::vector<gemm_problem> out;
  for (const auto& g : gemms) {
    const gemm_problem q{g.m, g.n, g.k, type};
    if (std::find(out.begin(), out.end(), q) == out.end()) out.push_back(q);
  }
  return out;
}

/// GEMM time of one micro-batch through the stage from per-GEMM times (same order as `gemms`):
/// sum of count x time, adding the forward GEMMs once more when activations are recomputed.
[[nodiscard]] inline double stage_gemm_time_s(const std::vector<stage_gemm>& gemms, const std::vector<double>& time_s,
                                              bool recompute) {
  if (gemms.size() != time_s.size()) throw std::invalid_argument("one time per GEMM expected");
  double t = 0.0;
  for (std::size_t i = 0; i < gemms.size(); ++i) {
    const double reps = gemms[i].pass == gemm_pass::forward && recompute ? 2.0 : 1.0;
    t += gemms[i].count() * reps * time_s[i];
  }
  return t;
}

/// The estimator's time for one run of each GEMM (compute.hpp gemm_time_s with count 1; its time is
/// linear in count), same order as `gemms`: the prediction stage_gemm_time_s aggregates like a measurement.
[[nodiscard]] inline std::vector<double> predicted_run_times_s(const std::vector<stage_gemm>& gemms, double peak_tflops,
                                                               double mem_bw_gb_per_s, double element_bytes,
                                                               const gemm_curve& curve) {
  std::vector<double> out;
  out.reserve(gemms.size());
  for (const auto& g : gemms) {
    gemm_dims one = g.dims;
    one.count = 1.0;
    out.push_back(gemm_time_s(one, peak_tflops, mem_bw_gb_per_s, element_bytes, curve));
  }
  return out;
}

}  // namespace cellsched::probe
