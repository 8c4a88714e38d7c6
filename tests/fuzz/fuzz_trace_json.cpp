// JSON traces: parse_trace_json on any bytes gives jobs or input_error (checks on and off); accepted jobs
// written as JSON read back unchanged, and when the reference CSV can hold them (whole seconds, weight 1;
// otherwise trace_csv_text throws std::invalid_argument as documented) so do they through CSV.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/trace_io.hpp"
#include "fuzz_support.hpp"

namespace {

void check(const cellsched::io::json& doc, const cellsched::io::trace_options& options) {
  using namespace cellsched;
  const auto jobs = fuzz::value_or_rejected([&] { return io::parse_trace_json(doc, "fuzz", options); });
  if (!jobs) return;
  io::trace_options plain = options;
  plain.iteration_divisor = 1;  // the divisor applied once already
  const io::json expected = io::trace_to_json(*jobs);
  fuzz::must_not_throw("JSON trace round trip", [&] {
    const std::vector<job> back =
        io::parse_trace_json(io::parse_json_text(expected.dump(), "round-trip"), "round-trip", plain);
    if (io::trace_to_json(back) != expected) fuzz::fail("JSON round trip changed the trace: " + expected.dump());
  });
  const auto csv = fuzz::value_or_rejected<std::invalid_argument>([&] { return io::trace_csv_text(*jobs); });
  if (!csv) return;
  fuzz::must_not_throw("JSON -> CSV round trip", [&] {
    const std::vector<job> back = io::parse_trace_csv(*csv, "round-trip", plain);
    if (io::trace_to_json(back) != expected) fuzz::fail("JSON -> CSV round trip changed the trace:\n" + *csv);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto doc = fuzz::value_or_rejected([&] { return io::parse_json_text(text, "fuzz"); });
  if (!doc) return 0;
  check(*doc, io::trace_options{});
  check(*doc, io::trace_options{5, io::job_checks{nullptr, nullptr}});
  return 0;
}
