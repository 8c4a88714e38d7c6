// Scheduler state files (docs/formats/state.md, read by `cellsched decide`) and pilot selectors: any bytes
// give a state or input_error; an accepted state keeps every invariant, writes and reads back to the same
// document, and a policy's decision on it can be checked without throwing. Any text gives a selector or
// input_error; an accepted selector's text form parses back to the same selector.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/state_json.hpp"
#include "cellsched/schedule/baselines/fcfs.hpp"
#include "cellsched/schedule/job_selector.hpp"
#include "fuzz_support.hpp"

namespace {

const cellsched::cluster& fuzz_cluster() {
  static const cellsched::cluster c = [] {
    cellsched::cluster x("small-2type", cellsched::builtin_catalog());
    x.add_nodes("h100-sxm", 2, 8);
    x.add_nodes("a100-80gb", 4, 4);
    return x;
  }();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  if (const auto sel = fuzz::value_or_rejected([&] { return job_selector::parse(text, "fuzz"); })) {
    fuzz::must_not_throw("selector round trip", [&] {
      if (job_selector::parse(sel->text(), "rt").text() != sel->text())
        fuzz::fail("selector text changed on a round trip: " + sel->text());
    });
  }
  const auto doc = fuzz::value_or_rejected([&] { return io::parse_json_text(text, "fuzz"); });
  if (!doc) return 0;
  const auto st = fuzz::value_or_rejected([&] { return io::parse_scheduler_state(*doc, fuzz_cluster(), "fuzz"); });
  if (!st) return 0;
  fuzz::must_not_throw("accepted state", [&] {
    const auto broken = st->check_invariants();
    if (!broken.empty()) fuzz::fail("an accepted state breaks an invariant: " + broken.front());
    const std::string written = io::to_json(*st).dump();
    const scheduler_state back = io::parse_scheduler_state(io::parse_json_text(written, "rt"), fuzz_cluster(), "rt");
    if (io::to_json(back).dump() != written) fuzz::fail("state round trip changed the document: " + written);
    const fuzz::unit_oracle oracle;
    std::vector<event> arrivals;
    for (const auto& r : st->jobs()) arrivals.push_back({event_kind::arrival, r.spec.id, -1});
    fcfs_policy fcfs;
    (void)st->validate(fcfs.decide(st->make_snapshot(0.0, oracle, cost_options{}, arrivals)));
  });
  return 0;
}
