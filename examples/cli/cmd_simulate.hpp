#pragma once
// cellsched simulate: replay a trace on a cluster under one or more policies and compare them.
// With no arguments it runs the main experiment: the bundled 1,280-GPU cluster, the bundled Philly
// trace and the reference profile table, every available policy, 2,000 rounds of 300 s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <cellsched/estimate/analytic_estimator.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/error.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/schedule/synchronized_oracle.hpp>
#include <cellsched/search/best_plan_table.hpp>
#include <cellsched/sim/arrival_order.hpp>
#include <cellsched/sim/default_policies.hpp>
#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/report.hpp>
#include <cellsched/sim/simulator.hpp>
#include <cellsched/sim/svg_plots.hpp>

#include "args.hpp"
#include "simulate_detail.hpp"

namespace cellsched::cli {

namespace simulate_detail {

inline const char* simulate_help =
    "usage: cellsched simulate [options]\n"
    "\n"
    "Replays a trace on a cluster under each policy and prints a comparison table. Without options it\n"
    "runs the bundled Philly experiment (1,280 GPUs, reference profile table, every policy, 2,000 rounds)\n"
    "and also prints the reference simulator's recorded figures beside ours.\n"
    "\n"
    "options:\n"
    "  --cluster FILE          cluster JSON (default: data/clusters/arena-1280.json)\n"
    "  --trace FILE            trace, reference CSV or JSON (default: data/traces/philly.csv)\n"
    "  --policy NAME[,NAME..]  policies to compare (default: every available one)\n"
    "  --perf-table FILE       performance table in the reference profile-DB format\n"
    "                          (default: data/perf/arena-profile-db.json)\n"
    "  --oracle table|estimator  where iteration times come from: the performance table (default), or\n"
    "                          our analytic estimator's best plan per (model, batch, GPU type, layout),\n"
    "                          searched on first use (models resolve through the built-in model zoo)\n"
    "  --rounds N              rounds to simulate (default 2000)\n"
    "  --round-seconds S       round length (default 300)\n"
    "  --iteration-divisor K   divide each job's iterations by K as loaded (default: 5 for CSV traces,\n"
    "                          as the reference simulator does; 1 for JSON)\n"
    "  --trace-order file|time  read jobs in the trace's row order, a row earlier than its predecessor\n"
    "                          joining the round being built, as the reference simulator reads a CSV\n"
    "                          trace (default for CSV), or sorted by submission time (default for JSON)\n"
    "  --exact-restarts        a preempted job restarts its execution-time count (the reference\n"
    "                          simulator keeps it, re-crediting that time a second time)\n"
    "  --failures LIST         node failures: NODE@TIME or NODE@TIME-REPAIR_TIME, comma-separated\n"
    "                          (times in the trace's time base, seconds)\n"
    "  --inject-failures SEED[:RATE]  random faults (docs/fault-injection.md): node failures at RATE per\n"
    "                          node-day (repairs ~ exponential, mean 2 h), job crashes at RATE per\n"
    "                          running-job-day, one scheduler restart from its saved JSON state per\n"
    "                          simulated day; RATE defaults to 0.05. Invariants are checked every round;\n"
    "                          the table and JSON (\"faults\") report the counts, lost_jobs and\n"
    "                          invariant_violations\n"
    "  --checkpoint-interval S  with --inject-failures: a faulted job keeps the work up to its last\n"
    "                          checkpoint, taken every S s of execution (default 0: every iteration)\n"
    "  --json OUT              write every metric, per-round series and JCTs as JSON; a CSV and the\n"
    "                          plots are written next to it (OUT's name with .csv, -jct-cdf.svg,\n"
    "                          -throughput.svg)\n"
    "  --csv OUT               write one CSV row per policy\n"
    "  --plots DIR             write jct-cdf.svg and throughput.svg into DIR\n"
    "  --jobs N                policies simulated in parallel (default: number of CPUs)\n"
    "  --quiet                 no progress line on stderr\n"
    "\n"
    "policies:\n";

/// The policies named by --policy (checked against the registry), or every available one.
template <class Registry>
[[nodiscard]] std::vector<std::string> chosen_policies(const args& a, const Registry& registry) {
  std::vector<std::string> chosen;
  if (a.has("--policy")) {
    for (const auto& name : split_list(a.get("--policy"))) {
      const auto* e = registry.find(name);
      if (!e) {
        std::string known;
        for (const auto& x : registry.entries()) known += (known.empty() ? "" : ", ") + x.name;
        throw usage_error("unknown policy '" + name + "' (known: " + known + ")");
      }
      if (!e->available) throw usage_error("policy '" + name + "' is " + e->unavailable_reason);
      if (std::find(chosen.begin(), chosen.end(), name) == chosen.end()) chosen.push_back(name);
    }
    if (chosen.empty()) throw usage_error("--policy names no policy");
  } else {
    for (const auto& e : registry.entries()) {
      if (e.available)
        chosen.push_back(e.name);
      else
        std::cerr << "simulate: skipping " << e.name << " (" << e.unavailable_reason << ")\n";
    }
  }
  return chosen;
}

/// Simulates each named policy against `oracle`, `workers` at a time (the oracle must be safe to query
/// from several threads).
template <class Oracle>
[[nodiscard]] std::vector<sim::sim_run> run_policies(const cluster& topology, const std::vector<job>& trace,
                                                     const Oracle& oracle, const sim::sim_options& opts,
                                                     const std::vector<std::string>& names, std::size_t workers) {
  const auto registry = sim::default_policy_registry<Oracle>();
  std::vector<sim::sim_run> runs(names.size());
  std::vector<std::exception_ptr> errors(names.size());
  std::size_t next = 0;
  std::mutex mu;
  const auto worker = [&] {
    for (;;) {
      std::size_t i = 0;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= names.size()) return;
        i = next++;
      }
      try {
        const auto* e = registry.find(names[i]);
        auto pol = e->make();
        runs[i] = sim::simulate(topology, trace, oracle, pol, e->costs, opts);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t w = 0; w < std::min(workers, names.size()); ++w) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return runs;
}

/// One line per policy with its fault counts.
[[nodiscard]] inline std::string format_faults(const std::vector<sim::sim_run>& runs) {
  std::string out;
  for (const auto& r : runs) {
    if (!r.faults) continue;
    const sim::fault_report& f = *r.faults;
    char line[256];
    std::snprintf(line, sizeof line,
                  "  %-15s %zu node failures, %zu repairs, %zu job crashes, %zu scheduler restarts; lost jobs %zu, "
                  "invariant violations %zu\n",
                  r.policy.c_str(), f.node_failures, f.repairs, f.job_crashes, f.scheduler_restarts, f.lost_jobs,
                  f.invariant_violations);
    out += line;
    for (const auto& v : f.first_violations) out += "    " + v + "\n";
  }
  return out;
}

[[nodiscard]] inline nlohmann::json faults_json(const sim::fault_report& f) {
  return {{"node_failures", f.node_failures},
          {"repairs", f.repairs},
          {"job_crashes", f.job_crashes},
          {"scheduler_restarts", f.scheduler_restarts},
          {"lost_jobs", f.lost_jobs},
          {"invariant_violations", f.invariant_violations},
          {"first_violations", f.first_violations}};
}

}  // namespace simulate_detail

inline int run_simulate(const std::vector<std::string>& argv) {
  using namespace simulate_detail;
  const args a(argv,
               {"--cluster", "--trace", "--policy", "--perf-table", "--rounds", "--round-seconds",
                "--iteration-divisor", "--failures", "--json", "--csv", "--plots", "--jobs", "--oracle",
                "--inject-failures", "--checkpoint-interval", "--trace-order"},
               {"--help", "--exact-restarts", "--quiet"});
  const auto registry = sim::default_policy_registry<reference_perf_table>();
  if (a.has("--help")) {
    std::cout << simulate_help;
    for (const auto& e : registry.entries())
      std::printf("  %-15s %s%s\n", e.name.c_str(), e.summary.c_str(),
                  e.available ? "" : (" [" + e.unavailable_reason + "]").c_str());
    return 0;
  }
  if (!a.positional().empty()) throw usage_error("unexpected argument '" + a.positional().front() + "'");

  const std::string data = CELLSCHED_DEFAULT_DATA_DIR;
  const std::string cluster_path = a.get("--cluster", data + "/clusters/arena-1280.json");
  const std::string trace_path = a.get("--trace", data + "/traces/philly.csv");
  const std::string table_path = a.get("--perf-table", data + "/perf/arena-profile-db.json");
  sim::sim_options opts;
  opts.rounds = static_cast<int>(a.get_int("--rounds", 2000, 1, 10'000'000));
  opts.round_s = a.get_double("--round-seconds", 300.0, 1.0, 1e7);
  opts.carry_exec_time_across_preemption = !a.has("--exact-restarts");
  const bool csv_trace = trace_path.size() >= 4 && trace_path.compare(trace_path.size() - 4, 4, ".csv") == 0;
  io::trace_options topts;
  topts.iteration_divisor = static_cast<int>(a.get_int("--iteration-divisor", csv_trace ? 5 : 1, 1, 1'000'000));
  try {
    opts.order = sim::parse_trace_order(a.get("--trace-order", csv_trace ? "file" : "time"));
  } catch (const std::invalid_argument& e) {
    throw usage_error(std::string("--trace-order: ") + e.what());
  }

  const cluster topology = io::load_cluster_file(cluster_path);
  const std::vector<job> trace = io::load_trace_file(trace_path, topts);
  if (a.has("--failures")) opts.failures = parse_failures(a.get("--failures"), topology);
  if (a.has("--inject-failures")) {
    opts.faults = parse_inject(a.get("--inject-failures"));
    opts.faults->checkpoint_interval_s = a.get_double("--checkpoint-interval", 0.0, 0.0, 1e9);
  } else if (a.has("--checkpoint-interval")) {
    throw usage_error("--checkpoint-interval applies with --inject-failures only");
  }

  const std::string oracle_kind = a.get("--oracle", "table");
  if (oracle_kind != "table" && oracle_kind != "estimator")
    throw usage_error("--oracle must be table or estimator, got '" + oracle_kind + "'");
  if (oracle_kind == "estimator" && a.has("--perf-table"))
    throw usage_error("--perf-table applies to --oracle table only");
  const std::vector<std::string> names = chosen_policies(a, registry);
  progress_line progress(!a.has("--quiet"));
  opts.on_progress = [&](const sim::sim_progress& p) { progress.update(p); };
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  const auto workers = static_cast<std::size_t>(a.get_int("--jobs", cpus, 1, 1024));
  const auto wall_start = std::chrono::steady_clock::now();
  std::vector<sim::sim_run> runs;
  std::size_t oracle_entries = 0;
  if (oracle_kind == "table") {
    reference_perf_table table = reference_perf_table::load(table_path, topology.catalog());
    table.bind_cluster(topology);
    runs = run_policies(topology, trace, table, opts, names, workers);
  } else {
    best_plan_table<analytic_estimator> table(analytic_estimator(topology.catalog()), topology);
    table.set_resolver([](const std::string& name) -> std::optional<model> {
      if (!builtin_model_zoo().contains(name)) return std::nullopt;
      return builtin_model_zoo().build(name);
    });
    for (const auto& j : trace)
      if (!builtin_model_zoo().contains(j.model))
        throw input_error(
            trace_path, "model",
            "a model of the built-in zoo for --oracle estimator (job '" + j.id + "' names '" + j.model + "')");
    const synchronized_oracle<best_plan_table<analytic_estimator>> shared(table);
    runs = run_policies(topology, trace, shared, opts, names, workers);
    oracle_entries = shared.size();
  }
  const double total_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  std::vector<sim::run_metrics> metrics;
  for (const auto& r : runs) metrics.push_back(sim::compute_metrics(r));
  sim::pad_jct(metrics, runs);
  std::cout << "cluster " << topology.name() << " (" << topology.total_gpus() << " GPUs), " << trace.size()
            << " jobs in the trace (read in " << sim::to_string(opts.order) << " order), " << opts.rounds
            << " rounds of " << opts.round_s << " s\n\n"
            << sim::format_table(metrics);
  if (opts.faults) std::cout << "\nfaults injected (seed " << opts.faults->seed << "):\n" << format_faults(runs);
  const bool bundled = !a.has("--cluster") && !a.has("--trace") && !a.has("--perf-table") && opts.rounds == 2000 &&
                       opts.round_s == 300.0 && !a.has("--iteration-divisor") && opts.failures.empty() &&
                       !opts.faults && oracle_kind == "table";
  if (bundled) {
    const std::string cmp = sim::format_reference_comparison(metrics);
    if (!cmp.empty()) std::cout << "\nbeside the reference simulator's recorded Philly results:\n" << cmp;
  }

  nlohmann::json inputs = {{"cluster", cluster_path},
                           {"cluster_gpus", topology.total_gpus()},
                           {"trace", trace_path},
                           {"trace_jobs", trace.size()},
                           {"trace_order", sim::to_string(opts.order)},
                           {"oracle", oracle_kind},
                           {"rounds", opts.rounds},
                           {"round_s", opts.round_s},
                           {"iteration_divisor", topts.iteration_divisor},
                           {"carry_exec_time_across_preemption", opts.carry_exec_time_across_preemption},
                           {"wall_s", total_wall_s}};
  if (oracle_kind == "table")
    inputs["perf_table"] = table_path;
  else
    inputs["estimator_table_entries"] = oracle_entries;
  if (opts.faults)
    inputs["faults"] = {{"seed", opts.faults->seed},
                        {"node_failures_per_node_day", opts.faults->node_failures_per_node_day},
                        {"repair_mean_s", opts.faults->repair_mean_s},
                        {"job_crashes_per_job_day", opts.faults->job_crashes_per_job_day},
                        {"scheduler_restarts_per_day", opts.faults->scheduler_restarts_per_day},
                        {"checkpoint_interval_s", opts.faults->checkpoint_interval_s}};
  if (a.has("--json")) {
    const std::filesystem::path out = a.get("--json");
    nlohmann::json doc = sim::results_json(runs, metrics, inputs);
    for (std::size_t i = 0; i < runs.size(); ++i)
      if (runs[i].faults) doc["policies"][i]["faults"] = faults_json(*runs[i].faults);
    write_text(out.string(), doc.dump(2) + "\n");
    std::filesystem::path stem = out;
    stem.replace_extension();
    write_text(stem.string() + ".csv", sim::results_csv(metrics));
    write_text(stem.string() + "-jct-cdf.svg", sim::jct_cdf_svg(runs));
    write_text(stem.string() + "-throughput.svg", sim::throughput_svg(runs));
  }
  if (a.has("--csv")) write_text(a.get("--csv"), sim::results_csv(metrics));
  if (a.has("--plots")) {
    const std::filesystem::path dir = a.get("--plots");
    write_text((dir / "jct-cdf.svg").string(), sim::jct_cdf_svg(runs));
    write_text((dir / "throughput.svg").string(), sim::throughput_svg(runs));
  }
  return 0;
}

}  // namespace cellsched::cli
