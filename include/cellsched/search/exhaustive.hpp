#pragma once
// The reference search: every plan of a Cell's space (search/options.hpp), every mode of every shape
// class, is estimated, nothing pruned.
// It is the oracle the pruned search (search/cell_search.hpp) is tested against, and the baseline the
// benchmark compares it with.
#include <cstdint>
#include <string>
#include <utility>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/search/layer_balance.hpp"
#include "cellsched/search/options.hpp"
#include "cellsched/search/plan_order.hpp"
#include "cellsched/search/plan_space.hpp"
#include "cellsched/search/search_result.hpp"
#include "cellsched/search/shape_start.hpp"

namespace cellsched {

template <estimator E>
[[nodiscard]] cell_search_result search_cell_exhaustive(const E& est, const model& m, const cell& c,
                                                        std::int64_t global_batch, const search_options& o = {}) {
  cell_search_result best;
  best.where = c;
  bool any_fit = false;
  const std::string error = for_each_shape_class(m, c, global_batch, o, [&](const shape_class& sc) {
    const shape_start start = start_shape(est, m, c, sc, global_batch, o, best.stats);
    for (const mode_space& ms : start.modes)  // none when the class is unsplittable
      for (const std::int64_t mb : ms.micro_batch_counts)
        for (const plan_variant& v : ms.variants) {
          const plan p = mode_plan(sc, ms, global_batch, mb, v);
          estimate_result r = est.estimate(m, c, p);
          ++best.stats.estimator_calls;
          ++best.stats.evaluated;
          any_fit = any_fit || r.fits;
          search_detail::offer(best, p, std::move(r));
        }
  });
  if (!best.feasible) best.reason = error.empty() ? search_detail::no_plan_reason(best.stats, any_fit) : error;
  return best;
}

}  // namespace cellsched
