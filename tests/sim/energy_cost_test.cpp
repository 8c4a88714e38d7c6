// Energy, cost and power in the simulator (sim/energy_meter.hpp) and Crius's objectives and power budget
// (docs/energy-cost.md): one job and one round worked by hand; the objective choosing the GPU type; the
// cheapest allocation that meets a deadline; a power-budget run under injected faults never above its
// budget in any round.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/schedule/crius.hpp>
#include <cellsched/sim/default_policies.hpp>
#include <cellsched/sim/energy_meter.hpp>
#include <cellsched/sim/energy_report.hpp>
#include <cellsched/sim/report.hpp>
#include <cellsched/sim/simulator.hpp>
#include <cellsched/sim/svg_plots.hpp>

#include "philly_sample.hpp"
#include "test_policies.hpp"

using namespace cellsched;
using namespace cellsched::sim;
using sim_testing::make_job;

namespace {

/// `a100_iter_s` per iteration on an A100, `t4_iter_s` on a T4, whatever the count; `share` of it computing.
struct two_type_oracle {
  double a100_iter_s = 1.0;
  double t4_iter_s = 4.0;
  double share = 1.0;
  [[nodiscard]] perf_answer query(const job&, const std::string& type, const node_layout&) const {
    perf_answer a;
    a.feasible = true;
    a.iter_time_s = type == "t4" ? t4_iter_s : a100_iter_s;
    a.compute_share = share;
    return a;
  }
};

cluster a100_and_t4() {
  cluster c("two", builtin_catalog());
  c.add_nodes("a100-40gb", 1, 4);
  c.add_nodes("t4", 1, 4);
  return c;
}

std::string first_type(const sim_run& r) {
  REQUIRE(!r.jobs.empty());
  REQUIRE(!r.jobs[0].allocations.empty());
  return r.jobs[0].allocations[0].gpu_type;
}

}  // namespace

