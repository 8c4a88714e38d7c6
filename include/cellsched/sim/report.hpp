#pragma once
// Reports of simulation runs: a comparison table for the terminal, JSON (every metric, the per-round
// series, every job's outcome) and CSV (one row per policy), and the per-job results (CSV or JSON: id,
// model, times, allocations with their rounds, preemptions, why it did not finish, energy and cost;
// sim/energy_report.hpp has the energy and cost table). Functions build
// text; the caller decides where it goes.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/sim/energy_report.hpp"
#include "cellsched/sim/metrics.hpp"
#include "cellsched/sim/reference_results.hpp"
#include "cellsched/sim/sim_types.hpp"

namespace cellsched::sim {

namespace report_detail {
[[nodiscard]] inline std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
[[nodiscard]] inline std::string pad(const std::string& s, std::size_t w, bool left = false) {
  if (s.size() >= w) return s;
  return left ? s + std::string(w - s.size(), ' ') : std::string(w - s.size(), ' ') + s;
}
/// Milliseconds with precision that keeps small values visible: 0.042, 3.21, 42.7, 325.
[[nodiscard]] inline std::string ms_text(double ms) {
  return fmt(ms < 10.0 ? "%.2f" : ms < 100.0 ? "%.1f" : "%.0f", ms);
}
[[nodiscard]] inline std::string rows(const std::vector<std::vector<std::string>>& cells) {
  std::vector<std::size_t> width;
  for (const auto& row : cells)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  std::string out;
  for (std::size_t r = 0; r < cells.size(); ++r) {
    for (std::size_t c = 0; c < cells[r].size(); ++c) out += (c ? "  " : "") + pad(cells[r][c], width[c], c == 0);
    out += '\n';
    if (r == 0) {
      std::size_t total = 0;
      for (auto w : width) total += w + 2;
      out += std::string(total > 2 ? total - 2 : 0, '-') + '\n';
    }
  }
  return out;
}
}  // namespace report_detail

/// The comparison table: one row per policy.
[[nodiscard]] inline std::string format_table(const std::vector<run_metrics>& ms) {
  using report_detail::fmt;
  using report_detail::ms_text;
  std::vector<std::vector<std::string>> cells = {{"policy", "finished", "dropped", "unfinished", "avg JCT s",
                                                  "padded JCT s", "queue s", "thr avg", "thr peak", "GPU util",
                                                  "decide ms p50/p99/max", "wall s"}};
  for (const auto& m : ms) {
    cells.push_back({m.policy, std::to_string(m.finished) + "/" + std::to_string(m.submitted),
                     std::to_string(m.dropped), std::to_string(m.running + m.pending), fmt("%.0f", m.avg_jct_s),
                     m.padded_avg_jct_s ? fmt("%.0f", *m.padded_avg_jct_s) : "-", fmt("%.0f", m.avg_queue_s),
                     fmt("%.1f", m.avg_throughput), fmt("%.1f", m.peak_throughput),
                     fmt("%.1f%%", 100.0 * m.gpu_utilisation),
                     ms_text(m.decision_ms_median) + "/" + ms_text(m.decision_ms_p99) + "/" +
                         ms_text(m.decision_ms_max),
                     fmt("%.1f", m.wall_s)});
  }
  return report_detail::rows(cells);
}

/// The energy and cost table: one row per run, then a line for every run whose figures are incomplete
/// (a GPU type without board power or without a price) or that exceeded its power budget.
[[nodiscard]] inline std::string format_energy_table(const std::vector<sim_run>& runs) {
  using report_detail::fmt;
  std::vector<std::vector<std::string>> cells = {{"policy", "energy kWh", "jobs kWh", "J/sample (jobs)",
                                                  "cost USD", "USD/1M samples", "mean kW", "peak kW", "budget kW"}};
  std::string notes;
  for (const auto& r : runs) {
    const energy_metrics m = compute_energy_metrics(r);
    const std::string na = "n/a";
    cells.push_back({m.policy, m.energy_complete ? fmt("%.1f", m.energy_kwh) : na,
                     m.energy_complete ? fmt("%.1f", m.job_energy_kwh) : na,
                     m.energy_complete ? fmt("%.1f", m.job_energy_j_per_sample) : na,
                     m.cost_complete ? fmt("%.2f", m.cost_usd) : na,
                     m.cost_complete ? fmt("%.2f", m.usd_per_million_samples) : na, fmt("%.1f", m.mean_power_w / 1e3),
                     fmt("%.1f", m.peak_power_w / 1e3),
                     m.power_budget_w > 0 ? fmt("%.1f", m.power_budget_w / 1e3) : "-"});
    if (!r.unpowered_types.empty())
      notes += "  " + r.policy + ": no board power (tdp_w) for " + energy_report_detail::list(r.unpowered_types) +
               "; energy not computed\n";
    if (!r.unpriced_types.empty())
      notes += "  " + r.policy + ": no price for " + energy_report_detail::list(r.unpriced_types) +
               " (give --prices or a cluster \"prices\" entry); cost not computed\n";
    if (r.power_budget_violations > 0) {
      notes.append("  ").append(r.policy).append(": ").append(std::to_string(r.power_budget_violations));
      notes.append(" round(s) above the power budget\n");
      for (const auto& v : r.first_power_violations) notes += "    " + v + "\n";
    }
  }
  return report_detail::rows(cells) + notes;
}

/// Our figures beside the reference simulator's recorded ones, for policies it recorded.
[[nodiscard]] inline std::string format_reference_comparison(const std::vector<run_metrics>& ms) {
  using report_detail::fmt;
  std::vector<std::vector<std::string>> cells = {
      {"policy", "finished", "ref", "avg JCT s", "ref", "diff", "thr avg", "ref", "thr peak", "ref"}};
  std::vector<std::pair<double, std::string>> ours, theirs;
  for (const auto& m : ms) {
    const recorded_result* r = find_reference_result(m.policy);
    if (!r) continue;
    ours.emplace_back(m.avg_jct_s, m.policy);
    theirs.emplace_back(r->avg_jct_s, m.policy);
    double diff = 100.0 * (m.avg_jct_s - r->avg_jct_s) / r->avg_jct_s;
    if (std::fabs(diff) < 0.05) diff = 0.0;  // no "-0.0%"
    cells.push_back({m.policy, std::to_string(m.finished), std::to_string(r->finished), fmt("%.0f", m.avg_jct_s),
                     fmt("%.0f", r->avg_jct_s), fmt("%+.1f%%", diff), fmt("%.1f", m.avg_throughput),
                     fmt("%.1f", r->avg_throughput), fmt("%.1f", m.peak_throughput),
                     r->peak_throughput > 0 ? fmt("%.1f", r->peak_throughput) : "-"});
  }
  if (cells.size() <= 1) return std::string();
  std::string out = report_detail::rows(cells);
  if (ours.size() > 1) {
    std::sort(ours.begin(), ours.end());
    std::sort(theirs.begin(), theirs.end());
    std::string a, b;
    for (const auto& x : ours) a += (a.empty() ? "" : " < ") + x.second;
    for (const auto& x : theirs) b += (b.empty() ? "" : " < ") + x.second;
    out += "\nby average JCT, ours:      " + a + "\nby average JCT, reference: " + b +
           (a == b ? "  (same order)\n" : "  (different order)\n");
  }
  return out;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json metrics_json(const run_metrics& m) {
  Json j;
  j["policy"] = m.policy;
  j["submitted_jobs"] = m.submitted;
  j["finished_jobs"] = m.finished;
  j["running_jobs_at_end"] = m.running;
  j["pending_jobs_at_end"] = m.pending;
  j["dropped_jobs"] = m.dropped;
  j["avg_jct_s"] = m.avg_jct_s;
  j["padded_avg_jct_s"] = m.padded_avg_jct_s ? Json(*m.padded_avg_jct_s) : Json(nullptr);
  j["avg_queueing_s"] = m.avg_queue_s;
  j["avg_throughput_samples_per_s"] = m.avg_throughput;
  j["peak_throughput_samples_per_s"] = m.peak_throughput;
  j["p99_throughput_samples_per_s"] = m.p99_throughput;
  j["throughput_rounds_counted"] = m.counted_rounds;
  j["throughput_round_rule"] = m.rule == round_rule::reference ? "reference" : "active";
  j["gpu_utilisation"] = m.gpu_utilisation;
  j["decision_ms_mean"] = m.decision_ms_mean;
  j["decision_ms_median"] = m.decision_ms_median;
  j["decision_ms_p99"] = m.decision_ms_p99;
  j["decision_ms_max"] = m.decision_ms_max;
  j["preemptions"] = m.preemptions;
  j["migrations"] = m.migrations;
  j["rounds"] = m.rounds;
  j["wall_s"] = m.wall_s;
  return j;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json outcome_json(const job_outcome& o) {
  Json j;
  j["id"] = o.id;
  j["model"] = o.model;
  j["global_batch"] = o.global_batch;
  j["iterations"] = o.iterations;
  j["state"] = to_string(o.state);
  j["submit_s"] = o.submit_s;
  j["start_s"] = o.start_s >= 0 ? Json(o.start_s) : Json(nullptr);
  j["end_s"] = o.finished() ? Json(o.finish_s) : Json(nullptr);
  j["jct_s"] = o.finished() ? Json(o.jct_s()) : Json(nullptr);
  j["queued_s"] = o.queued_s;
  j["preemptions"] = o.preemptions;
  j["restarts"] = o.restarts;
  j["allocations"] = Json::array();
  for (const auto& a : o.allocations)
    j["allocations"].push_back({{"gpu_type", a.gpu_type},
                                {"num_gpus", a.num_gpus},
                                {"layout", a.layout},
                                {"plan", a.plan.empty() ? Json(nullptr) : Json(a.plan)},
                                {"first_round", a.first_round},
                                {"last_round", a.last_round},
                                {"start_s", a.start_s},
                                {"end_s", a.end_s}});
  j["reason"] = o.reason.empty() ? Json(nullptr) : Json(o.reason);
  j["energy_kwh"] = o.energy_j / 3.6e6;
  j["cost_usd"] = o.cost_usd;
  j["gpu_hours"] = o.gpu_hours;
  return j;
}

/// A document with every run: metrics, per-round series, finished JCTs and every job's outcome. The
/// reference simulator's recorded figures are added beside a policy's only with `with_reference` (the
/// run is the reference experiment).
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json results_json(const std::vector<sim_run>& runs, const std::vector<run_metrics>& ms,
                                const Json& inputs, bool with_reference = false) {
  Json doc;
  doc["kind"] = "simulation_results";
  doc["inputs"] = inputs;
  doc["policies"] = Json::array();
  for (std::size_t i = 0; i < runs.size() && i < ms.size(); ++i) {
    Json p = metrics_json<Json>(ms[i]);
    if (const recorded_result* r = with_reference ? find_reference_result(ms[i].policy) : nullptr) {
      p["reference"] = {{"finished_jobs", r->finished},
                        {"avg_jct_s", r->avg_jct_s},
                        {"avg_throughput_samples_per_s", r->avg_throughput}};
      if (r->peak_throughput > 0) p["reference"]["peak_throughput_samples_per_s"] = r->peak_throughput;
    }
    p["round_s"] = runs[i].round_s;
    p["start_s"] = runs[i].start_s;
    p["stop_reason"] = runs[i].stop_reason;
    p["unsubmitted_jobs"] = runs[i].unsubmitted;
    p["series"] = {{"throughput_samples_per_s", runs[i].throughput},
                   {"busy_gpus", runs[i].busy_gpus},
                   {"running_jobs", runs[i].running_jobs},
                   {"decision_s", runs[i].decision_s}};
    p["series"]["power_w"] = runs[i].power_w;
    p["energy"] = energy_json<Json>(runs[i]);
    p["finished_jct_s"] = runs[i].finished_jct_s;
    if (!runs[i].prediction_error.empty()) {
      p["series"]["prediction_error"] = runs[i].prediction_error;
      p["alarms"] = Json::array();
      for (const auto& a : runs[i].alarms)
        p["alarms"].push_back({{"round", a.round},
                               {"scope", a.alarm.scope},
                               {"key", a.alarm.key},
                               {"gpu_type", a.alarm.gpu_type},
                               {"residual", a.alarm.residual},
                               {"reason", a.alarm.reason}});
    }
    p["jobs"] = Json::array();
    for (const auto& o : runs[i].jobs) p["jobs"].push_back(outcome_json<Json>(o));
    doc["policies"].push_back(std::move(p));
  }
  return doc;
}

/// The fault counts of a run with injected faults, and its first invariant violations.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json faults_json(const fault_report& f) {
  return {{"node_failures", f.node_failures},
          {"repairs", f.repairs},
          {"job_crashes", f.job_crashes},
          {"scheduler_restarts", f.scheduler_restarts},
          {"lost_jobs", f.lost_jobs},
          {"invariant_violations", f.invariant_violations},
          {"first_violations", f.first_violations}};
}

/// Per-job results of every run as JSON: {"kind":"simulation_jobs","policies":[{"policy":..,"jobs":[..]}]}.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json jobs_json(const std::vector<sim_run>& runs) {
  Json doc;
  doc["kind"] = "simulation_jobs";
  doc["policies"] = Json::array();
  for (const auto& r : runs) {
    Json p;
    p["policy"] = r.policy;
    p["jobs"] = Json::array();
    for (const auto& o : r.jobs) p["jobs"].push_back(outcome_json<Json>(o));
    doc["policies"].push_back(std::move(p));
  }
  return doc;
}

namespace report_detail {
/// A CSV field: quoted (with doubled quotes) when it holds a comma, quote or line break.
[[nodiscard]] inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + '"';
}
[[nodiscard]] inline std::string layout_text(const node_layout& l) {
  std::string out;
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i) out += '+';
    out += std::to_string(l[i]);
  }
  return out;
}
}  // namespace report_detail

