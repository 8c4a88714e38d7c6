#pragma once
// The policy interface shared by Crius and every baseline, in the simulator and inside a host scheduler.
// A policy sees a snapshot (time, nodes, jobs, events since the last call, a performance oracle, cost
// options, a seed) and returns a decision. It never reads a clock and does no I/O.
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/cell/perf_oracle.hpp"

namespace cellsched {

/// The GPUs a job holds: one type, a layout, and the exact global GPU ids (sorted).
struct allocation {
  std::string gpu_type;
  node_layout layout;           ///< GPUs per node, largest first
  std::vector<gpu_id> gpus;     ///< exact ids; their nodes match `layout`
  [[nodiscard]] int num_gpus() const noexcept { return static_cast<int>(gpus.size()); }
  [[nodiscard]] int num_nodes() const noexcept { return static_cast<int>(layout.size()); }
};

enum class job_state { pending, running, finished, dropped };

[[nodiscard]] inline const char* to_string(job_state s) noexcept {
  switch (s) {
    case job_state::pending: return "pending";
    case job_state::running: return "running";
    case job_state::finished: return "finished";
    case job_state::dropped: return "dropped";
  }
  return "pending";
}

struct job_status {
  const job* spec = nullptr;
  job_state state = job_state::pending;
  std::optional<allocation> alloc;    ///< set while running
  std::optional<plan> current_plan;   ///< plan it runs with, when known
  std::int64_t remaining_iterations = 0;
  bool opportunistic = false;         ///< running ahead of earlier pending jobs (Crius)
  double queued_s = 0.0;              ///< time spent pending so far
  double tune_debt_s = 0.0;           ///< re-tuning time still owed; the job makes no progress until paid
};

struct node_status {
  node_id id = 0;
  bool up = true;
  std::vector<bool> gpu_busy;         ///< per local GPU index; size = node's GPU count
  [[nodiscard]] int free_gpus() const noexcept {
    int f = 0;
    if (!up) return 0;
    for (bool b : gpu_busy) f += b ? 0 : 1;
    return f;
  }
};

enum class event_kind { arrival, departure, node_failure, node_repair, job_failure };

struct event {
  event_kind kind = event_kind::arrival;
  std::string job_id;   ///< arrival, departure, job_failure
  node_id node = -1;    ///< node_failure, node_repair
};

/// Re-tuning and restart costs charged when a job is (re)placed (docs/ARCHITECTURE-schedule.md). The host
/// hands them to the policy in its snapshot; the defaults are a Cell-guided search's (guided_tuning_costs()).
struct cost_options {
  double tune_s_per_gpu = 10.0;  ///< re-tuning per GPU of the new allocation
  double tune_cap_s = 40.0;      ///< re-tuning at most this long
  double restart_s = 0.0;        ///< checkpoint-resume cost per (re)start
  /// Re-tuning alone: min(tune_s_per_gpu x gpus, tune_cap_s).
  [[nodiscard]] double tune_only_s(int gpus) const noexcept {
    const double t = tune_s_per_gpu * gpus;
    return t < tune_cap_s ? t : tune_cap_s;
  }
  [[nodiscard]] double tune_time_s(int gpus) const noexcept { return tune_only_s(gpus) + restart_s; }
};

/// Re-tuning of a Cell-guided plan search (Crius): 10 s per GPU, at most 40 s (the artifact's
/// RESCHED_OVERHEAD_WITH_PRUNE).
[[nodiscard]] constexpr cost_options guided_tuning_costs() noexcept { return cost_options{}; }
/// Re-tuning of an unguided adaptive-parallelism search (every baseline of the reference simulator):
/// 150 s per GPU, at most 600 s (RESCHED_OVERHEAD_WITHOUT_PRUNE).
[[nodiscard]] constexpr cost_options unguided_tuning_costs() noexcept { return cost_options{150.0, 600.0, 0.0}; }

template <class Oracle>
struct snapshot {
  double now_s = 0.0;
  const cluster* topology = nullptr;
  std::vector<node_status> nodes;     ///< indexed by node id
  std::vector<job_status> jobs;       ///< every submitted, not yet finished or dropped job, in submission order
  std::vector<event> events;          ///< since the previous call
  const Oracle* oracle = nullptr;
  cost_options costs;
  std::uint64_t seed = 0;
};

struct placement {
  std::string job_id;
  allocation alloc;
  std::optional<plan> chosen_plan;
  bool opportunistic = false;
};

struct dropped_job {
  std::string job_id;
  std::string reason;
};

/// What the host must do. Jobs in `run` start, or move to the given allocation; running jobs in `preempt`
/// stop and return to pending; running jobs mentioned in neither keep their GPUs.
struct decision {
  std::vector<placement> run;
  std::vector<std::string> preempt;
  std::vector<dropped_job> dropped;
};

template <class P, class Oracle>
concept policy = perf_oracle<Oracle> && requires(P& p, const snapshot<Oracle>& s) {
  { p.decide(s) } -> std::same_as<decision>;
  { p.name() } -> std::convertible_to<std::string>;
};

}  // namespace cellsched
