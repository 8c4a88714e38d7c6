// Reading order of a trace: sorted by time, or the rows as given (the reference's CSV reading).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <cellsched/sim/arrival_order.hpp>
#include <cellsched/sim/policy_registry.hpp>
#include <cellsched/sim/simulator.hpp>

#include "../schedule/reference_fixtures.hpp"
#include "test_policies.hpp"

using namespace cellsched;
using namespace cellsched::sim;
using sim_testing::make_job;

namespace {
// C's row comes after B's but C was submitted earlier (1100 < 1400).
std::vector<job> out_of_order_trace() {
  return {make_job("A", 1000, 300, 1), make_job("B", 1400, 300, 1), make_job("C", 1100, 300, 1),
          make_job("D", 1700, 300, 1)};
}

const job_outcome& outcome(const sim_run& run, const std::string& id) {
  for (const auto& j : run.jobs)
    if (j.id == id) return j;
  FAIL("no job " << id);
  return run.jobs.front();
}
}  // namespace

TEST_CASE("arrival order: an out-of-order row joins the round being built", "[sim][trace_order]") {
  // Windows of 300 s from 1000: A in (.., 1300], B opens (1300, 1600]; C (1100) is read after B and joins
  // B's round instead of A's; D opens (1600, 1900].
  std::vector<job> file = out_of_order_trace();
  order_trace(file, trace_order::file);
  CHECK(arrival_rounds(file, 300.0) == std::vector<int>{0, 1, 1, 2});
  std::vector<job> timed = out_of_order_trace();
  order_trace(timed, trace_order::time);
  CHECK(timed[1].id == "C");
  CHECK(arrival_rounds(timed, 300.0) == std::vector<int>{0, 0, 1, 2});
}

TEST_CASE("arrival order: the simulator submits an out-of-order row with the current batch", "[sim][trace_order]") {
  const cluster c = testing_fixtures::small_cluster(1, 0, 0, 0);
  const sim_testing::constant_oracle oracle{1.0};
  for (const trace_order order : {trace_order::file, trace_order::time}) {
    sim_testing::fifo_single_node pol;
    sim_options o;
    o.rounds = 6;
    o.order = order;
    const sim_run run = simulate(c, out_of_order_trace(), oracle, pol, guided_tuning_costs(), o);
    INFO(to_string(order));
    CHECK(run.start_s == 1000.0);
    CHECK(outcome(run, "A").submit_s == 1000.0);
    CHECK(outcome(run, "B").submit_s == 1300.0);
    // Read in file order C arrives with B (recorded at its window's start); sorted, with A.
    CHECK(outcome(run, "C").submit_s == (order == trace_order::file ? 1300.0 : 1000.0));
    CHECK(outcome(run, "D").submit_s == 1600.0);
  }
}

TEST_CASE("arrival order: names parse and print", "[sim][trace_order]") {
  CHECK(parse_trace_order("file") == trace_order::file);
  CHECK(parse_trace_order("time") == trace_order::time);
  CHECK(std::string(to_string(trace_order::file)) == "file");
  CHECK_THROWS_AS(parse_trace_order("sorted"), std::invalid_argument);
}
