#pragma once
// Checks that an estimator has the properties the pruned search relies on (search/options.hpp: R-mem,
// R-rc, R-gp, R-mb, R-lb, R-st, R-dp, R-mt) on every shape class of a Cell, over all micro-batch counts;
// with `real_runs`, in every mode (sequence parallelism, overlap, virtual stages) with selective
// recomputation among the variants, as search_options::real_runs() searches them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include <cellsched/search/layer_balance.hpp>
#include <cellsched/search/plan_order.hpp>
#include <cellsched/search/plan_space.hpp>
#include <cellsched/search/shape_start.hpp>

namespace toy {

struct requirement_counts {
  std::int64_t pairs = 0;  ///< variant pairs compared
  std::int64_t fit = 0;
  std::int64_t unfit = 0;
  std::int64_t mb_steps = 0;  ///< (m, m') steps checked
};

template <class E>
void check_requirements(const E& est, const cellsched::model& m, const cellsched::cell& c, std::int64_t batch,
                        std::mt19937_64& rng, requirement_counts& n, bool real_runs = false) {
  using namespace cellsched;
  const bool gpipe_never_faster = guarantees_of(est).gpipe_never_faster;  // checks what the estimator declares
  search_options o = real_runs ? search_options::real_runs() : search_options{};
  o.gpu_split = gpu_split_policy::any;
  o.shapes = stage_shape_policy::per_stage;
  o.allow_tp_across_nodes = true;
  (void)for_each_shape_class(m, c, batch, o, [&](const shape_class& sc) {
    if (rng() % 3 != 0) return;
    const auto split = balance_layers(est, m, c, sc, batch, 1);
    for (const mode_space& ms : modes_of(m, sc, o, split.end_layer)) {
    const auto& vs = ms.variants;
    const auto& counts = ms.micro_batch_counts;
    const double inv_v = 1.0 / ms.mode.virtual_stages;
    std::vector<std::vector<estimate_result>> rs;  // [micro-batch count][variant]
    for (std::int64_t mb : counts) {
      rs.emplace_back();
      for (const auto& v : vs) {
        rs.back().push_back(est.estimate(m, c, mode_plan(sc, ms, batch, mb, v)));
        (rs.back().back().fits ? n.fit : n.unfit) += 1;
      }
    }
    constexpr double slack = 1 - 1e-12;  // rounding
    for (std::size_t k = 0; k < rs.size(); ++k) {
      const auto& row = rs[k];
      const double mk = static_cast<double>(counts[k]);
      for (std::size_t i = 0; i < vs.size(); ++i) {
        if (!row[i].infeasible_reason.empty()) continue;
        double fwd_before = 0.0, bwd_before = 0.0;
        for (const auto& st : row[i].stages) {  // R-lb (the fill 1/v interleaved; no sync term overlapped)
          const double sync = ms.mode.overlap_grad_reduce ? 0.0 : st.dp_sync_s;
          REQUIRE(row[i].iter_time_s >=
                  (inv_v * fwd_before + mk * (st.fwd_s + st.bwd_s) + std::max(inv_v * bwd_before, sync)) * slack);
          fwd_before += st.fwd_s;
          bwd_before += st.bwd_s;
        }
        for (std::size_t j = 0; j < vs.size(); ++j) {
          ++n.pairs;
          if (at_most_as_hungry(vs[i], vs[j]) && row[j].fits) REQUIRE(row[i].fits);  // R-mem
          // R-rc and R-gp (R-rc is not relied on with overlapped reduction, search/shape_search.hpp)
          if (no_slower_and_first(vs[i], vs[j], gpipe_never_faster, !ms.mode.overlap_grad_reduce))
            REQUIRE(row[j].iter_time_s >= row[i].iter_time_s);
          if (!row[j].infeasible_reason.empty()) continue;
          for (std::size_t s = 0; s < row[i].stages.size(); ++s) {
            const auto &a = row[i].stages[s], &b = row[j].stages[s];
            if (vs[i].recompute == vs[j].recompute && vs[i].selective == vs[j].selective) {  // R-st
              REQUIRE(a.fwd_s == Approx(b.fwd_s));
              REQUIRE(a.bwd_s == Approx(b.bwd_s));
            }
            if (!vs[i].recompute && !vs[i].selective && (vs[j].recompute || vs[j].selective))
              REQUIRE((b.fwd_s >= a.fwd_s && b.bwd_s >= a.bwd_s));
            if (vs[i].zero1 == vs[j].zero1) REQUIRE(a.dp_sync_s == Approx(b.dp_sync_s));  // R-dp (same count)
          }
        }
        if (k + 1 < rs.size() && rs[k + 1][i].infeasible_reason.empty()) {
          ++n.mb_steps;
          const auto& next = rs[k + 1][i];
          const double mk1 = static_cast<double>(counts[k + 1]);
          if (row[i].fits) REQUIRE(next.fits);  // R-mb
          for (std::size_t s = 0; s < row[i].stages.size(); ++s) {
            const auto &a = row[i].stages[s], &b = next.stages[s];
            REQUIRE(mk1 * b.fwd_s >= mk * a.fwd_s * slack);  // R-mt
            REQUIRE(mk1 * b.bwd_s >= mk * a.bwd_s * slack);
            REQUIRE(b.dp_sync_s == Approx(a.dp_sync_s));  // R-dp (across counts)
          }
        }
      }
    }
    }
  });
}

}  // namespace toy
