#pragma once
// The best plan inside one Cell, with pruning that provably returns the same plan as the exhaustive
// search (search/exhaustive.hpp) over the plan space of search/options.hpp.
//
// Why the answer equals the exhaustive one. Both searches visit the same classes and give each the same
// layer split (search/layer_balance.hpp); the answer is the minimum of the total order
// better_candidate() (time, then a key over every plan field) over the feasible plans, so it does not
// depend on visiting order. Removing a candidate cannot change the minimum if the candidate is
// infeasible, or if some retained feasible candidate precedes it in the order. Each prune below removes
// only such candidates:
//
//   Structural filters (tp <= max over layers of max_tp, tp <= GPUs of one node through the TP-group
//   mapping, dp dividing the micro-batch): they are rules of the space, applied identically by both.
//
//   P1 memory (R-mem). Within a class the split, shapes and micro-batching are fixed; if a variant u
//   was evaluated and does not fit, every variant v with at_most_as_hungry(u, v) does not fit either,
//   so v is infeasible and skipped.
//
//   P2 recomputation (R-rc). If the variant v with recomputation off is feasible, its twin v' with
//   recomputation on (all else equal) has time(v') >= time(v); on equality the key puts v first because
//   the two plans differ only in `recompute`, which the key orders off-before-on. So v precedes v' and
//   v' is skipped.
//
// Both prunes act inside a class; there is no cross-class bound, so no assumption about how time varies
// with shapes or micro-batching is needed.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
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

namespace search_detail {

/// Evaluation order inside a class: recomputation off first (so P2 can fire), and within each half the
/// leaner variants first (so P1 can fire): base 1F1B first because layer balancing usually timed it.
[[nodiscard]] inline std::vector<std::size_t> pruned_order(const std::vector<plan_variant>& vs) {
  std::vector<std::size_t> order;
  for (int rc = 0; rc <= 1; ++rc)
    for (int g = 0; g <= 1; ++g)
      for (int zi = 0; zi <= 1; ++zi) {
        const bool z = rc == 0 ? zi == 1 : zi == 0;  // off-half: ZeRO off first (base); on-half: ZeRO on first
        for (std::size_t i = 0; i < vs.size(); ++i)
          if (vs[i].recompute == (rc == 1) && (vs[i].schedule == pipeline_schedule::gpipe) == (g == 1) && vs[i].zero1 == z)
            order.push_back(i);
      }
  return order;
}

}  // namespace search_detail

/// Best plan of `c` for model `m` at global batch `global_batch` (pruned, exact).
template <estimator E>
[[nodiscard]] cell_search_result search_cell(const E& est, const model& m, const cell& c, std::int64_t global_batch,
                                             const search_options& o = {}) {
  cell_search_result best;
  best.where = c;
  bool any_fit = false;
  const std::string error = for_each_plan_class(m, c, global_batch, o, [&](const plan_class& pc) {
    const class_start cs = start_class(est, m, c, pc, global_batch, o, best.stats);
    if (!cs.balanced.base) return;
    const std::vector<plan_variant>& vs = cs.variants;
    const balanced_plan& bp = cs.balanced;
    std::vector<std::optional<estimate_result>> res(vs.size());
    const auto known_unfit = [&](std::size_t i) {
      for (std::size_t j = 0; j < vs.size(); ++j)
        if (res[j] && !res[j]->fits && at_most_as_hungry(vs[j], vs[i])) return true;
      return false;
    };
    const auto dominated = [&](std::size_t i) {
      if (!vs[i].recompute) return false;
      for (std::size_t j = 0; j < vs.size(); ++j)
        if (!vs[j].recompute && vs[j].zero1 == vs[i].zero1 && vs[j].schedule == vs[i].schedule && res[j] &&
            res[j]->feasible())
          return true;
      return false;
    };
    for (std::size_t i : search_detail::pruned_order(vs)) {
      if (dominated(i)) {  // P2: the twin without recomputation is feasible and precedes it
        ++best.stats.pruned_recompute;
        continue;
      }
      if (known_unfit(i)) {  // P1: a leaner variant already failed to fit
        ++best.stats.pruned_memory;
        continue;
      }
      plan p = *bp.base;
      apply_variant(p, vs[i]);
      const bool is_base = !vs[i].recompute && !vs[i].zero1 && vs[i].schedule == pipeline_schedule::one_f_one_b;
      if (is_base && bp.estimate) {
        res[i] = *bp.estimate;  // the balancing already timed this very plan
      } else {
        res[i] = est.estimate(m, c, p);
        ++best.stats.estimator_calls;
      }
      any_fit = any_fit || res[i]->fits;
      search_detail::offer(best, p, estimate_result(*res[i]));
    }
  });
  if (!best.feasible) best.reason = error.empty() ? search_detail::no_plan_reason(best.stats, any_fit) : error;
  return best;
}

}  // namespace cellsched
