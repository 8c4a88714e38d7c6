// Plans rendered as Megatron-LM / torchrun arguments and as JSON.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <cellsched/model/zoo.hpp>
#include <cellsched/search/launcher_args.hpp>
#include <cellsched/search/plan_json.hpp>

using namespace cellsched;

namespace {

/// embedding, `blocks` transformer layers, head - the layer kinds the model builders produce.
model gpt_like(int blocks) {
  model m;
  m.name = "gpt-like";
  m.family = "dense_transformer";
  m.compute_dtype = dtype::fp16;
  m.hidden = 1024;
  m.heads = 16;
  m.seq_len = 2048;
  layer e;
  e.kind = "embedding";
  m.layers.push_back(e);
  for (int i = 0; i < blocks; ++i) {
    layer t;
    t.kind = "transformer";
    m.layers.push_back(t);
  }
  layer h;
  h.kind = "head";
  m.layers.push_back(h);
  return m;
}

std::string value_of(const launch_args& a, const std::string& flag) {
  const auto it = std::find(a.megatron.begin(), a.megatron.end(), flag);
  return it == a.megatron.end() || it + 1 == a.megatron.end() ? std::string("<absent>") : *(it + 1);
}
bool has(const launch_args& a, const std::string& flag) {
  return std::find(a.megatron.begin(), a.megatron.end(), flag) != a.megatron.end();
}

}  // namespace

TEST_CASE("a uniform plan renders as Megatron-LM flags and a torchrun line") {
  const model m = gpt_like(6);  // 8 layers: E, t x 6, head
  cell c;
  c.gpu_type = "a100-40gb";
  c.num_gpus = 8;
  c.layout = {4, 4};
  c.stages = 2;
  plan p;
  p.stages = {{0, 4, 2, 2}, {4, 8, 2, 2}};
  p.micro_batch_samples = 8;
  p.num_micro_batches = 16;
  p.recompute = true;
  p.zero1 = true;
  const launch_args a = megatron_launch_args(m, c, p);
  CHECK(a.megatron_compatible);
  CHECK(a.notes.empty());
  CHECK(value_of(a, "--tensor-model-parallel-size") == "2");
  CHECK(value_of(a, "--pipeline-model-parallel-size") == "2");
  CHECK(value_of(a, "--micro-batch-size") == "4");  // 8 samples over dp = 2
  CHECK(value_of(a, "--global-batch-size") == "128");
  CHECK(value_of(a, "--num-layers") == "6");
  CHECK(value_of(a, "--hidden-size") == "1024");
  CHECK(value_of(a, "--seq-length") == "2048");
  CHECK(value_of(a, "--pipeline-model-parallel-layout") == "Et*3|t*3,L");
  CHECK(value_of(a, "--recompute-granularity") == "full");
  CHECK(has(a, "--use-distributed-optimizer"));
  CHECK(has(a, "--fp16"));
  CHECK(a.nnodes == 2);
  CHECK(a.nproc_per_node == std::vector<int>{4, 4});
  const std::string cmd = a.command_line();
  CHECK(cmd.rfind("torchrun --nnodes 2 --nproc-per-node 4 --node-rank $NODE_RANK --master-addr $MASTER_ADDR "
                  "--master-port $MASTER_PORT pretrain_gpt.py ",
                  0) == 0);
  CHECK(cmd.find("--pipeline-model-parallel-layout 'Et*3|t*3,L'") != std::string::npos);
}

TEST_CASE("one stage has no layout flag; no recomputation or ZeRO flags when off") {
  const model m = gpt_like(2);
  cell c;
  c.gpu_type = "v100-32gb";
  c.num_gpus = 4;
  c.layout = {4};
  c.stages = 1;
  plan p;
  p.stages = {{0, 4, 4, 1}};
  p.micro_batch_samples = 16;
  p.num_micro_batches = 2;
  const launch_args a = megatron_launch_args(m, c, p);
  CHECK(a.megatron_compatible);
  CHECK_FALSE(has(a, "--pipeline-model-parallel-layout"));
  CHECK_FALSE(has(a, "--recompute-granularity"));
  CHECK_FALSE(has(a, "--use-distributed-optimizer"));
  CHECK(value_of(a, "--micro-batch-size") == "4");
}

