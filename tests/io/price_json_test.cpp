// Price files and a cluster's own prices (io/price_json.hpp, docs/formats/prices.md); the optional power
// figures of GPU types (io/catalog_json.hpp).
#include <catch2/catch.hpp>

#include <string>

#include <cellsched/io/catalog_json.hpp>
#include <cellsched/io/cluster_json.hpp>
#include <cellsched/io/price_json.hpp>

#include "check_input_error.hpp"

using namespace cellsched;
using io::json;

namespace {

std::string prices_with(const std::string& entry) {
  return R"({"kind": "prices", "currency": "USD", "prices": [)" + entry + "]}";
}
const std::string k_entry =
    R"({"gpu_type": "A100", "usd_per_gpu_hour": 4.1, "date": "2020-11", "source": "a provider's list"})";

void require_price_error(const std::string& text, const std::string& field, const std::string& expected) {
  INFO(text);
  test::check_input_error([&] { (void)io::parse_prices(io::parse_json_text(text, "p.json"), "p.json"); }, "p.json",
                          field, expected);
}

}  // namespace

TEST_CASE("prices: a price file resolves aliases and keeps date and source", "[io][prices]") {
  const price_table t = io::parse_prices(json::parse(prices_with(k_entry)), "p.json");
  REQUIRE(t.entries().size() == 1);
  CHECK(t.entries()[0].gpu_type == "a100-40gb");
  CHECK(t.entries()[0].usd_per_gpu_hour == 4.1);
  CHECK(t.entries()[0].date == "2020-11");
  CHECK(t.entries()[0].source == "a provider's list");
  const gpu_price* p = t.find("a100-sxm4-40gb", builtin_catalog());
  REQUIRE(p != nullptr);
  CHECK(p->usd_per_gpu_hour == 4.1);
  CHECK(t.find("t4", builtin_catalog()) == nullptr);
  // Written and read back: the same table.
  CHECK(io::parse_prices(io::prices_to_json(t), "again.json") == t);
}

TEST_CASE("prices: the bundled price file is valid and dates every figure", "[io][prices]") {
  const price_table t = io::load_prices_file(std::string(CELLSCHED_DATA_DIR) + "/prices/cloud-list-prices.json");
  CHECK(t.entries().size() >= 4);
  for (const char* type : {"a100-40gb", "v100-32gb", "a40", "a10"}) CHECK(t.find(type, builtin_catalog()) != nullptr);
}

TEST_CASE("prices: bad price files name the file, the field and what was expected", "[io][prices]") {
  require_price_error(prices_with(R"({"gpu_type": "a100", "usd_per_gpu_hour": -1, "date": "2020", "source": "s"})"),
                      "prices[0].usd_per_gpu_hour", "> 0");
  require_price_error(prices_with(R"({"gpu_type": "a100", "usd_per_gpu_hour": 0, "date": "2020", "source": "s"})"),
                      "prices[0].usd_per_gpu_hour", "> 0");
  require_price_error(prices_with(R"({"gpu_type": "a100", "usd_per_gpu_hour": "4", "date": "2020", "source": "s"})"),
                      "prices[0].usd_per_gpu_hour", "a number");
  require_price_error(prices_with(R"({"gpu_type": "a100", "usd_per_gpu_hour": 4, "date": "2023-13", "source": "s"})"),
                      "prices[0].date", "YYYY-MM-DD");
  require_price_error(prices_with(R"({"gpu_type": "a100", "usd_per_gpu_hour": 4, "date": "2023-02-29", "source": "s"})"),
                      "prices[0].date", "YYYY-MM-DD");
  require_price_error(prices_with(R"({"gpu_type": "a100", "usd_per_gpu_hour": 4, "date": "2020", "source": " "})"),
                      "prices[0].source", "where the figure comes from");
  require_price_error(prices_with(R"({"gpu_type": "a100", "usd_per_gpu_hour": 4, "date": "2020"})"),
                      "prices[0].source", "missing");
  require_price_error(prices_with(R"({"gpu_type": "a1000", "usd_per_gpu_hour": 4, "date": "2020", "source": "s"})"),
                      "prices[0].gpu_type", "a known GPU type");
  require_price_error(prices_with(k_entry + "," + k_entry), "prices[1].gpu_type", "prices[0] prices a100-40gb");
  require_price_error(prices_with(R"({"gpu_type": "a100", "usd_per_gpu_hour": 4, "date": "2020", "source": "s", "x": 1})"),
                      "prices[0].x", "unknown key");
  require_price_error(R"({"kind": "prices", "currency": "EUR", "prices": []})", "currency", "\"USD\"");
  require_price_error(R"({"kind": "prices", "currency": "USD"})", "prices", "missing");
  CHECK(io::detail::is_iso_date("2024-02-29"));
  CHECK_FALSE(io::detail::is_iso_date("2023-02-29"));
  CHECK_FALSE(io::detail::is_iso_date("23-02-01"));
}

