// Plan-search speed (issue: Cells and plan search). For every reference model of the Arena traces at its
// middle trace batch, on the bundled 1,280-GPU cluster (data/clusters/arena-1280.json) with the default
// Cell options (GPU counts 1-16, fewest-nodes layouts, every stage count):
//   * time to search one Cell (median over runs, per Cell; the median and the worst Cell are reported),
//   * time to search all Cells of the job (median over runs),
//   * plans in the searched space and estimator calls per second,
//   * the exhaustive search over the same space: its time, and a check that both return the same plans.
// Then GPT-3 175B (batch 1536) on GPU counts up to 1,024: on the 1,280-GPU cluster (at most 320 of one
// type) and on a homogeneous 1,024-GPU cluster of 128 x 8 A100-80GB.
// Single-threaded. Times are the thread's CPU time ("on one core", unaffected by other processes on a
// shared machine); the JSON also keeps wall-clock medians. Prints a table and writes JSON (default
// <build dir>/plan_search.json, or --out FILE).
// Usage: plan_search [--runs N] [--out FILE] [--quick] [--real-runs]   (--quick: 4 models, no 1,024-GPU
// cluster; --real-runs: the plan space `cellsched plan` searches, search_options::real_runs() with only
// Megatron-launchable plans: selective recomputation, sequence parallelism, overlapped gradient
// reduction and interleaved virtual stages on top of the default space)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/cell/enumerate.hpp"
#include "cellsched/estimate/analytic_estimator.hpp"
#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/io/cluster_json.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/model/zoo.hpp"
#include "cellsched/search/cell_search.hpp"
#include "cellsched/search/exhaustive.hpp"
#include "cellsched/search/rank.hpp"

namespace {

using namespace cellsched;
using clock_type = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// CPU time of this thread, ms (POSIX CLOCK_THREAD_CPUTIME_ID).
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct timing {
  double cpu_ms = 0.0;   ///< median thread CPU time
  double wall_ms = 0.0;  ///< median wall-clock time
};

/// Medians over `runs` of the CPU and wall time of f().
template <class F>
timing measure(int runs, F&& f) {
  std::vector<double> cpu, wall;
  for (int r = 0; r < runs; ++r) {
    const double c0 = thread_cpu_ms();
    const auto t0 = clock_type::now();
    f();
    wall.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    cpu.push_back(thread_cpu_ms() - c0);
  }
  return {median(cpu), median(wall)};
}

struct job_case {
  std::string model;
  std::int64_t batch;
};

/// The pruning follows analytic_estimator::guarantees() (all of them).
search_options analytic_options(bool real_runs) {
  if (!real_runs) return {};
  search_options o = search_options::real_runs();
  o.megatron_launchable = true;
  return o;
}

nlohmann::json bench_job(const analytic_estimator& est, const cluster& cl, const job_case& jc, int runs,
                         const search_options& o) {
  const model m = builtin_model_zoo().build(jc.model);
  const std::vector<cell> cells = enumerate_cells(m, cl);

  // Per-Cell time, median over runs, and the search statistics of one run.
  std::vector<double> cell_ms;
  search_stats stats;
  std::vector<cell_search_result> pruned;
  std::size_t feasible = 0;
  for (const cell& c : cells) {
    cell_search_result r;
    cell_ms.push_back(measure(runs, [&] { r = search_cell(est, m, c, jc.batch, o); }).cpu_ms);
    stats += r.stats;
    feasible += r.feasible ? 1 : 0;
    pruned.push_back(std::move(r));
  }
  const timing all = measure(runs, [&] {
    for (const cell& c : cells) (void)search_cell(est, m, c, jc.batch, o);
  });
  const double all_ms = all.cpu_ms;

  // Exhaustive over the same space: time and agreement.
  search_stats ex_stats;
  std::size_t mismatches = 0;
  const timing ex = measure(std::max(1, runs / 2), [&] {
    ex_stats = {};
    mismatches = 0;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const auto r = search_cell_exhaustive(est, m, cells[i], jc.batch, o);
      ex_stats += r.stats;
      const bool same = r.feasible == pruned[i].feasible &&
                        (!r.feasible || (r.best_plan == pruned[i].best_plan &&
                                         r.best_estimate.iter_time_s == pruned[i].best_estimate.iter_time_s));
      mismatches += same ? 0 : 1;
    }
  });
  const double ex_ms = ex.cpu_ms;