/// Per-job results of every run as CSV, one row per job and policy. `allocations` lists each allocation
/// as type:count[layout]@first_round-last_round{plan}, separated by "; ".
[[nodiscard]] inline std::string jobs_csv(const std::vector<sim_run>& runs) {
  using report_detail::csv_field;
  using report_detail::fmt;
  std::string out =
      "policy,job_id,model,global_batch,iterations,state,submit_s,start_s,end_s,jct_s,queued_s,preemptions,"
      "restarts,allocations,reason,energy_kwh,cost_usd,gpu_hours\n";
  for (const auto& r : runs) {
    for (const auto& o : r.jobs) {
      std::string allocs;
      for (const auto& a : o.allocations) {
        allocs += (allocs.empty() ? "" : "; ") + a.gpu_type + ":" + std::to_string(a.num_gpus) + "[" +
                  report_detail::layout_text(a.layout) + "]@" + std::to_string(a.first_round) + "-" +
                  std::to_string(a.last_round);
        if (!a.plan.empty()) allocs += "{" + a.plan + "}";
      }
      out += csv_field(r.policy) + "," + csv_field(o.id) + "," + csv_field(o.model) + "," +
             std::to_string(o.global_batch) + "," + std::to_string(o.iterations) + "," + to_string(o.state) + "," +
             fmt("%.3f", o.submit_s) + "," + (o.start_s >= 0 ? fmt("%.3f", o.start_s) : "") + "," +
             (o.finished() ? fmt("%.3f", o.finish_s) : "") + "," + (o.finished() ? fmt("%.3f", o.jct_s()) : "") +
             "," + fmt("%.3f", o.queued_s) + "," + std::to_string(o.preemptions) + "," + std::to_string(o.restarts) +
             "," + csv_field(allocs) + "," + csv_field(o.reason);
      out.append(",").append(fmt("%.6f", o.energy_j / 3.6e6)).append(",").append(fmt("%.6f", o.cost_usd));
      out.append(",").append(fmt("%.6f", o.gpu_hours)).append("\n");
    }
  }
  return out;
}

