#pragma once
// The Crius policy's working view of the cluster: one slot per GPU with its owner and an idle flag,
// and the primitive operations its searches are built from (find free nodes, place a job uniformly on
// given nodes, clear a job, shrink it). Owner and idle flag are separate on purpose: while a blocker
// is fitted, GPUs of opportunistic jobs it may reclaim are idle yet still name their owner.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/hardware/cluster.hpp"

namespace cellsched::crius_detail {

inline constexpr int empty_owner = -1;
inline constexpr int down_owner = -2;  ///< GPUs of a failed node: busy, owned by nobody
/// Introspective migration marks free GPUs busy under a per-type placeholder owner.
[[nodiscard]] inline constexpr int fake_owner(int type) noexcept { return -100 - type; }
[[nodiscard]] inline constexpr bool is_fake(int owner) noexcept { return owner <= -100; }

struct slot {
  int owner = empty_owner;
  bool idle = true;
  friend bool operator==(const slot&, const slot&) = default;
};
using table = std::vector<slot>;  ///< indexed by global GPU id

/// Node and type facts the searches need, built once per cluster.
struct topology_view {
  std::vector<int> node_type;   ///< index into type_names
  std::vector<int> node_first;  ///< first global GPU id of each node
  std::vector<int> node_size;
  std::vector<std::string> type_names;
  std::vector<int> type_cap;    ///< GPUs per node of each type (largest node)
  std::vector<int> type_order;  ///< order in which types are tried

  [[nodiscard]] int num_nodes() const noexcept { return static_cast<int>(node_type.size()); }
};

/// A job's GPUs as the searches see them: type, count, and a uniform layout of `nodes` x `per_node`.
struct quota {
  int type = -1;
  int num = 0;
  int nodes = 1;
  int per_node = 0;
  friend bool operator==(const quota&, const quota&) = default;
};

/// Best locality: one node if it holds the count, else as few full nodes as possible.
[[nodiscard]] inline quota best_locality(int type, int num, int cap) {
  if (cap <= 0 || num <= cap) return {type, num, 1, num};
  return {type, num, num / cap, cap};
}

/// The artifact's locality bound from a previous layout: best locality when prev per-node x
/// (local migrations + 1) reaches min(num, cap) (always, with the default budget), else that many per node.
[[nodiscard]] inline quota locality_within(int type, int num, int cap, int prev_per_node, int local_migrations) {
  const long long reach = static_cast<long long>(prev_per_node) * (local_migrations + 1LL);
  if (reach >= std::min(num, cap) || reach <= 0) return best_locality(type, num, cap);
  const int per = static_cast<int>(reach);
  return {type, num, num / per, per};
}

/// Where a job stands in a table (falling back to its quota when it holds nothing there).
struct job_stat {
  quota q;
  std::vector<int> nodes;  ///< nodes holding its GPUs, in node order
};

[[nodiscard]] inline int bubbles(const table& t, const topology_view& tv, int node) {
  int n = 0;
  const auto first = static_cast<std::size_t>(tv.node_first[static_cast<std::size_t>(node)]);
  for (std::size_t g = first; g < first + static_cast<std::size_t>(tv.node_size[static_cast<std::size_t>(node)]); ++g)
    n += t[g].idle ? 1 : 0;
  return n;
}

[[nodiscard]] inline bool type_exists(const topology_view& tv, int type) {
  return std::find(tv.node_type.begin(), tv.node_type.end(), type) != tv.node_type.end();
}

/// At least `num` idle GPUs of a type.
[[nodiscard]] inline bool sufficient(const table& t, const topology_view& tv, int type, int num) {
  int n = 0;
  for (int v = 0; v < tv.num_nodes(); ++v) {
    if (tv.node_type[static_cast<std::size_t>(v)] != type) continue;
    n += bubbles(t, tv, v);
    if (n >= num) return true;
  }
  return false;
}

[[nodiscard]] inline job_stat stat_of(const table& t, const topology_view& tv, int owner, const quota& fallback) {
  job_stat s;
  int count = 0;
  int type = -1;
  for (int v = 0; v < tv.num_nodes(); ++v) {
    const auto first = static_cast<std::size_t>(tv.node_first[static_cast<std::size_t>(v)]);
    bool here = false;
    for (std::size_t g = first; g < first + static_cast<std::size_t>(tv.node_size[static_cast<std::size_t>(v)]); ++g) {
      if (t[g].owner != owner) continue;
      ++count;
      here = true;
      if (type < 0) type = tv.node_type[static_cast<std::size_t>(v)];
    }
    if (here) s.nodes.push_back(v);
  }
  s.q.type = type >= 0 ? type : fallback.type;
  s.q.num = count > 0 ? count : fallback.num;
  const int cap = s.q.type >= 0 ? tv.type_cap[static_cast<std::size_t>(s.q.type)] : 1;
  s.q.nodes = !s.nodes.empty() ? static_cast<int>(s.nodes.size()) : std::max(1, cap > 0 ? s.q.num / cap : 1);
  s.q.per_node = s.q.num / s.q.nodes;
  return s;
}

/// stat_of for every job at once (one pass over the table): GPU count, type of its first GPU, nodes.
struct owner_stats {
  std::vector<int> count;
  std::vector<int> type;
  std::vector<int> nodes;
};
[[nodiscard]] inline owner_stats summarize(const table& t, const topology_view& tv, std::size_t num_jobs) {
  owner_stats o;
  o.count.assign(num_jobs, 0);
  o.type.assign(num_jobs, -1);
  o.nodes.assign(num_jobs, 0);
  std::vector<int> last_node(num_jobs, -1);
  for (int v = 0; v < tv.num_nodes(); ++v) {
    const int first = tv.node_first[static_cast<std::size_t>(v)];
    for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(v)]; ++g) {
      const int w = t[static_cast<std::size_t>(g)].owner;
      if (w < 0) continue;
      const auto i = static_cast<std::size_t>(w);
      if (o.count[i]++ == 0) o.type[i] = tv.node_type[static_cast<std::size_t>(v)];
      if (last_node[i] != v) {
        last_node[i] = v;
        ++o.nodes[i];
      }
    }
  }
  return o;
}
/// The quota stat_of would report, from a summary (without the node list).
[[nodiscard]] inline quota quota_from(const owner_stats& o, const topology_view& tv, int owner, const quota& fallback) {
  const auto i = static_cast<std::size_t>(owner);
  quota q;
  q.type = o.count[i] > 0 ? o.type[i] : fallback.type;
  q.num = o.count[i] > 0 ? o.count[i] : fallback.num;
  const int cap = q.type >= 0 ? tv.type_cap[static_cast<std::size_t>(q.type)] : 1;
  q.nodes = o.count[i] > 0 ? o.nodes[i] : std::max(1, cap > 0 ? q.num / cap : 1);
  q.per_node = q.num / q.nodes;
  return q;
}

