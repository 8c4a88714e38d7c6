#pragma once
// Sizing a synthetic workload against a cluster and a performance oracle: the GPU-seconds each job
// asks for at its requested type and count (best locality), the arrival rate that makes that demand a
// given fraction of the cluster, and a request filter that keeps only requests the oracle can run.
//
// Offered load (utilisation law, Little): load = lambda x E[GPUs x iterations x iteration time] / N, so
// for a target load the mean rate is lambda0 = load x N x n / D, with D the summed demand of n jobs.
// Elastic policies change counts and types, so this is the load as *requested*, the usual yardstick.
#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/sim/synthetic_trace.hpp"

namespace cellsched::sim {

/// `gpus` at best locality on a type: as many of the type's largest nodes as needed, the rest on one more.
[[nodiscard]] inline node_layout best_locality_layout(int per_node, int gpus) {
  node_layout l;
  if (per_node < 1 || gpus < 1) return l;
  for (int left = gpus; left > 0; left -= per_node) l.push_back(std::min(left, per_node));
  return l;
}
[[nodiscard]] inline node_layout best_locality_layout(const cluster& c, const std::string& gpu_type, int gpus) {
  return best_locality_layout(c.max_gpus_per_node(gpu_type), gpus);
}

/// Per-type GPU totals and node sizes of a cluster, looked up once (a request check per job would
/// otherwise walk every node).
class request_sizer {
 public:
  explicit request_sizer(const cluster& c) {
    for (const auto& t : c.gpu_types_present()) types_[t] = {c.total_gpus_of(t), c.max_gpus_per_node(t)};
  }
  /// The best-locality layout of a job's request; empty when it has none or the cluster cannot hold it.
  [[nodiscard]] node_layout layout(const job& j) const {
    if (!j.requested_gpu_type || j.requested_gpus < 1) return {};
    const auto it = types_.find(*j.requested_gpu_type);
    if (it == types_.end() || j.requested_gpus > it->second.first) return {};
    return best_locality_layout(it->second.second, j.requested_gpus);
  }

 private:
  std::map<std::string, std::pair<int, int>> types_;  ///< type -> (GPUs, GPUs per node of its largest node)
};

struct workload_demand {
  double gpu_seconds = 0.0;      ///< sum over runnable jobs of GPUs x iterations x iteration time
  double mean_duration_s = 0.0;  ///< mean iterations x iteration time of the runnable jobs
  double mean_gpus = 0.0;        ///< mean requested GPUs of the runnable jobs
  std::size_t runnable = 0;      ///< jobs whose request the oracle can run
  std::size_t unrunnable = 0;    ///< no requested type/count, type absent, too large, or infeasible
};

/// The demand of `jobs` at their requested type and count (jobs without both are counted unrunnable).
template <perf_oracle O>
[[nodiscard]] workload_demand requested_demand(const std::vector<job>& jobs, const cluster& c, const O& oracle) {
  workload_demand d;
  double gpus_sum = 0.0;
  const request_sizer sizer(c);
  for (const job& j : jobs) {
    const node_layout l = sizer.layout(j);
    const perf_answer a = l.empty() ? perf_answer{} : oracle.query(j, *j.requested_gpu_type, l);
    if (!a.feasible || !(a.iter_time_s > 0)) {
      ++d.unrunnable;
      continue;
    }
    const double duration_s = static_cast<double>(j.iterations) * a.iter_time_s;
    d.gpu_seconds += duration_s * j.requested_gpus;
    d.mean_duration_s += duration_s;
    gpus_sum += j.requested_gpus;
    ++d.runnable;
  }
  if (d.runnable > 0) {
    d.mean_duration_s /= static_cast<double>(d.runnable);
    d.mean_gpus = gpus_sum / static_cast<double>(d.runnable);
  }
  return d;
}

/// The daily mean arrival rate (jobs per hour) at which `d` (for `num_jobs` jobs) loads `total_gpus`
/// GPUs to `load` (> 0). Unrunnable jobs add no demand, so they count towards the rate but not the load.
[[nodiscard]] inline double jobs_per_hour_for_load(double load, int total_gpus, std::size_t num_jobs,
                                                   const workload_demand& d) {
  if (!(d.gpu_seconds > 0) || !(load > 0) || total_gpus < 1) return 0.0;
  return load * total_gpus * static_cast<double>(num_jobs) / d.gpu_seconds * 3'600.0;
}

/// A request filter for make_synthetic_trace: the requested type is in the cluster with at least the
/// requested GPUs, and the oracle finds a feasible plan at best locality.
/// The filter keeps a reference to `oracle`.
template <perf_oracle O>
[[nodiscard]] request_filter runnable_request_filter(const cluster& c, const O& oracle) {
  return [sizer = request_sizer(c), &oracle](const job& j) {
    if (!j.requested_gpu_type || j.requested_gpus < 1) return true;
    const node_layout l = sizer.layout(j);
    return !l.empty() && oracle.query(j, *j.requested_gpu_type, l).feasible;
  };
}

/// Both generator hooks from one oracle: runnable requests only, and the requested configuration's
/// iteration time for duration mode. The hooks keep a reference to `oracle`.
template <perf_oracle O>
[[nodiscard]] trace_hooks oracle_trace_hooks(const cluster& c, const O& oracle) {
  trace_hooks h;
  h.accept = runnable_request_filter(c, oracle);
  h.iter_time_s = [sizer = request_sizer(c), &oracle](const job& j) {
    const node_layout l = sizer.layout(j);
    if (l.empty()) return 0.0;
    const perf_answer a = oracle.query(j, *j.requested_gpu_type, l);
    return a.feasible ? a.iter_time_s : 0.0;
  };
  return h;
}

}  // namespace cellsched::sim
