#pragma once
// cellsched simulate: replay a trace on a cluster under one or more policies and compare them.
// With no arguments it runs the main experiment: the bundled 1,280-GPU cluster, the bundled Philly
// trace and the reference profile table, every available policy, 2,000 rounds of 300 s.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/error.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/sim/default_policies.hpp>
#include <cellsched/sim/metrics.hpp>
#include <cellsched/sim/report.hpp>
#include <cellsched/sim/simulator.hpp>
#include <cellsched/sim/svg_plots.hpp>

#include "args.hpp"

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
    "  --rounds N              rounds to simulate (default 2000)\n"
    "  --round-seconds S       round length (default 300)\n"
    "  --iteration-divisor K   divide each job's iterations by K as loaded (default: 5 for CSV traces,\n"
    "                          as the reference simulator does; 1 for JSON)\n"
    "  --exact-restarts        a preempted job restarts its execution-time count (the reference\n"
    "                          simulator keeps it, re-crediting that time a second time)\n"
    "  --failures LIST         node failures: NODE@TIME or NODE@TIME-REPAIR_TIME, comma-separated\n"
    "                          (times in the trace's time base, seconds)\n"
    "  --json OUT              write every metric, per-round series and JCTs as JSON; a CSV and the\n"
    "                          plots are written next to it (OUT's name with .csv, -jct-cdf.svg,\n"
    "                          -throughput.svg)\n"
    "  --csv OUT               write one CSV row per policy\n"
    "  --plots DIR             write jct-cdf.svg and throughput.svg into DIR\n"
    "  --jobs N                policies simulated in parallel (default: number of CPUs)\n"
    "  --quiet                 no progress line on stderr\n"
    "\n"
    "policies:\n";

inline std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t comma = s.find(',', start);
    const std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

inline double parse_time(const std::string& s, const std::string& item) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(s, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != s.size() || !std::isfinite(v)) throw usage_error("--failures: bad time in '" + item + "'");
  return v;
}

inline std::vector<sim::failure_event> parse_failures(const std::string& list, const cluster& c) {
  std::vector<sim::failure_event> out;
  for (const auto& item : split_list(list)) {
    const auto at = item.find('@');
    if (at == std::string::npos || at == 0)
      throw usage_error("--failures expects NODE@TIME[-REPAIR], got '" + item + "'");
    int node = -1;
    try {
      std::size_t pos = 0;
      node = std::stoi(item.substr(0, at), &pos);
      if (pos != at) node = -1;
    } catch (const std::exception&) {
      node = -1;
    }
    if (node < 0 || node >= static_cast<int>(c.nodes().size()))
      throw usage_error("--failures: node must be in [0, " + std::to_string(c.nodes().size() - 1) + "] in '" + item +
                        "'");
    const std::string times = item.substr(at + 1);
    const auto dash = times.find('-', 1);
    const double fail_s = parse_time(times.substr(0, dash), item);
    out.push_back({fail_s, node, false});
    if (dash != std::string::npos) {
      const double repair_s = parse_time(times.substr(dash + 1), item);
      if (repair_s <= fail_s) throw usage_error("--failures: repair must come after the failure in '" + item + "'");
      out.push_back({repair_s, node, true});
    }
  }
  return out;
}

inline void write_text(const std::string& path, const std::string& text) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw input_error(path, "", "a path that can be opened for writing");
  out << text;
  if (!out.flush()) throw input_error(path, "", "a path that can be written completely");
}

/// One line on stderr showing every run's round, redrawn in place on a terminal.
class progress_line {
 public:
  explicit progress_line(bool enabled) : enabled_(enabled), tty_(enabled && isatty(STDERR_FILENO)) {}
  void update(const sim::sim_progress& p) {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mu_);
    status_[p.policy] = std::to_string(p.round) + "/" + std::to_string(p.rounds);
    if (p.round == p.rounds) {
      if (tty_) std::fputs("\r\033[K", stderr);
      std::fprintf(stderr, "simulate: %s done (%zu finished, %.1f s)\n", p.policy.c_str(), p.finished, p.elapsed_s);
      status_.erase(p.policy);
    }
    if (!tty_) return;
    std::string line;
    for (const auto& [name, s] : status_) line += "[" + name + " " + s + "] ";
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  bool tty_;
  std::mutex mu_;
  std::map<std::string, std::string> status_;
};

}  // namespace simulate_detail