/// One row per policy with the headline metrics; with `runs` (same order), the energy and cost columns
/// (energy_csv_header()) follow.
[[nodiscard]] inline std::string results_csv(const std::vector<run_metrics>& ms,
                                             const std::vector<sim_run>* runs = nullptr) {
  std::string out =
      "policy,submitted_jobs,finished_jobs,dropped_jobs,unfinished_jobs,avg_jct_s,padded_avg_jct_s,avg_queueing_s,avg_throughput_samples_per_s,"
      "peak_throughput_samples_per_s,p99_throughput_samples_per_s,gpu_utilisation,decision_ms_median,"
      "decision_ms_p99,decision_ms_max,preemptions,migrations,rounds,wall_s";
  if (runs) out.append(",").append(energy_csv_header());
  out += "\n";
  using report_detail::fmt;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const run_metrics& m = ms[i];
    out += m.policy + "," + std::to_string(m.submitted) + "," + std::to_string(m.finished) + "," +
           std::to_string(m.dropped) + "," + std::to_string(m.running + m.pending) + "," +
           fmt("%.3f", m.avg_jct_s) + "," + (m.padded_avg_jct_s ? fmt("%.3f", *m.padded_avg_jct_s) : "") + "," +
           fmt("%.3f", m.avg_queue_s) + "," + fmt("%.3f", m.avg_throughput) + "," + fmt("%.3f", m.peak_throughput) +
           "," + fmt("%.3f", m.p99_throughput) + "," + fmt("%.5f", m.gpu_utilisation) + "," +
           fmt("%.4f", m.decision_ms_median) + "," + fmt("%.4f", m.decision_ms_p99) + "," +
           fmt("%.4f", m.decision_ms_max) + "," + std::to_string(m.preemptions) + "," + std::to_string(m.migrations) +
           "," + std::to_string(m.rounds) + "," + fmt("%.3f", m.wall_s);
    if (runs && i < runs->size()) out.append(",").append(energy_csv_fields((*runs)[i]));
    out += "\n";
  }
  return out;
}

}  // namespace cellsched::sim
