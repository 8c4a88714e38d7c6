#pragma once
// GPU types as JSON (docs/formats/cluster.md): user-defined types read strictly and written back.
// A "gpu_types" document, or the "gpu_types" array of a cluster file, adds types to a catalog or
// replaces same-named ones; a user type also takes over any alias it claims from another type.
#include <concepts>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/error.hpp"
#include "cellsched/io/file_kind.hpp"
#include "cellsched/io/json_reader.hpp"

namespace cellsched::io {

/// Upper bound on GPUs in one node accepted from files (a guard against typos such as 80000).
inline constexpr std::int64_t max_gpus_per_node = 1024;

namespace detail {

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] std::string read_type_name(basic_json_reader<Json>& r, const std::string& key, const Json& v) {
  std::string s = r.as_string(key, v);
  if (s.empty() || trim_ascii(s) != s)
    r.fail(key, "a non-empty name without leading or trailing spaces, got \"" + s + "\"");
  return lower_ascii(std::move(s));
}

/// The optional power figures of a type (docs/energy-cost.md): each > 0 when given; idle_w below tdp_w,
/// min_power_limit_w above idle_w and at most tdp_w; neither without tdp_w.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
void read_power(basic_json_reader<Json>& r, gpu_type& t) {
  t.tdp_w = r.has("tdp_w") ? r.positive("tdp_w") : 0.0;
  t.idle_w = r.has("idle_w") ? r.positive("idle_w") : 0.0;
  t.min_power_limit_w = r.has("min_power_limit_w") ? r.positive("min_power_limit_w") : 0.0;
  for (const char* key : {"idle_w", "min_power_limit_w"})
    if (r.has(key) && t.tdp_w <= 0.0) r.fail(key, "a \"tdp_w\" beside it (board power, W)");
  if (t.idle_w > 0.0 && t.idle_w >= t.tdp_w)
    r.fail("idle_w", std::string("idle power below tdp_w (")
                         .append(basic_json_reader<Json>::format_number(t.tdp_w))
                         .append(" W), got ")
                         .append(basic_json_reader<Json>::format_number(t.idle_w)));
  if (t.min_power_limit_w > t.tdp_w)
    r.fail("min_power_limit_w", std::string("a lowest power limit at most tdp_w (")
                                    .append(basic_json_reader<Json>::format_number(t.tdp_w))
                                    .append(" W), got ")
                                    .append(basic_json_reader<Json>::format_number(t.min_power_limit_w)));
  if (t.min_power_limit_w > 0.0 && t.idle_w > 0.0 && t.min_power_limit_w <= t.idle_w)
    r.fail("min_power_limit_w", std::string("a lowest power limit above idle_w (")
                                    .append(basic_json_reader<Json>::format_number(t.idle_w))
                                    .append(" W), got ")
                                    .append(basic_json_reader<Json>::format_number(t.min_power_limit_w)));
}

}  // namespace detail

