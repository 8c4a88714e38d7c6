// Cluster files: parse_cluster on any bytes returns a cluster or throws input_error; an accepted cluster
// written with to_json and read back gives the same document.
#include <cstddef>
#include <cstdint>

#include "cellsched/io/cluster_json.hpp"
#include "cellsched/io/json_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto c = fuzz::value_or_rejected([&] { return io::parse_cluster(io::parse_json_text(text, "fuzz"), "fuzz"); });
  if (!c) return 0;
  fuzz::must_not_throw("cluster round trip", [&] {
    const io::json doc = io::to_json(*c);
    const cluster back = io::parse_cluster(io::parse_json_text(doc.dump(), "round-trip"), "round-trip");
    if (io::to_json(back) != doc) fuzz::fail("cluster round trip changed the document: " + doc.dump());
    if (back.nodes().size() != c->nodes().size()) fuzz::fail("cluster round trip changed the node count");
  });
  return 0;
}
