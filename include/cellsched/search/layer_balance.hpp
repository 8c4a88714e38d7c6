#pragma once
// The stage layer split of a plan class, balanced by estimated stage time (SPEC.md §4), not layer count.
//
// 1. Each layer gets a work weight w_l = forward FLOPs + 100 x memory-bound bytes per sample (100 FLOP/byte
//    is roughly the ridge point of current GPUs, so bandwidth-bound work counts in time-equivalent
//    FLOPs). On stage s it costs w_l / n_s: min_max_split gives the FLOP-balanced split.
// 2. The estimator times that plan (1F1B, no recomputation, no ZeRO-1). Stage s's measured per-micro-batch
//    time t_s = fwd_s + bwd_s over its weight gives a rate r_s (seconds per unit of weight on that stage:
//    it folds in GEMM efficiency, TP communication, overheads and, in heterogeneous Cells, the GPU type).
//    Layers then cost r_s w_l / n_s and the split is recomputed; repeated `balance_rounds` times or until
//    the split stops changing.
// A layer whose max_tp is below the stage's tp costs +infinity there, so the split never puts it there.
// The result is a deterministic function of (Cell, class); both searches call this same function.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/search/min_max_split.hpp"
#include "cellsched/search/plan_space.hpp"

namespace cellsched {

/// Work weight of a layer per sample (see the header comment).
[[nodiscard]] inline double layer_work_weight(const layer& l) noexcept {
  return l.fwd_flops_per_sample() + 100.0 * l.mem_bound_bytes_per_sample + 1.0;
}

/// A plan with the class's shapes and micro-batching, the base variant, and the given stage ends.
[[nodiscard]] inline plan plan_from_class(const plan_class& pc, std::int64_t global_batch, const std::vector<int>& ends) {
  plan p;
  p.num_micro_batches = pc.num_micro_batches;
  p.micro_batch_samples = global_batch / pc.num_micro_batches;
  int first = 0;
  for (std::size_t s = 0; s < pc.stage_gpus.size(); ++s) {
    stage_plan st;
    st.first_layer = first;
    st.end_layer = ends[s];
    st.tp = pc.stage_tp[s];
    st.dp = pc.stage_gpus[s] / pc.stage_tp[s];
    first = ends[s];
    p.stages.push_back(st);
  }
  return p;
}

struct balanced_plan {
  std::optional<plan> base;                 ///< empty when no split respects every layer's max_tp
  std::optional<estimate_result> estimate;  ///< the estimator's result for `base`, when it was computed
  std::int64_t estimator_calls = 0;
};

template <estimator E>
[[nodiscard]] balanced_plan balance_layers(const E& est, const model& m, const cell& c, const plan_class& pc,
                                           std::int64_t global_batch, int rounds) {
  balanced_plan out;
  const std::size_t stages = pc.stage_gpus.size();
  const int layers = m.num_layers();
  std::vector<double> w(static_cast<std::size_t>(layers));
  for (int l = 0; l < layers; ++l) w[static_cast<std::size_t>(l)] = layer_work_weight(m.layers[static_cast<std::size_t>(l)]);
  std::vector<double> rate(stages);
  for (std::size_t s = 0; s < stages; ++s) rate[s] = 1.0 / pc.stage_gpus[s];
  std::vector<std::vector<double>> cost(stages, std::vector<double>(static_cast<std::size_t>(layers)));
  const auto fill_costs = [&] {
    for (std::size_t s = 0; s < stages; ++s)
      for (int l = 0; l < layers; ++l)
        cost[s][static_cast<std::size_t>(l)] = pc.stage_tp[s] > std::max(1, m.layers[static_cast<std::size_t>(l)].max_tp)
                                                   ? std::numeric_limits<double>::infinity()
                                                   : rate[s] * w[static_cast<std::size_t>(l)];
  };
  fill_costs();
  layer_split split = min_max_split(cost, layers);
  if (split.end_layer.empty()) return out;
  out.base = plan_from_class(pc, global_batch, split.end_layer);
  if (stages == 1) return out;  // nothing to balance
  for (int round = 0; round < rounds; ++round) {
    estimate_result r = est.estimate(m, c, *out.base);
    ++out.estimator_calls;
    bool usable = r.infeasible_reason.empty() && r.stages.size() == stages;
    for (std::size_t s = 0; s < stages && usable; ++s) {
      const auto& st = out.base->stages[s];
      double weight = 0.0;
      for (int l = st.first_layer; l < st.end_layer; ++l) weight += w[static_cast<std::size_t>(l)];
      const double t = r.stages[s].fwd_s + r.stages[s].bwd_s;
      usable = std::isfinite(t) && t > 0.0 && weight > 0.0;
      if (usable) rate[s] = t / weight;
    }
    if (!usable) {
      out.estimate = std::move(r);
      return out;
    }
    fill_costs();
    const layer_split next = min_max_split(cost, layers);
    if (next.end_layer == split.end_layer) {
      out.estimate = std::move(r);  // the split is final and this is its estimate
      return out;
    }
    split = next;
    out.base = plan_from_class(pc, global_batch, split.end_layer);
  }
  return out;
}

}  // namespace cellsched
