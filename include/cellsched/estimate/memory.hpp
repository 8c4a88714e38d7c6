#pragma once
// Per-GPU memory of one pipeline stage: weights, gradients, optimizer state and the activations of the
// micro-batches in flight, with and without activation recomputation.
#include <algorithm>
#include <cstdint>

#include "cellsched/cell/cell.hpp"
#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/model/model.hpp"

namespace cellsched {

/// Memory we never give to the model: CUDA context and cuBLAS/NCCL workspaces (about 1 GB on A100/H100
/// with PyTorch) plus allocator fragmentation, taken as 5 % of the device. A plan fits when its peak is
/// at most capacity - reserve.
struct memory_reserve {
  double fixed_bytes = 1.0e9;
  double fraction = 0.05;
  [[nodiscard]] double bytes(double capacity_bytes) const noexcept { return fixed_bytes + fraction * capacity_bytes; }
};

/// Bytes per parameter of mixed-precision training with Adam (Rajbhandari et al. 2020, ZeRO, sec. 3.1):
/// 16-bit weights and gradients (2 + 2) and fp32 master weights, momentum and variance (4 + 4 + 4) = 16.
/// An fp32 model keeps no master copy: 4 + 4 + 8.
struct param_bytes {
  double weights = 2.0;
  double grads = 2.0;
  double optimizer = 12.0;
};

[[nodiscard]] constexpr param_bytes adam_param_bytes(dtype compute) noexcept {
  return bytes_per_element(compute) >= 4.0 ? param_bytes{4.0, 4.0, 8.0} : param_bytes{2.0, 2.0, 12.0};
}

/// Micro-batches whose activations a stage holds at its peak: GPipe runs every forward before any
/// backward (all m); 1F1B lets stage s of S (0-based) start backwards after S - s forwards
/// (Narayanan et al. 2021, "Efficient large-scale language model training", sec. 2.2.1).
[[nodiscard]] inline std::int64_t in_flight_micro_batches(pipeline_schedule schedule, int stage, int num_stages,
                                                          std::int64_t num_micro_batches) noexcept {
  if (schedule == pipeline_schedule::gpipe) return num_micro_batches;
  return std::min<std::int64_t>(num_stages - stage, num_micro_batches);
}

struct stage_memory {
  double weights_bytes = 0.0;
  double grads_bytes = 0.0;
  double optimizer_bytes = 0.0;
  double activation_bytes = 0.0;
  [[nodiscard]] double peak_bytes() const noexcept {
    return weights_bytes + grads_bytes + optimizer_bytes + activation_bytes;
  }
};

/// Activation bytes one layer saves for backward for `samples` samples on `tp` ranks (Korthikanti et al.
/// 2022, eq. 2: a part tensor parallelism divides and a part it does not).
[[nodiscard]] inline double layer_activation_bytes(const layer& l, double samples, int tp) noexcept {
  return samples * (l.activation_bytes_per_sample +
                    l.activation_bytes_per_sample_tp_split / static_cast<double>(std::max(tp, 1)));
}

/// The same under the plan's activation options (Korthikanti et al. 2022, Table 2): sequence parallelism
/// divides the part tensor parallelism did not (layer norms, dropouts) by tp as well; selective
/// recomputation does not keep the attention core's softmax and dropout tensors (5as/(ht) of eq. 2).
[[nodiscard]] inline double layer_activation_bytes(const layer& l, double samples, int tp, bool sequence_parallel,
                                                   bool selective) noexcept {
  const double t = static_cast<double>(std::max(tp, 1));
  const double shared = sequence_parallel ? l.activation_bytes_per_sample / t : l.activation_bytes_per_sample;
  double divided = l.activation_bytes_per_sample_tp_split;
  if (selective) divided = std::max(0.0, divided - l.attention_core_activation_bytes_per_sample);
  return samples * (shared + divided / t);
}

/// Micro-batches' worth of one stage's activations held at its peak under interleaved 1F1B with
/// `virtual_stages` v > 1 chunks: Megatron-LM's interleaved schedule runs (S - s - 1) x 2 + (v - 1) x S
/// warm-up forwards of one chunk (1/v of the stage's layers) on stage s before its first backward, plus the
/// one in progress (megatron/core/pipeline_parallel/schedules.py, GitHub NVIDIA/Megatron-LM), at most
/// m x v chunks. v = 1 gives in_flight_micro_batches.
[[nodiscard]] inline double in_flight_stage_activations(pipeline_schedule schedule, int stage, int num_stages,
                                                        std::int64_t num_micro_batches, int virtual_stages) noexcept {
  if (virtual_stages <= 1 || schedule != pipeline_schedule::one_f_one_b)
    return static_cast<double>(in_flight_micro_batches(schedule, stage, num_stages, num_micro_batches));
  const double v = static_cast<double>(virtual_stages);
  const double chunks = static_cast<double>(num_stages - stage - 1) * 2.0 + (v - 1.0) * num_stages + 1.0;
  return std::min(chunks, static_cast<double>(num_micro_batches) * v) / v;
}

/// Memory of the stage holding layers [first, end) with `dp` x `tp` GPUs. Parameters are split over the
/// tensor-parallel ranks (Megatron-LM shards every weight matrix and the vocabulary); ZeRO-1 shards the
/// optimizer state over the data-parallel replicas. With full recomputation a stage keeps only each
/// layer's input per in-flight micro-batch plus one layer's full activations while it recomputes
/// (Chen et al. 2016; Korthikanti et al. 2022 sec. 4.1); without, every layer's full activations.
[[nodiscard]] inline stage_memory estimate_stage_memory(const model& m, const stage_plan& st, const plan& p,
                                                        int stage_index, int num_stages) {
  stage_memory out;
  const param_bytes pb = adam_param_bytes(m.compute_dtype);
  const double t = static_cast<double>(std::max(st.tp, 1));
  const double samples = static_cast<double>(p.micro_batch_samples) / static_cast<double>(std::max(st.dp, 1));
  double params = 0.0, full_acts = 0.0, inputs = 0.0, largest_layer = 0.0;
  for (int i = st.first_layer; i < st.end_layer; ++i) {
    const layer& l = m.layers.at(static_cast<std::size_t>(i));
    params += l.params;
    const double a =
        layer_activation_bytes(l, samples, st.tp, p.sequence_parallel && st.tp > 1, p.selective_recompute);
    full_acts += a;
    largest_layer = std::max(largest_layer, a);
    // The checkpoint of a layer is its input, i.e. the previous layer's output.
    const layer& prev = m.layers.at(static_cast<std::size_t>(i > 0 ? i - 1 : i));
    inputs += samples * (i > 0 ? prev.boundary_bytes_per_sample : 0.0);
  }
  const double local_params = params / t;
  out.weights_bytes = local_params * pb.weights;
  out.grads_bytes = local_params * pb.grads;
  out.optimizer_bytes = local_params * pb.optimizer / (p.zero1 ? static_cast<double>(std::max(st.dp, 1)) : 1.0);
  const double in_flight =
      in_flight_stage_activations(p.schedule, stage_index, num_stages, p.num_micro_batches, p.virtual_stages);
  out.activation_bytes = p.recompute ? in_flight * inputs + largest_layer : in_flight * full_acts;
  return out;
}

}  // namespace cellsched
