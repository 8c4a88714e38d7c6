#pragma once
// JSON for measurement-table predictions and their accuracy summary (cellsched estimate --measurements
// --json, and the accuracy benchmark).
#include <concepts>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/estimate/measurement_report.hpp"

namespace cellsched {

/// The summary; with `preds` given, also one object per (model, GPUs, global batch) group.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json measurement_summary_json(const measurement_summary& s,
                                            const std::vector<measurement_prediction>* preds = nullptr) {
  Json out = {{"rows", s.rows},
              {"predicted_rows", s.predicted_rows},
              {"median_abs_rel_error", s.median_abs_rel_error},
              {"p90_abs_rel_error", s.p90_abs_rel_error},
              {"max_abs_rel_error", s.max_abs_rel_error},
              {"mean_abs_rel_error", s.mean_abs_rel_error},
              {"mean_rel_error", s.mean_rel_error},
              {"groups", s.groups.size()},
              {"groups_same_best", s.groups_same_best},
              {"groups_within_3pct", s.groups_within_3pct},
              {"groups_within_5pct", s.groups_within_5pct}};
  if (preds) {
    Json groups = Json::array();
    for (const auto& g : s.groups)
      groups.push_back({{"group", g.key},
                        {"rows", g.rows},
                        {"predicted_best_line", (*preds)[g.predicted_best].row.line},
                        {"measured_best_line", (*preds)[g.measured_best].row.line},
                        {"same_best", g.same_best()},
                        {"predicted_best_slowdown", g.slowdown}});
    out["group_details"] = std::move(groups);
  }
  return out;
}

/// One object per row, in input order. Rows that could not be estimated carry `reason` and nulls.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json measurement_rows_json(const std::vector<measurement_prediction>& preds) {
  Json rows = Json::array();
  for (const auto& p : preds) {
    const auto& r = p.row;
    Json j = {{"line", r.line},
              {"gpus", r.gpus},
              {"global_batch", r.global_batch},
              {"micro_batch", r.micro_batch},
              {"hidden", r.hidden},
              {"heads", r.heads},
              {"layers", r.layers},
              {"seq_len", r.seq_len},
              {"tp", r.tp},
              {"dp", r.dp},
              {"pp", r.pp},
              {"measured_iter_time_ms", p.measured_ms}};
    if (p.predicted()) {
      j["predicted_iter_time_ms"] = p.predicted_ms;
      j["rel_error"] = p.rel_error;
      j["fits_in_memory"] = p.fits_in_memory;
    } else {
      j["predicted_iter_time_ms"] = nullptr;
      j["rel_error"] = nullptr;
      j["fits_in_memory"] = false;
      j["reason"] = p.reason;
    }
    rows.push_back(std::move(j));
  }
  return rows;
}

}  // namespace cellsched
