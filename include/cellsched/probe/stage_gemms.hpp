#pragma once
// The GEMMs one GPU runs for one pipeline stage of a plan: what the targeted probe of a Cell measures.
// Host-only. Shapes follow Megatron-LM's tensor parallelism (Shoeybi et al. 2019, section 3): a
// column-parallel GEMM splits its output columns n across the tp ranks, a row-parallel GEMM its reduction
// dimension k; every GPU of a stage holds micro_batch_samples / dp samples of a micro-batch.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/probe/sweep.hpp"

namespace cellsched::probe {

/// Which of the three GEMMs of a linear layer: forward Y = X W, the data gradient dX = dY W^T and the
/// weight gradient dW = X^T dY. The backward pair has the forward's FLOPs with the dimensions permuted.
enum class gemm_pass { forward, backward_data, backward_weight };

[[nodiscard]] constexpr const char* to_string(gemm_pass p) noexcept {
  switch (p) {
    case gemm_pass::forward: return "fwd";
    case gemm_pass::backward_data: return "bwd_data";
    case gemm_pass::backward_weight: return "bwd_weight";
  }
  return "fwd";
}

/// One GEMM of a stage as one GPU runs it for one micro-batch, `count` times.
struct stage_gemm {
  std::string layer;   ///< layer name
  std::string name;    ///< gemm_shape name
  gemm_pass pass = gemm_pass::forward;
  std::int64_t m = 0, n = 0, k = 0;
  double count = 1.0;  ///< runs per micro-batch (gemm_shape::count)
  [[nodiscard]] double flops() const noexcept {
    return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) * count;
  }
};

namespace detail {
[[nodiscard]] constexpr std::int64_t ceil_div(std::int64_t a, std::int64_t b) noexcept { return (a + b - 1) / b; }
}  // namespace detail

/// Every GEMM that one GPU of stage `stage_index` runs for one micro-batch, forward and backward, in
/// layer order. rows = rows_per_sample x samples per replica (rounded to the nearest integer, at least 1);
/// tp divides n (column-parallel) or k (row-parallel), rounding up where it does not divide evenly (the
/// largest shard is what bounds the stage). Throws std::invalid_argument for a stage index or plan that
/// does not fit the model.
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
  for (int li = s.first_layer; li < s.end_layer; ++li) {
    const layer& l = mdl.layers[static_cast<std::size_t>(li)];
    for (const gemm_shape& g : l.gemms) {
      const auto m = std::max<std::int64_t>(1, std::llround(g.rows_per_sample * samples));
      std::int64_t n = g.n, k = g.k;
      if (g.split == tp_split::column) n = detail::ceil_div(n, s.tp);
      if (g.split == tp_split::row) k = detail::ceil_div(k, s.tp);
      out.push_back({l.name, g.name, gemm_pass::forward, m, n, k, g.count});
      out.push_back({l.name, g.name, gemm_pass::backward_data, m, k, n, g.count});
      out.push_back({l.name, g.name, gemm_pass::backward_weight, k, n, m, g.count});
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
    t += gemms[i].count * reps * time_s[i];
  }
  return t;
}

}  // namespace cellsched::probe
