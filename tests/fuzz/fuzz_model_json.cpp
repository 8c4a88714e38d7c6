// Model files: a {"kind":"model"} or {"kind":"model_zoo"} document is accepted or rejected with
// input_error; an accepted model builds into layers, and to_json -> text -> parse gives the same document.
#include <cstddef>
#include <cstdint>

#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/model_json.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto doc = fuzz::value_or_rejected([&] { return io::parse_json_text(text, "fuzz"); });
  if (!doc) return 0;

  if (const auto spec = fuzz::value_or_rejected([&] { return io::parse_model_document(*doc, "fuzz"); })) {
    fuzz::must_not_throw("model round trip", [&] {
      const model built = build_model(*spec);
      if (built.layers.empty()) fuzz::fail("an accepted model built into no layers");
      const io::json written = io::to_json(*spec);
      const model_spec back = io::parse_model_document(io::parse_json_text(written.dump(), "round-trip"), "round-trip");
      if (io::to_json(back) != written) fuzz::fail("model round trip changed the document: " + written.dump());
      // The layer-by-layer form of the built model reads back to the same layers.
      const io::json custom = io::to_json(built);
      const model again = io::parse_model(io::parse_json_text(custom.dump(), "round-trip"), "round-trip");
      if (io::to_json(again) != custom) fuzz::fail("custom-form round trip changed the layers");
    });
  }
  if (const auto zoo = fuzz::value_or_rejected([&] { return io::parse_model_zoo(*doc, "fuzz"); })) {
    fuzz::must_not_throw("model zoo round trip", [&] {
      const io::json written = io::to_json(*zoo);
      const model_zoo back = io::parse_model_zoo(io::parse_json_text(written.dump(), "round-trip"), "round-trip");
      if (io::to_json(back) != written) fuzz::fail("model zoo round trip changed the document");
    });
  }
  return 0;
}
