// Dense transformer builder: parameter counts, FLOPs and activations against hand-derived formulas.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "../io/check_input_error.hpp"
#include "cellsched/error.hpp"
#include "cellsched/model/transformer.hpp"

using namespace cellsched;

namespace {

transformer_config bert(std::string name, std::int64_t h, std::int64_t l, std::int64_t a) {
  transformer_config c;
  c.name = std::move(name);
  c.hidden = h;
  c.num_layers = l;
  c.heads = a;
  c.seq_len = 1024;
  c.vocab = 51200;
  return c;
}

double rel(double got, double want) { return std::fabs(got - want) / std::fabs(want); }

}  // namespace

TEST_CASE("dense transformer: layer list and per-layer parameters 12h^2 + 13h") {
  const auto c = bert("t", 1024, 24, 16);
  const model m = build_dense_transformer(c);
  REQUIRE(m.num_layers() == 26);
  CHECK(m.layers.front().kind == "embedding");
  CHECK(m.layers.back().kind == "head");
  CHECK(m.family == "dense_transformer");
  CHECK(m.seq_len == 1024);
  const double h = 1024.0;
  for (int i = 1; i <= 24; ++i) CHECK(m.layers[static_cast<std::size_t>(i)].params == 12 * h * h + 13 * h);
  CHECK(m.layers.front().params == 51200.0 * h + 1024.0 * h);
  CHECK(m.layers.back().params == 2 * h);
  CHECK(m.params() == 24 * (12 * h * h + 13 * h) + 51200.0 * h + 1024.0 * h + 2 * h);
}

TEST_CASE("dense transformer: forward GEMM FLOPs per layer are 24 s h^2 (1 + s/(6h))") {
  for (const auto& c : {bert("a", 1024, 24, 16), bert("b", 2560, 32, 32), bert("c", 8192, 48, 64)}) {
    const model m = build_dense_transformer(c);
    const double s = 1024.0, h = static_cast<double>(c.hidden);
    const layer& l = m.layers[1];
    CHECK(rel(l.fwd_flops_per_sample(), 24 * s * h * h * (1 + s / (6 * h))) < 1e-9);
    CHECK(l.other_fwd_flops_per_sample == 0.0);
    // The head's logits GEMM is 2 s h V; the embedding lookup is not a GEMM.
    CHECK(rel(m.layers.back().fwd_flops_per_sample(), 2 * s * h * 51200.0) < 1e-9);
    CHECK(m.layers.front().fwd_flops_per_sample() == 0.0);
  }
}

TEST_CASE("dense transformer: iteration FLOPs match Narayanan et al. 2021") {
  const auto c = bert("bert__2.6B", 2560, 32, 32);
  const model m = build_dense_transformer(c);
  const double B = 512, s = 1024, l = 32, h = 2560, V = 51200;
  const double fwd = m.fwd_flops_per_sample();
  // Forward + backward (2x forward): 72 B s l h^2 (1 + s/(6h) + V/(12 h l)).
  CHECK(rel(3 * B * fwd, 72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * h * l))) < 1e-9);
  // With activation recomputation of the transformer layers (not the head): 96 ... (1 + s/(6h) + V/(16 l h)).
  double layers_fwd = 0;
  for (const auto& ly : m.layers)
    if (ly.kind == "transformer") layers_fwd += ly.fwd_flops_per_sample();
  const double head_fwd = m.layers.back().fwd_flops_per_sample();
  CHECK(rel(B * (4 * layers_fwd + 3 * head_fwd), 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h))) <
        1e-9);
}

TEST_CASE("dense transformer: training FLOPs are about 6 N tokens (GPT-3 175B)") {
  transformer_config c;
  c.name = "gpt3-175b";
  c.hidden = 12288;
  c.num_layers = 96;
  c.heads = 96;
  c.seq_len = 2048;
  c.vocab = 50257;
  const model m = build_dense_transformer(c);
  CHECK(rel(m.params(), 175e9) < 0.02);
  const double tokens = 2048.0;
  const double train_flops = 3 * m.fwd_flops_per_sample();
  // Exact: 6 (12 l h^2) tokens (1 + s/(6h)) + 6 V h tokens; 6 N tokens ignores attention scores (s/(6h)
  // = 2.8 % here) and counts biases/layernorms, so the two agree within 4 %.
  const double h = 12288, l = 96, s = 2048, V = 50257;
  CHECK(rel(train_flops, 6 * 12 * l * h * h * tokens * (1 + s / (6 * h)) + 6 * V * h * tokens) < 1e-9);
  CHECK(rel(train_flops, 6 * m.params() * tokens) < 0.04);
  CHECK(train_flops > 6 * m.params() * tokens);
}

