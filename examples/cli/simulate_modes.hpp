#pragma once
// `cellsched simulate --shadow HOST` and `--pilot SELECTOR --host-policy P` (docs/closed-loop.md): the
// ways an operator tries cellsched beside the scheduler they run.
#include <cstddef>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <cellsched/hardware/cluster.hpp>
#include <cellsched/schedule/job_selector.hpp>
#include <cellsched/schedule/pilot.hpp>
#include <cellsched/sim/default_policies.hpp>
#include <cellsched/sim/shadow.hpp>
#include <cellsched/sim/simulator.hpp>

#include "args.hpp"
#include "simulate_detail.hpp"

namespace cellsched::cli::simulate_detail {

/// --pilot-gpus TYPE:N[,TYPE:N...]: the pilot's guaranteed GPUs per type.
inline std::map<std::string, int> parse_pilot_gpus(const std::string& value, const cluster& c) {
  std::map<std::string, int> out;
  for (const auto& item : split_list(value)) {
    const auto colon = item.find(':');
    const gpu_type* g = colon == std::string::npos ? nullptr : c.catalog().find(item.substr(0, colon));
    if (!g || c.total_gpus_of(g->name) == 0)
      throw usage_error("--pilot-gpus expects TYPE:N with TYPE a GPU type of the cluster, got '" + item + "'");
    const std::string n = item.substr(colon + 1);
    std::size_t pos = 0;
    long v = -1;
    try {
      v = std::stol(n, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != n.size() || v < 0 || v > c.total_gpus_of(g->name))
      throw usage_error("--pilot-gpus: '" + item + "': N must be a whole number from 0 to the " +
                        std::to_string(c.total_gpus_of(g->name)) + " " + g->name + " GPUs of the cluster");
    out[g->name] = static_cast<int>(v);
  }
  return out;
}

/// Shadow mode: `host` decides and acts; each of `names` decides beside it.
template <class Oracle>
[[nodiscard]] sim::shadow_run run_shadow(const cluster& topology, const std::vector<job>& trace, const Oracle& oracle,
                                         const sim::sim_options& opts, const std::vector<std::string>& names,
                                         const std::string& host, const crius_options& crius_base = {}) {
  const auto registry = sim::default_policy_registry<Oracle>(crius_base);
  std::vector<typename sim::shadow_policy<Oracle>::shadow> shadows;
  for (const auto& n : names) {
    const auto* e = registry.find(n);
    shadows.push_back({e->make(), e->costs});
  }
  const auto* h = registry.find(host);
  return sim::simulate_shadow(topology, trace, oracle, h->make(), h->costs, std::move(shadows), opts);
}

/// Pilot mode: each of `names` manages the jobs `po.selects` picks, `host` the others.
template <class Oracle>
[[nodiscard]] std::vector<sim::sim_run> run_pilots(const cluster& topology, const std::vector<job>& trace,
                                                   const Oracle& oracle, const sim::sim_options& opts,
                                                   const std::vector<std::string>& names, const std::string& host,
                                                   const pilot_options& po, std::size_t workers,
                                                   const crius_options& crius_base = {}) {
  const auto registry = sim::default_policy_registry<Oracle>(crius_base);
  std::vector<sim::sim_run> runs(names.size());
  run_in_parallel(names.size(), workers, [&](std::size_t i) {
    const auto* p = registry.find(names[i]);
    const auto* h = registry.find(host);
    pilot_options o = po;
    o.host_costs = h->costs;
    o.pilot_costs = p->costs;
    sim::sim_options so = opts;
    const job_selector sel = o.selects;
    const cost_options hc = h->costs, pc = p->costs;
    so.job_costs = [sel, hc, pc](const job& j) { return sel.matches(j) ? pc : hc; };
    pilot_policy<sim::any_policy<Oracle>, sim::any_policy<Oracle>> pol(h->make(), p->make(), std::move(o));
    runs[i] = sim::simulate(topology, trace, oracle, pol, h->costs, so);
  });
  return runs;
}

/// Per run: the pilot's jobs and the host's, finished and mean JCT of each side.
[[nodiscard]] inline std::string format_pilot_sides(const std::vector<sim::sim_run>& runs, const job_selector& sel,
                                                    const std::vector<job>& trace) {
  std::map<std::string, bool> pilot;
  for (const auto& j : trace) pilot[j.id] = sel.matches(j);
  std::string out;
  char line[256];
  for (const auto& r : runs) {
    std::size_t n[2] = {0, 0}, done[2] = {0, 0};
    double jct[2] = {0, 0};
    for (const auto& o : r.jobs) {
      const int side = pilot[o.id] ? 1 : 0;
      ++n[side];
      if (o.finished()) {
        ++done[side];
        jct[side] += o.jct_s();
      }
    }
    for (int side = 1; side >= 0; --side) {
      std::snprintf(line, sizeof line, "  %-15s %-6s %6zu jobs, %6zu finished, mean JCT %10.0f s\n", r.policy.c_str(),
                    side ? "pilot" : "host", n[side], done[side],
                    done[side] ? jct[side] / static_cast<double>(done[side]) : 0.0);
      out += line;
    }
  }
  return out;
}

}  // namespace cellsched::cli::simulate_detail
