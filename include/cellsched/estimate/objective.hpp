#pragma once
// What a policy maximises for each allocation (docs/energy-cost.md): throughput, samples per dollar or
// samples per joule, each from the oracle's iteration time, the type's power (hardware/power.hpp) and a
// GPU-hour price (hardware/prices.hpp).
#include <optional>
#include <string>
#include <string_view>

#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/hardware/power.hpp"

namespace cellsched {

enum class allocation_objective {
  throughput,  ///< samples/s (the default; every published policy's)
  cost,        ///< samples per USD: throughput / (GPUs x USD per GPU-second)
  energy,      ///< samples per joule: throughput / (GPUs x busy board power)
};

[[nodiscard]] constexpr std::string_view to_string(allocation_objective o) noexcept {
  switch (o) {
    case allocation_objective::throughput: return "throughput";
    case allocation_objective::cost: return "cost";
    case allocation_objective::energy: return "energy";
  }
  return "throughput";
}

[[nodiscard]] inline std::optional<allocation_objective> objective_from_name(std::string_view s) noexcept {
  for (auto o : {allocation_objective::throughput, allocation_objective::cost, allocation_objective::energy})
    if (to_string(o) == s) return o;
  return std::nullopt;
}

/// The objective's figure for an allocation of `gpus` GPUs of type `t` running at `samples_per_s`, with
/// `compute_share` of its time at compute power (perf_answer::compute_share) and a GPU-hour price.
/// Higher is better; 0 when the allocation does nothing.
[[nodiscard]] inline double objective_value(allocation_objective o, double samples_per_s, const gpu_type& t, int gpus,
                                            double compute_share, double usd_per_gpu_hour) noexcept {
  if (!(samples_per_s > 0.0) || gpus <= 0) return 0.0;
  switch (o) {
    case allocation_objective::throughput: return samples_per_s;
    case allocation_objective::cost:
      return usd_per_gpu_hour > 0.0 ? samples_per_s / (gpus * usd_per_gpu_hour / 3600.0) : 0.0;
    case allocation_objective::energy: {
      const double w = busy_power_w(t, compute_share) * gpus;
      return w > 0.0 ? samples_per_s / w : 0.0;
    }
  }
  return samples_per_s;
}

}  // namespace cellsched
