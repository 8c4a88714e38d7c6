#pragma once
// The first steps both searches take for every shape class: list its variants and modes, balance its
// layer split, and count them in the statistics. Kept in one place so the pruned and the exhaustive
// search cannot drift apart in what they consider.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/search/layer_balance.hpp"
#include "cellsched/search/options.hpp"
#include "cellsched/search/plan_order.hpp"
#include "cellsched/search/plan_space.hpp"
#include "cellsched/search/search_result.hpp"

namespace cellsched {

/// The variants of a plan with these shapes: schedules, recomputation, ZeRO-1 (when some dp > 1).
[[nodiscard]] inline std::vector<plan_variant> variants_of(const shape_class& sc, const search_options& o,
                                                           int virtual_stages = 1) {
  bool any_dp = false;
  for (std::size_t s = 0; s < sc.stage_gpus.size(); ++s) any_dp = any_dp || sc.dp(s) > 1;
  return variants_for(o, static_cast<int>(sc.stage_gpus.size()), any_dp, virtual_stages);
}

/// One mode of a shape class (search/plan_order.hpp) with what it runs on: its layer split, its
/// micro-batch counts (ascending) and its variants.
struct mode_space {
  plan_mode mode;
  std::vector<int> end_layer;
  std::vector<std::int64_t> micro_batch_counts;
  std::vector<plan_variant> variants;
  [[nodiscard]] std::int64_t plans() const noexcept {
    return static_cast<std::int64_t>(micro_batch_counts.size() * variants.size());
  }
};

/// Megatron-LM's own layer split for interleaving: the transformer layers evenly over the stages, the
/// layers before the first one (embedding) on stage 0 and those after the last (head) on the last stage.
/// `end_layer` is empty when the layers do not split evenly, other layers sit between transformer layers,
/// or a stage's tp does not suit one of its layers.
struct even_split {
  std::vector<int> end_layer;
  int blocks_per_stage = 0;
};
[[nodiscard]] inline even_split even_block_split(const model& m, const shape_class& sc) {
  const auto is_block = [](const layer& l) { return l.kind != "embedding" && l.kind != "head" && l.kind != "loss"; };
  const int layers = m.num_layers();
  int first = 0, end = layers;
  while (first < layers && !is_block(m.layers[static_cast<std::size_t>(first)])) ++first;
  while (end > first && !is_block(m.layers[static_cast<std::size_t>(end - 1)])) --end;
  for (int l = first; l < end; ++l)
    if (!is_block(m.layers[static_cast<std::size_t>(l)])) return {};
  const int stages = static_cast<int>(sc.stage_gpus.size());
  if (end - first < stages || (end - first) % stages != 0) return {};
  even_split out;
  out.blocks_per_stage = (end - first) / stages;
  const int per = out.blocks_per_stage;
  std::vector<int>& ends = out.end_layer;
  int from = 0;
  for (int s = 0; s < stages; ++s) {
    const int to = s + 1 == stages ? layers : first + (s + 1) * per;
    for (int l = from; l < to; ++l)
      if (!layer_allows_tp(m.layers[static_cast<std::size_t>(l)], sc.stage_tp[static_cast<std::size_t>(s)])) return {};
    ends.push_back(to);
    from = to;
  }
  return out;
}

/// The modes of a shape class in a fixed order, the default mode (no sequence parallelism, no overlap,
/// v = 1, the balanced split) first. Sequence parallelism only where some tp > 1, overlap only where some
/// dp > 1, v > 1 only on uniform stages with Megatron-LM's even split (see search_options).
[[nodiscard]] inline std::vector<mode_space> modes_of(const model& m, const shape_class& sc, const search_options& o,
                                                      const std::vector<int>& balanced_split) {
  std::vector<mode_space> out;
  if (balanced_split.empty()) return out;
  bool any_tp = false, any_dp = false, uniform = true;
  for (std::size_t s = 0; s < sc.stage_gpus.size(); ++s) {
    any_tp = any_tp || sc.stage_tp[s] > 1;
    any_dp = any_dp || sc.dp(s) > 1;
    uniform = uniform && sc.stage_gpus[s] == sc.stage_gpus[0] && sc.stage_tp[s] == sc.stage_tp[0];
  }
  const auto stages = static_cast<std::int64_t>(sc.stage_gpus.size());
  std::vector<int> vs{1};
  even_split even;
  if (o.try_virtual_stages && stages > 1 && uniform) even = even_block_split(m, sc);
  if (!even.end_layer.empty()) {
    const int per = even.blocks_per_stage;
    for (int v = 2; v <= per; ++v)
      if (per % v == 0 && (o.max_virtual_stages <= 0 || v <= o.max_virtual_stages)) vs.push_back(v);
  }
  std::vector<std::int64_t> interleaved_counts;  // Megatron-LM: m a multiple of the stage count
  for (const std::int64_t mb : sc.micro_batch_counts)
    if (mb % stages == 0) interleaved_counts.push_back(mb);
  for (const int v : vs)
    for (int sp = 0; sp <= (o.try_sequence_parallel && any_tp ? 1 : 0); ++sp)
      for (int ov = 0; ov <= (o.try_overlap_grad_reduce && any_dp ? 1 : 0); ++ov) {
        mode_space ms;
        ms.mode = {sp != 0, ov != 0, v};
        ms.end_layer = v == 1 ? balanced_split : even.end_layer;
        ms.micro_batch_counts = v == 1 ? sc.micro_batch_counts : interleaved_counts;
        ms.variants = variants_of(sc, o, v);
        if (!ms.micro_batch_counts.empty() && !ms.variants.empty()) out.push_back(std::move(ms));
      }
  return out;
}

struct shape_start {
  std::vector<plan_variant> variants;  ///< of the default mode
  balanced_split split;                ///< split.end_layer is empty when no layer split respects max_tp
  std::vector<mode_space> modes;       ///< the default mode first; empty when unsplittable
};

/// The plan of a mode at `num_micro_batches` with variant v.
[[nodiscard]] inline plan mode_plan(const shape_class& sc, const mode_space& ms, std::int64_t global_batch,
                                    std::int64_t num_micro_batches, const plan_variant& v) {
  plan p = plan_for(sc, global_batch, num_micro_batches, ms.end_layer);
  apply_variant(p, v);
  apply_mode(p, ms.mode);
  return p;
}

/// Lists the shape class's variants and modes, balances its layer split and counts them in the statistics.
template <estimator E>
[[nodiscard]] shape_start start_shape(const E& est, const model& m, const cell& c, const shape_class& sc,
                                      std::int64_t global_batch, const search_options& o, search_stats& stats,
                                      split_cache* cache = nullptr) {
  shape_start out;
  out.variants = variants_of(sc, o);
  const auto counts = static_cast<std::int64_t>(sc.micro_batch_counts.size());
  stats.classes += counts;
  out.split = balance_layers(est, m, c, sc, global_batch, o.balance_rounds, cache);
  stats.estimator_calls += out.split.estimator_calls;
  out.modes = modes_of(m, sc, o, out.split.end_layer);
  if (out.split.end_layer.empty()) {
    stats.unsplittable += counts;
    stats.plans += counts * static_cast<std::int64_t>(out.variants.size());
  }
  for (const auto& ms : out.modes) stats.plans += ms.plans();
  return out;
}

}  // namespace cellsched
