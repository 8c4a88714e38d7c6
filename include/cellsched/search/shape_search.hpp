#pragma once
// The pruned search over one mode of one shape class (GPU split + per-stage shapes) of a Cell: its
// micro-batch counts and variants, with the prunes P1-P4 whose correctness argument is in
// search/cell_search.hpp. search_cell() first probes every (shape class, mode) (layer balancing, P3),
// then runs them best-first.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/search/layer_balance.hpp"
#include "cellsched/search/options.hpp"
#include "cellsched/search/plan_order.hpp"
#include "cellsched/search/plan_space.hpp"
#include "cellsched/search/search_result.hpp"
#include "cellsched/search/shape_start.hpp"

namespace cellsched {

namespace search_detail {

/// Evaluation order inside a class: no recomputation, then selective, then full, and 1F1B before GPipe
/// (so P2 can fire); within those, ZeRO-1 off first when recomputation is off (that plan is usually timed
/// already by the layer balancing) and ZeRO-1 on first otherwise (the leanest variant first, so P1 can fire).
[[nodiscard]] inline std::vector<std::size_t> pruned_order(const std::vector<plan_variant>& vs) {
  std::vector<std::size_t> order;
  for (int rc = 0; rc <= 2; ++rc)
    for (int g = 0; g <= 1; ++g)
      for (int zi = 0; zi <= 1; ++zi) {
        const bool z = rc == 0 ? zi == 1 : zi == 0;
        for (std::size_t i = 0; i < vs.size(); ++i)
          if (vs[i].recompute == (rc == 2) && vs[i].selective == (rc == 1) &&
              (vs[i].schedule == pipeline_schedule::gpipe) == (g == 1) && vs[i].zero1 == z)
            order.push_back(i);
      }
  return order;
}

/// The leanest variants per recomputation setting (1F1B, ZeRO-1 when allowed): P3 probes these.
[[nodiscard]] inline std::vector<std::size_t> leanest_variants(const std::vector<plan_variant>& vs) {
  std::vector<std::size_t> lean;
  for (std::size_t i = 0; i < vs.size(); ++i) {
    bool leanest = vs[i].schedule == pipeline_schedule::one_f_one_b;
    for (std::size_t j = 0; j < vs.size() && leanest; ++j)
      leanest = !(j != i && vs[j].recompute == vs[i].recompute && at_most_as_hungry(vs[j], vs[i]) &&
                  !at_most_as_hungry(vs[i], vs[j]));
    if (leanest) lean.push_back(i);
  }
  return lean;
}

}  // namespace search_detail

template <estimator E>
class shape_search {
 public:
  /// What every shape search of one Cell shares: the inputs and the running best.
  struct context {
    const E& est;
    const model& m;
    const cell& c;
    std::int64_t global_batch;
    const search_options& o;
    estimator_guarantees prune;  ///< what the pruning may assume: declared by the estimator and allowed by o
    cell_search_result& best;
    bool any_fit = false;
    split_cache splits{};
  };

  /// Mode `mode` of shape class `sc`, whose start (split, modes) start_shape gave.
  shape_search(context& ctx, shape_class sc, std::shared_ptr<const shape_start> start, std::size_t mode)
      : ctx_(&ctx), sc_(std::move(sc)), start_(std::move(start)), mode_(mode) {
    sc_.micro_batch_counts = space().micro_batch_counts;
    const std::size_t nm = sc_.micro_batch_counts.size(), nv = space().variants.size();
    res_.assign(nm, std::vector<std::optional<estimate_result>>(nv));
    fates_.assign(nm, std::vector<fate>(nv, fate::open));
    point_.assign(nm, no_point);
    for (const auto& v : space().variants) zero1_used_[v.zero1 ? 1 : 0] = true;
  }

