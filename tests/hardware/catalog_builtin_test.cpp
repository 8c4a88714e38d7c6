#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <cellsched/hardware/builtin_catalog.hpp>

using namespace cellsched;

TEST_CASE("built-in catalog resolves names and aliases to the right type", "[hardware]") {
  const auto& c = builtin_catalog();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a100", "a100-40gb"},          {"A100-SXM4-40GB", "a100-40gb"}, {"A100-SXM4-80GB", "a100-80gb"},
      {"a100-80gb", "a100-80gb"},     {"v100", "v100-32gb"},           {"V100-16GB", "v100-16gb"},
      {"p100", "p100-12gb"},          {"p100-16gb", "p100-16gb"},      {"1080Ti", "1080ti"},
      {"3090", "rtx-3090"},           {"RTX-3090", "rtx-3090"},        {"a10", "a10"},
      {"a40", "a40"},                 {"l20", "l20"},                  {"L4", "l4"},
      {"L40S", "l40s"},               {"T4", "t4"},                    {"h100", "h100-sxm"},
      {"H100-PCIe", "h100-pcie"},     {"h200", "h200"},                {"B200", "b200"},
      {"NVIDIA A100-SXM4-80GB", "a100-80gb"},  // what CUDA reports as the device name
  };
  for (const auto& [query, canonical] : cases) {
    INFO(query);
    const gpu_type* t = c.find(query);
    REQUIRE(t != nullptr);
    CHECK(t->name == canonical);
  }
  CHECK(c.find("a1000") == nullptr);
  CHECK(c.find("") == nullptr);
}

TEST_CASE("built-in names are lower-case and every name or alias names exactly one type", "[hardware]") {
  const auto& c = builtin_catalog();
  std::set<std::string> seen;
  for (const auto& t : c.types()) {
    CHECK(t.name == lower_ascii(t.name));
    CHECK(seen.insert(t.name).second);
  }
  for (const auto& t : c.types()) {
    for (const auto& a : t.aliases) {
      INFO(t.name << " alias " << a);
      CHECK(a == lower_ascii(a));
      CHECK(seen.insert(a).second);  // no alias repeats a name or another alias
      CHECK(c.find(a) == &t);
    }
  }
  CHECK(c.types().size() >= 18);
}

TEST_CASE("every built-in type has plausible positive figures", "[hardware]") {
  for (const auto& t : builtin_catalog().types()) {
    INFO(t.name);
    CHECK(t.peak_fp32_tflops > 0.0);
    CHECK(t.mem_gb >= 8.0);
    CHECK(t.mem_gb <= 200.0);
    CHECK(t.mem_bw_gb_per_s >= 200.0);
    CHECK(t.mem_bw_gb_per_s <= 10000.0);
    CHECK_FALSE(t.intra_link.empty());
    CHECK(t.intra_link_gb_per_s > 0.0);
    CHECK(t.inter_node_gb_per_s > 0.0);
    CHECK(t.gpus_per_node >= 1);
    CHECK(t.peak_tf32_tflops >= 0.0);
    CHECK(t.peak_fp16_tflops >= 0.0);
    CHECK(t.peak_bf16_tflops >= 0.0);
    CHECK(t.peak_fp8_tflops >= 0.0);
    // Narrower dtypes are never slower: fp32 <= tf32 <= bf16 = fp16 <= fp8 where the dtype exists.
    CHECK(t.peak_tflops(dtype::tf32) >= t.peak_fp32_tflops);
    CHECK(t.peak_tflops(dtype::fp16) >= t.peak_tflops(dtype::tf32));
    if (t.peak_bf16_tflops > 0) CHECK(t.peak_bf16_tflops == t.peak_fp16_tflops);
    CHECK(t.peak_tflops(dtype::fp8) >= t.peak_tflops(dtype::bf16));
    // Dense tensor figures stay within what the hardware can do: < 100x the fp32 vector rate.
    CHECK(t.peak_tflops(dtype::fp8) < 100.0 * t.peak_fp32_tflops);
  }
}

TEST_CASE("built-in figures match the datasheets for the reference types", "[hardware]") {
  const auto& c = builtin_catalog();
  const gpu_type& a100 = *c.find("a100");
  CHECK(a100.mem_gb == 40.0);  // the reference cluster's A100s have 40 GB
  CHECK(a100.peak_bf16_tflops == 312.0);
  CHECK(a100.peak_tf32_tflops == 156.0);
  CHECK(a100.peak_fp8_tflops == 0.0);
  CHECK(a100.gpus_per_node == 8);  // DGX A100, not the reference cluster's 4
  CHECK(c.find("v100")->mem_gb == 32.0);
  CHECK(c.find("v100")->peak_bf16_tflops == 0.0);
  CHECK(c.find("v100")->peak_tflops(dtype::bf16) == 125.0);  // falls back to fp16
  CHECK(c.find("a40")->mem_gb == 48.0);
  CHECK(c.find("a10")->mem_gb == 24.0);
  CHECK(c.find("h100")->peak_fp8_tflops == 1979.0);
  CHECK(c.find("h200")->mem_gb == 141.0);
  CHECK(c.find("a100-80gb")->mem_bw_gb_per_s == 2039.0);
}

TEST_CASE("a copy of the built-in catalog takes overrides without changing the original", "[hardware]") {
  hardware_catalog mine = builtin_catalog();
  gpu_type t = *mine.find("a10");
  t.inter_node_gb_per_s = 12.5;
  mine.add(t);
  CHECK(mine.find("a10")->inter_node_gb_per_s == 12.5);
  CHECK(builtin_catalog().find("a10")->inter_node_gb_per_s == 25.0);
  CHECK(mine.types().size() == builtin_catalog().types().size());
}
