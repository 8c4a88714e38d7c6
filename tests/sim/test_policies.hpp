#pragma once
// Small policies and oracles for simulator tests, simple enough to work traces out by hand.
#include <cstdint>
#include <string>
#include <vector>

#include <cellsched/cell/job.hpp>
#include <cellsched/schedule/policy.hpp>

namespace sim_testing {

/// A job asking for `gpus` A100s, with 1,000 samples per iteration.
inline cellsched::job make_job(const std::string& id, double submit, std::int64_t iters, int gpus) {
  cellsched::job j;
  j.id = id;
  j.model = "m__1B";
  j.global_batch = 1000;
  j.iterations = iters;
  j.submit_time_s = submit;
  j.requested_gpu_type = "a100-40gb";
  j.requested_gpus = gpus;
  return j;
}

/// Every job runs at `iter_time_s` per iteration on anything it is given.
struct constant_oracle {
  double iter_time_s = 1.0;
  [[nodiscard]] cellsched::perf_answer query(const cellsched::job&, const std::string&,
                                             const cellsched::node_layout&) const {
    cellsched::perf_answer a;
    a.feasible = true;
    a.iter_time_s = iter_time_s;
    return a;
  }
};

/// Strict first-come-first-served on one node: pending jobs in submission order take the first free
/// GPUs of the first node with room for their requested count; the first job that does not fit blocks
/// the rest. Never preempts.
struct fifo_single_node {
  [[nodiscard]] std::string name() const { return "fifo"; }
  template <class Oracle>
  [[nodiscard]] cellsched::decision decide(const cellsched::snapshot<Oracle>& s) {
    cellsched::decision d;
    std::vector<std::vector<bool>> busy;
    for (const auto& n : s.nodes) busy.push_back(n.gpu_busy);
    for (const auto& j : s.jobs) {
      if (j.state != cellsched::job_state::pending) continue;
      bool placed = false;
      for (std::size_t n = 0; n < s.nodes.size() && !placed; ++n) {
        if (!s.nodes[n].up) continue;
        std::vector<int> free;
        for (std::size_t g = 0; g < busy[n].size(); ++g)
          if (!busy[n][g]) free.push_back(static_cast<int>(g));
        if (static_cast<int>(free.size()) < j.spec->requested_gpus) continue;
        const auto& node = s.topology->nodes()[n];
        cellsched::placement p;
        p.job_id = j.spec->id;
        p.alloc.gpu_type = node.gpu_type;
        p.alloc.layout = {j.spec->requested_gpus};
        for (int k = 0; k < j.spec->requested_gpus; ++k) {
          busy[n][static_cast<std::size_t>(free[static_cast<std::size_t>(k)])] = true;
          p.alloc.gpus.push_back(node.first_gpu + free[static_cast<std::size_t>(k)]);
        }
        d.run.push_back(p);
        placed = true;
      }
      if (!placed) break;
    }
    return d;
  }
};

static_assert(cellsched::perf_oracle<constant_oracle>);
static_assert(cellsched::policy<fifo_single_node, constant_oracle>);

}  // namespace sim_testing
