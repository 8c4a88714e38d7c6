// Energy and cost of one iteration (estimate/energy.hpp) and the objectives' figures
// (estimate/objective.hpp), worked by hand.
#include <catch2/catch.hpp>

#include <cellsched/estimate/energy.hpp>
#include <cellsched/estimate/objective.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>

using namespace cellsched;

namespace {
// 0.8 s at compute power (compute 0.6, overhead 0.1, optimizer 0.1), 0.2 s waiting (tp 0.05, dp 0.1,
// bubble 0.05): 1 s per iteration.
time_breakdown one_second() {
  return {.compute_s = 0.6, .overhead_s = 0.1, .tp_comm_s = 0.05, .dp_comm_s = 0.1, .pp_comm_s = 0.0,
          .bubble_s = 0.05, .optimizer_s = 0.1};
}
}  // namespace

TEST_CASE("energy: one iteration on 8 A100s, by hand", "[estimate][energy]") {
  const gpu_type& a100 = *builtin_catalog().find("a100-40gb");  // 400 W, idle 40 W
  CHECK(compute_share(one_second()) == Approx(0.8));
  const iteration_energy e = energy_per_iteration(a100, 8, one_second(), 256.0, 0.0, 4.0);
  CHECK(e.iter_time_s == Approx(1.0));
  // Per GPU: 400 W x 0.8 s + 40 W x 0.2 s = 328 J; 8 GPUs: 2,624 J.
  CHECK(e.gpu_power_w == Approx(328.0));
  CHECK(e.energy_j == Approx(2624.0));
  // 8 GPUs x 4 USD/h x 1 s = 0.0088889 USD.
  CHECK(e.cost_usd == Approx(8.0 * 4.0 / 3600.0));
  CHECK(e.samples_per_j == Approx(256.0 / 2624.0));
  CHECK(e.samples_per_usd == Approx(256.0 / (8.0 * 4.0 / 3600.0)));
}

TEST_CASE("energy: a 200 W limit stretches compute only and saves energy", "[estimate][energy]") {
  const gpu_type& a100 = *builtin_catalog().find("a100-40gb");
  const iteration_energy e = energy_per_iteration(a100, 8, one_second(), 256.0, 200.0);
  // compute 0.6 / 0.763143 = 0.786222 s; the rest unchanged: 1.186222 s.
  CHECK(e.iter_time_s == Approx(1.186222).epsilon(1e-5));
  // Per GPU: 200 W x (0.786222 + 0.2) + 40 W x 0.2 = 205.244 J; 8 GPUs: 1,641.96 J.
  CHECK(e.energy_j == Approx(8.0 * (200.0 * 0.986222 + 8.0)).epsilon(1e-5));
  CHECK(e.cost_usd == 0.0);
  CHECK(e.samples_per_usd == 0.0);
}

TEST_CASE("energy: the objectives' figures for one allocation", "[estimate][energy]") {
  const gpu_type& t4 = *builtin_catalog().find("t4");  // 70 W, idle 7 W
  // 30 samples/s on 2 T4s, always computing: 30 / 140 W = 0.2143 samples/J.
  CHECK(objective_value(allocation_objective::energy, 30.0, t4, 2, 1.0, 0.35) == Approx(30.0 / 140.0));
  // Half the time waiting: 2 x (35 + 3.5) = 77 W.
  CHECK(objective_value(allocation_objective::energy, 30.0, t4, 2, 0.5, 0.35) == Approx(30.0 / 77.0));
  // 2 GPUs x 0.35 USD/h = 0.7 USD/h: 30 x 3600 / 0.7 samples per USD.
  CHECK(objective_value(allocation_objective::cost, 30.0, t4, 2, 1.0, 0.35) == Approx(30.0 * 3600.0 / 0.7));
  CHECK(objective_value(allocation_objective::cost, 30.0, t4, 2, 1.0, 0.0) == 0.0);  // unpriced
  CHECK(objective_value(allocation_objective::throughput, 30.0, t4, 2, 1.0, 0.0) == 30.0);
  CHECK(objective_from_name("energy") == allocation_objective::energy);
  CHECK_FALSE(objective_from_name("greenest").has_value());
}
