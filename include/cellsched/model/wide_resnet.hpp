#pragma once
// Wide-ResNet with bottleneck blocks, exactly as Alpa's benchmark defines it (alpa/model/wide_resnet.py,
// itself the Flax ImageNet ResNet v1.5 with a width factor) — the model behind the Crius/Arena traces'
// `wide_resnet__*` names:
//   stem:  7x7/2 conv (3 -> C), BatchNorm, ReLU, 3x3/2 max-pool
//   stage i (i = 0..3, blocks [3,4,6,3] for depth 50, [3,4,23,3] for 101), f = C·2^i:
//     1x1 conv (in -> f), BN, ReLU; 3x3 conv (f -> f·w, stride 2 in the first block of stages 1..3), BN,
//     ReLU; 1x1 conv (f·w -> 4f), BN; 1x1 projection conv + BN on the shortcut when the shape changes;
//     add, ReLU
//   head:  global average pool, dense layer (4·8C -> classes, with bias)
// Parameters: conv weights (no bias) + BatchNorm scale and offset (2 per channel; running statistics are
// not parameters) + the dense layer's weight and bias. This reproduces the names within 3 %
// (tests/model/model_wide_resnet_test.cpp), and gives torchvision's ResNet-50 count for w = 1, C = 64.
// A convolution is a GEMM with rows = output pixels per sample, n = output channels,
// k = input channels · kernel area (im2col). Element-wise work is memory traffic, not FLOPs.
// Tensor parallelism pairs the 3x3 conv (column: output channels) with the last 1x1 conv (row: input
// channels) like Megatron's FFN, so one all-reduce of the block output per forward; the first 1x1 conv and
// the projection are replicated.
#include <cstdint>
#include <string>
#include <vector>

#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/error.hpp"
#include "cellsched/model/model.hpp"

namespace cellsched {

struct wide_resnet_config {
  std::string name;
  int depth = 50;                    ///< 50 or 101
  std::int64_t width_factor = 2;     ///< widens the 3x3 conv of every bottleneck
  std::int64_t base_channels = 64;   ///< channels of the stem and of stage 0's bottleneck
  std::int64_t image_size = 224;     ///< square input images, pixels per side
  std::int64_t num_classes = 1024;
  dtype compute_dtype = dtype::fp32;
};

namespace detail {

[[nodiscard]] inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) noexcept { return (a + b - 1) / b; }

/// Bytes of traffic per element for the element-wise passes (read + write; BatchNorm in training reads
/// its input twice: statistics, then normalisation).
inline constexpr double batchnorm_passes = 3.0;
inline constexpr double relu_passes = 2.0;
inline constexpr double add_passes = 3.0;

[[nodiscard]] inline std::vector<int> wide_resnet_stage_sizes(int depth) {
  if (depth == 50) return {3, 4, 6, 3};
  if (depth == 101) return {3, 4, 23, 3};
  throw input_error("", "depth", "50 or 101, got " + std::to_string(depth));
}

/// Largest power of two dividing n: the tensor-parallel degrees that split every channel count evenly.
[[nodiscard]] inline int largest_pow2_divisor(std::int64_t n) noexcept {
  int p = 1;
  while (n % 2 == 0 && p < (1 << 20)) {
    n /= 2;
    p *= 2;
  }
  return p;
}

}  // namespace detail

