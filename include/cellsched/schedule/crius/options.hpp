#pragma once
// Every constant of the Crius policy, with the value the paper's artifact uses (GitHub sjtu-epcc/arena,
// branch ae-eurosys: macro/macro_def.py, scheduler.py; docs/ARCHITECTURE-schedule.md).
#include <string>
#include <utility>
#include <vector>

#include "cellsched/estimate/objective.hpp"

namespace cellsched {

struct crius_options {
  /// Round length, s (SCHEDULING_INTERVAL). Used by deadline mode: an allocation must let the job
  /// finish by now + overhead + round + remaining x iteration time.
  double round_s = 300.0;
  /// Breadth-first shrink / type-change search depth (3 in simulation, 4 at runtime) and the depth when
  /// more than `busy_running_jobs` jobs run (2).
  int search_depth = 3;
  int busy_search_depth = 2;
  int busy_running_jobs = 150;
  /// Upgrade moves applied per trial (MAX_UPGRADE_STEP_NUM) and pending-restart passes (MAX_RESTART_TRIAL_NUM).
  int max_upgrade_steps = 10;
  int max_restart_passes = 100;
  /// Migration budgets: per search (LOCAL_ETA) and per scheduling pass (GLOBAL_ETA). The artifact's
  /// formulas from GPU counts are commented out there, so the bounds are these constants.
  int local_migrations = 256;
  int global_migrations = 4096;
  /// Largest GPU count a job may grow to (MAX_SUPPORTED_GPU_NUM); counts are powers of two from 1
  /// (SUPPORTED_GPU_NUM_LIST = {1, 2, 4, 8, 16}).
  int max_gpus_per_job = 16;
  /// Deadline mode (crius-ddl): an allocation is acceptable only if the job can still finish by its
  /// deadline; pending jobs whose deadline has passed are dropped.
  bool deadline_aware = false;
  /// Ablations of the artifact (crius-ns, crius-nh, crius-no).
  bool disable_scaling = false;
  bool disable_type_change = false;
  bool disable_opportunistic = false;
  /// Order in which GPU types are tried (shrink per type, type changes, upgrades). Empty: the order in
  /// which types first appear in the cluster. The artifact's order is a100, v100, 3090, p100, a40, a10.
  std::vector<std::string> gpu_type_order;
  /// What an allocation is worth (estimate/objective.hpp, docs/energy-cost.md): throughput (the artifact's,
  /// the default), samples per USD or samples per joule. Gains are sums of that figure; with deadline_aware
  /// and cost, a job gets the cheapest allocation that still meets its deadline.
  allocation_objective objective = allocation_objective::throughput;
  /// Cluster power budget, W (0: none): no move is taken that would let the cluster draw more, counting
  /// every busy GPU at its board power and every other GPU (down ones too) at idle power, so the power the
  /// simulator measures stays within it. Needs tdp_w for every type of the cluster.
  double power_budget_w = 0.0;
  /// USD per GPU-hour by GPU type (canonical name) for the cost objective; every type of the cluster needs
  /// one (hardware/prices.hpp gives them from price files).
  std::vector<std::pair<std::string, double>> usd_per_gpu_hour;
};

}  // namespace cellsched
