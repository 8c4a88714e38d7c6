#pragma once
// Observations (adapt/observation.hpp) as JSON and CSV, and an online oracle's learnt state as JSON
// (docs/closed-loop.md). Read strictly like every other input: unknown keys, wrong types, a non-positive
// or non-finite time, an empty layout are errors naming the file, the field (and CSV line).
//
// JSON: {"kind": "observations", "observations": [{"job_id": "j1", "model": "bert__1.3B",
//        "global_batch": 128, "gpu_type": "a100", "layout": [4, 4], "stages": 2, "plan": "...",
//        "iter_time_s": 1.92, "time_s": 3600, "compute_s": 1.5, "comm_s": 0.42}]}
//   (stages, plan, compute_s, comm_s optional; "failed": true reports a job that could not run in that
//   Cell, e.g. out of memory, and then needs no iter_time_s)
// CSV:  job_id,model,global_batch,gpu_type,layout,stages,iter_time_s,time_s
//       j1,bert__1.3B,128,a100,4+4,2,1.92,3600           (layout: GPUs per node joined by '+')
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cellsched/adapt/drift.hpp"
#include "cellsched/adapt/observation.hpp"
#include "cellsched/adapt/online_oracle.hpp"
#include "cellsched/error.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/io/job_json.hpp"
#include "cellsched/io/json_reader.hpp"

namespace cellsched::io {

inline constexpr std::string_view observations_csv_header =
    "job_id,model,global_batch,gpu_type,layout,stages,iter_time_s,time_s";

/// Upper bounds that guard against typos and overflow.
inline constexpr double max_observed_iter_time_s = 1e7;
inline constexpr double max_observation_time_s = 9e15;
inline constexpr int max_layout_nodes = 100'000;

namespace observation_detail {

/// The canonical GPU type name, or the name lower-cased when no catalog is given.
[[nodiscard]] inline std::string gpu_name(const hardware_catalog* catalog, const std::string& name,
                                          const std::string& file, const std::string& field, std::size_t line) {
  const std::string c = canonical_gpu_name(catalog, name);
  if (c.empty()) throw input_error(file, field, job_detail::unknown_gpu(*catalog, name), line);
  return c;
}

[[nodiscard]] inline node_layout parse_layout_text(const std::string& text, const std::string& file,
                                                   std::size_t line) {
  node_layout out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t plus = text.find('+', start);
    const std::string part = text.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    int v = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || v < 1 || v > 1024)
      throw input_error(file, "layout", "GPUs per node (1 to 1024) joined by '+', e.g. 4+4, got \"" + text + "\"", line);
    out.push_back(v);
    if (out.size() > static_cast<std::size_t>(max_layout_nodes))
      throw input_error(file, "layout", "at most 100000 nodes", line);
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return out;
}

[[nodiscard]] inline double csv_number(const std::string& s, const std::string& file, const std::string& field,
                                       std::size_t line, double lo, double hi, bool positive) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v))
    throw input_error(file, field, "a finite number, got \"" + s + "\"", line);
  if (positive ? !(v > lo) : v < lo)
    throw input_error(file, field, std::string(positive ? "a number > " : "a number >= ") + json_reader::format_number(lo) +
                                       ", got \"" + s + "\"", line);
  if (v > hi) throw input_error(file, field, "a number <= " + json_reader::format_number(hi) + ", got \"" + s + "\"", line);
  return v;
}

}  // namespace observation_detail

/// One observation object at `path`.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] observation parse_observation(const Json& j, const std::string& file, const std::string& path,
                                            const hardware_catalog* catalog = &builtin_catalog()) {
  basic_json_reader<Json> r(j, file, path);
  observation o;
  o.job_id = job_detail::read_token(r, "job_id", r.raw("job_id"));
  o.model = job_detail::read_token(r, "model", r.raw("model"));
  o.global_batch = r.integer("global_batch", 1);
  const std::string type = job_detail::read_token(r, "gpu_type", r.raw("gpu_type"));
  o.gpu_type = canonical_gpu_name(catalog, type);
  if (o.gpu_type.empty()) r.fail("gpu_type", job_detail::unknown_gpu(*catalog, type));
  const Json& layout = r.array("layout");
  if (layout.size() > static_cast<std::size_t>(max_layout_nodes)) r.fail("layout", "at most 100000 nodes");
  for (std::size_t i = 0; i < layout.size(); ++i) {
    const Json& v = layout[i];
    if (!v.is_number_integer() || v.template get<std::int64_t>() < 1 || v.template get<std::int64_t>() > 1024)
      throw input_error(file, r.element_path("layout", i), "an integer number of GPUs in [1, 1024]");
    o.layout.push_back(static_cast<int>(v.template get<std::int64_t>()));
  }
  o.stages = static_cast<int>(r.integer_or("stages", 0, 0, 1 << 20));
  o.plan = r.string_or("plan", "");
  o.failed = r.boolean_or("failed", false);
  o.iter_time_s = o.failed ? r.number_or("iter_time_s", 0.0, 0.0, max_observed_iter_time_s)
                           : r.number("iter_time_s", 0.0, max_observed_iter_time_s);
  if (!o.failed && !(o.iter_time_s > 0)) r.fail("iter_time_s", "a number of seconds > 0");
  o.time_s = r.number("time_s", 0.0, max_observation_time_s);
  if (const Json* c = r.raw_optional("compute_s")) o.compute_s = r.as_number("compute_s", *c, 0.0, o.iter_time_s);
  if (const Json* c = r.raw_optional("comm_s")) o.comm_s = r.as_number("comm_s", *c, 0.0, o.iter_time_s);
  r.finish();
  return o;
}