TEST_CASE("dense transformer: activations follow Korthikanti et al. 2022") {
  const auto c = bert("t", 2048, 24, 32);
  const model m = build_dense_transformer(c);
  const layer& l = m.layers[3];
  const double s = 1024, h = 2048, a = 32;
  for (const double t : {1.0, 2.0, 4.0, 8.0}) {
    const double got = l.activation_bytes_per_sample + l.activation_bytes_per_sample_tp_split / t;
    CHECK(rel(got, s * h * (10 + 24 / t + 5 * a * s / (h * t))) < 1e-12);
  }
  CHECK(l.boundary_bytes_per_sample == 2 * s * h);
  CHECK(l.tp_allreduces_fwd == 2);
  CHECK(l.tp_allreduce_bytes_per_sample == 2 * s * h);
  CHECK(l.max_tp == 32);
  CHECK(l.mem_bound_bytes_per_sample > 0);
}

TEST_CASE("dense transformer: GEMM shapes and tensor-parallel splits") {
  const auto c = bert("t", 1024, 2, 16);
  const layer l = build_dense_transformer(c).layers[1];
  REQUIRE(l.gemms.size() == 6);
  CHECK(l.gemms[0].name == "qkv");
  CHECK(l.gemms[0].n == 3072);
  CHECK(l.gemms[0].split == tp_split::column);
  CHECK(l.gemms[1].count == 16);
  CHECK(l.gemms[1].k == 64);
  CHECK(l.gemms[1].split == tp_split::column);
  CHECK(l.gemms[2].split == tp_split::column);
  CHECK(l.gemms[3].split == tp_split::row);
  CHECK(l.gemms[4].split == tp_split::column);
  CHECK(l.gemms[4].n == 4096);
  CHECK(l.gemms[5].split == tp_split::row);
  CHECK(l.gemms[5].k == 4096);
  for (const auto& g : l.gemms) CHECK(g.rows_per_sample == 1024);
}

TEST_CASE("dense transformer: parameter counts match the reference names within 10 %") {
  struct row { const char* name; std::int64_t h, l, a; double params; };
  const row rows[] = {{"bert__350M", 1024, 24, 16, 350e6}, {"bert__760M", 1536, 24, 16, 760e6},
                      {"bert__1.3B", 2048, 24, 32, 1.3e9}, {"bert__2.6B", 2560, 32, 32, 2.6e9},
                      {"bert__6.7B", 4096, 32, 32, 6.7e9}, {"bert__15B", 5120, 48, 40, 15e9},
                      {"bert__39B", 8192, 48, 64, 39e9}};
  for (const auto& r : rows) {
    INFO(r.name);
    CHECK(rel(build_dense_transformer(bert(r.name, r.h, r.l, r.a)).params(), r.params) < 0.10);
  }
}

TEST_CASE("dense transformer: a custom FFN width and fp32 change params and activations") {
  auto c = bert("t", 1024, 2, 16);
  c.ffn_hidden = 2048;
  c.compute_dtype = dtype::fp32;
  const layer l = build_dense_transformer(c).layers[1];
  const double h = 1024, f = 2048, s = 1024, a = 16;
  CHECK(l.params == 4 * h * h + 8 * h + 2 * h * f + f + h);
  CHECK(l.boundary_bytes_per_sample == 4 * s * h);
  CHECK(l.activation_bytes_per_sample == 18 * s * h);  // (4e + 2) s h with e = 4
  CHECK(l.activation_bytes_per_sample_tp_split == 16 * s * h + 9 * a * s * s + 8 * s * f);
}

TEST_CASE("dense transformer: invalid configurations name the field") {
  auto check_field = [](const transformer_config& c, const std::string& field) {
    test::check_input_error([&] { (void)build_dense_transformer(c); }, "", field, "");
  };
  auto c = bert("t", 1024, 2, 16);
  c.heads = 24;  // 1024 is not divisible by 24
  check_field(c, "heads");
  c = bert("t", 0, 2, 16);
  check_field(c, "hidden");
  c = bert("t", 1024, 2, 16);
  c.vocab = -1;
  check_field(c, "vocab");
  c = bert("", 1024, 2, 16);
  check_field(c, "name");
  c = bert("t", 1024, 2, 16);
  c.experts = 4;
  check_field(c, "experts");
}
