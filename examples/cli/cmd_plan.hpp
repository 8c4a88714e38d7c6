#pragma once
// cellsched plan: every Cell of one job on a cluster, searched for its best plan and ranked; the chosen
// Cell's plan stage by stage with its Megatron-LM / torchrun launch line.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "args.hpp"
#include "energy_cli.hpp"
#include "cellsched/cell/enumerate.hpp"
#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/estimate/energy.hpp"
#include "cellsched/estimate/objective.hpp"
#include "cellsched/io/cluster_json.hpp"
#include "cellsched/io/job_json.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/model_json.hpp"
#include "cellsched/io/profile_json.hpp"
#include "cellsched/model/zoo.hpp"
#include "cellsched/search/launcher_args.hpp"
#include "cellsched/search/plan_json.hpp"
#include "cellsched/search/plan_text.hpp"
#include "cellsched/search/rank.hpp"
#include "stage_measurements.hpp"

namespace cellsched::cli {

inline const char* plan_usage =
    "usage: cellsched plan --cluster FILE (--model NAME | --model-file FILE) --batch N [options]\n"
    "       cellsched plan --cluster FILE --job FILE [options]\n"
    "\n"
    "Enumerates the job's Cells on the cluster - every GPU type, every allowed GPU count the type can hold,\n"
    "the node layouts allowed for it, every stage count up to min(GPUs, layers) - finds the best plan in\n"
    "each (per-stage dp x tp, micro-batching, layer split balanced by estimated time, schedule,\n"
    "recomputation none/selective/full, ZeRO-1 (distributed optimizer), sequence parallelism, overlapped\n"
    "gradient reduction, interleaved virtual stages) with the analytic estimator, and ranks the Cells by\n"
    "iteration time (or by\n"
    "--objective). Prints the top Cells, the fastest, cheapest and most energy-efficient side by side,\n"
    "then the best one's plan stage by stage and its Megatron-LM / torchrun launch line.\n"
    "\n"
    "options:\n"
    "  --top K              Cells to print and write (default 10)\n"
    "  --json OUT           write the ranking, the chosen plan and its launch arguments as JSON\n"
    "  --per-allocation     list only the best Cell (stage count) of each allocation (types, GPUs, layout)\n"
    "  --hetero             also two-type Cells (stages on different GPU types); implies --allow-nonuniform\n"
    "  --gpu-counts LIST    allowed GPU counts, comma-separated (default 1,2,4,8,16)\n"
    "  --layouts fewest|uniform   fewest nodes (default) or every uniform layout\n"
    "  --max-stages S       cap on pipeline stages\n"
    "  --gpu-type TYPE      only Cells of this type\n"
    "  --allow-nonuniform   also plans Megatron-LM cannot launch as they are: stages of different GPU counts\n"
    "                       or (dp, tp), GPipe, two GPU types (need a custom launcher; the output says so).\n"
    "                       Default: one GPU type, the same GPUs and (dp, tp) on every stage, 1F1B\n"
    "  --recompute          only plans with activation recomputation; --no-recompute: only without\n"
    "                       (default: both searched)\n"
    "  --profile FILE       a probe profile calibrating its GPU type\n"
    "  --software NAME      the software stack the job runs on (below)\n"
    "  --stage-measurements FILE.csv [--stage-gpu-type TYPE]   measured stage scales (below); the search\n"
    "                       then assumes nothing of recomputation or micro-batch size (slower, still exact)\n"
    "  --objective throughput|cost|energy   rank by samples/s (default), samples per USD or samples per\n"
    "                       joule (docs/energy-cost.md); the fastest, cheapest and most energy-efficient\n"
    "                       Cells are printed side by side whatever the ranking\n"
    "  --prices FILE        USD per GPU-hour per GPU type (docs/formats/prices.md); a cluster file's\n"
    "                       \"prices\" override it\n"
    "Exit status: 0 a plan was found, 1 no Cell has a feasible plan, 2 bad input.\n";

namespace plan_detail {

[[nodiscard]] inline std::vector<int> parse_counts(const std::string& text) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || v < 1 || v > (1 << 20))
      throw usage_error("--gpu-counts expects positive integers separated by commas, got '" + text + "'");
    out.push_back(static_cast<int>(v));
    pos = comma + 1;
  }
  return out;
}