/// A {"kind": "observations"} document.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] std::vector<observation> parse_observations_json(const Json& doc, const std::string& file,
                                                               const hardware_catalog* catalog = &builtin_catalog()) {
  basic_json_reader<Json> r(doc, file, "");
  const std::string kind = r.string("kind");
  if (kind != "observations") r.fail("kind", "\"observations\", got \"" + kind + "\"");
  const Json& arr = r.array("observations", true);
  r.finish();
  std::vector<observation> out;
  for (std::size_t i = 0; i < arr.size(); ++i)
    out.push_back(parse_observation<Json>(arr[i], file, r.element_path("observations", i), catalog));
  return out;
}

/// The CSV form; lines are 1-based (header = 1).
[[nodiscard]] inline std::vector<observation> parse_observations_csv(std::string_view text, const std::string& file,
                                                                     const hardware_catalog* catalog = &builtin_catalog()) {
  using namespace observation_detail;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<observation> out;
  std::size_t line = 0, start = 0;
  bool header = false;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string row(text.substr(start, end - start));
    start = end + 1;
    ++line;
    if (!row.empty() && row.back() == '\r') row.pop_back();
    if (!header) {
      if (row != observations_csv_header)
        throw input_error(file, "<header>", "the header row " + std::string(observations_csv_header), line);
      header = true;
      continue;
    }
    if (row.empty()) {
      if (start >= text.size()) break;
      throw input_error(file, "", "a data row, got an empty line", line);
    }
    std::vector<std::string> f;
    std::size_t s = 0;
    while (true) {
      const std::size_t comma = row.find(',', s);
      f.push_back(row.substr(s, comma == std::string::npos ? std::string::npos : comma - s));
      if (comma == std::string::npos) break;
      s = comma + 1;
    }
    if (f.size() != 8)
      throw input_error(file, "", "8 comma-separated columns, got " + std::to_string(f.size()), line);
    const char* names[8] = {"job_id", "model", "global_batch", "gpu_type", "layout", "stages", "iter_time_s", "time_s"};
    for (int c : {0, 1, 3})
      if (!job_detail::valid_utf8(f[static_cast<std::size_t>(c)]) || !job_detail::plain_token(f[static_cast<std::size_t>(c)]))
        throw input_error(file, names[c], "a non-empty UTF-8 name without spaces, commas, quotes or control characters, got \"" +
                                              f[static_cast<std::size_t>(c)] + "\"", line);
    observation o;
    o.job_id = f[0];
    o.model = f[1];
    o.global_batch = static_cast<std::int64_t>(csv_number(f[2], file, names[2], line, 1.0, 1e15, false));
    if (static_cast<double>(o.global_batch) != csv_number(f[2], file, names[2], line, 1.0, 1e15, false))
      throw input_error(file, names[2], "an integer, got \"" + f[2] + "\"", line);
    o.gpu_type = gpu_name(catalog, f[3], file, names[3], line);
    o.layout = parse_layout_text(f[4], file, line);
    if (!f[5].empty()) {
      const double st = csv_number(f[5], file, names[5], line, 0.0, 1 << 20, false);
      if (st != std::floor(st)) throw input_error(file, names[5], "an integer, got \"" + f[5] + "\"", line);
      o.stages = static_cast<int>(st);
    }
    o.iter_time_s = csv_number(f[6], file, names[6], line, 0.0, max_observed_iter_time_s, true);
    o.time_s = csv_number(f[7], file, names[7], line, 0.0, max_observation_time_s, false);
    out.push_back(std::move(o));
  }
  if (!header) throw input_error(file, "<header>", "the header row " + std::string(observations_csv_header), 1);
  return out;
}

