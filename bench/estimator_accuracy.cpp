// Estimator accuracy against published measurements.
//  1. Every table in data/measurements/ (vTrain CSV layout): median / p90 / max absolute relative error
//     and ranking quality per (model, GPUs, global batch) group, on all rows and on the even- and
//     odd-line halves. With --refit, the fit behind the defaults is redone (joint_refit below: the
//     sustained GEMM share and six constants of the software stack (fit_params.hpp, default_fit), on the even lines of
//     all tables at once, each table weighted alike) and every table's held-out odd lines are reported. Then the same
//     with measured stage scales (stage_fit.hpp) fitted on single-stage runs and held out by model: every row is
//     predicted with scales from the single-stage runs of the other models only (folds: the model's layer count; and,
//     separately, its GPU count).
//  2. Best-plan predictions against the Arena artifact's best-plan times (data/perf/arena-profile-db.json,
//     another framework on other GPUs): the distribution of predicted / reference.
// Prints the figures and writes them as JSON (default <build dir>/estimator_accuracy.json, or --out).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/fit_params.hpp"
#include "cellsched/estimate/measurement_json.hpp"
#include "cellsched/estimate/measurement_report.hpp"
#include "cellsched/estimate/measurements.hpp"
#include "cellsched/estimate/stage_fit.hpp"
#include "cellsched/hardware/builtin_catalog.hpp"

#include "arena_best_plan.hpp"

