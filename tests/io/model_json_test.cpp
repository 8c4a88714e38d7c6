// Model files: builder-form and layer-by-layer round trips, the bundled zoo, and every class of bad input.
#include <catch2/catch.hpp>

#include <string>

#include "check_input_error.hpp"
#include "cellsched/io/model_json.hpp"

using namespace cellsched;
using cellsched::test::check_input_error;

namespace {

io::json dense_doc() {
  return io::json::parse(R"({"kind":"model","name":"m","family":"dense_transformer","hidden":1024,
    "num_layers":4,"heads":16,"seq_len":512,"vocab":32000})");
}

void check_bad(const io::json& doc, const std::string& field, const std::string& expected) {
  check_input_error([&] { (void)io::parse_model(doc, "m.json"); }, "m.json", field, expected);
}

}  // namespace

TEST_CASE("model json: every built-in model round-trips in builder form") {
  for (const auto& [name, spec] : builtin_model_zoo().specs()) {
    INFO(name);
    const io::json j = io::to_json(spec);
    const model_spec back = io::parse_model_document(j, "x.json");
    CHECK(io::to_json(back) == j);
    CHECK(io::to_json(build_model(back)) == io::to_json(build_model(spec)));
  }
}

TEST_CASE("model json: built models round-trip layer by layer as custom models") {
  for (const char* name : {"bert__350M", "moe__690M", "wide_resnet__500M"}) {
    INFO(name);
    const model m = builtin_model_zoo().build(name);
    const io::json j = io::to_json(m);
    CHECK(j["family"] == "custom");
    const model back = io::parse_model(io::json::parse(j.dump()), "x.json");  // through text: doubles survive
    CHECK(io::to_json(back) == j);
    CHECK(back.family == "custom");
    CHECK(back.params() == m.params());
    CHECK(back.fwd_flops_per_sample() == m.fwd_flops_per_sample());
    CHECK(back.seq_len == m.seq_len);
  }
}

TEST_CASE("model json: defaults of the builder form") {
  const model m = io::parse_model(dense_doc(), "m.json");
  CHECK(m.compute_dtype == dtype::fp16);
  CHECK(m.layers[1].gemms[4].n == 4096);  // ffn_hidden 0 -> 4h
  const model w = io::parse_model(io::json::parse(R"({"kind":"model","name":"w","family":"wide_resnet",
      "depth":50,"width_factor":2,"base_channels":64})"), "w.json");
  CHECK(w.compute_dtype == dtype::fp32);
  CHECK(w.layers.back().gemms[0].n == 1024);  // num_classes defaults to 1024
}

TEST_CASE("model json: the bundled zoo file equals the built-in zoo") {
  const model_zoo z = io::load_model_zoo_file(std::string(CELLSCHED_DATA_DIR) + "/models/zoo.json");
  CHECK(z.names() == builtin_model_zoo().names());
  CHECK(io::to_json(z) == io::to_json(builtin_model_zoo()));
}

TEST_CASE("model json: a small custom model reads with defaults") {
  const model m = io::parse_model(io::json::parse(R"({"kind":"model","name":"mlp","family":"custom","dtype":"bf16",
    "layers":[{"name":"fc","kind":"dense","params":1049600,"activation_bytes_per_sample":2048,
               "boundary_bytes_per_sample":2048,
               "gemms":[{"name":"fc","rows_per_sample":1,"n":1024,"k":1024,"split":"column"}]}]})"), "c.json");
  REQUIRE(m.layers.size() == 1);
  CHECK(m.compute_dtype == dtype::bf16);
  CHECK(m.layers[0].gemms[0].count == 1.0);
  CHECK(m.layers[0].gemms[0].split == tp_split::column);
  CHECK(m.layers[0].max_tp == 1);
  CHECK(m.fwd_flops_per_sample() == 2.0 * 1024 * 1024);
}