/// Clears every GPU of `owner`; true if it held any.
inline bool clear_owner(table& t, int owner) {
  bool any = false;
  for (auto& s : t) {
    if (s.owner != owner) continue;
    s = slot{};
    any = true;
  }
  return any;
}

/// Places `num` GPUs of `owner` uniformly on `nodes`, per node the first GPUs that are idle or already
/// its own; its other GPUs on those nodes are released. False (table unchanged) if a node lacks room.
inline bool place(table& t, const topology_view& tv, int owner, int num, const std::vector<int>& nodes) {
  if (nodes.empty()) return false;
  const int per_node = num / static_cast<int>(nodes.size());
  std::vector<std::vector<int>> blocks;
  for (int v : nodes) {
    std::vector<int> block;
    const int first = tv.node_first[static_cast<std::size_t>(v)];
    for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(v)]; ++g) {
      const slot& s = t[static_cast<std::size_t>(g)];
      if (s.idle || s.owner == owner) block.push_back(g);
      if (static_cast<int>(block.size()) == per_node) break;
    }
    if (static_cast<int>(block.size()) < per_node) return false;
    blocks.push_back(std::move(block));
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const int first = tv.node_first[static_cast<std::size_t>(nodes[i])];
    for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(nodes[i])]; ++g)
      if (t[static_cast<std::size_t>(g)].owner == owner) t[static_cast<std::size_t>(g)] = slot{};
    for (int g : blocks[i]) t[static_cast<std::size_t>(g)] = slot{owner, false};
  }
  return true;
}

struct node_bubbles {
  int node = 0;
  int bubbles = 0;
};

