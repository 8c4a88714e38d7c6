#pragma once
// Collective operations the probe measures and the bandwidth convention it reports them in. Host-only
// (no CUDA): the profile reader validates files with it and the estimator can use the same factors.
//
// Convention of nccl-tests (doc/PERFORMANCE.md, github.com/NVIDIA/nccl-tests): for an operation of size S
// bytes that takes t seconds, algbw = S / t and busbw = algbw * factor, with factor 2(n-1)/n for
// all-reduce, (n-1)/n for all-gather and reduce-scatter (S = the whole n-rank array there) and 1 for
// point-to-point send/recv. busbw is then comparable with the per-GPU link bandwidth whatever n is.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cellsched::probe {

enum class collective_op { all_reduce, all_gather, reduce_scatter, send_recv };

inline constexpr std::array<std::pair<std::string_view, collective_op>, 4> collective_op_names{{
    {"all_reduce", collective_op::all_reduce},
    {"all_gather", collective_op::all_gather},
    {"reduce_scatter", collective_op::reduce_scatter},
    {"send_recv", collective_op::send_recv},
}};

[[nodiscard]] constexpr std::string_view to_string(collective_op op) noexcept {
  for (const auto& [name, o] : collective_op_names)
    if (o == op) return name;
  return "all_reduce";
}

[[nodiscard]] constexpr std::optional<collective_op> collective_op_from_name(std::string_view name) noexcept {
  for (const auto& [n, o] : collective_op_names)
    if (n == name) return o;
  return std::nullopt;
}

/// "all_reduce, all_gather, ..." for error messages.
[[nodiscard]] inline std::string known_collective_ops() {
  std::string out;
  for (const auto& [name, op] : collective_op_names) out.append(out.empty() ? "" : ", ").append(name);
  return out;
}

/// busbw / algbw for `op` over `ranks` ranks (GitHub NVIDIA/nccl-tests, doc/PERFORMANCE.md, "Summary").
/// ranks < 1 gives 0.
[[nodiscard]] constexpr double bus_bandwidth_factor(collective_op op, int ranks) noexcept {
  if (ranks < 1) return 0.0;
  const double n = static_cast<double>(ranks);
  switch (op) {
    case collective_op::all_reduce:
      return 2.0 * (n - 1.0) / n;
    case collective_op::all_gather:
    case collective_op::reduce_scatter:
      return (n - 1.0) / n;
    case collective_op::send_recv:
      return 1.0;
  }
  return 1.0;
}

/// Algorithm bandwidth in GB/s (1e9 bytes, as nccl-tests prints it): S / t. Non-positive t gives 0.
[[nodiscard]] constexpr double algo_gb_per_s(double bytes, double time_s) noexcept {
  return time_s > 0.0 ? bytes / time_s / 1e9 : 0.0;
}

/// Bus bandwidth in GB/s: algbw * bus_bandwidth_factor(op, ranks).
[[nodiscard]] constexpr double bus_gb_per_s(collective_op op, int ranks, double bytes, double time_s) noexcept {
  return algo_gb_per_s(bytes, time_s) * bus_bandwidth_factor(op, ranks);
}

/// Bytes one rank sends for an operation of size S under the ring algorithm, the volume the factor above
/// stands for: all-reduce 2(n-1)/n * S, all-gather and reduce-scatter (n-1)/n * S, send/recv S.
[[nodiscard]] constexpr double ring_bytes_sent_per_rank(collective_op op, int ranks, double bytes) noexcept {
  return bytes * bus_bandwidth_factor(op, ranks);
}

}  // namespace cellsched::probe
