// Scale benchmark: a synthetic 20,000-GPU cluster of 8 GPU types and a synthetic 100,000-job trace
// (include/cellsched/sim/synthetic_*.hpp, docs/scale.md), simulated under Crius and FCFS with the
// analytic estimator's best-plan table as the oracle. Prints and writes as JSON: wall time of each
// phase, peak resident memory, decision time per round (median, p90, max), rounds, finished jobs and
// active-job counts. Single thread.
//
// The arrival rate is set so that the trace's requested demand (GPUs x iterations x iteration time at
// the requested type and count, best locality) is --load of the cluster over the arrival span.
//
// usage: scale [--gpus N] [--types K] [--jobs N] [--load L] [--seed S] [--policy NAME[,NAME..]]
//              [--duration-median-h H] [--duration-sigma S] [--drain-rounds R] [--rounds R] [--out FILE] [--quiet]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <cellsched/estimate/analytic_estimator.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/search/best_plan_table.hpp>
#include <cellsched/sim/default_policies.hpp>
#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/simulator.hpp>
#include <cellsched/sim/synthetic_cluster.hpp>
#include <cellsched/sim/synthetic_load.hpp>
#include <cellsched/sim/synthetic_trace.hpp>

using namespace cellsched;
using oracle_t = best_plan_table<analytic_estimator>;
using clock_type = std::chrono::steady_clock;

namespace {

/// Peak resident set of this process so far, MiB: VmHWM from /proc/self/status, else ru_maxrss.
double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // kB on Linux
}

/// CPU time (user + system) of this process so far, s: wall times suffer when other work shares the
/// machine, CPU time much less.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t p = 0; p <= s.size();) {
    const std::size_t c = std::min(s.find(',', p), s.size());
    if (c > p) out.push_back(s.substr(p, c - p));
    p = c + 1;
  }
  return out;
}

struct active_counts {
  std::vector<double> running, pending;
};

