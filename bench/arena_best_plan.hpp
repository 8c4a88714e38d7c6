#pragma once
// Part 2 of the accuracy benchmark: our best-plan prediction for each entry of the Arena artifact's
// performance table (best-plan iteration time per model, batch, GPU type and node layout, measured with
// Alpa/JAX on the artifact's testbed) and the distribution of predicted / reference. The plan search here
// is a plain exhaustive loop over pp, tp, dp, micro-batch size and recomputation with an even stage split;
// the library's real plan search lives in search/.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/measurement_report.hpp"
#include "cellsched/error.hpp"
#include "cellsched/model/zoo.hpp"

namespace cellsched::bench {

struct best_plan {
  double iter_time_s = 0.0;
  int pp = 0, tp = 0, dp = 0;
  std::int64_t micro_batch = 0;
  bool recompute = false;
};

/// Exhaustive search over the plans of one Cell (gpus on `nodes` x `per_node`).
[[nodiscard]] inline std::optional<best_plan> search_best_plan(const analytic_estimator& est, const model& m,
                                                               const std::string& gpu, int nodes, int per_node,
                                                               std::int64_t batch) {
  const int gpus = nodes * per_node;
  int max_tp = 1 << 20;
  for (const auto& l : m.layers) max_tp = std::min(max_tp, std::max(l.max_tp, 1));
  std::optional<best_plan> best;
  for (int pp = 1; pp <= std::min(gpus, m.num_layers()); ++pp) {
    if (gpus % pp != 0) continue;
    for (int tp = 1; tp <= std::min(per_node, gpus / pp); tp *= 2) {
      if ((gpus / pp) % tp != 0 || tp > max_tp) continue;
      const int dp = gpus / (pp * tp);
      for (std::int64_t b = 1; b * dp <= batch && b <= 64; b *= 2) {
        if (batch % (b * dp) != 0) continue;
        for (const bool rec : {false, true}) {
          cell c;
          c.gpu_type = gpu;
          c.num_gpus = gpus;
          c.layout.assign(static_cast<std::size_t>(nodes), per_node);
          c.stages = pp;
          plan p;
          p.stages = even_stage_split(m, pp, dp, tp);
          p.micro_batch_samples = b * dp;
          p.num_micro_batches = batch / (b * dp);
          p.recompute = rec;
          const estimate_result r = est.estimate(m, c, p);
          if (!r.feasible()) continue;
          if (!best || r.iter_time_s < best->iter_time_s) best = best_plan{r.iter_time_s, pp, tp, dp, b, rec};
        }
      }
    }
  }
  return best;
}

[[nodiscard]] inline nlohmann::json ratio_stats(std::vector<double> v) {
  if (v.empty()) return {{"n", 0}};
  std::vector<double> logs;
  for (const double x : v) logs.push_back(std::log(x));
  double mean_log = 0.0;
  for (const double l : logs) mean_log += l / static_cast<double>(logs.size());
  return {{"n", v.size()},
          {"median", quantile(v, 0.5)},
          {"p10", quantile(v, 0.1)},
          {"p90", quantile(v, 0.9)},
          {"min", *std::min_element(v.begin(), v.end())},
          {"max", *std::max_element(v.begin(), v.end())},
          {"geomean", std::exp(mean_log)}};
}

/// Compares with every feasible entry of the Arena table; prints and returns the ratio distribution.
[[nodiscard]] inline nlohmann::json compare_with_arena(const std::string& path, const hardware_catalog& catalog) {
  std::ifstream f(path);
  if (!f) throw input_error(path, "", "a readable Arena profile table (data/perf/arena-profile-db.json)");
  const nlohmann::json db = nlohmann::json::parse(f);
  const analytic_estimator est(catalog);
  std::vector<double> all;
  std::map<std::string, std::vector<double>> by_gpu, by_family;
  nlohmann::json entries = nlohmann::json::array();
  std::size_t no_plan = 0, skipped = 0;
  std::map<std::string, model> models;
  for (const auto& e : db.at("optimal_entries")) {
    if (e.at("status") != "ok") {
      ++skipped;
      continue;
    }
    const std::string family = e.at("model"), size = e.at("size"), gpu = e.at("gpu_type");
    const std::string key = family + "__" + size;  // the zoo's name for the reference model
    if (!models.count(key)) {
      if (!builtin_model_zoo().contains(key)) {
        ++skipped;
        continue;
      }
      models.emplace(key, builtin_model_zoo().build(key));
    }
    const double ref = e.at("iter_time_s");
    const auto best = search_best_plan(est, models.at(key), gpu, e.at("num_nodes"), e.at("gpus_per_node"),
                                       e.at("batch_size").get<std::int64_t>());
    nlohmann::json row = {{"config", e.at("config_key")}, {"device", e.at("device_key")}, {"reference_s", ref}};
    if (!best) {
      ++no_plan;
      row["predicted_s"] = nullptr;
    } else {
      const double ratio = best->iter_time_s / ref;
      all.push_back(ratio);
      by_gpu[gpu].push_back(ratio);
      by_family[family].push_back(ratio);
      row["predicted_s"] = best->iter_time_s;
      row["ratio"] = ratio;
      row["plan"] = {{"pp", best->pp},
                     {"tp", best->tp},
                     {"dp", best->dp},
                     {"micro_batch", best->micro_batch},
                     {"recompute", best->recompute}};
    }
    entries.push_back(std::move(row));
  }
  nlohmann::json out = {{"source", path},
                        {"ratio_predicted_over_reference", ratio_stats(all)},
                        {"no_feasible_plan", no_plan},
                        {"skipped_reference_infeasible", skipped}};
  const auto print = [](const std::string& label, const nlohmann::json& s) {
    if (s.at("n") == 0) return;
    std::printf("  %-14s n %3d  ratio median %.2f  p10 %.2f  p90 %.2f  min %.2f  max %.2f  geomean %.2f\n",
                label.c_str(), s.at("n").get<int>(), s.at("median").get<double>(), s.at("p10").get<double>(),
                s.at("p90").get<double>(), s.at("min").get<double>(), s.at("max").get<double>(),
                s.at("geomean").get<double>());
  };
  std::printf("Arena best-plan table (%s): predicted / reference iteration time\n", path.c_str());
  print("all", out["ratio_predicted_over_reference"]);
  for (const auto& [g, v] : by_gpu) {
    out["by_gpu"][g] = ratio_stats(v);
    print("gpu " + g, out["by_gpu"][g]);
  }
  for (const auto& [fam, v] : by_family) {
    out["by_family"][fam] = ratio_stats(v);
    print(fam, out["by_family"][fam]);
  }
  std::printf("  entries with no feasible predicted plan: %zu; reference entries without a time: %zu\n", no_plan,
              skipped);
  out["entries"] = std::move(entries);
  return out;
}

}  // namespace cellsched::bench
