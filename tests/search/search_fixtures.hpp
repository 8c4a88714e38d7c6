#pragma once
// Random Cells, options and plan checks shared by the search tests.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <cellsched/cell/cell.hpp>
#include <cellsched/cell/placement.hpp>
#include <cellsched/model/model.hpp>
#include <cellsched/search/options.hpp>
#include <cellsched/search/plan_space.hpp>

namespace toy {

/// A random Cell of at most 6 GPUs on two GPU types; one in four is heterogeneous.
[[nodiscard]] inline cellsched::cell random_cell(std::mt19937_64& rng, int layers, const std::string& type_a = "fast",
                                                 const std::string& type_b = "slow") {
  std::uniform_int_distribution<int> pick(0, 1 << 20);
  static const std::vector<cellsched::node_layout> layouts = {{1},       {2},    {3},       {4},       {2, 2}, {3, 1},
                                                              {1, 1, 1}, {4, 2}, {2, 2, 2}, {2, 1, 1}, {6},    {1, 1}};
  cellsched::cell c;
  const bool hetero = pick(rng) % 4 == 0 && layers >= 2;
  const std::string first = pick(rng) % 2 ? type_a : type_b;
  const std::string second = first == type_a ? type_b : type_a;
  c.gpu_type = first;
  if (!hetero) {
    c.layout = layouts[static_cast<std::size_t>(pick(rng)) % layouts.size()];
    for (int g : c.layout) c.num_gpus += g;
    c.stages = 1 + pick(rng) % std::min(c.num_gpus, layers);
    return c;
  }
  static const std::vector<cellsched::node_layout> parts = {{1}, {2}, {1, 1}, {3}};
  const auto& a = parts[static_cast<std::size_t>(pick(rng)) % parts.size()];
  const auto& b = parts[static_cast<std::size_t>(pick(rng)) % parts.size()];
  int ga = 0, gb = 0;
  for (int g : a) ga += g;
  for (int g : b) gb += g;
  const int sa = 1 + pick(rng) % std::min(ga, layers - 1);
  const int sb = 1 + pick(rng) % std::min(gb, layers - sa);
  c.layout = a;
  c.layout.insert(c.layout.end(), b.begin(), b.end());
  c.node_gpu_types.assign(a.size(), first);
  c.node_gpu_types.insert(c.node_gpu_types.end(), b.size(), second);
  c.stage_gpu_types.assign(static_cast<std::size_t>(sa), first);
  c.stage_gpu_types.insert(c.stage_gpu_types.end(), static_cast<std::size_t>(sb), second);
  c.num_gpus = ga + gb;
  c.stages = sa + sb;
  return c;
}

[[nodiscard]] inline cellsched::search_options random_options(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> bit(0, 1);
  cellsched::search_options o;
  const cellsched::gpu_split_policy splits[] = {cellsched::gpu_split_policy::any, cellsched::gpu_split_policy::balanced,
                                                cellsched::gpu_split_policy::balanced_pow2};
  o.gpu_split = splits[rng() % 3];
  o.shapes = bit(rng) ? cellsched::stage_shape_policy::per_stage : cellsched::stage_shape_policy::uniform;
  o.allow_tp_across_nodes = bit(rng) && bit(rng);
  o.try_gpipe = bit(rng) || bit(rng);
  o.try_recompute = bit(rng) || bit(rng);
  o.try_zero1 = bit(rng) || bit(rng);
  o.balance_rounds = bit(rng) ? 1 : 2;
  return o;
}

/// Why a returned plan breaks the rules of the plan space (empty when it does not).
[[nodiscard]] inline std::string plan_violation(const cellsched::model& m, const cellsched::cell& c,
                                                const cellsched::plan& p, std::int64_t global_batch,
                                                bool allow_tp_across_nodes) {
  const std::string e = cellsched::placement_error(c, p, allow_tp_across_nodes);
  if (!e.empty()) return e;
  if (p.global_batch() != global_batch) return "global batch differs";
  int next = 0;
  for (const auto& s : p.stages) {
    if (s.first_layer != next || s.end_layer <= s.first_layer) return "layers not contiguous and non-empty";
    next = s.end_layer;
    if (p.micro_batch_samples % s.dp != 0) return "dp does not divide the micro-batch";
    for (int l = s.first_layer; l < s.end_layer; ++l)
      if (!cellsched::layer_allows_tp(m.layers[static_cast<std::size_t>(l)], s.tp)) return "tp not allowed by a layer";
  }
  if (next != m.num_layers()) return "layers not all covered";
  return {};
}

}  // namespace toy
