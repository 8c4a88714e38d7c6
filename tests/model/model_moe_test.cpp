// Mixture-of-experts builder: GShard/Alpa layout, top-2 routing FLOPs, all-to-all volume, parameters.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "../io/check_input_error.hpp"
#include "cellsched/error.hpp"
#include "cellsched/model/moe.hpp"

using namespace cellsched;

namespace {

// The arena MoE shapes (docs/formats/model.md, built-in zoo) in Alpa's layout: expert FFN 8h, experts every other
// layer.
transformer_config moe(std::string name, std::int64_t h, std::int64_t l, int experts) {
  transformer_config c;
  c.name = std::move(name);
  c.hidden = h;
  c.num_layers = l;
  c.heads = 16;
  c.seq_len = 1024;
  c.vocab = 32000;
  c.experts = experts;
  c.expert_group_size = 2048;
  c.ffn_hidden = 8 * h;
  c.moe_every_layer = false;
  return c;
}

double rel(double got, double want) { return std::fabs(got - want) / std::fabs(want); }

}  // namespace

TEST_CASE("moe transformer: expert layers at odd indices unless every layer is requested") {
  auto c = moe("m", 768, 8, 16);
  model m = build_moe_transformer(c);
  REQUIRE(m.num_layers() == 10);
  CHECK(m.family == "moe_transformer");
  for (int i = 0; i < 8; ++i) CHECK(m.layers[static_cast<std::size_t>(i + 1)].kind == (i % 2 == 1 ? "moe_transformer" : "transformer"));
  c.moe_every_layer = true;
  m = build_moe_transformer(c);
  for (int i = 1; i <= 8; ++i) CHECK(m.layers[static_cast<std::size_t>(i)].kind == "moe_transformer");
}

TEST_CASE("moe transformer: expert-layer parameters and FLOPs by hand (top-2, Alpa's terms)") {
  const auto c = moe("m", 1024, 2, 16);
  const layer l = build_moe_transformer(c).layers[2];
  REQUIRE(l.kind == "moe_transformer");
  const double h = 1024, f = 8192, s = 1024, E = 16, G = 2048;
  CHECK(l.params == 4 * h * h + 8 * h + h * E + E * (2 * h * f + f + h));
  // attention 8 s h^2 + 4 s^2 h; gate 2 s h E; dispatch + combine 2 * 4 s h G; experts top-2 2 * 4 s h f;
  // top-2 selection 4 s G (non-GEMM).
  const double want_gemm = 8 * s * h * h + 4 * s * s * h + 2 * s * h * E + 8 * s * h * G + 8 * s * h * f;
  CHECK(rel(l.gemm_flops_per_sample(), want_gemm) < 1e-9);
  CHECK(l.other_fwd_flops_per_sample == 4 * s * G);
  // Dispatched tensor and expert outputs: 2 s h elements each, fp16.
  CHECK(l.alltoall_bytes_per_sample == 2 * 2 * (2 * s * h));
  CHECK(l.max_tp == 16);
  CHECK(l.boundary_bytes_per_sample == 2 * s * h);
  for (const auto& g : l.gemms) {
    if (g.name == "expert_fc1") CHECK(g.split == tp_split::column);
    if (g.name == "expert_fc2") CHECK(g.split == tp_split::row);
    if (g.name == "moe_dispatch" || g.name == "moe_combine" || g.name == "moe_gate") CHECK(g.split == tp_split::none);
  }
}

TEST_CASE("moe transformer: parameter counts match the reference names") {
  struct row { const char* name; std::int64_t h, l; int e; double params; };
  const row rows[] = {{"moe__690M", 768, 8, 16, 690e6},   {"moe__1.3B", 768, 16, 16, 1.3e9},
                      {"moe__2.4B", 1024, 16, 16, 2.4e9}, {"moe__10B", 1536, 16, 32, 10e9},
                      {"moe__27B", 2048, 16, 48, 27e9},   {"moe__70B", 2048, 32, 64, 70e9}};
  for (const auto& r : rows) {
    INFO(r.name);
    // Alpa's layout (8h experts every other layer) is within 4 % of every name.
    CHECK(rel(build_moe_transformer(moe(r.name, r.h, r.l, r.e)).params(), r.params) < 0.04);
    // The alternative reading (4h experts in every layer) is within 10 % but further off.
    auto alt = moe(r.name, r.h, r.l, r.e);
    alt.ffn_hidden = 0;
    alt.moe_every_layer = true;
    CHECK(rel(build_moe_transformer(alt).params(), r.params) < 0.10);
  }
}

TEST_CASE("moe transformer: invalid configurations name the field") {
  auto check_field = [](const transformer_config& c, const std::string& field) {
    test::check_input_error([&] { (void)build_moe_transformer(c); }, "", field, "");
  };
  auto c = moe("m", 768, 8, 1);
  check_field(c, "experts");
  c = moe("m", 768, 8, 16);
  c.expert_group_size = 0;
  check_field(c, "expert_group_size");
  c = moe("m", 768, 8, 16);
  c.seq_len = 0;
  check_field(c, "seq_len");
}
