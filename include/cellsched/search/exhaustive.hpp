#pragma once
// The reference search: every plan of a Cell's space (search/options.hpp) is estimated, nothing pruned.
// It is the oracle the pruned search (search/cell_search.hpp) is tested against, and the baseline the
// benchmark compares it with.
#include <cstddef>
#include <cstdint>
#include <string>
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

template <estimator E>
[[nodiscard]] cell_search_result search_cell_exhaustive(const E& est, const model& m, const cell& c,
                                                        std::int64_t global_batch, const search_options& o = {}) {
  cell_search_result best;
  best.where = c;
  bool any_fit = false;
  const std::string error = for_each_plan_class(m, c, global_batch, o, [&](const plan_class& pc) {
    ++best.stats.classes;
    bool any_dp = false;
    for (std::size_t s = 0; s < pc.stage_gpus.size(); ++s) any_dp = any_dp || pc.dp(s) > 1;
    const std::vector<plan_variant> vs = variants_for(o, c.stages, any_dp);
    best.stats.plans += static_cast<std::int64_t>(vs.size());
    const balanced_plan bp = balance_layers(est, m, c, pc, global_batch, o.balance_rounds);
    best.stats.estimator_calls += bp.estimator_calls;
    if (!bp.base) {
      ++best.stats.unsplittable;
      return;
    }
    for (const plan_variant& v : vs) {
      plan p = *bp.base;
      apply_variant(p, v);
      estimate_result r = est.estimate(m, c, p);
      ++best.stats.estimator_calls;
      any_fit = any_fit || r.fits;
      search_detail::offer(best, p, std::move(r));
    }
  });
  if (!best.feasible) best.reason = error.empty() ? search_detail::no_plan_reason(best.stats, any_fit) : error;
  return best;
}

}  // namespace cellsched
