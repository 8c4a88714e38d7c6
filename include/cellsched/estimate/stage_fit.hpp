#pragma once
// Fitting measured stage scales (stage_calibration.hpp) from single-stage training runs: the rows of a
// measurement table (vTrain's CSV layout, estimate/measurements.hpp) with one pipeline stage. For each such
// run the estimator's own figures for everything outside the stage (gradient synchronisation, optimizer,
// per-iteration overhead) are taken off the measured time, and what is left, divided by the modelled
// stage time of all micro-batches, is the run's scale; a shape's scale is the median over its runs.
// Multi-stage runs are not used: they are what the scales are meant to predict.
#include <cmath>
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/measurement_report.hpp"
#include "cellsched/estimate/measurements.hpp"
#include "cellsched/estimate/stage_calibration.hpp"

namespace cellsched {

struct stage_fit_result {
  stage_calibration calibration;
  std::size_t runs_used = 0;                                 ///< single-stage rows that gave a scale
  std::vector<std::pair<std::size_t, std::string>> skipped;  ///< (line, why) of single-stage rows not used
};

/// Scales from the single-stage rows of `rows` (measured under `setup`), modelled with `est`'s constants
/// and probe profiles (any stage calibration it carries is ignored). `source` names the runs in results.
[[nodiscard]] inline stage_fit_result fit_stage_calibration(analytic_estimator est,
                                                            const std::vector<measurement_row>& rows,
                                                            const measurement_setup& setup, std::string source) {
  est.set_stage_calibration({});
  std::map<stage_shape, std::vector<double>> runs;
  stage_fit_result out;
  for (const auto& r : rows) {
    if (r.pp != 1) continue;
    const measurement_case mc = make_measurement_case(r, setup);
    if (!mc.reason.empty()) {
      out.skipped.emplace_back(r.line, mc.reason);
      continue;
    }
    const estimate_result e = est.estimate(mc.m, mc.c, mc.p);
    if (!e.infeasible_reason.empty()) {
      out.skipped.emplace_back(r.line, e.infeasible_reason);
      continue;
    }
    const stage_estimate& st = e.stages.front();
    const double stage_s = static_cast<double>(mc.p.num_micro_batches) * (st.fwd_s + st.bwd_s);
    const double rest_s = e.iter_time_s - stage_s;
    const double factor = (r.iter_time_ms * 1e-3 - rest_s) / stage_s;
    if (!std::isfinite(factor) || factor <= 0.0 || factor > 1e6) {
      out.skipped.emplace_back(r.line,
                               "measured time leaves no positive stage time after the modelled "
                               "synchronisation, optimizer and per-iteration overhead");
      continue;
    }
    const gpu_type* g = est.catalog().find(mc.c.gpu_type);
    runs[stage_shape_of(mc.m, g ? g->name : mc.c.gpu_type, mc.p.stages.front(), mc.p)].push_back(factor);
    ++out.runs_used;
  }
  out.calibration = stage_calibration(std::move(source));
  for (auto& [shape, factors] : runs) out.calibration.set(shape, {quantile(factors, 0.5), factors.size()});
  return out;
}

/// Predictions of every row where the stage scales come only from the single-stage rows of the *other*
/// folds: `fold(row)` names a row's fold (e.g. its model), so no row is predicted from its own fold's runs.
/// This is how the accuracy benchmark measures the scales on data they were not fitted on.
template <class Fold>
[[nodiscard]] std::vector<measurement_prediction> predict_with_held_out_stage_scales(
    const analytic_estimator& est, const std::vector<measurement_row>& rows, const measurement_setup& setup, Fold fold,
    const std::string& source) {
  std::map<decltype(fold(rows.front())), std::vector<std::size_t>> folds;
  for (std::size_t i = 0; i < rows.size(); ++i) folds[fold(rows[i])].push_back(i);
  std::vector<measurement_prediction> out(rows.size());
  for (const auto& [key, members] : folds) {
    std::vector<measurement_row> train;
    for (const auto& r : rows)
      if (!(fold(r) == key)) train.push_back(r);
    analytic_estimator held = est;
    held.set_stage_calibration(fit_stage_calibration(est, train, setup, source).calibration);
    std::vector<measurement_row> test;
    for (const std::size_t i : members) test.push_back(rows[i]);
    const auto preds = predict_measurements(held, test, setup);
    for (std::size_t j = 0; j < members.size(); ++j) out[members[j]] = preds[j];
  }
  return out;
}

}  // namespace cellsched
