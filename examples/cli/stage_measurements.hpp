#pragma once
// Estimator options shared by `cellsched estimate` and `cellsched plan`: --software NAME (the software
// stack, estimate/software_stack.hpp) and --stage-measurements FILE.csv [--stage-gpu-type TYPE] (measured
// stage scales, estimate/stage_fit.hpp, fitted from the file's single-stage runs).
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>

#include "args.hpp"
#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/measurement_report.hpp"
#include "cellsched/estimate/measurements.hpp"
#include "cellsched/estimate/stage_fit.hpp"
#include "cellsched/error.hpp"

namespace cellsched::cli {

/// The options' help, printed after the usage of the commands that take them.
inline const char* stage_measurements_help =
    "--stage-measurements FILE.csv: training runs in the batch-mode CSV layout; their single-stage rows\n"
    "(pp = 1) give measured stage scales per (hidden, heads, sequence, tp, micro-batch) shape, which\n"
    "replace the analytic stage time for stages of those shapes (docs/estimator.md). --stage-gpu-type TYPE:\n"
    "the GPU type they were measured on (default a100-80gb; in estimate's batch mode, --gpu-type).\n";

inline const char* software_help =
    "--software NAME: the software stack the job runs on (docs/estimator.md, \"software stacks\"):\n"
    "  megatron-lm (default; Megatron-LM 2022 or later, asynchronous tensor-parallel backward all-reduce)\n"
    "  megatron-lm-2021 (Megatron-LM 2020 to mid-2021: backward all-reduces in line).\n";

/// The estimator's constants with the --software stack (default: the default stack).
[[nodiscard]] inline analytic_params params_from_args(const args& a) {
  analytic_params p;
  if (a.has("--software")) {
    const software_stack* s = find_software_stack(a.get("--software"));
    if (!s) throw usage_error("--software: expected " + software_stack_names() + ", got '" + a.get("--software") + "'");
    p.software = *s;
  }
  return p;
}

/// Fits stage scales from --stage-measurements (if given) into `est`; the runs were measured on `gpu`.
inline void apply_stage_measurements(const args& a, analytic_estimator& est, const std::string& gpu) {
  if (!a.has("--stage-measurements")) return;
  measurement_setup setup;
  const gpu_type* g = est.catalog().find(gpu);
  if (!g) throw usage_error("unknown GPU type '" + gpu + "' for --stage-measurements");
  setup.gpu_type = g->name;
  const std::string path = a.get("--stage-measurements");
  stage_fit_result fit =
      fit_stage_calibration(est, load_measurements_file(path), setup, std::filesystem::path(path).filename().string());
  if (fit.calibration.empty())
    throw input_error(path, "", "at least one usable single-stage run (pipeline parallelism 1)");
  std::fprintf(stderr, "stage scales: %zu shapes from %zu single-stage runs of %s on %s (%zu not usable)\n",
               fit.calibration.size(), fit.runs_used, path.c_str(), setup.gpu_type.c_str(), fit.skipped.size());
  est.set_stage_calibration(std::move(fit.calibration));
}

/// The GPU type the stage runs were measured on: --stage-gpu-type, or a100-80gb (vTrain's).
[[nodiscard]] inline std::string stage_gpu_type(const args& a) {
  if (a.has("--stage-gpu-type") && !a.has("--stage-measurements"))
    throw usage_error("--stage-gpu-type needs --stage-measurements");
  return a.get("--stage-gpu-type", measurement_setup{}.gpu_type);
}

}  // namespace cellsched::cli
