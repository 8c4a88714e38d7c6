#pragma once
// A synthetic heterogeneous cluster: N GPUs split over GPU types of the catalog by share, in nodes of
// each type's typical size, with the catalog's intra-node and inter-node links (docs/scale.md).
// The result is a plain `cluster`; io::save_cluster_file writes it as a cluster file.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/error.hpp"

namespace cellsched::sim {

struct type_share {
  std::string gpu_type;  ///< a catalog name or alias
  double share = 1.0;    ///< relative weight (> 0); shares are normalised
};

struct synthetic_cluster_spec {
  std::string name = "synthetic";
  int total_gpus = 20'000;
  /// Types and their shares of the GPUs. Default: the eight types of default_type_shares().
  std::vector<type_share> types;
  int gpus_per_node = 0;  ///< > 0 overrides every type's typical GPUs per node
};

/// Eight types spanning four generations, weighted like a fleet bought over several years: the newest
/// (H100) and the A100s as a large share, inference-class PCIe cards (A10, T4) and older V100s smaller.
[[nodiscard]] inline std::vector<type_share> default_type_shares() {
  return {{"h100-sxm", 0.15}, {"a100-80gb", 0.15}, {"a100-40gb", 0.15}, {"v100-32gb", 0.10},
          {"a40", 0.15},      {"l40s", 0.10},      {"a10", 0.10},       {"t4", 0.10}};
}

/// Builds the cluster. Each type gets whole nodes: the node count N / g is split over the types by the
/// largest-remainder method on the normalised shares (ties to the earlier type), then the few GPUs left
/// over when N is not a multiple of the node size form one smaller node of the first type. Node groups
/// appear in the order the types are given. Deterministic: a pure function of the spec (no randomness is
/// needed to lay a fleet out). Throws input_error for an unknown type, a non-positive share or count.
[[nodiscard]] inline cluster make_synthetic_cluster(const synthetic_cluster_spec& spec,
                                                    const hardware_catalog& catalog = builtin_catalog()) {
  const std::vector<type_share> types = spec.types.empty() ? default_type_shares() : spec.types;
  if (spec.total_gpus < 1) throw input_error("", "total_gpus", "at least 1 GPU");
  if (spec.gpus_per_node < 0) throw input_error("", "gpus_per_node", "0 (the type's) or a positive count");
  double share_sum = 0.0;
  std::vector<const gpu_type*> resolved;
  for (std::size_t i = 0; i < types.size(); ++i) {
    const std::string field = "types[" + std::to_string(i) + "]";
    const gpu_type* t = catalog.find(types[i].gpu_type);
    if (!t) throw input_error("", field + ".gpu_type", "a GPU type of the catalog, got \"" + types[i].gpu_type + "\"");
    if (!(types[i].share > 0.0) || !std::isfinite(types[i].share))
      throw input_error("", field + ".share", "a positive finite share");
    for (const gpu_type* seen : resolved)
      if (seen->name == t->name) throw input_error("", field + ".gpu_type", "each type once, got \"" + t->name + "\" twice");
    resolved.push_back(t);
    share_sum += types[i].share;
  }
  if (resolved.empty()) throw input_error("", "types", "at least one GPU type");

  // One node size for the split: every type's own size when they agree (true of the built-in catalog),
  // else the largest; a type whose size differs keeps its own size for its nodes.
  std::vector<int> node_size;
  for (const gpu_type* t : resolved) node_size.push_back(spec.gpus_per_node > 0 ? spec.gpus_per_node : std::max(1, t->gpus_per_node));
  const int unit = *std::max_element(node_size.begin(), node_size.end());
  const std::int64_t units = spec.total_gpus / unit;

  // Largest remainder over whole units (nodes of the largest size).
  std::vector<std::int64_t> count(resolved.size(), 0);
  std::vector<std::pair<double, std::size_t>> rest;
  std::int64_t given = 0;
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    const double exact = static_cast<double>(units) * types[i].share / share_sum;
    count[i] = static_cast<std::int64_t>(std::floor(exact));
    given += count[i];
    rest.emplace_back(exact - static_cast<double>(count[i]), i);
  }
  std::stable_sort(rest.begin(), rest.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; given < units; ++k, ++given) ++count[rest[k % rest.size()].second];

  cluster c(spec.name.empty() ? "synthetic" : spec.name, catalog);
  int placed = 0;
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    const int gpus = static_cast<int>(count[i]) * unit;
    if (gpus == 0) continue;
    c.add_nodes(resolved[i]->name, gpus / node_size[i], node_size[i]);
    placed += gpus / node_size[i] * node_size[i];
  }
  if (const int left = spec.total_gpus - placed; left > 0) c.add_nodes(resolved.front()->name, 1, left);
  return c;
}

}  // namespace cellsched::sim
