#pragma once
// What the simulator checks every round while faults are injected (docs/fault-injection.md), and the
// scheduler restart it injects. Violations are counted, never thrown, so a run reports them all.
//
// Checks: scheduler_state::check_invariants() (no GPU held twice, GPUs match each running job's
// allocation on up nodes, one state per job, remaining iterations within [0, iterations]); busy GPUs
// within the GPUs of up nodes; every submitted job present exactly once; and "no iterations lost beyond
// the last checkpoint": a pending job's remaining iterations are exactly what it had when it stopped -
// at a preemption, what it had completed; after a fault, what its last checkpoint held (a ledger
// kept here, separately from the state).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/state_json.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/schedule/policy_state.hpp"
#include "cellsched/schedule/state.hpp"
#include "cellsched/sim/sim_types.hpp"

namespace cellsched::sim {

class fault_checker {
 public:
  static constexpr std::size_t kept_messages = 10;

  explicit fault_checker(fault_report& report) : rep_(&report) {}

  /// A job entered the system with all its iterations to run.
  void submitted(const job_record& r) {
    ids_.push_back(r.spec.id);
    left_when_stopped_[r.spec.id] = r.remaining_iterations;
  }
  /// A job stopped (preempted, crashed, lost its node) with `left` iterations still to run.
  void stopped(const std::string& id, std::int64_t left) { left_when_stopped_[id] = left; }

  void violation(std::string what) {
    ++rep_->invariant_violations;
    if (rep_->first_violations.size() < kept_messages) rep_->first_violations.push_back(std::move(what));
  }

  /// Every check, once per round.
  void check(const scheduler_state& st, int round) {
    const std::string at = "round " + std::to_string(round) + ": ";
    for (auto& v : st.check_invariants()) violation(at + v);
    int up_gpus = 0;
    for (const auto& n : st.nodes())
      if (n.up) up_gpus += st.topology().node_at(n.id).num_gpus;
    if (st.busy_gpus() > up_gpus)
      violation(at + std::to_string(st.busy_gpus()) + " GPUs busy, " + std::to_string(up_gpus) + " up");
    if (st.jobs().size() != ids_.size())
      violation(at + std::to_string(st.jobs().size()) + " jobs known, " + std::to_string(ids_.size()) + " submitted");
    for (const auto& id : ids_) {
      const job_record* r = st.find(id);
      if (!r) {
        violation(at + "job '" + id + "' is missing");
        continue;
      }
      if (r->state != job_state::pending) continue;
      const auto it = left_when_stopped_.find(id);
      if (it != left_when_stopped_.end() && r->remaining_iterations != it->second) {
        violation(at + "pending job '" + id + "' has " + std::to_string(r->remaining_iterations) +
                  " iterations left, " + std::to_string(it->second) + " when it stopped");
        if (r->remaining_iterations > it->second) lost_progress_.insert(id);
      }
    }
  }

  /// At the end of the run: jobs not accounted for, or that lost progress, are lost.
  void finish(const scheduler_state& st) {
    std::set<std::string> lost = lost_progress_;
    for (const auto& id : ids_)
      if (!st.find(id)) lost.insert(id);
    rep_->lost_jobs = lost.size();
  }

 private:
  fault_report* rep_;
  std::vector<std::string> ids_;  ///< every submitted job, in submission order
  std::unordered_map<std::string, std::int64_t> left_when_stopped_;
  std::set<std::string> lost_progress_;
};

/// A scheduler restart: the state and the policy's state go to JSON text and are loaded back into
/// fresh objects, as a restarted process would. Saving the loaded objects again must give the same
/// text; a difference is a violation.
template <class Policy>
requires restartable_policy<Policy>
void restart_scheduler(scheduler_state& state, Policy& pol, const cluster& topology, fault_checker& check) {
  const std::string saved_state = io::to_json(state).dump();
  const std::string saved_policy = pol.save_state().dump();
  state = io::parse_scheduler_state(saved_state, topology, "scheduler restart");
  pol.load_state(io::parse_json_text(saved_policy, "scheduler restart"), topology);
  if (io::to_json(state).dump() != saved_state) check.violation("scheduler state differs after a restart");
  if (pol.save_state().dump() != saved_policy) check.violation(pol.name() + " state differs after a restart");
}

}  // namespace cellsched::sim