/// One ranking row: rank, types, GPUs, layout, stages, time, throughput, plan.
inline void print_row(std::size_t rank, const cell_search_result& r) {
  std::printf("%4zu  %-22s %5d  %-16s %3d  ", rank, cell_types_text(r.where).c_str(), r.where.num_gpus,
              layout_text(r.where).c_str(), r.where.stages);
  if (r.feasible)
    std::printf("%10.3f %10.1f  %s\n", r.best_estimate.iter_time_s, r.throughput_samples_per_s(),
                plan_summary(r.best_plan).c_str());
  else
    std::printf("%10s %10s  %s\n", "-", "-", r.reason.c_str());
}

/// Energy and cost of a Cell's best plan (estimate/energy.hpp); unknown for a two-type Cell, a type
/// without board power, and (cost only) a type without a price.
struct cell_energy {
  bool energy_known = false;
  bool cost_known = false;
  iteration_energy e;
};

[[nodiscard]] inline cell_energy energy_of(const cell_search_result& r, const cluster& cl, const price_table& prices,
                                           double batch) {
  cell_energy out;
  if (!r.feasible || r.where.heterogeneous()) return out;
  const gpu_type* t = cl.catalog().find(r.where.gpu_type);
  if (t == nullptr || !has_power(*t)) return out;
  const gpu_price* p = prices.find(t->name, cl.catalog());
  out.e = energy_per_iteration(*t, r.where.num_gpus, r.best_estimate.breakdown, batch, 0.0,
                               p ? p->usd_per_gpu_hour : 0.0);
  out.energy_known = true;
  out.cost_known = p != nullptr;
  return out;
}

/// The objective's figure for a Cell (higher is better; -1 when it cannot be computed).
[[nodiscard]] inline double objective_figure(allocation_objective o, const cell_search_result& r,
                                             const cell_energy& ce) {
  if (!r.feasible) return -1.0;
  switch (o) {
    case allocation_objective::throughput: return r.throughput_samples_per_s();
    case allocation_objective::cost: return ce.cost_known ? ce.e.samples_per_usd : -1.0;
    case allocation_objective::energy: return ce.energy_known ? ce.e.samples_per_j : -1.0;
  }
  return -1.0;
}

/// The fastest, cheapest and most energy-efficient Cells side by side (text and JSON).
inline void print_objectives(const std::vector<cell_search_result>& ranked, const cluster& cl, const price_table& prices,
                             double batch, nlohmann::json& doc, const model& m) {
  const char* labels[] = {"fastest", "cheapest", "most energy-efficient"};
  const allocation_objective objs[] = {allocation_objective::throughput, allocation_objective::cost,
                                       allocation_objective::energy};
  std::printf("\nfastest, cheapest and most energy-efficient Cells (docs/energy-cost.md):\n");
  std::printf("%-22s  %-22s %5s  %-16s %3s  %10s %10s %10s %14s %8s\n", "", "gpu type", "gpus", "layout", "pp",
              "iter s", "samples/s", "J/sample", "USD/1M samples", "kW");
  doc["objectives"] = nlohmann::json::object();
  for (int k = 0; k < 3; ++k) {
    const cell_search_result* best = nullptr;
    cell_energy best_e;
    double best_v = -1.0;
    for (const auto& r : ranked) {
      const cell_energy ce = energy_of(r, cl, prices, batch);
      const double v = objective_figure(objs[k], r, ce);
      if (v > best_v) {
        best_v = v;
        best = &r;
        best_e = ce;
      }
    }
    if (best == nullptr || best_v <= 0.0) {
      std::printf("%-22s  none (%s)\n", labels[k],
                  objs[k] == allocation_objective::cost ? "no feasible Cell of a priced GPU type; give --prices"
                                                        : "no feasible single-type Cell with board power");
      doc["objectives"][labels[k]] = nullptr;
      continue;
    }
    const auto fig = [](bool known, const char* f, double v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, f, v);
      return known ? std::string(buf) : std::string("n/a");
    };
    std::printf("%-22s  %-22s %5d  %-16s %3d  %10.3f %10.1f %10s %14s %8s\n", labels[k],
                cell_types_text(best->where).c_str(), best->where.num_gpus, layout_text(best->where).c_str(),
                best->where.stages, best->best_estimate.iter_time_s, best->throughput_samples_per_s(),
                fig(best_e.energy_known, "%.2f", best_e.energy_known ? 1.0 / best_e.e.samples_per_j : 0.0).c_str(),
                fig(best_e.cost_known, "%.2f", best_e.cost_known ? 1e6 / best_e.e.samples_per_usd : 0.0).c_str(),
                fig(best_e.energy_known, "%.2f", best_e.e.gpu_power_w * best->where.num_gpus / 1e3).c_str());
    nlohmann::json j = search_result_to_json(m, *best);
    j["energy_j_per_iteration"] = best_e.energy_known ? nlohmann::json(best_e.e.energy_j) : nlohmann::json(nullptr);
    j["energy_j_per_sample"] = best_e.energy_known ? nlohmann::json(1.0 / best_e.e.samples_per_j) : nlohmann::json(nullptr);
    j["usd_per_iteration"] = best_e.cost_known ? nlohmann::json(best_e.e.cost_usd) : nlohmann::json(nullptr);
    j["usd_per_million_samples"] =
        best_e.cost_known ? nlohmann::json(1e6 / best_e.e.samples_per_usd) : nlohmann::json(nullptr);
    doc["objectives"][labels[k]] = std::move(j);
  }
}

}  // namespace plan_detail

