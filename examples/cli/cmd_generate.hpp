#pragma once
// cellsched generate cluster|trace: synthetic inputs from documented distributions (docs/scale.md).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <cellsched/estimate/analytic_estimator.hpp>
#include <cellsched/hardware/builtin_catalog.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/error.hpp>
#include <cellsched/io/trace_io.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/search/best_plan_table.hpp>
#include <cellsched/sim/synthetic_cluster.hpp>
#include <cellsched/sim/synthetic_load.hpp>
#include <cellsched/sim/synthetic_trace.hpp>

#include "args.hpp"

namespace cellsched::cli {

namespace generate_detail {

inline const char* generate_help =
    "usage: cellsched generate cluster [options] [--out FILE]\n"
    "       cellsched generate trace [options] [--out FILE]\n"
    "\n"
    "Writes a synthetic cluster (JSON) or trace (JSON, or CSV when FILE ends in .csv) to FILE or standard\n"
    "output. Distributions and defaults: docs/scale.md. The same options and seed give the same bytes.\n"
    "\n"
    "cluster options:\n"
    "  --gpus N                total GPUs (default 20000)\n"
    "  --types T:W,...         GPU types and relative shares (default h100-sxm:0.15,a100-80gb:0.15,\n"
    "                          a100-40gb:0.15,v100-32gb:0.10,a40:0.15,l40s:0.10,a10:0.10,t4:0.10)\n"
    "  --gpus-per-node G       node size for every type (default: each type's typical size)\n"
    "  --name NAME             cluster name (default synthetic-N)\n"
    "\n"
    "trace options:\n"
    "  --jobs N                number of jobs (default 100000)\n"
    "  --seed S                random seed (default 1)\n"
    "  --jobs-per-hour R       daily mean arrival rate (default 1000)\n"
    "  --diurnal-amplitude A   rate varies as 1 + A cos(2 pi (t - 14h) / 24h), A in [0, 1) (default 0.5)\n"
    "  --start-s T             time of the first possible arrival (default 0)\n"
    "  --models M:W,...        model mix (default: the Philly trace's)\n"
    "  --batch-sizes B:W,...   global batch mix (default: the Philly trace's 128/256/512/1024)\n"
    "  --gpu-counts N:W,...    requested GPU count mix (default: Philly's 1/2/4/8/16)\n"
    "  --request-types T:W,... requested GPU types (default: the --cluster file's GPU shares, else the\n"
    "                          synthetic cluster's default type shares); 'none' requests no type\n"
    "  --iterations-median M   log-normal iterations: median (default 12000) ...\n"
    "  --iterations-sigma S    ... and sigma of the log (default 1.16)\n"
    "  --deadline-fraction F   fraction of jobs with a deadline (default 0) ...\n"
    "  --deadline-slack-s D    ... median slack after submission, log-normal sigma 1 (default 10000)\n"
    "  --cluster FILE          size requests against this cluster with the analytic estimator: requests\n"
    "                          it cannot run are redrawn, and the options below become available\n"
    "  --load L                set the arrival rate so the requested demand is L x the cluster (needs --cluster)\n"
    "  --duration-median-h H   draw each job's run time at its request instead of iterations: log-normal\n"
    "                          median H hours (needs --cluster) ...\n"
    "  --duration-sigma S      ... and sigma of the log (default 1.5)\n";

inline std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t p = 0; p <= s.size();) {
    const std::size_t c = std::min(s.find(',', p), s.size());
    out.push_back(s.substr(p, c - p));
    p = c + 1;
  }
  return out;
}

