#pragma once
// A Cell binds a job to a fixed GPU type, GPU count, node layout and pipeline-stage count; a plan is one
// point inside it (per-stage dp x tp, micro-batching, schedule, recomputation, ZeRO-1).
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace cellsched {

enum class pipeline_schedule { one_f_one_b, gpipe };

[[nodiscard]] inline const char* to_string(pipeline_schedule s) noexcept {
  return s == pipeline_schedule::gpipe ? "gpipe" : "1f1b";
}

/// GPUs used on each node, largest first, e.g. {4, 4} = two nodes with 4 GPUs each.
using node_layout = std::vector<int>;

struct cell {
  std::string gpu_type;  ///< canonical GPU type name
  int num_gpus = 0;
  node_layout layout;
  int stages = 1;
  /// Heterogeneous Cells only: the GPU type of each stage; empty means every stage runs on `gpu_type`.
  std::vector<std::string> stage_gpu_types;
  /// Heterogeneous Cells only: the GPU type of each layout entry (same length as `layout`); empty means
  /// every node is `gpu_type`. The layout is then grouped by type in stage order (see cell/placement.hpp).
  std::vector<std::string> node_gpu_types;
  /// Link figures of the nodes the Cell sits on, GB/s; <= 0 means the GPU type's catalog default.
  double intra_link_gb_per_s = 0.0;
  double inter_node_gb_per_s = 0.0;

  [[nodiscard]] int num_nodes() const noexcept { return static_cast<int>(layout.size()); }
  [[nodiscard]] bool heterogeneous() const noexcept { return !stage_gpu_types.empty() || !node_gpu_types.empty(); }
  [[nodiscard]] const std::string& stage_gpu_type(int s) const {
    return stage_gpu_types.empty() ? gpu_type : stage_gpu_types.at(static_cast<std::size_t>(s));
  }
  [[nodiscard]] bool operator==(const cell&) const = default;
};

struct stage_plan {
  int first_layer = 0;  ///< index into model::layers
  int end_layer = 0;    ///< one past the last layer
  int dp = 1;
  int tp = 1;
  [[nodiscard]] int gpus() const noexcept { return dp * tp; }
  [[nodiscard]] int num_layers() const noexcept { return end_layer - first_layer; }
  [[nodiscard]] bool operator==(const stage_plan&) const = default;
};

struct plan {
  std::vector<stage_plan> stages;
  /// Samples in one micro-batch across all data-parallel replicas of a stage (a stage with dp replicas
  /// gives each replica micro_batch_samples / dp). Megatron's --micro-batch-size = micro_batch_samples / dp.
  std::int64_t micro_batch_samples = 1;
  std::int64_t num_micro_batches = 1;
  pipeline_schedule schedule = pipeline_schedule::one_f_one_b;
  bool recompute = false;  ///< full activation recomputation
  bool zero1 = false;      ///< optimizer state sharded across data-parallel replicas
  /// Selective activation recomputation (Korthikanti et al. 2022, "Reducing Activation Recomputation in
  /// Large Transformer Models", sec. 5): only the attention core (QK^T, softmax, dropout, x V) is
  /// recomputed. Ignored when `recompute` (full) is set.
  bool selective_recompute = false;
  /// Sequence parallelism (Korthikanti 2022, sec. 4.2.2): layer norms and dropouts split along the
  /// sequence over the tensor-parallel group; all-gather + reduce-scatter replace each all-reduce.
  bool sequence_parallel = false;
  /// The data-parallel gradient reduction runs in buckets during the backward pass (Megatron-LM
  /// --overlap-grad-reduce, its older torch DDP, PyTorch DDP); otherwise it follows the last backward.
  bool overlap_grad_reduce = false;
  /// Model chunks per GPU of the interleaved 1F1B schedule (Narayanan et al. SC'21 sec. 2.2;
  /// Megatron-LM --num-layers-per-virtual-pipeline-stage); 1 = plain 1F1B.
  int virtual_stages = 1;

  [[nodiscard]] std::int64_t global_batch() const noexcept { return micro_batch_samples * num_micro_batches; }
  [[nodiscard]] int gpus() const noexcept {
    int g = 0;
    for (const auto& s : stages) g += s.gpus();
    return g;
  }
  [[nodiscard]] bool operator==(const plan&) const = default;
};

}  // namespace cellsched
