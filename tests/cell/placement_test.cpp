// How stages land on a Cell's nodes: TP groups, DP groups, point-to-point links, type checks.
#include <catch2/catch.hpp>

#include <cellsched/cell/placement.hpp>

using namespace cellsched;

namespace {

plan two_stage(int dp0, int tp0, int dp1, int tp1) {
  plan p;
  p.stages = {{0, 1, dp0, tp0}, {1, 2, dp1, tp1}};
  return p;
}

cell cell_of(node_layout layout, int stages) {
  cell c;
  c.gpu_type = "a100-40gb";
  c.layout = std::move(layout);
  for (int g : c.layout) c.num_gpus += g;
  c.stages = stages;
  return c;
}

}  // namespace

TEST_CASE("stages on whole nodes: TP inside, p2p across") {
  const cell c = cell_of({4, 4}, 2);
  const plan p = two_stage(1, 4, 2, 2);
  REQUIRE(placement_error(c, p).empty());
  const auto pl = place_stages(c, p);
  CHECK(pl[0].first_node == 0);
  CHECK(pl[0].last_node == 0);
  CHECK_FALSE(pl[0].tp_spans_nodes);
  CHECK_FALSE(pl[0].dp_spans_nodes);
  CHECK(pl[0].p2p_crosses_nodes);
  CHECK(pl[1].first_slot == 4);
  CHECK_FALSE(pl[1].p2p_crosses_nodes);  // last stage sends nothing
}

TEST_CASE("a stage across two nodes: DP crosses, a TP group across the boundary is rejected") {
  const cell c = cell_of({4, 4}, 2);
  // Stage 0 takes 6 GPUs: slots 0-3 on node 0, 4-5 on node 1.
  plan p = two_stage(3, 2, 2, 1);
  REQUIRE(placement_error(c, p).empty());
  auto pl = place_stages(c, p);
  CHECK(pl[0].num_nodes() == 2);
  CHECK(pl[0].dp_spans_nodes);
  CHECK_FALSE(pl[0].tp_spans_nodes);
  // TP groups of 3 would be slots {0,1,2} and {3,4,5}: the second straddles nodes.
  p = two_stage(2, 3, 2, 1);
  CHECK_FALSE(placement_error(c, p).empty());
  CHECK(placement_error(c, p, true).empty());
  CHECK(place_stages(c, p)[0].tp_spans_nodes);
}

TEST_CASE("two stages on one node exchange activations inside it") {
  const cell c = cell_of({8}, 2);
  const auto pl = place_stages(c, two_stage(2, 2, 4, 1));
  CHECK_FALSE(pl[0].p2p_crosses_nodes);
  CHECK_FALSE(pl[1].dp_spans_nodes);
}

TEST_CASE("placement errors name the mismatch") {
  cell c = cell_of({2, 2}, 2);
  CHECK(placement_error(c, two_stage(1, 1, 1, 1)).find("plan uses 2 GPUs") != std::string::npos);
  c.stages = 3;
  CHECK(placement_error(c, two_stage(1, 2, 1, 2)).find("stages") != std::string::npos);
  // Heterogeneous: stage 0 wants h100 but the first node is an a100.
  cell h = cell_of({2, 2}, 2);
  h.node_gpu_types = {"a100-40gb", "h100-sxm"};
  h.stage_gpu_types = {"h100-sxm", "a100-40gb"};
  CHECK(placement_error(h, two_stage(2, 1, 2, 1)).find("needs h100-sxm") != std::string::npos);
  h.stage_gpu_types = {"a100-40gb", "h100-sxm"};
  CHECK(placement_error(h, two_stage(2, 1, 2, 1)).empty());
  CHECK(place_stages(h, two_stage(2, 1, 2, 1))[1].gpu_type == "h100-sxm");
}
