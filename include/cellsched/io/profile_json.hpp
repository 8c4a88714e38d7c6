#pragma once
// Reading and writing probe profiles ({"kind": "profile", ...}; schema and units: docs/formats/profile.md).
// The reader is strict: unknown keys, missing fields, non-finite or non-positive figures, unknown dtypes,
// kernels and collective names, duplicate points, and derived figures (TFLOP/s, GB/s, bus bandwidth) that
// disagree with the times they derive from are all errors naming the file and the field.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cellsched/estimate/profile.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/error.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/probe/busbw.hpp"

namespace cellsched::io {

namespace profile_detail {

/// Derived figures must match what they derive from to this relative tolerance: loose enough for
/// numbers rounded to 3 significant digits by hand, tight enough to catch a unit slip (x1000, GiB/GB).
inline constexpr double derived_rel_tol = 0.01;

template <std::same_as<nlohmann::json> Json = nlohmann::json>
void check_derived(basic_json_reader<Json>& r, const std::string& key, double stored, double expected) {
  // A time so small that the figure overflows derives nothing: inf would compare as "within 1 %".
  if (!std::isfinite(expected) || std::fabs(stored - expected) > derived_rel_tol * std::fabs(expected))
    r.fail(key, "a value consistent with the measured time (expected " +
                    basic_json_reader<Json>::format_number(expected) + " within 1 %, got " +
                    basic_json_reader<Json>::format_number(stored) + ")");
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] dtype parse_dtype(basic_json_reader<Json>& r, const std::string& key) {
  const std::string s = r.string(key);
  for (const dtype d : {dtype::fp32, dtype::tf32, dtype::fp16, dtype::bf16, dtype::fp8})
    if (to_string(d) == s) return d;
  r.fail(key, "one of fp32, tf32, fp16, bf16, fp8; got \"" + s + "\"");
}

/// An ISO 8601 date, optionally with a time, which then needs its zone (a local time is ambiguous as
/// provenance): YYYY-MM-DD[THH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)].
[[nodiscard]] inline bool is_iso8601(std::string_view s) {
  auto digits = [&s](std::size_t at, std::size_t n) {
    if (at + n > s.size()) return false;
    for (std::size_t i = at; i < at + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (!digits(0, 4) || s.size() < 10 || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2)) return false;
  if (s.size() == 10) return true;
  if (s[10] != 'T' || !digits(11, 2) || s.size() < 16 || s[13] != ':' || !digits(14, 2)) return false;
  std::size_t i = 16;
  if (i < s.size() && s[i] == ':') {
    if (!digits(i + 1, 2)) return false;
    i += 3;
    if (i < s.size() && s[i] == '.') {
      ++i;
      const std::size_t start = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      if (i == start) return false;
    }
  }
  if (i == s.size()) return false;
  if (s[i] == 'Z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  return s.size() == i + 6 && digits(i + 1, 2) && s[i + 3] == ':' && digits(i + 4, 2);
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] gemm_point parse_gemm_point(basic_json_reader<Json> r) {
  gemm_point g;
  g.m = r.integer("m", 1);
  g.n = r.integer("n", 1);
  g.k = r.integer("k", 1);
  g.type = parse_dtype<Json>(r, "dtype");
  g.time_s = r.positive("time_s");
  g.tflops = r.positive("tflops");
  check_derived<Json>(
      r, "tflops", g.tflops,
      2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k) / g.time_s / 1e12);
  r.finish();
  return g;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] bandwidth_point parse_bandwidth_point(basic_json_reader<Json> r) {
  bandwidth_point b;
  b.kernel = r.string("kernel");
  if (b.kernel != "copy" && b.kernel != "triad") r.fail("kernel", "\"copy\" or \"triad\", got \"" + b.kernel + "\"");
  b.bytes = r.positive("bytes");
  b.time_s = r.positive("time_s");
  b.gb_per_s = r.positive("gb_per_s");
  check_derived<Json>(r, "gb_per_s", b.gb_per_s, b.bytes / b.time_s / 1e9);
  r.finish();
  return b;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] collective_point parse_collective_point(basic_json_reader<Json> r, probe::collective_op op, int ranks) {
  collective_point c;
  c.bytes = r.positive("bytes");
  c.time_s = r.positive("time_s");
  c.algo_gb_per_s = r.positive("algo_gb_per_s");
  c.bus_gb_per_s = r.positive("bus_gb_per_s");
  check_derived<Json>(r, "algo_gb_per_s", c.algo_gb_per_s, probe::algo_gb_per_s(c.bytes, c.time_s));
  check_derived<Json>(r, "bus_gb_per_s", c.bus_gb_per_s, c.algo_gb_per_s * probe::bus_bandwidth_factor(op, ranks));
  r.finish();
  return c;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] collective_series parse_collective_series(basic_json_reader<Json> r, int num_gpus) {
  collective_series s;
  s.op = r.string("op");
  const auto op = probe::collective_op_from_name(s.op);
  if (!op) r.fail("op", "one of " + probe::known_collective_ops() + "; got \"" + s.op + "\"");
  s.group_size = static_cast<int>(r.integer("group_size", 2, 1 << 20));
  if (s.group_size > num_gpus) r.fail("group_size", "at most num_gpus (" + std::to_string(num_gpus) + ")");
  s.num_nodes = static_cast<int>(r.integer("num_nodes", 1, s.group_size));
  const Json& pts = r.array("points");
  for (std::size_t i = 0; i < pts.size(); ++i) {
    s.points.push_back(parse_collective_point<Json>(
        basic_json_reader<Json>(pts[i], r.file(), r.element_path("points", i)), *op, s.group_size));
    if (i > 0 && !(s.points[i].bytes > s.points[i - 1].bytes))
      throw input_error(r.file(), r.element_path("points", i) + ".bytes", "sizes in strictly ascending order");
  }
  r.finish();
  return s;
}

template <class T, class Same>
void reject_duplicates(const json_reader& r, const std::string& key, const std::vector<T>& xs, Same same) {
  for (std::size_t i = 0; i < xs.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (same(xs[i], xs[j]))
        throw input_error(r.file(), r.element_path(key, i),
                          "a point measured once (same as " + r.element_path(key, j) + ")");
}

}  // namespace profile_detail

/// Reads a probe profile from parsed JSON; `origin` names the file in error messages and becomes
/// probe_profile::source.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] probe_profile parse_profile(const Json& doc, const std::string& origin) {
  using namespace profile_detail;
  basic_json_reader<Json> r(doc, origin, "");
  if (const std::string kind = r.string("kind"); kind != "profile")
    r.fail("kind", "\"profile\" in a file loaded as a probe profile, got \"" + kind + "\"");
  probe_profile p;
  p.source = origin;
  p.gpu_type = r.string("gpu_type");
  if (p.gpu_type.empty() || p.gpu_type.find_first_of(" \t\n/\\") != std::string::npos)
    r.fail("gpu_type", "a GPU type name (non-empty, no spaces or slashes)");
  p.device_name = r.string("device_name");
  p.driver_version = r.string("driver_version");
  p.cuda_version = r.string("cuda_version");
  p.nccl_version = r.string("nccl_version");
  p.date = r.string("date");
  if (!is_iso8601(p.date)) r.fail("date", "an ISO 8601 date such as 2025-01-31T12:00:00Z, got \"" + p.date + "\"");
  p.host = r.string("host");
  p.mode = r.string("mode");
  if (p.mode != "quick" && p.mode != "full") r.fail("mode", "\"quick\" or \"full\", got \"" + p.mode + "\"");
  p.tool = r.string("tool");
  p.num_gpus = static_cast<int>(r.integer("num_gpus", 1, 1 << 20));
  const Json& notes = r.array("notes", true);
  for (std::size_t i = 0; i < notes.size(); ++i) p.notes.push_back(r.as_string(r.element_path("notes", i), notes[i]));

  const Json& gemm = r.array("gemm", true);
  for (std::size_t i = 0; i < gemm.size(); ++i)
    p.gemm.push_back(parse_gemm_point<Json>(basic_json_reader<Json>(gemm[i], origin, r.element_path("gemm", i))));
  reject_duplicates(r, "gemm", p.gemm, [](const gemm_point& a, const gemm_point& b) {
    return a.m == b.m && a.n == b.n && a.k == b.k && a.type == b.type;
  });
  const Json& mem = r.array("memory", true);
  for (std::size_t i = 0; i < mem.size(); ++i)
    p.memory.push_back(
        parse_bandwidth_point<Json>(basic_json_reader<Json>(mem[i], origin, r.element_path("memory", i))));
  reject_duplicates(r, "memory", p.memory, [](const bandwidth_point& a, const bandwidth_point& b) {
    return a.kernel == b.kernel && a.bytes == b.bytes;
  });
  const Json& coll = r.array("collectives", true);
  for (std::size_t i = 0; i < coll.size(); ++i)
    p.collectives.push_back(parse_collective_series<Json>(
        basic_json_reader<Json>(coll[i], origin, r.element_path("collectives", i)), p.num_gpus));
  reject_duplicates(r, "collectives", p.collectives, [](const collective_series& a, const collective_series& b) {
    return a.op == b.op && a.group_size == b.group_size && a.num_nodes == b.num_nodes;
  });
  if (p.gemm.empty() && p.memory.empty() && p.collectives.empty())
    r.fail("gemm", "at least one measured point in gemm, memory or collectives");
  r.finish();
  return p;
}

/// Loads and validates a probe profile file.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] probe_profile load_profile_file(const std::string& path) {
  return parse_profile<Json>(load_json_file<Json>(path), path);
}

/// The JSON document of a profile; parse_profile(to_json(p), p.source) == p (doubles are written with
/// round-trip precision).
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const probe_profile& p) {
  Json doc = Json::object();
  doc["kind"] = "profile";
  doc["gpu_type"] = p.gpu_type;
  doc["device_name"] = p.device_name;
  doc["driver_version"] = p.driver_version;
  doc["cuda_version"] = p.cuda_version;
  doc["nccl_version"] = p.nccl_version;
  doc["date"] = p.date;
  doc["host"] = p.host;
  doc["mode"] = p.mode;
  doc["tool"] = p.tool;
  doc["num_gpus"] = p.num_gpus;
  doc["notes"] = p.notes;
  Json gemm = Json::array();
  for (const auto& g : p.gemm)
    gemm.push_back({{"m", g.m},
                    {"n", g.n},
                    {"k", g.k},
                    {"dtype", std::string(to_string(g.type))},
                    {"time_s", g.time_s},
                    {"tflops", g.tflops}});
  doc["gemm"] = std::move(gemm);
  Json mem = Json::array();
  for (const auto& b : p.memory)
    mem.push_back({{"kernel", b.kernel}, {"bytes", b.bytes}, {"time_s", b.time_s}, {"gb_per_s", b.gb_per_s}});
  doc["memory"] = std::move(mem);
  Json coll = Json::array();
  for (const auto& s : p.collectives) {
    Json pts = Json::array();
    for (const auto& c : s.points)
      pts.push_back({{"bytes", c.bytes},
                     {"time_s", c.time_s},
                     {"algo_gb_per_s", c.algo_gb_per_s},
                     {"bus_gb_per_s", c.bus_gb_per_s}});
    coll.push_back(
        {{"op", s.op}, {"group_size", s.group_size}, {"num_nodes", s.num_nodes}, {"points", std::move(pts)}});
  }
  doc["collectives"] = std::move(coll);
  return doc;
}

