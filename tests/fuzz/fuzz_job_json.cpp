// Job files: parse_job on any bytes gives a job or input_error, checked against the built-in model zoo
// and catalog and also with the checks off; an accepted job written and read back is the same job.
#include <cstddef>
#include <cstdint>

#include "cellsched/io/job_json.hpp"
#include "cellsched/io/json_reader.hpp"
#include "fuzz_support.hpp"

namespace {

void check(const cellsched::io::json& doc, const cellsched::io::job_checks& checks) {
  using namespace cellsched;
  const auto j = fuzz::value_or_rejected([&] { return io::parse_job(doc, "fuzz", "", checks, true); });
  if (!j) return;
  fuzz::must_not_throw("job round trip", [&] {
    io::json written = io::to_json(*j);
    written["kind"] = "job";
    const job back = io::parse_job(io::parse_json_text(written.dump(), "round-trip"), "round-trip", "", checks, true);
    io::json again = io::to_json(back);
    again["kind"] = "job";
    if (again != written) fuzz::fail("job round trip changed the document: " + written.dump());
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto doc = fuzz::value_or_rejected([&] { return io::parse_json_text(text, "fuzz"); });
  if (!doc) return 0;
  check(*doc, io::job_checks{});
  check(*doc, io::job_checks{nullptr, nullptr});
  return 0;
}
