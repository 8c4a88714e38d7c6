// Price files: parse_prices on any bytes returns a price table or throws input_error; an accepted table
// written with prices_to_json and read back is the same table, every price positive and finite.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/price_json.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto t = fuzz::value_or_rejected([&] { return io::parse_prices(io::parse_json_text(text, "fuzz"), "fuzz"); });
  if (!t) return 0;
  fuzz::must_not_throw("prices round trip", [&] {
    for (const auto& p : t->entries())
      if (!(p.usd_per_gpu_hour > 0) || !std::isfinite(p.usd_per_gpu_hour)) fuzz::fail("accepted a price <= 0");
    const io::json doc = io::prices_to_json(*t);
    const price_table back = io::parse_prices(io::parse_json_text(doc.dump(), "round-trip"), "round-trip");
    if (!(back == *t)) fuzz::fail("prices round trip changed the table: " + doc.dump());
  });
  return 0;
}
