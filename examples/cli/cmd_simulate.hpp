#pragma once
// cellsched simulate: replay a trace on a cluster under one or more policies and compare them.
// With no arguments it runs the main experiment: the bundled 1,280-GPU cluster, the bundled Philly
// trace and the reference profile table, every available policy, 2,000 rounds of 300 s, in the
// reference simulator's conventions. On a user's own cluster and trace the defaults are ours: no
// iteration divisor, throughput over rounds with a running job, the table where it covers the jobs and
// the estimator elsewhere, a run that ends when the jobs are done.
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
#include <cellsched/error.hpp>
#include <cellsched/io/model_json.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/schedule/synchronized_oracle.hpp>
#include <cellsched/search/best_plan_table.hpp>
#include <cellsched/sim/covering_oracle.hpp>
#include <cellsched/sim/arrival_order.hpp>
#include <cellsched/sim/default_policies.hpp>
#include <cellsched/sim/energy_report.hpp>
#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/report.hpp>
#include <cellsched/sim/simulator.hpp>
#include <cellsched/sim/svg_plots.hpp>

#include "args.hpp"
#include "energy_cli.hpp"
#include "simulate_closed_loop.hpp"
#include "simulate_detail.hpp"
#include "simulate_modes.hpp"

namespace cellsched::cli {

namespace simulate_detail {

inline const char* simulate_help =
    "usage: cellsched simulate [options]\n"
    "\n"
    "Replays a trace on a cluster under each policy and prints a comparison table. Without --cluster,\n"
    "--trace or --perf-table it runs the reference experiment: the bundled Philly trace on the bundled\n"
    "1,280-GPU cluster with the reference profile table, every policy, 2,000 rounds, in the reference\n"
    "simulator's conventions (--reference), and prints its recorded figures beside ours.\n"
    "\n"
    "options:\n"
    "  --cluster FILE          cluster JSON (default: data/clusters/arena-1280.json); its gpu_types may\n"
    "                          define GPU types that the trace then requests\n"
    "  --trace FILE            trace, reference CSV or JSON (default: data/traces/philly.csv); times may\n"
    "                          have fractional seconds\n"
    "  --models LIST           model files (kind model or model_zoo) or folders of them, comma-separated,\n"
    "                          for models the trace names beyond the built-in zoo; a trace may also name\n"
    "                          a model file by path (relative to the trace's folder)\n"
    "  --policy NAME[,NAME..]  policies to compare (default: every available one)\n"
    "  --oracle auto|table|estimator  where iteration times come from (default auto): the reference\n"
    "                          profile table for jobs whose model and batch it measured when it also has\n"
    "                          every GPU type of the cluster, our analytic estimator for every other job\n"
    "                          (a warning lists what the table does not cover); table: the table alone\n"
    "                          (jobs it has no row for never run, and their outcome says why); estimator:\n"
    "                          our estimator's best plan per (model, batch, GPU type, layout)\n"
    "  --perf-table FILE       the table, in the reference profile-DB format\n"
    "                          (default: data/perf/arena-profile-db.json)\n"
    "  --rounds N              simulate exactly N rounds (default: until every job has finished or been\n"
    "                          dropped, or no job can make progress; at most 2,000 rounds with\n"
    "                          --reference, 100,000 otherwise)\n"
    "  --round-seconds S       round length (default 300)\n"
    "  --reference             the reference simulator's conventions: a CSV trace's iterations divided by\n"
    "                          5 (its generator multiplied them by 5), throughput and utilisation averaged\n"
    "                          over rounds above 100 samples/s (its plotting rule), the recorded figures\n"
    "                          beside ours on the bundled experiment\n"
    "  --iteration-divisor K   divide each job's iterations by K as loaded (default 1; 5 for a CSV trace\n"
    "                          with --reference); printed in the run header\n"
    "  --trace-order file|time  read jobs in the trace's row order, a row earlier than its predecessor\n"
    "                          joining the round being built, as the reference simulator reads a CSV\n"
    "                          trace (default with --reference for a CSV trace), or sorted by submission\n"
    "                          time (default otherwise); printed in the run header\n"
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
    "  --json OUT              write every metric, per-round series and every job's outcome as JSON; a\n"
    "                          CSV and the plots are written next to it (OUT's name with .csv,\n"
    "                          -jct-cdf.svg, -throughput.svg, -power.svg, -energy-tradeoff.svg)\n"
    "  --csv OUT               write one CSV row per policy\n"
    "  --jobs-out OUT          per-job results, CSV (OUT ends in .csv) or JSON: id, model, submit, start,\n"
    "                          end, JCT, every allocation (GPU type, count, layout, plan, rounds),\n"
    "                          preemptions, and why a job did not finish (docs/formats/results.md)\n"
    "  --plots DIR             write jct-cdf.svg, throughput.svg, power.svg and energy-tradeoff.svg into DIR\n"
    "  --truth table|estimator  closed loop (docs/closed-loop.md): jobs run at these iteration times while\n"
    "                          the policies decide with --oracle's; the report adds the belief's error\n"
    "  --truth-noise SEED:SIGMA  the truth off by exp(SIGMA x N(0,1)) per job and GPU type\n"
    "  --truth-drift TYPE:FACTOR@ROUND[,...]  from ROUND on, TYPE's iterations take FACTOR times as long\n"
    "  --adapt online|off      with --truth: the belief learns from what running jobs report (default off)\n"
    "  --objective throughput|cost|energy  what Crius (crius, crius-ddl) maximises per allocation:\n"
    "                          throughput (default), samples per USD or samples per joule; crius-ddl with\n"
    "                          cost gives each job the cheapest allocation that meets its deadline; the\n"
    "                          baselines keep their own objectives (docs/energy-cost.md)\n"
    "  --prices FILE           USD per GPU-hour per GPU type (docs/formats/prices.md; e.g.\n"
    "                          data/prices/cloud-list-prices.json); a cluster file's \"prices\" override it.\n"
    "                          Without prices the cost columns read n/a\n"
    "  --power-budget-w W      cluster power budget: Crius takes no move that could exceed it; every\n"
    "                          policy's power is checked against it each round and rounds above it are\n"
    "                          reported\n"
    "  --shadow HOST           shadow mode (docs/closed-loop.md): HOST's decisions are applied; every\n"
    "                          --policy decides on the same snapshots each round without acting; the\n"
    "                          report adds agreement, predicted throughput of both, predicted gain,\n"
    "                          the moves and preemptions the shadow would have made, its decision time\n"
    "  --pilot SELECTOR        pilot mode: each --policy manages the jobs SELECTOR picks (queue=NAME,\n"
    "                          label=NAME, weight>=W, id=GLOB, model=GLOB, share=PERCENT; several joined\n"
    "                          by '|'), --host-policy the others, on one cluster; the host decides first\n"
    "                          and the pilot takes what it leaves free\n"
    "  --host-policy P         with --pilot: the policy managing the other jobs (required)\n"
    "  --pilot-gpus TYPE:N[,..]  with --pilot: GPUs of TYPE the host may not take beyond the pilot's\n"
    "                          jobs (the pilot's guaranteed budget; default none)\n"
    "  --jobs N                policies simulated in parallel (default: number of CPUs)\n"
    "  --quiet                 no progress on stderr (otherwise a line redrawn on a terminal, and one\n"
    "                          line every few seconds when stderr is a log)\n"
    "\n"
    "Output paths are checked before the run starts. Exit status 2 for bad input.\n"
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
                                                     const std::vector<std::string>& names, std::size_t workers,
                                                     const crius_options& crius_base = {}) {
  const auto registry = sim::default_policy_registry<Oracle>(crius_base);
  std::vector<sim::sim_run> runs(names.size());
  run_in_parallel(names.size(), workers, [&](std::size_t i) {
    const auto* e = registry.find(names[i]);
    auto pol = e->make();
    runs[i] = sim::simulate(topology, trace, oracle, pol, e->costs, opts);
  });
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

}  // namespace simulate_detail

inline int run_simulate(const std::vector<std::string>& argv) {
  using namespace simulate_detail;
  const args a(argv,
               {"--cluster", "--trace", "--policy", "--perf-table", "--rounds", "--round-seconds",
                "--iteration-divisor", "--failures", "--json", "--csv", "--plots", "--jobs", "--oracle",
                "--inject-failures", "--checkpoint-interval", "--models", "--jobs-out", "--truth", "--truth-noise",
                "--truth-drift", "--adapt", "--trace-order", "--shadow", "--pilot", "--host-policy",
                "--pilot-gpus", "--objective", "--prices", "--power-budget-w"},
               {"--help", "--exact-restarts", "--quiet", "--reference"});
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
  const bool bundled_inputs = !a.has("--cluster") && !a.has("--trace") && !a.has("--perf-table");
  const bool reference = a.has("--reference") || bundled_inputs;
  const std::string cluster_path = a.get("--cluster", data + "/clusters/arena-1280.json");
  const std::string trace_path = a.get("--trace", data + "/traces/philly.csv");
  const std::string table_path = a.get("--perf-table", data + "/perf/arena-profile-db.json");
  sim::sim_options opts;
  const bool explicit_rounds = a.has("--rounds");
  opts.rounds = static_cast<int>(a.get_int("--rounds", reference ? 2000 : 100'000, 1, 10'000'000));
  opts.stop_when_done = !explicit_rounds;
  opts.stop_when_stalled = !explicit_rounds && !reference;
  opts.round_s = a.get_double("--round-seconds", 300.0, 1.0, 1e7);
  opts.carry_exec_time_across_preemption = !a.has("--exact-restarts");
  const bool csv_trace = trace_path.size() >= 4 && trace_path.compare(trace_path.size() - 4, 4, ".csv") == 0;
  io::trace_options topts;
  topts.iteration_divisor =
      static_cast<int>(a.get_int("--iteration-divisor", reference && csv_trace ? 5 : 1, 1, 1'000'000));
  try {
    opts.order = sim::parse_trace_order(a.get("--trace-order", reference && csv_trace ? "file" : "time"));
  } catch (const std::invalid_argument& e) {
    throw usage_error(std::string("--trace-order: ") + e.what());
  }
  const std::string oracle_kind = a.get("--oracle", "auto");
  if (oracle_kind != "auto" && oracle_kind != "table" && oracle_kind != "estimator")
    throw usage_error("--oracle must be auto, table or estimator, got '" + oracle_kind + "'");
  if (oracle_kind == "estimator" && a.has("--perf-table"))
    throw usage_error("--perf-table applies to --oracle auto or table only");
  const std::string truth_kind = a.get("--truth", "");
  if (a.has("--truth") && truth_kind != "table" && truth_kind != "estimator")
    throw usage_error("--truth must be table or estimator, got '" + truth_kind + "'");
  for (const char* o : {"--truth-noise", "--truth-drift", "--adapt"})
    if (a.has(o) && !a.has("--truth")) throw usage_error(std::string(o) + " applies with --truth only");
  const std::string adapt_kind = a.get("--adapt", "off");
  if (adapt_kind != "online" && adapt_kind != "off")
    throw usage_error("--adapt must be online or off, got '" + adapt_kind + "'");
  const bool adapt = adapt_kind == "online";
  sim::truth_options truth_opts;
  if (a.has("--truth-noise")) parse_truth_noise(a.get("--truth-noise"), truth_opts);
  const std::vector<std::string> names = chosen_policies(a, registry);
  // Shadow and pilot modes: the host policy is checked like --policy's.
  const bool shadow = a.has("--shadow"), pilot = a.has("--pilot");
  if (shadow && pilot) throw usage_error("--shadow and --pilot are separate modes; give one");
  if ((shadow || pilot) && a.has("--truth")) throw usage_error("--shadow and --pilot do not combine with --truth");
  if (a.has("--host-policy") && !pilot) throw usage_error("--host-policy applies with --pilot only");
  if (a.has("--pilot-gpus") && !pilot) throw usage_error("--pilot-gpus applies with --pilot only");
  if (pilot && !a.has("--host-policy")) throw usage_error("--pilot needs --host-policy (the policy of the other jobs)");
  if ((shadow || pilot) && !a.has("--policy"))
    throw usage_error(std::string(shadow ? "--shadow" : "--pilot") + " needs --policy (the policies to try)");
  const std::string host_policy = shadow ? a.get("--shadow") : a.get("--host-policy", "");
  if (shadow || pilot) {
    const auto* e = registry.find(host_policy);
    if (!e) throw usage_error("unknown host policy '" + host_policy + "'");
    if (!e->available) throw usage_error("host policy '" + host_policy + "' is " + e->unavailable_reason);
    if (shadow && std::find(names.begin(), names.end(), host_policy) != names.end())
      throw usage_error("--policy lists the host policy '" + host_policy + "' itself; shadow the others");
  }
  pilot_options pilot_opts;
  if (pilot) pilot_opts.selects = job_selector::parse(a.get("--pilot"), "the command-line value for '--pilot'");
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  const auto workers = static_cast<std::size_t>(a.get_int("--jobs", cpus, 1, 1024));
  if (a.has("--checkpoint-interval") && !a.has("--inject-failures"))
    throw usage_error("--checkpoint-interval applies with --inject-failures only");
  if (a.has("--inject-failures")) {
    opts.faults = parse_inject(a.get("--inject-failures"));
    opts.faults->checkpoint_interval_s = a.get_double("--checkpoint-interval", 0.0, 0.0, 1e9);
  }
  // Every output is checked before the run, not after an hour of simulation.
  for (const char* o : {"--json", "--csv", "--jobs-out"})
    if (a.has(o)) check_writable(a.get(o), o);
  if (a.has("--plots")) check_writable_dir(a.get("--plots"), "--plots");

  const cluster topology = io::load_cluster_file(cluster_path);
  // Energy and cost (docs/energy-cost.md): Crius's objective and budget; prices and the budget check for
  // every policy's accounting.
  crius_options crius_base;
  crius_base.objective = parse_objective(a);
  crius_base.power_budget_w = a.has("--power-budget-w") ? a.get_double("--power-budget-w", 0.0, 1.0, 1e12) : 0.0;
  const price_table prices = effective_prices(a, topology);
  crius_base.usd_per_gpu_hour = cluster_prices(prices, topology);
  check_energy_inputs(crius_base.objective, crius_base.power_budget_w, crius_base.usd_per_gpu_hour, topology);
  opts.energy.usd_per_gpu_hour = crius_base.usd_per_gpu_hour;
  opts.energy.power_budget_w = crius_base.power_budget_w;
  if (a.has("--truth") && (a.has("--objective") || a.has("--power-budget-w")))
    throw usage_error("--objective and --power-budget-w apply to open-loop runs (without --truth)");
  model_zoo zoo = builtin_model_zoo();
  if (a.has("--models"))
    for (const auto& path : split_list(a.get("--models"))) add_models(zoo, path, "--models");
  topts.checks.gpus = &topology.catalog();
  topts.checks.models = nullptr;  // checked below, after model files named by path are loaded
  const std::vector<job> trace = io::load_trace_file(trace_path, topts);
  resolve_trace_models(zoo, trace, trace_path);
  if (a.has("--failures")) opts.failures = parse_failures(a.get("--failures"), topology);
  if (a.has("--pilot-gpus")) pilot_opts.reserved_gpus = parse_pilot_gpus(a.get("--pilot-gpus"), topology);
  if (a.has("--truth-drift")) parse_truth_drift(a.get("--truth-drift"), topology, truth_opts);
  for (const auto& w : trace_warnings(trace, topology)) std::cerr << "simulate: warning: " << w << "\n";

  progress_line progress(!a.has("--quiet"));
  opts.on_progress = [&](const sim::sim_progress& p) { progress.update(p); };
  const auto wall_start = std::chrono::steady_clock::now();
  std::vector<sim::sim_run> runs;
  nlohmann::json oracle_info = {{"kind", oracle_kind}};
  std::string oracle_line;
  const bool closed_loop = a.has("--truth");
  std::vector<sim::shadow_summary> shadows;
  {
    best_plan_table<analytic_estimator> est(analytic_estimator(topology.catalog()), topology);
    est.set_resolver([&zoo](const std::string& name) -> std::optional<model> {
      if (!zoo.contains(name)) return std::nullopt;
      return zoo.build(name);
    });
    const synchronized_oracle<best_plan_table<analytic_estimator>> shared(est);
    std::optional<reference_perf_table> table;
    if (oracle_kind != "estimator" || truth_kind == "table") {
      table = io::load_reference_table(table_path, topology.catalog());
      table->bind_cluster(topology);
      oracle_info["perf_table"] = table_path;
    }
    // Open loop: the policies run on the belief itself; closed loop: on it behind any_oracle, with
    // jobs running at the truth.
    const auto run_with = [&](const auto& belief) {
      if (shadow) {
        sim::shadow_run sr = run_shadow(topology, trace, belief, opts, names, host_policy, crius_base);
        shadows = std::move(sr.shadows);
        return std::vector<sim::sim_run>{std::move(sr.host)};
      }
      if (pilot) return run_pilots(topology, trace, belief, opts, names, host_policy, pilot_opts, workers, crius_base);
      if (!closed_loop) return run_policies(topology, trace, belief, opts, names, workers, crius_base);
      const any_oracle b(belief);
      const any_oracle t = truth_kind == "table" ? any_oracle(*table) : any_oracle(shared);
      return run_closed_loop(topology, trace, b, t, truth_opts, adapt, opts, names, workers);
    };
    if (oracle_kind == "estimator") {
      oracle_line = "our analytic estimator (best plan per model, batch, GPU type and layout)";
      runs = run_with(shared);
    } else if (oracle_kind == "table") {
      oracle_line = "the reference profile table " + table_path;
      runs = run_with(*table);
    } else {
      const sim::table_coverage cov = sim::coverage_of(*table, topology, trace);
      oracle_line = cov.summary(table_path);
      for (const auto& w : cov.warnings()) std::cerr << "simulate: warning: " << w << "\n";
      oracle_info["table_jobs"] = cov.table_jobs;
      oracle_info["estimator_jobs"] = cov.estimator_jobs;
      oracle_info["uncovered_models"] = cov.missing_models;
      oracle_info["uncovered_gpu_types"] = cov.missing_types;
      const auto covered = cov.covered;
      const sim::covering_oracle<reference_perf_table, synchronized_oracle<best_plan_table<analytic_estimator>>>
          chained(*table, shared, [covered](const job& j) { return covered.count({j.model, j.global_batch}) > 0; });
      runs = run_with(chained);
    }
    if (oracle_kind != "table" || truth_kind == "estimator") oracle_info["estimator_table_entries"] = shared.size();
  }
  if (closed_loop) {
    oracle_line += "; jobs run at the truth: " +
                   std::string(truth_kind == "table" ? "the reference profile table" : "our analytic estimator") +
                   (truth_opts.noise_sigma > 0 ? ", noise sigma " + std::to_string(truth_opts.noise_sigma) : "") +
                   (truth_opts.drifts.empty() ? "" : ", with drift") + "; online adaptation " + (adapt ? "on" : "off");
    oracle_info["truth"] = {{"kind", truth_kind},
                            {"noise_seed", truth_opts.noise_seed},
                            {"noise_sigma", truth_opts.noise_sigma},
                            {"adapt", adapt ? "online" : "off"}};
    for (const auto& d : truth_opts.drifts)
      oracle_info["truth"]["drifts"].push_back({{"gpu_type", d.gpu_type}, {"factor", d.factor}, {"from_round", d.from_round}});
  }
  const double total_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  const sim::round_rule rule = reference ? sim::round_rule::reference : sim::round_rule::active;
  std::vector<sim::run_metrics> metrics;
  for (const auto& r : runs) metrics.push_back(sim::compute_metrics(r, rule));
  sim::pad_jct(metrics, runs);
  int rounds_run = 0;
  for (const auto& r : runs) rounds_run = std::max(rounds_run, static_cast<int>(r.throughput.size()));
  std::cout << "cluster " << topology.name() << " (" << topology.total_gpus() << " GPUs), " << trace.size()
            << " jobs in the trace (read in " << sim::to_string(opts.order) << " order), rounds of " << opts.round_s << " s: "
            << (explicit_rounds ? std::to_string(opts.rounds) + " rounds"
                                : "until every job is done, at most " + std::to_string(opts.rounds) + " rounds (" +
                                      std::to_string(rounds_run) + " run)")
            << "\n"
            << "iteration times: " << oracle_line << "\n"
            << "iterations as loaded divided by " << topts.iteration_divisor
            << (topts.iteration_divisor == 1 ? " (as in the file)"
                                             : a.has("--iteration-divisor") ? " (--iteration-divisor)"
                                                                            : " (--reference: the CSV trace's generator multiplied them by 5)")
            << "\n"
            << "throughput and GPU utilisation averaged over " << sim::to_string(rule) << "\n\n"
            << sim::format_table(metrics);
  if (opts.faults) std::cout << "\nfaults injected (seed " << opts.faults->seed << "):\n" << format_faults(runs);
  std::cout << "\nenergy and cost (docs/energy-cost.md; Crius objective: " << to_string(crius_base.objective)
            << (prices.empty() ? "; no prices given" : "") << "):\n"
            << sim::format_energy_table(runs);
  std::cout << format_unfinished(runs);
  if (closed_loop) std::cout << "\nprediction error of the belief on the running jobs:\n" << format_closed_loop(runs);
  if (shadow)
    std::cout << "\nshadow decisions beside " << host_policy << " (every round, on " << host_policy
              << "'s snapshots, not applied):\n"
              << sim::format_shadow(host_policy, shadows);
  if (pilot)
    std::cout << "\npilot jobs (" << pilot_opts.selects.text() << ") and host jobs (" << host_policy << "):\n"
              << format_pilot_sides(runs, pilot_opts.selects, trace);
  const bool reference_experiment = reference && bundled_inputs && !explicit_rounds && opts.round_s == 300.0 &&
                                    !a.has("--iteration-divisor") && opts.failures.empty() && !opts.faults;
  if (reference_experiment) {
    const std::string cmp = sim::format_reference_comparison(metrics);
    if (!cmp.empty()) std::cout << "\nbeside the reference simulator's recorded Philly results:\n" << cmp;
  }

  nlohmann::json inputs = {{"cluster", cluster_path},
                           {"cluster_gpus", topology.total_gpus()},
                           {"trace", trace_path},
                           {"trace_jobs", trace.size()},
                           {"trace_order", sim::to_string(opts.order)},
                           {"oracle", oracle_info},
                           {"reference_conventions", reference},
                           {"rounds", explicit_rounds ? nlohmann::json(opts.rounds) : nlohmann::json(nullptr)},
                           {"max_rounds", opts.rounds},
                           {"round_s", opts.round_s},
                           {"iteration_divisor", topts.iteration_divisor},
                           {"throughput_round_rule", reference ? "reference" : "active"},
                           {"carry_exec_time_across_preemption", opts.carry_exec_time_across_preemption},
                           {"wall_s", total_wall_s},
                           {"objective", to_string(crius_base.objective)},
                           {"prices", a.has("--prices") ? nlohmann::json(a.get("--prices")) : nlohmann::json(nullptr)},
                           {"usd_per_gpu_hour", io::price_list_json(prices)},
                           {"power_budget_w", crius_base.power_budget_w > 0 ? nlohmann::json(crius_base.power_budget_w)
                                                                            : nlohmann::json(nullptr)}};
  if (shadow) inputs["shadow_host"] = host_policy;
  if (pilot) {
    inputs["pilot"] = {{"selector", pilot_opts.selects.text()}, {"host_policy", host_policy}};
    for (const auto& [t, n] : pilot_opts.reserved_gpus) inputs["pilot"]["reserved_gpus"][t] = n;
  }
  if (opts.faults)
    inputs["faults"] = {{"seed", opts.faults->seed},
                        {"node_failures_per_node_day", opts.faults->node_failures_per_node_day},
                        {"repair_mean_s", opts.faults->repair_mean_s},
                        {"job_crashes_per_job_day", opts.faults->job_crashes_per_job_day},
                        {"scheduler_restarts_per_day", opts.faults->scheduler_restarts_per_day},
                        {"checkpoint_interval_s", opts.faults->checkpoint_interval_s}};
  if (a.has("--json")) {
    const std::filesystem::path out = a.get("--json");
    nlohmann::json doc = sim::results_json(runs, metrics, inputs, reference_experiment);
    for (std::size_t i = 0; i < runs.size(); ++i)
      if (runs[i].faults) doc["policies"][i]["faults"] = sim::faults_json(*runs[i].faults);
    if (shadow) doc["shadow"] = sim::shadow_json(host_policy, shadows);
    write_text(out.string(), doc.dump(2) + "\n");
    std::filesystem::path stem = out;
    stem.replace_extension();
    write_text(stem.string() + ".csv", sim::results_csv(metrics, &runs));
    write_text(stem.string() + "-jct-cdf.svg", sim::jct_cdf_svg(runs));
    write_text(stem.string() + "-throughput.svg", sim::throughput_svg(runs));
    write_text(stem.string() + "-power.svg", sim::power_svg(runs));
    write_text(stem.string() + "-energy-tradeoff.svg", sim::energy_tradeoff_svg(runs));
  }
  if (a.has("--csv")) write_text(a.get("--csv"), sim::results_csv(metrics, &runs));
  if (a.has("--jobs-out")) {
    const std::string out = a.get("--jobs-out");
    const bool csv = out.size() >= 4 && out.compare(out.size() - 4, 4, ".csv") == 0;
    write_text(out, csv ? sim::jobs_csv(runs) : sim::jobs_json(runs).dump(2) + "\n");
  }
  if (a.has("--plots")) {
    const std::filesystem::path dir = a.get("--plots");
    write_text((dir / "jct-cdf.svg").string(), sim::jct_cdf_svg(runs));
    write_text((dir / "throughput.svg").string(), sim::throughput_svg(runs));
    write_text((dir / "power.svg").string(), sim::power_svg(runs));
    write_text((dir / "energy-tradeoff.svg").string(), sim::energy_tradeoff_svg(runs));
  }
  return 0;
}

}  // namespace cellsched::cli
