#pragma once
// Helpers of `cellsched simulate` (cmd_simulate.hpp): list and failure parsing, --inject-failures,
// output checks and file output, model files, warnings about the trace, the summary of unfinished jobs, the progress line.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <exception>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include <algorithm>
#include <chrono>
#include <utility>
#include <variant>

#include <cellsched/hardware/cluster.hpp>
#include <cellsched/error.hpp>
#include <cellsched/io/file_kind.hpp>
#include <cellsched/io/model_json.hpp>
#include <cellsched/model/zoo.hpp>
#include <cellsched/cell/job.hpp>
#include <cellsched/schedule/reference_table.hpp>
#include <cellsched/sim/sim_types.hpp>
#include <cellsched/sim/table_coverage.hpp>

#include "args.hpp"

namespace cellsched::cli::simulate_detail {

/// Calls run(i) for i in [0, n), `workers` at a time; rethrows the first error (by index) after all end.
template <class Run>
void run_in_parallel(std::size_t n, std::size_t workers, Run&& run) {
  std::vector<std::exception_ptr> errors(n);
  std::size_t next = 0;
  std::mutex mu;
  const auto worker = [&] {
    for (;;) {
      std::size_t i = 0;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= n) return;
        i = next++;
      }
      try {
        run(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t w = 0; w < std::min(workers, n); ++w) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

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

/// Progress on stderr: on a terminal one line showing every run's round, redrawn in place; in a log (stderr
/// not a terminal) one line per run every `log_every_s` seconds. A finished run gets its own line.
class progress_line {
 public:
  explicit progress_line(bool enabled, double log_every_s = 5.0)
      : enabled_(enabled), tty_(enabled && isatty(STDERR_FILENO)), log_every_s_(log_every_s) {}
  void update(const sim::sim_progress& p) {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mu_);
    status_[p.policy] = std::to_string(p.round) + "/" + std::to_string(p.rounds);
    if (p.round == p.rounds) {
      if (tty_) std::fputs("\r\033[K", stderr);
      std::fprintf(stderr, "simulate: %s done after %d rounds (%zu finished, %.1f s)\n", p.policy.c_str(), p.round,
                   p.finished, p.elapsed_s);
      status_.erase(p.policy);
      last_log_.erase(p.policy);
    }
    if (!tty_) {
      if (p.round == p.rounds) return;
      auto& last = last_log_[p.policy];
      if (p.elapsed_s - last < log_every_s_) return;
      last = p.elapsed_s;
      std::fprintf(stderr, "simulate: %s round %d of at most %d: %zu running, %zu pending, %zu finished, %.0f s\n",
                   p.policy.c_str(), p.round, p.rounds, p.running, p.pending, p.finished, p.elapsed_s);
      return;
    }
    std::string line;
    for (const auto& [name, s] : status_) line += "[" + name + " " + s + "] ";
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  bool tty_;
  double log_every_s_;
  std::mutex mu_;
  std::map<std::string, std::string> status_;
  std::map<std::string, double> last_log_;
};

/// --inject-failures SEED[:RATE]: node failures at RATE per node-day and job crashes at RATE per
/// job-day (default 0.05), one scheduler restart per simulated day, repairs of mean 2 h.
inline sim::fault_options parse_inject(const std::string& value) {
  sim::fault_options f;
  const auto colon = value.find(':');
  const std::string seed = value.substr(0, colon);
  std::size_t pos = 0;
  unsigned long long s = 0;
  try {
    if (!seed.empty() && seed.front() != '-') s = std::stoull(seed, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != seed.size()) throw usage_error("--inject-failures expects SEED[:RATE], got '" + value + "'");
  f.seed = static_cast<std::uint64_t>(s);
  if (colon != std::string::npos) {
    const std::string rate = value.substr(colon + 1);
    double r = -1;
    try {
      r = std::stod(rate, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != rate.size() || !std::isfinite(r) || r < 0 || r > 1e4)
      throw usage_error("--inject-failures: RATE must be a number in [0, 10000] per node-day, got '" + rate + "'");
    f.node_failures_per_node_day = r;
    f.job_crashes_per_job_day = r;
  }
  return f;
}


/// Fails (exit 2) unless `path` can be written: its folder exists or can be made, and it is not a folder.
/// A file this check creates is removed again.
inline void check_writable(const std::string& path, const std::string& option) {
  namespace fs = std::filesystem;
  if (path.empty()) throw usage_error(option + " needs a file name");
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw usage_error(option + ": '" + path + "' is a folder, not a file");
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (!fs::is_directory(parent, ec))
      throw usage_error(option + ": cannot create the folder '" + parent.string() + "' for '" + path + "'");
  }
  const bool existed = fs::exists(path, ec);
  {
    std::ofstream probe(path, std::ios::binary | std::ios::app);
    if (!probe) throw usage_error(option + ": cannot write '" + path + "'");
  }
  if (!existed) fs::remove(path, ec);
}

inline void check_writable_dir(const std::string& dir, const std::string& option) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) throw usage_error(option + ": cannot create the folder '" + dir + "'");
  check_writable((fs::path(dir) / ".cellsched-write-check").string(), option);
}

/// Adds the models of a model or model_zoo file, or of every *.json file of a folder, to `zoo`.
inline void add_models(model_zoo& zoo, const std::string& path, const std::string& option) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw usage_error(option + ": the folder '" + path + "' holds no .json model files");
  } else if (!fs::exists(path, ec)) {
    throw usage_error(option + ": no such file or folder '" + path + "'");
  } else {
    files.push_back(path);
  }
  for (const auto& f : files) {
    const io::json doc = io::load_json_file(f);
    io::json_reader r(doc, f, "");
    const std::string kind = r.string("kind");
    model_zoo add;
    if (kind == "model_zoo") {
      add = io::parse_model_zoo(doc, f);
    } else if (kind == "model") {
      add.add(io::parse_model_document(doc, f));
    } else {
      throw input_error(f, "kind", "\"model\" or \"model_zoo\" in a file given to " + option + ", got \"" + kind + "\"");
    }
    for (const auto& [name, spec] : add.specs()) {
      if (zoo.contains(name))
        throw input_error(f, "name", "a model name not already known (built-in zoo or an earlier file), got \"" +
                                         name + "\"");
      zoo.add(spec);
    }
  }
}

