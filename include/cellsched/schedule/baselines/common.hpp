#pragma once
// What the baseline policies share, restated from the reference artifact's baselines
// (GitHub sjtu-epcc/arena, branch ae-eurosys, baselines/*.py and scheduler.py; docs/baselines.md):
// the round's events, node layouts at best and relaxed locality,
// throughput queries under the "data rule", and placement of a job on the nodes of one GPU type.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/schedule/baselines/cluster_view.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/schedule/policy.hpp"

namespace cellsched::baselines {

/// Re-tuning costs of the baselines: an unguided search (unguided_tuning_costs(), schedule/policy.hpp).
[[nodiscard]] constexpr cost_options baseline_costs() noexcept { return unguided_tuning_costs(); }

/// The least a `perf_oracle` offers; only used to check that each baseline models `policy`.
struct any_oracle {
  [[nodiscard]] perf_answer query(const job&, const std::string&, const node_layout&) const { return {}; }
};
static_assert(perf_oracle<any_oracle>);

/// The GPU counts the reference allows a job (artifact SUPPORTED_GPU_NUM_LIST).
[[nodiscard]] inline std::vector<int> default_gpu_counts() { return {1, 2, 4, 8, 16}; }

/// What happened since the previous call, as the reference's round loop sees it.
struct round_events {
  std::vector<int> arrivals;     ///< indices into snapshot::jobs of new pending jobs, in submission order
  std::vector<int> pending;      ///< the other pending jobs (the pending queue), in submission order
  bool resources_freed = false;  ///< a departure, a repair or a failure: retry the pending queue
};

template <class Oracle>
[[nodiscard]] round_events classify(const snapshot<Oracle>& s) {
  round_events ev;
  std::map<std::string, bool> arrived;
  for (const event& e : s.events) {
    if (e.kind == event_kind::arrival)
      arrived[e.job_id] = true;
    else
      ev.resources_freed = true;  // departure, node failure or repair, job failure
  }
  for (std::size_t j = 0; j < s.jobs.size(); ++j) {
    const job_status& js = s.jobs[j];
    if (js.state != job_state::pending || js.spec == nullptr) continue;
    (arrived.count(js.spec->id) ? ev.arrivals : ev.pending).push_back(static_cast<int>(j));
  }
  return ev;
}

/// Fewest nodes, each filled to `node_cap` (the artifact's "best locality"): {n} when n fits one node,
/// else n / node_cap nodes of node_cap. Empty when n does not split evenly.
[[nodiscard]] inline node_layout best_layout(int n, int node_cap) {
  if (n <= 0 || node_cap <= 0) return {};
  if (n <= node_cap) return {n};
  if (n % node_cap != 0) return {};
  return node_layout(static_cast<std::size_t>(n / node_cap), node_cap);
}

/// The next relaxed layout: half as many GPUs per node on twice the nodes; empty when it cannot relax.
[[nodiscard]] inline node_layout relax(const node_layout& l) {
  if (l.empty() || l.front() <= 1 || l.front() % 2 != 0) return {};
  return node_layout(l.size() * 2, l.front() / 2);
}

[[nodiscard]] inline int layout_gpus(const node_layout& l) {
  int n = 0;
  for (int g : l) n += g;
  return n;
}

/// GPUs per node of a type in this cluster (the largest node of the type).
[[nodiscard]] inline int node_capacity(const cluster& c, const std::string& type) { return c.max_gpus_per_node(type); }

/// Feasibility under the reference's data rule: with `dp_rule` the allocation must also hold plain data
/// parallelism in memory (artifact db_querier.py: the DP out-of-memory check that force_opt skips).
[[nodiscard]] inline bool usable(const perf_answer& a, bool dp_rule) noexcept {
  return a.feasible && a.iter_time_s > 0 && (!dp_rule || a.dp_memory_ok);
}

/// Memoises oracle answers for one decision (the same (job shape, type, layout) is asked many times).
template <class Oracle>
class perf_cache {
 public:
  explicit perf_cache(const Oracle& o) : oracle_(&o) {}
  [[nodiscard]] const perf_answer& query(const job& j, const std::string& type, const node_layout& layout) {
    key k{j.model, j.global_batch, type, layout};
    auto it = memo_.find(k);
    if (it == memo_.end()) it = memo_.emplace(std::move(k), oracle_->query(j, type, layout)).first;
    return it->second;
  }
  /// Throughput in samples/s, 0 when not usable under the rule.
  [[nodiscard]] double throughput(const job& j, const std::string& type, const node_layout& layout, bool dp_rule) {
    if (layout.empty()) return 0.0;
    const perf_answer& a = query(j, type, layout);
    return usable(a, dp_rule) ? a.throughput_samples_per_s(static_cast<double>(j.global_batch)) : 0.0;
  }
  /// Throughput in samples/s as the reference's data-parallel lookup reads it (perf_answer::dp_samples_per_s),
  /// 0 when not usable under the data rule.
  [[nodiscard]] double dp_throughput(const job& j, const std::string& type, const node_layout& layout) {
    if (layout.empty()) return 0.0;
    const perf_answer& a = query(j, type, layout);
    if (!usable(a, true)) return 0.0;
    return a.dp_samples_per_s > 0 ? a.dp_samples_per_s
                                  : a.throughput_samples_per_s(static_cast<double>(j.global_batch));
  }

