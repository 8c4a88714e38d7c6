#pragma once
// The pruned search against the exhaustive oracle on one case: the same answer, the same plan space, and
// every plan of the space either evaluated or skipped by exactly one prune.
#include <catch2/catch.hpp>

#include <cstdint>

#include <cellsched/search/cell_search.hpp>
#include <cellsched/search/exhaustive.hpp>

#include "search_fixtures.hpp"

namespace toy {

struct both_searches {
  cellsched::cell_search_result pruned;
  cellsched::cell_search_result exhaustive;
};

template <class E>
both_searches require_same_answer(const E& est, const cellsched::model& m, const cellsched::cell& c,
                                  std::int64_t batch, const cellsched::search_options& o) {
  both_searches out{cellsched::search_cell(est, m, c, batch, o), cellsched::search_cell_exhaustive(est, m, c, batch, o)};
  const auto& fast = out.pruned;
  const auto& full = out.exhaustive;
  REQUIRE(fast.feasible == full.feasible);
  REQUIRE(fast.stats.classes == full.stats.classes);
  REQUIRE(fast.stats.plans == full.stats.plans);
  REQUIRE(fast.stats.estimator_calls <= full.stats.estimator_calls);
  if (fast.stats.unsplittable == 0)
    REQUIRE(fast.stats.evaluated + fast.stats.pruned_memory + fast.stats.pruned_dominated + fast.stats.pruned_bound ==
            fast.stats.plans);
  if (fast.feasible) {
    REQUIRE(fast.best_plan == full.best_plan);
    REQUIRE(fast.best_estimate.iter_time_s == full.best_estimate.iter_time_s);
    REQUIRE(plan_violation(m, c, fast.best_plan, batch, o.allow_tp_across_nodes).empty());
  } else {
    REQUIRE(fast.reason == full.reason);
    REQUIRE_FALSE(fast.reason.empty());
  }
  return out;
}

}  // namespace toy
