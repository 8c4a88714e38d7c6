#pragma once
// cellsched estimate: the iteration time, breakdown and memory of one plan on a cluster, or, in batch
// mode, predicted vs measured for every row of a published measurement table.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "args.hpp"
#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/energy.hpp"
#include "cellsched/hardware/power.hpp"
#include "cellsched/estimate/measurement_report.hpp"
#include "cellsched/estimate/measurements.hpp"
#include "cellsched/estimate/stage_fit.hpp"
#include "cellsched/io/cluster_json.hpp"
#include "cellsched/io/job_json.hpp"
#include "cellsched/io/model_json.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/profile_json.hpp"
#include "cellsched/model/zoo.hpp"
#include "energy_cli.hpp"
#include "estimate_batch.hpp"
#include "stage_measurements.hpp"

namespace cellsched::cli {

inline const char* estimate_usage =
    "usage: cellsched estimate --cluster FILE ((--model NAME | --model-file FILE) --gpus N --global-batch G |\n"
    "                          --job FILE)\n"
    "                          --tp T --pp P --dp D --micro-batch M [--gpu-type TYPE] [--nodes K] [--schedule "
    "1f1b|gpipe]\n"
    "                          [--recompute | --selective-recompute] [--sequence-parallel]\n"
    "                          [--overlap-grad-reduce] [--virtual-stages V] [--zero1] [--profile FILE]\n"
    "                          [--stage-measurements FILE.csv\n"
    "                          [--stage-gpu-type TYPE]] [--power-limit-w W] [--prices FILE] [--software NAME]\n"
    "                          [--json OUT]\n"
    "       cellsched estimate --measurements FILE.csv [--gpu-type TYPE] [--profile FILE] [--software NAME]\n"
    "                          [--stage-measurements FILE.csv] [--json OUT]\n"
    "\n"
    "One plan: a job file gives the model, global batch and, when it requests them, GPU count and type.\n"
    "N GPUs of one type of the cluster (the first type with N GPUs unless --gpu-type), on as few\n"
    "nodes as possible (or K nodes of N/K GPUs), split tp x dp x pp = N; --micro-batch is the per-replica\n"
    "micro-batch (Megatron-LM's --micro-batch-size), --global-batch a multiple of micro-batch x dp. Layers\n"
    "are split evenly over the stages (Megatron-LM's rule). Prints the iteration time, its breakdown and\n"
    "per-stage memory; --json writes them.\n"
    "Batch mode: rows in vTrain's CSV layout (optionally led by 'Parameters (billion)'), measured under\n"
    "vTrain's conditions (Megatron GPT, vocabulary 50,257, fp16, recomputation, 1F1B; default GPU\n"
    "a100-80gb, 8 per node) unless optional columns say otherwise (docs/formats/measurements.md). Prints\n"
    "predicted vs measured per row, then the accuracy summary; --json writes an array `rows` in input\n"
    "order and the summary.\n"
    "--profile FILE: a probe profile (docs/formats/profile.md) calibrating its GPU type.\n"
    "One plan also prints its energy per iteration and sample (docs/energy-cost.md): compute at the power\n"
    "limit, communication and bubble at idle power; --power-limit-w W caps the GPUs (compute slows with\n"
    "the clock the cap allows), --prices FILE (docs/formats/prices.md) adds the cost per iteration.\n";

/// Why tensor parallelism `tp` cannot run `m` (empty when it can). Megatron-LM splits the attention heads
/// and the K/V query groups over the tensor-parallel ranks, so tp must divide both (layer::max_tp records
/// the limit of every layer; a CNN's is a power of two of its channels).
[[nodiscard]] inline std::string tp_problem(const model& m, int tp) {
  if (m.heads > 0 && (m.heads % tp != 0 || m.num_query_groups % tp != 0))
    return "--tp " + std::to_string(tp) + " must divide the attention heads (" + std::to_string(m.heads) +
           ") and query groups (" + std::to_string(m.num_query_groups) + ") of " + m.name +
           ": Megatron-LM splits both over the tensor-parallel ranks";
  for (const auto& l : m.layers)
    if (tp > 1 && (l.max_tp < 1 || l.max_tp % tp != 0))
      return "--tp " + std::to_string(tp) + " must divide layer " + l.name + "'s largest tensor-parallel degree (" +
             std::to_string(l.max_tp) + ") of " + m.name;
  return {};
}

/// GPUs per node of a Cell of `gpus` GPUs of `type` on the cluster: `nodes` nodes of equal share, or
/// the fewest nodes (largest first). Throws usage_error when the cluster cannot hold it.
[[nodiscard]] inline node_layout choose_layout(const cluster& c, const std::string& type, int gpus, int nodes) {
  std::vector<int> caps;
  for (const auto& n : c.nodes())
    if (n.gpu_type == type) caps.push_back(n.num_gpus);
  std::sort(caps.rbegin(), caps.rend());
  node_layout out;
  if (nodes > 0) {
    if (gpus % nodes != 0) throw usage_error("--gpus must be a multiple of --nodes");
    const int per = gpus / nodes;
    const auto enough = std::count_if(caps.begin(), caps.end(), [&](int cap) { return cap >= per; });
    if (enough < nodes)
      throw usage_error("the cluster has fewer than " + std::to_string(nodes) + " " + type + " nodes with " +
                        std::to_string(per) + " GPUs");
    out.assign(static_cast<std::size_t>(nodes), per);
    return out;
  }
  int left = gpus;
  for (const int cap : caps) {
    if (left <= 0) break;
    out.push_back(std::min(cap, left));
    left -= out.back();
  }
  if (left > 0) throw usage_error("the cluster has fewer than " + std::to_string(gpus) + " " + type + " GPUs");
  return out;
}

[[nodiscard]] inline nlohmann::json estimate_json(const estimate_result& r, const cell& c, const plan& p,
                                                  const std::string& model_name) {
  nlohmann::json stages = nlohmann::json::array();
  for (std::size_t s = 0; s < r.stages.size(); ++s) {
    const auto& st = r.stages[s];
    const auto& sp = p.stages[s];
    stages.push_back({{"first_layer", sp.first_layer},
                      {"end_layer", sp.end_layer},
                      {"dp", sp.dp},
                      {"tp", sp.tp},
                      {"fwd_ms", st.fwd_s * 1e3},
                      {"bwd_ms", st.bwd_s * 1e3},
                      {"p2p_ms", st.p2p_s * 1e3},
                      {"dp_sync_ms", st.dp_sync_s * 1e3},
                      {"peak_mem_gb", st.peak_mem_bytes / 1e9},
                      {"weights_gb", st.weights_bytes / 1e9},
                      {"grads_gb", st.grads_bytes / 1e9},
                      {"optimizer_gb", st.optimizer_bytes / 1e9},
                      {"activations_gb", st.activation_bytes / 1e9},
                      {"fits", st.fits}});
  }
  const auto& b = r.breakdown;
  return {{"kind", "estimate"},
          {"model", model_name},
          {"gpu_type", c.gpu_type},
          {"num_gpus", c.num_gpus},
          {"layout", c.layout},
          {"plan",
           {{"pp", p.stages.size()},
            {"tp", p.stages.front().tp},
            {"dp", p.stages.front().dp},
            {"micro_batch", p.micro_batch_samples / p.stages.front().dp},
            {"num_micro_batches", p.num_micro_batches},
            {"global_batch", p.global_batch()},
            {"schedule", to_string(p.schedule)},
            {"recompute", p.recompute},
            {"selective_recompute", p.selective_recompute},
            {"sequence_parallel", p.sequence_parallel},
            {"overlap_grad_reduce", p.overlap_grad_reduce},
            {"virtual_stages", p.virtual_stages},
            {"zero1", p.zero1}}},
          {"iter_time_ms", r.iter_time_s * 1e3},
          {"throughput_samples_per_s", r.throughput_samples_per_s(static_cast<double>(p.global_batch()))},
          {"breakdown_ms",
           {{"compute", b.compute_s * 1e3},
            {"overhead", b.overhead_s * 1e3},
            {"tp_comm", b.tp_comm_s * 1e3},
            {"dp_comm", b.dp_comm_s * 1e3},
            {"pp_comm", b.pp_comm_s * 1e3},
            {"bubble", b.bubble_s * 1e3},
            {"optimizer", b.optimizer_s * 1e3}}},
          {"stages", stages},
          {"fits_in_memory", r.fits},
          {"calibration", r.calibration},
          {"infeasible_reason", r.infeasible_reason}};
}

inline int run_estimate(const std::vector<std::string>& argv) {
  const args a(argv,
               {"--cluster", "--model", "--model-file", "--job", "--gpus", "--gpu-type", "--nodes", "--tp", "--pp", "--dp",
                "--micro-batch", "--global-batch", "--schedule", "--profile", "--json", "--measurements",
                "--stage-measurements", "--stage-gpu-type", "--virtual-stages", "--power-limit-w", "--prices",
                "--software"},
               {"--recompute", "--selective-recompute", "--sequence-parallel", "--overlap-grad-reduce", "--zero1",
                "--help"});
  if (a.has("--help")) {
    std::cout << estimate_usage << software_help << stage_measurements_help;
    return 0;
  }
  if (!a.positional().empty()) throw usage_error("unexpected argument '" + a.positional().front() + "'");
  std::vector<probe_profile> profiles;
  if (a.has("--profile")) profiles.push_back(io::load_profile_file(a.get("--profile")));

  if (a.has("--measurements")) {
    for (const char* flag :
         {"--cluster", "--model", "--model-file", "--gpus", "--tp", "--pp", "--dp", "--micro-batch", "--global-batch",
          "--power-limit-w", "--prices"})
      if (a.has(flag)) throw usage_error(std::string(flag) + " does not apply to --measurements");
    measurement_setup setup;
    if (a.has("--stage-gpu-type"))
      throw usage_error("--stage-gpu-type does not apply to --measurements (--gpu-type does)");
    if (a.has("--gpu-type")) setup.gpu_type = a.get("--gpu-type");
    analytic_estimator est(builtin_catalog(), params_from_args(a), profiles);
    if (!est.catalog().contains(setup.gpu_type)) throw usage_error("unknown GPU type '" + setup.gpu_type + "'");
    setup.gpu_type = est.catalog().find(setup.gpu_type)->name;
    apply_stage_measurements(a, est, setup.gpu_type);
    return run_estimate_batch(a.get("--measurements"), est, setup, a.get("--json"));
  }

  const cluster cl = io::load_cluster_file(a.require("--cluster"));
  if ((a.has("--model") ? 1 : 0) + (a.has("--model-file") ? 1 : 0) + (a.has("--job") ? 1 : 0) != 1)
    throw usage_error("give exactly one of --model, --model-file and --job");
  std::optional<job> jb;
  if (a.has("--job")) {
    for (const char* flag : {"--gpus", "--global-batch"})
      if (a.has(flag)) throw usage_error(std::string(flag) + " comes from the job file with --job");
    jb = io::load_job_file(a.get("--job"), io::job_checks{&builtin_model_zoo(), &cl.catalog()});
  }
  const model m = jb                     ? builtin_model_zoo().build(jb->model)
                  : a.has("--model-file") ? io::load_model_file(a.get("--model-file"))
                                          : builtin_model_zoo().build(a.get("--model"));
  const std::string model_name = jb ? jb->model : m.name;
  if (jb && jb->requested_gpus <= 0)
    throw usage_error("the job requests no GPU count; give --model, --gpus and --global-batch instead");
  if (!jb && !a.has("--gpus")) throw usage_error("--gpus is required");
  if (!jb && !a.has("--global-batch")) throw usage_error("--global-batch is required");
  const int gpus = jb ? jb->requested_gpus : static_cast<int>(a.get_int("--gpus", 1, 1, 1 << 20));
  const int tp = static_cast<int>(a.get_int("--tp", 1, 1, 1 << 20));
  const int pp = static_cast<int>(a.get_int("--pp", 1, 1, 1 << 20));
  const int dp = static_cast<int>(a.get_int("--dp", 1, 1, 1 << 20));
  if (tp * pp * dp != gpus)
    throw usage_error("--tp x --pp x --dp must equal the GPU count (" + std::to_string(gpus) + ")");
  if (const std::string why = tp_problem(m, tp); !why.empty()) throw usage_error(why);
  const std::int64_t micro = a.get_int("--micro-batch", 1);
  const std::int64_t global = jb ? jb->global_batch : a.get_int("--global-batch", 1);
  if (global % (micro * dp) != 0) throw usage_error("the global batch must be a multiple of --micro-batch x --dp");
  const std::string sched = a.get("--schedule", "1f1b");
  if (sched != "1f1b" && sched != "gpipe") throw usage_error("--schedule must be 1f1b or gpipe");

  std::string type;
  if (a.has("--gpu-type")) {
    const gpu_type* t = cl.catalog().find(a.get("--gpu-type"));
    if (!t || cl.total_gpus_of(t->name) == 0)
      throw usage_error("the cluster has no GPU type '" + a.get("--gpu-type") + "'");
    type = t->name;
  } else {
    for (const auto& t : cl.gpu_types_present())
      if (type.empty() && cl.total_gpus_of(t) >= gpus) type = t;
    if (type.empty()) throw usage_error("no GPU type of the cluster has " + std::to_string(gpus) + " GPUs");
  }
  cell c;
  c.gpu_type = type;
  c.num_gpus = gpus;
  c.layout = choose_layout(cl, type, gpus, static_cast<int>(a.get_int("--nodes", 0, 1, 1 << 20)));
  c.stages = pp;
  for (const auto& n : cl.nodes())
    if (n.gpu_type == type) {
      c.intra_link_gb_per_s = n.intra_link_gb_per_s;
      c.inter_node_gb_per_s = n.inter_node_gb_per_s;
      break;
    }
  plan p;
  p.stages = even_stage_split(m, pp, dp, tp);
  p.micro_batch_samples = micro * dp;
  p.num_micro_batches = global / (micro * dp);
  p.schedule = sched == "gpipe" ? pipeline_schedule::gpipe : pipeline_schedule::one_f_one_b;
  p.recompute = a.has("--recompute");
  p.zero1 = a.has("--zero1");
  if (p.recompute && a.has("--selective-recompute"))
    throw usage_error("give at most one of --recompute and --selective-recompute");
  p.selective_recompute = a.has("--selective-recompute");
  p.sequence_parallel = a.has("--sequence-parallel");
  p.overlap_grad_reduce = a.has("--overlap-grad-reduce");
  if (a.has("--virtual-stages")) {
    p.virtual_stages = static_cast<int>(a.get_int("--virtual-stages", 1, 1, 1 << 20));
    int blocks = 0;
    for (const auto& l : m.layers) blocks += is_transformer_block(l) ? 1 : 0;
    if (p.virtual_stages > 1 && (pp < 2 || blocks % (pp * p.virtual_stages) != 0))
      throw usage_error("--virtual-stages needs --pp >= 2 and the transformer layers a multiple of pp x V");
  }

  analytic_estimator est(cl.catalog(), params_from_args(a), profiles);
  apply_stage_measurements(a, est, stage_gpu_type(a));
  const estimate_result r = est.estimate(m, c, p);
  nlohmann::json doc = estimate_json(r, c, p, model_name);
  doc["software"] = est.params().software.name;
  // Energy and cost of the iteration (estimate/energy.hpp), under --power-limit-w when given.
  const gpu_type& gt = *cl.catalog().find(type);
  const double limit_w = a.has("--power-limit-w") ? a.get_double("--power-limit-w", 0.0, 0.0, 1e6) : 0.0;
  if (a.has("--power-limit-w"))
    if (const std::string why = power_limit_problem(gt, limit_w); !why.empty())
      throw usage_error("--power-limit-w expects " + why);
  const gpu_price* price = nullptr;
  const price_table prices = effective_prices(a, cl);
  if (a.has("--prices")) price = prices.find(type, cl.catalog());
  const bool energy_known = has_power(gt) && r.infeasible_reason.empty();
  iteration_energy ie;
  if (energy_known) {
    ie = energy_per_iteration(gt, gpus, r.breakdown, static_cast<double>(global), limit_w,
                              price ? price->usd_per_gpu_hour : 0.0);
    doc["energy"] = {{"power_limit_w", limit_w > 0 ? nlohmann::json(limit_w) : nlohmann::json(nullptr)},
                     {"iter_time_ms", ie.iter_time_s * 1e3},
                     {"gpu_power_w", ie.gpu_power_w},
                     {"energy_j_per_iteration", ie.energy_j},
                     {"energy_j_per_sample", 1.0 / ie.samples_per_j},
                     {"usd_per_iteration", price ? nlohmann::json(ie.cost_usd) : nlohmann::json(nullptr)}};
  }
  if (!r.infeasible_reason.empty()) {
    std::cout << model_name << " on " << gpus << " x " << type << ": plan not feasible: " << r.infeasible_reason
              << "\n";
  } else {
    std::printf("%s on %d x %s, tp %d pp %d dp %d, micro-batch %lld x %lld, %s%s%s\n", model_name.c_str(), gpus,
                type.c_str(), tp, pp, dp, static_cast<long long>(micro), static_cast<long long>(p.num_micro_batches),
                to_string(p.schedule),
                p.recompute ? ", recompute" : (p.selective_recompute ? ", selective recompute" : ""),
                p.zero1 ? ", ZeRO-1" : "");
    std::printf("iteration %.2f ms (%.1f samples/s), %s, software %s; fits in memory: %s\n", r.iter_time_s * 1e3,
                r.throughput_samples_per_s(static_cast<double>(global)), r.calibration.c_str(),
                est.params().software.name.c_str(), r.fits ? "yes" : "no");
    const auto& b = r.breakdown;
    std::printf(
        "  compute %.2f  overhead %.2f  tp comm %.2f  dp comm %.2f  pp comm %.2f  bubble %.2f  optimizer %.2f ms\n",
        b.compute_s * 1e3, b.overhead_s * 1e3, b.tp_comm_s * 1e3, b.dp_comm_s * 1e3, b.pp_comm_s * 1e3,
        b.bubble_s * 1e3, b.optimizer_s * 1e3);
    for (std::size_t s = 0; s < r.stages.size(); ++s)
      std::printf("  stage %zu: layers [%d, %d)  fwd %.2f bwd %.2f ms per micro-batch, peak memory %.2f GB%s\n", s,
                  p.stages[s].first_layer, p.stages[s].end_layer, r.stages[s].fwd_s * 1e3, r.stages[s].bwd_s * 1e3,
                  r.stages[s].peak_mem_bytes / 1e9, r.stages[s].fits ? "" : " (does not fit)");
    if (!energy_known) {
      std::printf("energy: not computed (%s has no board power, tdp_w)\n", type.c_str());
    } else {
      std::printf("energy: %.1f J per iteration (%.3f J/sample), %.0f W per GPU on average", ie.energy_j,
                  1.0 / ie.samples_per_j, ie.gpu_power_w);
      if (limit_w > 0)
        std::printf("; under a %.0f W limit the iteration takes %.2f ms", limit_w, ie.iter_time_s * 1e3);
      if (price) std::printf("; cost %.6f USD per iteration at %.4f USD/GPU-hour", ie.cost_usd, price->usd_per_gpu_hour);
      if (a.has("--prices") && !price) std::printf("; no price for %s", type.c_str());
      std::printf("\n");
    }
  }
  if (a.has("--json")) io::save_json_file(doc, a.get("--json"));
  return r.infeasible_reason.empty() ? 0 : 1;
}

}  // namespace cellsched::cli
