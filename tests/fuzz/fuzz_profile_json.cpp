// Probe profiles: parse_profile on any bytes gives a profile or input_error; an accepted profile written
// with to_json and read back gives the same document.
#include <cstddef>
#include <cstdint>

#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/profile_json.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto p = fuzz::value_or_rejected([&] { return io::parse_profile(io::parse_json_text(text, "fuzz"), "fuzz"); });
  if (!p) return 0;
  fuzz::must_not_throw("profile round trip", [&] {
    const io::json written = io::to_json(*p);
    const probe_profile back = io::parse_profile(io::parse_json_text(written.dump(), "fuzz"), "fuzz");
    if (io::to_json(back) != written) fuzz::fail("profile round trip changed the document: " + written.dump());
  });
  return 0;
}
