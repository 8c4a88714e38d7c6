#pragma once
// Crius migration search: place a job at its best locality on idle nodes or one partly used node;
// else consolidate partly used nodes of its type by "recursive halving/doubling" (RHD) bubble
// migration — pair the node with the most free GPUs with the one with the fewest and move jobs so
// that one of them empties or fills — and retry, within the migration budget; else relax the locality
// (halve the GPUs per node until a layout fits). Follows the artifact's scheduler.py step by step.
#include <algorithm>
#include <optional>
#include <vector>

#include "cellsched/schedule/crius/engine.hpp"
#include "cellsched/schedule/crius/table.hpp"

namespace cellsched::crius_detail {

struct migration_result {
  bool feasible = false;
  bool migrated = false;  ///< some RHD pass ran
  double gain = infeasible_gain;
  bool relaxed = false;  ///< placed with a relaxed locality
  int global_left = 0;   ///< migration budget left
  quota placed;          ///< where the job went (when feasible)
};

/// What stat_of reports for a job that holds no GPUs in the table: its quota, at the node count its
/// GPU count needs.
[[nodiscard]] inline job_stat unplaced_stat(const engine& e, const quota& q) {
  job_stat s;
  s.q = q;
  const int cap = q.type >= 0 ? e.cap(q.type) : 1;
  s.q.nodes = std::max(1, cap > 0 ? q.num / cap : 1);
  s.q.per_node = s.q.num / s.q.nodes;
  return s;
}

/// Where the caller's table ends up when an RHD pair fails: the artifact restores a copy taken before
/// the pair and carries on with that copy, so the caller's own object keeps the half-done pair. Callers
/// that hold on to their object (the type-change step) read it from here.
using detached_table = std::optional<table>;

namespace migration_impl {

/// The slots of two nodes, saved so a failed RHD pair can put them back: a pair only ever writes the
/// GPUs of its two nodes (record_and_clear and place touch only the nodes they are given), so these
/// slots are the whole difference between the table before and after the pair.
class pair_backup {
 public:
  pair_backup(const table& t, const topology_view& tv, int n1, int n2) : tv_(tv), n1_(n1), n2_(n2) {
    for (int v : {n1, n2}) {
      const auto first = t.begin() + tv.node_first[static_cast<std::size_t>(v)];
      saved_.insert(saved_.end(), first, first + tv.node_size[static_cast<std::size_t>(v)]);
    }
  }
  void restore(table& t) const {
    std::size_t k = 0;
    for (int v : {n1_, n2_}) {
      const int first = tv_.node_first[static_cast<std::size_t>(v)];
      for (int g = first; g < first + tv_.node_size[static_cast<std::size_t>(v)]; ++g)
        t[static_cast<std::size_t>(g)] = saved_[k++];
    }
  }
  /// Whether `owner` held a GPU of node `v` (one of the pair) before the pair.
  [[nodiscard]] bool held(int owner, int v) const {
    const auto size = static_cast<std::size_t>(tv_.node_size[static_cast<std::size_t>(n1_)]);
    const std::size_t begin = v == n1_ ? 0 : size;
    const std::size_t end = v == n1_ ? size : saved_.size();
    for (std::size_t k = begin; k < end; ++k)
      if (saved_[k].owner == owner) return true;
    return false;
  }

 private:
  const topology_view& tv_;
  int n1_, n2_;
  std::vector<slot> saved_;
};

/// Whether `owner` holds a GPU outside nodes n1 and n2 (where the table is as before the pair).
[[nodiscard]] inline bool held_elsewhere(const table& t, const topology_view& tv, int owner, int n1, int n2) {
  for (int v = 0; v < tv.num_nodes(); ++v) {
    if (v == n1 || v == n2) continue;
    const int first = tv.node_first[static_cast<std::size_t>(v)];
    for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(v)]; ++g)
      if (t[static_cast<std::size_t>(g)].owner == owner) return true;
  }
  return false;
}