  const auto best = std::min_element(pruned.begin(), pruned.end(), better_result);
  const double cell_median = median(cell_ms), cell_max = *std::max_element(cell_ms.begin(), cell_ms.end());
  std::printf("%-18s %5lld %5zu %5zu  %7.3f %7.3f  %8.1f  %8.1f  %9.0f %9.0f  %6.2fx  %s\n", jc.model.c_str(),
              static_cast<long long>(jc.batch), cells.size(), feasible, cell_median, cell_max, all_ms, ex_ms,
              static_cast<double>(stats.plans) / (all_ms / 1e3),
              static_cast<double>(stats.estimator_calls) / (all_ms / 1e3), ex_ms / all_ms,
              mismatches == 0 ? "same" : "DIFFERENT");
  nlohmann::json j = {{"model", jc.model},
                      {"global_batch", jc.batch},
                      {"cells", cells.size()},
                      {"feasible_cells", feasible},
                      {"cell_ms_median", cell_median},
                      {"cell_ms_max", cell_max},
                      {"all_cells_ms", all_ms},
                      {"all_cells_wall_ms", all.wall_ms},
                      {"exhaustive_all_cells_ms", ex_ms},
                      {"exhaustive_all_cells_wall_ms", ex.wall_ms},
                      {"plans", stats.plans},
                      {"estimator_calls", stats.estimator_calls},
                      {"exhaustive_estimator_calls", ex_stats.estimator_calls},
                      {"pruned_memory", stats.pruned_memory},
                      {"pruned_dominated", stats.pruned_dominated},
                      {"pruned_bound", stats.pruned_bound},
                      {"plans_per_s", static_cast<double>(stats.plans) / (all_ms / 1e3)},
                      {"estimates_per_s", static_cast<double>(stats.estimator_calls) / (all_ms / 1e3)},
                      {"exhaustive_matches", mismatches == 0}};
  if (best != pruned.end() && best->feasible)
    j["best"] = {{"gpu_type", best->where.gpu_type},
                 {"num_gpus", best->where.num_gpus},
                 {"stages", best->where.stages},
                 {"iter_time_s", best->best_estimate.iter_time_s}};
  return j;
}

