#include <catch2/catch.hpp>

#include <string>

#include <cellsched/io/catalog_json.hpp>

#include "check_input_error.hpp"

using namespace cellsched;
using io::json;

namespace {

const char* const k_user_types = R"({
  "kind": "gpu_types",
  "gpu_types": [
    {"name": "MI250X", "aliases": ["amd-mi250x", "a100"], "peak_fp32_tflops": 47.9, "peak_fp16_tflops": 383,
     "peak_bf16_tflops": 383, "mem_gb": 128, "mem_bw_gb_per_s": 3276.8, "intra_link": "xgmi",
     "intra_link_gb_per_s": 200, "inter_node_gb_per_s": 100, "gpus_per_node": 4},
    {"name": "a10", "peak_fp32_tflops": 31.2, "peak_tf32_tflops": 62.5, "peak_fp16_tflops": 125,
     "peak_bf16_tflops": 125, "mem_gb": 24, "mem_bw_gb_per_s": 600, "intra_link": "pcie4",
     "intra_link_gb_per_s": 32, "inter_node_gb_per_s": 12.5, "gpus_per_node": 2}
  ]
})";

/// A valid type object as text, with `field` set to the raw JSON `value` (or removed when value is empty).
std::string type_with(const std::string& field, const std::string& value) {
  json t = json::parse(R"({"name": "x1", "peak_fp32_tflops": 10, "mem_gb": 16, "mem_bw_gb_per_s": 500,
                           "intra_link": "pcie4", "intra_link_gb_per_s": 32, "inter_node_gb_per_s": 25,
                           "gpus_per_node": 8})");
  if (value.empty())
    t.erase(field);
  else
    t[field] = "@@";
  std::string text = t.dump();
  if (!value.empty()) text.replace(text.find("\"@@\""), 4, value);
  return R"({"kind": "gpu_types", "gpu_types": [)" + text + "]}";
}

void require_error(const std::string& text, const std::string& field, const std::string& expected) {
  INFO(text);
  test::check_input_error([&] { (void)io::parse_gpu_types(io::parse_json_text(text, "types.json"), "types.json"); },
                          "types.json", field, expected);
}

}  // namespace

TEST_CASE("every built-in GPU type survives a JSON round trip unchanged", "[io]") {
  for (const auto& t : builtin_catalog().types()) {
    INFO(t.name);
    CHECK(io::parse_gpu_type(io::to_json(t), "mem", "t") == t);
    // ... and through text, since files are text.
    CHECK(io::parse_gpu_type(json::parse(io::to_json(t).dump()), "mem", "t") == t);
  }
}

TEST_CASE("user GPU types add new types, override figures and take over aliases", "[io]") {
  const hardware_catalog c = io::parse_gpu_types(json::parse(k_user_types), "types.json");
  const gpu_type* mi = c.find("amd-mi250x");
  REQUIRE(mi != nullptr);
  CHECK(mi->name == "mi250x");  // canonical names are lower-cased
  CHECK(mi->peak_tf32_tflops == 0.0);  // absent dtype = not supported
  CHECK(mi->peak_tflops(dtype::tf32) == 47.9);
  CHECK(mi->gpus_per_node == 4);
  // The user type claimed "a100": it no longer reaches the built-in A100, whose canonical name still does.
  CHECK(c.find("a100") == mi);
  CHECK(c.find("a100-40gb")->mem_gb == 40.0);
  CHECK(c.find("a100-sxm4-40gb")->name == "a100-40gb");
  // Overriding a10 changes its figures and keeps its aliases.
  CHECK(c.find("a10")->inter_node_gb_per_s == 12.5);
  CHECK(c.find("nvidia a10") == c.find("a10"));
  CHECK(c.types().size() == builtin_catalog().types().size() + 1);
  // The built-in catalog itself is untouched.
  CHECK(builtin_catalog().find("a100")->name == "a100-40gb");
}

TEST_CASE("user types written back and merged again give the same catalog", "[io]") {
  const hardware_catalog c = io::parse_gpu_types(json::parse(k_user_types), "types.json");
  const auto user = io::user_gpu_types(c);
  REQUIRE(user.size() == 2);
  CHECK(io::user_gpu_types(builtin_catalog()).empty());
  const json doc = io::gpu_types_to_json(user);
  const hardware_catalog again = io::parse_gpu_types(json::parse(doc.dump()), "again.json");
  REQUIRE(again.types().size() == c.types().size());
  for (std::size_t i = 0; i < c.types().size(); ++i) CHECK(again.types()[i] == c.types()[i]);
}