  /// P3: finds the first micro-batch count at which a leanest variant fits; raises the bound with what
  /// is known up to there.
  void probe() {
    const auto& ms = sc_.micro_batch_counts;
    const std::vector<std::size_t> lean = search_detail::leanest_variants(space().variants);
    const auto some_lean_fits = [&](std::size_t k) {
      for (std::size_t i : lean)
        if (eval(k, i).fits) return true;
      return false;
    };
    // The first count is tried first (often everything fits), then the last (often nothing does).
    std::size_t lo = 0, hi = ms.size();  // the answer lies in [lo, hi]; hi = none fits
    if (!some_lean_fits(0)) {
      lo = 1;
      if (lo < hi && some_lean_fits(hi - 1))
        hi = hi - 1;
      else
        lo = hi;
      while (lo < hi) {
        const std::size_t mid = lo + (hi - 1 - lo) / 2;
        if (some_lean_fits(mid))
          hi = mid;
        else
          lo = mid + 1;
      }
    }
    first_ = lo;
    for (std::size_t k = 0; k < first_; ++k) {
      for (auto& f : fates_[k])
        if (f == fate::open) f = fate::memory;
    }
  }

  /// Lower bound on the plans at the first count that may fit (P4; 0 when nothing is known).
  [[nodiscard]] double bound() const { return first_ < sc_.micro_batch_counts.size() ? bound_at(first_) : 0.0; }
  /// The fastest feasible plan of this shape class seen so far (+inf when none).
  [[nodiscard]] double best_seen_s() const noexcept { return best_seen_s_; }

  /// The micro-batch counts from the probe's first one upward, with P1, P2 and P4.
  void run() {
    const auto& ms = sc_.micro_batch_counts;
    const auto& vs = space().variants;
    const bool bounded = ctx_->prune.micro_batch_bounds;
    // Overlapped reduction: a longer backward hides more of the gradient sync, so with recomputation the
    // iteration is slower only up to rounding (the added backward time also leaves the exposed sync);
    // R-rc is not relied on there.
    const bool rc_prune = ctx_->prune.recompute_never_faster && !space().mode.overlap_grad_reduce;
    for (std::size_t k = first_; k < ms.size(); ++k) {
      if (bounded && ctx_->best.feasible && bound_at(k) > ctx_->best.best_estimate.iter_time_s) {
        for (auto& f : fates_[k])
          if (f == fate::open) f = fate::bound;
        continue;
      }
      for (std::size_t i : search_detail::pruned_order(vs)) {
        if (fates_[k][i] != fate::open) continue;
        bool skip = false;
        for (std::size_t j = 0; j < vs.size() && !skip; ++j) {
          if (!res_[k][j]) continue;
          if (res_[k][j]->feasible() &&
              no_slower_and_first(vs[j], vs[i], ctx_->prune.gpipe_never_faster, rc_prune)) {
            fates_[k][i] = fate::dominated;  // P2
            skip = true;
          } else if (ctx_->prune.memory_monotone && !res_[k][j]->fits && at_most_as_hungry(vs[j], vs[i])) {
            fates_[k][i] = fate::memory;  // P1
            skip = true;
          }
        }
        if (!skip) (void)eval(k, i);
      }
    }
  }

  /// Adds this shape class's per-plan outcomes to the statistics.
  void tally(search_stats& st) const {
    for (const auto& row : fates_)
      for (const fate f : row) {
        st.evaluated += f == fate::evaluated;
        st.pruned_memory += f == fate::memory;
        st.pruned_dominated += f == fate::dominated;
        st.pruned_bound += f == fate::bound;
      }
  }

 private:
  enum class fate : unsigned char { open, evaluated, memory, dominated, bound };

  [[nodiscard]] const mode_space& space() const { return start_->modes[mode_]; }

  const estimate_result& eval(std::size_t k, std::size_t i) {
    if (!res_[k][i]) {
      const plan_variant& v = space().variants[i];
      plan p = mode_plan(sc_, space(), ctx_->global_batch, sc_.micro_batch_counts[k], v);
      const bool is_base = space().mode.is_default() && !v.recompute && !v.selective && !v.zero1 &&
                           v.schedule == pipeline_schedule::one_f_one_b;
      if (is_base && sc_.micro_batch_counts[k] == start_->split.micro_batches && start_->split.estimate) {
        res_[k][i] = *start_->split.estimate;  // the balancing already timed this very plan
      } else {
        res_[k][i] = ctx_->est.estimate(ctx_->m, ctx_->c, p);
        ++ctx_->best.stats.estimator_calls;
      }
      fates_[k][i] = fate::evaluated;
      remember(k, i);
      const estimate_result& r = *res_[k][i];
      ctx_->any_fit = ctx_->any_fit || r.fits;
      if (r.feasible()) best_seen_s_ = std::min(best_seen_s_, r.iter_time_s);
      search_detail::offer(ctx_->best, p, estimate_result(r));
    }
    return *res_[k][i];
  }

