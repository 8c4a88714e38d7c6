#pragma once
// Crius moves that improve running jobs when GPUs free up (artifact scheduler.py): upgrade moves
// (double a job's GPUs, or move it to another type with room; the single best positive-gain move is
// applied, repeatedly), introspective migration (consolidate a job spread over partly used nodes), and
// undoing needless swaps (a job that ended up on different but equivalent whole nodes gets its old
// nodes back, so it is not restarted for nothing).
#include <algorithm>
#include <optional>
#include <vector>

#include "cellsched/schedule/crius/engine.hpp"
#include "cellsched/schedule/crius/index.hpp"
#include "cellsched/schedule/crius/migration.hpp"
#include "cellsched/schedule/crius/table.hpp"

namespace cellsched::crius_detail {

struct upgrade_option {
  bool feasible = false;
  table t;  ///< the table after the move, unless `fast_nodes` describes it
  double gain = infeasible_gain;
  int global_left = 0;
  quota placed;
  bool fast = false;  ///< the move is: release the job, place it on `fast_nodes`
  std::vector<int> fast_nodes;
};

/// The table after an upgrade option (built only for the option that is applied).
[[nodiscard]] inline table materialize(const engine& e, int j, upgrade_option& o) {
  if (!o.fast) return std::move(o.t);
  table t = e.committed;
  clear_owner(t, j);
  place(t, *e.tv, j, o.placed.num, o.fast_nodes);
  return t;
}

/// Whether a place_search for `moved` could score above `bar` (gain against `cur`): it places the job at
/// best locality or, failing that, at the first feasible relaxed locality (GPUs per node halved until a
/// layout fits, stopping at the first infeasible one), so its gain is at most the largest over those
/// layouts. Called only after best locality was found feasible.
[[nodiscard]] inline bool placement_could_beat(const engine& e, const job_view& moved, const quota& cur, double bar) {
  const int type = moved.q.type;
  const int num = moved.q.num;
  const int cap = e.cap(type);
  if (e.gain_of(moved, best_locality(type, num, cap), cur) > bar) return true;
  for (int per_node = num; per_node > 1;) {
    per_node /= 2;
    if (per_node > cap) continue;
    const quota loc{type, num, num / per_node, per_node};
    if (!e.alloc_feasible(moved, loc)) return false;
    if (e.gain_of(moved, loc, cur) > bar) return true;
  }
  return false;
}

/// The best positive-gain single move of running job `j`: to another type with enough free GPUs, or
/// to twice its GPUs. `ix` indexes the committed table and `held` is j's GPUs per node there; options
/// whose first migration step decides are scored without copying the table.
/// `threshold`: the caller only takes a move whose gain exceeds it, so an option that cannot beat it
/// (nor this job's best so far) skips its migration search; the move returned is the same whenever its
/// gain exceeds `threshold`.
[[nodiscard]] inline upgrade_option upgrade_search(const engine& e, int j, int global, int local,
                                                   const placement_index& ix, const node_counts& held,
                                                   double threshold = infeasible_gain) {
  const quota cur = e.jobs[static_cast<std::size_t>(j)].q;
  upgrade_option best;
  // Room checks first (idle GPUs of each type, plus the job's own when it stays on its type).
  const auto room = [&](int type, int need) {
    return ix.idle_by_type[static_cast<std::size_t>(type)] + (type == cur.type ? cur.num : 0) >= need;
  };
  std::vector<job_view> options;
  if (!e.opt->disable_type_change)
    for (int nt : e.tv->type_order)
      if (nt != cur.type && room(nt, cur.num)) options.push_back({j, {nt, cur.num, cur.nodes, cur.per_node}});
  if (!e.opt->disable_scaling && cur.num < e.opt->max_gpus_per_job && room(cur.type, cur.num * 2))
    options.push_back({j, {cur.type, cur.num * 2, cur.nodes, cur.per_node}});
  if (options.empty()) return best;

  std::optional<table> base;  // committed without j, made only when a search needs the table
  for (std::size_t k = 0; k < options.size(); ++k) {
    const job_view& moved = options[k];
    const bool grow = moved.q.type == cur.type;
    const node_counts none;
    if (auto q = quick_place_search(e, ix, moved.q.type == cur.type ? held : none, moved, global)) {
      if (!q->m.feasible) continue;
      const double g = e.gain_of(moved, q->m.placed, cur);
      if (g > best.gain) {
        best.gain = g;
        best.global_left = q->m.global_left;
        best.placed = q->m.placed;
        best.fast_nodes = std::move(q->nodes);
        best.fast = true;
      }
      continue;
    }
    if (!placement_could_beat(e, moved, cur, std::max(threshold, best.gain))) continue;
    if (!base) {
      base = e.committed;
      clear_owner(*base, j);
    }
    table t = *base;
    const migration_result m = place_search(e, t, moved, global, local);
    // (For growth the artifact reads the new layout with the job's current quota as fallback.)
    const quota now = m.feasible ? m.placed : unplaced_stat(e, grow ? cur : moved.q).q;
    const double g = e.gain_of(moved, now, cur);
    if (m.feasible && g > best.gain) {
      best.gain = g;
      best.t = std::move(t);
      best.global_left = m.global_left;
      best.placed = now;
      best.fast = false;
    }
  }
  best.feasible = best.gain > 0;
  return best;
}

/// Applies the best upgrade move among running jobs, up to max_upgrade_steps times.
inline void upgrade_trial(engine& e) {
  if (e.running_queue.empty()) return;
  int global = e.opt->global_migrations;
  for (int step = 0; step < e.opt->max_upgrade_steps; ++step) {
    double best_gain = infeasible_gain;
    upgrade_option best;
    int chosen = -1;
    const placement_index ix = index_table(e.committed, *e.tv);
    const std::vector<node_counts> held = counts_by_job(e.committed, *e.tv, e.jobs.size());
    const bool budget = e.opt->power_budget_w > 0.0;
    const double power_now = budget ? e.table_power_w(e.committed) : 0.0;
    for (int j : e.running_queue) {
      upgrade_option o =
          upgrade_search(e, j, global, e.opt->local_migrations, ix, held[static_cast<std::size_t>(j)], best_gain);
      bool ok = o.feasible;
      if (ok && o.gain > best_gain) ok = e.alloc_feasible(e.view(j), o.placed);
      // Under a power budget: the move's extra power (busy GPUs it adds or changes type) must fit.
      if (ok && budget && o.gain > best_gain)
        ok = power_now + e.move_power_w(e.jobs[static_cast<std::size_t>(j)].q, o.placed) <= e.opt->power_budget_w;
      if (ok && o.gain > best_gain) {
        best_gain = o.gain;
        best = std::move(o);
        chosen = j;
      }
    }
    if (!best.feasible) break;
    e.committed = materialize(e, chosen, best);
    e.update_running_quotas();
    global = best.global_left;
  }
}

/// Consolidates running jobs spread over partly used nodes: a job is re-placed as if only its own
/// GPUs were free, RHD migration moving its neighbours; the best positive gain is applied, repeatedly.
inline void introspective_migration(engine& e) {
  std::vector<int> spread;
  for (int j : e.running_queue) {
    const quota& q = e.jobs[static_cast<std::size_t>(j)].q;
    if (q.nodes > 1 && q.per_node < e.cap(q.type)) spread.push_back(j);
  }
  int global = e.opt->global_migrations;
  while (!spread.empty()) {
    double best_gain = infeasible_gain;
    int chosen = -1;
    table chosen_t;
    int chosen_global = global;
    for (int j : spread) {
      table t = e.committed;
      const job_view v = e.view(j);
      const job_stat prev = e.stat(t, j, v.q);
      if (prev.q == best_locality(prev.q.type, prev.q.num, e.cap(prev.q.type))) continue;
      // Only the job's own GPUs look free: everything else idle is taken by a per-type placeholder.
      for (int n = 0; n < e.tv->num_nodes(); ++n) {
        const int first = e.tv->node_first[static_cast<std::size_t>(n)];
        for (int g = first; g < first + e.tv->node_size[static_cast<std::size_t>(n)]; ++g) {
          slot& s = t[static_cast<std::size_t>(g)];
          if (s.owner == j)
            s = slot{};
          else if (s.idle)
            s = slot{fake_owner(e.tv->node_type[static_cast<std::size_t>(n)]), false};
        }
      }
      const migration_result m = migration_search(e, t, v, global, e.opt->local_migrations, false);
      if (!m.feasible) continue;
      bool complete = true;
      for (auto& s : t) {
        complete = complete && !s.idle;
        if (is_fake(s.owner)) s = slot{};
      }
      if (!complete) continue;
      const job_stat now = e.stat(t, j, v.q);
      const double g = e.gain_of(v, now.q, prev.q);
      if (g > 0 && g > best_gain) {
        best_gain = g;
        chosen = j;
        chosen_t = std::move(t);
        chosen_global = m.global_left;
      }
    }
    if (chosen < 0) break;
    e.committed = std::move(chosen_t);
    e.update_running_quotas();
    erase_value(spread, chosen);
    global = chosen_global;
  }
}

/// Nodes holding each job's GPUs, in node order (nodes_of for every job in one pass).
[[nodiscard]] inline std::vector<std::vector<int>> nodes_by_job(const table& t, const topology_view& tv,
                                                                std::size_t num_jobs) {
  std::vector<std::vector<int>> out(num_jobs);
  const std::vector<node_counts> counts = counts_by_job(t, tv, num_jobs);
  for (std::size_t j = 0; j < num_jobs; ++j)
    for (const auto& nc : counts[j]) out[j].push_back(nc.first);
  return out;
}

/// A job that fully occupied whole nodes and now sits on other, equivalent whole nodes of the same type
/// gets its previous nodes back (their current occupants take its new ones).
inline void undo_needless_moves(engine& e, const table& prev) {
  const topology_view& tv = *e.tv;
  table& t = e.committed;
  const std::vector<std::vector<int>> before_all = nodes_by_job(prev, tv, e.jobs.size());
  std::vector<std::vector<int>> now_all = nodes_by_job(t, tv, e.jobs.size());
  const auto move_node = [](std::vector<int>& list, int from, int to) {
    for (int& v : list)
      if (v == from) v = to;
    std::sort(list.begin(), list.end());
  };
  for (int j : e.running_queue) {
    const std::vector<int>& before = before_all[static_cast<std::size_t>(j)];
    const std::vector<int> after = now_all[static_cast<std::size_t>(j)];
    if (before.empty() || before == after) continue;
    const quota& q = e.jobs[static_cast<std::size_t>(j)].q;
    if (q.num / static_cast<int>(before.size()) < e.cap(q.type)) continue;
    if (after.empty() ||
        tv.node_type[static_cast<std::size_t>(after[0])] != tv.node_type[static_cast<std::size_t>(before[0])])
      continue;
    const auto count_on = [&](const table& tb, int v) {
      int c = 0;
      const int first = tv.node_first[static_cast<std::size_t>(v)];
      for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(v)]; ++g)
        c += tb[static_cast<std::size_t>(g)].owner == j ? 1 : 0;
      return c;
    };
    if (before.size() != after.size() || count_on(prev, before[0]) != count_on(t, after[0])) continue;
    std::vector<int> switched;
    for (int to : after) {
      if (std::find(before.begin(), before.end(), to) != before.end()) continue;
      for (int from : before) {
        if (std::find(after.begin(), after.end(), from) != after.end() ||
            std::find(switched.begin(), switched.end(), from) != switched.end())
          continue;
        switched.push_back(from);
        const int f0 = tv.node_first[static_cast<std::size_t>(from)];
        const int t0 = tv.node_first[static_cast<std::size_t>(to)];
        const int size = tv.node_size[static_cast<std::size_t>(from)];
        bool all_busy = size == tv.node_size[static_cast<std::size_t>(to)];
        // Every GPU of the old node held by a job of this decision: GPUs busy without an owner here (a node
        // that is down, or held by jobs another policy manages beside this one) cannot change hands.
        for (int k = 0; k < size && all_busy; ++k)
          all_busy = !t[static_cast<std::size_t>(f0 + k)].idle && t[static_cast<std::size_t>(f0 + k)].owner >= 0;
        if (all_busy) {
          std::vector<int> occupants;
          for (int k = 0; k < size; ++k) {
            const int o = t[static_cast<std::size_t>(f0 + k)].owner;
            if (o >= 0 && !contains(occupants, o)) occupants.push_back(o);
            t[static_cast<std::size_t>(t0 + k)].owner = o;
            t[static_cast<std::size_t>(f0 + k)].owner = j;
          }
          for (int o : occupants) move_node(now_all[static_cast<std::size_t>(o)], from, to);
          move_node(now_all[static_cast<std::size_t>(j)], to, from);
        }
        break;
      }
    }
  }
  e.update_running_quotas();
}

}  // namespace cellsched::crius_detail