/// Partly used nodes of a type, most free GPUs first (stable), cut at the first prefix holding `need`
/// free GPUs; and the fully idle nodes of the type, in node order.
inline void partial_nodes(const table& t, const topology_view& tv, int type, int need,
                          std::vector<node_bubbles>& partial, std::vector<int>& idle) {
  partial.clear();
  idle.clear();
  const int cap = tv.type_cap[static_cast<std::size_t>(type)];
  for (int v = 0; v < tv.num_nodes(); ++v) {
    if (tv.node_type[static_cast<std::size_t>(v)] != type) continue;
    const int b = bubbles(t, tv, v);
    if (b > 0 && b < cap) partial.push_back({v, b});
    if (b == cap) idle.push_back(v);
  }
  std::stable_sort(partial.begin(), partial.end(),
                   [](const node_bubbles& a, const node_bubbles& b) { return a.bubbles > b.bubbles; });
  int sum = 0;
  for (std::size_t i = 0; i < partial.size(); ++i) {
    sum += partial[i].bubbles;
    if (sum >= need) {
      partial.resize(i + 1);
      break;
    }
  }
}

/// Owners of busy GPUs on `nodes` with their GPU counts (first-seen order) and the nodes they were
/// on; those GPUs are released.
struct owner_count {
  int owner = 0;
  int count = 0;
  std::vector<int> nodes;
};
inline std::vector<owner_count> record_and_clear(table& t, const topology_view& tv, const std::vector<int>& nodes) {
  std::vector<owner_count> out;
  for (int v : nodes) {
    const int first = tv.node_first[static_cast<std::size_t>(v)];
    for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(v)]; ++g) {
      slot& s = t[static_cast<std::size_t>(g)];
      if (s.idle) continue;
      auto it = std::find_if(out.begin(), out.end(), [&](const owner_count& o) { return o.owner == s.owner; });
      if (it == out.end()) {
        out.push_back({s.owner, 0, {}});
        it = out.end() - 1;
      }
      ++it->count;
      if (std::find(it->nodes.begin(), it->nodes.end(), v) == it->nodes.end()) it->nodes.push_back(v);
      s = slot{};
    }
  }
  return out;
}

/// Jobs holding busy GPUs, in GPU order, then `target` (the candidates a search may modify).
[[nodiscard]] inline std::vector<int> running_owners(const table& t, int target, std::size_t num_jobs) {
  std::vector<char> seen(num_jobs, 0);
  std::vector<int> out;
  for (const auto& s : t) {
    if (s.idle || s.owner < 0 || s.owner == target) continue;
    if (seen[static_cast<std::size_t>(s.owner)]) continue;
    seen[static_cast<std::size_t>(s.owner)] = 1;
    out.push_back(s.owner);
  }
  out.push_back(target);
  return out;
}

/// Nodes holding GPUs of `owner`, in node order.
[[nodiscard]] inline std::vector<int> nodes_of(const table& t, const topology_view& tv, int owner) {
  std::vector<int> out;
  for (int v = 0; v < tv.num_nodes(); ++v) {
    const int first = tv.node_first[static_cast<std::size_t>(v)];
    for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(v)]; ++g) {
      if (t[static_cast<std::size_t>(g)].owner == owner) {
        out.push_back(v);
        break;
      }
    }
  }
  return out;
}

/// Halves a job's GPUs in place: on one node it keeps its first half; across nodes it leaves the
/// half of its nodes with the fewest free GPUs (stable order).
inline void shrink_in_table(table& t, const topology_view& tv, std::vector<int> job_nodes, const quota& prev, int owner,
                            int new_num) {
  if (prev.nodes == 1) {
    if (job_nodes.empty()) return;
    int kept = 0;
    const int first = tv.node_first[static_cast<std::size_t>(job_nodes[0])];
    for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(job_nodes[0])]; ++g) {
      slot& s = t[static_cast<std::size_t>(g)];
      if (s.owner != owner) continue;
      if (++kept > new_num) s = slot{};
    }
    return;
  }
  std::stable_sort(job_nodes.begin(), job_nodes.end(),
                   [&](int a, int b) { return bubbles(t, tv, a) < bubbles(t, tv, b); });
  job_nodes.resize(job_nodes.size() / 2);
  for (int v : job_nodes) {
    const int first = tv.node_first[static_cast<std::size_t>(v)];
    for (int g = first; g < first + tv.node_size[static_cast<std::size_t>(v)]; ++g)
      if (t[static_cast<std::size_t>(g)].owner == owner) t[static_cast<std::size_t>(g)] = slot{};
  }
}

}  // namespace cellsched::crius_detail
