#include <catch2/catch.hpp>

#include <cellsched/io/json_reader.hpp>

using namespace cellsched;
using io::json;

TEST_CASE("json_reader rejects unknown keys, wrong types, NaN and out-of-range numbers", "[io]") {
  const json doc = json::parse(R"({"a": 1, "b": "x", "c": -2.5, "d": 1.5})");
  {
    io::json_reader r(doc, "f.json", "root");
    CHECK(r.integer("a", 0, 10) == 1);
    CHECK(r.string("b") == "x");
    CHECK_THROWS_WITH(r.positive("c"), Catch::Contains("f.json") && Catch::Contains("root.c") &&
                                           Catch::Contains("> 0"));
    CHECK_THROWS_WITH(r.integer("d"), Catch::Contains("root.d") && Catch::Contains("integer"));
    CHECK_THROWS_WITH(r.string("missing"), Catch::Contains("root.missing") && Catch::Contains("missing"));
  }
  {
    io::json_reader r(doc, "f.json", "");
    (void)r.integer("a");
    CHECK_THROWS_WITH(r.finish(), Catch::Contains("unknown key"));
  }
  const json nan_doc = json{{"x", std::numeric_limits<double>::quiet_NaN()}};
  io::json_reader r(nan_doc, "g.json", "");
  // nlohmann stores NaN as a float; the reader must refuse it.
  CHECK_THROWS_WITH(r.number("x"), Catch::Contains("finite") || Catch::Contains("number"));
}

TEST_CASE("input_error composes file, line and field", "[io]") {
  const input_error e("trace.csv", "batch_size", "an integer > 0", 7);
  CHECK(std::string(e.what()) == "trace.csv:7: field 'batch_size': an integer > 0");
  CHECK(e.line() == 7);
}
