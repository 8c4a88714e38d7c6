#pragma once
// Measured stage scales: for one transformer stage shape on one GPU type, the ratio of the measured to the
// modelled per-micro-batch stage time. Fitted from single-stage training runs (estimate/stage_fit.hpp);
// the analytic estimator multiplies a stage's forward and backward time by the scale when its shape is in
// the table, and leaves it analytic otherwise. This is how vTrain and Calculon-style simulators use a
// measured per-layer profile: measure each distinct layer shape once, compose pipelines and data
// parallelism analytically.
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "cellsched/cell/cell.hpp"
#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/model/model.hpp"

namespace cellsched {

/// What makes two stages cost the same per layer: GPU type, dtype, model family and transformer shape,
/// tensor parallelism, samples per data-parallel replica in one micro-batch, and whether activations are
/// recomputed.
struct stage_shape {
  std::string gpu_type;  ///< catalog name
  std::string family;    ///< model family ("dense_transformer", ...): an MoE block is not a dense one
  dtype compute_dtype = dtype::fp16;
  std::int64_t hidden = 0;
  std::int64_t heads = 0;
  std::int64_t seq_len = 0;
  int tp = 1;
  std::int64_t micro_batch = 1;  ///< samples per replica (Megatron-LM's --micro-batch-size)
  bool recompute = false;

  [[nodiscard]] auto tie() const {
    return std::tie(gpu_type, family, compute_dtype, hidden, heads, seq_len, tp, micro_batch, recompute);
  }
  [[nodiscard]] bool operator<(const stage_shape& o) const { return tie() < o.tie(); }
  [[nodiscard]] bool operator==(const stage_shape& o) const { return tie() == o.tie(); }
};

/// The shape of stage `st` of plan `p` for model `m` on GPU type `gpu_type` (a catalog name).
[[nodiscard]] inline stage_shape stage_shape_of(const model& m, const std::string& gpu_type, const stage_plan& st,
                                                const plan& p) {
  stage_shape key;
  key.gpu_type = gpu_type;
  key.family = m.family;
  key.compute_dtype = m.compute_dtype;
  key.hidden = m.hidden;
  key.heads = m.heads;
  key.seq_len = m.seq_len;
  key.tp = st.tp;
  key.micro_batch = st.dp > 0 ? p.micro_batch_samples / st.dp : 0;
  key.recompute = p.recompute;
  return key;
}

/// One fitted scale: measured / modelled stage time, the median over `runs` single-stage runs.
struct stage_scale {
  double factor = 1.0;
  std::size_t runs = 0;
};

class stage_calibration {
 public:
  stage_calibration() = default;
  explicit stage_calibration(std::string source) : source_(std::move(source)) {}

  /// Adds or replaces the scale of a shape. Throws std::invalid_argument unless 0 < factor < inf.
  void set(const stage_shape& s, stage_scale scale) {
    if (!(scale.factor > 0.0) || scale.factor > 1e6)
      throw std::invalid_argument("stage scale must be a positive finite factor, got " + std::to_string(scale.factor));
    scales_[s] = scale;
  }

  /// The scale of a shape, or nullptr when it was not measured.
  [[nodiscard]] const stage_scale* find(const stage_shape& s) const {
    const auto it = scales_.find(s);
    return it == scales_.end() ? nullptr : &it->second;
  }

  [[nodiscard]] bool empty() const noexcept { return scales_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return scales_.size(); }
  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  [[nodiscard]] const std::map<stage_shape, stage_scale>& scales() const noexcept { return scales_; }

 private:
  std::string source_;  ///< where the runs came from (a file name), shown in estimate results
  std::map<stage_shape, stage_scale> scales_;
};

}  // namespace cellsched
