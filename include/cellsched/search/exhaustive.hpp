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
#include "cellsched/search/class_start.hpp"
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
    const class_start cs = start_class(est, m, c, pc, global_batch, o, best.stats);
    if (!cs.balanced.base) return;
    const std::vector<plan_variant>& vs = cs.variants;
    const balanced_plan& bp = cs.balanced;
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
