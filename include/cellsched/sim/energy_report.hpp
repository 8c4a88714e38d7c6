#pragma once
// Energy and cost figures of a run (docs/energy-cost.md) and their text, JSON and CSV forms. Per sample
// figures divide by the samples the run trained: the sum over rounds of cluster throughput x round
// length (re-tuning discounts included, as the throughput series has them). The table is
// format_energy_table in sim/report.hpp.
#include <algorithm>
#include <concepts>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/sim/sim_types.hpp"

namespace cellsched::sim {

struct energy_metrics {
  std::string policy;
  double samples = 0.0;             ///< trained over the run
  double energy_kwh = 0.0;          ///< the cluster's, idle GPUs included
  double job_energy_kwh = 0.0;      ///< GPUs while held by jobs
  double cost_usd = 0.0;            ///< GPU-hours held by jobs x price
  double job_energy_j_per_sample = 0.0;
  double energy_j_per_sample = 0.0;  ///< the cluster's energy per sample
  double usd_per_million_samples = 0.0;
  double mean_power_w = 0.0;
  double peak_power_w = 0.0;
  double power_budget_w = 0.0;
  std::size_t power_budget_violations = 0;
  bool energy_complete = true;  ///< every GPU type had tdp_w
  bool cost_complete = true;    ///< every GPU type jobs held had a price
};

[[nodiscard]] inline energy_metrics compute_energy_metrics(const sim_run& run) {
  energy_metrics m;
  m.policy = run.policy;
  for (double t : run.throughput) m.samples += t * run.round_s;
  m.energy_kwh = run.energy_j / 3.6e6;
  m.job_energy_kwh = run.job_energy_j / 3.6e6;
  m.cost_usd = run.cost_usd;
  if (m.samples > 0.0) {
    m.job_energy_j_per_sample = run.job_energy_j / m.samples;
    m.energy_j_per_sample = run.energy_j / m.samples;
    m.usd_per_million_samples = run.cost_usd / m.samples * 1e6;
  }
  for (double w : run.power_w) {
    m.mean_power_w += w;
    m.peak_power_w = std::max(m.peak_power_w, w);
  }
  if (!run.power_w.empty()) m.mean_power_w /= static_cast<double>(run.power_w.size());
  m.power_budget_w = run.power_budget_w;
  m.power_budget_violations = run.power_budget_violations;
  m.energy_complete = run.unpowered_types.empty();
  m.cost_complete = run.unpriced_types.empty();
  return m;
}

namespace energy_report_detail {
[[nodiscard]] inline std::string num(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
/// "a, b, c".
[[nodiscard]] inline std::string list(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out.append(out.empty() ? "" : ", ").append(s);
  return out;
}
}  // namespace energy_report_detail

/// The "energy" object of a policy in the results JSON (docs/formats/results.md).
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json energy_json(const sim_run& r) {
  const energy_metrics m = compute_energy_metrics(r);
  Json j;
  j["samples"] = m.samples;
  j["energy_kwh"] = m.energy_complete ? Json(m.energy_kwh) : Json(nullptr);
  j["job_energy_kwh"] = m.energy_complete ? Json(m.job_energy_kwh) : Json(nullptr);
  j["job_energy_j_per_sample"] = m.energy_complete ? Json(m.job_energy_j_per_sample) : Json(nullptr);
  j["energy_j_per_sample"] = m.energy_complete ? Json(m.energy_j_per_sample) : Json(nullptr);
  j["cost_usd"] = m.cost_complete ? Json(m.cost_usd) : Json(nullptr);
  j["usd_per_million_samples"] = m.cost_complete ? Json(m.usd_per_million_samples) : Json(nullptr);
  j["mean_power_w"] = m.mean_power_w;
  j["peak_power_w"] = m.peak_power_w;
  j["power_budget_w"] = m.power_budget_w > 0 ? Json(m.power_budget_w) : Json(nullptr);
  j["power_budget_violations"] = m.power_budget_violations;
  j["first_power_violations"] = r.first_power_violations;
  j["unpowered_gpu_types"] = r.unpowered_types;
  j["unpriced_gpu_types"] = r.unpriced_types;
  return j;
}

/// Columns appended to the per-policy CSV row (results_csv), header first.
[[nodiscard]] inline std::string energy_csv_header() {
  return "energy_kwh,job_energy_kwh,job_energy_j_per_sample,cost_usd,usd_per_million_samples,mean_power_w,"
         "peak_power_w,power_budget_w,power_budget_violations";
}
[[nodiscard]] inline std::string energy_csv_fields(const sim_run& r) {
  using energy_report_detail::num;
  const energy_metrics m = compute_energy_metrics(r);
  std::string out;
  out.append(m.energy_complete ? num("%.3f", m.energy_kwh) : "").append(",");
  out.append(m.energy_complete ? num("%.3f", m.job_energy_kwh) : "").append(",");
  out.append(m.energy_complete ? num("%.3f", m.job_energy_j_per_sample) : "").append(",");
  out.append(m.cost_complete ? num("%.3f", m.cost_usd) : "").append(",");
  out.append(m.cost_complete ? num("%.4f", m.usd_per_million_samples) : "").append(",");
  out.append(num("%.1f", m.mean_power_w)).append(",").append(num("%.1f", m.peak_power_w)).append(",");
  out.append(m.power_budget_w > 0 ? num("%.1f", m.power_budget_w) : "").append(",");
  out.append(std::to_string(m.power_budget_violations));
  return out;
}

}  // namespace cellsched::sim
