// Fault injection: the seeded fault model, hand-checked fault outcomes on tiny traces, the checks that
// catch lost jobs and lost progress, and every registered policy under random faults (zero lost jobs,
// zero invariant violations).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/schedule/state.hpp>
#include <cellsched/sim/default_policies.hpp>
#include <cellsched/sim/fault_checks.hpp>
#include <cellsched/sim/fault_injection.hpp>
#include <cellsched/sim/simulator.hpp>

#include "../schedule/reference_fixtures.hpp"
#include "philly_sample.hpp"
#include "test_policies.hpp"

using namespace cellsched;
using namespace cellsched::sim;
using sim_testing::make_job;

namespace {
fault_options quiet_faults() {
  fault_options f;
  f.node_failures_per_node_day = 0;
  f.job_crashes_per_job_day = 0;
  f.scheduler_restarts_per_day = 0;
  return f;
}
}  // namespace

TEST_CASE("faults: the fault model is seeded and follows its rates", "[sim][faults]") {
  const cluster c = testing_fixtures::small_cluster(40, 10, 100, 100);  // 250 nodes
  fault_options f;
  f.seed = 7;
  f.node_failures_per_node_day = 0.2;
  const double days = 10;
  const auto a = node_fault_schedule(c, f, 1000.0, 1000.0 + days * 86'400);
  const auto b = node_fault_schedule(c, f, 1000.0, 1000.0 + days * 86'400);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) REQUIRE((a[i].time_s == b[i].time_s && a[i].node == b[i].node));
  std::size_t fails = 0;
  for (const auto& e : a) fails += e.repair ? 0 : 1;
  // Up time between failures ~ Exp(5 days), repairs of 2 h: about 250 x 10 x 0.2 = 500 failures.
  REQUIRE(std::abs(static_cast<double>(fails) - 500.0) < 4 * std::sqrt(500.0));
  f.seed = 8;
  REQUIRE(node_fault_schedule(c, f, 1000.0, 1000.0 + days * 86'400).front().time_s != a.front().time_s);

  // Crashes: p = 1 - exp(-rate x 300 s / day) per running job and round.
  f.job_crashes_per_job_day = 20.0;
  const double p = 1.0 - std::exp(-20.0 * 300.0 / 86'400.0);
  int crashes = 0;
  const int trials = 20'000;
  for (int i = 0; i < trials; ++i) crashes += job_crashes(f, "job-" + std::to_string(i % 100), i / 100, 300.0, nullptr);
  REQUIRE(std::abs(crashes - p * trials) < 4 * std::sqrt(p * (1 - p) * trials));

  const auto restarts = scheduler_restart_rounds(f, 2000, 300.0);  // 1 per day over ~6.9 days
  REQUIRE(restarts.size() >= 2);
  REQUIRE(restarts.size() <= 16);
  REQUIRE(restarts.front() >= 1);
  REQUIRE(checkpointed_exec_s(550.0, 200.0) == 400.0);
  REQUIRE(checkpointed_exec_s(550.0, 0.0) == 550.0);
}

TEST_CASE("faults: a node failure keeps the work up to the last checkpoint", "[sim][faults]") {
  // A: 800 iterations of 1 s on 2 GPUs of the only node, from t = 1000. Round 1 (t = 1300) credits
  // 300 s; the node fails at 1550 (250 s into round 1) and is repaired at 2000, so A is placed again at
  // round 4 (t = 2200). Continuous checkpoints keep 550 s: 250 left, seen finished at round 5 (2500).
  // Checkpoints every 200 s keep 400 s: 400 left, finished at round 6 (2800).
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  const sim_testing::constant_oracle oracle{1.0};
  for (const auto& [interval_s, jct_s] : std::vector<std::pair<double, double>>{{0.0, 1500.0}, {200.0, 1800.0}}) {
    sim_testing::fifo_single_node pol;
    sim_options o;
    o.rounds = 10;
    o.failures = {{1550.0, 0, false}, {2000.0, 0, true}};
    o.faults = quiet_faults();
    o.faults->checkpoint_interval_s = interval_s;
    const sim_run run = simulate(c, {make_job("A", 1000, 800, 2)}, oracle, pol, guided_tuning_costs(), o);
    INFO("checkpoint interval " << interval_s);
    REQUIRE(run.finished_jct_s == std::vector<double>{jct_s});
    REQUIRE(run.jobs[0].restarts == 1);
    REQUIRE(run.busy_gpus[2] == 0);
    REQUIRE(run.busy_gpus[3] == 0);
    REQUIRE(run.faults->node_failures == 1);
    REQUIRE(run.faults->repairs == 1);
    REQUIRE(run.faults->lost_jobs == 0);
    REQUIRE(run.faults->invariant_violations == 0);
  }
}

TEST_CASE("faults: a job crashing every round progresses by the part of each round it ran", "[sim][faults]") {
  // Crash probability 1: A crashes in every round it runs, at the drawn fraction v_k of round k - 1,
  // keeps floor(v_k x 300) iterations (continuous checkpoints) and is placed again at once.
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  const sim_testing::constant_oracle oracle{1.0};
  fault_options f = quiet_faults();
  f.seed = 99;
  f.job_crashes_per_job_day = 1e9;
  const std::int64_t iterations = 700;
  std::int64_t left = iterations;
  int k = 0;
  int crashes = 0;
  while (left > 0) {
    ++k;
    double v = 0;
    REQUIRE(job_crashes(f, "A", k, 300.0, &v));
    ++crashes;
    left -= static_cast<std::int64_t>(std::floor(v * 300.0));
  }
  sim_testing::fifo_single_node pol;
  sim_options o;
  o.rounds = k + 3;
  o.faults = f;
  const sim_run run = simulate(c, {make_job("A", 1000, iterations, 4)}, oracle, pol, guided_tuning_costs(), o);
  REQUIRE(run.finished_jct_s == std::vector<double>{300.0 * k});
  REQUIRE(run.faults->job_crashes == static_cast<std::size_t>(crashes));
  REQUIRE(run.jobs[0].restarts == crashes - 1);  // the last crash comes after the work was done
  REQUIRE(run.faults->invariant_violations == 0);
  REQUIRE(run.faults->lost_jobs == 0);
}

TEST_CASE("faults: the checks catch a missing job and lost progress", "[sim][faults]") {
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  scheduler_state st(c);
  fault_report rep;
  fault_checker check(rep);
  check.submitted(st.submit(make_job("A", 0, 100, 2)));
  check.check(st, 0);
  REQUIRE(rep.invariant_violations == 0);
  check.stopped("A", 60);  // the ledger says A kept 60 iterations to go; the state still says 100
  job ghost = make_job("B", 0, 10, 1);
  job_record phantom;
  phantom.spec = ghost;
  check.submitted(phantom);  // submitted, never reaches the state
  check.check(st, 1);
  REQUIRE(rep.invariant_violations == 3);  // job count, B missing, A's progress
  check.finish(st);
  REQUIRE(rep.lost_jobs == 2);
  REQUIRE(rep.first_violations.size() == 3);
}

TEST_CASE("faults: every policy under random faults loses no job and breaks no invariant", "[sim][faults]") {
  const philly_sample p(60, 50);
  const auto registry = default_policy_registry<reference_perf_table>();
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    for (const auto& e : registry.entries()) {
      if (!e.available) continue;
      sim_options o;
      o.rounds = 200;  // the 60 jobs arrive over 155 rounds
      fault_options f;
      f.seed = seed;
      f.node_failures_per_node_day = 2.0;
      f.job_crashes_per_job_day = 2.0;
      f.scheduler_restarts_per_day = 24.0;
      f.checkpoint_interval_s = seed % 2 ? 0.0 : 600.0;
      o.faults = f;
      auto pol = e.make();
      const sim_run run = simulate(p.topology, p.trace, p.table, pol, e.costs, o);
      INFO(e.name << " seed " << seed << ": "
                  << (run.faults->first_violations.empty() ? "" : run.faults->first_violations.front()));
      REQUIRE(run.faults->invariant_violations == 0);
      REQUIRE(run.faults->lost_jobs == 0);
      REQUIRE(run.faults->node_failures > 0);
      REQUIRE(run.faults->job_crashes > 0);
      REQUIRE(run.faults->scheduler_restarts > 0);
      REQUIRE(run.jobs.size() == p.trace.size());
    }
  }
}

TEST_CASE("faults: a scheduler restarted from JSON decides exactly as one never stopped", "[sim][faults]") {
  const philly_sample p(60, 50);
  const auto registry = default_policy_registry<reference_perf_table>();
  for (const auto& e : registry.entries()) {
    if (!e.available) continue;
    sim_options o;
    o.rounds = 150;
    fault_options f;
    f.seed = 5;
    f.node_failures_per_node_day = 1.0;
    f.job_crashes_per_job_day = 1.0;
    f.scheduler_restarts_per_day = 0.0;
    o.faults = f;
    auto straight = e.make();
    const sim_run a = simulate(p.topology, p.trace, p.table, straight, e.costs, o);
    o.faults->scheduler_restarts_per_day = 72.0;  // about every 4 rounds
    auto restarted = e.make();
    const sim_run b = simulate(p.topology, p.trace, p.table, restarted, e.costs, o);
    INFO(e.name);
    REQUIRE(b.faults->scheduler_restarts > 20);
    REQUIRE(b.faults->invariant_violations == 0);
    REQUIRE(a.throughput == b.throughput);
    REQUIRE(a.busy_gpus == b.busy_gpus);
    REQUIRE(a.finished_jct_s == b.finished_jct_s);
    REQUIRE(a.preemptions == b.preemptions);
    REQUIRE(a.migrations == b.migrations);
    for (std::size_t i = 0; i < a.jobs.size(); ++i) {
      REQUIRE(a.jobs[i].state == b.jobs[i].state);
      REQUIRE(a.jobs[i].queued_s == b.jobs[i].queued_s);
      REQUIRE(a.jobs[i].restarts == b.jobs[i].restarts);
    }
  }
}