/// Builds the layer list: "stem", one layer per bottleneck block ("stage<i>_block<j>"), "head".
[[nodiscard]] inline model build_wide_resnet(const wide_resnet_config& c) {
  if (c.name.empty()) throw input_error("", "name", "a non-empty model name");
  const auto stage_sizes = detail::wide_resnet_stage_sizes(c.depth);
  auto require_positive = [](std::int64_t v, const char* field) {
    if (v <= 0) throw input_error("", field, "an integer > 0, got " + std::to_string(v));
  };
  require_positive(c.width_factor, "width_factor");
  require_positive(c.base_channels, "base_channels");
  require_positive(c.image_size, "image_size");
  require_positive(c.num_classes, "num_classes");

  const double e = bytes_per_element(c.compute_dtype);
  const int max_tp = detail::largest_pow2_divisor(c.base_channels * c.width_factor);
  model m;
  m.name = c.name;
  m.family = "wide_resnet";
  m.compute_dtype = c.compute_dtype;

  // Stem: conv 7x7/2 with padding 3, then max-pool 3x3/2 'SAME': each halves the side, rounding up.
  const std::int64_t side_conv = detail::ceil_div(c.image_size, 2);
  const std::int64_t side_pool = detail::ceil_div(side_conv, 2);
  const double px_conv = static_cast<double>(side_conv * side_conv);
  const double px_pool = static_cast<double>(side_pool * side_pool);
  const double cb = static_cast<double>(c.base_channels);
  {
    layer l;
    l.name = "stem";
    l.kind = "conv_stem";
    l.params = 7.0 * 7.0 * 3.0 * cb + 2.0 * cb;
    l.gemms.push_back({"conv_7x7", px_conv, c.base_channels, 7 * 7 * 3, 1.0, tp_split::none});
    l.mem_bound_bytes_per_sample =
        e * cb * (px_conv * (detail::batchnorm_passes + detail::relu_passes) + px_conv + px_pool);
    const double image_px = static_cast<double>(c.image_size * c.image_size);
    l.activation_bytes_per_sample = e * (3.0 * image_px + 2.0 * cb * px_conv);  // image, BN input, pool input
    l.boundary_bytes_per_sample = e * cb * px_pool;
    l.max_tp = max_tp;
    m.layers.push_back(std::move(l));
  }

  std::int64_t in_ch = c.base_channels;
  std::int64_t side = side_pool;
  for (std::size_t stage = 0; stage < stage_sizes.size(); ++stage) {
    const std::int64_t f = c.base_channels << stage;
    const std::int64_t wide = f * c.width_factor;
    const std::int64_t out_ch = 4 * f;
    for (int b = 0; b < stage_sizes[stage]; ++b) {
      const std::int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
      const std::int64_t side_out = detail::ceil_div(side, stride);
      const double px_in = static_cast<double>(side * side);
      const double px_out = static_cast<double>(side_out * side_out);
      const bool projection = in_ch != out_ch || stride != 1;
      const double fd = static_cast<double>(f), wd = static_cast<double>(wide), od = static_cast<double>(out_ch);
      const double ind = static_cast<double>(in_ch);

      layer l;
      l.name = "stage" + std::to_string(stage) + "_block" + std::to_string(b);
      l.kind = "conv_block";
      l.params = ind * fd + 9.0 * fd * wd + wd * od + 2.0 * (fd + wd + od);
      l.gemms.push_back({"conv1_1x1", px_in, f, in_ch, 1.0, tp_split::none});
      l.gemms.push_back({"conv2_3x3", px_out, wide, 9 * f, 1.0, tp_split::column});
      l.gemms.push_back({"conv3_1x1", px_out, out_ch, wide, 1.0, tp_split::row});
      double bn_elems = fd * px_in + wd * px_out + od * px_out;
      if (projection) {
        l.params += ind * od + 2.0 * od;
        l.gemms.push_back({"projection_1x1", px_out, out_ch, in_ch, 1.0, tp_split::none});
        bn_elems += od * px_out;
      }
      const double relu_elems = fd * px_in + wd * px_out + od * px_out;
      l.mem_bound_bytes_per_sample = e * (detail::batchnorm_passes * bn_elems + detail::relu_passes * relu_elems +
                                          detail::add_passes * od * px_out);
      // Saved for backward: block input, conv1 output (BN input) and ReLU output, conv3 (and projection)
      // outputs for their BN; the final ReLU output is the next layer's input and is counted there.
      // The 3x3 conv's output and its ReLU output are split by channels under tensor parallelism.
      l.activation_bytes_per_sample =
          e * (ind * px_in + 2.0 * fd * px_in + od * px_out + (projection ? od * px_out : 0.0));
      l.activation_bytes_per_sample_tp_split = e * 2.0 * wd * px_out;
      l.boundary_bytes_per_sample = e * od * px_out;
      l.tp_allreduces_fwd = 1;
      l.tp_allreduce_bytes_per_sample = e * od * px_out;
      l.max_tp = max_tp;
      m.layers.push_back(std::move(l));
      in_ch = out_ch;
      side = side_out;
    }
  }

  {
    const double px = static_cast<double>(side * side);
    const double ind = static_cast<double>(in_ch), classes = static_cast<double>(c.num_classes);
    layer l;
    l.name = "head";
    l.kind = "head";
    l.params = ind * classes + classes;
    l.gemms.push_back({"dense", 1.0, c.num_classes, in_ch, 1.0, tp_split::none});
    l.mem_bound_bytes_per_sample = e * (ind * px + ind) + 4.0 * 3.0 * classes;  // pool, softmax read+write+grad
    l.activation_bytes_per_sample = e * (ind * px + ind) + 4.0 * classes;      // last ReLU output, pooled, probs
    l.boundary_bytes_per_sample = 4.0;                                          // fp32 loss
    l.max_tp = max_tp;
    m.layers.push_back(std::move(l));
  }
  return m;
}

}  // namespace cellsched
