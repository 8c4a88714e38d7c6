#pragma once
// The discrete part of a Cell's plan space (search/options.hpp): GPU split over stages, per-stage tensor
// degree, micro-batch count. A `shape_class` fixes the first two and lists the micro-batch counts they
// allow; the layer split follows from the shape class, and per micro-batch count the schedule /
// recomputation / ZeRO-1 "variants" are searched. Both the exhaustive and the pruned search enumerate
// shape classes through for_each_shape_class, in the same fixed order.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/cell/placement.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/search/options.hpp"

namespace cellsched {

/// The (GPU split, per-stage tensor degree) part of a plan, with the micro-batch counts it allows.
struct shape_class {
  std::vector<int> stage_gpus;
  std::vector<int> stage_tp;                     ///< dp_s = stage_gpus[s] / stage_tp[s]
  std::vector<std::int64_t> micro_batch_counts;  ///< ascending
  [[nodiscard]] int dp(std::size_t s) const { return stage_gpus[s] / stage_tp[s]; }
};

/// A Cell cut into runs of one GPU type: run r has `stages[r]` consecutive stages on `gpus[r]` GPUs.
struct cell_parts {
  std::vector<std::string> type;
  std::vector<int> stages;
  std::vector<int> gpus;
};

/// Matches the runs of stage types against the runs of node types; `error` says why they do not match.
[[nodiscard]] inline cell_parts split_cell_parts(const cell& c, std::string& error) {
  cell_parts p;
  error.clear();
  for (int s = 0; s < c.stages; ++s) {
    const std::string& t = c.stage_gpu_type(s);
    if (p.type.empty() || p.type.back() != t) {
      p.type.push_back(t);
      p.stages.push_back(0);
      p.gpus.push_back(0);
    }
    ++p.stages.back();
  }
  std::size_t run = 0;
  std::string prev;
  for (std::size_t i = 0; i < c.layout.size(); ++i) {
    const std::string& t = node_type_of(c, i);
    if (i > 0 && t != prev) ++run;
    prev = t;
    if (run >= p.type.size() || p.type[run] != t) {
      error = "node " + std::to_string(i) + " (" + t + ") does not match the stage GPU types in order";
      return p;
    }
    p.gpus[run] += c.layout[i];
  }
  if (run + 1 != p.type.size()) error = "stage GPU types name a type the layout does not hold";
  for (std::size_t r = 0; r < p.type.size() && error.empty(); ++r)
    if (p.gpus[r] < p.stages[r]) error = "fewer " + p.type[r] + " GPUs than stages on them";
  return p;
}

/// Whether a layer can run with tensor degree tp: tp divides layer::max_tp (Megatron-LM needs the heads,
/// and with them the hidden size, divisible by tp; Wide-ResNet's cap is a power of two of its channels).
/// tp = 1 always works.
[[nodiscard]] inline bool layer_allows_tp(const layer& l, int tp) noexcept {
  return tp == 1 || (l.max_tp > 0 && l.max_tp % tp == 0);
}

/// Whether some layer allows tp; a stage with any other tp could hold no layer.
[[nodiscard]] inline bool model_allows_tp(const model& m, int tp) noexcept {
  for (const auto& l : m.layers)
    if (layer_allows_tp(l, tp)) return true;
  return false;
}

namespace plan_space_detail {
inline void compositions(int left, int k, int pos, std::vector<int>& cur, std::vector<std::vector<int>>& out) {
  if (pos == k - 1) {
    cur[static_cast<std::size_t>(pos)] = left;
    out.push_back(cur);
    return;
  }
  for (int v = 1; v <= left - (k - 1 - pos); ++v) {
    cur[static_cast<std::size_t>(pos)] = v;
    compositions(left - v, k, pos + 1, cur, out);
  }
}
/// The most even split of g GPUs into k powers of two, larger first: every stage starts at the largest
/// power of two p with p*k <= g, then stages double from the front while GPUs remain (each doubling of a
/// p-stage adds p). Empty when the doublings cannot use up the GPUs exactly (7 GPUs on 2 or 3 stages);
/// for a power of two g >= k it always succeeds.
[[nodiscard]] inline std::vector<int> pow2_split(int g, int k) {
  if (k < 1 || g < k) return {};
  int p = 1;
  while (2 * p * k <= g) p *= 2;
  std::vector<int> s(static_cast<std::size_t>(k), p);
  int left = g - p * k;
  for (auto& x : s)
    if (left >= x) {
      left -= x;
      x *= 2;
    }
  if (left != 0) return {};
  return s;
}
}  // namespace plan_space_detail

/// Calls f(stage_gpus) for every GPU split the policy allows, in lexicographic order per run.
template <class F>
void for_each_gpu_split(const cell_parts& parts, gpu_split_policy policy, F&& f) {
  std::vector<std::vector<std::vector<int>>> per_run;  // candidate splits of each run
  for (std::size_t r = 0; r < parts.type.size(); ++r) {
    const int g = parts.gpus[r], k = parts.stages[r];
    std::vector<std::vector<int>> splits;
    if (policy != gpu_split_policy::any) {
      std::vector<int> s(static_cast<std::size_t>(k), g / k);
      for (int i = 0; i < g % k; ++i) ++s[static_cast<std::size_t>(i)];
      splits.push_back(std::move(s));
      if (policy == gpu_split_policy::balanced_pow2)
        if (auto p = plan_space_detail::pow2_split(g, k); !p.empty() && p != splits.front())
          splits.push_back(std::move(p));
    } else {
      // Compositions of g into k positive parts, lexicographic.
      std::vector<int> s(static_cast<std::size_t>(k));
      plan_space_detail::compositions(g, k, 0, s, splits);
    }
    per_run.push_back(std::move(splits));
  }
  std::vector<std::size_t> idx(per_run.size(), 0);
  for (;;) {
    std::vector<int> all;
    for (std::size_t r = 0; r < per_run.size(); ++r)
      all.insert(all.end(), per_run[r][idx[r]].begin(), per_run[r][idx[r]].end());
    f(all);
    std::size_t r = per_run.size();
    while (r > 0 && ++idx[r - 1] == per_run[r - 1].size()) idx[--r] = 0;
    if (r == 0) return;
  }
}

/// Tensor degrees stage s may use: divisors of its GPUs that some layer allows and whose TP groups map
/// onto the layout (search/options.hpp, structural rules).
[[nodiscard]] inline std::vector<int> stage_tp_options(const model& m, const std::vector<int>& slot_node,
                                                       int first_slot, int gpus, bool allow_tp_across_nodes) {
  std::vector<int> out;
  for (int tp = 1; tp <= gpus; ++tp) {
    if (gpus % tp != 0 || !model_allows_tp(m, tp)) continue;
    if (!allow_tp_across_nodes && !tp_groups_within_nodes(slot_node, first_slot, gpus, tp)) continue;
    out.push_back(tp);
  }
  return out;
}

/// Calls f(stage_tp) for every shape assignment the policy allows, odometer order (last group fastest).
template <class F>
void for_each_shape(const model& m, const cell& c, const std::vector<int>& stage_gpus, const search_options& o, F&& f) {
  const std::vector<int> sn = slot_nodes(c.layout);
  const std::size_t stages = stage_gpus.size();
  // Group stages that must share a shape; each group's options are the intersection over its stages.
  std::vector<std::size_t> group_of(stages);
  std::vector<std::vector<int>> options;
  std::vector<std::pair<std::string, int>> keys;
  int slot = 0;
  for (std::size_t s = 0; s < stages; ++s) {
    const auto opts = stage_tp_options(m, sn, slot, stage_gpus[s], o.allow_tp_across_nodes);
    slot += stage_gpus[s];
    std::size_t g = keys.size();
    if (o.shapes == stage_shape_policy::uniform) {
      const std::pair<std::string, int> key{c.stage_gpu_type(static_cast<int>(s)), stage_gpus[s]};
      g = static_cast<std::size_t>(std::find(keys.begin(), keys.end(), key) - keys.begin());
      if (g == keys.size()) {
        keys.push_back(key);
        options.push_back(opts);
      } else {
        std::vector<int> both;
        std::set_intersection(options[g].begin(), options[g].end(), opts.begin(), opts.end(), std::back_inserter(both));
        options[g] = std::move(both);
      }
    } else {
      keys.emplace_back(std::string(), 0);
      options.push_back(opts);
    }
    group_of[s] = g;
  }
  for (const auto& opt : options)
    if (opt.empty()) return;
  std::vector<std::size_t> idx(options.size(), 0);
  std::vector<int> tp(stages);
  for (;;) {
    for (std::size_t s = 0; s < stages; ++s) tp[s] = options[group_of[s]][idx[group_of[s]]];
    f(tp);
    std::size_t g = options.size();
    while (g > 0 && ++idx[g - 1] == options[g - 1].size()) idx[--g] = 0;
    if (g == 0) return;
  }
}

/// Micro-batch counts m (ascending) that divide G with every dp dividing G/m.
[[nodiscard]] inline std::vector<std::int64_t> micro_batch_counts(std::int64_t global_batch, std::int64_t dp_lcm,
                                                                  std::int64_t max_micro_batches) {
  std::vector<std::int64_t> out;
  if (global_batch < 1 || dp_lcm < 1 || global_batch % dp_lcm != 0) return out;
  const std::int64_t top = max_micro_batches > 0 ? std::min(max_micro_batches, global_batch) : global_batch;
  for (std::int64_t m = 1; m <= top; ++m)
    if (global_batch % m == 0 && (global_batch / m) % dp_lcm == 0) out.push_back(m);
  return out;
}

/// Calls f(const shape_class&) for every (GPU split, shapes) of the Cell's plan space that allows at
/// least one micro-batch count; returns why there is none when the Cell itself is malformed (empty string
/// otherwise).
template <class F>
std::string for_each_shape_class(const model& m, const cell& c, std::int64_t global_batch, const search_options& o,
                                 F&& f) {
  std::string error;
  const cell_parts parts = split_cell_parts(c, error);
  if (!error.empty()) return error;
  if (c.stages < 1 || c.stages > m.num_layers()) return "stage count outside 1..layers";
  if (global_batch < 1) return "global batch below 1";
  search_options shape_opts = o;
  if (o.megatron_launchable) {
    if (c.heterogeneous()) return "stages on two GPU types: Megatron-LM launches one (allow non-uniform plans)";
    if (c.num_gpus % c.stages != 0)
      return std::to_string(c.num_gpus) + " GPUs do not split evenly into " + std::to_string(c.stages) +
             " stages: Megatron-LM runs the same GPUs on every stage (allow non-uniform plans)";
    shape_opts.shapes = stage_shape_policy::uniform;  // equal stages of one type: one (dp, tp) for all
  }
  shape_class sc;
  for_each_gpu_split(parts, o.gpu_split, [&](const std::vector<int>& gpus) {
    if (o.megatron_launchable && std::adjacent_find(gpus.begin(), gpus.end(), std::not_equal_to<>()) != gpus.end())
      return;
    sc.stage_gpus = gpus;
    for_each_shape(m, c, gpus, shape_opts, [&](const std::vector<int>& tp) {
      sc.stage_tp = tp;
      std::int64_t dp_lcm = 1;
      for (std::size_t s = 0; s < gpus.size(); ++s) dp_lcm = std::lcm(dp_lcm, std::int64_t{gpus[s] / tp[s]});
      sc.micro_batch_counts = micro_batch_counts(global_batch, dp_lcm, o.max_micro_batches);
      if (!sc.micro_batch_counts.empty()) f(static_cast<const shape_class&>(sc));
    });
  });
  return {};
}

}  // namespace cellsched