/// Every model the trace names must be known: the built-in zoo, --models files, or a model file named by
/// path (absolute, or relative to the trace's folder), which is loaded and added under that name.
inline void resolve_trace_models(model_zoo& zoo, const std::vector<job>& trace, const std::string& trace_path) {
  namespace fs = std::filesystem;
  for (const auto& j : trace) {
    if (zoo.contains(j.model)) continue;
    if (j.model.size() > 5 && j.model.compare(j.model.size() - 5, 5, ".json") == 0) {
      fs::path p = j.model;
      if (p.is_relative()) p = fs::path(trace_path).parent_path() / p;
      model_spec spec = io::parse_model_document(io::load_json_file(p.string()), p.string());
      std::visit([&](auto& m) { m.name = j.model; }, spec);
      zoo.add(std::move(spec));
      continue;
    }
    throw input_error(trace_path, "model",
                      "a model of the built-in zoo, of a --models file, or a model file's path; job '" + j.id +
                          "' names \"" + j.model + "\" (known: " + zoo.known_names() + ")");
  }
}

/// Warnings about a trace that will run but may not do what its author meant.
[[nodiscard]] inline std::vector<std::string> trace_warnings(const std::vector<job>& trace, const cluster& c) {
  std::vector<std::string> out;
  if (trace.empty()) {
    out.push_back("the trace holds no jobs: nothing to simulate");
    return out;
  }
  std::map<std::string, std::vector<std::string>> absent, too_big;  // type -> job ids
  for (const auto& j : trace) {
    if (!j.requested_gpu_type) continue;
    const int have = c.total_gpus_of(*j.requested_gpu_type);
    if (have == 0)
      absent[*j.requested_gpu_type].push_back(j.id);
    else if (j.requested_gpus > have)
      too_big[*j.requested_gpu_type].push_back(j.id);
  }
  const auto ids = [](const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < 5; ++i) s += (i ? ", " : "") + v[i];
    if (v.size() > 5) s += ", ...";
    return s;
  };
  for (const auto& [t, v] : absent)
    out.push_back(std::to_string(v.size()) + " job(s) request GPU type " + t +
                  ", which the cluster does not have; policies that honour the request cannot place them (" + ids(v) +
                  ")");
  for (const auto& [t, v] : too_big)
    out.push_back(std::to_string(v.size()) + " job(s) request more " + t + " GPUs than the cluster's " +
                  std::to_string(c.total_gpus_of(t)) + "; policies that honour the request cannot place them (" +
                  ids(v) + ")");
  return out;
}

/// Per policy, the jobs that did not finish, grouped by reason (the three most common, with an example).
[[nodiscard]] inline std::string format_unfinished(const std::vector<sim::sim_run>& runs) {
  std::string out;
  for (const auto& r : runs) {
    std::map<std::string, std::pair<std::size_t, std::string>> by_reason;  // reason -> (count, first id)
    std::size_t n = 0;
    for (const auto& o : r.jobs) {
      if (o.finished()) continue;
      ++n;
      // Grouped by the reason's text before its details in parentheses.
      auto& e = by_reason[o.reason.substr(0, o.reason.find(" ("))];
      if (e.first++ == 0) e.second = o.id;
    }
    if (r.unsubmitted > 0)
      out += "  " + r.policy + ": " + std::to_string(r.unsubmitted) +
             " job(s) of the trace arrive after the last round and were not submitted\n";
    if (n == 0) continue;
    std::vector<std::pair<std::size_t, std::string>> order;
    for (const auto& [reason, e] : by_reason) order.emplace_back(e.first, reason);
    std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    out += "  " + r.policy + ": " + std::to_string(n) + " job(s) did not finish\n";
    for (std::size_t i = 0; i < order.size() && i < 3; ++i)
      out += "    " + std::to_string(order[i].first) + " x " + order[i].second + " (e.g. " +
             by_reason[order[i].second].second + ")\n";
    if (order.size() > 3) out += "    ... " + std::to_string(order.size() - 3) + " other reason(s)\n";
  }
  return out.empty() ? out : "\njobs that did not finish (every job's outcome: --jobs-out FILE):\n" + out;
}

}  // namespace cellsched::cli::simulate_detail
