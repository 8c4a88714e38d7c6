#include <catch2/catch.hpp>

#include <cellsched/hardware/catalog.hpp>

using namespace cellsched;

TEST_CASE("catalog lookup is case-insensitive over names and aliases", "[hardware]") {
  gpu_type t;
  t.name = "A100-40GB";
  t.aliases = {"a100", "A100-SXM4-40GB"};
  hardware_catalog c({t});
  REQUIRE(c.find("a100-40gb") != nullptr);
  REQUIRE(c.find("A100") == c.find("a100-40gb"));
  REQUIRE(c.find("a100-sxm4-40gb") == c.find("a100-40gb"));
  REQUIRE(c.find("v100") == nullptr);
}
