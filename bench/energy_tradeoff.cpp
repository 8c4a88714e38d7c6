// Energy and cost against time on the reference Philly experiment (docs/energy-cost.md): the bundled
// 1,280-GPU cluster, the reference profile table and trace (iterations / 5, rows in file order), 2,000
// rounds of 300 s, Crius under each objective - throughput (the default), samples per joule, samples per
// USD, throughput under a cluster power budget - and crius-ddl with throughput and with cost (the cheapest
// allocation that meets each deadline). Prints energy per sample, cost per sample, throughput and mean
// JCT per run, and writes them as JSON with two SVG plots (energy per sample against mean JCT; power).
//
// usage: energy_tradeoff [--prices FILE] [--budget-w W] [--out FILE.json]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/price_json.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/schedule/crius.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/sim/energy_report.hpp>
#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/report.hpp>
#include <cellsched/sim/simulator.hpp>
#include <cellsched/sim/svg_plots.hpp>

#include "philly_inputs.hpp"

using namespace cellsched;

namespace {
void write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f.flush()) throw input_error(path, "", "a path that can be written");
}
}  // namespace

int main(int argc, char** argv) {
  const std::string data = CELLSCHED_DATA_DIR;
  std::string prices_path = data + "/prices/cloud-list-prices.json";
  std::string out = std::string(CELLSCHED_BENCH_OUT_DIR) + "/energy_tradeoff.json";
  double budget_w = 0.0;
  // Options, each with a value: --prices FILE, --budget-w W, --out FILE.
  std::string budget_text = "250000";
  const std::vector<std::pair<std::string, std::string*>> options = {
      {"--prices", &prices_path}, {"--budget-w", &budget_text}, {"--out", &out}};
  for (int i = 1; i < argc; i += 2) {
    std::string* target = nullptr;
    for (const auto& [name, value] : options)
      if (argv[i] == name) target = value;
    if (target == nullptr || i + 1 >= argc) {
      std::fprintf(stderr, "usage: energy_tradeoff [--prices FILE] [--budget-w W] [--out FILE.json]\n");
      return 2;
    }
    *target = argv[i + 1];
  }
  budget_w = std::atof(budget_text.c_str());
  try {
    const philly_inputs in = load_philly_inputs(data);
    const cluster& topology = in.topology;
    const std::vector<job>& trace = in.trace;
    const reference_perf_table& table = in.table;
    const price_table prices = io::load_prices_file(prices_path, topology.catalog()).merged(topology.prices());
    std::vector<std::pair<std::string, double>> usd;
    for (const auto& type : topology.gpu_types_present())
      if (const gpu_price* p = prices.find(type, topology.catalog())) usd.emplace_back(type, p->usd_per_gpu_hour);

    struct variant {
      allocation_objective objective;
      bool deadline_aware;
      double budget_w;
    };
    const std::vector<variant> variants = {{allocation_objective::throughput, false, 0.0},
                                           {allocation_objective::energy, false, 0.0},
                                           {allocation_objective::cost, false, 0.0},
                                           {allocation_objective::throughput, false, budget_w},
                                           {allocation_objective::throughput, true, 0.0},
                                           {allocation_objective::cost, true, 0.0}};
    std::vector<sim::sim_run> runs;
    for (const auto& v : variants) {
      crius_options co;
      co.objective = v.objective;
      co.deadline_aware = v.deadline_aware;
      co.power_budget_w = v.budget_w;
      co.usd_per_gpu_hour = usd;
      crius_policy pol(co);
      sim::sim_options opts;
      opts.order = sim::trace_order::file;  // the reference reads its CSV trace in row order
      opts.energy.usd_per_gpu_hour = usd;
      opts.energy.power_budget_w = v.budget_w;
      runs.push_back(sim::simulate(topology, trace, table, pol, guided_tuning_costs(), opts));
      std::fprintf(stderr, "energy_tradeoff: %s done in %.1f s\n", runs.back().policy.c_str(), runs.back().wall_s);
    }

    std::printf("Crius on the Philly experiment (%d GPUs, %zu jobs, %d rounds of 300 s), prices %s\n\n",
                topology.total_gpus(), trace.size(), sim::sim_options{}.rounds, prices_path.c_str());
    std::printf("%-16s %9s %11s %9s %9s %9s %9s %9s %10s\n", "policy", "finished", "avg JCT s", "thr avg",
                "J/sample", "cl J/smp", "USD/1M", "peak kW", "violations");
    nlohmann::json doc = {{"bench", "energy_tradeoff"}, {"prices", prices_path}, {"runs", nlohmann::json::array()}};
    for (const auto& r : runs) {
      const sim::run_metrics m = sim::compute_metrics(r, sim::round_rule::reference);
      const sim::energy_metrics e = sim::compute_energy_metrics(r);
      std::printf("%-16s %9zu %11.0f %9.1f %9.2f %9.2f %9.2f %9.1f %10zu\n", r.policy.c_str(), m.finished,
                  m.avg_jct_s, m.avg_throughput, e.job_energy_j_per_sample, e.energy_j_per_sample,
                  e.usd_per_million_samples, e.peak_power_w / 1e3, e.power_budget_violations);
      nlohmann::json j = sim::metrics_json(m);
      j["energy"] = sim::energy_json(r);
      doc["runs"].push_back(std::move(j));
    }
    write(out, doc.dump(2) + "\n");
    std::string stem = out.size() > 5 && out.compare(out.size() - 5, 5, ".json") == 0 ? out.substr(0, out.size() - 5) : out;
    write(stem + ".svg", sim::energy_tradeoff_svg(runs));
    write(stem + "-power.svg", sim::power_svg(runs));
    std::printf("\nwrote %s, %s.svg, %s-power.svg\n", out.c_str(), stem.c_str(), stem.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "energy_tradeoff: %s\n", e.what());
    return 2;
  }
  return 0;
}