inline int run_simulate(const std::vector<std::string>& argv) {
  using namespace simulate_detail;
  const args a(argv,
               {"--cluster", "--trace", "--policy", "--perf-table", "--rounds", "--round-seconds",
                "--iteration-divisor", "--failures", "--json", "--csv", "--plots", "--jobs"},
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

  const cluster topology = io::load_cluster_file(cluster_path);
  const std::vector<job> trace = io::load_trace_file(trace_path, topts);
  reference_perf_table table = reference_perf_table::load(table_path, topology.catalog());
  table.bind_cluster(topology);
  if (a.has("--failures")) opts.failures = parse_failures(a.get("--failures"), topology);

  std::vector<const sim::policy_entry<reference_perf_table>*> chosen;
  if (a.has("--policy")) {
    for (const auto& name : split_list(a.get("--policy"))) {
      const auto* e = registry.find(name);
      if (!e) {
        std::string known;
        for (const auto& x : registry.entries()) known += (known.empty() ? "" : ", ") + x.name;
        throw usage_error("unknown policy '" + name + "' (known: " + known + ")");
      }
      if (!e->available) throw usage_error("policy '" + name + "' is " + e->unavailable_reason);
      if (std::find(chosen.begin(), chosen.end(), e) == chosen.end()) chosen.push_back(e);
    }
    if (chosen.empty()) throw usage_error("--policy names no policy");
  } else {
    for (const auto& e : registry.entries()) {
      if (e.available)
        chosen.push_back(&e);
      else
        std::cerr << "simulate: skipping " << e.name << " (" << e.unavailable_reason << ")\n";
    }
  }

  progress_line progress(!a.has("--quiet"));
  opts.on_progress = [&](const sim::sim_progress& p) { progress.update(p); };
  std::vector<sim::sim_run> runs(chosen.size());
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  const auto workers = static_cast<std::size_t>(a.get_int("--jobs", cpus, 1, 1024));
  std::vector<std::exception_ptr> errors(chosen.size());
  std::size_t next = 0;
  std::mutex mu;
  const auto worker = [&] {
    for (;;) {
      std::size_t i = 0;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= chosen.size()) return;
        i = next++;
      }
      try {
        auto pol = chosen[i]->make();
        runs[i] = sim::simulate(topology, trace, table, pol, chosen[i]->costs, opts);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t w = 0; w < std::min(workers, chosen.size()); ++w) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);

  std::vector<sim::run_metrics> metrics;
  for (const auto& r : runs) metrics.push_back(sim::compute_metrics(r));
  sim::pad_jct(metrics, runs);
  std::cout << "cluster " << topology.name() << " (" << topology.total_gpus() << " GPUs), " << trace.size()
            << " jobs in the trace, " << opts.rounds << " rounds of " << opts.round_s << " s\n\n"
            << sim::format_table(metrics);
  const bool bundled = !a.has("--cluster") && !a.has("--trace") && !a.has("--perf-table") && opts.rounds == 2000 &&
                       opts.round_s == 300.0 && !a.has("--iteration-divisor") && opts.failures.empty();
  if (bundled) {
    const std::string cmp = sim::format_reference_comparison(metrics);
    if (!cmp.empty()) std::cout << "\nbeside the reference simulator's recorded Philly results:\n" << cmp;
  }

  const nlohmann::json inputs = {{"cluster", cluster_path},
                                 {"cluster_gpus", topology.total_gpus()},
                                 {"trace", trace_path},
                                 {"trace_jobs", trace.size()},
                                 {"perf_table", table_path},
                                 {"rounds", opts.rounds},
                                 {"round_s", opts.round_s},
                                 {"iteration_divisor", topts.iteration_divisor},
                                 {"carry_exec_time_across_preemption", opts.carry_exec_time_across_preemption}};
  if (a.has("--json")) {
    const std::filesystem::path out = a.get("--json");
    write_text(out.string(), sim::results_json(runs, metrics, inputs).dump(2) + "\n");
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
