#pragma once
// A read-only index of a table's free GPUs per node, so the first step of a migration search (best
// locality on idle nodes, else on the partly used node with the most free GPUs) can be answered
// without copying the table — the upgrade and type-change searches ask it for every running job.
// The answer is exactly the placement migration_search's first step would make.
#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "cellsched/schedule/crius/engine.hpp"
#include "cellsched/schedule/crius/migration.hpp"
#include "cellsched/schedule/crius/table.hpp"

namespace cellsched::crius_detail {

struct placement_index {
  std::vector<int> bubbles;                            ///< free GPUs per node
  std::vector<int> idle_by_type;                       ///< free GPUs per type
  std::vector<std::vector<int>> idle_nodes;            ///< per type, fully free nodes in node order
  std::vector<std::vector<std::vector<int>>> by_free;  ///< per type, per free count 1..cap-1, nodes in order
};

[[nodiscard]] inline placement_index index_table(const table& t, const topology_view& tv) {
  placement_index ix;
  ix.bubbles.resize(static_cast<std::size_t>(tv.num_nodes()));
  ix.idle_nodes.resize(tv.type_names.size());
  ix.idle_by_type.assign(tv.type_names.size(), 0);
  ix.by_free.resize(tv.type_names.size());
  for (std::size_t k = 0; k < tv.type_names.size(); ++k)
    ix.by_free[k].resize(static_cast<std::size_t>(tv.type_cap[k]) + 1);
  for (int v = 0; v < tv.num_nodes(); ++v) {
    const int b = bubbles(t, tv, v);
    const auto type = static_cast<std::size_t>(tv.node_type[static_cast<std::size_t>(v)]);
    ix.bubbles[static_cast<std::size_t>(v)] = b;
    ix.idle_by_type[type] += b;
    if (b == tv.type_cap[type])
      ix.idle_nodes[type].push_back(v);
    else if (b > 0 && b < tv.type_cap[type])
      ix.by_free[type][static_cast<std::size_t>(b)].push_back(v);
  }
  return ix;
}

/// GPUs a job holds per node: (node, count), in node order.
using node_counts = std::vector<std::pair<int, int>>;

/// Where migration_search's first step puts `num` GPUs of `type` on the indexed table after
/// `released` GPUs are freed; `decided` is false when that step finds no room (the search would go on
/// to migrate other jobs, which needs the table itself).
struct fast_placement {
  bool decided = false;
  std::vector<int> nodes;
};

[[nodiscard]] inline fast_placement try_fast_place(const placement_index& ix, const topology_view& tv, int type,
                                                   int num, const node_counts& released) {
  fast_placement out;
  const auto ti = static_cast<std::size_t>(type);
  const int cap = tv.type_cap[ti];
  const auto freed_on = [&](int v) {
    for (const auto& [n, c] : released)
      if (n == v) return c;
    return 0;
  };
  // Nodes of this type whose free count the release changes.
  std::vector<std::pair<int, int>> changed;  // (node, free after release)
  for (const auto& [n, c] : released)
    if (tv.node_type[static_cast<std::size_t>(n)] == type)
      changed.emplace_back(n, ix.bubbles[static_cast<std::size_t>(n)] + c);
  // Idle nodes: the index's, plus released nodes that become idle, in node order.
  const int needed = num <= cap ? 1 : num / cap;
  std::vector<int> idle;
  for (int v : ix.idle_nodes[ti]) {
    if (static_cast<int>(idle.size()) >= needed + static_cast<int>(changed.size())) break;
    idle.push_back(v);
  }
  for (const auto& [n, b] : changed)
    if (b == cap && freed_on(n) > 0) idle.push_back(n);
  std::sort(idle.begin(), idle.end());
  idle.erase(std::unique(idle.begin(), idle.end()), idle.end());
  if (static_cast<int>(idle.size()) >= needed) {
    out.decided = true;
    out.nodes.assign(idle.begin(), idle.begin() + needed);
    return out;
  }
  // Partly used nodes: the first (in node order) with the most free GPUs, if it holds the job.
  for (int b = cap - 1; b >= 1; --b) {
    int best = -1;
    for (int v : ix.by_free[ti][static_cast<std::size_t>(b)]) {
      if (freed_on(v) > 0) continue;  // its free count changed
      best = v;
      break;
    }
    for (const auto& [n, nb] : changed)
      if (nb == b && (best < 0 || n < best)) best = n;
    if (best < 0) continue;
    if (num <= b) {
      out.decided = true;
      out.nodes = {best};
    }
    return out;
  }
  return out;
}

/// Each job's (node, count) list in one pass.
[[nodiscard]] inline std::vector<node_counts> counts_by_job(const table& t, const topology_view& tv,
                                                            std::size_t num_jobs) {
  std::vector<node_counts> out(num_jobs);
  for (int v = 0; v < tv.num_nodes(); ++v) {
    const int first = tv.node_first[static_cast<std::size_t>(v)];
    for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(v)]; ++g) {
      const int o = t[static_cast<std::size_t>(g)].owner;
      if (o < 0) continue;
      auto& list = out[static_cast<std::size_t>(o)];
      if (list.empty() || list.back().first != v) list.emplace_back(v, 0);
      ++list.back().second;
    }
  }
  return out;
}

/// place_search's result (and the nodes it would use) for a job holding no GPUs after `released` are
/// freed, when its first step decides; nullopt when it would have to migrate other jobs.
struct quick_result {
  migration_result m;
  std::vector<int> nodes;
};
[[nodiscard]] inline std::optional<quick_result> quick_place_search(const engine& e, const placement_index& ix,
                                                                    const node_counts& released, const job_view& j,
                                                                    int global) {
  const quota best = best_locality(j.q.type, j.q.num, e.cap(j.q.type));
  if (!e.alloc_feasible(j, best)) return quick_result{{false, false, infeasible_gain, false, global, {}}, {}};
  fast_placement fp = try_fast_place(ix, *e.tv, j.q.type, j.q.num, released);
  if (!fp.decided) return std::nullopt;
  return quick_result{{true, false, e.gain_of(j, best), false, global, best}, std::move(fp.nodes)};
}

}  // namespace cellsched::crius_detail
