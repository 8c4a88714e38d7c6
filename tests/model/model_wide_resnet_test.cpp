// Wide-ResNet builder: Alpa's bottleneck layout, parameter counts, conv-as-GEMM shapes.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "../io/check_input_error.hpp"
#include "cellsched/error.hpp"
#include "cellsched/model/wide_resnet.hpp"

using namespace cellsched;

namespace {

wide_resnet_config wrn(std::string name, int depth, std::int64_t width, std::int64_t base) {
  wide_resnet_config c;
  c.name = std::move(name);
  c.depth = depth;
  c.width_factor = width;
  c.base_channels = base;
  return c;
}

double rel(double got, double want) { return std::fabs(got - want) / std::fabs(want); }

}  // namespace

TEST_CASE("wide resnet: width 1, 64 channels, 1000 classes is ResNet-50 v1.5") {
  auto c = wrn("resnet50", 50, 1, 64);
  c.num_classes = 1000;
  const model m = build_wide_resnet(c);
  CHECK(m.num_layers() == 18);  // stem, 16 bottleneck blocks, head
  // torchvision resnet50: 25,557,032 parameters (conv weights, BatchNorm scale/offset, fc weight and bias).
  CHECK(m.params() == 25557032.0);
  // About 4.1 G multiply-adds per 224x224 image (He et al. 2016, table 1: 3.8e9 for v1; v1.5 puts the
  // stride on the 3x3 conv, 4.1e9); FLOPs = 2 x MACs.
  CHECK(rel(m.fwd_flops_per_sample(), 2 * 4.1e9) < 0.02);
  CHECK(m.family == "wide_resnet");
  CHECK(m.compute_dtype == dtype::fp32);
}

TEST_CASE("wide resnet: block GEMM shapes by hand") {
  const model m = build_wide_resnet(wrn("w", 50, 2, 224));
  const layer& stem = m.layers[0];
  REQUIRE(stem.gemms.size() == 1);
  CHECK(stem.gemms[0].rows_per_sample == 112.0 * 112.0);
  CHECK(stem.gemms[0].k == 147);
  CHECK(stem.boundary_bytes_per_sample == 4.0 * 224 * 56 * 56);
  // Stage 0 block 0: 56x56, in 224 -> 224 -> 448 -> 896 with a projection.
  const layer& b0 = m.layers[1];
  REQUIRE(b0.gemms.size() == 4);
  CHECK(b0.gemms[0].rows_per_sample == 56.0 * 56.0);
  CHECK(b0.gemms[1].n == 448);
  CHECK(b0.gemms[1].k == 9 * 224);
  CHECK(b0.gemms[1].split == tp_split::column);
  CHECK(b0.gemms[2].n == 896);
  CHECK(b0.gemms[2].split == tp_split::row);
  CHECK(b0.gemms[3].name == "projection_1x1");
  const double want = 2 * 3136.0 * (224.0 * 224 + 9 * 224 * 448 + 448 * 896 + 224 * 896);
  CHECK(rel(b0.fwd_flops_per_sample(), want) < 1e-12);
  // Stage 1 block 0 strides on the 3x3 conv: conv1 at 56x56, the rest at 28x28.
  const layer& s1 = m.layers[4];
  CHECK(s1.name == "stage1_block0");
  CHECK(s1.gemms[0].rows_per_sample == 56.0 * 56.0);
  CHECK(s1.gemms[1].rows_per_sample == 28.0 * 28.0);
  CHECK(s1.gemms.size() == 4);
  // Second block of a stage: no projection.
  CHECK(m.layers[5].gemms.size() == 3);
  CHECK(m.layers.back().gemms[0].k == 4 * 8 * 224);
  CHECK(m.layers[1].max_tp == 64);  // 448 = 64 * 7
}

TEST_CASE("wide resnet: parameter counts match the reference names within 3 %") {
  struct row { const char* name; int depth; std::int64_t w, c; double params; };
  const row rows[] = {{"wide_resnet__500M", 50, 2, 224, 500e6}, {"wide_resnet__1B", 50, 2, 320, 1e9},
                      {"wide_resnet__2B", 50, 2, 448, 2e9},     {"wide_resnet__4B", 50, 2, 640, 4e9},
                      {"wide_resnet__6.8B", 50, 16, 320, 6.8e9}, {"wide_resnet__13B", 101, 16, 320, 13e9}};
  for (const auto& r : rows) {
    INFO(r.name);
    CHECK(rel(build_wide_resnet(wrn(r.name, r.depth, r.w, r.c)).params(), r.params) < 0.03);
  }
  CHECK(build_wide_resnet(wrn("x", 101, 16, 320)).num_layers() == 35);
}

TEST_CASE("wide resnet: invalid configurations name the field") {
  auto check_field = [](const wide_resnet_config& c, const std::string& field) {
    test::check_input_error([&] { (void)build_wide_resnet(c); }, "", field, "");
  };
  check_field(wrn("w", 34, 2, 64), "depth");
  check_field(wrn("w", 50, 0, 64), "width_factor");
  check_field(wrn("w", 50, 2, -1), "base_channels");
  auto c = wrn("w", 50, 2, 64);
  c.image_size = 0;
  check_field(c, "image_size");
}