 private:
  struct key {
    std::string model;
    std::int64_t batch = 0;
    std::string type;
    node_layout layout;
    bool operator<(const key& o) const {
      if (model != o.model) return model < o.model;
      if (batch != o.batch) return batch < o.batch;
      if (type != o.type) return type < o.type;
      return layout < o.layout;
    }
  };
  const Oracle* oracle_;
  std::map<key, perf_answer> memo_;
};

enum class node_order {
  most_free_first,   ///< the artifact's "scatter style": nodes with the most free GPUs first
  least_free_first,  ///< "packing style": the fullest nodes that still fit first
};

/// Nodes of `type` (excluding `skip`) with at least `per_node` free GPUs, in the given order (ties by id).
[[nodiscard]] inline std::vector<node_id> candidate_nodes(const cluster_view& v, const std::string& type, int per_node,
                                                          node_order order, const std::vector<node_id>& skip = {}) {
  std::vector<std::pair<int, node_id>> c;
  for (node_id n : v.nodes_of(type)) {
    if (std::find(skip.begin(), skip.end(), n) != skip.end()) continue;
    const int f = v.free_gpus(n);
    if (f >= per_node) c.emplace_back(order == node_order::most_free_first ? -f : f, n);
  }
  std::stable_sort(c.begin(), c.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<node_id> out;
  for (const auto& e : c) out.push_back(e.second);
  return out;
}

/// Places job `j` on `type` with a uniform layout: nodes chosen by `order`. False (nothing changed) when
/// too few nodes have room.
inline bool place_layout(cluster_view& v, int j, const std::string& type, const node_layout& layout, node_order order) {
  if (layout.empty()) return false;
  std::vector<node_id> nodes = candidate_nodes(v, type, layout.front(), order);
  if (nodes.size() < layout.size()) return false;
  nodes.resize(layout.size());
  std::sort(nodes.begin(), nodes.end());
  return v.place(j, nodes, layout.front());
}

/// The artifact's `_place_with_best_locality` then (if allowed) `_place_with_relaxed_locality`: try the
/// best layout, then halve GPUs per node; stop at the first layout the oracle rejects.
/// `ok(layout)` says whether the job may run on `type` with that layout.
inline bool place_best_then_relaxed(cluster_view& v, int j, const std::string& type, int n, bool allow_relaxed,
                                    const std::function<bool(const node_layout&)>& ok,
                                    node_order order = node_order::most_free_first) {
  node_layout l = best_layout(n, node_capacity(v.topology(), type));
  if (l.empty() || !ok(l)) return false;
  if (place_layout(v, j, type, l, order)) return true;
  if (!allow_relaxed) return false;
  for (l = relax(l); !l.empty(); l = relax(l)) {
    if (!ok(l)) return false;
    if (place_layout(v, j, type, l, order)) return true;
  }
  return false;
}

/// Why a new job that must run exactly as requested is dropped on arrival (no request, or its request
/// cannot run at best locality even on an empty cluster, judged without the DP memory rule as the
/// artifact's FCFS and Gandiva do); empty when it is admissible.
template <class Oracle>
[[nodiscard]] std::string request_drop_reason(const job& j, const cluster& c, perf_cache<Oracle>& perf) {
  if (!j.requested_gpu_type || j.requested_gpus <= 0) return "needs a requested GPU type and count";
  const node_layout best = best_layout(j.requested_gpus, node_capacity(c, *j.requested_gpu_type));
  if (best.empty() || !usable(perf.query(j, *j.requested_gpu_type, best), false))
    return "cannot run on " + std::to_string(j.requested_gpus) + " " + *j.requested_gpu_type + " GPUs at best locality";
  return "";
}

/// The requested GPU type of snapshot job `j` ("" when none).
template <class Oracle>
[[nodiscard]] std::string requested_type(const snapshot<Oracle>& s, int j) {
  return s.jobs[static_cast<std::size_t>(j)].spec->requested_gpu_type.value_or("");
}

/// Whether a job requesting `type` is among `waiting`.
template <class Oracle>
[[nodiscard]] bool type_waiting(const snapshot<Oracle>& s, const std::vector<int>& waiting, const std::string& type) {
  return std::any_of(waiting.begin(), waiting.end(), [&](int w) { return requested_type(s, w) == type; });
}

enum class try_result {
  started,  ///< the job runs now
  no_room,  ///< it does not fit; with blocking, later jobs of its requested type wait behind it
  skipped,  ///< it did not start, but blocks nobody (e.g. a contention the artifact retries later)
};

/// The artifact's pending-restart trial: walk the waiting jobs in order and try each; with
/// `block_by_type` the first job of a requested GPU type that does not fit blocks the later ones of
/// that type (no backfill). Returns the jobs still waiting, in order.
template <class Oracle, class TryStart>
[[nodiscard]] std::vector<int> retry_waiting(const snapshot<Oracle>& s, const std::vector<int>& waiting,
                                             bool block_by_type, TryStart&& try_start) {
  std::vector<std::string> blocked;
  std::vector<int> still;
  for (int j : waiting) {
    const std::string type = requested_type(s, j);
    if (block_by_type && std::find(blocked.begin(), blocked.end(), type) != blocked.end()) {
      still.push_back(j);
      continue;
    }
    const try_result r = try_start(j);
    if (r == try_result::started) continue;
    if (r == try_result::no_room) blocked.push_back(type);
    still.push_back(j);
  }
  return still;
}

/// A job's new configuration chosen by an optimiser: GPU type and count (layout decided at placement).
struct reconfiguration {
  int job = -1;
  std::string gpu_type;
  int gpus = 0;
};

/// The artifact's `_gavel_resource_allocation` / `_sia_resource_allocation`: release every job in
/// `changes`, then place each in order at best locality, else relaxed locality, on the emptiest nodes,
/// each layout checked under the data rule. All or nothing: returns false and leaves `v` untouched when
/// one cannot be placed.
template <class Oracle>
bool apply_reconfigurations(cluster_view& v, const snapshot<Oracle>& s, perf_cache<Oracle>& perf,
                            const std::vector<reconfiguration>& changes, bool dp_rule) {
  cluster_view trial = v;
  for (const auto& c : changes) trial.release(c.job);
  for (const auto& c : changes) {
    const job& jb = *s.jobs[static_cast<std::size_t>(c.job)].spec;
    if (!place_best_then_relaxed(trial, c.job, c.gpu_type, c.gpus, true,
                                 [&](const node_layout& l) { return usable(perf.query(jb, c.gpu_type, l), dp_rule); }))
      return false;
  }
  v = std::move(trial);
  return true;
}

/// Running jobs (holding GPUs in the view), in submission order.
[[nodiscard]] inline std::vector<int> running_jobs(const cluster_view& v) {
  std::vector<int> out;
  for (int j = 0; j < v.num_jobs(); ++j)
    if (v.holds(j)) out.push_back(j);
  return out;
}

}  // namespace cellsched::baselines
