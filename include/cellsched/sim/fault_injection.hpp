#pragma once
// Seeded fault injection for the simulator (docs/fault-injection.md). The model:
// * node failures: each node fails as a Poisson process at `node_failures_per_node_day` while up, and
//   comes back after an exponentially distributed repair time of mean `repair_mean_s`; the schedule is
//   drawn per node before the run, so every policy meets the same failures;
// * job crashes: in each round a running job crashes with probability 1 - exp(-rate x round / day) at
//   `job_crashes_per_job_day`, at a uniform point of the round; the draw depends only on (seed, job id,
//   round), not on which other jobs run, so policies are compared on the same luck per job;
// * scheduler restarts: a Poisson process at `scheduler_restarts_per_day`; the scheduler state and the
//   policy state go to JSON and are loaded back at the start of the round after the draw;
// * checkpoints: a job that crashes or loses its node keeps the work up to its last checkpoint, taken
//   every `checkpoint_interval_s` of execution since its last (re)start; 0 = every completed iteration
//   is kept (what the simulator always did for node failures).
// Deterministic for a seed on every platform: draws come from portable_rng (sim/synthetic_random.hpp:
// std::mt19937_64 words turned into uniforms and exponentials by our own code, not std:: distributions,
// whose algorithms differ between standard libraries), one independent stream per node, per (job, round)
// and for the restarts.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/sim/sim_types.hpp"
#include "cellsched/sim/synthetic_random.hpp"

namespace cellsched::sim {

namespace fault_detail {

/// FNV-1a of a string: a hash that is the same on every platform (std::hash is not).
[[nodiscard]] inline std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

inline constexpr double day_s = 86'400.0;
/// Stream ids: nodes use their id; restarts and crashes sit far above any node id.
inline constexpr std::uint64_t restart_stream = 0x5e5e5e5e5e5e5e5eULL;

}  // namespace fault_detail

/// Failures and repairs of every node over [start_s, end_s): alternating up times ~ Exp(1/rate) and
/// repair times ~ Exp(mean), one independent stream per node. A repair may fall after end_s.
[[nodiscard]] inline std::vector<failure_event> node_fault_schedule(const cluster& c, const fault_options& f,
                                                                    double start_s, double end_s) {
  std::vector<failure_event> out;
  if (!(f.node_failures_per_node_day > 0)) return out;
  const double fail_rate_per_s = f.node_failures_per_node_day / fault_detail::day_s;
  const double repair_rate_per_s = f.repair_mean_s > 0 ? 1.0 / f.repair_mean_s : 0.0;
  for (const auto& n : c.nodes()) {
    portable_rng rng(f.seed, static_cast<std::uint64_t>(n.id));
    double t = start_s;
    for (;;) {
      t += rng.exponential(fail_rate_per_s);
      if (t >= end_s) break;
      out.push_back({t, n.id, false});
      t += repair_rate_per_s > 0 ? rng.exponential(repair_rate_per_s) : 0.0;
      out.push_back({t, n.id, true});
    }
  }
  return out;
}

/// The rounds (>= 1) at whose start the scheduler restarts, ascending, below `rounds`.
[[nodiscard]] inline std::vector<int> scheduler_restart_rounds(const fault_options& f, int rounds, double round_s) {
  std::vector<int> out;
  if (!(f.scheduler_restarts_per_day > 0)) return out;
  portable_rng rng(f.seed, fault_detail::restart_stream);
  double t = 0.0;
  for (;;) {
    t += rng.exponential(f.scheduler_restarts_per_day / fault_detail::day_s);
    const double k = std::ceil(t / round_s);
    if (k >= rounds) break;
    const int ki = static_cast<int>(k < 1 ? 1 : k);
    if (out.empty() || out.back() != ki) out.push_back(ki);
  }
  return out;
}

/// Whether job `id`, running through the round that ends at the start of round `round`, crashed in it;
/// if so, `*ran_fraction` is the part of the round it ran before crashing.
[[nodiscard]] inline bool job_crashes(const fault_options& f, const std::string& id, int round, double round_s,
                                      double* ran_fraction) {
  if (!(f.job_crashes_per_job_day > 0)) return false;
  const double p = -std::expm1(-f.job_crashes_per_job_day * round_s / fault_detail::day_s);
  portable_rng rng(f.seed, fault_detail::fnv1a(id) ^ splitmix64(static_cast<std::uint64_t>(round)));
  if (!(rng.uniform() < p)) return false;
  if (ran_fraction) *ran_fraction = rng.uniform();
  return true;
}

/// Execution seconds a job keeps after a fault: everything with continuous checkpoints, else the
/// largest multiple of the interval.
[[nodiscard]] inline double checkpointed_exec_s(double exec_s, double interval_s) {
  if (!(interval_s > 0)) return exec_s;
  return std::floor(exec_s / interval_s) * interval_s;
}

}  // namespace cellsched::sim
