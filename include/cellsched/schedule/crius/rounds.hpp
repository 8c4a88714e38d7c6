#pragma once
// The Crius round procedures (artifact scheduler.py): the decision queue with blockers and
// opportunistic jobs, the pending-restart trial, upgrade moves, introspective migration of spread
// jobs, fitting new arrivals, and undoing needless node swaps.
#include <algorithm>
#include <vector>

#include "cellsched/schedule/crius/engine.hpp"
#include "cellsched/schedule/crius/migration.hpp"
#include "cellsched/schedule/crius/search.hpp"
#include "cellsched/schedule/crius/table.hpp"
#include "cellsched/schedule/crius/upgrade.hpp"

namespace cellsched::crius_detail {

namespace rounds_impl {

[[nodiscard]] inline job_entry& at(engine& e, int j) { return e.jobs[static_cast<std::size_t>(j)]; }

/// After an opportunistic job at `idx` of the decision queue leaves: if no opportunistic job remains
/// below it, the blockers above it (up to the previous opportunistic job) are plain pending jobs again.
inline void untag_blockers_above(engine& e, std::size_t idx) {
  for (std::size_t k = idx + 1; k < e.decision_queue.size(); ++k)
    if (at(e, e.decision_queue[k]).opportunism) return;
  for (std::size_t k = idx; k-- > 0;) {
    job_entry& x = at(e, e.decision_queue[k]);
    if (x.blocker)
      x.blocker = false;
    else
      break;  // an earlier opportunistic job (or, defensively, a plain pending one)
  }
}

}  // namespace rounds_impl

/// A finished (or vanished) job leaves the queues.
inline void release_job(engine& e, int j) {
  job_entry& x = rounds_impl::at(e, j);
  auto it = std::find(e.decision_queue.begin(), e.decision_queue.end(), j);
  if (it != e.decision_queue.end()) {
    const auto idx = static_cast<std::size_t>(it - e.decision_queue.begin());
    if (x.opportunism) rounds_impl::untag_blockers_above(e, idx);
    e.decision_queue.erase(e.decision_queue.begin() + static_cast<std::ptrdiff_t>(idx));
  }
  erase_value(e.running_queue, j);
  erase_value(e.pending_queue, j);
  x.running = false;
}

/// Running -> pending (its GPUs are cleared by the caller). An opportunistic job stays in the decision
/// queue, as a blocker if opportunistic jobs follow it.
inline void suspend_job(engine& e, int j) {
  job_entry& x = rounds_impl::at(e, j);
  auto it = std::find(e.decision_queue.begin(), e.decision_queue.end(), j);
  if (it != e.decision_queue.end()) {
    x.opportunism = false;
    const auto idx = static_cast<std::size_t>(it - e.decision_queue.begin());
    bool below = false;
    for (std::size_t k = idx + 1; k < e.decision_queue.size(); ++k)
      below = below || rounds_impl::at(e, e.decision_queue[k]).opportunism;
    if (!below) {
      x.blocker = false;
      rounds_impl::untag_blockers_above(e, idx);
    } else {
      x.blocker = true;
    }
  }
  x.running = false;
  erase_value(e.running_queue, j);
  e.pending_queue.push_back(j);
  e.suspended.push_back(j);
}

/// GPUs a pending job may use: idle ones, and for a blocker also those of the opportunistic jobs
/// queued behind it (marked idle but still naming their owner).
[[nodiscard]] inline table reserved_table(const engine& e, int j) {
  table t = e.committed;
  if (!e.jobs[static_cast<std::size_t>(j)].blocker) return t;
  auto it = std::find(e.decision_queue.begin(), e.decision_queue.end(), j);
  for (++it; it != e.decision_queue.end(); ++it) {
    const job_entry& x = e.jobs[static_cast<std::size_t>(*it)];
    if (!x.blocker && !x.opportunism) break;
    if (!x.opportunism || !x.running) continue;
    for (auto& s : t)
      if (s.owner == *it) s.idle = true;
  }
  return t;
}

/// Opportunistic jobs that lose GPUs between two tables, in first-seen order.
[[nodiscard]] inline std::vector<int> conflicts(const engine& e, const table& before, const table& after) {
  std::vector<int> order;
  std::vector<int> before_n(e.jobs.size(), 0), after_n(e.jobs.size(), 0);
  for (std::size_t g = 0; g < before.size(); ++g) {
    const int o = before[g].owner;
    if (o >= 0) {
      if (before_n[static_cast<std::size_t>(o)]++ == 0) order.push_back(o);
    }
    if (after[g].owner >= 0) ++after_n[static_cast<std::size_t>(after[g].owner)];
  }
  std::vector<int> out;
  for (int o : order)
    if (e.jobs[static_cast<std::size_t>(o)].opportunism &&
        after_n[static_cast<std::size_t>(o)] != before_n[static_cast<std::size_t>(o)])
      out.push_back(o);
  return out;
}

/// Walks the decision queue and starts the first pending job that fits (a blocker may take its
/// opportunistic jobs' GPUs, suspending them); repeats from there until nothing more starts.
inline void pending_restart_trial(engine& e) {
  if (e.pending_queue.empty()) return;
  std::size_t resume_at = 0;
  bool found = true;
  for (int pass = 0; found && pass < e.opt->max_restart_passes; ++pass) {
    if (e.pending_queue.empty()) break;
    found = false;
    const int global = e.opt->global_migrations;
    std::vector<std::string> failed_keys;
    std::vector<int> blocked_types;
    for (std::size_t i = 0; i < e.decision_queue.size(); ++i) {
      if (i < resume_at) continue;
      const int j = e.decision_queue[i];
      const job_entry& x = e.jobs[static_cast<std::size_t>(j)];
      if (std::find(failed_keys.begin(), failed_keys.end(), x.info_key) != failed_keys.end()) continue;
      if (x.opportunism) continue;
      if (e.opt->disable_opportunistic && contains(blocked_types, x.q.type)) continue;
      const fit_result r = fit_one_job(e, reserved_table(e, j), e.view(j), global, e.opt->local_migrations);
      table next = r.t;
      const std::vector<int> lost = r.feasible ? conflicts(e, e.committed, next) : std::vector<int>{};
      if (r.feasible) {
        for (auto& s : next)
          if (s.idle && s.owner != empty_owner) s.idle = false;  // untouched opportunistic jobs keep their GPUs
        for (int o : lost) clear_owner(next, o);
      }
      // Under a power budget, a start that would exceed it fails like one that does not fit.
      if (!r.feasible || !e.within_budget(next)) {
        if (e.opt->disable_opportunistic) blocked_types.push_back(x.q.type);
        failed_keys.push_back(x.info_key);
        continue;
      }
      found = true;
      resume_at = i;
      // Start the job.
      erase_value(e.pending_queue, j);
      e.running_queue.push_back(j);
      erase_value(e.decision_queue, j);
      rounds_impl::at(e, j).blocker = false;
      rounds_impl::at(e, j).running = true;
      for (int o : lost) suspend_job(e, o);
      // Opportunistic jobs no longer behind a blocker become normal running jobs.
      std::vector<int> untag;
      for (int q : e.decision_queue) {
        const job_entry& y = e.jobs[static_cast<std::size_t>(q)];
        if (y.opportunism && y.running)
          untag.push_back(q);
        else
          break;
      }
      for (int q : untag) {
        erase_value(e.decision_queue, q);
        rounds_impl::at(e, q).opportunism = false;
      }
      e.committed = std::move(next);
      e.update_running_quotas();
      break;
    }
  }
}

/// New jobs in submission order: each enters the decision queue and is fitted; one that fits while
/// earlier jobs wait runs opportunistically and makes those jobs its blockers. Then upgrade moves.
inline void fit_new_jobs(engine& e, const std::vector<int>& arrivals) {
  const table prev = e.committed;
  int global = e.opt->global_migrations;
  for (int j : arrivals) {
    e.decision_queue.push_back(j);
    fit_result r = fit_one_job(e, e.committed, e.view(j), global, e.opt->local_migrations);
    bool feasible = r.feasible && e.within_budget(r.t);
    if (e.opt->disable_opportunistic && feasible) {
      for (int p : e.pending_queue)
        feasible = feasible && e.jobs[static_cast<std::size_t>(p)].q.type != e.jobs[static_cast<std::size_t>(j)].q.type;
    }
    if (!feasible) {
      e.pending_queue.push_back(j);
      continue;
    }
    e.committed = std::move(r.t);
    global = r.global_left;
    if (e.decision_queue.size() == 1) {
      e.decision_queue.pop_back();
    } else {
      rounds_impl::at(e, j).opportunism = true;
      for (std::size_t k = 0; k + 1 < e.decision_queue.size(); ++k) {
        job_entry& x = rounds_impl::at(e, e.decision_queue[k]);
        if (!x.blocker && !x.opportunism) x.blocker = true;
      }
    }
    rounds_impl::at(e, j).running = true;
    e.running_queue.push_back(j);
    e.update_running_quotas();
  }
  upgrade_trial(e);
  undo_needless_moves(e, prev);
}

/// After departures (or failures, repairs): introspective migration, pending restarts, and upgrade
/// moves unless arrivals follow in this round (they run their own).
inline void optimize_running_jobs(engine& e, bool upgrade) {
  const table prev = e.committed;
  introspective_migration(e);
  pending_restart_trial(e);
  if (upgrade) upgrade_trial(e);
  undo_needless_moves(e, prev);
}

/// Deadline mode: pending jobs whose deadline falls before the next round are dropped.
inline void drop_timed_out(engine& e) {
  std::vector<int> out;
  for (int j : e.pending_queue) {
    const job_entry& x = e.jobs[static_cast<std::size_t>(j)];
    if (x.spec->deadline_s && *x.spec->deadline_s <= e.now_s + e.opt->round_s) out.push_back(j);
  }
  for (int j : out) {
    release_job(e, j);
    e.dropped.push_back(j);
  }
}

}  // namespace cellsched::crius_detail
