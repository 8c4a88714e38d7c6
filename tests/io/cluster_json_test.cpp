#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <cellsched/io/cluster_json.hpp>

#include "check_input_error.hpp"

using namespace cellsched;
using io::json;

namespace {

std::string data_file(const std::string& name) { return std::string(CELLSCHED_DATA_DIR) + "/clusters/" + name; }

void require_same(const cluster& a, const cluster& b) {
  CHECK(a.name() == b.name());
  REQUIRE(a.nodes().size() == b.nodes().size());
  CHECK(a.total_gpus() == b.total_gpus());
  for (std::size_t i = 0; i < a.nodes().size(); ++i) {
    const node& x = a.nodes()[i];
    const node& y = b.nodes()[i];
    CHECK(x.id == y.id);
    CHECK(x.gpu_type == y.gpu_type);
    CHECK(x.num_gpus == y.num_gpus);
    CHECK(x.intra_link_gb_per_s == y.intra_link_gb_per_s);
    CHECK(x.inter_node_gb_per_s == y.inter_node_gb_per_s);
    CHECK(x.first_gpu == y.first_gpu);
  }
  REQUIRE(a.catalog().types().size() == b.catalog().types().size());
  for (std::size_t i = 0; i < a.catalog().types().size(); ++i) CHECK(a.catalog().types()[i] == b.catalog().types()[i]);
}

void require_error(const std::string& text, const std::string& field, const std::string& expected) {
  INFO(text);
  test::check_input_error([&] { (void)io::parse_cluster(io::parse_json_text(text, "c.json"), "c.json"); }, "c.json",
                          field, expected);
}

/// A valid two-group cluster document whose second group's `field` holds raw JSON `value`.
std::string with_group_field(const std::string& field, const std::string& value) {
  return R"({"kind": "cluster", "name": "t", "node_groups": [
    {"gpu_type": "a100", "num_nodes": 2, "gpus_per_node": 4},
    {"gpu_type": "v100", "num_nodes": 1, "gpus_per_node": 8, ")" + field + "\": " + value + "}]}";
}

}  // namespace

TEST_CASE("the reference 1,280-GPU cluster loads with the reference's shape", "[io]") {
  const cluster c = io::load_cluster_file(data_file("arena-1280.json"));
  CHECK(c.name() == "arena-1280");
  CHECK(c.total_gpus() == 1280);
  CHECK(c.nodes().size() == 80 + 20 + 160 + 160);
  CHECK(c.gpu_types_present() == std::vector<std::string>{"a100-40gb", "v100-32gb", "a40", "a10"});
  for (const auto& t : c.gpu_types_present()) CHECK(c.total_gpus_of(t) == 320);
  CHECK(c.max_gpus_per_node("a100-40gb") == 4);
  CHECK(c.max_gpus_per_node("v100-32gb") == 16);
  CHECK(c.max_gpus_per_node("a40") == 2);
  CHECK(c.max_gpus_per_node("a10") == 2);
  // GPU memory as in the artifact's hardware table (data/README.md): 40, 32, 48, 24 GB.
  CHECK(c.type_of(c.node_at(0)).mem_gb == 40.0);
  CHECK(c.type_of(c.node_at(80)).mem_gb == 32.0);
  CHECK(c.type_of(c.node_at(100)).mem_gb == 48.0);
  CHECK(c.type_of(c.node_at(260)).mem_gb == 24.0);
  // GPU ids are contiguous per node: the first V100 node holds GPUs 320..335.
  CHECK(c.node_of(319) == 79);
  CHECK(c.node_of(320) == 80);
  CHECK(c.node_of(335) == 80);
  CHECK(c.node_of(336) == 81);
  CHECK(c.same_node(320, 335));
  CHECK_FALSE(c.same_node(319, 320));
  CHECK(c.node_of(1279) == 419);
}

TEST_CASE("the DGX-A100 cluster: vTrain's nodes and network, the datasheet NVLink figure", "[io]") {
  const cluster c = io::load_cluster_file(data_file("dgx-a100-vtrain.json"));
  CHECK(c.total_gpus() == 512);
  CHECK(c.nodes().size() == 64);
  for (const auto& n : c.nodes()) {
    CHECK(n.num_gpus == 8);
    CHECK(n.intra_link_gb_per_s == 300.0);  // the A100 NVLink figure; the estimator applies its efficiency
    CHECK(n.inter_node_gb_per_s == 100.0);  // 800 Gb/s per node
  }
}

TEST_CASE("the small two-type cluster loads", "[io]") {
  const cluster c = io::load_cluster_file(data_file("small-2type.json"));
  CHECK(c.total_gpus() == 2 * 8 + 4 * 4);
  CHECK(c.total_gpus_of("h100-sxm") == 16);
  CHECK(c.total_gpus_of("a100-80gb") == 16);
  CHECK(c.node_at(0).intra_link_gb_per_s == builtin_catalog().find("h100")->intra_link_gb_per_s);
}

TEST_CASE("bundled clusters survive a round trip through JSON text", "[io]") {
  for (const char* name : {"arena-1280.json", "dgx-a100-vtrain.json", "small-2type.json"}) {
    INFO(name);
    const cluster c = io::load_cluster_file(data_file(name));
    const json doc = io::to_json(c);
    require_same(c, io::parse_cluster(json::parse(doc.dump()), "again"));
    CHECK(io::to_json(io::parse_cluster(doc, "again")) == doc);
  }
}

TEST_CASE("a cluster with user types and per-group links round-trips through a file", "[io]") {
  const json doc = json::parse(R"({"kind": "cluster", "name": "lab",
    "gpu_types": [{"name": "gaudi2", "aliases": ["hl-225"], "peak_fp32_tflops": 30, "peak_bf16_tflops": 432,
                   "peak_fp16_tflops": 432, "peak_fp8_tflops": 865, "mem_gb": 96, "mem_bw_gb_per_s": 2450,
                   "intra_link": "roce", "intra_link_gb_per_s": 262.5, "inter_node_gb_per_s": 300,
                   "gpus_per_node": 8}],
    "node_groups": [{"gpu_type": "HL-225", "num_nodes": 2, "gpus_per_node": 8},
                    {"gpu_type": "a40", "num_nodes": 3, "gpus_per_node": 2, "intra_link_gb_per_s": 56.25},
                    {"gpu_type": "a40", "num_nodes": 1, "gpus_per_node": 2, "inter_node_gb_per_s": 12.5}]})");
  const cluster c = io::parse_cluster(doc, "lab.json");
  CHECK(c.total_gpus() == 16 + 6 + 2);
  CHECK(c.node_at(0).gpu_type == "gaudi2");
  CHECK(c.node_at(2).intra_link_gb_per_s == 56.25);
  CHECK(c.node_at(2).inter_node_gb_per_s == builtin_catalog().find("a40")->inter_node_gb_per_s);
  CHECK(c.node_at(5).inter_node_gb_per_s == 12.5);