TEST_CASE("energy: one job, one round, worked by hand", "[sim][energy]") {
  cluster c("one", builtin_catalog());
  c.add_nodes("a100-40gb", 1, 4);  // 400 W, idle 40 W
  two_type_oracle oracle;
  oracle.a100_iter_s = 2.0;
  oracle.share = 0.75;
  sim_testing::fifo_single_node pol;
  sim_options o;
  o.rounds = 1;
  o.round_s = 300.0;
  o.energy.usd_per_gpu_hour = {{"a100-40gb", 4.0}};
  const sim_run r = simulate(c, {make_job("j", 0.0, 1000, 2)}, oracle, pol, cost_options{}, o);
  REQUIRE(r.power_w.size() == 1);
  // Two GPUs busy at 0.75 x 400 + 0.25 x 40 = 310 W each, two idle at 40 W: 700 W.
  CHECK(r.power_w[0] == Approx(700.0));
  CHECK(r.energy_j == Approx(700.0 * 300.0));
  CHECK(r.job_energy_j == Approx(620.0 * 300.0));
  // 2 GPUs x 4 USD/h x 300 s.
  CHECK(r.cost_usd == Approx(2.0 * 4.0 * 300.0 / 3600.0));
  REQUIRE(r.jobs.size() == 1);
  CHECK(r.jobs[0].energy_j == Approx(186'000.0));
  CHECK(r.jobs[0].cost_usd == Approx(2.0 / 3.0));
  CHECK(r.jobs[0].gpu_hours == Approx(2.0 * 300.0 / 3600.0));
  // The report: 0.0583 kWh, and per sample. The round trains 1,000 samples / 2 s x 300 s, less the
  // re-tuning of the round it starts in (2 GPUs x 10 s): 150,000 x 280 / 300 = 140,000 samples.
  const energy_metrics m = compute_energy_metrics(r);
  CHECK(m.energy_kwh == Approx(210'000.0 / 3.6e6));
  CHECK(m.samples == Approx(140'000.0));
  CHECK(m.job_energy_j_per_sample == Approx(186'000.0 / 140'000.0));
  CHECK(m.usd_per_million_samples == Approx(2.0 / 3.0 / 140'000.0 * 1e6));
  const std::string table = format_energy_table({r});
  CHECK_THAT(table, Catch::Contains("energy kWh") && Catch::Contains("0.67"));
  CHECK_THAT(jobs_csv({r}), Catch::Contains("energy_kwh,cost_usd,gpu_hours") && Catch::Contains(",0.051667,0.666667,"));
  CHECK_THAT(power_svg({r}), Catch::Contains("Cluster power"));
}

TEST_CASE("energy: a type without price or board power is reported, not counted silently", "[sim][energy]") {
  hardware_catalog cat = builtin_catalog();
  gpu_type x = *cat.find("a100-40gb");
  x.name = "x1";
  x.aliases.clear();
  x.tdp_w = 0.0;
  cat.add(x);
  cluster c("one", cat);
  c.add_nodes("x1", 1, 4);
  sim_testing::constant_oracle oracle;
  sim_testing::fifo_single_node pol;
  sim_options o;
  o.rounds = 1;
  job j = make_job("j", 0.0, 1000, 2);
  j.requested_gpu_type = "x1";
  const sim_run r = simulate(c, {j}, oracle, pol, cost_options{}, o);
  CHECK(r.unpowered_types == std::vector<std::string>{"x1"});
  CHECK(r.unpriced_types == std::vector<std::string>{"x1"});
  const std::string table = format_energy_table({r});
  CHECK_THAT(table, Catch::Contains("n/a") && Catch::Contains("no board power (tdp_w) for x1") &&
                        Catch::Contains("no price for x1"));
  CHECK(energy_json(r)["energy_kwh"].is_null());
}

TEST_CASE("objectives: Crius picks the faster, the cheaper or the more efficient GPU type", "[sim][energy]") {
  const cluster c = a100_and_t4();
  const two_type_oracle oracle;  // A100: 1,000 samples/s on 400 W; T4: 250 samples/s on 70 W
  sim_options o;
  o.rounds = 1;
  const auto run_with = [&](allocation_objective obj) {
    crius_options co;
    co.objective = obj;
    co.usd_per_gpu_hour = {{"a100-40gb", 4.0}, {"t4", 0.35}};
    crius_policy pol(co);
    return simulate(c, {make_job("j", 0.0, 1000, 1)}, oracle, pol, guided_tuning_costs(), o);
  };
  const sim_run thr = run_with(allocation_objective::throughput);
  CHECK(thr.policy == "crius");
  CHECK(first_type(thr) == "a100-40gb");
  // Samples per joule: 1,000 / 400 = 2.5 on the A100, 250 / 70 = 3.57 on the T4.
  const sim_run green = run_with(allocation_objective::energy);
  CHECK(green.policy == "crius-energy");
  CHECK(first_type(green) == "t4");
  // Samples per USD: 1,000 x 3,600 / 4 = 900,000 on the A100, 250 x 3,600 / 0.35 = 2.57 M on the T4.
  CHECK(first_type(run_with(allocation_objective::cost)) == "t4");
}

TEST_CASE("objectives: with deadlines, the cheapest allocation that still meets the deadline", "[sim][energy]") {
  const cluster c = a100_and_t4();
  const two_type_oracle oracle;  // 1,000 iterations: 1,000 s on an A100, 4,000 s on a T4
  sim_options o;
  o.rounds = 1;
  job j = make_job("j", 0.0, 1000, 1);
  // Stretched by 5 at submission: due at 2,500 s. The A100 finishes by 10 + 300 + 1,000 s; the T4 cannot.
  j.deadline_s = 500.0;
  crius_options co;
  co.objective = allocation_objective::cost;
  co.usd_per_gpu_hour = {{"a100-40gb", 4.0}, {"t4", 0.35}};
  co.deadline_aware = true;
  crius_policy ddl(co);
  const sim_run tight = simulate(c, {j}, oracle, ddl, guided_tuning_costs(), o);
  CHECK(tight.policy == "crius-ddl-cost");
  CHECK(first_type(tight) == "a100-40gb");
  j.deadline_s = 2000.0;  // due at 10,000 s: the T4 meets it and is cheaper
  crius_policy ddl2(co);
  CHECK(first_type(simulate(c, {j}, oracle, ddl2, guided_tuning_costs(), o)) == "t4");
}

TEST_CASE("power budget: Crius under injected faults never exceeds it in any round", "[sim][energy][faults]") {
  const philly_sample p(60, 50);
  // 8 A100 (400 W), 16 V100 (300 W), 8 A40 (300 W), 8 A10 (150 W): 1,160 W idle, 11,600 W all busy.
  CHECK(cluster_idle_power_w(p.topology) == Approx(1160.0));
  const double budget = 5000.0;
  sim_options o;
  o.rounds = 200;
  const auto run = [&](double budget_w, std::uint64_t seed) {
    crius_options co;
    co.power_budget_w = budget_w;
    auto pol = default_policy_registry<reference_perf_table>(co).find("crius")->make();
    sim_options so = o;
    so.energy.power_budget_w = budget_w;
    fault_options f;
    f.seed = seed;
    f.node_failures_per_node_day = 2.0;
    f.job_crashes_per_job_day = 2.0;
    f.scheduler_restarts_per_day = 24.0;
    so.faults = f;
    return simulate(p.topology, p.trace, p.table, pol, guided_tuning_costs(), so);
  };
  // Without the budget the same runs draw more than it at some round: the budget binds.
  const sim_run free = run(0.0, 1);
  CHECK(*std::max_element(free.power_w.begin(), free.power_w.end()) > budget);
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const sim_run r = run(budget, seed);
    INFO("seed " << seed << ": " << (r.first_power_violations.empty() ? "" : r.first_power_violations.front()));
    CHECK(r.policy == "crius-budget");
    REQUIRE(r.power_w.size() == r.throughput.size());
    CHECK(r.power_budget_violations == 0);
    CHECK(*std::max_element(r.power_w.begin(), r.power_w.end()) <= budget);
    CHECK(r.faults->invariant_violations == 0);
    CHECK(r.faults->lost_jobs == 0);
    CHECK(r.faults->node_failures > 0);
    CHECK(r.finished_jct_s.size() > 0);
  }
}