/// Loads observations from CSV (recognised by its header) or JSON.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] std::vector<observation> load_observations_file(const std::string& path,
                                                              const hardware_catalog* catalog = &builtin_catalog()) {
  const std::string text = read_text_file(path);
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{')
    return parse_observations_json<Json>(parse_json_text<Json>(text, path), path, catalog);
  return parse_observations_csv(text, path, catalog);
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const observation& o) {
  Json j = {{"job_id", o.job_id},     {"model", o.model},   {"global_batch", o.global_batch},
            {"gpu_type", o.gpu_type}, {"layout", o.layout}, {"iter_time_s", o.iter_time_s},
            {"time_s", o.time_s}};
  if (o.stages > 0) j["stages"] = o.stages;
  if (o.failed) j["failed"] = true;
  if (!o.plan.empty()) j["plan"] = o.plan;
  if (o.compute_s) j["compute_s"] = *o.compute_s;
  if (o.comm_s) j["comm_s"] = *o.comm_s;
  return j;
}

/// An online oracle's learnt state: {"kind": "online_state", "cells": [...], "stale_gpu_types": [...],
/// "alarms": [...]}.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const online_state& s) {
  Json doc;
  doc["kind"] = "online_state";
  doc["cells"] = Json::array();
  for (const auto& c : s.cells)
    doc["cells"].push_back({{"model", c.key.model},
                            {"global_batch", c.key.global_batch},
                            {"gpu_type", c.key.gpu_type},
                            {"layout", c.key.layout},
                            {"times_s", c.times_s},
                            {"observations", c.total},
                            {"predicted_s", c.predicted_s},
                            {"last_time_s", c.last_time_s},
                            {"failed", c.failed}});
  doc["stale_gpu_types"] = s.stale_types;
  doc["alarms"] = Json::array();
  for (const auto& a : s.alarms)
    doc["alarms"].push_back({{"scope", a.scope},
                             {"key", a.key},
                             {"gpu_type", a.gpu_type},
                             {"time_s", a.time_s},
                             {"residual", a.residual},
                             {"reason", a.reason}});
  return doc;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] online_state parse_online_state(const Json& doc, const std::string& file) {
  basic_json_reader<Json> r(doc, file, "");
  const std::string kind = r.string("kind");
  if (kind != "online_state") r.fail("kind", "\"online_state\", got \"" + kind + "\"");
  online_state s;
  const Json& cells = r.array("cells", true);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    basic_json_reader<Json> c(cells[i], file, r.element_path("cells", i));
    online_state::cell_record rec;
    rec.key.model = job_detail::read_token(c, "model", c.raw("model"));
    rec.key.global_batch = c.integer("global_batch", 1);
    rec.key.gpu_type = job_detail::read_token(c, "gpu_type", c.raw("gpu_type"));
    const Json& layout = c.array("layout");
    for (std::size_t k = 0; k < layout.size() && k <= static_cast<std::size_t>(max_layout_nodes); ++k) {
      if (!layout[k].is_number_integer() || layout[k].template get<std::int64_t>() < 1 ||
          layout[k].template get<std::int64_t>() > 1024)
        throw input_error(file, c.element_path("layout", k), "an integer number of GPUs in [1, 1024]");
      rec.key.layout.push_back(static_cast<int>(layout[k].template get<std::int64_t>()));
    }
    const Json& times = c.array("times_s", true);
    for (std::size_t k = 0; k < times.size(); ++k)
      rec.times_s.push_back(
          c.as_number("times_s[" + std::to_string(k) + "]", times[k], 1e-300, max_observed_iter_time_s));
    rec.total = static_cast<std::size_t>(c.integer("observations", 0));
    if (rec.total < rec.times_s.size()) c.fail("observations", "at least as many as times_s holds");
    rec.predicted_s = c.number("predicted_s", 0.0, max_observed_iter_time_s);
    rec.last_time_s = c.number("last_time_s", 0.0, max_observation_time_s);
    rec.failed = c.boolean_or("failed", false);
    c.finish();
    s.cells.push_back(std::move(rec));
  }
  const Json& stale = r.array("stale_gpu_types", true);
  for (std::size_t i = 0; i < stale.size(); ++i) {
    if (!stale[i].is_string()) throw input_error(file, r.element_path("stale_gpu_types", i), "a GPU type name");
    s.stale_types.push_back(stale[i].template get<std::string>());
  }
  const Json& alarms = r.array("alarms", true);
  for (std::size_t i = 0; i < alarms.size(); ++i) {
    basic_json_reader<Json> a(alarms[i], file, r.element_path("alarms", i));
    drift_alarm al;
    al.scope = a.string("scope");
    if (al.scope != "cell" && al.scope != "gpu_type") a.fail("scope", "\"cell\" or \"gpu_type\", got \"" + al.scope + "\"");
    al.key = a.string("key");
    al.gpu_type = a.string("gpu_type");
    al.time_s = a.number("time_s", 0.0, max_observation_time_s);
    al.residual = a.number("residual", -1e3, 1e3);
    al.reason = a.string("reason");
    a.finish();
    s.alarms.push_back(std::move(al));
  }
  r.finish();
  return s;
}

}  // namespace cellsched::io
