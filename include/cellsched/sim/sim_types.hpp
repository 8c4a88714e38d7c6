#pragma once
// Options and raw results of a simulation run (one policy over one trace).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/adapt/drift.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/sim/arrival_order.hpp"

namespace cellsched::sim {

/// A node going down or coming back at a time (seconds, trace time base).
struct failure_event {
  double time_s = 0.0;
  node_id node = 0;
  bool repair = false;  ///< false: the node fails; true: it is repaired
};

/// Fault injection (the model is in sim/fault_injection.hpp and docs/fault-injection.md): rates,
/// repair time, checkpoint interval, and the seed every draw derives from.
struct fault_options {
  std::uint64_t seed = 1;
  double node_failures_per_node_day = 0.05;
  double repair_mean_s = 2.0 * 3'600.0;
  double job_crashes_per_job_day = 0.05;
  double scheduler_restarts_per_day = 1.0;
  double checkpoint_interval_s = 0.0;  ///< 0: every completed iteration survives a fault
};

/// What happened in a run with faults injected, and what the checks found.
struct fault_report {
  std::size_t node_failures = 0;
  std::size_t repairs = 0;
  std::size_t job_crashes = 0;
  std::size_t scheduler_restarts = 0;
  std::size_t lost_jobs = 0;                  ///< not in exactly one state at the end, or lost progress
  std::size_t invariant_violations = 0;       ///< every failed check of every round
  std::vector<std::string> first_violations;  ///< the first few, for the report
};

/// Where a run stands, for a progress line.
struct sim_progress {
  std::string policy;
  int round = 0;
  int rounds = 0;
  std::size_t running = 0;
  std::size_t pending = 0;
  std::size_t finished = 0;
  double elapsed_s = 0.0;
};

/// Energy and cost accounting (docs/energy-cost.md): GPU-hour prices by GPU type (canonical name; a
/// type without one is reported unpriced) and an optional cluster power budget, checked every round.
struct energy_options {
  std::vector<std::pair<std::string, double>> usd_per_gpu_hour;
  double power_budget_w = 0.0;  ///< 0: none
};

struct sim_options {
  int rounds = 2000;       ///< rounds to run (the reference runs 2,000); with stop_when_done, at most this many
  double round_s = 300.0;  ///< round length (SCHEDULING_INTERVAL)
  /// Deadlines are loosened at submission: now + stretch x (deadline - now) (reference simulator: 5).
  double deadline_stretch = 5.0;
  /// The reference simulator keeps a preempted job's accumulated execution time when it restarts and
  /// re-credits it at the new speed against the iterations left at preemption, which counts that time
  /// twice. true reproduces it; false restarts the count (exact "resume from the last iteration").
  bool carry_exec_time_across_preemption = true;
  /// Jobs read by submission time, or in the trace's order as the reference reads a CSV trace.
  trace_order order = trace_order::time;
  std::vector<failure_event> failures;  ///< optional failure / repair schedule
  /// Random node failures, job crashes and scheduler restarts on top of `failures`, with invariant
  /// checks every round (sim/fault_injection.hpp); the run's `faults` reports them.
  std::optional<fault_options> faults;
  std::uint64_t seed = 0;
  /// End the run early, after the round in which the last job of the trace has arrived and every job
  /// has finished or been dropped. The figures are those of the full run (the rounds left would add
  /// nothing). `rounds` stays the upper bound.
  bool stop_when_done = false;
  /// Also end it when it can make no more progress: every job has arrived, none runs, every node is up,
  /// and the policy placed nothing this round (the pending jobs never run; their outcome says so). Not
  /// the reference's semantics: it keeps charging queueing time to such jobs until the last round.
  bool stop_when_stalled = false;
  /// The re-tuning costs charged to a job when it is (re)placed, when they differ per job (a pilot run
  /// charges the pilot policy's costs to its jobs and the host policy's to the others); unset: the run's
  /// one cost model.
  std::function<cost_options(const job&)> job_costs;
  /// Called after every `progress_every` rounds and after the last; the library itself prints nothing.
  std::function<void(const sim_progress&)> on_progress;
  int progress_every = 50;
  energy_options energy;
};

/// One stretch of rounds a job held the same GPUs.
struct allocation_span {
  std::string gpu_type;
  int num_gpus = 0;
  node_layout layout;      ///< GPUs per node
  std::string plan;        ///< the plan it ran with (plan_summary form), empty when the oracle gave none
  int first_round = 0;     ///< the round whose decision placed it
  int last_round = 0;      ///< the last round it still held these GPUs after the decision
  double start_s = 0.0;    ///< start of first_round
  double end_s = 0.0;      ///< start of the round after last_round (when it stopped holding them)
};

/// One job's fate.
struct job_outcome {
  std::string id;
  std::string model;
  std::int64_t iterations = 0;  ///< as simulated (after any iteration divisor)
  std::int64_t global_batch = 0;
  double submit_s = 0.0;   ///< recorded submission: the start of its arrival window
  double start_s = -1.0;   ///< first start; -1 if it never ran
  double finish_s = -1.0;  ///< round start at which it was seen finished; -1 if not
  double queued_s = 0.0;   ///< time at round ends spent pending
  job_state state = job_state::pending;
  int restarts = 0;
  std::size_t preemptions = 0;  ///< times the policy stopped it while running
  std::vector<allocation_span> allocations;  ///< in order
  double energy_j = 0.0;   ///< board energy of its GPUs while it held them (docs/energy-cost.md)
  double cost_usd = 0.0;   ///< GPU-hours held x price of their type
  double gpu_hours = 0.0;  ///< GPU-hours held
  /// Why it did not finish: the policy's drop reason, or for a job still pending or running when the run
  /// ended, what the simulator found (e.g. no GPU type of the cluster gives it a feasible plan).
  std::string reason;
  [[nodiscard]] bool finished() const noexcept { return state == job_state::finished; }
  [[nodiscard]] double jct_s() const noexcept { return finished() ? finish_s - submit_s : -1.0; }
};

/// Everything a run records; metrics are computed from it.
struct sim_run {
  std::string policy;
  double start_s = 0.0;  ///< T0: submission time of the first job
  double round_s = 300.0;
  int total_gpus = 0;
  std::vector<double> throughput;      ///< per round, samples/s after re-tuning discounts, 3 decimals
  std::vector<int> busy_gpus;          ///< per round, after the decision
  std::vector<int> running_jobs;       ///< per round, after the decision
  std::vector<double> decision_s;      ///< per round, wall time of the policy's decide()
  std::vector<double> finished_jct_s;  ///< JCTs in the order jobs finished
  std::vector<job_outcome> jobs;       ///< every submitted job, in submission order
  std::size_t unsubmitted = 0;         ///< jobs of the trace that arrive after the last round
  std::size_t preemptions = 0;
  std::size_t migrations = 0;          ///< running jobs moved to other GPUs
  double wall_s = 0.0;                 ///< wall time of the whole run
  std::string stop_reason;             ///< why the run ended: "rounds", "all jobs done", "stalled"
  /// Closed-loop runs only: per round, the belief's mean |predicted - true| / true iteration time over
  /// the running jobs (before it learnt from them), and the drift alarms with their rounds.
  std::vector<double> prediction_error;
  struct round_alarm {
    int round = 0;
    drift_alarm alarm;
  };
  std::vector<round_alarm> alarms;
  std::optional<fault_report> faults;  ///< set when faults were injected
  // Energy and cost (docs/energy-cost.md).
  std::vector<double> power_w;            ///< per round, the cluster's board power after the decision
  double energy_j = 0.0;                  ///< the cluster's, idle GPUs included (down nodes draw nothing)
  double job_energy_j = 0.0;              ///< the jobs' share: GPUs while held by a job
  double cost_usd = 0.0;                  ///< GPU-hours held by jobs x price
  std::vector<std::string> unpowered_types;  ///< GPU types without tdp_w (their energy counts 0)
  std::vector<std::string> unpriced_types;   ///< GPU types held by jobs without a price (their cost counts 0)
  double power_budget_w = 0.0;               ///< the budget checked, 0 for none
  std::size_t power_budget_violations = 0;   ///< rounds above the budget
  std::vector<std::string> first_power_violations;
};

}  // namespace cellsched::sim