inline int run_plan(const std::vector<std::string>& argv) {
  const args a(argv,
               {"--cluster", "--model", "--model-file", "--batch", "--job", "--json", "--top", "--gpu-counts",
                "--layouts", "--max-stages", "--gpu-type", "--profile", "--stage-measurements", "--stage-gpu-type",
                "--software", "--objective", "--prices"},
               {"--hetero", "--per-allocation", "--recompute", "--no-recompute", "--allow-nonuniform", "--help"});
  if (a.has("--help")) {
    std::cout << plan_usage << software_help << stage_measurements_help;
    return 0;
  }
  if (!a.positional().empty()) throw usage_error("unexpected argument '" + a.positional().front() + "'");
  const cluster cl = io::load_cluster_file(a.require("--cluster"));
  const allocation_objective objective = parse_objective(a);
  const price_table prices = effective_prices(a, cl);
  if (objective == allocation_objective::cost && prices.empty())
    throw usage_error("--objective cost needs prices: give --prices FILE or a cluster \"prices\" entry");

  model m;
  std::int64_t batch = 0;
  if (a.has("--job")) {
    for (const char* f : {"--model", "--model-file", "--batch"})
      if (a.has(f)) throw usage_error(std::string(f) + " does not go with --job (the job file names both)");
    const job j = io::load_job_file(a.get("--job"));
    m = builtin_model_zoo().build(j.model);
    batch = j.global_batch;
  } else {
    if (a.has("--model") == a.has("--model-file"))
      throw usage_error("give exactly one of --model, --model-file or --job");
    m = a.has("--model") ? builtin_model_zoo().build(a.get("--model")) : io::load_model_file(a.get("--model-file"));
    if (!a.has("--batch")) throw usage_error("--batch is required with --model / --model-file");
    batch = a.get_int("--batch", 0);
  }

  cell_options co;
  if (a.has("--gpu-counts")) co.gpu_counts = plan_detail::parse_counts(a.get("--gpu-counts"));
  const std::string layouts = a.get("--layouts", "fewest");
  if (layouts != "fewest" && layouts != "uniform") throw usage_error("--layouts must be fewest or uniform");
  co.layouts = layouts == "uniform" ? layout_policy::all_uniform : layout_policy::fewest_nodes;
  co.max_stages = static_cast<int>(a.get_int("--max-stages", 0, 1, 1 << 20));
  co.heterogeneous = a.has("--hetero");
  // Two-type Cells are never uniform: --hetero implies --allow-nonuniform.
  const bool allow_nonuniform = a.has("--allow-nonuniform") || co.heterogeneous;
  const std::size_t top = static_cast<std::size_t>(a.get_int("--top", 10, 1, 1 << 20));

  std::vector<cell> cells = enumerate_cells(m, cl, co);
  if (a.has("--gpu-type")) {
    const gpu_type* t = cl.catalog().find(a.get("--gpu-type"));
    if (!t || cl.total_gpus_of(t->name) == 0)
      throw usage_error("the cluster has no GPU type '" + a.get("--gpu-type") + "'");
    std::erase_if(cells, [&](const cell& c) { return c.gpu_type != t->name && !c.heterogeneous(); });
    std::erase_if(cells, [&](const cell& c) {
      for (int s = 0; s < c.stages; ++s)
        if (c.stage_gpu_type(s) == t->name) return false;
      return true;
    });
  }
  std::vector<probe_profile> profiles;
  if (a.has("--profile")) profiles.push_back(io::load_profile_file(a.get("--profile")));
  analytic_estimator est(cl.catalog(), params_from_args(a), profiles);
  apply_stage_measurements(a, est, stage_gpu_type(a));
  // Every option real runs set is searched; the pruning follows est.guarantees() (fewer once measured
  // stage scales are set).
  search_options so = search_options::real_runs();
  if (a.has("--recompute") && a.has("--no-recompute"))
    throw usage_error("give at most one of --recompute and --no-recompute");
  so.require_recompute = a.has("--recompute");
  so.try_recompute = !a.has("--no-recompute");
  so.megatron_launchable = !allow_nonuniform;

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<cell_search_result> ranked = rank_cells(est, m, batch, cells, so);
  const double search_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  search_stats total;
  std::size_t feasible = 0;
  for (const auto& r : ranked) {
    total += r.stats;
    feasible += r.feasible ? 1 : 0;
  }
  if (objective != allocation_objective::throughput) {  // best by the objective first; ties keep the time order
    std::vector<double> figure;
    for (const auto& r : ranked)
      figure.push_back(plan_detail::objective_figure(objective, r, plan_detail::energy_of(r, cl, prices,
                                                                                          static_cast<double>(batch))));
    std::vector<std::size_t> order(ranked.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return figure[x] > figure[y]; });
    std::vector<cell_search_result> sorted;
    for (std::size_t i : order) sorted.push_back(std::move(ranked[i]));
    ranked = std::move(sorted);
  }
  if (a.has("--per-allocation")) {  // ranked best first: keep the first Cell of each allocation
    std::vector<std::string> seen;
    std::erase_if(ranked, [&](const cell_search_result& r) {
      std::string key = cell_types_text(r.where) + " " + layout_text(r.where);
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) return true;
      seen.push_back(std::move(key));
      return false;
    });
  }

  std::printf(
      "%s, global batch %lld, on %s: %zu Cells, %zu feasible; searched in %.1f ms (%lld plans, %lld estimates)\n",
      m.name.c_str(), static_cast<long long>(batch), cl.name().c_str(), cells.size(), feasible, search_ms,
      static_cast<long long>(total.plans), static_cast<long long>(total.estimator_calls));
  std::printf("%4s  %-22s %5s  %-16s %3s  %10s %10s  %s\n", "rank", "gpu type", "gpus", "layout", "pp", "iter s",
              "samples/s", "plan");
  for (std::size_t i = 0; i < ranked.size() && i < top; ++i) plan_detail::print_row(i + 1, ranked[i]);

  nlohmann::json doc;
  doc["kind"] = "plan_search";
  doc["model"] = m.name;
  doc["global_batch"] = batch;
  doc["cluster"] = cl.name();
  doc["cells"] = cells.size();
  doc["feasible_cells"] = feasible;
  doc["search_ms"] = search_ms;
  doc["search"] = search_stats_to_json(total);
  doc["allow_nonuniform"] = allow_nonuniform;
  doc["ranking"] = nlohmann::json::array();
  for (std::size_t i = 0; i < ranked.size() && i < top; ++i)
    doc["ranking"].push_back(search_result_to_json(m, ranked[i]));

  if (feasible == 0) {
    std::printf("no Cell has a feasible plan\n");
    if (a.has("--json")) io::save_json_file(doc, a.get("--json"));
    return 1;
  }
  plan_detail::print_objectives(ranked, cl, prices, static_cast<double>(batch), doc, m);
  doc["objective"] = to_string(objective);
  const cell_search_result& best = ranked.front();
  const launch_args launch = megatron_launch_args(m, best.where, best.best_plan);
  std::printf("\nchosen: %s x %d on %s, %d stages: %.3f s per iteration, %.1f samples/s (%s)\n",
              cell_types_text(best.where).c_str(), best.where.num_gpus, layout_text(best.where).c_str(),
              best.where.stages, best.best_estimate.iter_time_s, best.throughput_samples_per_s(),
              best.best_estimate.calibration.c_str());
  std::printf("  %s\n", plan_summary(best.best_plan).c_str());
  for (const auto& line : stage_lines(best.where, best.best_plan, &best.best_estimate))
    std::printf("  %s\n", line.c_str());
  std::printf("launch%s:\n  %s\n",
              launch.megatron_compatible ? "" : " (needs a custom launcher: Megatron-LM cannot run this plan as is)",
              launch.command_line().c_str());
  for (const auto& n : launch.notes) std::printf("  note: %s\n", n.c_str());
  doc["chosen"] = search_result_to_json(m, best);
  doc["chosen"]["needs_custom_launcher"] = !launch.megatron_compatible;
  if (a.has("--json")) io::save_json_file(doc, a.get("--json"));
  return 0;
}

}  // namespace cellsched::cli