/// One GPU type object. `path` is its field path, e.g. "gpu_types[0]".
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] gpu_type parse_gpu_type(const Json& j, const std::string& file, const std::string& path) {
  basic_json_reader<Json> r(j, file, path);
  gpu_type t;
  t.name = detail::read_type_name(r, "name", r.raw("name"));
  if (const Json* aliases = r.raw_optional("aliases")) {
    if (!aliases->is_array())
      r.fail("aliases", std::string("an array of strings, got ") + json_type_name<Json>(*aliases));
    for (std::size_t i = 0; i < aliases->size(); ++i)
      t.aliases.push_back(detail::read_type_name(r, "aliases[" + std::to_string(i) + "]", (*aliases)[i]));
  }
  t.peak_fp32_tflops = r.positive("peak_fp32_tflops");
  // Tensor dtypes a GPU lacks are 0 (or absent); gpu_type::peak_tflops falls back to a wider dtype.
  t.peak_tf32_tflops = r.number_or("peak_tf32_tflops", 0.0, 0.0);
  t.peak_fp16_tflops = r.number_or("peak_fp16_tflops", 0.0, 0.0);
  t.peak_bf16_tflops = r.number_or("peak_bf16_tflops", 0.0, 0.0);
  t.peak_fp8_tflops = r.number_or("peak_fp8_tflops", 0.0, 0.0);
  t.mem_gb = r.positive("mem_gb");
  t.mem_bw_gb_per_s = r.positive("mem_bw_gb_per_s");
  t.intra_link = r.string("intra_link");
  if (t.intra_link.empty()) r.fail("intra_link", "a non-empty link kind such as \"nvswitch\" or \"pcie4\"");
  t.intra_link_gb_per_s = r.positive("intra_link_gb_per_s");
  t.inter_node_gb_per_s = r.positive("inter_node_gb_per_s");
  t.gpus_per_node = static_cast<int>(r.integer("gpus_per_node", 1, max_gpus_per_node));
  t.nics_per_node = static_cast<int>(r.integer_or("nics_per_node", 1, 1, max_gpus_per_node));
  detail::read_power(r, t);
  r.finish();
  return t;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const gpu_type& t) {
  Json j{{"name", t.name},
         {"aliases", t.aliases},
         {"peak_fp32_tflops", t.peak_fp32_tflops},
         {"peak_tf32_tflops", t.peak_tf32_tflops},
         {"peak_fp16_tflops", t.peak_fp16_tflops},
         {"peak_bf16_tflops", t.peak_bf16_tflops},
         {"peak_fp8_tflops", t.peak_fp8_tflops},
         {"mem_gb", t.mem_gb},
         {"mem_bw_gb_per_s", t.mem_bw_gb_per_s},
         {"intra_link", t.intra_link},
         {"intra_link_gb_per_s", t.intra_link_gb_per_s},
         {"inter_node_gb_per_s", t.inter_node_gb_per_s},
         {"gpus_per_node", t.gpus_per_node},
         {"nics_per_node", t.nics_per_node}};
  // Power figures a type lacks (0) are left out, as the reader expects.
  if (t.tdp_w > 0.0) j["tdp_w"] = t.tdp_w;
  if (t.idle_w > 0.0) j["idle_w"] = t.idle_w;
  if (t.min_power_limit_w > 0.0) j["min_power_limit_w"] = t.min_power_limit_w;
  return j;
}

/// A JSON array of GPU type objects; `path` names the array (e.g. "gpu_types").
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] std::vector<gpu_type> parse_gpu_type_list(const Json& arr, const std::string& file,
                                                        const std::string& path) {
  if (!arr.is_array())
    throw input_error(file, path, std::string("an array of GPU types, got ") + json_type_name<Json>(arr));
  std::vector<gpu_type> out;
  for (std::size_t i = 0; i < arr.size(); ++i)
    out.push_back(parse_gpu_type<Json>(arr[i], file, path + "[" + std::to_string(i) + "]"));
  return out;
}

