#pragma once
// `cellsched simulate --truth ...`: closed-loop runs (docs/closed-loop.md). The policy decides with its
// belief (--oracle), jobs run at the truth (--truth, perturbed by --truth-noise and --truth-drift), and
// with --adapt online the belief learns from every running job's reported iteration time.
#include <cmath>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <cellsched/adapt/online_oracle.hpp>
#include <cellsched/cell/any_oracle.hpp>
#include <cellsched/hardware/cluster.hpp>
#include <cellsched/sim/default_policies.hpp>
#include <cellsched/sim/simulator.hpp>
#include <cellsched/sim/truth_oracle.hpp>

#include "args.hpp"
#include "simulate_detail.hpp"

namespace cellsched::cli::simulate_detail {

/// --truth-noise SEED:SIGMA
inline void parse_truth_noise(const std::string& value, sim::truth_options& t) {
  const auto colon = value.find(':');
  const std::string seed = value.substr(0, colon);
  std::size_t pos = 0;
  unsigned long long s = 0;
  double sigma = -1;
  try {
    if (!seed.empty() && seed.front() != '-') s = std::stoull(seed, &pos);
    if (pos != seed.size() || colon == std::string::npos) pos = 0;
    if (pos) {
      const std::string sg = value.substr(colon + 1);
      std::size_t p2 = 0;
      sigma = std::stod(sg, &p2);
      if (p2 != sg.size()) sigma = -1;
    }
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || !std::isfinite(sigma) || sigma < 0 || sigma > 5)
    throw usage_error("--truth-noise expects SEED:SIGMA with SIGMA in [0, 5], got '" + value + "'");
  t.noise_seed = static_cast<std::uint64_t>(s);
  t.noise_sigma = sigma;
}

/// --truth-drift TYPE:FACTOR@ROUND[,...]
inline void parse_truth_drift(const std::string& value, const cluster& c, sim::truth_options& t) {
  for (const auto& item : split_list(value)) {
    const auto colon = item.find(':');
    const auto at = item.find('@');
    if (colon == std::string::npos || at == std::string::npos || at < colon)
      throw usage_error("--truth-drift expects TYPE:FACTOR@ROUND, got '" + item + "'");
    const gpu_type* g = c.catalog().find(item.substr(0, colon));
    if (!g || c.total_gpus_of(g->name) == 0)
      throw usage_error("--truth-drift: '" + item.substr(0, colon) + "' is not a GPU type of the cluster");
    sim::truth_drift d;
    d.gpu_type = g->name;
    try {
      std::size_t p1 = 0, p2 = 0;
      const std::string f = item.substr(colon + 1, at - colon - 1), r = item.substr(at + 1);
      d.factor = std::stod(f, &p1);
      const long long round = std::stoll(r, &p2);
      if (p1 != f.size() || p2 != r.size() || round < 0 || round > 100'000'000) throw std::invalid_argument("x");
      d.from_round = static_cast<int>(round);
    } catch (const std::exception&) {
      throw usage_error("--truth-drift expects TYPE:FACTOR@ROUND with a number FACTOR and a round >= 0, got '" + item + "'");
    }
    if (!std::isfinite(d.factor) || d.factor <= 0 || d.factor > 100)
      throw usage_error("--truth-drift: FACTOR must be in (0, 100], got '" + item + "'");
    t.drifts.push_back(d);
  }
}

/// Simulates each named policy with its own belief (an online_oracle over `belief` when `adapt`) and its
/// own truth, `workers` at a time. `belief` and `truth` must be safe to query from several threads.
[[nodiscard]] inline std::vector<sim::sim_run> run_closed_loop(const cluster& topology, const std::vector<job>& trace,
                                                               const any_oracle& belief, const any_oracle& truth,
                                                               const sim::truth_options& topts, bool adapt,
                                                               const sim::sim_options& opts,
                                                               const std::vector<std::string>& names,
                                                               std::size_t workers) {
  std::vector<sim::sim_run> runs(names.size());
  run_in_parallel(names.size(), workers, [&](std::size_t i) {
    sim::truth_oracle<any_oracle> t(truth, topts);
    if (adapt) {
      const auto registry = sim::default_policy_registry<online_oracle<any_oracle>>();
      const auto* e = registry.find(names[i]);
      online_oracle<any_oracle> b(belief);
      auto pol = e->make();
      runs[i] = sim::simulate_closed_loop(topology, trace, b, t, pol, e->costs, opts);
    } else {
      const auto registry = sim::default_policy_registry<any_oracle>();
      const auto* e = registry.find(names[i]);
      auto pol = e->make();
      runs[i] = sim::simulate_closed_loop(topology, trace, belief, t, pol, e->costs, opts);
    }
  });
  return runs;
}

/// Per policy: the mean prediction error over the rounds with running jobs, the share of those rounds
/// with an error below 5 %, and the alarms.
[[nodiscard]] inline std::string format_closed_loop(const std::vector<sim::sim_run>& runs) {
  std::string out;
  for (const auto& r : runs) {
    double sum = 0.0;
    int n = 0;
    int below = 0;
    for (std::size_t k = 0; k < r.prediction_error.size(); ++k) {
      if (k < r.running_jobs.size() && r.running_jobs[k] == 0) continue;
      sum += r.prediction_error[k];
      ++n;
      if (r.prediction_error[k] < 0.05) ++below;
    }
    char line[256];
    std::snprintf(line, sizeof line,
                  "  %-15s mean |error| %.1f %% over %d rounds with running jobs; below 5 %% in %.0f %% of them; %zu "
                  "alarm(s)\n",
                  r.policy.c_str(), n ? 100.0 * sum / n : 0.0, n, n ? 100.0 * below / n : 0.0, r.alarms.size());
    out += line;
    for (std::size_t i = 0; i < r.alarms.size() && i < 5; ++i)
      out += "    round " + std::to_string(r.alarms[i].round) + ": " + r.alarms[i].alarm.scope + " " + r.alarms[i].alarm.key +
             ": " + r.alarms[i].alarm.reason + "\n";
    if (r.alarms.size() > 5) out += "    ... " + std::to_string(r.alarms.size() - 5) + " more\n";
  }
  return out;
}

}  // namespace cellsched::cli::simulate_detail
