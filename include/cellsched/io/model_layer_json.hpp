#pragma once
// The pieces of a model file below the model: one layer with its GEMMs, the dtype and the model name
// (docs/formats/model.md, "custom models").
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/error.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/model/model.hpp"

namespace cellsched::io {

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] dtype read_dtype(basic_json_reader<Json>& r, const std::string& key) {
  const std::string s = r.string(key);
  for (const dtype d : {dtype::fp32, dtype::tf32, dtype::fp16, dtype::bf16, dtype::fp8})
    if (to_string(d) == s) return d;
  r.fail(key, "one of fp32, tf32, fp16, bf16, fp8; got \"" + s + "\"");
}

/// Model names end up in CSV traces and file names: non-empty, no spaces, commas, quotes or control
/// characters.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] std::string read_model_name(basic_json_reader<Json>& r, const std::string& key) {
  std::string s = r.string(key);
  if (s.empty()) r.fail(key, "a non-empty model name");
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || ch == ',' || ch == '"' || u == 0x7f)
      r.fail(key, "a model name without spaces, commas, quotes or control characters, got \"" + s + "\"");
  }
  return s;
}

[[nodiscard]] inline const char* to_string(tp_split s) noexcept {
  switch (s) {
    case tp_split::none: return "none";
    case tp_split::column: return "column";
    case tp_split::row: return "row";
  }
  return "none";
}

namespace layer_detail {

/// Largest per-sample figure accepted (bytes or FLOPs); anything above is a unit slip.
inline constexpr double max_per_sample = 1e18;
inline constexpr std::int64_t max_dim = std::int64_t{1} << 32;

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] gemm_shape parse_gemm(const Json& j, const std::string& file, const std::string& path) {
  basic_json_reader<Json> r(j, file, path);
  gemm_shape g;
  g.name = r.string("name");
  if (g.name.empty()) r.fail("name", "a non-empty GEMM name");
  g.rows_per_sample = r.positive("rows_per_sample");
  if (g.rows_per_sample > max_per_sample) r.fail("rows_per_sample", "a number <= 1e18");
  g.n = r.integer("n", 1, max_dim);
  g.k = r.integer("k", 1, max_dim);
  g.count = r.positive_or("count", 1.0);
  const std::string split = r.string_or("split", "none");
  if (split == "none") g.split = tp_split::none;
  else if (split == "column") g.split = tp_split::column;
  else if (split == "row") g.split = tp_split::row;
  else r.fail("split", "one of none, column, row; got \"" + split + "\"");
  r.finish();
  return g;
}

}  // namespace layer_detail

/// One layer of a custom model. Required: name, kind, params, activation_bytes_per_sample,
/// boundary_bytes_per_sample; the rest default to 0 (max_tp to 1, gemms to none).
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] layer parse_layer(const Json& j, const std::string& file, const std::string& path) {
  using layer_detail::max_per_sample;
  basic_json_reader<Json> r(j, file, path);
  layer l;
  l.name = r.string("name");
  if (l.name.empty()) r.fail("name", "a non-empty layer name");
  l.kind = r.string("kind");
  if (l.kind.empty()) r.fail("kind", "a non-empty layer kind such as \"transformer\"");
  l.params = r.number("params", 0.0, max_per_sample);
  if (const Json* gemms = r.raw_optional("gemms")) {
    if (!gemms->is_array())
      r.fail("gemms", std::string("an array of GEMM objects, got ") + json_type_name<Json>(*gemms));
    for (std::size_t i = 0; i < gemms->size(); ++i)
      l.gemms.push_back(layer_detail::parse_gemm((*gemms)[i], file, r.element_path("gemms", i)));
  }
  l.other_fwd_flops_per_sample = r.number_or("other_fwd_flops_per_sample", 0.0, 0.0, max_per_sample);
  l.mem_bound_bytes_per_sample = r.number_or("mem_bound_bytes_per_sample", 0.0, 0.0, max_per_sample);
  l.activation_bytes_per_sample = r.number("activation_bytes_per_sample", 0.0, max_per_sample);
  l.activation_bytes_per_sample_tp_split =
      r.number_or("activation_bytes_per_sample_tp_split", 0.0, 0.0, max_per_sample);
  l.boundary_bytes_per_sample = r.number("boundary_bytes_per_sample", 0.0, max_per_sample);
  l.tp_allreduces_fwd = static_cast<int>(r.integer_or("tp_allreduces_fwd", 0, 0, 1000));
  l.tp_allreduce_bytes_per_sample = r.number_or("tp_allreduce_bytes_per_sample", 0.0, 0.0, max_per_sample);
  if (l.tp_allreduces_fwd > 0 && !(l.tp_allreduce_bytes_per_sample > 0.0))
    r.fail("tp_allreduce_bytes_per_sample", "a number > 0 when tp_allreduces_fwd > 0");
  l.alltoall_bytes_per_sample = r.number_or("alltoall_bytes_per_sample", 0.0, 0.0, max_per_sample);
  l.max_tp = static_cast<int>(r.integer_or("max_tp", 1, 1, 1 << 20));
  l.attention_core_mem_bytes_per_sample = r.number_or("attention_core_mem_bytes_per_sample", 0.0, 0.0, max_per_sample);
  l.attention_core_activation_bytes_per_sample =
      r.number_or("attention_core_activation_bytes_per_sample", 0.0, 0.0, max_per_sample);
  if (l.attention_core_activation_bytes_per_sample > l.activation_bytes_per_sample_tp_split)
    r.fail("attention_core_activation_bytes_per_sample", "at most activation_bytes_per_sample_tp_split");
  r.finish();
  return l;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const gemm_shape& g) {
  return Json{{"name", g.name},   {"rows_per_sample", g.rows_per_sample}, {"n", g.n}, {"k", g.k},
              {"count", g.count}, {"split", to_string(g.split)}};
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const layer& l) {
  Json j;
  j["name"] = l.name;
  j["kind"] = l.kind;
  j["params"] = l.params;
  j["gemms"] = Json::array();
  for (const auto& g : l.gemms) j["gemms"].push_back(to_json<Json>(g));
  j["other_fwd_flops_per_sample"] = l.other_fwd_flops_per_sample;
  j["mem_bound_bytes_per_sample"] = l.mem_bound_bytes_per_sample;
  j["activation_bytes_per_sample"] = l.activation_bytes_per_sample;
  j["activation_bytes_per_sample_tp_split"] = l.activation_bytes_per_sample_tp_split;
  j["boundary_bytes_per_sample"] = l.boundary_bytes_per_sample;
  j["tp_allreduces_fwd"] = l.tp_allreduces_fwd;
  j["tp_allreduce_bytes_per_sample"] = l.tp_allreduce_bytes_per_sample;
  j["alltoall_bytes_per_sample"] = l.alltoall_bytes_per_sample;
  j["max_tp"] = l.max_tp;
  j["attention_core_mem_bytes_per_sample"] = l.attention_core_mem_bytes_per_sample;
  j["attention_core_activation_bytes_per_sample"] = l.attention_core_activation_bytes_per_sample;
  return j;
}

}  // namespace cellsched::io
