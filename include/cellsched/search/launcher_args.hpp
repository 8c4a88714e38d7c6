#pragma once
// A chosen plan as launcher arguments: Megatron-LM flags and the torchrun node/GPU counts (docs/plan-search.md).
//
// Megatron-LM numbers ranks tensor-parallel fastest, then data-parallel, then pipeline (its default
// order "tp-cp-ep-dp-pp"), so pipeline stage s holds ranks [s*tp*dp, (s+1)*tp*dp): the same contiguous
// stage placement and TP grouping as cell/placement.hpp, and torchrun's node-by-node rank assignment
// puts them on the nodes the search assumed.
//
// Megatron-LM launches one (dp, tp) for every stage and no GPipe schedule; a plan outside that (per-stage
// shapes, unequal stage GPU counts, GPipe, a heterogeneous Cell) is still rendered as far as it goes,
// with `megatron_compatible` false and the reasons in `notes`.
//
// Several nodes: torchrun's static rendezvous (--node-rank $NODE_RANK --master-addr $MASTER_ADDR
// --master-port $MASTER_PORT), run once per node with that node's rank in the layout's order. The
// dynamic c10d rendezvous (--rdzv-backend c10d) hands node ranks out in arrival order, so stage s would
// not be guaranteed the nodes the search placed it on (torchrun documentation,
// https://docs.pytorch.org/docs/stable/elastic/run.html, "Note on rendezvous backend").
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/model/model.hpp"

namespace cellsched {

struct launch_args {
  std::vector<std::string> megatron;  ///< flag, value, flag, value, ... (switches stand alone)
  int nnodes = 0;
  std::vector<int> nproc_per_node;  ///< per node, layout order
  bool megatron_compatible = true;
  std::vector<std::string> notes;

