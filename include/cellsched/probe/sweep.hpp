#pragma once
// What the probe measures in each mode and how it summarises repeats. Host-only so that the plan of a
// sweep is testable without a GPU; the CUDA side (probe/*.cuh) only executes it.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cellsched/hardware/gpu_type.hpp"

namespace cellsched::probe {

enum class probe_mode { quick, full };

[[nodiscard]] constexpr std::string_view to_string(probe_mode m) noexcept {
  return m == probe_mode::full ? "full" : "quick";
}
[[nodiscard]] constexpr std::optional<probe_mode> probe_mode_from_name(std::string_view s) noexcept {
  if (s == "quick") return probe_mode::quick;
  if (s == "full") return probe_mode::full;
  return std::nullopt;
}

/// One GEMM to time: C[m x n] = A[m x k] * B[k x n] in `type` (tf32 = fp32 storage, tf32 tensor cores).
struct gemm_problem {
  std::int64_t m = 0, n = 0, k = 0;
  dtype type = dtype::bf16;
  [[nodiscard]] double flops() const noexcept {
    return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  }
  friend bool operator==(const gemm_problem&, const gemm_problem&) = default;
};

/// How many untimed and timed runs each measurement gets.
struct repeat_policy {
  int warmup = 3;
  int repeats = 10;
};

[[nodiscard]] constexpr repeat_policy repeats_for(probe_mode m) noexcept {
  // nccl-tests defaults to 5 warm-up and 20 timed iterations; quick mode halves both.
  return m == probe_mode::full ? repeat_policy{5, 20} : repeat_policy{3, 10};
}

/// Default wall-clock budget of a whole run, seconds. A sweep stops starting new points once it is spent
/// and the profile's notes say what was skipped.
[[nodiscard]] constexpr double default_budget_s(probe_mode m) noexcept {
  return m == probe_mode::full ? 1800.0 : 120.0;
}

/// The dtypes a GEMM sweep covers: what mixed-precision training runs its matmuls in.
inline constexpr dtype gemm_sweep_dtypes[] = {dtype::bf16, dtype::fp16, dtype::tf32};

/// The GEMM grid of a mode, coarse points first: the full grid starts with the quick grid so that a run
/// cut short by its budget still covers the whole range coarsely. Shapes are distinct.
[[nodiscard]] inline std::vector<gemm_problem> gemm_grid(probe_mode mode) {
  // Quick: tokens per micro-batch (m) from 512 to 16k, hidden-like n and k from 1k to 16k.
  const std::vector<std::int64_t> quick_m{512, 2048, 8192}, quick_nk{1024, 4096, 16384};
  const std::vector<std::int64_t> full_m{128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768};
  const std::vector<std::int64_t> full_nk{512, 1024, 2048, 4096, 8192, 12288, 16384};
  std::vector<gemm_problem> out;
  auto add_grid = [&out](const std::vector<std::int64_t>& ms, const std::vector<std::int64_t>& nks) {
    for (const dtype t : gemm_sweep_dtypes)
      for (const auto m : ms)
        for (const auto n : nks)
          for (const auto k : nks) {
            const gemm_problem g{m, n, k, t};
            if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
          }
  };
  add_grid(quick_m, quick_nk);
  if (mode == probe_mode::full) add_grid(full_m, full_nk);
  return out;
}

/// Collective message sizes (nccl-tests' S) from 8 bytes to 1 GiB: every power of two in full mode,
/// every third one (x8) in quick mode.
[[nodiscard]] inline std::vector<std::int64_t> message_sizes_bytes(probe_mode mode) {
  std::vector<std::int64_t> out;
  const int step = mode == probe_mode::full ? 1 : 3;
  for (int e = 3; e <= 30; e += step) out.push_back(std::int64_t{1} << e);
  return out;
}

/// Operations per timed repeat of a collective: small messages are repeated so one repeat lasts well
/// above the ~1 us resolution of CUDA events (nccl-tests times 20 back-to-back operations per point).
[[nodiscard]] constexpr int collective_ops_per_repeat(std::int64_t bytes) noexcept {
  return bytes <= (std::int64_t{1} << 20) ? 20 : bytes <= (std::int64_t{1} << 26) ? 5 : 1;
}

/// Group sizes to measure over `num_gpus` local GPUs: all of them in quick mode; in full mode also every
/// power of two from 2 up. Fewer than 2 GPUs means no collective at all.
[[nodiscard]] inline std::vector<int> collective_group_sizes(int num_gpus, probe_mode mode) {
  std::vector<int> out;
  if (num_gpus < 2) return out;
  if (mode == probe_mode::full)
    for (int n = 2; n < num_gpus; n *= 2) out.push_back(n);
  out.push_back(num_gpus);
  return out;
}

/// Bytes of each array of the memory-bandwidth kernels. Arrays are at least 4x the L2 cache so the
/// kernels stream from device memory; no array takes more than a quarter of the free memory (the triad
/// uses three). Quick mode: one size (1 GiB, or the largest that fits). Full mode: x4 steps from the
/// smallest DRAM-bound size to 4 GiB.
[[nodiscard]] inline std::vector<std::int64_t> membw_array_bytes(probe_mode mode, std::int64_t l2_bytes,
                                                                 std::int64_t free_bytes) {
  const std::int64_t cap = free_bytes / 4;
  std::int64_t smallest = std::int64_t{1} << 20;
  while (smallest < 4 * l2_bytes) smallest *= 2;
  std::vector<std::int64_t> out;
  if (smallest > cap) return out;
  if (mode == probe_mode::quick) {
    std::int64_t b = std::max(smallest, std::int64_t{1} << 30);
    while (b > cap) b /= 2;
    out.push_back(std::max(b, smallest));
    return out;
  }
  for (std::int64_t b = smallest; b <= (std::int64_t{1} << 32) && b <= cap; b *= 4) out.push_back(b);
  return out;
}

/// Median of a sample (mean of the two middle values for an even count). Empty input is a caller bug.
[[nodiscard]] inline double median(std::vector<double> xs) {
  if (xs.empty()) throw std::invalid_argument("median of an empty sample");
  std::sort(xs.begin(), xs.end());
  const std::size_t h = xs.size() / 2;
  return xs.size() % 2 ? xs[h] : 0.5 * (xs[h - 1] + xs[h]);
}

}  // namespace cellsched::probe
