#pragma once
// Where a plan's stages sit on a Cell's node layout. One convention, shared by the plan search (which
// rejects plans that do not map) and by estimators (which pick the link each group crosses):
//
// * The Cell's GPUs are numbered in "slots": node 0 of the layout first (layout[0] slots), then node 1,
//   and so on. In a heterogeneous Cell the layout is grouped by GPU type in stage order.
// * Stage s takes the next stage_plan::gpus() slots after stage s-1 (stages are contiguous).
// * Inside a stage, slot r*tp + j is tensor rank j of data-parallel replica r (Megatron-LM's order:
//   tensor ranks are the fastest-varying, so a TP group is tp consecutive slots).
//
// A TP group that straddles two nodes is legal only when the search option allows it (its all-reduces
// would run over the inter-node link on every layer; Megatron-LM's guidance is to keep TP inside a node).
#include <cstddef>
#include <string>
#include <vector>

#include "cellsched/cell/cell.hpp"

namespace cellsched {

/// How one stage lands on the Cell's nodes.
struct stage_placement {
  int first_slot = 0;
  int num_slots = 0;
  int first_node = 0;              ///< index into cell::layout
  int last_node = 0;               ///< inclusive
  bool tp_spans_nodes = false;     ///< some TP group has GPUs on two nodes
  bool dp_spans_nodes = false;     ///< some DP group (same tensor rank, all replicas) has GPUs on two nodes
  bool p2p_crosses_nodes = false;  ///< activations to the next stage leave the node (false for the last stage)
  std::string gpu_type;            ///< type of the nodes the stage sits on
  [[nodiscard]] int num_nodes() const noexcept { return last_node - first_node + 1; }
};

/// GPU type of layout entry i: cell::node_gpu_types when given, else the Cell's type.
[[nodiscard]] inline const std::string& node_type_of(const cell& c, std::size_t i) {
  return c.node_gpu_types.empty() ? c.gpu_type : c.node_gpu_types.at(i);
}

/// Layout index of every slot.
[[nodiscard]] inline std::vector<int> slot_nodes(const node_layout& layout) {
  std::vector<int> out;
  for (std::size_t i = 0; i < layout.size(); ++i)
    for (int g = 0; g < layout[i]; ++g) out.push_back(static_cast<int>(i));
  return out;
}

/// True when every tp consecutive slots starting at `first` (num_slots of them) lie on one node.
[[nodiscard]] inline bool tp_groups_within_nodes(const std::vector<int>& slot_node, int first, int num_slots, int tp) {
  for (int g = first; g + tp <= first + num_slots; g += tp)
    if (slot_node[static_cast<std::size_t>(g)] != slot_node[static_cast<std::size_t>(g + tp - 1)]) return false;
  return true;
}

/// Why a plan does not map onto a Cell's layout (GPU total, stage count, stage GPU types, and - unless
/// allowed - TP groups straddling nodes); empty when it maps.
[[nodiscard]] inline std::string placement_error(const cell& c, const plan& p, bool allow_tp_across_nodes = false) {
  int total = 0;
  for (int g : c.layout) total += g;
  if (total != c.num_gpus)
    return "layout holds " + std::to_string(total) + " GPUs, Cell has " + std::to_string(c.num_gpus);
  if (!c.node_gpu_types.empty() && c.node_gpu_types.size() != c.layout.size())
    return "node_gpu_types has " + std::to_string(c.node_gpu_types.size()) + " entries, layout " +
           std::to_string(c.layout.size());
  if (static_cast<int>(p.stages.size()) != c.stages)
    return "plan has " + std::to_string(p.stages.size()) + " stages, Cell " + std::to_string(c.stages);
  if (p.gpus() != c.num_gpus)
    return "plan uses " + std::to_string(p.gpus()) + " GPUs, Cell has " + std::to_string(c.num_gpus);
  const std::vector<int> sn = slot_nodes(c.layout);
  int slot = 0;
  for (std::size_t s = 0; s < p.stages.size(); ++s) {
    const stage_plan& st = p.stages[s];
    if (st.dp < 1 || st.tp < 1) return "stage " + std::to_string(s) + " has dp or tp below 1";
    const std::string& want = c.stage_gpu_type(static_cast<int>(s));
    for (int g = slot; g < slot + st.gpus(); ++g)
      if (node_type_of(c, static_cast<std::size_t>(sn[static_cast<std::size_t>(g)])) != want)
        return "stage " + std::to_string(s) + " needs " + want + " GPUs but slot " + std::to_string(g) + " is " +
               node_type_of(c, static_cast<std::size_t>(sn[static_cast<std::size_t>(g)]));
    if (!allow_tp_across_nodes && !tp_groups_within_nodes(sn, slot, st.gpus(), st.tp))
      return "stage " + std::to_string(s) + ": a TP group of " + std::to_string(st.tp) + " spans two nodes";
    slot += st.gpus();
  }
  return {};
}

/// Placement of every stage. Precondition: placement_error(c, p, true) is empty.
[[nodiscard]] inline std::vector<stage_placement> place_stages(const cell& c, const plan& p) {
  const std::vector<int> sn = slot_nodes(c.layout);
  std::vector<stage_placement> out;
  int slot = 0;
  for (const stage_plan& st : p.stages) {
    stage_placement sp;
    sp.first_slot = slot;
    sp.num_slots = st.gpus();
    sp.first_node = sn.at(static_cast<std::size_t>(slot));
    sp.last_node = sn.at(static_cast<std::size_t>(slot + st.gpus() - 1));
    sp.tp_spans_nodes = !tp_groups_within_nodes(sn, slot, st.gpus(), st.tp);
    for (int j = 0; j < st.tp && !sp.dp_spans_nodes; ++j)
      for (int r = 1; r < st.dp; ++r)
        if (sn[static_cast<std::size_t>(slot + r * st.tp + j)] != sn[static_cast<std::size_t>(slot + j)]) {
          sp.dp_spans_nodes = true;
          break;
        }
    sp.gpu_type = node_type_of(c, static_cast<std::size_t>(sp.first_node));
    slot += st.gpus();
    out.push_back(std::move(sp));
  }
  // Point-to-point stays on the node only when both neighbours sit wholly on the same single node.
  for (std::size_t s = 0; s + 1 < out.size(); ++s)
    out[s].p2p_crosses_nodes =
        !(out[s].first_node == out[s].last_node && out[s + 1].first_node == out[s + 1].last_node &&
          out[s].first_node == out[s + 1].first_node);
  return out;
}

}  // namespace cellsched
