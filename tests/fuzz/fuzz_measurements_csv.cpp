// vTrain-style measurement tables: parse_measurements_csv on any bytes gives rows or input_error, and
// every accepted row holds positive counts and a positive finite iteration time. The accepted rows then go
// through batch-mode prediction and the stage-scale fit (the first few, to keep the fuzzer fast): every row
// is predicted or carries a reason, and every fitted scale is positive and finite.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "cellsched/estimate/measurement_report.hpp"
#include "cellsched/estimate/measurements.hpp"
#include "cellsched/estimate/stage_fit.hpp"
#include "cellsched/hardware/builtin_catalog.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto rows = fuzz::value_or_rejected([&] { return parse_measurements_csv(text, "fuzz"); });
  if (!rows) return 0;
  for (const measurement_row& r : *rows) {
    const bool counts_ok = r.gpus > 0 && r.global_batch > 0 && r.micro_batch > 0 && r.hidden > 0 && r.heads > 0 &&
                           r.layers > 0 && r.seq_len > 0 && r.tp > 0 && r.dp > 0 && r.pp > 0;
    if (!counts_ok || !(r.iter_time_ms > 0.0) || !std::isfinite(r.iter_time_ms) || r.params_billion < 0.0 ||
        r.line == 0)
      fuzz::fail("an accepted row with a non-positive figure on line " + std::to_string(r.line));
  }
  static const analytic_estimator est(builtin_catalog());
  const std::vector<measurement_row> some(rows->begin(),
                                          rows->begin() + std::min<std::ptrdiff_t>(8, std::ssize(*rows)));
  for (const auto& p : predict_measurements(est, some))
    if (p.predicted() ? !(p.predicted_ms > 0.0) || !std::isfinite(p.predicted_ms) : p.reason.empty())
      fuzz::fail("row on line " + std::to_string(p.row.line) + " neither predicted nor given a reason");
  const stage_fit_result fit = fit_stage_calibration(est, some, {}, "fuzz");
  for (const auto& [shape, scale] : fit.calibration.scales())
    if (!(scale.factor > 0.0) || !std::isfinite(scale.factor)) fuzz::fail("a non-positive stage scale");
  return 0;
}
