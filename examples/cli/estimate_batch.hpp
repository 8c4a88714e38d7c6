#pragma once
// `cellsched estimate --measurements FILE.csv`: predicts every row of a published measurement table and
// prints predicted vs measured, the relative error, then the accuracy summary; --json writes the same.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/measurement_json.hpp"
#include "cellsched/estimate/measurement_report.hpp"
#include "cellsched/estimate/measurements.hpp"
#include "cellsched/error.hpp"

namespace cellsched::cli {

inline void print_measurement_summary(std::ostream& out, const measurement_summary& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "rows %zu, predicted %zu; |error| median %.2f %%, p90 %.2f %%, max %.2f %%\n", s.rows,
                s.predicted_rows, 100 * s.median_abs_rel_error, 100 * s.p90_abs_rel_error, 100 * s.max_abs_rel_error);
  out << buf;
  const double n = s.groups.empty() ? 1.0 : static_cast<double>(s.groups.size());
  std::snprintf(buf, sizeof buf,
                "groups (model, GPUs, global batch) %zu: predicted best = measured best in %zu (%.1f %%), "
                "within 3 %% of the measured best in %zu (%.1f %%), within 5 %% in %zu (%.1f %%)\n",
                s.groups.size(), s.groups_same_best, 100.0 * static_cast<double>(s.groups_same_best) / n,
                s.groups_within_3pct, 100.0 * static_cast<double>(s.groups_within_3pct) / n, s.groups_within_5pct,
                100.0 * static_cast<double>(s.groups_within_5pct) / n);
  out << buf;
}

/// Runs batch mode; returns the exit status.
inline int run_estimate_batch(const std::string& csv_path, const analytic_estimator& est,
                              const measurement_setup& setup, const std::string& json_out) {
  const auto rows = load_measurements_file(csv_path);
  const auto preds = predict_measurements(est, rows, setup);
  std::printf("%6s %-22s %5s %6s %3s %3s %3s %3s %12s %12s %8s %s\n", "line", "model", "gpus", "batch", "mb", "tp",
              "dp", "pp", "measured_ms", "predicted_ms", "error", "fits");
  for (const auto& p : preds) {
    const auto& r = p.row;
    const std::string name = "h" + std::to_string(r.hidden) + "-l" + std::to_string(r.layers) + "-a" +
                             std::to_string(r.heads) + "-s" + std::to_string(r.seq_len);
    if (p.predicted())
      std::printf("%6zu %-22s %5lld %6lld %3lld %3lld %3lld %3lld %12.2f %12.2f %+7.2f%% %s\n", r.line, name.c_str(),
                  static_cast<long long>(r.gpus), static_cast<long long>(r.global_batch),
                  static_cast<long long>(r.micro_batch), static_cast<long long>(r.tp), static_cast<long long>(r.dp),
                  static_cast<long long>(r.pp), p.measured_ms, p.predicted_ms, 100 * p.rel_error,
                  p.fits_in_memory ? "yes" : "no");
    else
      std::printf("%6zu %-22s %5lld %6lld %3lld %3lld %3lld %3lld %12.2f %12s not estimated: %s\n", r.line,
                  name.c_str(), static_cast<long long>(r.gpus), static_cast<long long>(r.global_batch),
                  static_cast<long long>(r.micro_batch), static_cast<long long>(r.tp), static_cast<long long>(r.dp),
                  static_cast<long long>(r.pp), p.measured_ms, "-", p.reason.c_str());
  }
  const measurement_summary s = summarize_measurements(preds);
  print_measurement_summary(std::cout, s);
  if (!json_out.empty()) {
    const nlohmann::json doc = {
        {"kind", "estimate_measurements"},
        {"source", csv_path},
        {"gpu_type", setup.gpu_type},
        {"calibration",
         preds.empty() || preds.front().calibration.empty() ? std::string("analytic") : preds.front().calibration},
        {"rows", measurement_rows_json(preds)},
        {"summary", measurement_summary_json(s, &preds)}};
    std::ofstream f(json_out);
    if (!f) throw input_error(json_out, "", "a writable output file");
    f << doc.dump(2) << "\n";
  }
  return 0;
}

}  // namespace cellsched::cli
