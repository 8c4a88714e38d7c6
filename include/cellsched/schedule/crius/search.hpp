#pragma once
// Crius "fit one job": a migration search at the job's preferred allocation; if that fails or only
// fits with relaxed locality, a bounded breadth-first search over shrink moves (halve the GPUs of the
// same-type job whose halving loses least throughput) and type-change moves (move a job to another
// GPU type with enough free GPUs), each followed by a migration search for the job; the feasible plan
// with the largest summed throughput gain wins (artifact scheduler.py: _fit_one_job,
// _job_downgrade_search, _shrink_one_job_and_migration_search, _htc_one_job_and_migration_search).
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "cellsched/schedule/crius/engine.hpp"
#include "cellsched/schedule/crius/index.hpp"
#include "cellsched/schedule/crius/migration.hpp"
#include "cellsched/schedule/crius/table.hpp"

namespace cellsched::crius_detail {

/// One modification of a plan: a job's new type and layout (shrink or type change).
struct modification {
  bool shrink = true;
  int job = 0;
  quota prev;
  quota now;
};

struct search_plan {
  table t;
  job_view target;
  double gain = 0.0;
  int global_left = 0;
  std::vector<modification> mods;
};

/// Outcome of one shrink or type-change step.
struct step_result {
  bool feasible = false;
  table placed;           ///< the table with the target placed (when feasible)
  bool modified = false;  ///< a job was shrunk / moved
  modification mod;
  double mgrt_gain = infeasible_gain;
  bool relaxed = false;
  int global_with_mgrt = 0;
};

namespace search_impl {

/// A plan is acceptable unless a modification leaves a job infeasible (the artifact's toggle: a job
/// found infeasible twice counts as fixed).
inline bool no_infeasible_job(const engine& e, const std::vector<modification>& mods) {
  std::vector<int> bad;
  for (const auto& m : mods) {
    const bool ok = e.alloc_feasible(e.view(m.job), m.now);
    const auto it = std::find(bad.begin(), bad.end(), m.job);
    if (!ok && it == bad.end())
      bad.push_back(m.job);
    else if (it != bad.end())
      bad.erase(it);
  }
  return bad.empty();
}

/// Halves one job of `cur_type` (among those with the most GPUs, the one losing least throughput),
/// then, if `cur_type` is the target's type, runs a migration search for the target on a copy.
inline step_result shrink_step(const engine& e, job_view& target, int cur_type, const std::vector<int>& cands, table& t,
                               double& gain, int global, int local) {
  step_result r;
  r.global_with_mgrt = global;
  const int target_type = e.stat(t, target.id, target.q).q.type;
  const auto quota_of = [&](int j) { return j == target.id ? target.q : e.jobs[static_cast<std::size_t>(j)].q; };
  const owner_stats here = summarize(t, *e.tv, e.jobs.size());
  int max_gpus = -1;
  for (int j : cands) {
    const quota q = quota_from(here, *e.tv, j, quota_of(j));
    if (q.type == cur_type) max_gpus = std::max(max_gpus, q.num);
  }
  const int threshold = max_gpus < 0 ? -1 : max_gpus / 2;  // Python's -1 // 2 == -1
  double best_gain = infeasible_gain - 1;
  int chosen = -1;
  job_stat chosen_stat;
  quota chosen_new;
  bool from_committed = false;
  for (int j : cands) {
    quota q = quota_from(here, *e.tv, j, quota_of(j));
    if (q.num < threshold) continue;
    // A job whose GPUs this table no longer shows is read from the committed table.
    const bool elsewhere = j != target.id && here.count[static_cast<std::size_t>(j)] == 0;
    if (elsewhere) q = e.stat(e.committed, j, e.jobs[static_cast<std::size_t>(j)].q).q;
    if (q.type != cur_type || q.num == 1) continue;
    const int half = q.num / 2;
    const quota now = q.nodes > 2 ? quota{cur_type, half, q.nodes / 2, q.per_node} : quota{cur_type, half, 1, half};
    const double g = e.gain_of(e.view(j), now, q);
    if (g > best_gain) {
      best_gain = g;
      chosen = j;
      chosen_stat.q = q;
      chosen_new = now;
      from_committed = elsewhere;
    }
  }
  if (chosen < 0) return r;
  chosen_stat.nodes = nodes_of(from_committed ? e.committed : t, *e.tv, chosen);
  r.modified = true;
  gain += best_gain;
  if (chosen != target.id) {
    shrink_in_table(t, *e.tv, chosen_stat.nodes, chosen_stat.q, chosen, chosen_new.num);
  } else {
    target.q.num = chosen_new.num;
    target.q.nodes = chosen_new.nodes;
    target.q.per_node = chosen_new.per_node;
    if (!chosen_stat.nodes.empty()) shrink_in_table(t, *e.tv, chosen_stat.nodes, chosen_stat.q, chosen, chosen_new.num);
  }
  r.mod = {true, chosen, chosen_stat.q, chosen_new};
  if (cur_type != target_type) return r;
  r.placed = t;
  const migration_result m = place_search(e, r.placed, target, global, local);
  r.mod.now = e.stat(r.placed, chosen, quota_of(chosen)).q;
  r.mod.now.type = cur_type;
  r.feasible = m.feasible;
  r.mgrt_gain = m.gain;
  r.relaxed = m.relaxed;
  r.global_with_mgrt = m.global_left;
  return r;
}

/// Moves one job of the target's type (or the target itself) to another type with room, choosing by
/// throughput gain, then runs a migration search for the target on a copy. `t` ends as the artifact's
/// table object does (see detached_table); `global` is updated.
inline step_result type_change_step(const engine& e, job_view& target, const std::vector<int>& cands, table& t,
                                    double& gain, int& global, int local) {
  step_result r;
  r.global_with_mgrt = global;
  const int target_type = e.stat(t, target.id, target.q).q.type;
  double best_target = infeasible_gain;
  double best_other = infeasible_gain;
  int chosen = -1;
  job_stat chosen_stat;
  quota chosen_new;
  int chosen_global = global;
  const owner_stats here = summarize(t, *e.tv, e.jobs.size());
  const placement_index ix = index_table(t, *e.tv);
  const std::vector<int>& idle_by_type = ix.idle_by_type;
  for (int j : cands) {
    const job_view real = e.view(j);
    job_stat s;
    s.q = quota_from(here, *e.tv, j, real.q);
    if (s.q.type != target_type) continue;
    for (int nt : e.tv->type_order) {
      if (nt == target_type || idle_by_type[static_cast<std::size_t>(nt)] < s.q.num) continue;
      const quota to = locality_within(nt, s.q.num, e.cap(nt), s.q.per_node, local);
      const double g = e.gain_of(real, to, s.q);
      job_view moved{j, real.q};
      moved.q.type = nt;
      moved.q.num = s.q.num;
      // The job's own GPUs are of another type, so freeing them does not change where it can go.
      migration_result m;
      if (auto q = quick_place_search(e, ix, {}, moved, global)) {
        m = q->m;
        if (here.count[static_cast<std::size_t>(j)] > 0) m.gain -= e.gain_of(moved, s.q);
      } else {
        table trial = t;
        m = migration_search(e, trial, moved, global, local, true);
      }
      const double with_mgrt = g + m.gain;
      const bool better = j == target.id ? g > best_target : with_mgrt > best_other;
      if (better && m.feasible) {
        (j == target.id ? best_target : best_other) = j == target.id ? g : with_mgrt;
        chosen = j;
        chosen_stat = s;
        chosen_new = to;
        chosen_global = m.global_left;
      }
    }
  }
  if (chosen < 0) return r;
  chosen_stat.nodes = nodes_of(t, *e.tv, chosen);
  r.modified = true;
  table current;  // the table the artifact carries on with
  if (chosen != target.id) {
    job_view moved = e.view(chosen);
    moved.q.type = chosen_new.type;
    moved.q.num = chosen_stat.q.num;
    detached_table detached;
    migration_search(e, t, moved, global, local, true, &detached);
    gain += best_other;
    global = chosen_global;
    current = t;
    if (detached) t = std::move(*detached);
  } else {
    target.q.type = chosen_new.type;
    target.q.num = chosen_stat.q.num;
    if (!chosen_stat.nodes.empty()) clear_owner(t, target.id);
    gain += best_target;
    current = t;
  }
  r.placed = std::move(current);
  const migration_result m = place_search(e, r.placed, target, global, local);
  const quota fallback = chosen == target.id ? target.q : e.jobs[static_cast<std::size_t>(chosen)].q;
  r.mod = {false, chosen, chosen_stat.q, e.stat(r.placed, chosen, fallback).q};
  r.mod.now.type = chosen_new.type;
  r.feasible = m.feasible;
  r.mgrt_gain = m.gain;
  r.relaxed = m.relaxed;
  r.global_with_mgrt = m.global_left;
  return r;
}

}  // namespace search_impl

/// Breadth-first shrink / type-change search; returns every complete feasible plan. As in the
/// artifact, each level takes the plans in LIFO order and the queue of incomplete plans is never
/// emptied, so a level re-expands every earlier incomplete plan too.
inline std::vector<search_plan> downgrade_search(const engine& e, const job_view& target, const table& t, int depth,
                                                 int global, int local) {
  std::vector<search_plan> feasible;
  std::vector<search_plan> input{{t, target, 0.0, global, {}}};
  std::vector<search_plan> output;
  for (int level = 0; level < depth && (!input.empty() || !output.empty()); ++level) {
    while (!input.empty()) {
      const search_plan plan = std::move(input.back());
      input.pop_back();
      if (!e.opt->disable_scaling) {
        for (int cur_type : e.tv->type_order) {
          if (!type_exists(*e.tv, cur_type)) continue;
          search_plan next = plan;
          const std::vector<int> cands = running_owners(next.t, target.id, e.jobs.size());
          step_result s =
              search_impl::shrink_step(e, next.target, cur_type, cands, next.t, next.gain, next.global_left, local);
          if (s.modified) next.mods.push_back(s.mod);
          if (s.feasible && search_impl::no_infeasible_job(e, next.mods))
            feasible.push_back(
                {std::move(s.placed), next.target, next.gain + s.mgrt_gain, s.global_with_mgrt, next.mods});
          if ((!s.feasible || s.relaxed) && s.modified) output.push_back(std::move(next));
        }
      }
      if (!e.opt->disable_type_change) {
        search_plan next = plan;
        const std::vector<int> cands = running_owners(next.t, target.id, e.jobs.size());
        step_result s =
            search_impl::type_change_step(e, next.target, cands, next.t, next.gain, next.global_left, local);
        if (s.modified) next.mods.push_back(s.mod);
        if (s.feasible && search_impl::no_infeasible_job(e, next.mods))
          feasible.push_back(
              {std::move(s.placed), next.target, next.gain + s.mgrt_gain, s.global_with_mgrt, next.mods});
        if ((!s.feasible || s.relaxed) && s.modified) output.push_back(std::move(next));
      }
    }
    input.insert(input.end(), output.begin(), output.end());
  }
  return feasible;
}

struct fit_result {
  bool feasible = false;
  table t;
  int global_left = 0;
};

/// Fits one job on `t`: migration search at its preferred allocation, then (if infeasible or relaxed)
/// the downgrade search; the plan with the largest gain (above -1e9) wins.
inline fit_result fit_one_job(const engine& e, const table& t, const job_view& j, int global, int local) {
  fit_result out;
  out.global_left = global;
  std::vector<search_plan> plans;
  table first = t;
  const migration_result m = place_search(e, first, j, global, local);
  if (m.feasible) plans.push_back({std::move(first), j, m.gain, m.global_left, {}});
  if (m.feasible && !m.relaxed) {
    out.feasible = true;
    out.t = std::move(plans[0].t);
    out.global_left = plans[0].global_left;
    return out;
  }
  std::vector<search_plan> more = downgrade_search(e, j, t, e.search_depth(), global, local);
  for (auto& p : more) plans.push_back(std::move(p));
  double best = infeasible_gain;
  int idx = -1;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (plans[i].gain > best) {
      best = plans[i].gain;
      idx = static_cast<int>(i);
    }
  }
  if (idx < 0) return out;
  out.feasible = true;
  out.t = std::move(plans[static_cast<std::size_t>(idx)].t);
  out.global_left = plans[static_cast<std::size_t>(idx)].global_left;
  return out;
}

}  // namespace cellsched::crius_detail
