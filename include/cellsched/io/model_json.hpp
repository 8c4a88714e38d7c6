#pragma once
// Models as JSON (docs/formats/model.md), read strictly and written back:
//   {"kind":"model","name":..,"family":"dense_transformer"|"moe_transformer"|"wide_resnet", config fields}
//   {"kind":"model","name":..,"family":"custom","dtype":"fp16","layers":[{layer fields}, ...]}
//   {"kind":"model_zoo","models":[model, ...]}   (elements may omit "kind")
#include <concepts>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/error.hpp"
#include "cellsched/io/file_kind.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/model_layer_json.hpp"
#include "cellsched/model/builders.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/model/zoo.hpp"

namespace cellsched::io {

namespace model_detail {

// Upper bounds that catch typos (an extra zero or two) without limiting real models.
inline constexpr std::int64_t max_hidden = 1 << 20;
inline constexpr std::int64_t max_layers = 1 << 16;
inline constexpr std::int64_t max_seq_len = 1 << 24;
inline constexpr std::int64_t max_vocab = 1 << 28;
inline constexpr std::int64_t max_experts = 1 << 16;

/// Builds the model once so builder checks (heads dividing hidden, depth 50 or 101, ...) fail while the
/// file and the object's path are known.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] model_spec checked(const basic_json_reader<Json>& r, model_spec spec) {
  try {
    (void)build_model(spec);
  } catch (const input_error& e) {
    throw input_error(r.file(), r.field(e.field()), e.expected());
  }
  return spec;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] transformer_config read_transformer(basic_json_reader<Json>& r, std::string name, bool moe) {
  transformer_config c;
  c.name = std::move(name);
  c.hidden = r.integer("hidden", 1, max_hidden);
  c.num_layers = r.integer("num_layers", 1, max_layers);
  c.heads = r.integer("heads", 1, max_hidden);
  c.seq_len = r.integer("seq_len", 1, max_seq_len);
  c.vocab = r.integer("vocab", 1, max_vocab);
  c.ffn_hidden = r.integer_or("ffn_hidden", 0, 0, 64 * max_hidden);
  c.num_query_groups = r.integer_or("num_query_groups", 0, 0, max_hidden);
  c.swiglu = r.boolean_or("swiglu", false);
  c.flash_attention = r.boolean_or("flash_attention", false);
  const std::string positions = r.string_or("position_embedding", "learned_absolute");
  if (positions != "learned_absolute" && positions != "rope")
    r.fail("position_embedding", "\"learned_absolute\" or \"rope\", got \"" + positions + "\"");
  c.rotary = positions == "rope";
  c.untied_embeddings = r.boolean_or("untie_embeddings", false);
  const std::string norm = r.string_or("normalization", "LayerNorm");
  if (norm != "LayerNorm" && norm != "RMSNorm")
    r.fail("normalization", "\"LayerNorm\" or \"RMSNorm\", got \"" + norm + "\"");
  c.rmsnorm = norm == "RMSNorm";
  c.linear_bias = r.boolean_or("linear_bias", true);
  c.compute_dtype = r.has("dtype") ? read_dtype<Json>(r, "dtype") : dtype::fp16;
  if (moe) {
    c.experts = static_cast<int>(r.integer("experts", 2, max_experts));
    c.expert_group_size = r.integer("expert_group_size", 1, max_seq_len);
    c.moe_every_layer = r.boolean_or("moe_every_layer", true);
  }
  return c;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] wide_resnet_config read_wide_resnet(basic_json_reader<Json>& r, std::string name) {
  wide_resnet_config c;
  c.name = std::move(name);
  c.depth = static_cast<int>(r.integer("depth", 1, 1000));
  c.width_factor = r.integer("width_factor", 1, 1 << 12);
  c.base_channels = r.integer("base_channels", 1, 1 << 16);
  c.image_size = r.integer_or("image_size", 224, 1, 1 << 16);
  c.num_classes = r.integer_or("num_classes", 1024, 1, max_vocab);
  c.compute_dtype = r.has("dtype") ? read_dtype<Json>(r, "dtype") : dtype::fp32;
  return c;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] model read_custom(basic_json_reader<Json>& r, std::string name) {
  model m;
  m.name = std::move(name);
  m.family = "custom";
  m.compute_dtype = read_dtype<Json>(r, "dtype");
  m.seq_len = r.integer_or("seq_len", 0, 0, max_seq_len);
  m.hidden = r.integer_or("hidden", 0, 0, max_hidden);
  m.heads = r.integer_or("heads", 0, 0, max_hidden);
  m.vocab = r.integer_or("vocab", 0, 0, max_vocab);
  const Json& layers = r.array("layers");
  m.layers.reserve(layers.size());
  for (std::size_t i = 0; i < layers.size(); ++i)
    m.layers.push_back(parse_layer<Json>(layers[i], r.file(), r.element_path("layers", i)));
  return m;
}

}  // namespace model_detail

