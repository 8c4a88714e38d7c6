#pragma once
// Every policy the simulator and `cellsched simulate` offer, by name. Adding a policy is one line
// below (see docs/ARCHITECTURE-schedule.md).
#include "cellsched/schedule/crius.hpp"
#include "cellsched/schedule/crius_options.hpp"
#include "cellsched/schedule/perf_oracle.hpp"
#include "cellsched/sim/any_policy.hpp"
#include "cellsched/sim/policy_registry.hpp"

namespace cellsched::sim {

template <class Oracle>
requires perf_oracle<Oracle>
[[nodiscard]] policy_registry<Oracle> default_policy_registry() {
  policy_registry<Oracle> r;
  r.template add<crius_policy>("crius", "Crius: Cells, migration, shrink/type-change search, opportunistic runs",
                               guided_tuning_costs());
  r.add_factory("crius-ddl", "Crius in deadline mode: allocations must meet deadlines; late jobs dropped",
                guided_tuning_costs(), [] {
                  crius_options o;
                  o.deadline_aware = true;
                  return any_policy<Oracle>(crius_policy(o));
                });
  return r;
}

}  // namespace cellsched::sim
