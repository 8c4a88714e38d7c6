#pragma once
// The best-plan table: best iteration time and plan per (model, global batch, GPU type, node layout),
// over every stage count, built lazily on first query and cached (docs/plan-search.md). It models `perf_oracle`,
// so the policies and the simulator can use any estimator through it.
//
// Not thread-safe: query() is const (the oracle concept takes a const oracle) but fills a mutable cache.
// A host that queries from several threads gives each thread its own table or serialises the calls.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/cell/enumerate.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/estimate/energy.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/search/options.hpp"
#include "cellsched/search/rank.hpp"
#include "cellsched/search/search_result.hpp"

namespace cellsched {

/// Finds a model by name for a job (e.g. a model zoo lookup); nullopt when unknown.
using model_resolver = std::function<std::optional<model>(const std::string&)>;

template <estimator E>
class best_plan_table {
 public:
  struct entry {
    cell_search_result best;  ///< best Cell (stage count) and plan of the allocation
    bool dp_memory_ok = false;
  };

  best_plan_table(E est, cluster cl, std::vector<model> models = {}, search_options options = {}, int max_stages = 0)
      : est_(std::move(est)), cluster_(std::move(cl)), options_(options), max_stages_(max_stages) {
    for (auto& m : models) add_model(std::move(m));
  }

  /// Adds or replaces a model (by name); cached answers for that name are dropped.
  void add_model(model m) {
    const std::string name = m.name;
    for (auto it = cache_.begin(); it != cache_.end();)
      it = std::get<0>(it->first) == name ? cache_.erase(it) : std::next(it);
    models_.insert_or_assign(name, std::move(m));
  }
  /// Consulted for model names not added explicitly; a found model is added.
  void set_resolver(model_resolver r) { resolver_ = std::move(r); }

  [[nodiscard]] const model* find_model(const std::string& name) const {
    auto it = models_.find(name);
    if (it == models_.end() && resolver_) {
      if (std::optional<model> m = resolver_(name)) {
        m->name = name;
        it = models_.emplace(name, std::move(*m)).first;
      }
    }
    return it == models_.end() ? nullptr : &it->second;
  }

  /// The full cached entry (searching it on first use); nullptr when the model or type is unknown.
  [[nodiscard]] const entry* lookup(const std::string& model_name, std::int64_t global_batch,
                                    const std::string& gpu_type, node_layout layout) const {
    const model* m = find_model(model_name);
    const cellsched::gpu_type* t = cluster_.catalog().find(gpu_type);
    if (!m || !t) return nullptr;
    std::sort(layout.begin(), layout.end(), std::greater<>());
    auto k = std::make_tuple(model_name, global_batch, t->name, layout);
    auto it = cache_.find(k);
    if (it != cache_.end()) return &it->second;
    entry e;
    e.best = search_allocation(est_, *m, cluster_, t->name, layout, global_batch, options_, max_stages_);
    e.dp_memory_ok = data_parallel_fits(*m, t->name, layout, global_batch);
    stats_ += e.best.stats;
    return &cache_.emplace(std::move(k), std::move(e)).first->second;
  }

  /// perf_oracle: best iteration time of job `j` on `gpu_type` with `layout` (GPUs per node).
  [[nodiscard]] perf_answer query(const job& j, const std::string& gpu_type, const node_layout& layout) const {
    perf_answer a;
    if (!find_model(j.model)) {
      a.reason = "unknown model '" + j.model + "'";
      return a;
    }
    const entry* e = lookup(j.model, j.global_batch, gpu_type, layout);
    if (!e) {
      a.reason = "unknown GPU type '" + gpu_type + "'";
      return a;
    }
    a.dp_memory_ok = e->dp_memory_ok;
    a.feasible = e->best.feasible;
    if (!a.feasible) {
      a.reason = e->best.reason;
      return a;
    }
    a.iter_time_s = e->best.best_estimate.iter_time_s;
    a.compute_share = compute_share(e->best.best_estimate.breakdown);
    a.best_plan = e->best.best_plan;
    a.stages = e->best.where.stages;
    return a;
  }

  [[nodiscard]] std::size_t size() const noexcept { return cache_.size(); }
  /// Search statistics summed over every entry built so far.
  [[nodiscard]] const search_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const E& get_estimator() const noexcept { return est_; }
  [[nodiscard]] const cluster& get_cluster() const noexcept { return cluster_; }
  [[nodiscard]] const search_options& options() const noexcept { return options_; }

 private:
  /// Data parallelism alone (one stage, tp 1, each GPU's share of the batch as one micro-batch) fits in
  /// memory - what the reference artifact's baselines check before admitting a job. As in the artifact's
  /// measured data-parallel memory (Alpa), optimizer state is sharded over the replicas (ZeRO-1) and
  /// activations are recomputed: its per-GPU figures fall with the GPU count like a + b / n, and a
  /// BERT-760M replica of 128 samples at sequence length 1024 needs 18 GB, which only recomputation
  /// explains (docs/reference-simulator.md §2, dp_mem_gb).
  [[nodiscard]] bool data_parallel_fits(const model& m, const std::string& type, const node_layout& layout,
                                        std::int64_t global_batch) const {
    const cell c = make_cell(cluster_, type, layout, 1);
    if (c.num_gpus < 1 || global_batch % c.num_gpus != 0 || m.num_layers() < 1) return false;
    plan p;
    p.stages = {stage_plan{0, m.num_layers(), c.num_gpus, 1}};
    p.micro_batch_samples = global_batch;
    p.num_micro_batches = 1;
    p.recompute = true;
    p.zero1 = true;
    return est_.estimate(m, c, p).feasible();
  }

  E est_;
  cluster cluster_;
  search_options options_;
  int max_stages_ = 0;
  model_resolver resolver_;
  mutable std::map<std::string, model> models_;
  mutable std::map<std::tuple<std::string, std::int64_t, std::string, node_layout>, entry> cache_;
  mutable search_stats stats_;
};

namespace detail {
/// The least an estimator can be; used to check the table against the oracle concept for every E.
struct estimator_archetype {
  [[nodiscard]] estimate_result estimate(const model&, const cell&, const plan&) const { return {}; }
};
}  // namespace detail

static_assert(estimator<detail::estimator_archetype>);
static_assert(perf_oracle<best_plan_table<detail::estimator_archetype>>);

}  // namespace cellsched