  const auto dir = std::filesystem::temp_directory_path() / "cellsched_cluster_json_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "lab.json").string();
  io::save_cluster_file(c, path);
  const cluster back = io::load_cluster_file(path);
  require_same(c, back);
  const json written = io::to_json(c);
  CHECK(written["node_groups"].size() == 3);
  CHECK(written["gpu_types"].size() == 1);
  CHECK(written["node_groups"][0]["gpu_type"] == "gaudi2");
  CHECK_FALSE(written["node_groups"][0].contains("intra_link_gb_per_s"));  // the type's default
  std::filesystem::remove_all(dir);
}

TEST_CASE("bad cluster files fail with the file, the field path and what was expected", "[io]") {
  require_error(with_group_field("gpus", "8"), "node_groups[1].gpus", "unknown key");
  require_error(R"({"kind": "cluster", "name": "t", "nodes": [], "node_groups": [
                    {"gpu_type": "a10", "num_nodes": 1, "gpus_per_node": 1}]})",
                "nodes", "unknown key");
  require_error(with_group_field("intra_link_gb_per_s", "\"fast\""), "node_groups[1].intra_link_gb_per_s",
                "a number");
  require_error(with_group_field("intra_link_gb_per_s", "0"), "node_groups[1].intra_link_gb_per_s", "> 0");
  require_error(with_group_field("inter_node_gb_per_s", "-100"), "node_groups[1].inter_node_gb_per_s", "> 0");
  require_error(with_group_field("inter_node_gb_per_s", "null"), "node_groups[1].inter_node_gb_per_s",
                "a number");
  require_error(R"({"kind": "cluster", "name": "t", "node_groups": [
                    {"gpu_type": "a10", "num_nodes": 1}]})",
                "node_groups[0].gpus_per_node", "missing");
  require_error(R"({"kind": "cluster", "name": "t", "node_groups": [
                    {"gpu_type": "a10", "num_nodes": 0, "gpus_per_node": 2}]})",
                "node_groups[0].num_nodes", "integer in [1,");
  require_error(R"({"kind": "cluster", "name": "t", "node_groups": [
                    {"gpu_type": "a10", "num_nodes": -3, "gpus_per_node": 2}]})",
                "node_groups[0].num_nodes", "integer in [1,");
  require_error(R"({"kind": "cluster", "name": "t", "node_groups": [
                    {"gpu_type": "a10", "num_nodes": 2, "gpus_per_node": 1.5}]})",
                "node_groups[0].gpus_per_node", "an integer");
  require_error(R"({"kind": "cluster", "name": "t", "node_groups": [
                    {"gpu_type": "a10", "num_nodes": "2", "gpus_per_node": 2}]})",
                "node_groups[0].num_nodes", "an integer");
  require_error(R"({"kind": "cluster", "name": "t", "node_groups": [
                    {"gpu_type": "a10", "num_nodes": 1000000, "gpus_per_node": 1024}]})",
                "node_groups[0].num_nodes", "at most");
  require_error(R"({"kind": "cluster", "name": "t", "node_groups": []})", "node_groups", "non-empty");
  require_error(R"({"kind": "cluster", "name": "", "node_groups": []})", "name", "non-empty");
  require_error(R"({"kind": "cluster", "node_groups": []})", "name", "missing");
  require_error(R"({"kind": "model", "name": "t", "node_groups": []})", "kind", "got \"model\"");
  require_error(R"([1, 2])", "<root>", "a JSON object");
  // User types inside a cluster file are checked with their own path.
  require_error(R"({"kind": "cluster", "name": "t", "gpu_types": [{"name": "z"}], "node_groups": []})",
                "gpu_types[0].peak_fp32_tflops", "missing");
}