namespace {

using namespace cellsched;
using nlohmann::json;

json summary_json(const measurement_summary& s) { return measurement_summary_json(s); }

void print_summary(const char* label, const measurement_summary& s) {
  const double g = s.groups.empty() ? 1.0 : static_cast<double>(s.groups.size());
  std::printf(
      "  %-26s rows %4zu  |err| median %5.2f %%  mean %5.2f %%  p90 %5.2f %%  max %6.2f %%  bias %+6.2f %%  "
      "groups %3zu: same best %5.1f %%, within 3 %% %5.1f %%, within 5 %% %5.1f %%\n",
      label, s.predicted_rows, 100 * s.median_abs_rel_error, 100 * s.mean_abs_rel_error, 100 * s.p90_abs_rel_error,
      100 * s.max_abs_rel_error, 100 * s.mean_rel_error, s.groups.size(),
      100.0 * static_cast<double>(s.groups_same_best) / g, 100.0 * static_cast<double>(s.groups_within_3pct) / g,
      100.0 * static_cast<double>(s.groups_within_5pct) / g);
}

json constants_json(const analytic_params& p) {
  const software_stack& sw = p.software;
  return {{"gemm_max_efficiency", p.gemm.max_efficiency},
          {"sustained_compute_fraction", p.sustained_compute_fraction},
          {"mem_bw_efficiency", p.mem_bw_efficiency},
          {"intra_link_efficiency", p.intra_link_efficiency},
          {"cpu_per_op_s", sw.cpu_per_op_s},
          {"gpu_per_op_s", sw.gpu_per_op_s},
          {"host_sync_s", sw.host_sync_s},
          {"device_sync_s", sw.device_sync_s},
          {"host_device_overlap", sw.host_device_overlap},
          {"optimizer_bytes_per_param", p.optimizer_bytes_per_param},
          {"iteration_overhead_s", sw.iteration_overhead_s},
          {"unfused_softmax_ops", sw.unfused_softmax_ops}};
}

json evaluate_table(const std::string& path, const hardware_catalog& catalog) {
  const auto rows = load_measurements_file(path);
  const measurement_setup setup;
  const auto even = [](std::size_t i) { return i % 2 == 0; };
  const auto odd = [](std::size_t i) { return i % 2 == 1; };
  json out = {{"table", std::filesystem::path(path).filename().string()}, {"rows", rows.size()}};

  const analytic_estimator est(catalog);
  const auto t0 = std::chrono::steady_clock::now();
  const auto preds = predict_measurements(est, rows, setup);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::size_t unrepresented = 0;
  for (const auto& p : preds) unrepresented += p.predicted() ? 0 : 1;
  std::printf("%s: %zu rows (%zu not representable), %.1f us per estimate\n", path.c_str(), rows.size(), unrepresented,
              1e6 * secs / static_cast<double>(std::max<std::size_t>(rows.size(), 1)));
  std::printf(" default constants (analytic_params.hpp):\n");
  const auto all = summarize_measurements(preds);
  print_summary("all rows", all);
  print_summary("even lines (fit half)", summarize_measurements(preds, even));
  print_summary("odd lines (held out)", summarize_measurements(preds, odd));
  // Small tables (the published multi-node Megatron-LM runs): every row, so a reader sees which miss.
  constexpr std::size_t per_row_limit = 40;
  if (rows.size() <= per_row_limit) {
    for (const auto& p : preds) {
      const auto& r = p.row;
      if (!p.predicted()) {
        std::printf("   line %2zu: not represented: %s\n", r.line, p.reason.c_str());
        continue;
      }
      std::printf(
          "   line %2zu: %5lld GPUs tp %lld pp %2lld dp %3lld v %lld mb %2lld %-9s measured %9.0f ms  predicted %9.0f "
          "ms  %+6.1f %%%s\n",
          r.line, static_cast<long long>(r.gpus), static_cast<long long>(r.tp), static_cast<long long>(r.pp),
          static_cast<long long>(r.dp), static_cast<long long>(std::max<std::int64_t>(r.virtual_stages, 1)),
          static_cast<long long>(r.micro_batch), r.recompute.empty() ? "full" : r.recompute.c_str(), p.measured_ms,
          p.predicted_ms, 100 * p.rel_error, p.fits_in_memory ? "" : "  (does not fit)");
    }
    out["rows_detail"] = measurement_rows_json(preds);
  }
  out["default"] = {{"all", summary_json(all)},
                    {"even", summary_json(summarize_measurements(preds, even))},
                    {"odd", summary_json(summarize_measurements(preds, odd))},
                    {"constants", constants_json(est.params())}};
  if (rows.size() > per_row_limit) {
    // Measured stage scales, held out: a row never sees the single-stage runs of its own fold.
    const std::string src = std::filesystem::path(path).filename().string();
    const auto by_model = predict_with_held_out_stage_scales(
        est, rows, setup, [](const measurement_row& r) { return r.layers; }, src);
    const auto by_gpus = predict_with_held_out_stage_scales(
        est, rows, setup, [](const measurement_row& r) { return r.gpus; }, src);
    const auto in_sample = predict_measurements(
        [&] {
          analytic_estimator e = est;
          e.set_stage_calibration(fit_stage_calibration(est, rows, setup, src).calibration);
          return e;
        }(),
        rows, setup);
    std::size_t scaled = 0;
    for (const auto& p : by_model) scaled += p.calibration.find("+stages:") != std::string::npos ? 1 : 0;
    std::printf(" stage scales from single-stage runs (stage_fit.hpp), %zu of %zu rows scaled:\n", scaled, rows.size());
    print_summary("held out by model", summarize_measurements(by_model));
    print_summary("held out by GPU count", summarize_measurements(by_gpus));
    print_summary("in sample (all runs)", summarize_measurements(in_sample));
    out["stage_scales"] = {{"held_out_by_model", summary_json(summarize_measurements(by_model))},
                           {"held_out_by_gpus", summary_json(summarize_measurements(by_gpus))},
                           {"in_sample", summary_json(summarize_measurements(in_sample))},
                           {"rows_scaled_held_out_by_model", scaled}};
  }
  return out;
}

/// The fit behind the defaults (analytic_params.hpp): the sustained share of GEMM throughput and six
/// constants of the default software stack (fit_params.hpp, default_fit), by least squares on the even lines of every
/// table at once, each table weighted alike (every error times 1/sqrt(its table's fitted rows)); every table's odd
/// lines are held out. Rows of another named stack share the fitted constants (fit_params.hpp).
json joint_refit(const std::vector<std::string>& paths, const hardware_catalog& catalog) {
  std::vector<measurement_row> rows;
  std::vector<measurement_case> cases;
  std::vector<std::size_t> table_of, index_in_table;
  std::vector<std::vector<measurement_row>> per_table;
  const measurement_setup setup;
  for (std::size_t t = 0; t < paths.size(); ++t) {
    per_table.push_back(load_measurements_file(paths[t]));
    for (std::size_t i = 0; i < per_table.back().size(); ++i) {
      rows.push_back(per_table.back()[i]);
      cases.push_back(make_measurement_case(rows.back(), setup));
      table_of.push_back(t);
      index_in_table.push_back(i);
    }
  }
  const auto fitted_half = [&](std::size_t i) { return index_in_table[i] % 2 == 0; };
  std::vector<double> fitted_rows(paths.size(), 0.0);
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (fitted_half(i) && cases[i].reason.empty()) fitted_rows[table_of[i]] += 1.0;
  const analytic_params fitted =
      fit_analytic_params(catalog, analytic_params{}, cases, rows, fitted_half, fitted_constants::default_fit(), 60,
                          [&](std::size_t i) { return 1.0 / std::sqrt(std::max(fitted_rows[table_of[i]], 1.0)); });
  const analytic_estimator est(catalog, fitted);
  std::printf("refit: the defaults' fit, on the even lines of all %zu tables at once (each table weighted alike):\n",
              paths.size());
  std::cout << "  constants: " << constants_json(fitted).dump() << "\n";
  json out = {{"constants", constants_json(fitted)}, {"tables", json::array()}};
  for (std::size_t t = 0; t < paths.size(); ++t) {
    const auto preds = predict_measurements(est, per_table[t], setup);
    const auto even = summarize_measurements(preds, [](std::size_t i) { return i % 2 == 0; });
    const auto odd = summarize_measurements(preds, [](std::size_t i) { return i % 2 == 1; });
    std::printf(" %s\n", std::filesystem::path(paths[t]).filename().string().c_str());
    print_summary("all rows", summarize_measurements(preds));
    print_summary("even lines (fitted)", even);
    print_summary("odd lines (held out)", odd);
    out["tables"].push_back({{"table", std::filesystem::path(paths[t]).filename().string()},
                             {"all", summary_json(summarize_measurements(preds))},
                             {"even", summary_json(even)},
                             {"odd", summary_json(odd)}});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = CELLSCHED_DATA_DIR;
  std::string out_path = std::string(CELLSCHED_BENCH_OUT_DIR) + "/estimator_accuracy.json";
  bool refit = false, arena = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--refit") {
      refit = true;
    } else if (a == "--no-arena") {
      arena = false;
    } else if ((a == "--out" || a == "--data-dir") && i + 1 < argc) {
      (a == "--out" ? out_path : data_dir) = argv[++i];
    } else {
      std::cerr << "usage: estimator_accuracy [--refit] [--no-arena] [--data-dir DIR] [--out FILE.json]\n";
      return 2;
    }
  }
  try {
    const hardware_catalog catalog = builtin_catalog();
    json doc = {{"kind", "bench_estimator_accuracy"}, {"tables", json::array()}};
    std::vector<std::string> tables;
    for (const auto& e : std::filesystem::directory_iterator(data_dir + "/measurements"))
      if (e.path().extension() == ".csv") tables.push_back(e.path().string());
    std::sort(tables.begin(), tables.end());
    for (const auto& t : tables) doc["tables"].push_back(evaluate_table(t, catalog));
    if (refit) doc["refit"] = joint_refit(tables, catalog);
    if (arena) doc["arena"] = cellsched::bench::compare_with_arena(data_dir + "/perf/arena-profile-db.json", catalog);
    std::ofstream f(out_path);
    if (!f) throw input_error(out_path, "", "a writable output file");
    f << doc.dump(2) << "\n";
    std::cout << "wrote " << out_path << "\n";
  } catch (const std::exception& e) {
    std::cerr << "estimator_accuracy: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
