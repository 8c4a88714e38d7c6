// The pruned search with measured stage scales (estimate/stage_calibration.hpp): the scales are fitted per
// recomputation setting and micro-batch size, so they need not obey R-rc or R-mt. The estimator then no
// longer declares them (analytic_estimator::guarantees()), and the pruned search still returns the
// exhaustive search's plan, also when only plans with recomputation are allowed
// (search_options::require_recompute).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

#include <cellsched/estimate/analytic_estimator.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/model/transformer.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/search/cell_search.hpp>
#include <cellsched/search/exhaustive.hpp>

#include "search_fixtures.hpp"

using namespace cellsched;

namespace {

/// Random scales in [0.3, 3] for every (GPU type, tp, micro-batch, recomputation) shape of `m`: recomputation
/// on is often cheaper than off, and a larger micro-batch often cheaper per sample than R-mt allows.
stage_calibration random_scales(std::mt19937_64& rng, const model& m) {
  std::uniform_real_distribution<double> factor(0.3, 3.0);
  stage_calibration cal("random");
  for (const char* type : {"a100-40gb", "v100-32gb"})
    for (int tp = 1; tp <= 8; tp *= 2)
      for (std::int64_t mb = 1; mb <= 16; ++mb)
        for (const bool rc : {false, true}) {
          stage_shape s;
          s.gpu_type = type;
          s.family = m.family;
          s.compute_dtype = m.compute_dtype;
          s.hidden = m.hidden;
          s.heads = m.heads;
          s.seq_len = m.seq_len;
          s.tp = tp;
          s.micro_batch = mb;
          s.recompute = rc;
          cal.set(s, {factor(rng), 1});
        }
  return cal;
}

/// The same answers with the analytic model's full declaration, which measured scales break.
struct over_promising {
  const analytic_estimator* est;
  [[nodiscard]] estimate_result estimate(const model& m, const cell& c, const plan& p) const {
    return est->estimate(m, c, p);
  }
  [[nodiscard]] estimator_guarantees guarantees() const noexcept { return estimator_guarantees::all(); }
};

}  // namespace

TEST_CASE("with measured stage scales the pruned search returns the exhaustive search's plan") {
  std::mt19937_64 rng(29);
  const std::int64_t batches[] = {1, 2, 4, 6, 8, 16};
  int feasible = 0, default_options_wrong = 0, recompute_only = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const int layers = 1 + static_cast<int>(rng() % 4);
    const std::int64_t hidden = trial % 2 ? 4096 : 8192;
    const model m = build_dense_transformer(gpt_config(hidden, layers, 32, 2048, 51200));
    analytic_estimator est(builtin_catalog());
    est.set_stage_calibration(random_scales(rng, m));
    const cell c = toy::random_cell(rng, m.num_layers(), "a100-40gb", "v100-32gb");
    search_options o = toy::random_options(rng);
    o.prune_gpipe = rng() % 2 == 0;  // R-gp is still declared: one scale for both schedules
    o.require_recompute = rng() % 3 == 0;
    const std::int64_t batch = batches[rng() % 6];
    REQUIRE_FALSE(est.guarantees().recompute_never_faster);
    REQUIRE_FALSE(est.guarantees().micro_batch_bounds);
    const auto fast = search_cell(est, m, c, batch, o);
    const auto full = search_cell_exhaustive(est, m, c, batch, o);
    INFO("trial " << trial);
    REQUIRE(fast.feasible == full.feasible);
    if (!fast.feasible) continue;
    ++feasible;
    REQUIRE(fast.best_plan == full.best_plan);
    REQUIRE(fast.best_estimate.iter_time_s == full.best_estimate.iter_time_s);
    if (o.require_recompute) {
      REQUIRE(fast.best_plan.recompute);
      ++recompute_only;
    }
    // The analytic model's guarantees do not hold for measured times: declaring them anyway may miss.
    const auto assuming = search_cell(over_promising{&est}, m, c, batch, o);
    default_options_wrong += assuming.feasible && assuming.best_estimate.iter_time_s > full.best_estimate.iter_time_s;
  }
  CHECK(feasible > 80);
  CHECK(recompute_only > 20);
  CHECK(default_options_wrong > 0);  // so withdrawing the guarantees is needed, not merely harmless
}
