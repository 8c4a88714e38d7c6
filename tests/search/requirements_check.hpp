#pragma once
// Checks that an estimator has the properties the pruned search relies on (search/options.hpp: R-mem,
// R-rc, R-gp, R-mb, R-lb, R-st, R-mt) on every shape class of a Cell, over all micro-batch counts.
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
  std::int64_t pairs = 0;      ///< variant pairs compared
  std::int64_t fit = 0;
  std::int64_t unfit = 0;
  std::int64_t mb_steps = 0;   ///< (m, m') steps checked
};

template <class E>
void check_requirements(const E& est, const cellsched::model& m, const cellsched::cell& c, std::int64_t batch,
                        bool gpipe_never_faster, std::mt19937_64& rng, requirement_counts& n) {
  using namespace cellsched;
  search_options o;
  o.gpu_split = gpu_split_policy::any;
  o.shapes = stage_shape_policy::per_stage;
  o.allow_tp_across_nodes = true;
  (void)for_each_shape_class(m, c, batch, o, [&](const shape_class& sc) {
    if (rng() % 3 != 0) return;
    const auto split = balance_layers(est, m, c, sc, batch, 1);
    if (split.end_layer.empty()) return;
    const auto vs = variants_of(sc, o);
    std::vector<std::vector<estimate_result>> rs;  // [micro-batch count][variant]
    for (std::int64_t mb : sc.micro_batch_counts) {
      rs.emplace_back();
      for (const auto& v : vs) {
        plan p = plan_for(sc, batch, mb, split.end_layer);
        apply_variant(p, v);
        rs.back().push_back(est.estimate(m, c, p));
        (rs.back().back().fits ? n.fit : n.unfit) += 1;
      }
    }
    const auto stage_time = [](const estimate_result& r, std::size_t s) { return r.stages[s].fwd_s + r.stages[s].bwd_s; };
    for (std::size_t k = 0; k < rs.size(); ++k) {
      const auto& row = rs[k];
      const double mk = static_cast<double>(sc.micro_batch_counts[k]);
      for (std::size_t i = 0; i < vs.size(); ++i) {
        if (!row[i].infeasible_reason.empty()) continue;
        double slowest = 0.0;
        for (std::size_t s = 0; s < row[i].stages.size(); ++s) slowest = std::max(slowest, stage_time(row[i], s));
        REQUIRE(row[i].iter_time_s >= mk * slowest * (1 - 1e-12));  // R-lb
        for (std::size_t j = 0; j < vs.size(); ++j) {
          ++n.pairs;
          if (at_most_as_hungry(vs[i], vs[j]) && row[j].fits) REQUIRE(row[i].fits);  // R-mem
          if (no_slower_and_first(vs[i], vs[j], gpipe_never_faster)) REQUIRE(row[j].iter_time_s >= row[i].iter_time_s);
          if (!row[j].infeasible_reason.empty()) continue;
          for (std::size_t s = 0; s < row[i].stages.size(); ++s) {  // R-st
            if (vs[i].recompute == vs[j].recompute) REQUIRE(stage_time(row[i], s) == Approx(stage_time(row[j], s)));
            if (!vs[i].recompute && vs[j].recompute) REQUIRE(stage_time(row[j], s) >= stage_time(row[i], s));
          }
        }
        if (k + 1 < rs.size() && rs[k + 1][i].infeasible_reason.empty()) {
          ++n.mb_steps;
          const auto& next = rs[k + 1][i];
          const double mk1 = static_cast<double>(sc.micro_batch_counts[k + 1]);
          if (row[i].fits) REQUIRE(next.fits);  // R-mb
          for (std::size_t s = 0; s < row[i].stages.size(); ++s)  // R-mt
            REQUIRE(mk1 * stage_time(next, s) >= mk * stage_time(row[i], s) * (1 - 1e-12));
        }
      }
    }
  });
}

}  // namespace toy
