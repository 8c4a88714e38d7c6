#pragma once
// FCFS baseline: every job gets exactly the GPU type and count it asked for, at best locality, in
// submission order, with no backfill. Restated from the reference artifact (sjtu-epcc/arena,
// baselines/fcfs_sched.py):
// * a new job that cannot run at its requested type and count at best locality even on an empty
//   cluster is dropped;
// * a new job starts at once only if it fits and no earlier job of the same GPU type is waiting;
// * when GPUs free up, the waiting queue is walked in order; the first job of a GPU type that does not
//   fit blocks every later job of that type (no backfill), other types go on;
// * placement: the requested count at best locality (fewest nodes, each full), on the nodes with the most
//   free GPUs; the relaxed-locality variant ("fcfs-r") may halve GPUs per node;
// * it admits with the best-plan (adaptive-parallelism) time and no data-parallel memory check (the
//   artifact's FCFS queries with force_opt).
#include <string>
#include <vector>

#include "cellsched/schedule/baselines/cluster_view.hpp"
#include "cellsched/schedule/baselines/common.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/schedule/policy.hpp"

namespace cellsched {

struct fcfs_options {
  bool allow_relaxed_locality = false;  ///< the artifact's "fcfs-r"
};

class fcfs_policy {
 public:
  explicit fcfs_policy(fcfs_options opts = {}) : opts_(opts) {}

  [[nodiscard]] std::string name() const { return opts_.allow_relaxed_locality ? "fcfs-r" : "fcfs"; }

  template <class Oracle>
  [[nodiscard]] decision decide(const snapshot<Oracle>& s) {
    static_assert(perf_oracle<Oracle>);
    baselines::cluster_view v(s);
    baselines::perf_cache<Oracle> perf(*s.oracle);
    const baselines::round_events ev = baselines::classify(s);
    std::vector<dropped_job> dropped;
    std::vector<int> waiting = ev.pending;

    auto fits = [&](int j) {
      const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
      if (!jb.requested_gpu_type || jb.requested_gpus <= 0) return false;
      const std::string& type = *jb.requested_gpu_type;
      return baselines::place_best_then_relaxed(
          v, j, type, jb.requested_gpus, opts_.allow_relaxed_locality,
          [&](const node_layout& l) { return baselines::usable(perf.query(jb, type, l), false); });
    };

    if (ev.resources_freed)
      waiting = baselines::retry_waiting(s, waiting, true, [&](int j) {
        return fits(j) ? baselines::try_result::started : baselines::try_result::no_room;
      });

    for (int j : ev.arrivals) {
      const job& jb = *s.jobs[static_cast<std::size_t>(j)].spec;
      if (const std::string why = baselines::request_drop_reason(jb, *s.topology, perf); !why.empty()) {
        dropped.push_back({jb.id, why});
        continue;
      }
      if (baselines::type_waiting(s, waiting, *jb.requested_gpu_type) || !fits(j)) waiting.push_back(j);
    }

    decision d = v.to_decision();
    d.dropped = std::move(dropped);
    return d;
  }

 private:
  fcfs_options opts_;
};

static_assert(policy<fcfs_policy, baselines::any_oracle>);

}  // namespace cellsched
