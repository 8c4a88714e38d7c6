// Closed-loop simulation (docs/closed-loop.md): jobs run at the truth while the policy decides with its
// belief; an online belief learns from the running jobs; a drifting GPU type raises an alarm within
// rounds of the change, and none without the change.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <cellsched/adapt/online_oracle.hpp>
#include <cellsched/sim/simulator.hpp>
#include <cellsched/sim/truth_oracle.hpp>

#include "../schedule/reference_fixtures.hpp"
#include "test_policies.hpp"

using namespace cellsched;
using namespace cellsched::sim;
using sim_testing::make_job;

namespace {
// Two jobs of 2 GPUs on one 4-GPU node; each needs 600 iterations.
std::vector<job> two_jobs() { return {make_job("A", 0, 600, 2), make_job("B", 10, 600, 2)}; }
}  // namespace

TEST_CASE("closed loop: jobs progress at the truth; an online belief learns it in one round", "[sim][adapt]") {
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  const sim_testing::constant_oracle belief_base{1.0}, truth_base{2.0};
  sim_options o;
  o.rounds = 8;
  sim_testing::fifo_single_node pol;

  // Without learning the belief stays off by half every round.
  truth_oracle<sim_testing::constant_oracle> t1(truth_base, {});
  const sim_testing::constant_oracle& fixed = belief_base;
  const sim_run blind = simulate_closed_loop(c, two_jobs(), fixed, t1, pol, guided_tuning_costs(), o);
  // 600 iterations at 2 s = 1,200 s: seen finished at round 4 (t = 1,200), not round 2 as believed.
  REQUIRE(blind.finished_jct_s == std::vector<double>{1200.0, 1200.0});
  REQUIRE(blind.prediction_error.size() == 8);
  CHECK(blind.prediction_error[0] == Approx(0.5));
  CHECK(blind.prediction_error[3] == Approx(0.5));
  CHECK(blind.alarms.empty());

  // With learning: the first round's error is the prior's, from the second round on it is 0.
  truth_oracle<sim_testing::constant_oracle> t2(truth_base, {});
  online_oracle<sim_testing::constant_oracle> learner(belief_base);
  sim_testing::fifo_single_node pol2;
  const sim_run run = simulate_closed_loop(c, two_jobs(), learner, t2, pol2, guided_tuning_costs(), o);
  REQUIRE(run.finished_jct_s == blind.finished_jct_s);  // the truth decides progress either way
  CHECK(run.prediction_error[0] == Approx(0.5));
  CHECK(run.prediction_error[1] == 0.0);
  CHECK(run.prediction_error[3] == 0.0);
  CHECK(learner.observed_cells() == 1);  // both jobs run the same model on the same Cell shape
  CHECK(run.alarms.empty());
}

TEST_CASE("closed loop: a GPU type slowed by 30 % at a known round raises an alarm within 3 rounds",
          "[sim][adapt][drift]") {
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  const sim_testing::constant_oracle base{1.0};
  sim_options o;
  o.rounds = 30;
  std::vector<job> trace = {make_job("A", 0, 10'000, 2), make_job("B", 0, 10'000, 2)};

  truth_options drift;
  drift.drifts.push_back({"a100-40gb", 1.3, 12});
  truth_oracle<sim_testing::constant_oracle> truth(base, drift);
  online_oracle<sim_testing::constant_oracle> belief(base);
  sim_testing::fifo_single_node pol;
  const sim_run run = simulate_closed_loop(c, trace, belief, truth, pol, guided_tuning_costs(), o);
  REQUIRE_FALSE(run.alarms.empty());
  CHECK(run.alarms.front().round >= 12);
  CHECK(run.alarms.front().round <= 14);
  CHECK(run.alarms.front().alarm.reason.find("30 % slower than learnt") != std::string::npos);
  // After the alarm the belief follows the truth again.
  CHECK(run.prediction_error.back() == 0.0);

  // The same seeded run without the change: no alarm.
  truth_oracle<sim_testing::constant_oracle> steady(base, {});
  online_oracle<sim_testing::constant_oracle> belief2(base);
  sim_testing::fifo_single_node pol2;
  const sim_run calm = simulate_closed_loop(c, trace, belief2, steady, pol2, guided_tuning_costs(), o);
  CHECK(calm.alarms.empty());
}

TEST_CASE("truth oracle: noise is fixed per job and GPU type, seeded; drift starts at its round", "[sim][adapt]") {
  const sim_testing::constant_oracle base{1.0};
  truth_options t;
  t.noise_seed = 7;
  t.noise_sigma = 0.2;
  t.drifts.push_back({"v100-32gb", 2.0, 3});
  truth_oracle<sim_testing::constant_oracle> a(base, t), b(base, t);
  const job j = make_job("A", 0, 1, 1), k = make_job("B", 0, 1, 1);
  const double ja = a.query(j, "a100-40gb", {1}).iter_time_s;
  CHECK(ja == b.query(j, "a100-40gb", {1}).iter_time_s);   // seeded
  CHECK(ja == a.query(j, "a100-40gb", {2}).iter_time_s);   // per job and type, not per layout
  CHECK(ja != a.query(k, "a100-40gb", {1}).iter_time_s);   // another job
  CHECK(ja != a.query(j, "v100-32gb", {1}).iter_time_s);   // another type
  const double before = a.query(j, "v100-32gb", {1}).iter_time_s;
  a.at_round(3);
  CHECK(a.query(j, "v100-32gb", {1}).iter_time_s == Approx(2.0 * before));
  CHECK(a.query(j, "a100-40gb", {1}).iter_time_s == ja);
}