TEST_CASE("model json: bad builder-form input names the field") {
  auto with = [](const char* key, io::json v) {
    io::json d = dense_doc();
    d[key] = std::move(v);
    return d;
  };
  check_bad(with("hiddn", 1024), "hiddn", "unknown key");
  check_bad(with("hidden", "1024"), "hidden", "an integer");
  check_bad(with("heads", 1.5), "heads", "an integer");
  check_bad(with("num_layers", 0), "num_layers", "[1, ");
  check_bad(with("vocab", -5), "vocab", "[1, ");
  check_bad(with("heads", 24), "heads", "a divisor of hidden");
  check_bad(with("dtype", "fp64"), "dtype", "one of fp32");
  check_bad(with("family", "rnn"), "family", "one of dense_transformer");
  check_bad(with("kind", "cluster"), "kind", "\"model\"");
  check_bad(with("name", "a,b"), "name", "without spaces, commas");
  check_bad(with("experts", 8), "experts", "unknown key");  // dense models have no experts
  io::json d = dense_doc();
  d.erase("seq_len");
  check_bad(d, "seq_len", "missing");
  d = dense_doc();
  d.erase("kind");
  check_bad(d, "kind", "missing");
  d = dense_doc();
  d["family"] = "moe_transformer";
  d["experts"] = 16;
  check_bad(d, "expert_group_size", "missing");
  d["expert_group_size"] = 2048;
  d["experts"] = 1;
  check_bad(d, "experts", "[2, ");
  check_bad(io::json::parse(R"({"kind":"model","name":"w","family":"wide_resnet","depth":34,"width_factor":2,
      "base_channels":64})"), "depth", "50 or 101");
  check_bad(io::json::array(), "<root>", "a JSON object");
}

TEST_CASE("model json: bad custom layers name the layer path") {
  const auto doc = [](const char* layer) {
    return io::json::parse(std::string(R"({"kind":"model","name":"c","family":"custom","dtype":"fp16","layers":[)") +
                           layer + "]}");
  };
  const char* ok = R"({"name":"l","kind":"k","params":1,"activation_bytes_per_sample":1,"boundary_bytes_per_sample":1})";
  CHECK_NOTHROW(io::parse_model(doc(ok), "m.json"));
  check_bad(doc(R"({"name":"l","kind":"k","params":-1,"activation_bytes_per_sample":1,"boundary_bytes_per_sample":1})"),
            "layers[0].params", "[0, ");
  check_bad(doc(R"({"name":"l","kind":"k","params":1,"activation_bytes_per_sample":1})"),
            "layers[0].boundary_bytes_per_sample", "missing");
  check_bad(doc((std::string(ok).substr(0, std::string(ok).size() - 1) + R"(,"flops":3})").c_str()),
            "layers[0].flops", "unknown key");
  check_bad(doc((std::string(ok) + "," + R"({"name":"l2","kind":"k","params":1,"activation_bytes_per_sample":1,
      "boundary_bytes_per_sample":1,"gemms":[{"name":"g","rows_per_sample":1,"n":0,"k":4}]})").c_str()),
            "layers[1].gemms[0].n", "[1, ");
  check_bad(doc(R"({"name":"l","kind":"k","params":1,"activation_bytes_per_sample":1,"boundary_bytes_per_sample":1,
      "gemms":[{"name":"g","rows_per_sample":1,"n":4,"k":4,"split":"diagonal"}]})"),
            "layers[0].gemms[0].split", "one of none, column, row");
  check_bad(doc(R"({"name":"l","kind":"k","params":1,"activation_bytes_per_sample":1,"boundary_bytes_per_sample":1,
      "tp_allreduces_fwd":2})"), "layers[0].tp_allreduce_bytes_per_sample", "> 0 when");
  check_bad(doc(""), "layers", "non-empty");
}