TEST_CASE("plans Megatron-LM cannot launch say so") {
  const model m = gpt_like(4);
  cell c;
  c.gpu_type = "a100-40gb";
  c.num_gpus = 6;
  c.layout = {4, 2};
  c.stages = 2;
  plan p;
  p.stages = {{0, 3, 2, 2}, {3, 6, 2, 1}};  // different shapes per stage
  p.micro_batch_samples = 2;
  p.num_micro_batches = 4;
  p.schedule = pipeline_schedule::gpipe;
  const launch_args a = megatron_launch_args(m, c, p);
  CHECK_FALSE(a.megatron_compatible);
  CHECK(a.notes.size() == 3);  // shapes, unequal nodes, GPipe

  cell h = c;
  h.node_gpu_types = {"a100-40gb", "v100-32gb"};
  h.stage_gpu_types = {"a100-40gb", "v100-32gb"};
  const nlohmann::json j = plan_to_json(h, p);
  CHECK(j["stages"][1]["gpu_type"] == "v100-32gb");
  CHECK(j["stages"][0]["samples_per_replica"] == 1);
  CHECK(j["schedule"] == "gpipe");
}

TEST_CASE("a search result as JSON carries plan, estimate, launch or the reason") {
  const model m = gpt_like(2);
  cell_search_result r;
  r.where.gpu_type = "a10";
  r.where.num_gpus = 1;
  r.where.layout = {1};
  r.reason = "no plan fits in GPU memory";
  nlohmann::json j = search_result_to_json(m, r);
  CHECK(j["feasible"] == false);
  CHECK(j["reason"] == "no plan fits in GPU memory");
  CHECK_FALSE(j.contains("plan"));
  r.feasible = true;
  r.best_plan.stages = {{0, 4, 1, 1}};
  r.best_plan.micro_batch_samples = 4;
  r.best_plan.num_micro_batches = 2;
  r.best_estimate.iter_time_s = 2.0;
  j = search_result_to_json(m, r);
  CHECK(j["throughput_samples_per_s"] == 4.0);
  CHECK(j["estimate"]["iter_time_s"] == 2.0);
  CHECK(j["launch"]["megatron_compatible"] == true);
  CHECK(j["plan"]["global_batch"] == 8);
}

TEST_CASE("the launch line carries the model's shape flags and the plan's schedule options") {
  model m = gpt_like(8);
  m.hidden = 5120;
  m.heads = 40;
  m.ffn_hidden = 13824;
  m.num_query_groups = 8;
  m.swiglu = true;
  m.flash_attention = true;
  cell c;
  c.gpu_type = "h100-sxm";
  c.num_gpus = 16;
  c.layout = {8, 8};
  c.stages = 2;
  plan p;
  p.stages = {{0, 5, 2, 4}, {5, 10, 2, 4}};
  p.micro_batch_samples = 2;
  p.num_micro_batches = 8;
  p.selective_recompute = true;
  p.sequence_parallel = true;
  p.overlap_grad_reduce = true;
  p.virtual_stages = 2;
  const launch_args a = megatron_launch_args(m, c, p);
  CHECK(a.megatron_compatible);
  CHECK(value_of(a, "--ffn-hidden-size") == "13824");
  CHECK(has(a, "--swiglu"));
  CHECK(has(a, "--group-query-attention"));
  CHECK(value_of(a, "--num-query-groups") == "8");
  CHECK(has(a, "--use-flash-attn"));
  CHECK(value_of(a, "--recompute-granularity") == "selective");
  CHECK(has(a, "--sequence-parallel"));
  CHECK(has(a, "--overlap-grad-reduce"));
  CHECK(value_of(a, "--num-layers-per-virtual-pipeline-stage") == "2");  // 8 layers / 2 stages / 2 chunks
  CHECK_FALSE(has(a, "--pipeline-model-parallel-layout"));               // interleaving takes Megatron-LM's even split
  CHECK_FALSE(has(a, "--fp8-format"));
  // FP8: Transformer Engine's linear layers in fp8 (hybrid recipe), the rest in bf16.
  model f = m;
  f.compute_dtype = dtype::fp8;
  const launch_args fa = megatron_launch_args(f, c, p);
  CHECK(has(fa, "--bf16"));
  CHECK(value_of(fa, "--fp8-format") == "hybrid");
  CHECK(value_of(fa, "--transformer-impl") == "transformer_engine");
  CHECK_FALSE(has(fa, "--fp16"));
  // An uneven split or a micro-batch count that is not a multiple of the stages cannot be interleaved.
  plan uneven = p;
  uneven.stages = {{0, 6, 2, 4}, {6, 10, 2, 4}};
  uneven.num_micro_batches = 7;
  const launch_args u = megatron_launch_args(m, c, uneven);
  CHECK_FALSE(u.megatron_compatible);
  CHECK(u.notes.size() == 2);
  // Multi-head attention with the standard 4h FFN prints neither flag.
  m.ffn_hidden = 4 * m.hidden;
  m.num_query_groups = m.heads;
  const launch_args b = megatron_launch_args(m, c, plan{});
  CHECK_FALSE(has(b, "--ffn-hidden-size"));
  CHECK_FALSE(has(b, "--group-query-attention"));
}

