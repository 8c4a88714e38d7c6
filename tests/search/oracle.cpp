// The pruned search against the exhaustive oracle on many small random cases, and the estimator
// requirements the pruning relies on.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

#include <cellsched/search/cell_search.hpp>
#include <cellsched/search/exhaustive.hpp>

#include "search_fixtures.hpp"
#include "toy_estimator.hpp"

using namespace cellsched;

TEST_CASE("pruned search returns the exhaustive search's best plan on random small cases") {
  std::mt19937_64 rng(20240601);
  const std::int64_t batches[] = {1, 2, 3, 4, 6, 8, 12, 16};
  int feasible = 0, infeasible = 0;
  std::int64_t pruned_mem = 0, pruned_rc = 0, calls_pruned = 0, calls_exhaustive = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    toy::toy_estimator est = toy::random_estimator(rng);
    const model m = toy::random_model(rng, 1 + static_cast<int>(rng() % 7));
    const cell c = toy::random_cell(rng, m.num_layers());
    const search_options o = toy::random_options(rng);
    est.allow_tp_across_nodes = o.allow_tp_across_nodes;
    const std::int64_t batch = batches[rng() % 8];
    const auto fast = search_cell(est, m, c, batch, o);
    const auto full = search_cell_exhaustive(est, m, c, batch, o);
    INFO("trial " << trial << " gpus " << c.num_gpus << " stages " << c.stages << " batch " << batch);
    REQUIRE(fast.feasible == full.feasible);
    REQUIRE(fast.stats.classes == full.stats.classes);
    REQUIRE(fast.stats.plans == full.stats.plans);
    REQUIRE(fast.stats.estimator_calls <= full.stats.estimator_calls);
    if (fast.feasible) {
      ++feasible;
      REQUIRE(fast.best_plan == full.best_plan);
      REQUIRE(fast.best_estimate.iter_time_s == full.best_estimate.iter_time_s);
      REQUIRE(toy::plan_violation(m, c, fast.best_plan, batch, o.allow_tp_across_nodes).empty());
    } else {
      ++infeasible;
      REQUIRE(fast.reason == full.reason);
      REQUIRE_FALSE(fast.reason.empty());
    }
    pruned_mem += fast.stats.pruned_memory;
    pruned_rc += fast.stats.pruned_recompute;
    calls_pruned += fast.stats.estimator_calls;
    calls_exhaustive += full.stats.estimator_calls;
  }
  // The random cases must exercise both outcomes and both prunes, or the comparison proves little.
  CHECK(feasible > 500);
  CHECK(infeasible > 20);
  CHECK(pruned_mem > 100);
  CHECK(pruned_rc > 100);
  CHECK(calls_pruned < calls_exhaustive);
}

TEST_CASE("the search is deterministic") {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 100; ++trial) {
    const toy::toy_estimator est = toy::random_estimator(rng);
    const model m = toy::random_model(rng, 6);
    const cell c = toy::random_cell(rng, m.num_layers());
    const auto a = search_cell(est, m, c, 8);
    const auto b = search_cell(est, m, c, 8);
    REQUIRE(a.feasible == b.feasible);
    REQUIRE(a.best_plan == b.best_plan);
    REQUIRE(a.best_estimate.iter_time_s == b.best_estimate.iter_time_s);
  }
}

namespace {

/// Checks R-mem and R-rc (search/options.hpp) on random plans of random Cells for one estimator.
template <class E>
void check_requirements(const E& est, const model& m, const cell& c, std::int64_t batch, std::mt19937_64& rng,
                        int& checked) {
  search_options o;
  o.gpu_split = gpu_split_policy::any;
  o.shapes = stage_shape_policy::per_stage;
  (void)for_each_plan_class(m, c, batch, o, [&](const plan_class& pc) {
    if (rng() % 3 != 0) return;
    const auto bp = balance_layers(est, m, c, pc, batch, 1);
    if (!bp.base) return;
    const auto vs = variants_for(o, c.stages, true);
    std::vector<estimate_result> rs;
    for (const auto& v : vs) {
      plan p = *bp.base;
      apply_variant(p, v);
      rs.push_back(est.estimate(m, c, p));
    }
    for (std::size_t i = 0; i < vs.size(); ++i)
      for (std::size_t j = 0; j < vs.size(); ++j) {
        if (at_most_as_hungry(vs[i], vs[j]) && rs[j].fits) REQUIRE(rs[i].fits);  // R-mem
        const bool twins = vs[i].schedule == vs[j].schedule && vs[i].zero1 == vs[j].zero1;
        if (twins && !vs[i].recompute && vs[j].recompute && rs[i].infeasible_reason.empty())
          REQUIRE(rs[j].iter_time_s >= rs[i].iter_time_s);  // R-rc
        ++checked;
      }
  });
}

}  // namespace

TEST_CASE("the toy estimator satisfies the requirements the pruning relies on") {
  std::mt19937_64 rng(99);
  int checked = 0;
  for (int trial = 0; trial < 200; ++trial) {
    toy::toy_estimator est = toy::random_estimator(rng);
    est.allow_tp_across_nodes = true;
    const model m = toy::random_model(rng, 1 + static_cast<int>(rng() % 6));
    const cell c = toy::random_cell(rng, m.num_layers());
    check_requirements(est, m, c, 8, rng, checked);
  }
  CHECK(checked > 1000);
}
