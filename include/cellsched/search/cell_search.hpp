#pragma once
// The best plan inside one Cell, with pruning that provably returns the same plan as the exhaustive
// search (search/exhaustive.hpp) over the plan space of search/options.hpp.
//
// Why the answer equals the exhaustive one. Both searches visit the same classes and give each the same
// layer split (search/shape_start.hpp); the answer is the minimum of the total order better_candidate()
// (time, then a key over every plan field) over the feasible plans, so it does not depend on visiting
// order. Removing a candidate cannot change the minimum if the candidate is infeasible, or if some
// retained feasible candidate precedes it in the order. Each prune removes only such candidates:
//
//   Structural filters (tp allowed by some layer, TP groups inside a node, dp dividing the
//   micro-batch): rules of the space, applied identically by both searches.
//
//   P1 memory (R-mem). For a fixed micro-batch count the split, shapes and micro-batching are fixed; if a
//   variant u was evaluated and does not fit, every variant v with at_most_as_hungry(u, v) does not fit
//   either: v is infeasible and skipped.
//
//   P2 dominance (R-rc, and R-gp when declared). If a variant u of the same micro-batch count was
//   evaluated and is feasible and no_slower_and_first(u, v), then time(v) >= time(u) and, on equal time,
//   the key puts u first: u precedes v in the order, so v is skipped. (u was retained: it was evaluated.)
//
// With bound_micro_batches (R-mb, R-lb, R-st, R-mt), across the micro-batch counts m_1 < m_2 < ... of one
// shape class, which share the layer split:
//
//   P3 memory probe. By R-mem, some variant fits at m only if one of the leanest variants (1F1B, ZeRO-1
//   when allowed, recomputation off or on) fits there; by R-mb each of those fits at every count above
//   one where it fits. So "some lean variant fits" is monotone in m, and a binary search over the counts
//   finds the first m* where it holds; every plan with m < m* is infeasible and skipped.
//
//   P4 time bound. Let L = max over evaluated counts m <= m' and their variants u without recomputation
//   of m x max_s (fwd_s + bwd_s)(u). For any variant v at m': time(v) >= m' max_s t_s(v) (R-lb)
//   >= m' max_s t_s(v without recomputation) (R-st) >= m max_s t_s(u) (R-mt; R-st makes every
//   recomputation-off variant's stage times equal). So time(v) >= L; when L exceeds the best time found,
//   every remaining plan of the shape class is strictly slower and skipped (strictly, so no tie is lost).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/search/shape_start.hpp"
#include "cellsched/search/options.hpp"
#include "cellsched/search/plan_order.hpp"
#include "cellsched/search/plan_space.hpp"
#include "cellsched/search/search_result.hpp"