inline double parse_weight(const std::string& flag, const std::string& item, const std::string& text) {
  std::size_t pos = 0;
  double w = -1;
  try {
    w = std::stod(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != text.size() || !(w >= 0) || !std::isfinite(w))
    throw usage_error(flag + ": weight must be a number >= 0 in '" + item + "'");
  return w;
}

/// "a:0.5,b:2,c" -> names and weights (a missing weight is 1).
inline std::vector<sim::weighted_name> parse_names(const std::string& flag, const std::string& list) {
  std::vector<sim::weighted_name> out;
  for (const auto& item : split_commas(list)) {
    const auto colon = item.rfind(':');
    sim::weighted_name w{item.substr(0, colon), 1.0};
    if (colon != std::string::npos) w.weight = parse_weight(flag, item, item.substr(colon + 1));
    if (w.name.empty()) throw usage_error(flag + " expects NAME[:WEIGHT],..., got '" + list + "'");
    out.push_back(w);
  }
  return out;
}

inline std::vector<sim::weighted_count> parse_counts(const std::string& flag, const std::string& list) {
  std::vector<sim::weighted_count> out;
  for (const auto& n : parse_names(flag, list)) {
    std::size_t pos = 0;
    long long v = 0;
    try {
      v = std::stoll(n.name, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != n.name.size() || v < 1) throw usage_error(flag + ": '" + n.name + "' is not a positive integer");
    out.push_back({v, n.weight});
  }
  return out;
}

inline void emit(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw input_error(path, "", "a path that can be opened for writing");
  out << text;
  if (!out.flush()) throw input_error(path, "", "a path that can be written completely");
}

inline int generate_cluster(const args& a) {
  sim::synthetic_cluster_spec spec;
  spec.total_gpus = static_cast<int>(a.get_int("--gpus", 20'000, 1, 10'000'000));
  spec.gpus_per_node = static_cast<int>(a.get_int("--gpus-per-node", 0, 0, 1'024));
  spec.name = a.get("--name", "synthetic-" + std::to_string(spec.total_gpus));
  if (a.has("--types"))
    for (const auto& t : parse_names("--types", a.get("--types"))) spec.types.push_back({t.name, t.weight});
  const cluster c = sim::make_synthetic_cluster(spec);
  emit(a.get("--out"), io::to_json(c).dump(2) + "\n");
  return 0;
}

inline int generate_trace(const args& a) {
  sim::synthetic_trace_spec spec;
  spec.num_jobs = static_cast<std::size_t>(a.get_int("--jobs", 100'000, 1, 100'000'000));
  const auto seed = static_cast<std::uint64_t>(a.get_int("--seed", 1, 0));
  spec.jobs_per_hour = a.get_double("--jobs-per-hour", spec.jobs_per_hour, 1e-9, 1e12);
  spec.diurnal_amplitude = a.get_double("--diurnal-amplitude", spec.diurnal_amplitude, 0.0, 0.999999);
  spec.start_time_s = a.get_double("--start-s", 0.0, 0.0, 1e12);
  if (a.has("--models")) spec.models = parse_names("--models", a.get("--models"));
  if (a.has("--batch-sizes")) spec.batch_sizes = parse_counts("--batch-sizes", a.get("--batch-sizes"));
  if (a.has("--gpu-counts")) spec.gpu_counts = parse_counts("--gpu-counts", a.get("--gpu-counts"));
  spec.iterations_median = a.get_double("--iterations-median", spec.iterations_median, 1.0, 1e12);
  spec.iterations_sigma = a.get_double("--iterations-sigma", spec.iterations_sigma, 0.0, 10.0);
  spec.deadline_fraction = a.get_double("--deadline-fraction", 0.0, 0.0, 1.0);
  spec.deadline_slack_median_s = a.get_double("--deadline-slack-s", spec.deadline_slack_median_s, 1.0, 1e12);
  for (const auto& m : spec.models)
    if (!builtin_model_zoo().contains(m.name))
      throw usage_error("--models: unknown model '" + m.name + "' (known: " + builtin_model_zoo().known_names() + ")");
  // Every job requests a type by default: policies that honour requests (FCFS, Gandiva, ElasticFlow-LS)
  // drop a job that names none, and a comparison where they drop everything says nothing.
  const bool no_request = a.get("--request-types") == "none";
  if (a.has("--request-types") && !no_request)
    for (auto t : parse_names("--request-types", a.get("--request-types"))) {
      const gpu_type* g = builtin_catalog().find(t.name);
      if (!g) throw usage_error("--request-types: unknown GPU type '" + t.name + "'");
      spec.requested_types.push_back({g->name, t.weight});
    }
  const bool sized = a.has("--cluster");
  if (!sized && !no_request && spec.requested_types.empty())
    for (const auto& t : sim::default_type_shares()) spec.requested_types.push_back({t.gpu_type, t.share});
  if (!sized && (a.has("--load") || a.has("--duration-median-h")))
    throw usage_error("--load and --duration-median-h need --cluster");

  std::vector<job> jobs;
  if (!sized) {
    jobs = sim::make_synthetic_trace(spec, seed);
  } else {
    const cluster c = io::load_cluster_file(a.get("--cluster"));
    best_plan_table<analytic_estimator> table(analytic_estimator(c.catalog()), c);
    table.set_resolver([](const std::string& name) -> std::optional<model> {
      if (!builtin_model_zoo().contains(name)) return std::nullopt;
      return builtin_model_zoo().build(name);
    });
    if (spec.requested_types.empty() && !no_request) spec.requested_types = sim::type_mix_of(c);
    if (a.has("--duration-median-h")) {
      spec.duration_median_s = a.get_double("--duration-median-h", 2.0, 1e-6, 1e6) * 3'600.0;
      spec.duration_sigma = a.get_double("--duration-sigma", spec.duration_sigma, 0.0, 10.0);
    }
    const sim::trace_hooks hooks = sim::oracle_trace_hooks(c, table);
    jobs = sim::make_synthetic_trace(spec, seed, hooks);
    if (a.has("--load")) {
      const double load = a.get_double("--load", 0.8, 1e-6, 1e6);
      const sim::workload_demand d = sim::requested_demand(jobs, c, table);
      if (!(d.gpu_seconds > 0)) throw usage_error("--load: no job of the trace can run on the cluster");
      spec.jobs_per_hour = sim::jobs_per_hour_for_load(load, c.total_gpus(), jobs.size(), d);
      jobs = sim::make_synthetic_trace(spec, seed, hooks);
      std::fprintf(stderr, "generate: %.3f jobs per hour for load %.3f (%zu requests the cluster cannot run)\n",
                   spec.jobs_per_hour, load, d.unrunnable);
    }
  }
  const std::string out = a.get("--out");
  const bool csv = out.size() >= 4 && out.compare(out.size() - 4, 4, ".csv") == 0;
  emit(out, csv ? io::trace_csv_text(jobs) : io::trace_to_json(jobs).dump(1) + "\n");
  return 0;
}

}  // namespace generate_detail

inline int run_generate(const std::vector<std::string>& argv) {
  using namespace generate_detail;
  const args a(argv,
               {"--out", "--gpus", "--types", "--gpus-per-node", "--name", "--jobs", "--seed", "--jobs-per-hour",
                "--diurnal-amplitude", "--start-s", "--models", "--batch-sizes", "--gpu-counts", "--request-types",
                "--iterations-median", "--iterations-sigma", "--deadline-fraction", "--deadline-slack-s", "--cluster",
                "--load", "--duration-median-h", "--duration-sigma"},
               {"--help"});
  if (a.has("--help")) {
    std::cout << generate_help;
    return 0;
  }
  if (a.positional().size() != 1) throw usage_error("generate expects 'cluster' or 'trace' (see --help)");
  const std::string what = a.positional().front();
  static const std::vector<std::string> cluster_only = {"--gpus", "--types", "--gpus-per-node", "--name"};
  static const std::vector<std::string> trace_only = {
      "--jobs", "--seed", "--jobs-per-hour", "--diurnal-amplitude", "--start-s", "--models", "--batch-sizes",
      "--gpu-counts", "--request-types", "--iterations-median", "--iterations-sigma", "--deadline-fraction",
      "--deadline-slack-s", "--cluster", "--load", "--duration-median-h", "--duration-sigma"};
  if (what == "cluster") {
    for (const auto& f : trace_only)
      if (a.has(f)) throw usage_error(f + " is a trace option");
    return generate_cluster(a);
  }
  if (what == "trace") {
    for (const auto& f : cluster_only)
      if (a.has(f)) throw usage_error(f + " is a cluster option");
    return generate_trace(a);
  }
  throw usage_error("generate expects 'cluster' or 'trace', got '" + what + "'");
}

}  // namespace cellsched::cli
