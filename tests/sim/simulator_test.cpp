// The simulator's accounting and metrics on tiny traces worked out by hand (docs/reference-simulator.md §3).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <cellsched/sim/any_policy.hpp>
#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/policy_registry.hpp>
#include <cellsched/sim/simulator.hpp>

#include "../schedule/reference_fixtures.hpp"
#include "test_policies.hpp"

using namespace cellsched;
using namespace cellsched::sim;
using sim_testing::make_job;

namespace {
// A (2 GPUs, 600 s of work) and B (4 GPUs, 900 s) arrive in window 0, C (2 GPUs, 300 s) in window 1;
// FIFO on one 4-GPU node: A runs rounds 0-1, B rounds 2-4, C round 5.
std::vector<job> abc_trace() {
  return {make_job("A", 1000, 600, 2), make_job("B", 1100, 900, 4), make_job("C", 1400, 300, 2)};
}
}  // namespace

TEST_CASE("simulator: arrivals, progress, JCT and queueing on a hand-checked trace", "[sim]") {
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  const sim_testing::constant_oracle oracle{1.0};
  sim_testing::fifo_single_node pol;
  sim_options o;
  o.rounds = 8;
  const sim_run run = simulate(c, abc_trace(), oracle, pol, guided_tuning_costs(), o);
  REQUIRE(run.start_s == 1000.0);
  REQUIRE(run.jobs.size() == 3);
  // Submission is recorded at the start of the arrival window.
  REQUIRE(run.jobs[1].submit_s == 1000.0);
  REQUIRE(run.jobs[2].submit_s == 1300.0);
  // A finishes when seen at round 2 (t = 1600), B at round 5 (2500), C at round 6 (2800).
  REQUIRE(run.finished_jct_s == std::vector<double>{600.0, 1500.0, 1500.0});
  REQUIRE(run.jobs[0].queued_s == 0.0);
  REQUIRE(run.jobs[1].queued_s == 600.0);   // pending at the ends of rounds 0, 1
  REQUIRE(run.jobs[2].queued_s == 1200.0);  // pending at the ends of rounds 1-4
  // Throughput: 1000 samples/s per job, a newly placed job discounted by (300 - min(10 n, 40)) / 300.
  REQUIRE(run.throughput[0] == Approx(1000.0 * 280.0 / 300.0));
  REQUIRE(run.throughput[1] == 1000.0);
  REQUIRE(run.throughput[2] == Approx(1000.0 * 260.0 / 300.0));
  REQUIRE(run.throughput[6] == 0.0);
  REQUIRE(run.busy_gpus == std::vector<int>{2, 2, 4, 4, 4, 2, 0, 0});

  const run_metrics m = compute_metrics(run);
  REQUIRE(m.finished == 3);
  REQUIRE(m.avg_jct_s == 1200.0);
  REQUIRE(m.avg_queue_s == 600.0);
  REQUIRE(m.counted_rounds == 6);  // rounds 6 and 7 have no throughput
  REQUIRE(m.avg_throughput == Approx((933.333 + 1000 + 866.667 + 1000 + 1000 + 933.333) / 6).epsilon(1e-6));
  REQUIRE(m.peak_throughput == 1000.0);
  REQUIRE(m.gpu_utilisation == Approx(0.75));
  REQUIRE(m.submitted == m.finished + m.running + m.pending + m.dropped);
}

TEST_CASE("simulator: re-tuning longer than a round becomes a debt that stalls progress", "[sim]") {
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  const sim_testing::constant_oracle oracle{1.0};
  sim_testing::fifo_single_node pol;
  sim_options o;
  o.rounds = 10;
  // Unguided search: A (2 GPUs) pays min(300, 600) = 300 s, B (4 GPUs) 600 s: a debt of 300 s.
  const sim_run run = simulate(c, abc_trace(), oracle, pol, unguided_tuning_costs(), o);
  REQUIRE(run.throughput[0] == 0.0);  // A: (300 - 300) / 300
  REQUIRE(run.throughput[1] == 1000.0);
  REQUIRE(run.throughput[2] == 0.0);  // B placed: 600 s > 300 s, counts 0, debt 300
  REQUIRE(run.throughput[3] == 0.0);  // debt 300 <= 300: (300 - 300) / 300
  REQUIRE(run.throughput[4] == 1000.0);
  // B made no progress in round 3, so it finishes one round later than with guided tuning.
  REQUIRE(run.finished_jct_s == std::vector<double>{600.0, 1800.0, 1800.0});
}