/// `base` plus `user` types. A user type replaces the figures of a same-named type (keeping its aliases)
/// and takes its names away from other types' aliases; it may not use another type's canonical name as an alias, and two user types may not
/// share a name. Errors name `file` and the element path under `path`.
[[nodiscard]] inline hardware_catalog merge_gpu_types(const hardware_catalog& base, const std::vector<gpu_type>& user,
                                                      const std::string& file, const std::string& path) {
  std::vector<gpu_type> types = base.types();
  for (std::size_t i = 0; i < user.size(); ++i) {
    const gpu_type& u = user[i];
    const std::string elem = path + "[" + std::to_string(i) + "]";
    auto claimed_by_earlier = [&](const std::string& n) -> std::string {
      for (std::size_t j = 0; j < i; ++j) {
        bool hit = user[j].name == n;
        for (const auto& a : user[j].aliases) hit = hit || a == n;
        if (hit) return path + "[" + std::to_string(j) + "]";
      }
      return "";
    };
    if (const auto other = claimed_by_earlier(u.name); !other.empty())
      throw input_error(file, elem + ".name", "a name no other user type uses (" + other + " uses '" + u.name + "')");
    for (std::size_t k = 0; k < u.aliases.size(); ++k) {
      const std::string& a = u.aliases[k];
      const std::string field = elem + ".aliases[" + std::to_string(k) + "]";
      if (const auto other = claimed_by_earlier(a); !other.empty())
        throw input_error(file, field, "an alias no other user type uses (" + other + " uses '" + a + "')");
      for (const auto& t : types)
        if (t.name == a && t.name != u.name)
          throw input_error(file, field,
                            "an alias that is not another type's name ('" + a + "' is a GPU type; to redefine it, "
                            "give a type that name)");
    }
    for (auto& t : types) {
      if (t.name == u.name) continue;
      std::vector<std::string> kept;
      for (const auto& a : t.aliases) {
        bool taken = a == u.name;
        for (const auto& ua : u.aliases) taken = taken || a == ua;
        if (!taken) kept.push_back(a);
      }
      t.aliases = std::move(kept);
    }
    bool replaced = false;
    for (auto& t : types) {
      if (t.name != u.name) continue;
      // Overriding a type's figures keeps the names it was already known by.
      std::vector<std::string> aliases = std::move(t.aliases);
      for (const auto& a : u.aliases) {
        bool have = false;
        for (const auto& x : aliases) have = have || x == a;
        if (!have) aliases.push_back(a);
      }
      t = u;
      t.aliases = std::move(aliases);
      replaced = true;
    }
    if (!replaced) types.push_back(u);
  }
  return hardware_catalog(std::move(types));
}

/// The types of `catalog` that `base` does not already hold: new names, different figures, or aliases
/// `base` lacks. Writing these out and merging them into `base` gives `catalog` back.
[[nodiscard]] inline std::vector<gpu_type> user_gpu_types(const hardware_catalog& catalog,
                                                          const hardware_catalog& base = builtin_catalog()) {
  std::vector<gpu_type> out;
  for (const auto& t : catalog.types()) {
    const gpu_type* b = nullptr;
    for (const auto& bt : base.types())
      if (bt.name == t.name) b = &bt;
    bool differs = b == nullptr;
    if (b != nullptr) {
      gpu_type x = t, y = *b;
      x.aliases.clear();
      y.aliases.clear();
      differs = !(x == y);
      for (const auto& a : t.aliases) {
        bool known = false;
        for (const auto& ba : b->aliases) known = known || ba == a;
        differs = differs || !known;
      }
    }
    if (differs) out.push_back(t);
  }
  return out;
}

/// A {"kind": "gpu_types", "gpu_types": [...]} document, merged into `base`.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] hardware_catalog parse_gpu_types(const Json& doc, const std::string& origin,
                                               const hardware_catalog& base = builtin_catalog()) {
  basic_json_reader<Json> r(doc, origin, "");
  expect_kind<Json>(r, file_kind::gpu_types);
  const auto user = parse_gpu_type_list<Json>(r.array("gpu_types"), origin, "gpu_types");
  r.finish();
  return merge_gpu_types(base, user, origin, "gpu_types");
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] hardware_catalog load_gpu_types_file(const std::string& path,
                                                   const hardware_catalog& base = builtin_catalog()) {
  return parse_gpu_types<Json>(load_json_file<Json>(path), path, base);
}

/// The document form of a list of types (what parse_gpu_types reads).
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json gpu_types_to_json(const std::vector<gpu_type>& types) {
  Json arr = Json::array();
  for (const auto& t : types) arr.push_back(to_json<Json>(t));
  return Json{{"kind", "gpu_types"}, {"gpu_types", std::move(arr)}};
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
void save_gpu_types_file(const std::vector<gpu_type>& types, const std::string& path) {
  save_json_file<Json>(gpu_types_to_json<Json>(types), path);
}

}  // namespace cellsched::io
