#pragma once
// The first steps both searches take for every plan class: list its variants, balance its layer split,
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

struct class_start {
  std::vector<plan_variant> variants;
  balanced_plan balanced;  ///< balanced.base is empty when no layer split respects max_tp
};

template <estimator E>
[[nodiscard]] class_start start_class(const E& est, const model& m, const cell& c, const plan_class& pc,
                                      std::int64_t global_batch, const search_options& o, search_stats& stats) {
  class_start out;
  ++stats.classes;
  bool any_dp = false;
  for (std::size_t s = 0; s < pc.stage_gpus.size(); ++s) any_dp = any_dp || pc.dp(s) > 1;
  out.variants = variants_for(o, c.stages, any_dp);
  stats.plans += static_cast<std::int64_t>(out.variants.size());
  out.balanced = balance_layers(est, m, c, pc, global_batch, o.balance_rounds);
  stats.estimator_calls += out.balanced.estimator_calls;
  if (!out.balanced.base) ++stats.unsplittable;
  return out;
}

}  // namespace cellsched
