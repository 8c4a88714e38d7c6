// vTrain-style measurement tables: parse_measurements_csv on any bytes gives rows or input_error, and
// every accepted row holds positive counts and a positive finite iteration time.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "cellsched/estimate/measurements.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto rows = fuzz::value_or_rejected([&] { return parse_measurements_csv(text, "fuzz"); });
  if (!rows) return 0;
  for (const measurement_row& r : *rows) {
    const bool counts_ok = r.gpus > 0 && r.global_batch > 0 && r.micro_batch > 0 && r.hidden > 0 && r.heads > 0 &&
                           r.layers > 0 && r.seq_len > 0 && r.tp > 0 && r.dp > 0 && r.pp > 0;
    if (!counts_ok || !(r.iter_time_ms > 0.0) || !std::isfinite(r.iter_time_ms) || r.params_billion < 0.0 ||
        r.line == 0)
      fuzz::fail("an accepted row with a non-positive figure on line " + std::to_string(r.line));
  }
  return 0;
}
