#pragma once
// The best plan inside one Cell, with pruning that provably returns the same plan as the exhaustive
// search (search/exhaustive.hpp) over the plan space of search/options.hpp.
//
// Why the answer equals the exhaustive one. Both searches visit the same classes and modes and give each
// the same layer split (search/shape_start.hpp); the answer is the minimum of the total order better_candidate()
// (time, then a key over every plan field) over the feasible plans, so it does not depend on visiting
// order. Removing a candidate cannot change the minimum if the candidate is infeasible, or if some
// retained feasible candidate precedes it in the order. Each prune removes only such candidates, and runs
// only when the estimator declares the requirements it names (estimator_guarantees, estimate/concepts.hpp)
// and the options allow it (search_options::prune_*, bound_micro_batches):
//
//   Structural filters (tp allowed by some layer, TP groups inside a node, dp dividing the
//   micro-batch): rules of the space, applied identically by both searches.
//
// Every prune below compares plans of one mode (sequence parallelism, overlap, virtual stages) only.
//
//   P1 memory (R-mem). For a fixed micro-batch count the split, shapes and micro-batching are fixed; if a
//   variant u was evaluated and does not fit, every variant v with at_most_as_hungry(u, v) does not fit
//   either: v is infeasible and skipped.
//
//   P2 dominance (R-rc and/or R-gp). If a variant u of the same micro-batch count was
//   evaluated and is feasible and no_slower_and_first(u, v), then time(v) >= time(u) and, on equal time,
//   the key puts u first: u precedes v in the order, so v is skipped. (u was retained: it was evaluated.)
//
// With the micro-batch requirements (R-mb, R-lb, R-st, R-dp, R-mt; P3 also needs R-mem), across the micro-batch counts
// m_1 < m_2 < ... of one shape class, which share the layer split:
//
//   P3 memory probe. By R-mem, some variant fits at m only if one of the leanest variants (1F1B, ZeRO-1
//   when allowed, recomputation off or on) fits there; by R-mb each of those fits at every count above
//   one where it fits. So "some lean variant fits" is monotone in m, and a binary search over the counts
//   finds the first m* where it holds; every plan with m < m* is infeasible and skipped.
//
//   P4 time bound (within a mode; with v virtual stages the sums over s < b carry a factor 1/v and with
//   overlapped gradient reduction dpmin_b is taken as 0, search/options.hpp).
//   Take a count m <= m' at which a variant u without recomputation was evaluated, with
//   stage times f_s, b_s (by R-st every recomputation-off variant at m has these), and for each stage b
//   the smaller of its dp_sync_b with ZeRO-1 off and on (both must have been seen at some count; by R-dp
//   they do not depend on the count; 0 while one is unknown). For any variant v at m', with r = m/m':
//     time(v) >= sum_{s<b} f'_s + m' t'_b + max(sum_{s<b} b'_s, dp'_b)         (R-lb, primes: v at m')
//             >= r sum_{s<b} f_s + m t_b + max(r sum_{s<b} b_s, dpmin_b)         (R-st, R-mt, R-dp)
//   because m' f'_s >= m f_s and m' b'_s >= m b_s. The largest right-hand side over m and b is the
//   bound L(m'); when L(m') exceeds the best time found, every remaining plan at m' is strictly slower
//   and skipped (strictly, so no tie is lost).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/search/shape_search.hpp"
#include "cellsched/search/options.hpp"
#include "cellsched/search/plan_order.hpp"
#include "cellsched/search/plan_space.hpp"
#include "cellsched/search/search_result.hpp"

namespace cellsched {

/// Best plan of `c` for model `m` at global batch `global_batch` (pruned, exact). Every shape class is
/// first balanced and probed (P3), then the shape classes run best-first - the fastest plan already seen,
/// then the lowest bound - so that a good plan found early lets P4 cut the others short. The order only
/// affects how much is pruned, never the answer (see above).
template <estimator E>
[[nodiscard]] cell_search_result search_cell(const E& est, const model& m, const cell& c, std::int64_t global_batch,
                                             const search_options& o = {}) {
  cell_search_result best;
  best.where = c;
  const estimator_guarantees prune = pruning_guarantees(guarantees_of(est), o);
  typename shape_search<E>::context ctx{est, m, c, global_batch, o, prune, best};
  std::vector<shape_search<E>> shapes;
  const std::string error = for_each_shape_class(m, c, global_batch, o, [&](const shape_class& sc) {
    auto start = std::make_shared<const shape_start>(
        start_shape(est, m, c, sc, global_batch, o, best.stats, &ctx.splits));  // unsplittable: no modes
    for (std::size_t mode = 0; mode < start->modes.size(); ++mode) {
      shape_search<E> s(ctx, sc, start, mode);
      if (prune.micro_batch_bounds && prune.memory_monotone) s.probe();
      shapes.push_back(std::move(s));
    }
  });
  std::vector<std::size_t> order(shapes.size());
  std::vector<std::pair<double, double>> promise(shapes.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
    if (prune.micro_batch_bounds) promise[i] = {shapes[i].best_seen_s(), shapes[i].bound()};
  }
  if (prune.micro_batch_bounds)
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return promise[a] < promise[b]; });
  for (const std::size_t i : order) shapes[i].run();
  for (const auto& s : shapes) s.tally(best.stats);
  if (!best.feasible) best.reason = error.empty() ? search_detail::no_plan_reason(best.stats, ctx.any_fit) : error;
  return best;
}

}  // namespace cellsched
