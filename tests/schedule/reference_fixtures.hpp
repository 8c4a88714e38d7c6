#pragma once
// Shared fixtures of the scheduling tests: the four GPU types of the reference cluster (names as in
// the built-in catalog, memory from the reference's gpu_specs), the reference profile table, and
// small clusters built from them.
#include <string>

#include <cellsched/hardware/catalog.hpp>
#include <cellsched/hardware/cluster.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/schedule/reference_table.hpp>

namespace testing_fixtures {

inline cellsched::gpu_type make_type(const std::string& name, const std::string& alias, double mem_gb, int per_node) {
  cellsched::gpu_type t;
  t.name = name;
  if (!alias.empty()) t.aliases = {alias};
  t.mem_gb = mem_gb;
  t.gpus_per_node = per_node;
  return t;
}

inline const cellsched::hardware_catalog& reference_catalog() {
  static const cellsched::hardware_catalog cat({make_type("a100-40gb", "a100", 40, 4),
                                                make_type("v100-32gb", "v100", 32, 16), make_type("a40", "", 48, 2),
                                                make_type("a10", "", 24, 2)});
  return cat;
}

inline const cellsched::reference_perf_table& reference_table() {
  static const cellsched::reference_perf_table t = cellsched::io::load_reference_table(
      std::string(CELLSCHED_DATA_DIR) + "/perf/arena-profile-db.json", reference_catalog());
  return t;
}

/// A cluster with `a100_nodes` x 4 A100, `v100_nodes` x 16 V100, `a40_nodes` x 2 A40, `a10_nodes` x 2 A10,
/// in that order (the reference cluster's order).
inline cellsched::cluster small_cluster(int a100_nodes, int v100_nodes, int a40_nodes, int a10_nodes) {
  cellsched::cluster c("test", reference_catalog());
  if (a100_nodes > 0) c.add_nodes("a100-40gb", a100_nodes, 4);
  if (v100_nodes > 0) c.add_nodes("v100-32gb", v100_nodes, 16);
  if (a40_nodes > 0) c.add_nodes("a40", a40_nodes, 2);
  if (a10_nodes > 0) c.add_nodes("a10", a10_nodes, 2);
  return c;
}

}  // namespace testing_fixtures