TEST_CASE("simulator: a failed node re-queues its jobs, which resume and finish, nothing lost", "[sim]") {
  const cluster c = testing_fixtures::small_cluster(2, 0, 0, 0);
  const sim_testing::constant_oracle oracle{1.0};
  sim_testing::fifo_single_node pol;
  sim_options o;
  o.rounds = 12;
  o.failures = {{1350.0, 0, false}, {3000.0, 0, true}};  // node 0 fails in round 2's window
  std::vector<job> trace = {make_job("A", 1000, 1200, 2), make_job("B", 1000, 620, 2)};
  const sim_run run = simulate(c, trace, oracle, pol, guided_tuning_costs(), o);
  // Rounds 0-1: A and B share node 0. The failure at t = 1350 is seen at round 2 (t = 1600): both are
  // credited the 300 + 50 s they ran (A 850 iterations left, B 270), re-queued, and restart on node 1.
  REQUIRE(run.jobs.size() == 2);
  REQUIRE(run.jobs[0].restarts == 1);
  REQUIRE(run.jobs[1].restarts == 1);
  const run_metrics m = compute_metrics(run);
  REQUIRE(m.finished == 2);
  REQUIRE(m.submitted == m.finished + m.running + m.pending + m.dropped);
  // B finishes at round 3 (t = 1900), A (850 = 300 + 300 + 250) at round 5 (t = 2500).
  REQUIRE(run.finished_jct_s == std::vector<double>{900.0, 1500.0});
}

TEST_CASE("simulator: runs are deterministic and every job is accounted for", "[sim]") {
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  const sim_testing::constant_oracle oracle{0.7};
  std::vector<job> trace;
  for (int i = 0; i < 40; ++i) {
    std::string id = std::to_string(i);
    id.insert(0, 1, 'j');  // (GCC 12 warns falsely about "j" + std::to_string(i) here)
    trace.push_back(make_job(id, 1000.0 + 97.0 * i, 200 + 37 * i, 1 << (i % 3)));
  }
  sim_options o;
  o.rounds = 40;
  sim_testing::fifo_single_node p1;
  sim_testing::fifo_single_node p2;
  const sim_run a = simulate(c, trace, oracle, p1, guided_tuning_costs(), o);
  const sim_run b = simulate(c, trace, oracle, p2, guided_tuning_costs(), o);
  REQUIRE(a.throughput == b.throughput);
  REQUIRE(a.finished_jct_s == b.finished_jct_s);
  const run_metrics m = compute_metrics(a);
  REQUIRE(m.submitted == m.finished + m.running + m.pending + m.dropped);
  REQUIRE(m.finished > 0);
  REQUIRE(m.pending > 0);
}

TEST_CASE("simulator: a type-erased policy runs like the policy itself", "[sim]") {
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  const sim_testing::constant_oracle oracle{1.0};
  policy_registry<sim_testing::constant_oracle> reg;
  reg.add<sim_testing::fifo_single_node>("fifo", "test FIFO", guided_tuning_costs());
  reg.add_unavailable("solver", "needs a solver", "not built");
  REQUIRE(reg.available_names() == std::vector<std::string>{"fifo"});
  REQUIRE_FALSE(reg.find("solver")->available);
  any_policy<sim_testing::constant_oracle> p = reg.find("fifo")->make();
  sim_options o;
  o.rounds = 8;
  const sim_run run = simulate(c, abc_trace(), oracle, p, reg.find("fifo")->costs, o);
  REQUIRE(run.policy == "fifo");
  REQUIRE(run.finished_jct_s == std::vector<double>{600.0, 1500.0, 1500.0});
}

TEST_CASE("metrics: padded JCT pads to the anchor's finished count with the largest JCT", "[sim]") {
  sim_run crius;
  crius.policy = "crius";
  crius.finished_jct_s = {100, 200, 300, 400};
  sim_run base;
  base.policy = "fcfs";
  base.finished_jct_s = {500, 900};
  std::vector<sim_run> runs = {crius, base};
  std::vector<run_metrics> m = {compute_metrics(crius), compute_metrics(base)};
  pad_jct(m, runs);
  REQUIRE(*m[0].padded_avg_jct_s == 250.0);  // the anchor keeps its plain mean
  REQUIRE(*m[1].padded_avg_jct_s == (500 + 900 + 900 + 900) / 4.0);
  REQUIRE(m[1].avg_jct_s == 700.0);
  REQUIRE(percentile({1, 2, 3, 4}, 50) == 2.5);
}
