// Cell enumeration over a cluster: counts, layouts, stage counts, heterogeneous Cells.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>

#include <cellsched/cell/enumerate.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/io/cluster_json.hpp>

using namespace cellsched;

namespace {

model layers_model(int layers) {
  model m;
  m.name = "m";
  m.layers.resize(static_cast<std::size_t>(layers));
  return m;
}

/// The reference simulator's cluster: 80x4 A100, 20x16 V100, 160x2 A40, 160x2 A10.
cluster arena() { return io::load_cluster_file(std::string(CELLSCHED_DATA_DIR) + "/clusters/arena-1280.json"); }

}  // namespace

TEST_CASE("fewest-nodes layouts match the paper's best locality on the 1,280-GPU cluster") {
  const cluster cl = arena();
  const auto a100 = node_capacities(cl, "a100-40gb");
  REQUIRE(a100.size() == 80);
  CHECK(layouts_for(a100, 2, layout_policy::fewest_nodes) == std::vector<node_layout>{{2}});
  CHECK(layouts_for(a100, 16, layout_policy::fewest_nodes) == std::vector<node_layout>{{4, 4, 4, 4}});
  const auto v100 = node_capacities(cl, "v100-32gb");
  CHECK(layouts_for(v100, 16, layout_policy::fewest_nodes) == std::vector<node_layout>{{16}});
  CHECK(layouts_for(v100, 48, layout_policy::fewest_nodes) == std::vector<node_layout>{{16, 16, 16}});
  // Counts beyond the capacity of a type have no layout.
  CHECK(layouts_for(a100, 321, layout_policy::fewest_nodes).empty());
}

TEST_CASE("all uniform layouts, fewest nodes first, only those the nodes can realise") {
  const std::vector<int> caps = {4, 4, 4, 4};
  CHECK(layouts_for(caps, 4, layout_policy::all_uniform) == std::vector<node_layout>{{4}, {2, 2}, {1, 1, 1, 1}});
  // {1,1,1,1} needs four nodes; three are not enough.
  CHECK(layouts_for({4, 4, 4}, 4, layout_policy::all_uniform) == std::vector<node_layout>{{4}, {2, 2}});
  CHECK(layouts_for({4, 4}, 4, layout_policy::all_uniform) == std::vector<node_layout>{{4}, {2, 2}});
  CHECK(layouts_for({4, 4}, 6, layout_policy::all_uniform) == std::vector<node_layout>{{3, 3}});
  CHECK(layout_realisable({8, 4}, {4, 8}));
  CHECK_FALSE(layout_realisable({8, 4}, {8, 8}));
  // Uneven nodes: fewest nodes fills the largest first.
  CHECK(layouts_for({8, 4, 2}, 11, layout_policy::fewest_nodes) == std::vector<node_layout>{{8, 3}});
}

TEST_CASE("a job's Cells on the 1,280-GPU cluster: every type, count, layout and stage count") {
  const cluster cl = arena();
  const model m = layers_model(24);
  const auto cells = enumerate_cells(m, cl);
  // 4 types x counts {1,2,4,8,16} x one layout x stages 1..n: 4 x (1+2+4+8+16).
  CHECK(cells.size() == 4 * 31);
  std::set<std::tuple<std::string, int, int>> seen;
  for (const auto& c : cells) {
    CHECK(c.stages >= 1);
    CHECK(c.stages <= std::min(c.num_gpus, 24));
    int sum = 0;
    for (int g : c.layout) sum += g;
    CHECK(sum == c.num_gpus);
    CHECK(c.intra_link_gb_per_s > 0);
    CHECK(c.inter_node_gb_per_s > 0);
    CHECK_FALSE(c.heterogeneous());
    seen.emplace(c.gpu_type, c.num_gpus, c.stages);
  }
  CHECK(seen.size() == cells.size());
  // Stage counts stop at the number of layers.
  const auto shallow = enumerate_cells(layers_model(3), cl);
  for (const auto& c : shallow) CHECK(c.stages <= 3);
  CHECK(shallow.size() == 4 * (1 + 2 + 3 + 3 + 3));
}

TEST_CASE("cell options: larger counts, all uniform layouts, a stage cap") {
  const cluster cl = arena();
  cell_options o;
  o.gpu_counts = {32, 1024};
  o.max_stages = 4;
  const auto cells = enumerate_cells(layers_model(96), cl, o);
  // 32 GPUs fit every type (A100 8 nodes, V100 2 nodes, A40/A10 16 nodes); 1,024 fits none (320 each).
  CHECK(cells.size() == 4 * 4);
  for (const auto& c : cells) CHECK(c.num_gpus == 32);

  cell_options u;
  u.gpu_counts = {4};
  u.layouts = layout_policy::all_uniform;
  const auto a100_cells = enumerate_cells(layers_model(2), cl, u);
  std::set<node_layout> layouts;
  for (const auto& c : a100_cells)
    if (c.gpu_type == "a100-40gb") layouts.insert(c.layout);
  CHECK(layouts == std::set<node_layout>{{4}, {2, 2}, {1, 1, 1, 1}});
}

TEST_CASE("heterogeneous Cells: two types, stages grouped by type in order") {
  const cluster cl = arena();
  cell_options o;
  o.gpu_counts = {2, 4};
  o.heterogeneous = true;
  const auto cells = enumerate_cells(layers_model(8), cl, o);
  int hetero = 0;
  for (const auto& c : cells) {
    if (!c.heterogeneous()) continue;
    ++hetero;
    // a + b = 4 with a, b in {2, 4}: a = b = 2, so 2 + 2 GPUs, stage splits (1,1) (1,2) (2,1) (2,2).
    CHECK(c.num_gpus == 4);
    REQUIRE(c.node_gpu_types.size() == c.layout.size());
    REQUIRE(c.stage_gpu_types.size() == static_cast<std::size_t>(c.stages));
    CHECK(c.stage_gpu_types.front() == c.gpu_type);
    CHECK(c.stage_gpu_types.front() != c.stage_gpu_types.back());
    CHECK(std::is_partitioned(c.stage_gpu_types.begin(), c.stage_gpu_types.end(),
                              [&](const std::string& t) { return t == c.gpu_type; }));
  }
  // 12 ordered type pairs x 4 stage splits.
  CHECK(hetero == 12 * 4);
}
