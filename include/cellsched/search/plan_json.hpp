#pragma once
// A Cell's best plan as JSON for tools: the Cell, the plan stage by stage (with each stage's GPU type),
// the estimate (time breakdown, per-stage memory), the search statistics and the launcher arguments.
// Keys carry their units, as in every cellsched file format.
#include <concepts>
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/result.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/search/launcher_args.hpp"
#include "cellsched/search/search_result.hpp"

namespace cellsched {

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json cell_to_json(const cell& c) {
  Json j;
  j["gpu_type"] = c.gpu_type;
  j["num_gpus"] = c.num_gpus;
  j["layout"] = c.layout;
  j["stages"] = c.stages;
  if (!c.node_gpu_types.empty()) j["node_gpu_types"] = c.node_gpu_types;
  if (!c.stage_gpu_types.empty()) j["stage_gpu_types"] = c.stage_gpu_types;
  return j;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json plan_to_json(const cell& c, const plan& p) {
  Json j;
  j["micro_batch_samples"] = p.micro_batch_samples;
  j["num_micro_batches"] = p.num_micro_batches;
  j["global_batch"] = p.global_batch();
  j["schedule"] = to_string(p.schedule);
  j["recompute"] = p.recompute;
  j["zero1"] = p.zero1;
  j["selective_recompute"] = p.selective_recompute;
  j["sequence_parallel"] = p.sequence_parallel;
  j["overlap_grad_reduce"] = p.overlap_grad_reduce;
  j["virtual_stages"] = p.virtual_stages;
  Json stages = Json::array();
  for (std::size_t s = 0; s < p.stages.size(); ++s) {
    const stage_plan& st = p.stages[s];
    stages.push_back({{"first_layer", st.first_layer},
                      {"end_layer", st.end_layer},
                      {"num_layers", st.num_layers()},
                      {"dp", st.dp},
                      {"tp", st.tp},
                      {"gpus", st.gpus()},
                      {"gpu_type", c.stage_gpu_type(static_cast<int>(s))},
                      {"samples_per_replica", p.micro_batch_samples / st.dp}});
  }
  j["stages"] = std::move(stages);
  return j;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json estimate_to_json(const estimate_result& r) {
  Json j;
  j["iter_time_s"] = r.iter_time_s;
  j["fits"] = r.fits;
  j["calibration"] = r.calibration;
  const time_breakdown& b = r.breakdown;
  j["breakdown_s"] = {{"compute", b.compute_s},    {"overhead", b.overhead_s}, {"tp_comm", b.tp_comm_s},
                      {"dp_comm", b.dp_comm_s},    {"pp_comm", b.pp_comm_s},   {"bubble", b.bubble_s},
                      {"optimizer", b.optimizer_s}};
  Json stages = Json::array();
  for (const auto& s : r.stages)
    stages.push_back({{"fwd_s", s.fwd_s},
                      {"bwd_s", s.bwd_s},
                      {"p2p_s", s.p2p_s},
                      {"dp_sync_s", s.dp_sync_s},
                      {"peak_mem_bytes", s.peak_mem_bytes},
                      {"fits", s.fits}});
  j["stages"] = std::move(stages);
  return j;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json launch_to_json(const launch_args& a) {
  return {{"megatron_args", a.megatron},
          {"nnodes", a.nnodes},
          {"nproc_per_node", a.nproc_per_node},
          {"megatron_compatible", a.megatron_compatible},
          {"notes", a.notes},
          {"command_line", a.command_line()}};
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json search_stats_to_json(const search_stats& s) {
  return {{"classes", s.classes},
          {"plans", s.plans},
          {"estimator_calls", s.estimator_calls},
          {"evaluated", s.evaluated},
          {"pruned_memory", s.pruned_memory},
          {"pruned_dominated", s.pruned_dominated},
          {"pruned_bound", s.pruned_bound},
          {"unsplittable", s.unsplittable}};
}

/// One searched Cell: feasible with plan, estimate and launcher arguments, or the reason it is not.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json search_result_to_json(const model& m, const cell_search_result& r) {
  Json j;
  j["cell"] = cell_to_json<Json>(r.where);
  j["feasible"] = r.feasible;
  j["search"] = search_stats_to_json<Json>(r.stats);
  if (!r.feasible) {
    j["reason"] = r.reason;
    return j;
  }
  j["throughput_samples_per_s"] = r.throughput_samples_per_s();
  j["plan"] = plan_to_json<Json>(r.where, r.best_plan);
  j["estimate"] = estimate_to_json<Json>(r.best_estimate);
  j["launch"] = launch_to_json<Json>(megatron_launch_args(m, r.where, r.best_plan));
  return j;
}

}  // namespace cellsched
