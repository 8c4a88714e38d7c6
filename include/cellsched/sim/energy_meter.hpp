#pragma once
// Energy, cost and power of a simulation run, round by round (docs/energy-cost.md):
// * a GPU a running job holds draws busy_power_w(type, compute share of the job's answer from the
//   truth oracle): board power while computing, idle power while communicating or in the bubble; an
//   oracle without a breakdown (the reference table) gives share 1, every second at board power;
// * every other GPU of a node that is up draws idle power; a down node draws nothing;
// * a job pays the price of its GPU type per GPU-hour for every round it holds GPUs;
// * with a power budget, a round whose power exceeds it is a violation (counted, the first few kept).
// A job being re-tuned (making no progress) counts as busy: it holds and powers its GPUs.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/hardware/power.hpp"
#include "cellsched/schedule/state.hpp"
#include "cellsched/sim/sim_types.hpp"

namespace cellsched::sim {

/// What a job used while it held GPUs.
struct job_usage {
  double energy_j = 0.0;
  double cost_usd = 0.0;
  double gpu_hours = 0.0;
};

class energy_meter {
 public:
  energy_meter(const cluster& topology, const energy_options& opts) : topology_(topology), opts_(opts) {
    for (const auto& name : topology.gpu_types_present()) {
      const gpu_type& t = *topology.catalog().find(name);
      if (!has_power(t)) unpowered_.push_back(name);
    }
  }

  /// Types of the cluster without tdp_w.
  [[nodiscard]] const std::vector<std::string>& unpowered_types() const noexcept { return unpowered_; }

  /// Accounts one round of `round_s` after the decision: the run's power series and totals, every
  /// running job's usage, and the budget check.
  template <class Truth>
  void account(const scheduler_state& state, const Truth& truth, double round_s, int round, sim_run& run,
               std::unordered_map<std::string, job_usage>& usage) {
    double watts = 0.0;
    std::vector<int> busy(topology_.nodes().size(), 0);
    for (const auto& r : state.jobs()) {
      if (r.state != job_state::running || !r.alloc) continue;
      const gpu_type& t = *topology_.catalog().find(r.alloc->gpu_type);
      const int n = r.alloc->num_gpus();
      for (gpu_id g : r.alloc->gpus) ++busy[static_cast<std::size_t>(topology_.node_of(g))];
      const double share = truth.query(r.spec, r.alloc->gpu_type, r.alloc->layout).compute_share;
      const double w = busy_power_w(t, share) * n;
      watts += w;
      job_usage& u = usage[r.spec.id];
      u.energy_j += w * round_s;
      u.gpu_hours += n * round_s / 3600.0;
      const double price = usd_per_gpu_hour(r.alloc->gpu_type);
      if (price > 0.0) {
        u.cost_usd += price * n * round_s / 3600.0;
        run.cost_usd += price * n * round_s / 3600.0;
      } else {
        note_unpriced(run, r.alloc->gpu_type);
      }
      run.job_energy_j += w * round_s;
    }
    for (std::size_t v = 0; v < topology_.nodes().size(); ++v) {
      if (!state.nodes()[v].up) continue;
      const node& nd = topology_.nodes()[v];
      watts += idle_power_w(topology_.type_of(nd)) * (nd.num_gpus - busy[v]);
    }
    run.power_w.push_back(watts);
    run.energy_j += watts * round_s;
    run.power_budget_w = opts_.power_budget_w;
    run.unpowered_types = unpowered_;
    if (opts_.power_budget_w > 0.0 && watts > opts_.power_budget_w * (1.0 + 1e-12)) {
      ++run.power_budget_violations;
      if (run.first_power_violations.size() < 5) {
        std::string v("round ");
        v.append(std::to_string(round)).append(": ").append(std::to_string(watts)).append(" W above the budget of ");
        run.first_power_violations.push_back(v.append(std::to_string(opts_.power_budget_w)).append(" W"));
      }
    }
  }

 private:
  [[nodiscard]] double usd_per_gpu_hour(const std::string& type) const {
    for (const auto& [name, usd] : opts_.usd_per_gpu_hour)
      if (name == type) return usd;
    return 0.0;
  }
  static void note_unpriced(sim_run& run, const std::string& type) {
    for (const auto& t : run.unpriced_types)
      if (t == type) return;
    run.unpriced_types.push_back(type);
  }

  const cluster& topology_;
  const energy_options& opts_;
  std::vector<std::string> unpowered_;
};

/// The cluster's idle power with every node up, W: the least any round can draw.
[[nodiscard]] inline double cluster_idle_power_w(const cluster& c) {
  double w = 0.0;
  for (const auto& n : c.nodes()) w += idle_power_w(c.type_of(n)) * n.num_gpus;
  return w;
}

}  // namespace cellsched::sim