/// One RHD pair; false (and the table as before the pair) when it would break a job's uniform layout.
/// The artifact copies the whole table before the pair and reads each moved job's nodes from the copy;
/// since only n1 and n2 change, their saved slots answer both (same decisions, no full-table copy).
inline bool rhd_pair(const engine& e, table& t, int n1, int b1, int n2, int b2, int cap, detached_table* detached) {
  const topology_view& tv = *e.tv;
  const pair_backup prev(t, tv, n1, n2);
  const auto fail = [&] {
    if (detached && !detached->has_value()) *detached = t;
    prev.restore(t);
    return false;
  };
  if (b1 + b2 > cap) {
    // One node empties: move everything on the node with more free GPUs onto the other.
    const int src = b1 >= b2 ? n1 : n2;
    const int dst = b1 >= b2 ? n2 : n1;
    for (const owner_count& oc : record_and_clear(t, tv, {src})) {
      // GPUs busy without an owner here (a node that is down, or held by jobs another policy manages
      // beside this one, schedule/pilot.hpp) cannot move.
      if (oc.owner == down_owner) return fail();
      // (The artifact: the job's nodes before the pair number more than one and include dst. It was on
      // src, so holding a GPU of dst says both.)
      if (!is_fake(oc.owner) && prev.held(oc.owner, dst)) return fail();
      if (!place(t, tv, oc.owner, oc.count, {dst})) return fail();
    }
    return true;
  }
  // One node fills: re-place the jobs of both, largest first.
  std::vector<owner_count> jobs = record_and_clear(t, tv, {n1, n2});
  if (jobs.empty()) return true;
  for (const owner_count& oc : jobs)
    if (oc.owner == down_owner) return fail();  // as above: GPUs without an owner here stay where they are
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const owner_count& a, const owner_count& b) { return a.count > b.count; });
  const int first = jobs[0].nodes.size() > 1 ? (b1 <= b2 ? n1 : n2) : jobs[0].nodes[0];
  const int second = first != n1 ? n1 : n2;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const owner_count& oc = jobs[i];
    // (The artifact: before the pair the job spanned more than two nodes, n1 and n2 among them.)
    const bool spans_both = prev.held(oc.owner, n1) && prev.held(oc.owner, n2);
    if (spans_both && !is_fake(oc.owner) && held_elsewhere(t, tv, oc.owner, n1, n2)) return fail();
    if (oc.count > cap) return fail();
    // (The artifact compares a node list with a node id here, which never holds, so every job goes
    // through the fill rule below.)
    int rest = 0;
    for (std::size_t k = i + 1; k < jobs.size(); ++k) rest += jobs[k].count;
    const int target = rest >= bubbles(t, tv, first) ? second : first;
    const int other = target != first ? first : second;
    if (!place(t, tv, oc.owner, oc.count, {target}) && !place(t, tv, oc.owner, oc.count, {other})) return fail();
  }
  return true;
}

/// One RHD pass over a list of partly used nodes: pair i-th with i-th from the end.
inline void rhd_pass(const engine& e, table& t, const std::vector<node_bubbles>& list, int cap,
                     detached_table* detached) {
  for (std::size_t i = 0; i < list.size() / 2; ++i) {
    const node_bubbles& a = list[i];
    const node_bubbles& b = list[list.size() - 1 - i];
    rhd_pair(e, t, a.node, a.bubbles, b.node, b.bubbles, cap, detached);
  }
}

/// Halve GPUs per node until a layout is feasible and fits on idle or partly used nodes.
inline bool place_relaxed(const engine& e, table& t, const job_view& j, const job_stat& s, double& gain,
                          quota& placed) {
  const int type = s.q.type;
  const int num = s.q.num;
  const int cap = e.cap(type);
  std::vector<node_bubbles> partial;
  std::vector<int> idle;
  partial_nodes(t, *e.tv, type, num, partial, idle);
  std::vector<node_bubbles> wide;
  for (int v : idle) wide.push_back({v, cap});
  wide.insert(wide.end(), partial.begin(), partial.end());
  int per_node = num;
  while (per_node > 1) {
    per_node /= 2;
    if (per_node > cap) continue;
    const quota loc{type, num, num / per_node, per_node};
    if (!e.alloc_feasible(j, loc)) return false;
    std::vector<int> nodes;
    for (const auto& nb : wide) {
      if (nb.bubbles < per_node) continue;
      nodes.push_back(nb.node);
      if (static_cast<int>(nodes.size()) == loc.nodes) {
        place(t, *e.tv, j.id, num, nodes);
        gain = e.gain_of(j, loc);
        placed = loc;
        return true;
      }
    }
  }
  return false;
}

