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

/// Where a communication group sits: how many nodes it spans, how many of its ranks share one node, and
/// how many groups of the same kind send through one node's network at the same time (all groups of a
/// kind run concurrently: every data-parallel group of a stage reduces its gradients together).
struct group_placement {
  int ranks = 1;
  int nodes = 1;
  int ranks_per_node = 1;   ///< most ranks of one group on one node
  int groups_per_node = 1;  ///< groups of this kind whose traffic leaves the busiest node concurrently
};

/// A node's network: its total bandwidth split over `nics` equal NIC rails. On DGX-class nodes each GPU
/// has its own rail (DGX A100: 8 x 200 Gb/s HDR, DGX H100: 8 x 400 Gb/s); a PCIe server typically has
/// one NIC that every GPU shares.
struct node_network {
  link_params link;  ///< latency and the node's total bandwidth (all rails)
  int nics = 1;
};

/// The bus bandwidth a collective gets (nccl-tests' busbw: time = latency + volume factor x S / busbw).
///  * Inside a node: the intra-node link.
///  * Across nodes (NCCL rings, one ring per NIC rail; GitHub NVIDIA/nccl-tests, doc/PERFORMANCE.md): a ring
///    enters and leaves each node once, so per rank the node boundary carries the same ring volume as
///    each intra-node hop, and all of a node's rings together carry that volume over the node's rails.
///    A group therefore gets the node bandwidth its ranks reach, at most the rails of its ranks on the
///    node (ranks_per_node x one rail: a GPU sends over its own rail), shared with the other groups of
///    the same kind on that node (node bandwidth / groups_per_node), and never more than the
///    intra-node link. With one NIC per node every group shares the one NIC.
/// This is also the two-level (hierarchical) all-reduce's figure: reduce-scatter inside the node,
/// all-reduce of 1/ranks_per_node of the data across nodes per rank over its rail, all-gather inside
/// the node, pipelined, bound by the slower level.
[[nodiscard]] inline link_params select_link(const group_placement& g, const link_params& intra,
                                             const node_network& net) noexcept {
  if (g.nodes <= 1) return intra;
  const double nics = static_cast<double>(std::max(net.nics, 1));
  const double node_bw = net.link.bw_gb_per_s;
  const double reach = node_bw * std::min(static_cast<double>(std::max(g.ranks_per_node, 1)), nics) / nics;
  const double share = node_bw / static_cast<double>(std::max(g.groups_per_node, 1));
  link_params l = net.link;
  l.bw_gb_per_s = std::min(reach, share);
  if (intra.bw_gb_per_s > 0.0) l.bw_gb_per_s = std::min(l.bw_gb_per_s, intra.bw_gb_per_s);
  l.latency_s = std::max(intra.latency_s, net.link.latency_s);
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
  // Nodes spanned and most ranks on one node of a group whose ranks are at `rank_pos(0..size-1)`.
  const auto measure = [&](group_placement& g, int size, const auto& rank_pos) {
    std::vector<int> count;
    for (int r = 0; r < size; ++r) {
      const int n = node_at(rank_pos(r));
      if (n >= static_cast<int>(count.size())) count.resize(static_cast<std::size_t>(n) + 1, 0);
      ++count[static_cast<std::size_t>(n)];
    }
    int nodes = 0, most = 0;
    for (const int c : count) {
      nodes += c > 0 ? 1 : 0;
      most = std::max(most, c);
    }
    // The group that spans nodes with the fewest ranks on one node reaches the fewest rails.
    if (nodes > 1) g.ranks_per_node = g.nodes > 1 ? std::min(g.ranks_per_node, most) : most;
    g.nodes = std::max(g.nodes, nodes);
  };
  out.tp.ranks_per_node = tp;
  out.dp.ranks_per_node = dp;
  for (int d = 0; d < dp; ++d) measure(out.tp, tp, [&](int r) { return first + d * tp + r; });
  for (int r = 0; r < tp; ++r) measure(out.dp, dp, [&](int d) { return first + d * tp + r; });
  // The busiest node's GPUs of this stage all take part, a group's ranks_per_node at a time.
  out.tp.groups_per_node = std::max(1, (busiest + out.tp.ranks_per_node - 1) / out.tp.ranks_per_node);
  out.dp.groups_per_node = std::max(1, (busiest + out.dp.ranks_per_node - 1) / out.dp.ranks_per_node);
  return out;
}

/// Concurrent sends across one pipeline boundary as Megatron-LM makes them: rank i of the sending stage
/// (positions [first, first + from_gpus)) sends to rank i of the next stage (positions that follow).
/// Returns the placement of one such send: 2 ranks, 1 or 2 nodes, and as groups_per_node the most sends
/// that leave (or enter) one node at once.
[[nodiscard]] inline group_placement place_boundary_sends(const std::vector<int>& node_of, int first, int from_gpus,
                                                          int to_gpus) {
  group_placement out;
  out.ranks = 2;
  const auto node_at = [&](int pos) {
    return pos >= 0 && pos < static_cast<int>(node_of.size()) ? node_of[static_cast<std::size_t>(pos)] : 0;
  };
  std::vector<int> leaving, entering;
  const auto bump = [](std::vector<int>& v, int n) {
    if (n >= static_cast<int>(v.size())) v.resize(static_cast<std::size_t>(n) + 1, 0);
    ++v[static_cast<std::size_t>(n)];
  };
  for (int i = 0; i < from_gpus; ++i) {
    // Stages of different shapes: map rank i proportionally (a non-Megatron plan; approximate).
    const int j = to_gpus == from_gpus ? i : static_cast<int>(static_cast<long long>(i) * to_gpus / from_gpus);
    const int src = node_at(first + i), dst = node_at(first + from_gpus + j);
    if (src == dst) continue;
    out.nodes = 2;
    bump(leaving, src);
    bump(entering, dst);
  }
  for (const int c : leaving) out.groups_per_node = std::max(out.groups_per_node, c);
  for (const int c : entering) out.groups_per_node = std::max(out.groups_per_node, c);
  return out;
}

}  // namespace cellsched
