#pragma once
// Reading the reference artifact's profile database (data/perf/arena-profile-db.json)
// into a reference_perf_table. Keys: "optimal_iter_time_s" (config key -> device key -> seconds, -1 = no
// feasible plan), "dp_mem_gb" (config key -> per-GPU GB of data parallelism on 1, 2, 4, ... GPUs), and the
// optional "_about", "optimal_entries", "dp_mem_entries" (derived copies, not read).
// A config key is <model>_<size>_<global batch>; a device key <nodes>_<gpu>_<nodes>_n_<gpus per node>_d.
#include <cmath>
#include <concepts>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/error.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/schedule/reference_table.hpp"

namespace cellsched::io {

namespace reference_table_detail {

/// Checks "<model>_<size>_<batch>", split at the last two underscores (wide_resnet holds one itself).
inline void check_config_key(const std::string& key, const std::string& origin, const std::string& field) {
  const auto b = key.rfind('_');
  const auto s = b == std::string::npos || b == 0 ? std::string::npos : key.rfind('_', b - 1);
  if (b == std::string::npos || s == std::string::npos || s == 0 || b + 1 >= key.size())
    throw input_error(origin, field, "a config key <model>_<size>_<global batch>");
  for (std::size_t i = b + 1; i < key.size(); ++i)
    if (key[i] < '0' || key[i] > '9') throw input_error(origin, field, "a config key ending in an integer batch size");
}

[[nodiscard]] inline int parse_count(const std::string& s, const std::string& origin, const std::string& field,
                                     const std::string& expected) {
  if (s.empty() || s.size() > 6) throw input_error(origin, field, expected);
  int v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') throw input_error(origin, field, expected);
    v = v * 10 + (ch - '0');
  }
  if (v <= 0) throw input_error(origin, field, expected);
  return v;
}

struct device_key {
  std::string gpu_type;  ///< canonical name
  int nodes = 0;
  int per_node = 0;
};

/// "<nodes>_<gpu>_<nodes>_n_<gpus per node>_d"; the GPU must be known to the catalog.
[[nodiscard]] inline device_key parse_device_key(const std::string& key, const hardware_catalog& catalog,
                                                 const std::string& origin, const std::string& field) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '_') {
      parts.push_back(key.substr(start, i - start));
      start = i + 1;
    }
  }
  const std::string expected = "a device key <nodes>_<gpu>_<nodes>_n_<gpus per node>_d";
  if (parts.size() != 6 || parts[3] != "n" || parts[5] != "d" || parts[0] != parts[2])
    throw input_error(origin, field, expected);
  const int nodes = parse_count(parts[0], origin, field, expected);
  const int per_node = parse_count(parts[4], origin, field, expected);
  const gpu_type* g = catalog.find(parts[1]);
  if (!g) throw input_error(origin, field, "a GPU type known to the catalog, got '" + parts[1] + "'");
  return {g->name, nodes, per_node};
}

}  // namespace reference_table_detail

/// The table of a parsed profile database; GPU names ("a100", ...) are resolved through `catalog`.
/// Throws input_error naming `origin` and the field.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] reference_perf_table parse_reference_table(const Json& doc, const std::string& origin,
                                                         const hardware_catalog& catalog,
                                                         reference_table_options opts = {}) {
  using namespace reference_table_detail;
  reference_perf_table t(catalog, std::move(opts));
  basic_json_reader<Json> root(doc, origin, "");
  if (const Json* about = root.raw_optional("_about"); about && !about->is_object()) root.fail("_about", "an object");
  if (const Json* e = root.raw_optional("optimal_entries"); e && !e->is_array())
    root.fail("optimal_entries", "an array (derived copy of optimal_iter_time_s)");
  if (const Json* e = root.raw_optional("dp_mem_entries"); e && !e->is_array())
    root.fail("dp_mem_entries", "an array (derived copy of dp_mem_gb)");
  const Json& opt = root.raw("optimal_iter_time_s");
  if (!opt.is_object()) root.fail("optimal_iter_time_s", "an object: config key -> device key -> seconds");
  for (auto it = opt.begin(); it != opt.end(); ++it) {
    const std::string field = "optimal_iter_time_s." + it.key();
    check_config_key(it.key(), origin, field);
    t.add_config(it.key());
    if (!it.value().is_object()) throw input_error(origin, field, "an object: device key -> seconds");
    for (auto d = it.value().begin(); d != it.value().end(); ++d) {
      const std::string dfield = field + "." + d.key();
      const device_key key = parse_device_key(d.key(), catalog, origin, dfield);
      if (!d.value().is_number() || !std::isfinite(d.value().template get<double>()))
        throw input_error(origin, dfield, "a finite number of seconds (-1 = no feasible plan)");
      t.set_iter_time(it.key(), key.gpu_type, key.nodes, key.per_node, d.value().template get<double>());
    }
  }
  const Json& dp = root.raw("dp_mem_gb");
  if (!dp.is_object()) root.fail("dp_mem_gb", "an object: config key -> per-GPU GB on 1,2,4,8,16 GPUs");
  for (auto it = dp.begin(); it != dp.end(); ++it) {
    const std::string field = "dp_mem_gb." + it.key();
    check_config_key(it.key(), origin, field);
    t.add_config(it.key());
    if (!it.value().is_array() || it.value().empty() || it.value().size() > 16)
      throw input_error(origin, field, "an array of per-GPU memory in GB for 1, 2, 4, ... GPUs");
    std::vector<double> gb;
    for (std::size_t i = 0; i < it.value().size(); ++i) {
      const Json& v = it.value()[i];
      if (!v.is_number() || !std::isfinite(v.template get<double>()))
        throw input_error(origin, field + "[" + std::to_string(i) + "]", "a finite number of GB (-1 = does not fit)");
      gb.push_back(v.template get<double>());
    }
    t.set_dp_mem_gb(it.key(), std::move(gb));
  }
  root.finish();
  return t;
}

/// Reads a profile database file (see parse_reference_table).
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] reference_perf_table load_reference_table(const std::string& path, const hardware_catalog& catalog,
                                                        reference_table_options opts = {}) {
  return parse_reference_table<Json>(load_json_file<Json>(path), path, catalog, std::move(opts));
}

}  // namespace cellsched::io