nlohmann::json bench_large(const analytic_estimator& est, const cluster& cl, const job_case& jc, int runs,
                           const search_options& o) {
  const model m = builtin_model_zoo().build(jc.model);
  cell_options co;
  co.gpu_counts = powers_of_two_up_to(1024);
  const std::vector<cell> cells = enumerate_cells(m, cl, co);
  std::vector<cell_search_result> results;
  const timing all = measure(runs, [&] {
    results.clear();
    for (const cell& c : cells) results.push_back(search_cell(est, m, c, jc.batch, o));
  });
  const double all_ms = all.cpu_ms;
  search_stats stats;
  std::size_t feasible = 0;
  int max_gpus = 0;
  for (const auto& r : results) {
    stats += r.stats;
    feasible += r.feasible ? 1 : 0;
    max_gpus = std::max(max_gpus, r.where.num_gpus);
  }
  const auto best = std::min_element(results.begin(), results.end(), better_result);
  std::printf(
      "%-18s on %-16s: %4zu Cells (up to %4d GPUs), %4zu feasible, all Cells %9.1f ms, %9.0f plans/s, "
      "%8.0f estimates/s",
      jc.model.c_str(), cl.name().c_str(), cells.size(), max_gpus, feasible, all_ms,
      static_cast<double>(stats.plans) / (all_ms / 1e3), static_cast<double>(stats.estimator_calls) / (all_ms / 1e3));
  nlohmann::json j = {{"model", jc.model},      {"global_batch", jc.batch},
                      {"cluster", cl.name()},   {"cells", cells.size()},
                      {"max_gpus", max_gpus},   {"feasible_cells", feasible},
                      {"all_cells_ms", all_ms}, {"all_cells_wall_ms", all.wall_ms},
                      {"plans", stats.plans},   {"estimator_calls", stats.estimator_calls}};
  if (best != results.end() && best->feasible) {
    std::printf(", best %d x %s, %d stages, %.2f s/iteration", best->where.num_gpus, best->where.gpu_type.c_str(),
                best->where.stages, best->best_estimate.iter_time_s);
    j["best"] = {{"gpu_type", best->where.gpu_type},
                 {"num_gpus", best->where.num_gpus},
                 {"stages", best->where.stages},
                 {"iter_time_s", best->best_estimate.iter_time_s}};
  }
  std::printf("\n");
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  bool quick = false, real_runs = false;
  std::string out = std::string(CELLSCHED_BENCH_OUT_DIR) + "/plan_search.json";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--out" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--quick")
      quick = true;
    else if (a == "--real-runs")
      real_runs = true;
    else {
      std::fprintf(stderr, "usage: plan_search [--runs N] [--out FILE] [--quick] [--real-runs]\n");
      return 2;
    }
  }
  const cluster arena = io::load_cluster_file(std::string(CELLSCHED_DATA_DIR) + "/clusters/arena-1280.json");
  const analytic_estimator est(arena.catalog());

  // Reference models of the Arena traces (docs/formats/model.md, built-in zoo) at their middle trace batch.
  std::vector<job_case> jobs;
  for (const char* s : {"350M", "760M", "1.3B", "2.6B", "6.7B", "15B", "39B"})
    jobs.push_back({std::string("bert__") + s, 256});
  for (const char* s : {"690M", "1.3B", "2.4B", "10B", "27B", "70B"}) jobs.push_back({std::string("moe__") + s, 512});
  for (const char* s : {"500M", "1B", "2B", "4B", "6.8B", "13B"})
    jobs.push_back({std::string("wide_resnet__") + s, 512});
  if (quick) jobs = {{"bert__2.6B", 256}, {"moe__10B", 512}, {"wide_resnet__1B", 512}, {"bert__39B", 256}};

  std::printf("plan search on %s, %d runs per figure (median), thread CPU time in ms\n", arena.name().c_str(), runs);
  std::printf("%-18s %5s %5s %5s  %7s %7s  %8s  %8s  %9s %9s  %7s  %s\n", "model", "batch", "cells", "feas", "cell.md",
              "cell.mx", "all", "exhaust", "plans/s", "est/s", "speedup", "exhaustive");
  nlohmann::json doc;
  doc["kind"] = "bench_plan_search";
  doc["runs"] = runs;
  doc["real_runs"] = real_runs;
  const search_options o = analytic_options(real_runs);
  doc["cluster"] = arena.name();
  doc["jobs"] = nlohmann::json::array();
  double worst_cell = 0.0, worst_all = 0.0;
  for (const auto& jc : jobs) {
    nlohmann::json j = bench_job(est, arena, jc, runs, o);
    worst_cell = std::max(worst_cell, j["cell_ms_max"].get<double>());
    worst_all = std::max(worst_all, j["all_cells_ms"].get<double>());
    doc["jobs"].push_back(std::move(j));
  }
  std::printf(
      "targets: one Cell of <= 16 GPUs < 1 ms (worst Cell of any job: %.3f ms), all Cells of one job "
      "< 100 ms (worst job: %.1f ms)\n\n",
      worst_cell, worst_all);
  doc["worst_cell_ms"] = worst_cell;
  doc["worst_job_all_cells_ms"] = worst_all;

  doc["gpt3_175b"] = nlohmann::json::array();
  const job_case gpt3{"gpt3-175b", 1536};
  doc["gpt3_175b"].push_back(bench_large(est, arena, gpt3, std::max(1, runs / 2), o));
  if (!quick) {
    cluster big("a100x1024", builtin_catalog());
    big.add_nodes("a100-80gb", 128, 8);
    doc["gpt3_175b"].push_back(bench_large(analytic_estimator(big.catalog()), big, gpt3, 1, o));
  }
  io::save_json_file(doc, out);
  std::printf("wrote %s\n", out.c_str());
  return 0;
}
