// Reference-format CSV traces: parse_trace_csv on any bytes gives jobs or input_error (with the model and
// GPU checks on and off, divisor 1 and 5); accepted jobs written as CSV and as JSON read back unchanged.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/trace_io.hpp"
#include "fuzz_support.hpp"

namespace {

void check(const std::string& text, const cellsched::io::trace_options& options) {
  using namespace cellsched;
  const auto jobs = fuzz::value_or_rejected([&] { return io::parse_trace_csv(text, "fuzz", options); });
  if (!jobs) return;
  fuzz::must_not_throw("CSV trace round trip", [&] {
    io::trace_options plain = options;
    plain.iteration_divisor = 1;  // the divisor applied once already
    const io::json expected = io::trace_to_json(*jobs);
    const std::vector<job> from_csv = io::parse_trace_csv(io::trace_csv_text(*jobs), "round-trip", plain);
    if (io::trace_to_json(from_csv) != expected) fuzz::fail("CSV round trip changed the trace");
    const std::vector<job> from_json =
        io::parse_trace_json(io::parse_json_text(expected.dump(), "round-trip"), "round-trip", plain);
    if (io::trace_to_json(from_json) != expected) fuzz::fail("CSV -> JSON round trip changed the trace");
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  check(text, io::trace_options{});
  check(text, io::trace_options{5, io::job_checks{nullptr, nullptr}});
  return 0;
}
