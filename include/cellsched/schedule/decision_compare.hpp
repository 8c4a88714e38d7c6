#pragma once
// Two decisions on one snapshot side by side: what each leaves every job with, how often they agree, the
// cluster throughput each would give by the snapshot's oracle, and what the second would change. The
// shadow mode (sim/shadow.hpp, `cellsched decide`) reports these figures for a policy that decides
// beside the host's without acting (docs/closed-loop.md).
#include <algorithm>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/schedule/policy.hpp"

namespace cellsched {

/// The GPUs a job holds after a decision (none: `gpus` empty).
struct job_outcome_alloc {
  std::string gpu_type;
  node_layout layout;
  std::vector<gpu_id> gpus;
  [[nodiscard]] bool holds() const noexcept { return !gpus.empty(); }
};

/// What `d` leaves each job of `s` with, in the snapshot's job order: running jobs keep their GPUs unless
/// preempted, dropped or re-placed; placed jobs get the placement's.
template <class Oracle>
[[nodiscard]] std::vector<job_outcome_alloc> outcome_of(const snapshot<Oracle>& s, const decision& d) {
  std::unordered_map<std::string, std::size_t> index;
  std::vector<job_outcome_alloc> out(s.jobs.size());
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    const job_status& js = s.jobs[i];
    index.emplace(js.spec->id, i);
    if (js.state == job_state::running && js.alloc) out[i] = {js.alloc->gpu_type, js.alloc->layout, js.alloc->gpus};
  }
  auto clear = [&](const std::string& id) {
    if (auto it = index.find(id); it != index.end()) out[it->second] = {};
  };
  for (const auto& dj : d.dropped) clear(dj.job_id);
  for (const auto& id : d.preempt) clear(id);
  for (const auto& p : d.run) {
    if (auto it = index.find(p.job_id); it != index.end()) {
      std::vector<gpu_id> g = p.alloc.gpus;
      std::sort(g.begin(), g.end());
      out[it->second] = {p.alloc.gpu_type, p.alloc.layout, std::move(g)};
    }
  }
  return out;
}

/// How a decision would be wrong on the snapshot (empty when it can be applied), given what it leaves
/// each job with (outcome_of): unknown jobs, GPUs out of range, on a node that is down, of another type than the allocation says, busy without an owner the
/// snapshot shows, or left with two owners.
template <class Oracle>
[[nodiscard]] std::vector<std::string> conflicts_of(const snapshot<Oracle>& s, const decision& d,
                                                    const std::vector<job_outcome_alloc>& outcome) {
  std::vector<std::string> errs;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < s.jobs.size(); ++i) index.emplace(s.jobs[i].spec->id, i);
  for (const auto& p : d.run)
    if (!index.count(p.job_id)) errs.push_back("run: unknown job '" + p.job_id + "'");
  for (const auto& id : d.preempt)
    if (!index.count(id)) errs.push_back("preempt: unknown job '" + id + "'");
  const cluster& topo = *s.topology;
  // Busy GPUs whose owner is not in the snapshot stay taken.
  std::vector<int> owner(static_cast<std::size_t>(topo.total_gpus()), -1);
  for (const auto& js : s.jobs)
    if (js.state == job_state::running && js.alloc)
      for (gpu_id g : js.alloc->gpus)
        if (g >= 0 && g < topo.total_gpus()) owner[static_cast<std::size_t>(g)] = -2;  // owned by a job in s
  for (std::size_t i = 0; i < outcome.size(); ++i) {
    for (gpu_id g : outcome[i].gpus) {
      if (g < 0 || g >= topo.total_gpus()) {
        errs.push_back("job '" + s.jobs[i].spec->id + "': GPU " + std::to_string(g) + " does not exist");
        continue;
      }
      const node& n = topo.node_at(topo.node_of(g));
      const node_status& ns = s.nodes.at(static_cast<std::size_t>(n.id));
      if (!ns.up) errs.push_back("job '" + s.jobs[i].spec->id + "': GPU " + std::to_string(g) + " is on a node that is down");
      if (n.gpu_type != outcome[i].gpu_type)
        errs.push_back("job '" + s.jobs[i].spec->id + "': GPU " + std::to_string(g) + " is a " + n.gpu_type + ", not a " +
                       outcome[i].gpu_type);
      int& o = owner[static_cast<std::size_t>(g)];
      const bool busy_unowned = ns.gpu_busy.at(static_cast<std::size_t>(g - n.first_gpu)) && o == -1;
      if (busy_unowned || o >= 0)
        errs.push_back("job '" + s.jobs[i].spec->id + "': GPU " + std::to_string(g) + " is held by " +
                       (o >= 0 ? "'" + s.jobs[static_cast<std::size_t>(o)].spec->id + "'" : std::string("another job")));
      o = static_cast<int>(i);
    }
  }
  return errs;
}

