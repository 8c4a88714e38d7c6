// Today's transformer shapes: grouped-query attention, SwiGLU with its own FFN width, flash attention.
// Figures worked out by hand on a small configuration.
#include <catch2/catch.hpp>

#include <cmath>

#include "cellsched/error.hpp"
#include "cellsched/model/transformer.hpp"

using namespace cellsched;

namespace {
bool close(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }

transformer_config small() {
  transformer_config c;
  c.name = "small";
  c.hidden = 64;
  c.num_layers = 1;
  c.heads = 8;  // head dim 8
  c.seq_len = 16;
  c.vocab = 128;
  c.ffn_hidden = 96;
  c.num_query_groups = 2;
  c.swiglu = true;
  return c;
}
}  // namespace

TEST_CASE("grouped-query attention and SwiGLU: GEMMs, parameters, tensor-parallel limit", "[model]") {
  const model m = build_dense_transformer(small());
  const layer& l = m.layers[1];
  REQUIRE(l.kind == "transformer");
  // QKV: n = h + 2 g d = 64 + 2 x 2 x 8 = 96; FC1: 2 x 96 (gate and up).
  REQUIRE(l.gemms[0].name == "qkv");
  REQUIRE(l.gemms[0].n == 96);
  REQUIRE(l.gemms[4].name == "ffn_fc1");
  REQUIRE(l.gemms[4].n == 192);
  // FLOPs per sample: qkv 2·16·96·64 = 196,608; scores and context 2·16·16·8·8 = 32,768 each; projection
  // 2·16·64·64 = 131,072; FC1 2·16·192·64 = 393,216; FC2 2·16·64·96 = 196,608: 983,040.
  REQUIRE(close(l.fwd_flops_per_sample(), 983040.0));
  // Parameters: QKV 64·96 + 96, projection 64² + 64, layernorms 256: 10,656; FFN 64·192 + 192 + 96·64 + 64
  // = 18,688.
  REQUIRE(close(l.params, 10656.0 + 18688.0));
  REQUIRE(l.max_tp == 2);  // tensor parallelism splits the 2 K/V groups
  REQUIRE(m.ffn_hidden == 96);
  REQUIRE(m.num_query_groups == 2);
  REQUIRE(m.swiglu);
}

TEST_CASE("flash attention keeps no s² tensor and streams none", "[model]") {
  transformer_config c = small();
  const model plain = build_dense_transformer(c);
  c.flash_attention = true;
  const model flash = build_dense_transformer(c);
  const layer& p = plain.layers[1];
  const layer& f = flash.layers[1];
  // fp16 (e = 2), s = 16, h = 64, a = 8, g/a = 1/4, f = 96. Divided by tp: Q and projection input 2e·sh,
  // K and V 2e·sh·g/a, SwiGLU 3e·s·f, and the scores: (2e + 1)·a·s² = 10,240 materialised, or the fp32
  // softmax statistics 4·a·s = 512 with flash attention.
  const double base = 2.5 * 2 * 16 * 64 + 3.0 * 2 * 16 * 96;
  REQUIRE(close(p.activation_bytes_per_sample_tp_split, base + 5.0 * 8 * 16 * 16));
  REQUIRE(close(f.activation_bytes_per_sample_tp_split, base + 4.0 * 8 * 16));
  REQUIRE(close(f.activation_bytes_per_sample, p.activation_bytes_per_sample));
  // Streamed element-wise bytes lose the softmax (2e·a·s²) and dropout ((2e + 1)·a·s²) traffic.
  REQUIRE(close(p.mem_bound_bytes_per_sample - f.mem_bound_bytes_per_sample, (4.0 + 5.0) * 8 * 16 * 16));
  // Nothing left for selective recomputation to drop; the FLOPs are the same GEMMs.
  REQUIRE(f.attention_core_activation_bytes_per_sample == 0.0);
  REQUIRE(p.attention_core_activation_bytes_per_sample == 5.0 * 8 * 16 * 16);
  REQUIRE(close(f.fwd_flops_per_sample(), p.fwd_flops_per_sample()));
}

TEST_CASE("query groups must divide the heads", "[model]") {
  transformer_config c = small();
  c.num_query_groups = 3;
  REQUIRE_THROWS_WITH(build_dense_transformer(c), Catch::Contains("num_query_groups"));
  c.num_query_groups = -1;
  REQUIRE_THROWS_AS(build_dense_transformer(c), input_error);
  c.num_query_groups = 0;  // multi-head: 3h QKV
  REQUIRE(build_dense_transformer(c).layers[1].gemms[0].n == 192);
}

TEST_CASE("rotary positions, an untied output layer, RMSNorm and no biases: parameters and traffic", "[model]") {
  transformer_config c = small();  // fp16 (e = 2), s = 16, h = 64, a = 8 (d = 8), g = 2, f = 96, V = 128
  const model base = build_dense_transformer(c);
  c.rotary = true;
  const model rope = build_dense_transformer(c);
  // No 16 x 64 position table; the embedding streams one gather and a dropout (3e + 1)·sh instead of two
  // gathers, the add and the dropout (5e + 1)·sh: 2e·sh = 4,096 bytes less.
  CHECK(base.layers[0].params - rope.layers[0].params == 16.0 * 64);
  CHECK(close(base.layers[0].mem_bound_bytes_per_sample - rope.layers[0].mem_bound_bytes_per_sample, 4096.0));
  // Each layer rotates q (s·h) and k (s·g·d), read and written once: 2e·s·(64 + 16) = 5,120 bytes more.
  CHECK(close(rope.layers[1].mem_bound_bytes_per_sample - base.layers[1].mem_bound_bytes_per_sample, 5120.0));
  CHECK(rope.fwd_flops_per_sample() == base.fwd_flops_per_sample());
  CHECK(rope.layers[1].params == base.layers[1].params);

  c = small();
  c.untied_embeddings = true;
  const model untied = build_dense_transformer(c);
  // The head gains the 128 x 64 output weight; the logits GEMM is the same.
  CHECK(untied.layers.back().params - base.layers.back().params == 128.0 * 64);
  CHECK(untied.fwd_flops_per_sample() == base.fwd_flops_per_sample());
  CHECK(untied.params() - base.params() == 128.0 * 64);

  c = small();
  c.rmsnorm = true;
  c.linear_bias = false;
  const model llama = build_dense_transformer(c);
  // Per layer: two norms of h instead of 2h (-128), no biases on QKV (96), projection (64), SwiGLU FC1
  // (192) and FC2 (64): -544. The final norm loses its shift (-64).
  CHECK(base.layers[1].params - llama.layers[1].params == 128.0 + 96 + 64 + 192 + 64);
  CHECK(base.layers.back().params - llama.layers.back().params == 64.0);
  CHECK(llama.layers[1].mem_bound_bytes_per_sample == base.layers[1].mem_bound_bytes_per_sample);
  CHECK((llama.rmsnorm && !llama.linear_bias && !llama.rotary && !llama.untied_embeddings));
}
