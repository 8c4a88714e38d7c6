#pragma once
// Deterministic ranking of candidate plans, the per-class "variants" (schedule, recomputation none /
// selective / full, ZeRO-1) and the "modes" (sequence parallelism, overlapped gradient reduction,
// interleaved virtual stages) a variant runs in. Candidates are ordered by iteration time, then by a fixed
// key over every plan field, so the best plan is unique and the same whatever order the candidates were
// evaluated in.
#include <cstddef>
#include <tuple>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/result.hpp"
#include "cellsched/search/options.hpp"

namespace cellsched {

/// Tie-break key: full recomputation off first, selective off first, ZeRO-1 off first, 1F1B first, fewer
/// micro-batches first, then sequence parallelism, overlapped gradient reduction off first and fewer
/// virtual stages, then stage by stage fewer GPUs, lower tp, earlier end layer. Lexicographic over every
/// field, so two different plans never compare equal.
[[nodiscard]] inline bool plan_key_less(const plan& a, const plan& b) {
  const auto head = [](const plan& p) {
    return std::make_tuple(p.recompute, p.selective_recompute && !p.recompute, p.zero1,
                           p.schedule == pipeline_schedule::gpipe, p.num_micro_batches, p.micro_batch_samples,
                           p.stages.size(), p.sequence_parallel, p.overlap_grad_reduce, p.virtual_stages);
  };
  if (head(a) != head(b)) return head(a) < head(b);
  for (std::size_t s = 0; s < a.stages.size(); ++s) {
    const auto& x = a.stages[s];
    const auto& y = b.stages[s];
    const auto kx = std::make_tuple(x.gpus(), x.tp, x.first_layer, x.end_layer);
    const auto ky = std::make_tuple(y.gpus(), y.tp, y.first_layer, y.end_layer);
    if (kx != ky) return kx < ky;
  }
  return false;
}

/// Strict total order on (iteration time, plan): the search returns the minimum.
[[nodiscard]] inline bool better_candidate(double time_a, const plan& a, double time_b, const plan& b) {
  if (time_a != time_b) return time_a < time_b;
  return plan_key_less(a, b);
}

/// One schedule / recomputation / ZeRO-1 choice. Recomputation is none, selective (`selective`) or full
/// (`recompute`), never both flags.
struct plan_variant {
  pipeline_schedule schedule = pipeline_schedule::one_f_one_b;
  bool recompute = false;
  bool zero1 = false;
  bool selective = false;
};

/// The plan options searched around the variants: each mode is searched as a sub-space of its own (the
/// prunes compare variants of one mode only). Default: what Megatron-LM does without the flags.
struct plan_mode {
  bool sequence_parallel = false;
  bool overlap_grad_reduce = false;
  int virtual_stages = 1;
  [[nodiscard]] bool is_default() const noexcept {
    return !sequence_parallel && !overlap_grad_reduce && virtual_stages == 1;
  }
};

/// u needs no more memory than v under requirement R-mem (search/options.hpp): the same recomputation
/// setting, ZeRO-1 whenever v has it, and 1F1B unless v runs GPipe.
[[nodiscard]] inline bool at_most_as_hungry(const plan_variant& u, const plan_variant& v) noexcept {
  return u.recompute == v.recompute && u.selective == v.selective && (u.zero1 || !v.zero1) &&
         (u.schedule == pipeline_schedule::one_f_one_b || v.schedule == pipeline_schedule::gpipe);
}

/// u (a different variant) is never slower than v and precedes v in the plan key on equal time, under
/// R-rc when `recompute_never_faster` and R-gp when `gpipe_never_faster`: u only turns recomputation off
/// and/or runs 1F1B where v runs GPipe, with the same ZeRO-1 setting. (Chaining through the intermediate
/// variant: each step keeps or lowers the time, and the key ranks recomputation, then the schedule,
/// off/1F1B first.)
[[nodiscard]] inline bool no_slower_and_first(const plan_variant& u, const plan_variant& v, bool gpipe_never_faster,
                                              bool recompute_never_faster = true) noexcept {
  const bool same =
      u.recompute == v.recompute && u.schedule == v.schedule && u.zero1 == v.zero1 && u.selective == v.selective;
  const bool schedule_ok =
      u.schedule == v.schedule || (gpipe_never_faster && u.schedule == pipeline_schedule::one_f_one_b);
  const bool recompute_ok = recompute_never_faster ? !u.recompute || v.recompute : u.recompute == v.recompute;
  return !same && u.zero1 == v.zero1 && u.selective == v.selective && recompute_ok && schedule_ok;
}

/// The variants a class allows, in key order (so the exhaustive search visits them as ranked). Selective
/// recomputation only with try_selective_recompute and never under require_recompute (full) or
/// try_recompute = false (none at all); GPipe neither for Megatron-launchable plans nor with interleaving.
[[nodiscard]] inline std::vector<plan_variant> variants_for(const search_options& o, int stages, bool any_dp,
                                                            int virtual_stages = 1) {
  std::vector<plan_variant> out;
  const bool none = !o.require_recompute;
  const bool selective = o.try_selective_recompute && o.try_recompute && !o.require_recompute;
  const bool full = o.try_recompute || o.require_recompute;
  const bool gpipe = o.try_gpipe && !o.megatron_launchable && stages > 1 && virtual_stages == 1;
  for (int rc = 0; rc < 3; ++rc) {  // none, selective, full
    if (!(rc == 0 ? none : rc == 1 ? selective : full)) continue;
    for (int z = 0; z <= (o.try_zero1 && any_dp ? 1 : 0); ++z)
      for (int g = 0; g <= (gpipe ? 1 : 0); ++g)
        out.push_back({g ? pipeline_schedule::gpipe : pipeline_schedule::one_f_one_b, rc == 2, z != 0, rc == 1});
  }
  return out;
}

inline void apply_variant(plan& p, const plan_variant& v) noexcept {
  p.schedule = v.schedule;
  p.recompute = v.recompute;
  p.zero1 = v.zero1;
  p.selective_recompute = v.selective;
}

inline void apply_mode(plan& p, const plan_mode& m) noexcept {
  p.sequence_parallel = m.sequence_parallel;
  p.overlap_grad_reduce = m.overlap_grad_reduce;
  p.virtual_stages = m.virtual_stages;
}

}  // namespace cellsched