/// As above, working out what `d` leaves each job with.
template <class Oracle>
[[nodiscard]] std::vector<std::string> conflicts_of(const snapshot<Oracle>& s, const decision& d) {
  return conflicts_of(s, d, outcome_of(s, d));
}

/// Two decisions on one snapshot compared.
struct decision_comparison {
  std::size_t jobs = 0;        ///< jobs in the snapshot
  std::size_t agree = 0;       ///< jobs both leave with the same GPU type and count (or both without GPUs)
  double first_samples_per_s = 0.0;   ///< predicted cluster throughput after the first decision
  double second_samples_per_s = 0.0;  ///< ... after the second
  std::size_t starts = 0;       ///< pending jobs the second starts
  std::size_t moves = 0;        ///< running jobs the second gives other GPUs
  std::size_t preemptions = 0;  ///< running jobs the second leaves without GPUs
  std::vector<std::string> conflicts;  ///< the second decision's conflicts with the snapshot
  [[nodiscard]] double agreement() const noexcept { return jobs ? static_cast<double>(agree) / static_cast<double>(jobs) : 1.0; }
};

/// Predicted samples/s of every job holding GPUs in `outcome`, by the snapshot's oracle (a job the
/// oracle finds infeasible there contributes nothing).
template <class Oracle>
[[nodiscard]] double predicted_samples_per_s(const snapshot<Oracle>& s, const std::vector<job_outcome_alloc>& outcome) {
  double sum = 0.0;
  for (std::size_t i = 0; i < outcome.size(); ++i) {
    if (!outcome[i].holds()) continue;
    const job& j = *s.jobs[i].spec;
    const perf_answer a = s.oracle->query(j, outcome[i].gpu_type, outcome[i].layout);
    if (a.feasible) sum += a.throughput_samples_per_s(static_cast<double>(j.global_batch));
  }
  return sum;
}

/// `first` (what the host applies) beside `second` (what another policy would have done) on `s`.
template <class Oracle>
[[nodiscard]] decision_comparison compare_decisions(const snapshot<Oracle>& s, const decision& first,
                                                    const decision& second) {
  decision_comparison c;
  const auto a = outcome_of(s, first);
  const auto b = outcome_of(s, second);
  c.jobs = s.jobs.size();
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    if (a[i].holds() == b[i].holds() &&
        (!a[i].holds() || (a[i].gpu_type == b[i].gpu_type && a[i].gpus.size() == b[i].gpus.size())))
      ++c.agree;
    const job_status& js = s.jobs[i];
    const bool was_running = js.state == job_state::running && js.alloc;
    if (!was_running && b[i].holds()) ++c.starts;
    if (was_running && !b[i].holds()) ++c.preemptions;
    if (was_running && b[i].holds()) {
      std::vector<gpu_id> before = js.alloc->gpus;
      std::sort(before.begin(), before.end());
      if (before != b[i].gpus || js.alloc->gpu_type != b[i].gpu_type) ++c.moves;
    }
  }
  c.first_samples_per_s = predicted_samples_per_s(s, a);
  c.second_samples_per_s = predicted_samples_per_s(s, b);
  c.conflicts = conflicts_of(s, second, b);
  return c;
}

}  // namespace cellsched