nlohmann::json run_policy(const sim::policy_entry<oracle_t>& entry, const cluster& c, const std::vector<job>& trace,
                          const oracle_t& table, int rounds, bool quiet) {
  active_counts act;
  sim::sim_options opts;
  opts.rounds = rounds;
  opts.progress_every = 1;
  opts.on_progress = [&](const sim::sim_progress& p) {
    act.running.push_back(static_cast<double>(p.running));
    act.pending.push_back(static_cast<double>(p.pending));
    if (!quiet && (p.round % 100 == 0 || p.round == p.rounds))
      std::fprintf(stderr, "  %s round %d/%d: %zu running, %zu pending, %zu finished, %.0f s\n", p.policy.c_str(),
                   p.round, p.rounds, p.running, p.pending, p.finished, p.elapsed_s);
  };
  const std::size_t entries_before = table.size();
  const double cpu_before = cpu_seconds();
  auto pol = entry.make();
  const sim::sim_run run = sim::simulate(c, trace, table, pol, entry.costs, opts);
  const double cpu_s = cpu_seconds() - cpu_before;
  const sim::run_metrics m = sim::compute_metrics(run);
  std::vector<double> ms;
  for (double s : run.decision_s) ms.push_back(s * 1e3);
  const double max_ms = ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end());
  const double max_running = act.running.empty() ? 0.0 : *std::max_element(act.running.begin(), act.running.end());
  const double max_pending = act.pending.empty() ? 0.0 : *std::max_element(act.pending.begin(), act.pending.end());
  double decide_total_s = 0.0;
  for (double s : run.decision_s) decide_total_s += s;
  std::printf("%-8s %9.1f %9.1f %8.1f %8.1f %9.1f %7d %8zu %8zu %8.0f %8.0f %8.0f %8.0f %8.2f %9.0f\n",
              entry.name.c_str(), run.wall_s, decide_total_s, sim::percentile(ms, 50), sim::percentile(ms, 90), max_ms,
              m.rounds, m.finished, m.dropped, sim::mean(act.running), max_running, sim::mean(act.pending), max_pending,
              m.gpu_utilisation, m.avg_jct_s);
  std::printf("%-8s cpu %.1f s (the run's CPU time, user + system)\n", "", cpu_s);
  std::fflush(stdout);
  nlohmann::json r;
  r["policy"] = entry.name;
  r["wall_s"] = run.wall_s;
  r["cpu_s"] = cpu_s;
  r["decision_total_s"] = decide_total_s;
  r["decision_ms_median"] = sim::percentile(ms, 50);
  r["decision_ms_p90"] = sim::percentile(ms, 90);
  r["decision_ms_max"] = max_ms;
  r["rounds"] = m.rounds;
  r["submitted"] = m.submitted;
  r["finished"] = m.finished;
  r["dropped"] = m.dropped;
  r["running_at_end"] = m.running;
  r["pending_at_end"] = m.pending;
  r["running_mean"] = sim::mean(act.running);
  r["running_max"] = max_running;
  r["pending_mean"] = sim::mean(act.pending);
  r["pending_max"] = max_pending;
  r["gpu_utilisation"] = m.gpu_utilisation;
  r["avg_jct_s"] = m.avg_jct_s;
  r["avg_queue_s"] = m.avg_queue_s;
  r["avg_throughput_samples_per_s"] = m.avg_throughput;
  r["preemptions"] = m.preemptions;
  r["migrations"] = m.migrations;
  r["oracle_entries_added"] = table.size() - entries_before;
  r["peak_rss_mib_after"] = peak_rss_mib();
  r["round_decision_ms"] = ms;
  r["round_running"] = act.running;
  r["round_pending"] = act.pending;
  r["round_busy_gpus"] = run.busy_gpus;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int gpus = 20'000, types = 8, drain_rounds = 288, fixed_rounds = 0;
  long jobs = 100'000;
  double load = 0.8, duration_median_h = 2.0, duration_sigma = 1.5;
  unsigned long long seed = 1;
  bool quiet = false;
  std::vector<std::string> policies = {"fcfs", "crius"};
  std::string out = std::string(CELLSCHED_BENCH_OUT_DIR) + "/scale.json";
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--quiet") {
      quiet = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr,
                   "usage: scale [--gpus N] [--types K] [--jobs N] [--load L] [--seed S] [--policy A,B] "
                   "[--duration-median-h H] [--duration-sigma S] [--drain-rounds R] [--rounds R] [--out FILE] [--quiet]\n");
      return 2;
    }
    const std::string v = argv[++i];
    if (k == "--gpus") gpus = std::max(1, std::atoi(v.c_str()));
    else if (k == "--types") types = std::clamp(std::atoi(v.c_str()), 1, 8);
    else if (k == "--jobs") jobs = std::max(1L, std::atol(v.c_str()));
    else if (k == "--load") load = std::max(0.01, std::atof(v.c_str()));
    else if (k == "--duration-median-h") duration_median_h = std::max(0.0, std::atof(v.c_str()));
    else if (k == "--duration-sigma") duration_sigma = std::max(0.0, std::atof(v.c_str()));
    else if (k == "--seed") seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--policy") policies = split(v);
    else if (k == "--drain-rounds") drain_rounds = std::max(0, std::atoi(v.c_str()));
    else if (k == "--rounds") fixed_rounds = std::max(1, std::atoi(v.c_str()));
    else if (k == "--out") out = v;
    else {
      std::fprintf(stderr, "scale: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    const auto t_all = clock_type::now();
    // Cluster.
    auto t0 = clock_type::now();
    sim::synthetic_cluster_spec cs;
    cs.name = "synthetic-" + std::to_string(gpus);
    cs.total_gpus = gpus;
    cs.types = sim::default_type_shares();
    cs.types.resize(static_cast<std::size_t>(types));
    const cluster c = sim::make_synthetic_cluster(cs);
    const double cluster_s = seconds_since(t0);

    // Oracle: the analytic estimator's best-plan table, models from the built-in zoo on demand.
    oracle_t table(analytic_estimator(c.catalog()), c);
    table.set_resolver([](const std::string& name) -> std::optional<model> {
      if (!builtin_model_zoo().contains(name)) return std::nullopt;
      return builtin_model_zoo().build(name);
    });

    // Trace: attributes first (requests the oracle cannot run are redrawn), then the rate for the load.
    t0 = clock_type::now();
    sim::synthetic_trace_spec ts;
    ts.num_jobs = static_cast<std::size_t>(jobs);
    ts.requested_types = sim::type_mix_of(c);
    ts.duration_median_s = duration_median_h * 3600.0;
    ts.duration_sigma = duration_sigma;
    const sim::trace_hooks hooks = sim::oracle_trace_hooks(c, table);
    std::vector<job> trace = sim::make_synthetic_trace(ts, seed, hooks);
    const sim::workload_demand demand = sim::requested_demand(trace, c, table);
    const double oracle_warm_s = seconds_since(t0);
    const std::size_t oracle_warm_entries = table.size();
    ts.jobs_per_hour = sim::jobs_per_hour_for_load(load, c.total_gpus(), trace.size(), demand);
    t0 = clock_type::now();
    trace = sim::make_synthetic_trace(ts, seed, hooks);
    const double trace_s = seconds_since(t0);
    const double span_s = trace.back().submit_time_s - trace.front().submit_time_s;
    const int rounds = fixed_rounds > 0 ? fixed_rounds : static_cast<int>(std::ceil(span_s / 300.0)) + drain_rounds;
    const double rss_setup = peak_rss_mib();

    std::printf("scale: %d GPUs in %zu nodes, %d types; %zu jobs (seed %llu), %.1f jobs/h, span %.1f h, %d rounds\n",
                c.total_gpus(), c.nodes().size(), types, trace.size(), seed, ts.jobs_per_hour, span_s / 3600.0,
                rounds);
    std::printf("requested demand: %.3g GPU-s, mean %.2f GPUs x %.0f s per job; offered load %.2f; %zu unrunnable\n",
                demand.gpu_seconds, demand.mean_gpus, demand.mean_duration_s, load, demand.unrunnable);
    std::printf("setup: cluster %.3f s, oracle warm-up %.1f s (%zu table entries), trace %.2f s; peak RSS %.0f MiB\n\n",
                cluster_s, oracle_warm_s, oracle_warm_entries, trace_s, rss_setup);
    std::printf("%-8s %9s %9s %8s %8s %9s %7s %8s %8s %8s %8s %8s %8s %8s %9s\n", "policy", "wall s", "decide s",
                "med ms", "p90 ms", "max ms", "rounds", "finished", "dropped", "run avg", "run max", "pend avg",
                "pend max", "util", "avg JCT s");

    const auto registry = sim::default_policy_registry<oracle_t>();
    nlohmann::json results = nlohmann::json::array();
    for (const auto& name : policies) {
      const auto* e = registry.find(name);
      if (!e || !e->available) {
        std::fprintf(stderr, "scale: policy '%s' is not available\n", name.c_str());
        return 2;
      }
      results.push_back(run_policy(*e, c, trace, table, rounds, quiet));
    }
    const double total_s = seconds_since(t_all);
    const double rss = peak_rss_mib();
    std::printf("\ntotal wall %.1f s, CPU %.1f s, peak RSS %.0f MiB, oracle table %zu entries\n", total_s, cpu_seconds(),
                rss, table.size());
    nlohmann::json doc;
    doc["bench"] = "scale";
    doc["gpus"] = c.total_gpus();
    doc["nodes"] = c.nodes().size();
    doc["gpu_types"] = c.gpu_types_present();
    doc["jobs"] = trace.size();
    doc["seed"] = seed;
    doc["load"] = load;
    doc["duration_median_h"] = duration_median_h;
    doc["duration_sigma"] = duration_sigma;
    doc["jobs_per_hour"] = ts.jobs_per_hour;
    doc["span_s"] = span_s;
    doc["rounds"] = rounds;
    doc["demand_gpu_seconds"] = demand.gpu_seconds;
    doc["mean_requested_gpus"] = demand.mean_gpus;
    doc["mean_requested_duration_s"] = demand.mean_duration_s;
    doc["unrunnable_requests"] = demand.unrunnable;
    doc["setup_cluster_s"] = cluster_s;
    doc["setup_oracle_warm_up_s"] = oracle_warm_s;
    doc["setup_trace_s"] = trace_s;
    doc["oracle_warm_up_entries"] = oracle_warm_entries;
    doc["oracle_entries"] = table.size();
    doc["peak_rss_mib_setup"] = rss_setup;
    doc["peak_rss_mib"] = rss;
    doc["total_wall_s"] = total_s;
    doc["total_cpu_s"] = cpu_seconds();
    doc["results"] = results;
    std::ofstream(out) << doc.dump(1) << "\n";
    std::printf("written %s\n", out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scale: %s\n", e.what());
    return 1;
  }
  return 0;
}
