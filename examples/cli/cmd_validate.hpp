#pragma once
// cellsched validate FILE...: loads each file with the strict loader for its kind and reports the first
// error. The kind comes from the file's content (a JSON "kind" field or the CSV header). Loaders that
// live in optional headers are used when this build has them.
#include <iostream>
#include <string>
#include <vector>

#include <cellsched/hardware/catalog.hpp>
#include <cellsched/hardware/cluster.hpp>
#include <cellsched/io/catalog_json.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/error.hpp>
#include <cellsched/io/file_kind.hpp>
#include <cellsched/io/price_json.hpp>
#include <cellsched/io/reference_table_json.hpp>
#include <cellsched/schedule/reference_table.hpp>

#if __has_include(<cellsched/io/model_json.hpp>)
#include <cellsched/io/model_json.hpp>
#define CELLSCHED_VALIDATE_HAVE_MODEL 1
#endif
#if __has_include(<cellsched/io/trace_io.hpp>)
#include <cellsched/io/trace_io.hpp>
#define CELLSCHED_VALIDATE_HAVE_TRACE 1
#endif
#if __has_include(<cellsched/estimate/measurements.hpp>)
#include <cellsched/estimate/measurements.hpp>
#define CELLSCHED_VALIDATE_HAVE_MEASUREMENTS 1
#endif
#if __has_include(<cellsched/io/profile_json.hpp>)
#include <cellsched/io/profile_json.hpp>
#define CELLSCHED_VALIDATE_HAVE_PROFILE 1
#endif

#include "args.hpp"

namespace cellsched::cli {

namespace validate_detail {

[[nodiscard]] inline std::string describe(const cluster& c) {
  std::string s = "cluster '" + c.name() + "': " + std::to_string(c.nodes().size()) + " nodes, " +
                  std::to_string(c.total_gpus()) + " GPUs (";
  bool first = true;
  for (const auto& t : c.gpu_types_present()) {
    s += (first ? "" : ", ") + t + " " + std::to_string(c.total_gpus_of(t));
    first = false;
  }
  return s + ")";
}

[[nodiscard]] inline std::string describe_new_types(const hardware_catalog& catalog) {
  const auto user = io::user_gpu_types(catalog);
  std::string s = "gpu_types: " + std::to_string(user.size()) + " type(s) added or changed (";
  for (std::size_t i = 0; i < user.size(); ++i) s += (i ? ", " : "") + user[i].name;
  return s + ")";
}

[[noreturn]] inline void no_loader(const std::string& path, io::file_kind k) {
  throw input_error(path, "", "no loader for kind " + std::string(io::to_string(k)) + " in this build");
}

/// Loads one file strictly; returns its one-line summary or throws input_error.
[[nodiscard]] inline std::string validate_one(const std::string& path) {
  const io::file_kind kind = io::detect_file_kind(path);
  switch (kind) {
    case io::file_kind::cluster: return describe(io::load_cluster_file(path));
    case io::file_kind::gpu_types: return describe_new_types(io::load_gpu_types_file(path));
    case io::file_kind::model:
#ifdef CELLSCHED_VALIDATE_HAVE_MODEL
      (void)io::load_model_file(path);
      return "valid model";
#else
      no_loader(path, kind);
#endif
    case io::file_kind::model_zoo:
#ifdef CELLSCHED_VALIDATE_HAVE_MODEL
      (void)io::load_model_zoo_file(path);
      return "valid model_zoo";
#else
      no_loader(path, kind);
#endif
    case io::file_kind::job:
#ifdef CELLSCHED_VALIDATE_HAVE_TRACE
      (void)io::load_job_file(path);
      return "valid job";
#else
      no_loader(path, kind);
#endif
    case io::file_kind::trace:
#ifdef CELLSCHED_VALIDATE_HAVE_TRACE
      (void)io::load_trace_file(path);
      return "valid trace";
#else
      no_loader(path, kind);
#endif
    case io::file_kind::profile:
#ifdef CELLSCHED_VALIDATE_HAVE_PROFILE
      (void)io::load_profile_file(path);
      return "valid profile";
#else
      no_loader(path, kind);
#endif
    case io::file_kind::perf_table:
      (void)io::load_reference_table(path, builtin_catalog());
      return "valid perf_table (reference profile database)";
    case io::file_kind::measurements:
#ifdef CELLSCHED_VALIDATE_HAVE_MEASUREMENTS
      return "measurements: " + std::to_string(load_measurements_file(path).size()) + " rows";
#else
      no_loader(path, kind);
#endif
    case io::file_kind::prices:
      return std::string("prices: ").append(std::to_string(io::load_prices_file(path).entries().size())).append(" GPU type(s)");
  }
  no_loader(path, kind);
}

}  // namespace validate_detail

inline int run_validate(const std::vector<std::string>& argv) {
  const args a(argv, {}, {"--help"});
  if (a.has("--help")) {
    std::cout << "usage: cellsched validate FILE...\n"
                 "Loads each file strictly and prints one line per valid file. The kind comes from the\n"
                 "file: a JSON \"kind\" field (" << io::known_file_kinds() << ") or a CSV header\n"
                 "(trace, measurements). Stops at the first error: message on stderr, exit status 2.\n";
    return 0;
  }
  if (a.positional().empty()) throw usage_error("no files given");
  for (const auto& f : a.positional()) {
    const std::string summary = validate_detail::validate_one(f);
    std::cout << f << ": " << summary << "\n";
  }
  return 0;
}

}  // namespace cellsched::cli
