#pragma once
// Every policy the simulator and `cellsched simulate` offer, by name. Adding a policy is one line
// below (see docs/ARCHITECTURE-schedule.md).
#include "cellsched/schedule/crius.hpp"
#include "cellsched/schedule/crius/options.hpp"
#include "cellsched/schedule/baselines/elasticflow.hpp"
#include "cellsched/schedule/baselines/fcfs.hpp"
#include "cellsched/schedule/baselines/gandiva.hpp"
#include "cellsched/schedule/baselines/gavel.hpp"
#include "cellsched/schedule/baselines/sia.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/sim/any_policy.hpp"
#include "cellsched/sim/policy_registry.hpp"

namespace cellsched::sim {

template <class Oracle>
requires perf_oracle<Oracle>
[[nodiscard]] policy_registry<Oracle> default_policy_registry(const crius_options& crius_base = {}) {
  // `crius_base` carries the options a host sets for Crius (objective, power budget, prices;
  // docs/energy-cost.md); the baselines keep their published objectives.
  policy_registry<Oracle> r;
  r.add_factory("crius", "Crius: Cells, migration, shrink/type-change search, opportunistic runs",
                guided_tuning_costs(), [crius_base] { return any_policy<Oracle>(crius_policy(crius_base)); });
  r.add_factory("crius-ddl", "Crius in deadline mode: allocations must meet deadlines; late jobs dropped",
                guided_tuning_costs(), [crius_base] {
                  crius_options o = crius_base;
                  o.deadline_aware = true;
                  return any_policy<Oracle>(crius_policy(o));
                });
  // Baselines (schedule/baselines/); Gavel and Sia need COIN-OR CBC and are listed as unavailable without it.
  r.template add<fcfs_policy>("fcfs", "FCFS: requested type and count, submission order, no backfill",
                              unguided_tuning_costs());
  r.template add<gandiva_policy>("gandiva",
                                 "Gandiva: requested allocation, locality migration, grow/shrink into idle GPUs",
                                 unguided_tuning_costs());
  if constexpr (gavel_policy::available())
    r.template add<gavel_policy>("gavel", "Gavel: max-sum throughput MILP, GPU type may change, count kept",
                                 unguided_tuning_costs());
  else
    r.add_unavailable("gavel", "Gavel: max-sum throughput MILP, GPU type may change, count kept",
                      gavel_policy::unavailable_reason());
  const char* sia_summary =
      "Sia as the reference code runs it: goodput MILP over (type, count) per job, DP memory rule";
  const char* sia_paper_summary = "Sia as published: restart penalty on moves only, running jobs rescaled, no DP rule";
  if constexpr (sia_policy::available()) {
    r.template add<sia_policy>("sia", sia_summary, unguided_tuning_costs());
    r.add_factory("sia-paper", sia_paper_summary, unguided_tuning_costs(),
                  [] { return any_policy<Oracle>(sia_policy(sia_paper_options())); });
  } else {
    r.add_unavailable("sia", sia_summary, sia_policy::unavailable_reason());
    r.add_unavailable("sia-paper", sia_paper_summary, sia_policy::unavailable_reason());
  }
  r.template add<elasticflow_policy>("elasticflow-ls",
                                     "ElasticFlow-LS: elastic GPU count by marginal return, loose deadlines",
                                     unguided_tuning_costs());
  return r;
}

}  // namespace cellsched::sim
