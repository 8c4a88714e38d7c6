#pragma once
// Comparing Cells: the best Cell of one allocation (over its stage counts) and a ranking of many Cells.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/cell/enumerate.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/search/cell_search.hpp"
#include "cellsched/search/options.hpp"
#include "cellsched/search/plan_order.hpp"
#include "cellsched/search/search_result.hpp"

namespace cellsched {

/// Strict order on search results: feasible before infeasible, then iteration time, then fewer stages,
/// then the plan key. Among infeasible results: fewer stages first.
[[nodiscard]] inline bool better_result(const cell_search_result& a, const cell_search_result& b) {
  if (a.feasible != b.feasible) return a.feasible;
  if (!a.feasible) return a.where.stages < b.where.stages;
  if (a.best_estimate.iter_time_s != b.best_estimate.iter_time_s)
    return a.best_estimate.iter_time_s < b.best_estimate.iter_time_s;
  if (a.where.stages != b.where.stages) return a.where.stages < b.where.stages;
  return plan_key_less(a.best_plan, b.best_plan);
}

/// The best plan of a model on one allocation (GPU type, node layout) over every stage count
/// 1..min(GPUs, layers, max_stages); statistics summed over the stage counts searched.
template <estimator E>
[[nodiscard]] cell_search_result search_allocation(const E& est, const model& m, const cluster& cl,
                                                   const std::string& gpu_type, const node_layout& layout,
                                                   std::int64_t global_batch, const search_options& o = {},
                                                   int max_stages = 0) {
  cell_search_result best;
  search_stats total;
  int gpus = 0;
  for (int g : layout) gpus += g;
  int cap = std::min(gpus, m.num_layers());
  if (max_stages > 0) cap = std::min(cap, max_stages);
  best.where = make_cell(cl, gpu_type, layout, 1);
  best.reason = gpus < 1 ? "empty layout" : "model has no layers";
  bool first = true;
  for (int s = 1; s <= cap; ++s) {
    cell_search_result r = search_cell(est, m, make_cell(cl, gpu_type, layout, s), global_batch, o);
    total += r.stats;
    if (first || better_result(r, best)) best = std::move(r);
    first = false;
  }
  best.stats = total;
  return best;
}

/// Searches every Cell and returns the results best first (ties keep the input order).
template <estimator E>
[[nodiscard]] std::vector<cell_search_result> rank_cells(const E& est, const model& m, std::int64_t global_batch,
                                                         const std::vector<cell>& cells, const search_options& o = {}) {
  std::vector<cell_search_result> out;
  out.reserve(cells.size());
  for (const auto& c : cells) out.push_back(search_cell(est, m, c, global_batch, o));
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.feasible != b.feasible) return a.feasible;
    return a.feasible && a.best_estimate.iter_time_s < b.best_estimate.iter_time_s;
  });
  return out;
}

}  // namespace cellsched