  /// P4 at count index k2 (see search/cell_search.hpp): the largest bound any evaluated count k <= k2
  /// gives, over the stages b. With v virtual stages the stages before b count 1/v (the interleaved fill);
  /// with overlapped gradient reduction the gradient sync is not part of the bound.
  [[nodiscard]] double bound_at(std::size_t k2) const {
    const auto& ms = sc_.micro_batch_counts;
    const double inv_v = 1.0 / static_cast<double>(std::max(space().mode.virtual_stages, 1));
    const bool sync_bound = !space().mode.overlap_grad_reduce;
    const std::size_t stages = sc_.stage_gpus.size();
    double best = 0.0;
    for (std::size_t k = 0; k <= k2 && k < ms.size(); ++k) {
      if (point_[k] == no_point) continue;
      const estimate_result& u = *res_[k][point_[k]];
      const double mk = static_cast<double>(ms[k]);
      const double ratio = mk / static_cast<double>(ms[k2]);
      double fwd_before = 0.0, bwd_before = 0.0;
      for (std::size_t b = 0; b < stages; ++b) {
        const auto& st = u.stages[b];
        // Smallest gradient sync over the ZeRO-1 settings the variants use, once each was seen (R-dp).
        double dp = 0.0;
        if (!sync_bound)
          dp = 0.0;
        else if (dp_known_[0] && dp_known_[1])
          dp = std::min(dp_seen_[0][b], dp_seen_[1][b]);
        else if (dp_known_[0] && !zero1_used_[1])
          dp = dp_seen_[0][b];
        else if (dp_known_[1] && !zero1_used_[0])
          dp = dp_seen_[1][b];
        best = std::max(best, ratio * inv_v * fwd_before + mk * (st.fwd_s + st.bwd_s) +
                                  std::max(ratio * inv_v * bwd_before, dp));
        fwd_before += st.fwd_s;
        bwd_before += st.bwd_s;
      }
    }
    return best;
  }

  /// Keeps what P4 needs from an evaluated plan: per count, one estimate without recomputation (full or
  /// selective); per ZeRO-1 setting, the gradient-sync times.
  void remember(std::size_t k, std::size_t i) {
    const estimate_result& r = *res_[k][i];
    const plan_variant& v = space().variants[i];
    if (!r.infeasible_reason.empty() || r.stages.size() != sc_.stage_gpus.size()) return;
    if (!v.recompute && !v.selective && point_[k] == no_point) point_[k] = i;
    const int z = v.zero1 ? 1 : 0;
    if (!dp_known_[z]) {
      dp_known_[z] = true;
      for (const auto& st : r.stages) dp_seen_[z].push_back(st.dp_sync_s);
    }
  }

  context* ctx_;
  shape_class sc_;  ///< with the mode's micro-batch counts
  std::shared_ptr<const shape_start> start_;
  std::size_t mode_ = 0;
  std::vector<std::vector<std::optional<estimate_result>>> res_;
  std::vector<std::vector<fate>> fates_;
  std::size_t first_ = 0;
  static constexpr std::size_t no_point = static_cast<std::size_t>(-1);
  std::vector<std::size_t> point_;  ///< per count: a recomputation-off variant with usable stage times
  bool zero1_used_[2] = {false, false};
  bool dp_known_[2] = {false, false};
  std::vector<double> dp_seen_[2];  ///< per ZeRO-1 setting: dp_sync_s per stage (R-dp: any count will do)
  double best_seen_s_ = std::numeric_limits<double>::infinity();
};

}  // namespace cellsched
