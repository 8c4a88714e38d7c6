#pragma once
// What a plan search inside one Cell returns, and the running minimum both searches keep.
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/result.hpp"
#include "cellsched/search/plan_order.hpp"

namespace cellsched {

struct search_stats {
  std::int64_t classes = 0;           ///< (GPU split, shapes, micro-batch count) combinations
  std::int64_t plans = 0;             ///< plans in the space: classes x their variants
  std::int64_t estimator_calls = 0;   ///< including the layer-balancing calls
  std::int64_t evaluated = 0;         ///< plans whose estimate was looked at
  std::int64_t pruned_memory = 0;     ///< plans skipped as surely out of memory (P1, P3)
  std::int64_t pruned_dominated = 0;  ///< plans skipped as no faster than a feasible one (P2)
  std::int64_t pruned_bound = 0;      ///< plans skipped by the micro-batch time bound (P4)
  std::int64_t unsplittable = 0;      ///< classes with no layer split respecting max_tp

  search_stats& operator+=(const search_stats& o) noexcept {
    classes += o.classes;
    plans += o.plans;
    estimator_calls += o.estimator_calls;
    evaluated += o.evaluated;
    pruned_memory += o.pruned_memory;
    pruned_bound += o.pruned_bound;
    pruned_dominated += o.pruned_dominated;
    unsplittable += o.unsplittable;
    return *this;
  }
};

struct cell_search_result {
  cell where;  ///< the Cell searched
  bool feasible = false;
  plan best_plan;                 ///< meaningful when feasible
  estimate_result best_estimate;  ///< meaningful when feasible
  search_stats stats;
  std::string reason;  ///< why nothing is feasible

  [[nodiscard]] double iter_time_s() const noexcept { return feasible ? best_estimate.iter_time_s : 0.0; }
  [[nodiscard]] double throughput_samples_per_s() const noexcept {
    return feasible && best_estimate.iter_time_s > 0
               ? static_cast<double>(best_plan.global_batch()) / best_estimate.iter_time_s
               : 0.0;
  }
};

namespace search_detail {

/// Keeps the minimum of (iteration time, plan key) over feasible candidates.
inline void offer(cell_search_result& best, const plan& p, estimate_result&& r) {
  if (!r.feasible() || !std::isfinite(r.iter_time_s)) return;
  if (best.feasible && !better_candidate(r.iter_time_s, p, best.best_estimate.iter_time_s, best.best_plan)) return;
  best.feasible = true;
  best.best_plan = p;
  best.best_estimate = std::move(r);
}

/// The reason text when a search finds nothing.
[[nodiscard]] inline std::string no_plan_reason(const search_stats& st, bool any_fit) {
  if (st.classes == 0) return "no plan satisfies the structural rules (tp, dp, micro-batch, layout)";
  if (st.classes == st.unsplittable) return "no layer split respects every layer's max_tp";
  if (!any_fit) return "no plan fits in GPU memory";
  return "the estimator rejected every plan";
}

}  // namespace search_detail

}  // namespace cellsched
