#pragma once
// What the plan search inside a Cell may choose, and the estimator properties its pruning relies on.
//
// The plan space of a Cell (type(s), GPU count, layout, S stages) for a global batch G is the set of
//   (GPU split over stages, per-stage (dp, tp), micro-batch count m, schedule, recomputation, ZeRO-1)
// that satisfy the structural rules below; each such choice is completed into a plan by its stage layer
// split, which is NOT a free dimension: it is the time-balanced split of search/layer_balance.hpp, a
// deterministic function of (Cell, GPU split, shapes, m). The exhaustive search (search/exhaustive.hpp)
// enumerates exactly this space; the pruned search (search/cell_search.hpp) returns the same best plan.
//
// Structural rules (constraints, not pruning - the exhaustive search applies them too):
//   * stage s gets n_s >= 1 GPUs, sum n_s = the Cell's GPUs, stages contiguous on the layout
//     (cell/placement.hpp); in a heterogeneous Cell a stage only uses GPUs of its own type;
//   * dp_s * tp_s = n_s; a TP group never spans two nodes unless allow_tp_across_nodes;
//   * tp_s divides layer::max_tp of every layer of stage s (heads for attention: Megatron-LM needs
//     heads % tp == 0; the split respects it);
//   * m divides G and every dp_s divides the micro-batch's samples G/m (each replica gets a whole share,
//     so dp_s <= G/m);
//   * each stage holds at least one layer, so S <= layers;
//   * with search_options::megatron_launchable: a single-type Cell, every stage the same GPU count and
//     (dp, tp), no GPipe (search/launcher_args.hpp renders exactly these without a note).
//
// Estimator requirements the pruning may rely on (stated once here). An estimator declares which of them
// it meets (estimator_guarantees, estimate/concepts.hpp, with a worked example); the search prunes only
// on what is declared (pruning_guarantees below), so an estimator that declares nothing is searched without
// any of them. tests/search checks the declarations of the toy and the analytic estimator:
//   R-mem  For the same Cell, layer split, shapes, micro-batching and recomputation setting, turning ZeRO-1
//          on or running 1F1B instead of GPipe never turns a plan that does not fit
//          (estimate_result::fits == false) into one that fits: ZeRO-1 only removes optimizer state and
//          1F1B keeps at most min(S - s, m) <= m micro-batches in flight. (Recomputation is deliberately
//          not assumed to save memory: an estimator may charge one layer's full activations plus the
//          checkpoints, which exceeds keeping everything for a one-layer stage.)
//          [estimator_guarantees::memory_monotone]
//   R-rc   For the same everything else, full recomputation on never gives a lower iteration time than
//          off (it only adds a forward pass).  [recompute_never_faster]
//   R-gp   For the same everything else, GPipe never gives a lower iteration time than 1F1B (true of the
//          formulas in estimate/pipeline.hpp).  [gpipe_never_faster]
// Across the micro-batch counts m of one shape class (same Cell, layer split, shapes and variant), together
// [micro_batch_bounds]:
//   R-mb   Fitting never gets worse with more, smaller micro-batches: a plan that fits with m micro-batches
//          fits with any allowed m' > m (activations in flight scale with the micro-batch size; at most m
//          of them are in flight).
//   R-lb   For every stage b: iter_time_s >= sum_{s<b} fwd_s + m (fwd_b + bwd_b)
//          + max(sum_{s<b} bwd_s, dp_sync_b). Stage b runs its m forwards and m backwards one at a time;
//          its first forward waits for micro-batch 1 to cross the stages before it; after its last
//          backward the gradient still crosses them back, while b synchronises its gradients (not
//          overlapped with the backward). True of any non-interleaved schedule (GPipe, 1F1B).
//   R-st   fwd_s and bwd_s do not depend on ZeRO-1 or the schedule, and neither drops when recomputation
//          (full or selective) is turned on (they are per-micro-batch compute and TP communication times).
//   R-dp   dp_sync_s does not depend on the micro-batch count, recomputation or the schedule (it moves the
//          stage's gradients once per iteration).
//   R-mt   m x fwd_s and m x bwd_s never drop as m grows: cutting the batch into smaller micro-batches
//          never does a stage's whole-batch work faster (GEMM efficiency does not fall with size; fixed
//          costs are paid per micro-batch).
// The modes (sequence parallelism, overlapped gradient reduction, v virtual stages) are searched one at
// a time: every requirement above is read with the mode fixed, and for v > 1 R-lb with the stages before
// b counted 1/v (the interleaved fill: iter_time_s >= sum_{s<b} fwd_s / v + m (fwd_b + bwd_b)
// + max(sum_{s<b} bwd_s / v, dp_sync_b)); with overlapped reduction the dp_sync_b term and R-rc are not
// assumed (a longer backward hides more of the sync, so recomputation costs time only up to rounding).
// Nothing else is assumed of the estimator: iteration times are compared as returned.
#include <cstdint>

