#pragma once
// Collective and point-to-point communication time: latency + size / bandwidth with the ring volume
// factors, over the link the group really crosses.
#include <algorithm>
#include <set>
#include <vector>

#include "cellsched/cell/cell.hpp"

namespace cellsched {

enum class collective_kind { all_reduce, all_gather, reduce_scatter, send_recv, all_to_all };

/// Bytes each rank moves over its link per byte of the operation size S, for ring algorithms
/// (Patarasuk & Yuan 2009; bus-bandwidth factors of GitHub NVIDIA/nccl-tests, doc/PERFORMANCE.md):
/// all-reduce 2(n-1)/n (reduce-scatter then all-gather), all-gather and reduce-scatter (n-1)/n with S the
/// whole n-rank array, all-to-all (n-1)/n (each rank keeps 1/n of its buffer), send/recv 1.
[[nodiscard]] constexpr double ring_volume_factor(collective_kind kind, int ranks) noexcept {
  if (ranks < 1) return 0.0;
  const double n = static_cast<double>(ranks);
  switch (kind) {
    case collective_kind::all_reduce:
      return 2.0 * (n - 1.0) / n;
    case collective_kind::all_gather:
    case collective_kind::reduce_scatter:
    case collective_kind::all_to_all:
      return (n - 1.0) / n;
    case collective_kind::send_recv:
      return 1.0;
  }
  return 1.0;
}

/// A link as a collective sees it: start-up latency and bus bandwidth per GPU.
struct link_params {
  double latency_s = 0.0;
  double bw_gb_per_s = 0.0;
};

/// Time of one collective of size `bytes` (nccl-tests size S) over `ranks` ranks on `link`. A group of
/// one rank costs nothing.
[[nodiscard]] inline double collective_time_s(collective_kind kind, double bytes, int ranks,
                                              const link_params& link) noexcept {
  if (kind != collective_kind::send_recv && ranks <= 1) return 0.0;
  if (bytes <= 0.0) return 0.0;
  const double bw = link.bw_gb_per_s > 0.0 ? link.bw_gb_per_s * 1e9 : 0.0;
  return link.latency_s + (bw > 0.0 ? ring_volume_factor(kind, ranks) * bytes / bw : 0.0);
}

/// The node of each GPU position 0..num_gpus-1 of a Cell, filling nodes in layout order.
[[nodiscard]] inline std::vector<int> node_of_positions(const node_layout& layout) {
  std::vector<int> out;
  for (std::size_t n = 0; n < layout.size(); ++n)
    for (int g = 0; g < layout[n]; ++g) out.push_back(static_cast<int>(n));
  return out;
}

/// Where a communication group sits: how many nodes it spans, and how many GPUs of one node talk
/// through that node's network link at the same time (all groups of the same kind run concurrently).
struct group_placement {
  int ranks = 1;
  int nodes = 1;
  int concurrent_gpus_per_node = 1;
};

/// Intra-node groups use the intra-node link. A group spanning nodes is bound by the slower of the
/// intra-node link and each GPU's share of the node's network bandwidth (Megatron-LM/NCCL rings cross
/// the node boundary; all concurrent groups share the NIC).
[[nodiscard]] inline link_params select_link(const group_placement& g, const link_params& intra,
                                             const link_params& inter_node) noexcept {
  if (g.nodes <= 1) return intra;
  link_params l = inter_node;
  l.bw_gb_per_s = inter_node.bw_gb_per_s / static_cast<double>(std::max(g.concurrent_gpus_per_node, 1));
  if (intra.bw_gb_per_s > 0.0) l.bw_gb_per_s = std::min(l.bw_gb_per_s, intra.bw_gb_per_s);
  l.latency_s = std::max(intra.latency_s, inter_node.latency_s);
  return l;
}

/// Placement of the groups of one pipeline stage that occupies Cell positions [first, first + dp*tp),
/// ranks ordered as Megatron-LM orders them (tensor-parallel ranks adjacent, then data-parallel).
/// Returns the worst (most nodes) tensor-parallel group and the worst data-parallel group.
struct stage_groups {
  group_placement tp;
  group_placement dp;
};

[[nodiscard]] inline stage_groups place_stage_groups(const std::vector<int>& node_of, int first, int dp, int tp) {
  stage_groups out;
  out.tp.ranks = tp;
  out.dp.ranks = dp;
  const auto node_at = [&](int pos) {
    return pos >= 0 && pos < static_cast<int>(node_of.size()) ? node_of[static_cast<std::size_t>(pos)] : 0;
  };
  std::vector<int> stage_gpus_on_node;
  for (int i = 0; i < dp * tp; ++i) {
    const int n = node_at(first + i);
    if (n >= static_cast<int>(stage_gpus_on_node.size())) stage_gpus_on_node.resize(static_cast<std::size_t>(n) + 1, 0);
    ++stage_gpus_on_node[static_cast<std::size_t>(n)];
  }
  const int busiest =
      stage_gpus_on_node.empty() ? 1 : *std::max_element(stage_gpus_on_node.begin(), stage_gpus_on_node.end());
  for (int d = 0; d < dp; ++d) {
    std::set<int> nodes;
    for (int r = 0; r < tp; ++r) nodes.insert(node_at(first + d * tp + r));
    out.tp.nodes = std::max(out.tp.nodes, static_cast<int>(nodes.size()));
  }
  for (int r = 0; r < tp; ++r) {
    std::set<int> nodes;
    for (int d = 0; d < dp; ++d) nodes.insert(node_at(first + d * tp + r));
    out.dp.nodes = std::max(out.dp.nodes, static_cast<int>(nodes.size()));
  }
  out.tp.concurrent_gpus_per_node = busiest;
  out.dp.concurrent_gpus_per_node = busiest;
  return out;
}

}  // namespace cellsched