/// Tries best locality, then RHD passes (until placed, the budget ends, or a pass changes nothing —
/// further passes would repeat it), then relaxed locality.
inline migration_result search_internal(const engine& e, table& t, const job_view& j, const job_stat& s, int global,
                                        int local, detached_table* detached) {
  const topology_view& tv = *e.tv;
  const int type = s.q.type;
  const int num = s.q.num;
  const int cap = e.cap(type);
  const quota best = best_locality(type, num, cap);
  std::vector<node_bubbles> partial;
  std::vector<int> idle;
  partial_nodes(t, tv, type, num, partial, idle);
  if (!e.alloc_feasible(j, best)) return {false, false, infeasible_gain, false, global, {}};
  const double best_gain = e.gain_of(j, best);
  const int needed = num <= cap ? 1 : num / cap;
  const auto try_best = [&]() -> bool {
    if (needed <= static_cast<int>(idle.size())) {
      place(t, tv, j.id, num, std::vector<int>(idle.begin(), idle.begin() + needed));
      return true;
    }
    for (const auto& nb : partial) {
      if (num <= nb.bubbles) {
        place(t, tv, j.id, num, {nb.node});
        return true;
      }
    }
    return false;
  };
  if (try_best()) return {true, false, best_gain, false, global, best};

  const int bound = std::min(global, local);
  int count = 0;
  std::vector<slot> before;
  while (count < bound) {
    // A pass only touches the nodes it pairs; keep theirs to detect a fixed point.
    const std::vector<node_bubbles> paired = partial;
    before.clear();
    for (const auto& nb : paired) {
      const auto first = t.begin() + tv.node_first[static_cast<std::size_t>(nb.node)];
      before.insert(before.end(), first, first + tv.node_size[static_cast<std::size_t>(nb.node)]);
    }
    rhd_pass(e, t, paired, cap, detached);
    ++count;
    partial_nodes(t, tv, type, num, partial, idle);
    if (try_best()) return {true, true, best_gain, false, global - count, best};
    bool same = true;
    std::size_t k = 0;
    for (const auto& nb : paired) {
      const int first = tv.node_first[static_cast<std::size_t>(nb.node)];
      for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(nb.node)] && same; ++g)
        same = t[static_cast<std::size_t>(g)] == before[k++];
      if (!same) break;
    }
    if (same) count = bound;  // a fixed point: every later pass is the same no-op
  }
  double relaxed_gain = infeasible_gain;
  quota placed;
  if (place_relaxed(e, t, j, s, relaxed_gain, placed))
    return {true, count > 0, relaxed_gain, true, global - bound, placed};
  return {false, count > 0, infeasible_gain, false, global, {}};
}

}  // namespace migration_impl

/// Migration search for `j` on `t` (modified in place). The gain is the job's throughput after minus
/// before (0 before when it held nothing in `t`). With `clear_first` its GPUs in `t` are released first.
inline migration_result migration_search(const engine& e, table& t, const job_view& j, int global, int local,
                                         bool clear_first, detached_table* detached = nullptr) {
  double prev_gain = 0.0;
  job_stat s = e.stat(t, j.id, j.q);
  const bool held = !s.nodes.empty();
  if (held) prev_gain = e.gain_of(j, s.q);
  if (clear_first && held) {
    clear_owner(t, j.id);
    s = unplaced_stat(e, j.q);
  }
  migration_result r = migration_impl::search_internal(e, t, j, s, global, local, detached);
  r.gain -= prev_gain;
  return r;
}

/// migration_search for a job known to hold no GPUs in `t` (a new or pending job, or one cleared).
inline migration_result place_search(const engine& e, table& t, const job_view& j, int global, int local) {
  return migration_impl::search_internal(e, t, j, unplaced_stat(e, j.q), global, local, nullptr);
}

}  // namespace cellsched::crius_detail