#include "cellsched/estimate/concepts.hpp"

namespace cellsched {

/// How a Cell's GPUs are split among its stages (within each GPU type of a heterogeneous Cell).
enum class gpu_split_policy {
  /// The near-equal split (counts differ by at most one, larger stages first) and, when different, the
  /// most even split into powers of two (larger stages first; e.g. 16 GPUs on 3 stages: 6/5/5 and 8/4/4).
  /// Power-of-two stages keep dp a power of two, so a power-of-two batch always divides into replicas.
  balanced_pow2,
  balanced,  ///< only the near-equal split
  any        ///< every composition of the GPUs into S positive parts (slow for many stages)
};

/// Which per-stage (dp, tp) shapes are searched.
enum class stage_shape_policy {
  uniform,   ///< stages of the same GPU type and GPU count share one (dp, tp), as Megatron-LM launches
  per_stage  ///< every stage chooses its own (dp, tp) (Alpa/Crius-style meshes)
};

struct search_options {
  gpu_split_policy gpu_split = gpu_split_policy::balanced_pow2;
  stage_shape_policy shapes = stage_shape_policy::uniform;
  bool allow_tp_across_nodes = false;
  bool try_gpipe = true;      ///< also consider GPipe (1F1B is always considered)
  bool try_recompute = true;  ///< also consider full activation recomputation
  /// Only plans with full activation recomputation (a launcher that always recomputes, or stage times
  /// measured with recomputation, estimate/stage_calibration.hpp). Overrides try_recompute.
  bool require_recompute = false;
  bool try_zero1 = true;  ///< also consider ZeRO-1 when some stage has dp > 1
  // The options real runs set (Megatron-LM's flags), searched as plan dimensions when on. Off by default
  // so the scheduler's best-plan tables keep the paper's plan space; `cellsched plan` turns them on.
  bool try_selective_recompute = false;  ///< recomputation none / selective / full (with try_recompute)
  bool try_sequence_parallel = false;    ///< with and without sequence parallelism where some tp > 1
  bool try_overlap_grad_reduce = false;  ///< with and without --overlap-grad-reduce where some dp > 1
  /// Interleaved 1F1B with v > 1 model chunks per GPU, Megatron-LM's rules: every stage the same GPUs and
  /// tp, the transformer layers split evenly (embedding first, head last), layers per stage divisible by
  /// v, micro-batch count a multiple of the stage count; v runs over the divisors of layers per stage, at
  /// most max_virtual_stages (0: no cap).
  bool try_virtual_stages = false;
  int max_virtual_stages = 0;
  /// Every option above on: what `cellsched plan` searches.
  [[nodiscard]] static search_options real_runs() noexcept {
    search_options o;
    o.try_selective_recompute = o.try_sequence_parallel = o.try_overlap_grad_reduce = o.try_virtual_stages = true;
    return o;
  }
  /// Only plans Megatron-LM launches as they are: one GPU type, the same GPUs and the same (dp, tp) on every
  /// stage, 1F1B. The layer split stays the time-balanced one (Megatron-Core's
  /// --pipeline-model-parallel-layout takes any contiguous split). `cellsched plan` sets it unless
  /// --allow-nonuniform; off by default here, where the scheduler's Cells follow the paper's plan space.
  bool megatron_launchable = false;
  // Pruning on the estimator's declared guarantees (estimate/concepts.hpp). Each switch can only turn a
  // pruning off, never assume a guarantee the estimator did not declare; all on by default.
  bool prune_memory = true;            ///< P1/P3 on R-mem (search/cell_search.hpp)
  bool prune_recompute = true;         ///< P2 on R-rc: skip recomputation when the twin without it is feasible
  bool prune_gpipe = true;             ///< P2 on R-gp: skip GPipe when the 1F1B twin is feasible
  bool bound_micro_batches = true;     ///< P3/P4 on R-mb, R-lb, R-st, R-dp, R-mt: bound the micro-batch counts
  std::int64_t max_micro_batches = 0;  ///< 0 = up to G (micro-batches of one sample)
  /// Rounds of re-balancing the layer split on the estimator's per-stage times (0 = FLOP balance only).
  int balance_rounds = 1;
};

/// The guarantees the search prunes on: those the estimator declares and the options allow.
[[nodiscard]] inline estimator_guarantees pruning_guarantees(const estimator_guarantees& declared,
                                                             const search_options& o) noexcept {
  estimator_guarantees g;
  g.memory_monotone = declared.memory_monotone && o.prune_memory;
  g.recompute_never_faster = declared.recompute_never_faster && o.prune_recompute;
  g.gpipe_never_faster = declared.gpipe_never_faster && o.prune_gpipe;
  g.micro_batch_bounds = declared.micro_batch_bounds && o.bound_micro_batches;
  return g;
}

}  // namespace cellsched
