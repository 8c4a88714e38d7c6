// The pruned search against the exhaustive oracle on many small random cases, and the estimator
// requirements the pruning relies on.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

#include <cellsched/search/cell_search.hpp>
#include <cellsched/search/exhaustive.hpp>

#include "requirements_check.hpp"
#include "same_answer.hpp"
#include "search_fixtures.hpp"
#include "toy_estimator.hpp"

using namespace cellsched;

TEST_CASE("pruned search returns the exhaustive search's best plan on random small cases") {
  std::mt19937_64 rng(20240601);
  const std::int64_t batches[] = {1, 2, 3, 4, 6, 8, 12, 16};
  int feasible = 0, infeasible = 0;
  std::int64_t pruned_mem = 0, pruned_rc = 0, pruned_bound = 0, calls_pruned = 0, calls_exhaustive = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    toy::toy_estimator est = toy::random_estimator(rng);
    const model m = toy::random_model(rng, 1 + static_cast<int>(rng() % 7));
    const cell c = toy::random_cell(rng, m.num_layers());
    search_options o = toy::random_options(rng);
    o.bound_micro_batches = rng() % 4 != 0;
    est.allow_tp_across_nodes = o.allow_tp_across_nodes;
    // The toy declares R-gp exactly when 1F1B carries no extra per-micro-batch cost; the option may
    // still turn that pruning off.
    o.prune_gpipe = est.one_f_one_b_extra_s == 0.0 && rng() % 2 == 0;
    const std::int64_t batch = batches[rng() % 8];
    INFO("trial " << trial << " gpus " << c.num_gpus << " stages " << c.stages << " batch " << batch);
    const auto both = toy::require_same_answer(est, m, c, batch, o);
    const auto& fast = both.pruned;
    const auto& full = both.exhaustive;
    (fast.feasible ? feasible : infeasible) += 1;
    pruned_mem += fast.stats.pruned_memory;
    pruned_rc += fast.stats.pruned_dominated;
    pruned_bound += fast.stats.pruned_bound;
    calls_pruned += fast.stats.estimator_calls;
    calls_exhaustive += full.stats.estimator_calls;
  }
  // The random cases must exercise both outcomes and both prunes, or the comparison proves little.
  CHECK(feasible > 500);
  CHECK(infeasible > 20);
  CHECK(pruned_mem > 100);
  CHECK(pruned_rc > 100);
  CHECK(pruned_bound > 100);
  CHECK(calls_pruned < calls_exhaustive);
}

namespace {
/// The toy's answers with no declaration: the search may assume nothing of them.
struct undeclared {
  const toy::toy_estimator* est;
  [[nodiscard]] estimate_result estimate(const model& m, const cell& c, const plan& p) const {
    return est->estimate(m, c, p);
  }
};
static_assert(estimator<undeclared> && !declares_guarantees<undeclared>);
}  // namespace