/// One model object at `path` (e.g. "models[3]"). "kind" must be "model"; it may be left out only when
/// `kind_required` is false (elements of a zoo's "models").
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] model_spec parse_model_spec(const Json& j, const std::string& file, const std::string& path,
                                          bool kind_required = false) {
  using namespace model_detail;
  basic_json_reader<Json> r(j, file, path);
  if (kind_required || r.has("kind")) expect_kind<Json>(r, file_kind::model);
  std::string name = read_model_name<Json>(r, "name");
  const std::string family = r.string("family");
  model_spec spec;
  if (family == "dense_transformer" || family == "moe_transformer") {
    spec = checked<Json>(r, read_transformer<Json>(r, std::move(name), family == "moe_transformer"));
  } else if (family == "wide_resnet") {
    spec = checked<Json>(r, read_wide_resnet<Json>(r, std::move(name)));
  } else if (family == "custom") {
    spec = read_custom<Json>(r, std::move(name));
  } else {
    r.fail("family", "one of dense_transformer, moe_transformer, wide_resnet, custom; got \"" + family + "\"");
  }
  r.finish();
  return spec;
}

/// A {"kind":"model"} document; `origin` names the file in errors.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] model_spec parse_model_document(const Json& doc, const std::string& origin) {
  return parse_model_spec<Json>(doc, origin, "", true);
}

/// A {"kind":"model"} document, built into its layer list.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] model parse_model(const Json& doc, const std::string& origin) {
  return build_model(parse_model_document<Json>(doc, origin));
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] model load_model_file(const std::string& path) {
  return parse_model<Json>(load_json_file<Json>(path), path);
}

/// A {"kind":"model_zoo","models":[...]} document. Names must be unique.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] model_zoo parse_model_zoo(const Json& doc, const std::string& origin) {
  basic_json_reader<Json> r(doc, origin, "");
  expect_kind<Json>(r, file_kind::model_zoo);
  const Json& models = r.array("models");
  r.finish();
  model_zoo zoo;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const std::string path = r.element_path("models", i);
    model_spec spec = parse_model_spec<Json>(models[i], origin, path);
    if (zoo.contains(spec_name(spec)))
      throw input_error(origin, path + ".name", "a model name not used earlier in the file, got \"" + spec_name(spec) + "\"");
    zoo.add(std::move(spec));
  }
  return zoo;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] model_zoo load_model_zoo_file(const std::string& path) {
  return parse_model_zoo<Json>(load_json_file<Json>(path), path);
}

// ---- writing ----

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const transformer_config& c) {
  Json j;
  j["kind"] = "model";
  j["name"] = c.name;
  j["family"] = c.is_moe() ? "moe_transformer" : "dense_transformer";
  j["hidden"] = c.hidden;
  j["num_layers"] = c.num_layers;
  j["heads"] = c.heads;
  j["seq_len"] = c.seq_len;
  j["vocab"] = c.vocab;
  if (c.ffn_hidden != 0) j["ffn_hidden"] = c.ffn_hidden;
  if (c.num_query_groups != 0) j["num_query_groups"] = c.num_query_groups;
  if (c.swiglu) j["swiglu"] = true;
  if (c.flash_attention) j["flash_attention"] = true;
  if (c.rotary) j["position_embedding"] = "rope";
  if (c.untied_embeddings) j["untie_embeddings"] = true;
  if (c.rmsnorm) j["normalization"] = "RMSNorm";
  if (!c.linear_bias) j["linear_bias"] = false;
  j["dtype"] = std::string(to_string(c.compute_dtype));
  if (c.is_moe()) {
    j["experts"] = c.experts;
    j["expert_group_size"] = c.expert_group_size;
    j["moe_every_layer"] = c.moe_every_layer;
  }
  return j;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const wide_resnet_config& c) {
  Json j;
  j["kind"] = "model";
  j["name"] = c.name;
  j["family"] = "wide_resnet";
  j["depth"] = c.depth;
  j["width_factor"] = c.width_factor;
  j["base_channels"] = c.base_channels;
  j["image_size"] = c.image_size;
  j["num_classes"] = c.num_classes;
  j["dtype"] = std::string(to_string(c.compute_dtype));
  return j;
}

/// Any model in the layer-by-layer ("custom") form; reading it back gives the same layers.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const model& m) {
  Json j;
  j["kind"] = "model";
  j["name"] = m.name;
  j["family"] = "custom";
  j["dtype"] = std::string(to_string(m.compute_dtype));
  if (m.seq_len) j["seq_len"] = m.seq_len;
  if (m.hidden) j["hidden"] = m.hidden;
  if (m.heads) j["heads"] = m.heads;
  if (m.vocab) j["vocab"] = m.vocab;
  j["layers"] = Json::array();
  for (const auto& l : m.layers) j["layers"].push_back(to_json<Json>(l));
  return j;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const model_spec& s) {
  return std::visit([](const auto& v) { return to_json<Json>(v); }, s);
}

/// A model_zoo document with the models in name order; builder configurations stay in builder form.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const model_zoo& zoo) {
  Json j;
  j["kind"] = "model_zoo";
  j["models"] = Json::array();
  for (const auto& [name, spec] : zoo.specs()) {
    Json m = to_json<Json>(spec);
    m.erase("kind");
    j["models"].push_back(std::move(m));
  }
  return j;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
void save_model_file(const model_spec& spec, const std::string& path) {
  save_json_file<Json>(to_json<Json>(spec), path);
}
template <std::same_as<nlohmann::json> Json = nlohmann::json>
void save_model_zoo_file(const model_zoo& zoo, const std::string& path) {
  save_json_file<Json>(to_json<Json>(zoo), path);
}

}  // namespace cellsched::io
