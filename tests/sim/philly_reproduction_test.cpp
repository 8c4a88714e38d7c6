// Crius on the reference Philly experiment reproduces the reference simulator's recorded figures
// (docs/reference-simulator.md §4: 828 jobs finished, mean JCT 41,648 s, mean / peak throughput 6,770.6 /
// 10,994.3 samples/s), and repeated runs are identical.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/schedule/crius.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/policy_registry.hpp>
#include <cellsched/sim/simulator.hpp>

using namespace cellsched;

namespace {
struct philly {
  cluster topology;
  std::vector<job> trace;
  reference_perf_table table;
  philly()
      : topology(io::load_cluster_file(std::string(CELLSCHED_DATA_DIR) + "/clusters/arena-1280.json")),
        trace(io::load_trace_file(std::string(CELLSCHED_DATA_DIR) + "/traces/philly.csv", io::trace_options{5, {}})),
        table(io::load_reference_table(std::string(CELLSCHED_DATA_DIR) + "/perf/arena-profile-db.json",
                                       topology.catalog())) {
    table.bind_cluster(topology);
  }
};
}  // namespace

TEST_CASE("crius reproduces the reference Philly figures", "[sim][reproduction]") {
  const philly p;
  REQUIRE(p.trace.size() == 1938);
  crius_policy pol;
  const sim::sim_run run = sim::simulate(p.topology, p.trace, p.table, pol, sim::guided_tuning_costs());
  const sim::run_metrics m = sim::compute_metrics(run, sim::round_rule::reference);
  REQUIRE(m.rounds == 2000);
  REQUIRE(m.finished == 828);
  REQUIRE(m.avg_jct_s == Approx(41648.0).margin(0.5));
  REQUIRE(m.avg_throughput == Approx(6770.6).margin(0.05));
  REQUIRE(m.peak_throughput == Approx(10994.3).margin(0.05));
  REQUIRE(m.submitted == m.finished + m.running + m.pending + m.dropped);

  // Deterministic: a second run makes the same decisions, round for round.
  crius_policy again;
  const sim::sim_run run2 = sim::simulate(p.topology, p.trace, p.table, again, sim::guided_tuning_costs());
  REQUIRE(run2.throughput == run.throughput);
  REQUIRE(run2.busy_gpus == run.busy_gpus);
  REQUIRE(run2.finished_jct_s == run.finished_jct_s);
}

TEST_CASE("crius: restarting a preempted job's execution-time count changes the figures", "[sim][reproduction]") {
  const philly p;
  crius_policy pol;
  sim::sim_options o;
  o.carry_exec_time_across_preemption = false;
  const sim::sim_run exact = sim::simulate(p.topology, p.trace, p.table, pol, sim::guided_tuning_costs(), o);
  // Opportunistic jobs are preempted by their blockers; without the reference's re-crediting of their
  // earlier execution time the run differs from the recorded one.
  REQUIRE(exact.preemptions > 0);
  REQUIRE(exact.finished_jct_s.size() != 828);
}