TEST_CASE("an estimator that declares nothing is searched without the pruning assumptions") {
  std::mt19937_64 rng(5);
  const std::int64_t batches[] = {1, 2, 4, 8};
  int feasible = 0;
  for (int trial = 0; trial < 150; ++trial) {
    toy::toy_estimator est = toy::random_estimator(rng);
    const model m = toy::random_model(rng, 1 + static_cast<int>(rng() % 5));
    const cell c = toy::random_cell(rng, m.num_layers());
    const search_options o = toy::random_options(rng);
    est.allow_tp_across_nodes = o.allow_tp_across_nodes;
    const std::int64_t batch = batches[rng() % 4];
    const undeclared plain{&est};
    REQUIRE(guarantees_of(plain) == estimator_guarantees{});
    const auto fast = search_cell(plain, m, c, batch, o);
    const auto full = search_cell_exhaustive(plain, m, c, batch, o);
    INFO("trial " << trial);
    REQUIRE(fast.feasible == full.feasible);
    REQUIRE(fast.stats.pruned_memory == 0);
    REQUIRE(fast.stats.pruned_dominated == 0);
    REQUIRE(fast.stats.pruned_bound == 0);
    if (fast.stats.unsplittable == 0) REQUIRE(fast.stats.evaluated == fast.stats.plans);
    if (!fast.feasible) continue;
    ++feasible;
    REQUIRE(fast.best_plan == full.best_plan);
    // The same answers with the toy's declaration are pruned, to the same plan.
    const auto declared = search_cell(est, m, c, batch, o);
    REQUIRE(declared.best_plan == full.best_plan);
    REQUIRE(declared.stats.estimator_calls <= fast.stats.estimator_calls);
  }
  CHECK(feasible > 50);
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

TEST_CASE("the toy estimator satisfies the requirements the pruning relies on") {
  std::mt19937_64 rng(99);
  toy::requirement_counts n;
  for (int trial = 0; trial < 200; ++trial) {
    toy::toy_estimator est = toy::random_estimator(rng);
    est.allow_tp_across_nodes = true;
    est.one_f_one_b_extra_s = 0.0;  // R-gp holds only without it
    const model m = toy::random_model(rng, 1 + static_cast<int>(rng() % 6));
    const cell c = toy::random_cell(rng, m.num_layers());
    toy::check_requirements(est, m, c, 8, rng, n);
  }
  CHECK(n.pairs > 1000);
  CHECK(n.fit > 200);
  CHECK(n.unfit > 100);
  CHECK(n.mb_steps > 500);
}

TEST_CASE("pruned search returns the exhaustive search's plan over the real-run dimensions") {
  // Selective recomputation, sequence parallelism, overlapped gradient reduction and interleaved virtual
  // stages on top of the random spaces above, with and without the Megatron-launchable restriction.
  std::mt19937_64 rng(20261206);
  const std::int64_t batches[] = {2, 4, 6, 8, 12, 16};
  int feasible = 0, selective = 0, sequence_parallel = 0, overlap = 0, interleaved = 0;
  std::int64_t pruned = 0, calls_pruned = 0, calls_exhaustive = 0;
  for (int trial = 0; trial < 800; ++trial) {
    toy::toy_estimator est = toy::random_estimator(rng);
    const model m = toy::random_model(rng, 2 + static_cast<int>(rng() % 7));
    const cell c = toy::random_cell(rng, m.num_layers());
    search_options o = toy::random_options(rng);
    o.try_selective_recompute = rng() % 4 != 0;
    o.try_sequence_parallel = rng() % 4 != 0;
    o.try_overlap_grad_reduce = rng() % 4 != 0;
    o.try_virtual_stages = rng() % 4 != 0;
    o.max_virtual_stages = static_cast<int>(rng() % 4);
    o.megatron_launchable = rng() % 3 == 0;
    o.bound_micro_batches = rng() % 4 != 0;
    est.allow_tp_across_nodes = o.allow_tp_across_nodes;
    o.prune_gpipe = est.one_f_one_b_extra_s == 0.0 && rng() % 2 == 0;
    const std::int64_t batch = batches[rng() % 6];
    INFO("trial " << trial << " gpus " << c.num_gpus << " stages " << c.stages << " batch " << batch);
    const auto both = toy::require_same_answer(est, m, c, batch, o);
    const auto& fast = both.pruned;
    pruned += fast.stats.pruned_memory + fast.stats.pruned_dominated + fast.stats.pruned_bound;
    calls_pruned += fast.stats.estimator_calls;
    calls_exhaustive += both.exhaustive.stats.estimator_calls;
    if (!fast.feasible) continue;
    ++feasible;
    const plan& p = fast.best_plan;
    selective += p.selective_recompute ? 1 : 0;
    sequence_parallel += p.sequence_parallel ? 1 : 0;
    overlap += p.overlap_grad_reduce ? 1 : 0;
    if (p.virtual_stages > 1) {
      ++interleaved;
      REQUIRE(p.num_micro_batches % static_cast<std::int64_t>(p.stages.size()) == 0);
      for (const auto& s : p.stages) REQUIRE((s.num_layers() == p.stages[0].num_layers() && s.tp == p.stages[0].tp));
    }
    if (o.megatron_launchable) {
      REQUIRE(p.schedule == pipeline_schedule::one_f_one_b);
      for (const auto& s : p.stages) REQUIRE((s.dp == p.stages[0].dp && s.tp == p.stages[0].tp));
    }
  }
  // Every new dimension must be chosen somewhere, or the comparison proves little about it.
  CHECK(feasible > 300);
  CHECK(selective > 5);
  CHECK(sequence_parallel > 5);
  CHECK(overlap > 5);
  CHECK(interleaved > 5);
  CHECK(pruned > 1000);
  CHECK(calls_pruned < calls_exhaustive);
}

TEST_CASE("the toy estimator satisfies the requirements in every real-run mode") {
  std::mt19937_64 rng(1206);
  toy::requirement_counts n;
  for (int trial = 0; trial < 150; ++trial) {
    toy::toy_estimator est = toy::random_estimator(rng);
    est.allow_tp_across_nodes = true;
    est.one_f_one_b_extra_s = 0.0;
    const model m = toy::random_model(rng, 2 + static_cast<int>(rng() % 6));
    const cell c = toy::random_cell(rng, m.num_layers());
    toy::check_requirements(est, m, c, 8, rng, n, true);
  }
  CHECK(n.pairs > 1000);
  CHECK(n.mb_steps > 500);
}
