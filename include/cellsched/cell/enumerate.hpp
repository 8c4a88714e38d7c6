#pragma once
// A job's Cells on a cluster (docs/plan-search.md): every GPU type present, every allowed GPU count the type's
// nodes can hold, every node layout the options allow for that count, every stage count 1..min(GPUs,
// layers). Optionally two-type heterogeneous Cells (stages on different GPU types, as Metis/FlashFlex do).
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/model/model.hpp"

namespace cellsched {

enum class layout_policy {
  fewest_nodes,  ///< the one layout on as few nodes as possible (the paper's "best locality")
  all_uniform    ///< every layout with the same GPU count on each node: [n], [n/2, n/2], ..., [1, ..., 1]
};

/// Powers of two 1, 2, 4, ... up to and including `max_gpus`.
[[nodiscard]] inline std::vector<int> powers_of_two_up_to(int max_gpus) {
  std::vector<int> out;
  for (int g = 1; g <= max_gpus && g > 0; g *= 2) out.push_back(g);
  return out;
}

struct cell_options {
  /// Allowed GPU counts per Cell. The paper's artifact uses {1, 2, 4, 8, 16}; any positive counts work.
  std::vector<int> gpu_counts = powers_of_two_up_to(16);
  layout_policy layouts = layout_policy::fewest_nodes;
  int max_stages = 0;          ///< cap on pipeline stages; 0 = min(GPUs, layers)
  bool heterogeneous = false;  ///< also enumerate two-type Cells (beyond the paper)
};

/// GPU counts of the cluster's nodes of one type, largest first.
[[nodiscard]] inline std::vector<int> node_capacities(const cluster& cl, const std::string& gpu_type) {
  std::vector<int> caps;
  for (const auto& n : cl.nodes())
    if (n.gpu_type == gpu_type && n.num_gpus > 0) caps.push_back(n.num_gpus);
  std::sort(caps.begin(), caps.end(), std::greater<>());
  return caps;
}

/// True when each layout entry can be given its own node with at least that many GPUs. Matching the
/// largest entries to the largest nodes is optimal (exchange argument), so one sorted pass decides it.
[[nodiscard]] inline bool layout_realisable(const std::vector<int>& caps_desc, node_layout layout) {
  std::sort(layout.begin(), layout.end(), std::greater<>());
  if (layout.size() > caps_desc.size()) return false;
  for (std::size_t i = 0; i < layout.size(); ++i)
    if (layout[i] < 1 || layout[i] > caps_desc[i]) return false;
  return true;
}

/// The layouts of `num_gpus` GPUs of one type that the options allow and the cluster can realise,
/// fewest nodes first.
[[nodiscard]] inline std::vector<node_layout> layouts_for(const std::vector<int>& caps_desc, int num_gpus,
                                                          layout_policy policy) {
  std::vector<node_layout> out;
  if (num_gpus < 1 || caps_desc.empty()) return out;
  if (policy == layout_policy::fewest_nodes) {
    // Fill the largest nodes completely; the last node takes the remainder.
    node_layout l;
    int left = num_gpus;
    for (std::size_t i = 0; i < caps_desc.size() && left > 0; ++i) {
      l.push_back(std::min(left, caps_desc[i]));
      left -= l.back();
    }
    if (left == 0) {
      std::sort(l.begin(), l.end(), std::greater<>());
      out.push_back(std::move(l));
    }
    return out;
  }
  for (int per_node = std::min(num_gpus, caps_desc.front()); per_node >= 1; --per_node) {
    if (num_gpus % per_node != 0) continue;
    node_layout l(static_cast<std::size_t>(num_gpus / per_node), per_node);
    if (layout_realisable(caps_desc, l)) out.push_back(std::move(l));
  }
  return out;
}

namespace detail {

/// Link figures of the nodes of one type: the slowest node's, since a Cell may land on any of them.
inline void set_links(cell& c, const cluster& cl, const std::string& gpu_type) {
  double intra = 0.0, inter = 0.0;
  bool first = true;
  for (const auto& n : cl.nodes()) {
    if (n.gpu_type != gpu_type) continue;
    intra = first ? n.intra_link_gb_per_s : std::min(intra, n.intra_link_gb_per_s);
    inter = first ? n.inter_node_gb_per_s : std::min(inter, n.inter_node_gb_per_s);
    first = false;
  }
  c.intra_link_gb_per_s = intra;
  c.inter_node_gb_per_s = inter;
}

[[nodiscard]] inline int stage_cap(const cell_options& o, int gpus, int layers) {
  int cap = std::min(gpus, layers);
  if (o.max_stages > 0) cap = std::min(cap, o.max_stages);
  return cap;
}

}  // namespace detail

/// The Cell of `gpu_type` on `layout` with `stages` stages, link figures from the cluster's nodes.
[[nodiscard]] inline cell make_cell(const cluster& cl, const std::string& gpu_type, const node_layout& layout,
                                    int stages) {
  cell c;
  c.gpu_type = gpu_type;
  c.layout = layout;
  for (int g : layout) c.num_gpus += g;
  c.stages = stages;
  detail::set_links(c, cl, gpu_type);
  return c;
}

/// Every single-type Cell of a model on a cluster, in a fixed order: GPU type (cluster order), GPU count
/// (option order), layout (fewest nodes first), stage count ascending.
[[nodiscard]] inline std::vector<cell> enumerate_cells(const model& m, const cluster& cl, const cell_options& o = {}) {
  std::vector<cell> out;
  const int layers = m.num_layers();
  for (const auto& type : cl.gpu_types_present()) {
    const std::vector<int> caps = node_capacities(cl, type);
    const int capacity = cl.total_gpus_of(type);
    for (int n : o.gpu_counts) {
      if (n < 1 || n > capacity) continue;
      for (const auto& layout : layouts_for(caps, n, o.layouts))
        for (int s = 1; s <= detail::stage_cap(o, n, layers); ++s) out.push_back(make_cell(cl, type, layout, s));
    }
  }
  if (o.heterogeneous) {
    // Two-type Cells: the first a GPUs of type A run the first stages, the next b of type B the rest.
    // a, b and a + b are all allowed counts, so a heterogeneous Cell obeys the same count policy as a
    // single-type one; each part sits on its type's fewest-nodes layout.
    const auto types = cl.gpu_types_present();
    for (const auto& ta : types)
      for (const auto& tb : types) {
        if (ta == tb) continue;
        const auto caps_a = node_capacities(cl, ta), caps_b = node_capacities(cl, tb);
        for (int a : o.gpu_counts)
          for (int b : o.gpu_counts) {
            if (a < 1 || b < 1 || a > cl.total_gpus_of(ta) || b > cl.total_gpus_of(tb)) continue;
            if (std::find(o.gpu_counts.begin(), o.gpu_counts.end(), a + b) == o.gpu_counts.end()) continue;
            const auto la = layouts_for(caps_a, a, layout_policy::fewest_nodes);
            const auto lb = layouts_for(caps_b, b, layout_policy::fewest_nodes);
            if (la.empty() || lb.empty()) continue;
            const int cap_total = detail::stage_cap(o, a + b, layers);
            for (int sa = 1; sa <= std::min(a, cap_total - 1); ++sa)
              for (int sb = 1; sb <= std::min(b, cap_total - sa); ++sb) {
                cell c = make_cell(cl, ta, la.front(), sa + sb);
                c.layout.insert(c.layout.end(), lb.front().begin(), lb.front().end());
                c.num_gpus = a + b;
                c.node_gpu_types.assign(la.front().size(), ta);
                c.node_gpu_types.insert(c.node_gpu_types.end(), lb.front().size(), tb);
                c.stage_gpu_types.assign(static_cast<std::size_t>(sa), ta);
                c.stage_gpu_types.insert(c.stage_gpu_types.end(), static_cast<std::size_t>(sb), tb);
                // Links differ per type: leave them to each type's catalog defaults.
                c.intra_link_gb_per_s = 0.0;
                c.inter_node_gb_per_s = 0.0;
                out.push_back(std::move(c));
              }
          }
      }
  }
  return out;
}

}  // namespace cellsched
