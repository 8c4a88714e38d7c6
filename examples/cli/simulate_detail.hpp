#pragma once
// Helpers of `cellsched simulate` (cmd_simulate.hpp): list and failure parsing, --inject-failures,
// file output, the progress line.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <cellsched/hardware/cluster.hpp>
#include <cellsched/io/error.hpp>
#include <cellsched/sim/sim_types.hpp>

#include "args.hpp"

namespace cellsched::cli::simulate_detail {

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

}  // namespace cellsched::cli::simulate_detail
