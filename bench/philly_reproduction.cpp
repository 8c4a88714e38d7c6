// Reproduction of the reference Philly experiment: the bundled 1,280-GPU cluster, the reference
// profile table and trace (iterations / 5), 2,000 rounds of 300 s, every available policy run one
// after another on one thread. Prints our figures beside the reference simulator's recorded ones
// (docs/reference-simulator.md §4) with the wall time of each run, and writes them as JSON.
//
// usage: philly_reproduction [--policy NAME[,NAME...]] [--rounds N] [--exact-restarts] [--out FILE]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/sim/default_policies.hpp>
#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/reference_results.hpp>
#include <cellsched/sim/report.hpp>
#include <cellsched/sim/simulator.hpp>

#include "philly_inputs.hpp"

using namespace cellsched;

int main(int argc, char** argv) {
  std::vector<std::string> only;
  sim::sim_options opts;
  opts.order = sim::trace_order::file;  // the reference reads its CSV trace in row order
  std::string out = std::string(CELLSCHED_BENCH_OUT_DIR) + "/philly_reproduction.json";
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--exact-restarts") {
      opts.carry_exec_time_across_preemption = false;
    } else if (i + 1 < argc && k == "--policy") {
      const std::string v = argv[++i];
      for (std::size_t p = 0; p < v.size();) {
        const std::size_t c = v.find(',', p);
        only.push_back(v.substr(p, c == std::string::npos ? std::string::npos : c - p));
        p = c == std::string::npos ? v.size() : c + 1;
      }
    } else if (i + 1 < argc && k == "--rounds") {
      opts.rounds = std::max(1, std::atoi(argv[++i]));
    } else if (i + 1 < argc && k == "--out") {
      out = argv[++i];
    } else {
      std::fprintf(
          stderr,
          "usage: philly_reproduction [--policy NAME[,NAME...]] [--rounds N] [--exact-restarts] [--out FILE]\n");
      return 2;
    }
  }
  try {
    const philly_inputs in = load_philly_inputs(CELLSCHED_DATA_DIR);
    const cluster& topology = in.topology;
    const std::vector<job>& trace = in.trace;
    const reference_perf_table& table = in.table;

    const auto registry = sim::default_policy_registry<reference_perf_table>();
    std::vector<sim::sim_run> runs;
    for (const auto& e : registry.entries()) {
      if (!only.empty() && std::find(only.begin(), only.end(), e.name) == only.end()) continue;
      if (!e.available) {
        std::printf("%-15s skipped: %s\n", e.name.c_str(), e.unavailable_reason.c_str());
        continue;
      }
      auto pol = e.make();
      runs.push_back(sim::simulate(topology, trace, table, pol, e.costs, opts));
      std::fprintf(stderr, "philly_reproduction: %s done in %.1f s\n", e.name.c_str(), runs.back().wall_s);
    }
    std::vector<sim::run_metrics> ms;
    for (const auto& r : runs) ms.push_back(sim::compute_metrics(r, sim::round_rule::reference));
    sim::pad_jct(ms, runs);

    std::printf(
        "Philly reproduction: %d GPUs, %zu jobs, %d rounds of %.0f s, preempted jobs %s their execution time\n\n",
        topology.total_gpus(), trace.size(), opts.rounds, opts.round_s,
        opts.carry_exec_time_across_preemption ? "keep (as the reference)" : "restart");
    std::printf("%-15s %9s %6s %11s %8s %7s %9s %8s %10s %8s\n", "policy", "finished", "ref", "avg JCT s", "ref",
                "diff", "thr avg", "ref", "thr peak", "wall s");
    nlohmann::json doc = {{"bench", "philly_reproduction"},
                          {"rounds", opts.rounds},
                          {"carry_exec_time_across_preemption", opts.carry_exec_time_across_preemption},
                          {"policies", nlohmann::json::array()}};
    for (const auto& m : ms) {
      const sim::recorded_result* r = sim::find_reference_result(m.policy);
      char ref_fin[16] = "-", ref_jct[16] = "-", diff[16] = "-", ref_thr[16] = "-";
      if (r) {
        std::snprintf(ref_fin, sizeof ref_fin, "%d", r->finished);
        std::snprintf(ref_jct, sizeof ref_jct, "%.0f", r->avg_jct_s);
        const double d = 100.0 * (m.avg_jct_s - r->avg_jct_s) / r->avg_jct_s;
        std::snprintf(diff, sizeof diff, "%+.1f%%", std::fabs(d) < 0.05 ? 0.0 : d);
        std::snprintf(ref_thr, sizeof ref_thr, "%.1f", r->avg_throughput);
      }
      std::printf("%-15s %9zu %6s %11.0f %8s %7s %9.1f %8s %10.1f %8.1f\n", m.policy.c_str(), m.finished, ref_fin,
                  m.avg_jct_s, ref_jct, diff, m.avg_throughput, ref_thr, m.peak_throughput, m.wall_s);
      nlohmann::json p = sim::metrics_json(m);
      if (r)
        p["reference"] = {
            {"finished_jobs", r->finished}, {"avg_jct_s", r->avg_jct_s}, {"avg_throughput", r->avg_throughput}};
      doc["policies"].push_back(std::move(p));
    }
    // Ordering by average JCT, ours against the reference's, over the policies both have.
    std::vector<std::pair<double, std::string>> ours, theirs;
    for (const auto& m : ms)
      if (const auto* r = sim::find_reference_result(m.policy)) {
        ours.emplace_back(m.avg_jct_s, m.policy);
        theirs.emplace_back(r->avg_jct_s, m.policy);
      }
    std::sort(ours.begin(), ours.end());
    std::sort(theirs.begin(), theirs.end());
    std::string a, b;
    for (const auto& x : ours) a += (a.empty() ? "" : " < ") + x.second;
    for (const auto& x : theirs) b += (b.empty() ? "" : " < ") + x.second;
    std::printf("\nby average JCT, ours:      %s\nby average JCT, reference: %s  (%s)\n", a.c_str(), b.c_str(),
                a == b ? "same order" : "different order");
    doc["jct_order_ours"] = a;
    doc["jct_order_reference"] = b;
    std::ofstream(out) << doc.dump(2) << "\n";
    std::printf("written %s\n", out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "philly_reproduction: %s\n", e.what());
    return 1;
  }
  return 0;
}