namespace cellsched {

namespace search_detail {

/// Evaluation order inside a class: recomputation off before on and 1F1B before GPipe (so P2 can fire);
/// within those, ZeRO-1 off first when recomputation is off (that plan is usually timed already by the
/// layer balancing) and ZeRO-1 on first when it is on (the leanest variant first, so P1 can fire).
[[nodiscard]] inline std::vector<std::size_t> pruned_order(const std::vector<plan_variant>& vs) {
  std::vector<std::size_t> order;
  for (int rc = 0; rc <= 1; ++rc)
    for (int g = 0; g <= 1; ++g)
      for (int zi = 0; zi <= 1; ++zi) {
        const bool z = rc == 0 ? zi == 1 : zi == 0;
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
  const bool gpipe_never_faster = o.gpipe_never_faster || declares_gpipe_never_faster<E>;
  const std::string error = for_each_shape_class(m, c, global_batch, o, [&](const shape_class& sc) {
    const shape_start start = start_shape(est, m, c, sc, global_batch, o, best.stats);
    if (start.split.end_layer.empty()) return;
    const std::vector<plan_variant>& vs = start.variants;
    const std::vector<std::int64_t>& ms = sc.micro_batch_counts;
    enum class fate : unsigned char { open, evaluated, memory, dominated, bound };
    std::vector<std::vector<std::optional<estimate_result>>> res(ms.size(), std::vector<std::optional<estimate_result>>(vs.size()));
    std::vector<std::vector<fate>> fates(ms.size(), std::vector<fate>(vs.size(), fate::open));

    const auto eval = [&](std::size_t k, std::size_t i) -> const estimate_result& {
      if (!res[k][i]) {
        plan p = plan_for(sc, global_batch, ms[k], start.split.end_layer);
        apply_variant(p, vs[i]);
        const bool is_base = !vs[i].recompute && !vs[i].zero1 && vs[i].schedule == pipeline_schedule::one_f_one_b;
        if (is_base && ms[k] == start.split.micro_batches && start.split.estimate) {
          res[k][i] = *start.split.estimate;  // the balancing already timed this very plan
        } else {
          res[k][i] = est.estimate(m, c, p);
          ++best.stats.estimator_calls;
        }
        fates[k][i] = fate::evaluated;
        any_fit = any_fit || res[k][i]->fits;
        search_detail::offer(best, p, estimate_result(*res[k][i]));
      }
      return *res[k][i];
    };

    std::size_t first = 0;
    if (o.bound_micro_batches) {  // P3
      std::vector<std::size_t> lean;
      for (std::size_t i = 0; i < vs.size(); ++i) {
        bool leanest = vs[i].schedule == pipeline_schedule::one_f_one_b;
        for (std::size_t j = 0; j < vs.size() && leanest; ++j)
          leanest = !(j != i && vs[j].recompute == vs[i].recompute && at_most_as_hungry(vs[j], vs[i]) &&
                      !at_most_as_hungry(vs[i], vs[j]));
        if (leanest) lean.push_back(i);
      }
      const auto some_lean_fits = [&](std::size_t k) {
        for (std::size_t i : lean)
          if (eval(k, i).fits) return true;
        return false;
      };
      // The first count is tried first (often everything fits), then the last (often nothing does).
      std::size_t lo = 0, hi = ms.size();  // the answer lies in [lo, hi]; hi = none fits
      if (!some_lean_fits(0)) {
        lo = 1;
        if (lo < hi && some_lean_fits(hi - 1)) hi = hi - 1; else lo = hi;
        while (lo < hi) {
          const std::size_t mid = lo + (hi - 1 - lo) / 2;
          if (some_lean_fits(mid)) hi = mid; else lo = mid + 1;
        }
      }
      first = lo;
      for (std::size_t k = 0; k < first; ++k)
        for (std::size_t i = 0; i < vs.size(); ++i)
          if (fates[k][i] == fate::open) fates[k][i] = fate::memory;
    }

    double bound = 0.0;  // P4
    const auto raise_bound = [&](std::size_t k) {
      for (std::size_t i = 0; i < vs.size(); ++i) {
        if (vs[i].recompute || !res[k][i] || !res[k][i]->infeasible_reason.empty()) continue;
        double slowest = 0.0;
        for (const auto& st : res[k][i]->stages) slowest = std::max(slowest, st.fwd_s + st.bwd_s);
        bound = std::max(bound, static_cast<double>(ms[k]) * slowest);
      }
    };
    for (std::size_t k = 0; k < first; ++k) raise_bound(k);

    for (std::size_t k = first; k < ms.size(); ++k) {
      if (o.bound_micro_batches && best.feasible && bound > best.best_estimate.iter_time_s) {
        for (std::size_t kk = k; kk < ms.size(); ++kk)
          for (std::size_t i = 0; i < vs.size(); ++i)
            if (fates[kk][i] == fate::open) fates[kk][i] = fate::bound;
        break;
      }
      for (std::size_t i : search_detail::pruned_order(vs)) {
        if (fates[k][i] != fate::open) continue;
        bool skip = false;
        for (std::size_t j = 0; j < vs.size() && !skip; ++j) {
          if (!res[k][j]) continue;
          if (res[k][j]->feasible() && no_slower_and_first(vs[j], vs[i], gpipe_never_faster)) {
            fates[k][i] = fate::dominated;  // P2
            skip = true;
          } else if (!res[k][j]->fits && at_most_as_hungry(vs[j], vs[i])) {
            fates[k][i] = fate::memory;  // P1
            skip = true;
          }
        }
        if (!skip) (void)eval(k, i);
      }
      if (o.bound_micro_batches) raise_bound(k);
    }
    for (const auto& row : fates)
      for (const fate f : row) {
        best.stats.evaluated += f == fate::evaluated;
        best.stats.pruned_memory += f == fate::memory;
        best.stats.pruned_dominated += f == fate::dominated;
        best.stats.pruned_bound += f == fate::bound;
      }
  });
  if (!best.feasible) best.reason = error.empty() ? search_detail::no_plan_reason(best.stats, any_fit) : error;
  return best;
}

}  // namespace cellsched
