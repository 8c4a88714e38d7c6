#pragma once
// The stage layer split of a shape class (GPU split + per-stage shapes), balanced by estimated stage
// time (docs/plan-search.md), not layer count. One split serves every micro-batch count of the shape class.
//
// 1. Each layer gets a work weight w_l = forward FLOPs + 100 x memory-bound bytes per sample (100 FLOP/byte
//    is roughly the ridge point of current GPUs, so bandwidth-bound work counts in time-equivalent
//    FLOPs). On stage s it costs w_l / n_s: min_max_split gives the FLOP-balanced split.
// 2. The estimator times that plan (1F1B, no recomputation, no ZeRO-1) at a representative micro-batch
//    count (the smallest allowed m >= 2S, where the pipeline is mostly full; else the largest allowed).
//    Stage s's per-micro-batch time t_s = fwd_s + bwd_s over its weight gives a rate r_s (seconds per
//    unit of weight on that stage: GEMM efficiency, TP communication, overheads and, in heterogeneous
//    Cells, the GPU type). Layers then cost r_s w_l / n_s and the split is recomputed; repeated
//    `balance_rounds` times or until the split stops changing.
// A layer that does not allow the stage's tp (layer_allows_tp) costs +infinity there, so the split never
// puts it there.
// The result is a deterministic function of (Cell, shape class, G); both searches call this function.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <utility>
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

/// The plan with the shape class's GPU split and shapes, `num_micro_batches` micro-batches, the base
/// variant (1F1B, no recomputation, no ZeRO-1) and the given stage ends.
[[nodiscard]] inline plan plan_for(const shape_class& sc, std::int64_t global_batch, std::int64_t num_micro_batches,
                                   const std::vector<int>& ends) {
  plan p;
  p.num_micro_batches = num_micro_batches;
  p.micro_batch_samples = global_batch / num_micro_batches;
  int first = 0;
  for (std::size_t s = 0; s < sc.stage_gpus.size(); ++s) {
    stage_plan st;
    st.first_layer = first;
    st.end_layer = ends[s];
    st.tp = sc.stage_tp[s];
    st.dp = sc.stage_gpus[s] / sc.stage_tp[s];
    first = ends[s];
    p.stages.push_back(st);
  }
  return p;
}

/// The micro-batch count the split is balanced at (see the header comment).
[[nodiscard]] inline std::int64_t balance_micro_batches(const shape_class& sc) {
  const auto stages = static_cast<std::int64_t>(sc.stage_gpus.size());
  for (std::int64_t m : sc.micro_batch_counts)
    if (m >= 2 * stages) return m;
  return sc.micro_batch_counts.back();
}

struct balanced_split {
  std::vector<int> end_layer;               ///< empty when no split respects every layer's max_tp
  std::int64_t micro_batches = 1;           ///< the count it was balanced at
  std::optional<estimate_result> estimate;  ///< the base plan at `micro_batches` with this split, if timed
  std::int64_t estimator_calls = 0;
};

/// FLOP-balanced splits already computed for one model, keyed by stage GPU counts and which layers each
/// stage's tp forbids: shape classes that differ only in tp usually share them. Holds no estimator
/// results, so it can be reused across Cells of the same model.
struct split_cache {
  std::map<std::pair<std::vector<int>, std::vector<char>>, std::vector<int>> flop_splits;
};

/// Precondition: sc.micro_batch_counts is not empty. `cache` (optional) must only ever see one model.
template <estimator E>
[[nodiscard]] balanced_split balance_layers(const E& est, const model& m, const cell& c, const shape_class& sc,
                                            std::int64_t global_batch, int rounds, split_cache* cache = nullptr) {
  balanced_split out;
  out.micro_batches = balance_micro_batches(sc);
  const std::size_t stages = sc.stage_gpus.size();
  const int layers = m.num_layers();
  std::vector<double> w(static_cast<std::size_t>(layers));
  for (int l = 0; l < layers; ++l)
    w[static_cast<std::size_t>(l)] = layer_work_weight(m.layers[static_cast<std::size_t>(l)]);
  std::vector<double> rate(stages);
  for (std::size_t s = 0; s < stages; ++s) rate[s] = 1.0 / sc.stage_gpus[s];
  std::vector<std::vector<double>> cost(stages, std::vector<double>(static_cast<std::size_t>(layers)));
  const auto fill_costs = [&] {
    for (std::size_t s = 0; s < stages; ++s)
      for (int l = 0; l < layers; ++l)
        cost[s][static_cast<std::size_t>(l)] = layer_allows_tp(m.layers[static_cast<std::size_t>(l)], sc.stage_tp[s])
                                                   ? rate[s] * w[static_cast<std::size_t>(l)]
                                                   : std::numeric_limits<double>::infinity();
  };
  fill_costs();
  if (cache) {
    std::pair<std::vector<int>, std::vector<char>> key{sc.stage_gpus, {}};
    for (const auto& row : cost)
      for (const double x : row) key.second.push_back(std::isfinite(x) ? 0 : 1);
    auto it = cache->flop_splits.find(key);
    if (it == cache->flop_splits.end())
      it = cache->flop_splits.emplace(std::move(key), min_max_split(cost, layers).end_layer).first;
    out.end_layer = it->second;
  } else {
    out.end_layer = min_max_split(cost, layers).end_layer;
  }
  if (out.end_layer.empty() || stages == 1) return out;  // nothing to balance
  for (int round = 0; round < rounds; ++round) {
    const plan p = plan_for(sc, global_batch, out.micro_batches, out.end_layer);
    estimate_result r = est.estimate(m, c, p);
    ++out.estimator_calls;
    bool usable = r.infeasible_reason.empty() && r.stages.size() == stages;
    for (std::size_t s = 0; s < stages && usable; ++s) {
      double weight = 0.0;
      for (int l = p.stages[s].first_layer; l < p.stages[s].end_layer; ++l) weight += w[static_cast<std::size_t>(l)];
      const double t = r.stages[s].fwd_s + r.stages[s].bwd_s;
      usable = std::isfinite(t) && t > 0.0 && weight > 0.0;
      if (usable) rate[s] = t / weight;
    }
    if (usable) {
      fill_costs();
      std::vector<int> next = min_max_split(cost, layers).end_layer;
      usable = next != out.end_layer;
      if (usable) out.end_layer = std::move(next);
    }
    if (!usable) {  // the split is final and r is its estimate
      out.estimate = std::move(r);
      return out;
    }
  }
  return out;
}

}  // namespace cellsched
