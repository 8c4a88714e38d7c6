#pragma once
// cellsched probe --cell: the targeted probe of one pipeline stage. Times every forward and backward GEMM
// that one GPU of the stage runs for a micro-batch (probe/stage_gemms.hpp: the estimator's own shapes)
// and prints it next to the estimator's prediction for the same GEMMs, per GEMM and for the stage.
// Reading the request needs no GPU and is compiled everywhere; measuring only in CUDA builds
// (CELLSCHED_WITH_PROBE).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <cellsched/estimate/analytic_params.hpp>
#include <cellsched/estimate/calibration.hpp>
#include <cellsched/estimate/compute.hpp>
#include <cellsched/hardware/catalog.hpp>
#include <cellsched/io/profile_json.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/probe/stage_gemms.hpp>
#include <cellsched/probe/sweep.hpp>

#include "args.hpp"
#include "probe_common.hpp"
#ifdef CELLSCHED_WITH_PROBE
#include "probe_api.hpp"
#endif

namespace cellsched::cli {

namespace probe_detail {

/// What the estimator assumes for GEMMs on `gpu` in `type`: the datasheet peak, achieved memory bandwidth
/// and efficiency curve, from the GPU type's profile when `profiles` has one, else the defaults of
/// analytic_params (the same choice analytic_estimator makes).
struct gemm_prediction_env {
  double peak_tflops = 0.0;
  double mem_bw_gb_per_s = 0.0;
  gemm_curve curve;
  std::string source = "analytic defaults";
};

[[nodiscard]] inline gemm_prediction_env prediction_env(const gpu_type& gpu, dtype type,
                                                        const std::optional<probe_profile>& profile) {
  const analytic_params defaults;
  gemm_prediction_env e;
  e.peak_tflops = gpu.peak_tflops(type);
  e.mem_bw_gb_per_s = gpu.mem_bw_gb_per_s * defaults.mem_bw_efficiency;
  e.curve = defaults.gemm;
  if (profile) {
    const gpu_calibration cal = calibrate(*profile, type, e.peak_tflops);
    if (cal.gemm) e.curve = *cal.gemm;
    if (cal.mem_bw_gb_per_s) e.mem_bw_gb_per_s = *cal.mem_bw_gb_per_s;
    e.source = "profile " + profile->source;
  }
  return e;
}

[[nodiscard]] inline dtype parse_dtype_flag(const std::string& s) {
  for (const dtype d : probe::gemm_sweep_dtypes)
    if (to_string(d) == s) return d;
  throw usage_error("--dtype expects bf16, fp16 or tf32, got '" + s + "'");
}

/// Layers [first, end) of stage `stage` when `num_layers` are split as evenly as possible over `pp`.
[[nodiscard]] inline stage_plan even_stage(int num_layers, int pp, int stage, int tp) {
  stage_plan s;
  s.first_layer = num_layers * stage / pp;
  s.end_layer = num_layers * (stage + 1) / pp;
  s.tp = tp;
  return s;
}

}  // namespace probe_detail

/// What --cell asks for, read and checked before any GPU is touched.
struct cell_probe_request {
  model mdl;
  plan p;  ///< one stage: the measured one
  int pp = 1;
  int stage = 0;
  bool recompute = false;
  dtype type = dtype::bf16;
};

[[nodiscard]] inline cell_probe_request parse_cell_request(const args& a) {
  using namespace probe_detail;
  cell_probe_request r;
  r.mdl = builtin_model_zoo().build(a.require("--model"));
  const int tp = static_cast<int>(a.get_int("--tp", 1, 1, 1024));
  r.pp = static_cast<int>(a.get_int("--pp", 1, 1, r.mdl.num_layers()));
  r.stage = static_cast<int>(a.get_int("--stage", 0, 0, r.pp - 1));
  r.recompute = a.has("--recompute");
  r.type = a.has("--dtype")                     ? parse_dtype_flag(a.get("--dtype"))
           : r.mdl.compute_dtype == dtype::fp32 ? dtype::tf32
                                                : r.mdl.compute_dtype;
  r.p.stages = {even_stage(r.mdl.num_layers(), r.pp, r.stage, tp)};
  r.p.micro_batch_samples = a.get_int("--micro-batch", 1, 1, 1 << 20);
  return r;
}

#ifdef CELLSCHED_WITH_PROBE
inline int run_cell_probe(const cell_probe_request& req, const args& a, const hardware_catalog& cat,
                          const probe::system_info& sys) {
  using namespace probe_detail;
  const model& mdl = req.mdl;
  const plan& p = req.p;
  const int tp = p.stages[0].tp;
  const std::int64_t mb = p.micro_batch_samples;
  const int stage = req.stage;
  const bool recompute = req.recompute;
  const dtype type = req.type;
  const probe::device_info& d0 = sys.devices.front();
  const gpu_type* gpu = cat.find(detected_gpu_type(cat, d0.name, d0.mem_bytes, a));

  const auto gemms = probe::stage_gemm_shapes(mdl, p, 0);
  if (gemms.empty()) throw std::runtime_error("stage " + std::to_string(stage) + " of " + mdl.name + " has no GEMMs");

  std::optional<probe_profile> profile;
  const std::string dir = a.get("--profiles", std::string(CELLSCHED_DEFAULT_DATA_DIR) + "/profiles");
  if (std::filesystem::is_directory(dir)) {
    const auto found = io::find_profiles(dir, &cat);
    if (auto it = found.find(gpu->name); it != found.end()) profile = it->second;
  }
  const gemm_prediction_env env = prediction_env(*gpu, type, profile);
  const auto predicted =
      probe::predicted_run_times_s(gemms, env.peak_tflops, env.mem_bw_gb_per_s, bytes_per_element(type), env.curve);

  const auto problems = probe::distinct_problems(gemms, type);
  std::cerr << "cellsched probe --cell: " << mdl.name << " layers [" << p.stages[0].first_layer << ", "
            << p.stages[0].end_layer << ") tp " << tp << ", " << mb << " samples per micro-batch, " << to_string(type)
            << " on " << d0.name << ": timing " << problems.size() << " GEMM shapes\n";
  const auto points = probe::measure_gemms(problems, d0.index, probe::repeats_for(probe::probe_mode::full));
  std::vector<double> measured;
  for (const auto& g : gemms)
    for (std::size_t i = 0; i < problems.size(); ++i)
      if (problems[i].m == g.m && problems[i].n == g.n && problems[i].k == g.k) measured.push_back(points[i].time_s);

  std::printf("%-14s %-10s %-10s %7s %7s %7s %8s %12s %12s %8s\n", "layer", "gemm", "pass", "m", "n", "k", "count",
              "measured_us", "predicted_us", "error_%");
  for (std::size_t i = 0; i < gemms.size(); ++i) {
    const auto& g = gemms[i];
    std::printf("%-14s %-10s %-10s %7lld %7lld %7lld %8.2f %12.2f %12.2f %8.1f\n", g.layer.c_str(), g.name.c_str(),
                probe::to_string(g.pass), static_cast<long long>(g.m), static_cast<long long>(g.n),
                static_cast<long long>(g.k), g.count(), measured[i] * 1e6, predicted[i] * 1e6,
                100.0 * (predicted[i] - measured[i]) / measured[i]);
  }
  const double t_meas = probe::stage_gemm_time_s(gemms, measured, recompute);
  const double t_pred = probe::stage_gemm_time_s(gemms, predicted, recompute);
  std::printf(
      "stage GEMM time per micro-batch (forward + backward%s): measured %.3f ms, predicted %.3f ms "
      "(%s), error %+.1f %%\n",
      recompute ? " + recomputed forward" : "", t_meas * 1e3, t_pred * 1e3, env.source.c_str(),
      100.0 * (t_pred - t_meas) / t_meas);
  return 0;
}
#endif

}  // namespace cellsched::cli
