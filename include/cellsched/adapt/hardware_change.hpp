#pragma once
// What changed in a cluster's hardware between two descriptions, and what to measure next
// (docs/closed-loop.md, "Hardware changes and re-probe plans").
//
// compare_clusters() lists, per GPU type: a type that is new or gone, nodes added or removed, a different
// node size, different link bandwidths or NIC rails, a changed catalog entry (peak TFLOP/s, memory,
// memory bandwidth), and - when the caller passes each type's probe-profile fingerprint (for example its
// `measured_at` stamp or a hash of the file) - a profile that was re-measured or appeared. Every changed
// type's Cells are stale (online_oracle::mark_stale): what was observed on the old hardware no longer
// stands.
//
// reprobe_plan() turns the changed types and the types that raised drift alarms into `cellsched probe`
// command lines, most informative first: a quick single-node profile of the type (GEMMs, memory
// bandwidth, intra-node collectives), a two-node collective sweep where jobs of the type span nodes, then a
// targeted probe (`--cell`) of the Cells jobs ran in on that type, most observed first.
#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cellsched/adapt/drift.hpp"
#include "cellsched/adapt/online_oracle.hpp"
#include "cellsched/hardware/cluster.hpp"

namespace cellsched {

struct hardware_change {
  std::string gpu_type;
  std::string what;  ///< in words, e.g. "nodes 4 -> 6"
};

namespace hardware_change_detail {

struct type_shape {
  int nodes = 0;
  std::set<int> gpus_per_node;
  std::set<double> intra_gb_per_s, inter_gb_per_s;
};

[[nodiscard]] inline std::map<std::string, type_shape> shapes(const cluster& c) {
  std::map<std::string, type_shape> out;
  for (const node& n : c.nodes()) {
    type_shape& s = out[n.gpu_type];
    ++s.nodes;
    s.gpus_per_node.insert(n.num_gpus);
    s.intra_gb_per_s.insert(n.intra_link_gb_per_s);
    s.inter_gb_per_s.insert(n.inter_node_gb_per_s);
  }
  return out;
}

template <class T>
[[nodiscard]] std::string set_text(const std::set<T>& s) {
  std::string out;
  for (const T& v : s) {
    if (!out.empty()) out += '/';
    std::string t = std::to_string(v);
    if (t.find('.') != std::string::npos) {
      while (t.back() == '0') t.pop_back();
      if (t.back() == '.') t.pop_back();
    }
    out += t;
  }
  return out;
}

}  // namespace hardware_change_detail

/// The hardware differences between `before` and `after`, per GPU type (see the file comment).
/// `profiles_before` / `profiles_after` map a GPU type to its probe profile's fingerprint (empty maps: not
/// compared).
[[nodiscard]] inline std::vector<hardware_change> compare_clusters(
    const cluster& before, const cluster& after, const std::map<std::string, std::string>& profiles_before = {},
    const std::map<std::string, std::string>& profiles_after = {}) {
  using namespace hardware_change_detail;
  std::vector<hardware_change> out;
  const auto a = shapes(before), b = shapes(after);
  std::set<std::string> types;
  for (const auto& [t, s] : a) types.insert(t);
  for (const auto& [t, s] : b) types.insert(t);
  for (const auto& t : types) {
    const auto ia = a.find(t), ib = b.find(t);
    if (ia == a.end()) {
      out.push_back({t, "new GPU type (" + std::to_string(ib->second.nodes) + " nodes)"});
      continue;
    }
    if (ib == b.end()) {
      out.push_back({t, "no longer in the cluster"});
      continue;
    }
    const type_shape &x = ia->second, &y = ib->second;
    if (x.nodes != y.nodes) out.push_back({t, "nodes " + std::to_string(x.nodes) + " -> " + std::to_string(y.nodes)});
    if (x.gpus_per_node != y.gpus_per_node)
      out.push_back({t, "GPUs per node " + set_text(x.gpus_per_node) + " -> " + set_text(y.gpus_per_node)});
    if (x.intra_gb_per_s != y.intra_gb_per_s)
      out.push_back({t, "intra-node link GB/s " + set_text(x.intra_gb_per_s) + " -> " + set_text(y.intra_gb_per_s)});
    if (x.inter_gb_per_s != y.inter_gb_per_s)
      out.push_back({t, "network GB/s per node " + set_text(x.inter_gb_per_s) + " -> " + set_text(y.inter_gb_per_s)});
    const gpu_type* ga = before.catalog().find(t);
    const gpu_type* gb = after.catalog().find(t);
    if (ga && gb &&
        (ga->peak_bf16_tflops != gb->peak_bf16_tflops || ga->peak_fp16_tflops != gb->peak_fp16_tflops ||
         ga->peak_tf32_tflops != gb->peak_tf32_tflops || ga->mem_gb != gb->mem_gb ||
         ga->mem_bw_gb_per_s != gb->mem_bw_gb_per_s || ga->nics_per_node != gb->nics_per_node))
      out.push_back({t, "catalog entry changed (peak TFLOP/s, memory, memory bandwidth or NIC rails)"});
    const auto pa = profiles_before.find(t), pb = profiles_after.find(t);
    if (pb != profiles_after.end() && (pa == profiles_before.end() || pa->second != pb->second))
      out.push_back({t, pa == profiles_before.end() ? "probe profile added (" + pb->second + ")"
                                                    : "probe profile re-measured (" + pa->second + " -> " + pb->second + ")"});
  }
  return out;
}

/// What online_oracle::mark_stale does, on a saved state: the type's Cells keep their counts and failures,
/// their measured times are dropped, and the type is listed stale.
inline void mark_stale(online_state& s, const std::string& gpu_type) {
  for (auto& c : s.cells)
    if (c.key.gpu_type == gpu_type) c.times_s.clear();
  if (std::find(s.stale_types.begin(), s.stale_types.end(), gpu_type) == s.stale_types.end())
    s.stale_types.push_back(gpu_type);
}

/// A Cell jobs ran in, for the targeted probes of a re-probe plan.
struct observed_cell {
  std::string model;
  std::string gpu_type;
  node_layout layout;
  std::size_t observations = 0;
};

/// The Cells of a saved online state, for reprobe_plan().
[[nodiscard]] inline std::vector<observed_cell> observed_cells(const online_state& s) {
  std::vector<observed_cell> out;
  for (const auto& c : s.cells) out.push_back({c.key.model, c.key.gpu_type, c.key.layout, c.total});
  return out;
}

struct reprobe_step {
  std::string gpu_type;
  std::string why;
  std::vector<std::string> commands;  ///< `cellsched probe` lines, in the order to run them
};

/// The re-probe plan on `topology` for the types in `changes` and those named by `alarms` (scope "type",
/// or a Cell's type), with targeted probes of up to `cells_per_type` of `cells` per type.
[[nodiscard]] inline std::vector<reprobe_step> reprobe_plan(const cluster& topology,
                                                             const std::vector<hardware_change>& changes,
                                                             const std::vector<drift_alarm>& alarms,
                                                             std::vector<observed_cell> cells,
                                                             std::size_t cells_per_type = 3) {
  std::map<std::string, std::string> why;  // type -> reasons
  for (const auto& c : changes) why[c.gpu_type].append(why[c.gpu_type].empty() ? "" : "; ").append(c.what);
  for (const auto& a : alarms) {
    if (a.gpu_type.empty()) continue;
    std::string& w = why[a.gpu_type];
    if (w.find("drift") == std::string::npos) w.append(w.empty() ? "" : "; ").append("drift: ").append(a.reason);
  }
  std::stable_sort(cells.begin(), cells.end(),
                   [](const observed_cell& x, const observed_cell& y) { return x.observations > y.observations; });
  std::vector<reprobe_step> plan;
  for (const auto& [type, reasons] : why) {
    const int per_node = topology.max_gpus_per_node(type);
    if (topology.total_gpus_of(type) == 0) continue;  // gone: nothing to measure
    reprobe_step s;
    s.gpu_type = type;
    s.why = reasons;
    const std::string out = type + "-reprobe.json";
    s.commands.push_back("cellsched probe --quick --gpu-type " + type + " --out " + out +
                         "   # on one " + type + " node");
    bool multi_node = false;
    for (const auto& c : cells) multi_node |= c.gpu_type == type && c.layout.size() > 1;
    int nodes_of_type = 0;
    for (const node& n : topology.nodes()) nodes_of_type += n.gpu_type == type ? 1 : 0;
    if (multi_node || nodes_of_type > 1) {
      if (nodes_of_type > 1)
        s.commands.push_back("mpirun -np " + std::to_string(2 * per_node) + " --map-by ppr:" + std::to_string(per_node) +
                             ":node --hostfile hosts cellsched probe --quick --gpu-type " + type + " --out " + type +
                             "-reprobe-2node.json   # two " + type + " nodes (CELLSCHED_PROBE_WITH_MPI build)");
    }
    std::size_t n = 0;
    std::set<std::string> seen;
    for (const auto& c : cells) {
      if (c.gpu_type != type || n >= cells_per_type || !seen.insert(c.model).second) continue;
      int gpus = 0;
      for (int g : c.layout) gpus += g;
      s.commands.push_back("cellsched probe --cell --model " + c.model + " --gpu-type " + type +
                           "   # jobs of " + c.model + " ran on " + std::to_string(gpus) + " " + type + " GPUs (" +
                           std::to_string(c.observations) + " observations)");
      ++n;
    }
    plan.push_back(std::move(s));
  }
  return plan;
}

}  // namespace cellsched