TEST_CASE("a valid GPU type passes the error helpers' template", "[io]") {
  // Guards the bad-input tests below: their base object must itself be valid.
  const auto c = io::parse_gpu_types(json::parse(type_with("gpus_per_node", "8")), "types.json");
  CHECK(c.find("x1") != nullptr);
}

TEST_CASE("bad GPU types fail with the file, the field path and what was expected", "[io]") {
  require_error(type_with("gpus_per_nod", "8"), "gpu_types[0].gpus_per_nod", "unknown key");
  require_error(type_with("mem_gb", "\"16\""), "gpu_types[0].mem_gb", "a number");
  require_error(type_with("mem_gb", ""), "gpu_types[0].mem_gb", "missing");
  require_error(type_with("mem_gb", "0"), "gpu_types[0].mem_gb", "> 0");
  require_error(type_with("mem_bw_gb_per_s", "-500"), "gpu_types[0].mem_bw_gb_per_s", "> 0");
  require_error(type_with("peak_fp8_tflops", "-1"), "gpu_types[0].peak_fp8_tflops", "[0,");
  require_error(type_with("gpus_per_node", "0"), "gpu_types[0].gpus_per_node", "integer in [1,");
  require_error(type_with("gpus_per_node", "2.5"), "gpu_types[0].gpus_per_node", "an integer");
  require_error(type_with("name", "\"\""), "gpu_types[0].name", "non-empty");
  require_error(type_with("aliases", "[\"ok\", 7]"), "gpu_types[0].aliases[1]", "a string");
  require_error(type_with("aliases", "\"a\""), "gpu_types[0].aliases", "an array");
  require_error(type_with("intra_link", "\"\""), "gpu_types[0].intra_link", "non-empty");
  // An alias may not be another type's canonical name.
  require_error(type_with("aliases", "[\"h100-sxm\"]"), "gpu_types[0].aliases[0]", "is a GPU type");
  require_error(R"({"kind": "gpu_types", "gpu_types": []})", "gpu_types", "non-empty");
  require_error(R"({"kind": "cluster", "gpu_types": []})", "kind", "got \"cluster\"");
  require_error(R"({"gpu_types": []})", "kind", "missing");
  require_error(R"({"kind": "gpu_types", "gpu_types": [3]})", "gpu_types[0]", "a JSON object");
}

TEST_CASE("two user types may not share a name or an alias", "[io]") {
  const json one = json::parse(type_with("aliases", "[\"shared\"]"))["gpu_types"][0];
  json two = one;
  two["name"] = "x2";
  json doc{{"kind", "gpu_types"}, {"gpu_types", {one, two}}};
  try {
    (void)io::parse_gpu_types(doc, "types.json");
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(e.field() == "gpu_types[1].aliases[0]");
    CHECK_THAT(e.what(), Catch::Contains("gpu_types[0]"));
  }
  doc["gpu_types"][1]["name"] = "X1";  // same name as the first, any case
  CHECK_THROWS_WITH(io::parse_gpu_types(doc, "types.json"), Catch::Contains("gpu_types[1].name"));
}

TEST_CASE("non-finite numbers in a GPU type file are rejected", "[io]") {
  // JSON has no NaN or infinity literal; the parser itself must refuse them, naming the file.
  for (const char* bad : {"NaN", "nan", "Infinity", "-Infinity"}) {
    INFO(bad);
    CHECK_THROWS_WITH(io::parse_json_text(type_with("mem_gb", bad), "types.json"),
                      Catch::Contains("types.json") && Catch::Contains("valid JSON"));
  }
  // A literal too large for a double is an overflow error, never infinity.
  CHECK_THROWS_WITH(io::parse_json_text(type_with("mem_gb", "1e999"), "types.json"),
                    Catch::Contains("types.json") && Catch::Contains("overflow"));
  // Non-finite values that reach the reader some other way (built in code) are refused too.
  json doc = json::parse(type_with("mem_gb", "16"));
  doc["gpu_types"][0]["mem_gb"] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(io::parse_gpu_types(doc, "types.json"), Catch::Contains("gpu_types[0].mem_gb"));
}
