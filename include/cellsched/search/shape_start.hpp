#pragma once
// The first steps both searches take for every shape class: list its variants, balance its layer split,
// and count both in the statistics. Kept in one place so the pruned and the exhaustive search cannot
// drift apart in what they consider.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/search/layer_balance.hpp"
#include "cellsched/search/options.hpp"
#include "cellsched/search/plan_order.hpp"
#include "cellsched/search/plan_space.hpp"
#include "cellsched/search/search_result.hpp"

namespace cellsched {

/// The variants of a plan with these shapes: schedules, recomputation, ZeRO-1 (when some dp > 1).
[[nodiscard]] inline std::vector<plan_variant> variants_of(const shape_class& sc, const search_options& o) {
  bool any_dp = false;
  for (std::size_t s = 0; s < sc.stage_gpus.size(); ++s) any_dp = any_dp || sc.dp(s) > 1;
  return variants_for(o, static_cast<int>(sc.stage_gpus.size()), any_dp);
}

struct shape_start {
  std::vector<plan_variant> variants;
  balanced_split split;  ///< split.end_layer is empty when no layer split respects max_tp
};

/// Lists the shape class's variants, balances its layer split and counts both in the statistics.
template <estimator E>
[[nodiscard]] shape_start start_shape(const E& est, const model& m, const cell& c, const shape_class& sc,
                                      std::int64_t global_batch, const search_options& o, search_stats& stats,
                                      split_cache* cache = nullptr) {
  shape_start out;
  out.variants = variants_of(sc, o);
  const auto counts = static_cast<std::int64_t>(sc.micro_batch_counts.size());
  stats.classes += counts;
  stats.plans += counts * static_cast<std::int64_t>(out.variants.size());
  out.split = balance_layers(est, m, c, sc, global_batch, o.balance_rounds, cache);
  stats.estimator_calls += out.split.estimator_calls;
  if (out.split.end_layer.empty()) stats.unsplittable += counts;
  return out;
}

}  // namespace cellsched
