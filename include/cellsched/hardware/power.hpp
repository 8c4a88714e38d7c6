#pragma once
// Power of a GPU type, and how a power limit slows it (docs/energy-cost.md).
// * Board power (tdp_w) is the datasheet's (hardware/builtin_catalog.hpp); idle power is not published,
//   so a type without idle_w draws assumed_idle_share_of_tdp of it when idle.
// * Performance under a power limit: dynamic power of CMOS logic is P = a C V^2 f, and DVFS lowers the
//   voltage with the clock, so dynamic power grows about as f^3 (N. Weste, D. Harris, "CMOS VLSI Design",
//   ch. 5, power). A limit L leaves L - idle for dynamic power, so compute-bound work runs at the clock
//   share ((L - idle) / (tdp - idle))^(1/3). Memory- and communication-bound work keeps its speed: power
//   capping lowers the SM clock, not the memory clock or the links. Zeus (J. You, J.-W. Chung,
//   M. Chowdhury, "Zeus: Understanding and Optimizing GPU Energy Consumption of DNN Training", NSDI'23)
//   measures the same shape: training throughput falls much less than the power limit.
//   Limits: below the voltage floor power falls only linearly with the clock, so the model is optimistic
//   for deep caps; it treats all of compute time as compute-bound (an upper bound on the slowdown of
//   memory-bound kernels).
#include <cmath>
#include <string>

#include "cellsched/hardware/gpu_type.hpp"

namespace cellsched {

/// Share of board power an idle GPU draws when its type gives no idle_w. An assumption (no datasheet
/// publishes idle power; docs/energy-cost.md states it and how to replace it per type).
inline constexpr double assumed_idle_share_of_tdp = 0.1;

[[nodiscard]] inline bool has_power(const gpu_type& t) noexcept { return t.tdp_w > 0.0; }

/// Idle board power, W: the type's idle_w, else the assumed share of tdp_w.
[[nodiscard]] inline double idle_power_w(const gpu_type& t) noexcept {
  return t.idle_w > 0.0 ? t.idle_w : assumed_idle_share_of_tdp * t.tdp_w;
}

/// Why `limit_w` is not a power limit the type accepts, or "" when it is. Accepted: tdp_w at most, at
/// least min_power_limit_w, and above idle power (the model's own floor).
[[nodiscard]] inline std::string power_limit_problem(const gpu_type& t, double limit_w) {
  if (!has_power(t)) return "GPU type " + t.name + " has no board power (tdp_w)";
  const double idle = idle_power_w(t);
  const double lo = t.min_power_limit_w > idle ? t.min_power_limit_w : idle;
  std::string range = t.min_power_limit_w > idle ? "[" : "(";
  range.append(std::to_string(static_cast<long long>(std::lround(lo))))
      .append(", ")
      .append(std::to_string(static_cast<long long>(std::lround(t.tdp_w))))
      .append("] W");
  if (!std::isfinite(limit_w) || limit_w > t.tdp_w || limit_w < lo || (limit_w <= idle))
    return "a power limit for " + t.name + " in " + range;
  return "";
}

/// Clock share a power limit leaves compute-bound work (1 at tdp_w); see the file comment. The limit
/// must be accepted (power_limit_problem() == "").
[[nodiscard]] inline double compute_clock_share(const gpu_type& t, double limit_w) noexcept {
  const double idle = idle_power_w(t);
  if (!(t.tdp_w > idle) || limit_w >= t.tdp_w) return 1.0;
  return std::cbrt((limit_w - idle) / (t.tdp_w - idle));
}

/// Board power while a GPU runs a job, W: `limit_w` (its power limit, tdp_w when 0) for the share of
/// the iteration spent computing, idle power for the rest (communication, pipeline bubble).
[[nodiscard]] inline double busy_power_w(const gpu_type& t, double compute_share, double limit_w = 0.0) noexcept {
  const double active = limit_w > 0.0 && limit_w < t.tdp_w ? limit_w : t.tdp_w;
  const double share = compute_share < 0.0 ? 0.0 : compute_share > 1.0 ? 1.0 : compute_share;
  return active * share + idle_power_w(t) * (1.0 - share);
}

}  // namespace cellsched