TEST_CASE("model json: zoo documents reject duplicate names and bad elements") {
  const auto zoo = [](const char* models) {
    return io::json::parse(std::string(R"({"kind":"model_zoo","models":[)") + models + "]}");
  };
  const char* m1 = R"({"name":"a","family":"dense_transformer","hidden":64,"num_layers":1,"heads":4,"seq_len":8,"vocab":10})";
  CHECK(io::parse_model_zoo(zoo(m1), "z.json").size() == 1);
  check_input_error([&] { (void)io::parse_model_zoo(zoo((std::string(m1) + "," + m1).c_str()), "z.json"); }, "z.json",
                    "models[1].name", "not used earlier");
  check_input_error([&] { (void)io::parse_model_zoo(zoo(R"({"name":"a","family":"wide_resnet"})"), "z.json"); },
                    "z.json", "models[0].depth", "missing");
  check_input_error([&] { (void)io::parse_model_zoo(zoo(""), "z.json"); }, "z.json", "models", "non-empty");
}

TEST_CASE("model json: files that cannot be read or parsed name the file") {
  check_input_error([] { (void)io::load_model_file("/nonexistent/m.json"); }, "/nonexistent/m.json", "", "no such file or directory");
  const std::string path = std::string(CELLSCHED_SOURCE_DIR) + "/build-h2-missing.json";
  check_input_error([&] { (void)io::load_model_zoo_file(path); }, path, "", "no such file or directory");
}

TEST_CASE("model json: a Llama-style model (grouped-query attention, SwiGLU, flash attention)") {
  // Llama-2 13B's shape (Touvron et al. 2023, Table 1 and the released config) with query groups as
  // Llama-2 70B uses them.
  const io::json doc = io::json::parse(R"({"kind":"model","name":"llama-style-13b","family":"dense_transformer",
    "hidden":5120,"num_layers":40,"heads":40,"seq_len":4096,"vocab":32000,"ffn_hidden":13824,
    "num_query_groups":8,"swiglu":true,"flash_attention":true,"dtype":"bf16"})");
  const model_spec spec = io::parse_model_document(doc, "m.json");
  CHECK(io::to_json(spec) == doc);
  const model m = build_model(spec);
  CHECK((m.ffn_hidden == 13824 && m.num_query_groups == 8 && m.swiglu && m.flash_attention));
  CHECK(m.layers[1].gemms[0].n == 5120 + 2 * 8 * 128);  // QKV with 8 K/V heads of 128
  CHECK(m.layers[1].gemms[4].n == 2 * 13824);           // SwiGLU FC1
  CHECK(m.layers[1].max_tp == 8);
  io::json bad = doc;
  bad["num_query_groups"] = 3;
  check_bad(bad, "num_query_groups", "a divisor of heads");
  bad = doc;
  bad["swiglu"] = "yes";
  check_bad(bad, "swiglu", "");
}

TEST_CASE("model json: positions, output layer, normalization and biases as Megatron-LM names them") {
  io::json doc = dense_doc();
  doc["position_embedding"] = "rope";
  doc["untie_embeddings"] = true;
  doc["normalization"] = "RMSNorm";
  doc["linear_bias"] = false;
  doc["dtype"] = "bf16";
  const model_spec spec = io::parse_model_document(doc, "m.json");
  CHECK(io::to_json(spec) == doc);
  const model m = build_model(spec);
  CHECK((m.rotary && m.untied_embeddings && m.rmsnorm && !m.linear_bias));
  // Defaults: learned positions, tied embeddings, LayerNorm, biases; the defaults are not written.
  const model_spec plain = io::parse_model_document(dense_doc(), "m.json");
  const model d = build_model(plain);
  CHECK((!d.rotary && !d.untied_embeddings && !d.rmsnorm && d.linear_bias));
  CHECK_FALSE(io::to_json(plain).contains("position_embedding"));
  io::json bad = doc;
  bad["position_embedding"] = "alibi";
  check_bad(bad, "position_embedding", "\"learned_absolute\" or \"rope\"");
  bad = doc;
  bad["normalization"] = "rmsnorm";
  check_bad(bad, "normalization", "\"LayerNorm\" or \"RMSNorm\"");
  bad = doc;
  bad["untie_embeddings"] = 1;
  check_bad(bad, "untie_embeddings", "");
  bad = doc;
  bad["linear_bias"] = "no";
  check_bad(bad, "linear_bias", "");
}
