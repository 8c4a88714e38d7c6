#pragma once
// What the reference profile table covers of a run, for putting it in front of our estimator with
// covering_oracle (`cellsched simulate --oracle auto`, the Python package's oracle "auto"): the jobs whose
// (model, global batch) the table measured, when it also has every GPU type of the cluster; every other
// job goes to the fallback.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/cell/job.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/schedule/reference_table.hpp"

namespace cellsched::sim {

/// What the reference table covers of a run (--oracle auto).
struct table_coverage {
  std::set<std::pair<std::string, std::int64_t>> covered;  ///< (model, global batch) the table answers
  std::vector<std::string> missing_models;                 ///< "model (batch B)" the table has no row for
  std::vector<std::string> missing_types;                  ///< cluster GPU types the table does not have
  std::size_t table_jobs = 0;
  std::size_t estimator_jobs = 0;

  [[nodiscard]] std::string summary(const std::string& table_path) const {
    if (estimator_jobs == 0) return "the reference profile table " + table_path + " (it covers every job)";
    if (table_jobs == 0)
      return "our analytic estimator for every job (the reference table " + table_path + " does not cover this run)";
    return "the reference profile table " + table_path + " for " + std::to_string(table_jobs) +
           " jobs, our analytic estimator for " + std::to_string(estimator_jobs);
  }
  [[nodiscard]] std::vector<std::string> warnings() const {
    std::vector<std::string> out;
    const auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (std::size_t i = 0; i < v.size() && i < 8; ++i) s += (i ? ", " : "") + v[i];
      if (v.size() > 8) s += ", ... (" + std::to_string(v.size()) + " in all)";
      return s;
    };
    if (!missing_types.empty())
      out.push_back("--oracle auto: the reference table has no figures for GPU type(s) " + list(missing_types) +
                    " of the cluster, so our analytic estimator answers for every job");
    else if (!missing_models.empty())
      out.push_back("--oracle auto: the reference table has no rows for " + list(missing_models) +
                    "; our analytic estimator answers for the " + std::to_string(estimator_jobs) +
                    " job(s) of those models");
    return out;
  }
};

[[nodiscard]] inline table_coverage coverage_of(const reference_perf_table& table, const cluster& c,
                                                const std::vector<job>& trace) {
  table_coverage cov;
  for (const auto& t : c.gpu_types_present())
    if (!table.covers_type(t)) cov.missing_types.push_back(t);
  std::set<std::string> missing;
  for (const auto& j : trace) {
    const bool model_ok = table.covers_model(j);
    if (!model_ok) missing.insert(j.model + " (batch " + std::to_string(j.global_batch) + ")");
    if (model_ok && cov.missing_types.empty()) {
      cov.covered.insert({j.model, j.global_batch});
      ++cov.table_jobs;
    } else {
      ++cov.estimator_jobs;
    }
  }
  cov.missing_models.assign(missing.begin(), missing.end());
  return cov;
}

}  // namespace cellsched::sim