  /// torchrun followed by the Megatron flags; with unequal nodes the first node's count (see notes). More
  /// than one node adds the static rendezvous: each node runs the line with its own $NODE_RANK (0 for the
  /// first node of the layout) and the same $MASTER_ADDR:$MASTER_PORT (node 0's address).
  [[nodiscard]] std::string command_line(const std::string& script = "pretrain_gpt.py") const {
    std::string s = "torchrun --nnodes " + std::to_string(nnodes) + " --nproc-per-node " +
                    std::to_string(nproc_per_node.empty() ? 0 : nproc_per_node.front());
    if (nnodes > 1) s += " --node-rank $NODE_RANK --master-addr $MASTER_ADDR --master-port $MASTER_PORT";
    s += " " + script;
    for (const auto& a : megatron) s += " " + (a.find_first_of(" |*\"") == std::string::npos ? a : "'" + a + "'");
    return s;
  }
};

/// Megatron-Core's --pipeline-model-parallel-layout string for the plan's stage split: stages separated by
/// '|', E = embedding, t = transformer layer, L = loss/head, runs written t*N.
[[nodiscard]] inline std::string megatron_layout_string(const model& m, const plan& p) {
  std::string out;
  for (std::size_t s = 0; s < p.stages.size(); ++s) {
    if (s) out += "|";
    int run = 0;
    const auto flush = [&] {
      if (run == 1) out += "t";
      if (run > 1) out += "t*" + std::to_string(run);
      run = 0;
    };
    for (int l = p.stages[s].first_layer; l < p.stages[s].end_layer; ++l) {
      const std::string& kind = m.layers[static_cast<std::size_t>(l)].kind;
      if (kind == "embedding") {
        flush();
        out += "E";
      } else if (kind == "head" || kind == "loss") {
        flush();
        out += (out.empty() || out.back() == '|') ? "L" : ",L";
      } else {
        ++run;
      }
    }
    flush();
  }
  return out;
}

/// Number of layers Megatron-LM counts in --num-layers (everything but embedding and head).
[[nodiscard]] inline int megatron_num_layers(const model& m) {
  int n = 0;
  for (const auto& l : m.layers) n += (l.kind == "embedding" || l.kind == "head" || l.kind == "loss") ? 0 : 1;
  return n;
}

/// Megatron-Core's flags for a mixture-of-experts model (model/moe.hpp): E experts, top-2 routing with
/// capacity factor 1 per selected expert, all-to-all token dispatch, expert layers every layer or at the
/// odd layers (--moe-layer-freq as a 0/1 pattern), and experts sharded over the tensor-parallel group as
/// the estimator assumes (its all-to-all runs over that group): --expert-model-parallel-size tp with
/// --expert-tensor-parallel-size 1.
template <class Flag, class Note>
void moe_flags(const model& m, const stage_plan& s0, Flag&& flag, Note&& note) {
  flag("--num-experts", std::to_string(m.experts));
  flag("--moe-router-topk", "2");
  flag("--moe-expert-capacity-factor", "1.0");
  flag("--moe-token-dispatcher-type", "alltoall");
  const int layers = megatron_num_layers(m);
  if (!m.moe_every_layer) {
    std::string pattern;
    if (layers % 2 == 0) {
      pattern = "([0,1]*" + std::to_string(layers / 2) + ")";
    } else {
      pattern = "[";
      for (int i = 0; i < layers; ++i) pattern.append(i ? "," : "").append(i % 2 ? "1" : "0");
      pattern += "]";
    }
    flag("--moe-layer-freq", pattern);
  }
  if (s0.tp > 1) {
    if (m.experts % s0.tp != 0)
      note("the tensor-parallel size does not divide the experts: Megatron-LM cannot shard them over it", true);
    flag("--expert-model-parallel-size", std::to_string(s0.tp));
    flag("--expert-tensor-parallel-size", "1");
  }
  note(
      "mixture of experts: Megatron-LM routes each token on its own (capacity factor 1.0); the model's "
      "GShard group routing over groups of tokens has no Megatron-LM flag",
      false);
}

[[nodiscard]] inline launch_args megatron_launch_args(const model& m, const cell& c, const plan& p) {
  launch_args a;
  a.nnodes = c.num_nodes();
  a.nproc_per_node.assign(c.layout.begin(), c.layout.end());
  const auto flag = [&](const std::string& f, const std::string& v) {
    a.megatron.push_back(f);
    if (!v.empty()) a.megatron.push_back(v);
  };
  const auto note = [&](const std::string& why, bool breaks) {
    a.notes.push_back(why);
    a.megatron_compatible = a.megatron_compatible && !breaks;
  };
  if (p.stages.empty()) {
    note("the plan has no stages", true);
    return a;
  }
  const stage_plan& s0 = p.stages.front();
  bool uniform = true;
  for (const auto& st : p.stages) uniform = uniform && st.dp == s0.dp && st.tp == s0.tp;
  if (!uniform)
    note("stages use different (dp, tp); Megatron-LM launches one shape for all stages (shown: stage 0)", true);
  if (c.heterogeneous()) note("stages run on different GPU types; launch each type's ranks on its own nodes", false);
  for (std::size_t i = 1; i < c.layout.size(); ++i)
    if (c.layout[i] != c.layout[0]) {
      note("nodes hold different GPU counts: run torchrun per node with that node's --nproc-per-node", false);
      break;
    }
  flag("--tensor-model-parallel-size", std::to_string(s0.tp));
  flag("--pipeline-model-parallel-size", std::to_string(p.stages.size()));
  flag("--micro-batch-size", std::to_string(p.micro_batch_samples / s0.dp));
  flag("--global-batch-size", std::to_string(p.global_batch()));
  flag("--num-layers", std::to_string(megatron_num_layers(m)));
  if (m.hidden > 0) flag("--hidden-size", std::to_string(m.hidden));
  if (m.heads > 0) flag("--num-attention-heads", std::to_string(m.heads));
  if (m.hidden > 0 && m.ffn_hidden > 0 && m.ffn_hidden != 4 * m.hidden)
    flag("--ffn-hidden-size", std::to_string(m.ffn_hidden));
  if (m.swiglu) flag("--swiglu", "");
  if (m.num_query_groups > 0 && m.num_query_groups != m.heads) {
    flag("--group-query-attention", "");
    flag("--num-query-groups", std::to_string(m.num_query_groups));
  }
  if (m.flash_attention) flag("--use-flash-attn", "");
  if (m.family == "dense_transformer" || m.family == "moe_transformer") {
    flag("--position-embedding-type", m.rotary ? "rope" : "learned_absolute");
    if (m.rmsnorm) flag("--normalization", "RMSNorm");
    if (!m.linear_bias) flag("--disable-bias-linear", "");
  }
  if (m.untied_embeddings) flag("--untie-embeddings-and-output-weights", "");
  if (m.seq_len > 0) {
    flag("--seq-length", std::to_string(m.seq_len));
    flag("--max-position-embeddings", std::to_string(m.seq_len));
  }
  if (m.compute_dtype == dtype::fp16) flag("--fp16", "");
  if (m.compute_dtype == dtype::bf16 || m.compute_dtype == dtype::fp8) flag("--bf16", "");
  if (m.compute_dtype == dtype::fp8) {
    // FP8 as the estimator models it (docs/estimator.md): Transformer Engine's linear layers in fp8 with the
    // hybrid recipe (E4M3 forward, E5M2 gradients), everything else in bf16.
    flag("--fp8-format", "hybrid");
    flag("--transformer-impl", "transformer_engine");
  }
  const bool interleaved = p.virtual_stages > 1 && p.stages.size() > 1;
  if (p.stages.size() > 1 && !interleaved) flag("--pipeline-model-parallel-layout", megatron_layout_string(m, p));
  if (p.recompute) {
    flag("--recompute-granularity", "full");
    flag("--recompute-method", "uniform");
    flag("--recompute-num-layers", "1");
  } else if (p.selective_recompute) {
    flag("--recompute-granularity", "selective");
  }
  if (p.sequence_parallel && s0.tp > 1) flag("--sequence-parallel", "");
  if (p.overlap_grad_reduce) flag("--overlap-grad-reduce", "");
  if (interleaved) {
    // Megatron-LM's interleaving splits the transformer layers evenly (embedding with the first stage,
    // head with the last) into stages x v chunks and wants the micro-batch count a multiple of the stages.
    const int stages = static_cast<int>(p.stages.size());
    const int per_chunk = megatron_num_layers(m) / stages / p.virtual_stages;
    flag("--num-layers-per-virtual-pipeline-stage", std::to_string(std::max(per_chunk, 1)));
    bool even = per_chunk >= 1 && megatron_num_layers(m) == per_chunk * stages * p.virtual_stages;
    for (int s = 0; s < stages && even; ++s) {
      int blocks = 0;
      const stage_plan& st = p.stages[static_cast<std::size_t>(s)];
      for (int l = st.first_layer; l < st.end_layer; ++l) {
        const std::string& kind = m.layers[static_cast<std::size_t>(l)].kind;
        blocks += (kind == "embedding" || kind == "head" || kind == "loss") ? 0 : 1;
      }
      even = blocks == per_chunk * p.virtual_stages;
    }
    if (!even)
      note("interleaved stages need the transformer layers split evenly into stages x virtual stages chunks", true);
    if (p.num_micro_batches % stages != 0)
      note("interleaved 1F1B needs the micro-batch count a multiple of the pipeline stages", true);
  }
  if (p.zero1) flag("--use-distributed-optimizer", "");
  if (p.schedule == pipeline_schedule::gpipe)
    note("GPipe schedule: Megatron-LM runs 1F1B (same activations per step, fewer in flight)", true);
  if (m.experts > 0) moe_flags(m, s0, flag, note);
  if (m.family == "wide_resnet") note("Megatron-LM trains transformers; use the shapes with your CNN launcher", true);
  return a;
}

}  // namespace cellsched