TEST_CASE("prices: a cluster's own prices override a price file's and survive a round trip", "[io][prices]") {
  const json doc = json::parse(R"({"kind": "cluster", "name": "c",
    "node_groups": [{"gpu_type": "a100", "num_nodes": 1, "gpus_per_node": 8}],
    "prices": [{"gpu_type": "a100-40gb", "usd_per_gpu_hour": 1.5, "date": "2025-01-02", "source": "our contract"}]})");
  const cluster c = io::parse_cluster(doc, "c.json");
  const price_table file = io::parse_prices(json::parse(prices_with(k_entry)), "p.json");
  const price_table merged = file.merged(c.prices());
  CHECK(merged.find("a100", c.catalog())->usd_per_gpu_hour == 1.5);
  CHECK(merged.find("a100", c.catalog())->source == "our contract");
  CHECK(io::parse_cluster(io::to_json(c), "again.json").prices() == c.prices());
  test::check_input_error(
      [&] {
        json bad = doc;
        bad["prices"][0]["usd_per_gpu_hour"] = -2;
        (void)io::parse_cluster(bad, "c.json");
      },
      "c.json", "prices[0].usd_per_gpu_hour", "> 0");
}

TEST_CASE("power figures of a GPU type: optional, checked against each other", "[io][power]") {
  const std::string base = R"({"name": "x1", "peak_fp32_tflops": 10, "mem_gb": 16, "mem_bw_gb_per_s": 500,
      "intra_link": "pcie4", "intra_link_gb_per_s": 32, "inter_node_gb_per_s": 25, "gpus_per_node": 8)";
  const auto doc = [&](const std::string& extra) {
    return R"({"kind": "gpu_types", "gpu_types": [)" + base + extra + "}]}";
  };
  const auto load = [&](const std::string& extra) {
    return io::parse_gpu_types(io::parse_json_text(doc(extra), "t.json"), "t.json");
  };
  const hardware_catalog c = load(R"(, "tdp_w": 300, "idle_w": 35, "min_power_limit_w": 150)");
  CHECK(c.find("x1")->tdp_w == 300.0);
  CHECK(c.find("x1")->idle_w == 35.0);
  CHECK(c.find("x1")->min_power_limit_w == 150.0);
  CHECK(load("").find("x1")->tdp_w == 0.0);  // absent: not known
  // Round trip keeps them.
  CHECK(io::parse_gpu_type(io::to_json(*c.find("x1")), "t.json", "t") == *c.find("x1"));
  const auto err = [&](const std::string& extra, const std::string& field, const std::string& expected) {
    INFO(extra);
    test::check_input_error([&] { (void)load(extra); }, "t.json", field, expected);
  };
  err(R"(, "tdp_w": -300)", "gpu_types[0].tdp_w", "> 0");
  err(R"(, "tdp_w": 0)", "gpu_types[0].tdp_w", "> 0");
  err(R"(, "idle_w": 30)", "gpu_types[0].idle_w", "\"tdp_w\" beside it");
  err(R"(, "tdp_w": 300, "idle_w": 300)", "gpu_types[0].idle_w", "below tdp_w");
  err(R"(, "tdp_w": 300, "min_power_limit_w": 350)", "gpu_types[0].min_power_limit_w", "at most tdp_w");
  err(R"(, "tdp_w": 300, "idle_w": 50, "min_power_limit_w": 40)", "gpu_types[0].min_power_limit_w", "above idle_w");
  CHECK_THROWS_WITH(io::parse_json_text(doc(R"(, "tdp_w": NaN)"), "t.json"), Catch::Contains("t.json"));
}