/// Every profile in `dir` (files *.json, in name order), one per GPU type, keyed by canonical name: the
/// catalog's name for the profile's gpu_type when a catalog is given (a type it does not know is an
/// error), else the gpu_type in lower case. A file's name must start with its key or with its gpu_type
/// ("h100-sxm-full-20250131.json"), so that a mislabelled file is caught. When several files describe
/// one type, a "full" profile beats a "quick" one, then the later date, then the later file name.
/// Throws input_error when `dir` is not a directory or a file is not a valid profile.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] std::map<std::string, probe_profile> find_profiles(const std::string& dir,
                                                                 const hardware_catalog* catalog = nullptr) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw input_error(dir, "", "a directory of probe profiles");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  if (ec) throw input_error(dir, "", "a readable directory (" + ec.message() + ")");
  std::sort(files.begin(), files.end());
  std::map<std::string, probe_profile> out;
  for (const auto& f : files) {
    probe_profile p = load_profile_file<Json>(f.string());
    std::string key = lower_ascii(p.gpu_type);
    if (catalog) {
      const gpu_type* t = catalog->find(p.gpu_type);
      if (!t) throw input_error(f.string(), "gpu_type", "a GPU type of the catalog, got \"" + p.gpu_type + "\"");
      key = t->name;
    }
    const std::string stem = lower_ascii(f.stem().string());
    if (stem.rfind(key, 0) != 0 && stem.rfind(lower_ascii(p.gpu_type), 0) != 0)
      throw input_error(f.string(), "gpu_type", "a file name starting with the GPU type \"" + key + "\"");
    auto it = out.find(key);
    const bool better = it == out.end() || (p.mode == "full" && it->second.mode != "full") ||
                        (p.mode == it->second.mode && p.date >= it->second.date);
    if (better) out[key] = std::move(p);
  }
  return out;
}

}  // namespace cellsched::io
