// Observation files and an online oracle's saved state: any bytes give observations or input_error;
// accepted observations write and read back the same and feed an online oracle without throwing; an
// accepted state restores and saves back the same document.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cellsched/adapt/online_oracle.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/observation_io.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto csv = fuzz::value_or_rejected([&] { return io::parse_observations_csv(text, "fuzz"); });
  const auto doc = fuzz::value_or_rejected([&] { return io::parse_json_text(text, "fuzz"); });
  std::vector<observation> all;
  if (csv) all = *csv;
  if (doc) {
    if (const auto js = fuzz::value_or_rejected([&] { return io::parse_observations_json(*doc, "fuzz"); })) {
      all.insert(all.end(), js->begin(), js->end());
      fuzz::must_not_throw("observations round trip", [&] {
        io::json written = {{"kind", "observations"}, {"observations", io::json::array()}};
        for (const auto& o : *js) written["observations"].push_back(io::to_json(o));
        const auto back = io::parse_observations_json(io::parse_json_text(written.dump(), "rt"), "rt");
        io::json again = {{"kind", "observations"}, {"observations", io::json::array()}};
        for (const auto& o : back) again["observations"].push_back(io::to_json(o));
        if (again != written) fuzz::fail("observations round trip changed the document: " + written.dump());
      });
    }
    if (const auto st = fuzz::value_or_rejected([&] { return io::parse_online_state(*doc, "fuzz"); })) {
      fuzz::must_not_throw("online state round trip", [&] {
        const fuzz::unit_oracle inner;
        online_oracle<fuzz::unit_oracle> o(inner);
        o.restore(*st);
        (void)io::parse_online_state(io::parse_json_text(io::to_json(o.state()).dump(), "rt"), "rt");
      });
    }
  }
  fuzz::must_not_throw("online oracle on accepted observations", [&] {
    const fuzz::unit_oracle inner;
    online_oracle<fuzz::unit_oracle> o(inner);
    for (const auto& ob : all) {
      (void)o.observe(ob);
      job j;
      j.model = ob.model;
      j.global_batch = ob.global_batch;
      (void)o.explain(j, ob.gpu_type, ob.layout);
    }
  });
  return 0;
}