TEST_CASE("an unknown GPU type names the group's field and lists the known types", "[io]") {
  const std::string text = R"({"kind": "cluster", "name": "t", "node_groups": [
    {"gpu_type": "a100", "num_nodes": 1, "gpus_per_node": 4},
    {"gpu_type": "a40", "num_nodes": 1, "gpus_per_node": 2},
    {"gpu_type": "a1000", "num_nodes": 1, "gpus_per_node": 2}]})";
  require_error(text, "node_groups[2].gpu_type", "got 'a1000'");
  require_error(text, "node_groups[2].gpu_type", "a100-40gb, a100-80gb");
  require_error(text, "node_groups[2].gpu_type", "h100-sxm");
}

TEST_CASE("non-finite numbers in a cluster file are errors that name the file", "[io]") {
  for (const char* bad : {"NaN", "Infinity", "-Infinity"}) {
    INFO(bad);
    CHECK_THROWS_WITH(io::parse_json_text(with_group_field("intra_link_gb_per_s", bad), "c.json"),
                      Catch::Contains("c.json") && Catch::Contains("valid JSON"));
  }
  CHECK_THROWS_WITH(io::parse_json_text(with_group_field("intra_link_gb_per_s", "1e999"), "c.json"),
                    Catch::Contains("c.json") && Catch::Contains("overflow"));
  json doc = json::parse(with_group_field("intra_link_gb_per_s", "1"));
  doc["node_groups"][1]["intra_link_gb_per_s"] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(io::parse_cluster(doc, "c.json"),
                    Catch::Contains("node_groups[1].intra_link_gb_per_s") && Catch::Contains("finite"));
}

TEST_CASE("a cluster file that cannot be read or parsed names the file", "[io]") {
  CHECK_THROWS_WITH(io::load_cluster_file("/nonexistent/cluster.json"),
                    Catch::Contains("/nonexistent/cluster.json") && Catch::Contains("no such file or directory"));
  const auto path = std::filesystem::temp_directory_path() / "cellsched_cluster_json_truncated.json";
  {
    std::ofstream out(path);
    out << R"({"kind": "cluster", "name": "t", "node_groups": [)";
  }
  CHECK_THROWS_WITH(io::load_cluster_file(path.string()),
                    Catch::Contains(path.string()) && Catch::Contains("valid JSON"));
  std::filesystem::remove(path);
}