TEST_CASE("a mixture-of-experts model gets Megatron-Core's expert flags") {
  model m = gpt_like(6);
  m.family = "moe_transformer";
  m.experts = 8;
  m.moe_every_layer = false;  // GShard: experts at the odd layers
  cell c;
  c.gpu_type = "a100-40gb";
  c.num_gpus = 8;
  c.layout = {8};
  c.stages = 1;
  plan p;
  p.stages = {{0, 8, 4, 2}};
  p.micro_batch_samples = 8;
  p.num_micro_batches = 4;
  launch_args a = megatron_launch_args(m, c, p);
  CHECK(a.megatron_compatible);
  CHECK(value_of(a, "--num-experts") == "8");
  CHECK(value_of(a, "--moe-router-topk") == "2");
  CHECK(value_of(a, "--moe-expert-capacity-factor") == "1.0");
  CHECK(value_of(a, "--moe-token-dispatcher-type") == "alltoall");
  CHECK(value_of(a, "--moe-layer-freq") == "([0,1]*3)");
  CHECK(value_of(a, "--expert-model-parallel-size") == "2");
  CHECK(value_of(a, "--expert-tensor-parallel-size") == "1");
  REQUIRE(a.notes.size() == 1);
  CHECK(a.notes[0].find("GShard group routing") != std::string::npos);
  // Every layer an expert layer: no pattern. Experts that tp does not divide: not launchable.
  m.moe_every_layer = true;
  m.experts = 6;
  p.stages = {{0, 8, 2, 4}};
  a = megatron_launch_args(m, c, p);
  CHECK(!has(a, "--moe-layer-freq"));
  CHECK(!a.megatron_compatible);
  // A dense model has none of them.
  CHECK(!has(megatron_launch_args(gpt_like(6), c, p), "--num-experts"));
}

TEST_CASE("a Llama model's launch line names every architecture flag in Megatron-LM's spelling") {
  const model m = builtin_model_zoo().build("llama2-70b");
  cell c;
  c.gpu_type = "h100-sxm";
  c.num_gpus = 8;
  c.layout = {8};
  c.stages = 1;
  plan p;
  p.stages = {{0, m.num_layers(), 1, 8}};
  p.micro_batch_samples = 1;
  p.num_micro_batches = 8;
  const launch_args a = megatron_launch_args(m, c, p);
  CHECK(a.megatron_compatible);
  CHECK(value_of(a, "--position-embedding-type") == "rope");
  CHECK(value_of(a, "--normalization") == "RMSNorm");
  CHECK(has(a, "--disable-bias-linear"));
  CHECK(has(a, "--untie-embeddings-and-output-weights"));
  CHECK(has(a, "--swiglu"));
  CHECK(has(a, "--bf16"));
  CHECK(value_of(a, "--ffn-hidden-size") == "28672");
  CHECK(value_of(a, "--num-query-groups") == "8");
  CHECK(value_of(a, "--num-layers") == "80");
  CHECK(value_of(a, "--seq-length") == "4096");
  // One node: no rendezvous arguments.
  CHECK(a.command_line().rfind("torchrun --nnodes 1 --nproc-per-node 8 pretrain_gpt.py ", 0) == 0);

  // GPT-3: learned positions, LayerNorm, biases, tied embeddings.
  const model g = builtin_model_zoo().build("gpt3-1.3b");
  p.stages = {{0, g.num_layers(), 8, 1}};
  const launch_args b = megatron_launch_args(g, c, p);
  CHECK(value_of(b, "--position-embedding-type") == "learned_absolute");
  CHECK_FALSE(has(b, "--normalization"));
  CHECK_FALSE(has(b, "--disable-bias-linear"));
  CHECK_FALSE(has(b, "--untie-embeddings-and-output-weights"));
}
