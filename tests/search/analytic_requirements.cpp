// The bundled analytic estimator satisfies what the pruning assumes, and the pruned search matches the
// exhaustive one with it.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

#include <cellsched/estimate/analytic_estimator.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/search/cell_search.hpp>
#include <cellsched/search/exhaustive.hpp>

#include "requirements_check.hpp"
#include "same_answer.hpp"
#include "search_fixtures.hpp"
#include "toy_estimator.hpp"

using namespace cellsched;

namespace {

/// A random model scaled so that memory binds on 24-40 GB GPUs for some plans.
model heavy_model(std::mt19937_64& rng, int layers, double scale) {
  model m = toy::random_model(rng, layers);
  for (auto& l : m.layers) {
    l.params *= scale;
    l.activation_bytes_per_sample *= scale;
    l.activation_bytes_per_sample_tp_split *= scale;
    for (auto& g : l.gemms) g.rows_per_sample *= 16;
  }
  return m;
}

}  // namespace

TEST_CASE("the analytic estimator satisfies every requirement of the pruning, R-gp included") {
  const analytic_estimator est(builtin_catalog());
  std::mt19937_64 rng(3);
  toy::requirement_counts n;
  for (int trial = 0; trial < 200; ++trial) {
    const model m = heavy_model(rng, 1 + static_cast<int>(rng() % 6), trial % 2 ? 100.0 : 300.0);
    const cell c = toy::random_cell(rng, m.num_layers(), "a100-40gb", "a10");
    toy::check_requirements(est, m, c, 16, rng, n);
  }
  CHECK(n.pairs > 10000);
  CHECK(n.fit > 500);
  CHECK(n.unfit > 500);
  CHECK(n.mb_steps > 1000);
}

TEST_CASE("with the analytic estimator the pruned search returns the exhaustive search's plan") {
  const analytic_estimator est(builtin_catalog());
  std::mt19937_64 rng(11);
  const std::int64_t batches[] = {1, 2, 4, 6, 8, 16};
  int feasible = 0, infeasible = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const model m = heavy_model(rng, 1 + static_cast<int>(rng() % 6), trial % 2 ? 100.0 : 300.0);
    const cell c = toy::random_cell(rng, m.num_layers(), "a100-40gb", "v100-32gb");
    search_options o = toy::random_options(rng);
    o.prune_gpipe = rng() % 2 == 0;
    o.bound_micro_batches = rng() % 4 != 0;
    const std::int64_t batch = batches[rng() % 6];
    INFO("trial " << trial);
    (toy::require_same_answer(est, m, c, batch, o).pruned.feasible ? feasible : infeasible) += 1;
  }
  CHECK(feasible > 80);
  CHECK(infeasible > 20);
}

TEST_CASE("the analytic estimator meets the requirements in every real-run mode; the search stays exact") {
  const analytic_estimator est(builtin_catalog());
  std::mt19937_64 rng(1207);
  toy::requirement_counts n;
  for (int trial = 0; trial < 120; ++trial) {
    const model m = heavy_model(rng, 2 + static_cast<int>(rng() % 6), trial % 2 ? 100.0 : 300.0);
    const cell c = toy::random_cell(rng, m.num_layers(), "a100-40gb", "a10");
    toy::check_requirements(est, m, c, 16, rng, n, true);
  }
  CHECK(n.pairs > 5000);
  CHECK(n.mb_steps > 500);

  const std::int64_t batches[] = {2, 4, 8, 16};
  int feasible = 0, changed = 0;
  for (int trial = 0; trial < 250; ++trial) {
    const model m = heavy_model(rng, 2 + static_cast<int>(rng() % 6), trial % 2 ? 100.0 : 300.0);
    const cell c = toy::random_cell(rng, m.num_layers(), "a100-40gb", "v100-32gb");
    search_options o = toy::random_options(rng);
    o.try_selective_recompute = o.try_sequence_parallel = o.try_overlap_grad_reduce = o.try_virtual_stages = true;
    o.megatron_launchable = rng() % 3 == 0;
    o.bound_micro_batches = rng() % 4 != 0;
    const std::int64_t batch = batches[rng() % 4];
    INFO("trial " << trial);
    const auto both = toy::require_same_answer(est, m, c, batch, o);
    if (!both.pruned.feasible) continue;
    ++feasible;
    const plan& p = both.pruned.best_plan;
    changed += (p.selective_recompute || p.sequence_parallel || p.overlap_grad_reduce || p.virtual_stages > 1) ? 1 : 0;
  }
  CHECK(feasible > 30);
  CHECK(changed > 10);  // the new dimensions win somewhere
}
