// Probe profiles: parse_profile on any bytes gives a profile or input_error; every derived figure of an
// accepted profile (TFLOP/s, GB/s, bus bandwidth) is finite and within 1 % of what its time gives, and the
// profile written with to_json and read back gives the same document.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/profile_json.hpp"
#include "cellsched/probe/busbw.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cellsched;
  const std::string text = fuzz::as_text(data, size);
  const auto p = fuzz::value_or_rejected([&] { return io::parse_profile(io::parse_json_text(text, "fuzz"), "fuzz"); });
  if (!p) return 0;
  const auto agrees = [](double stored, double expected) {
    return std::isfinite(expected) && std::fabs(stored - expected) <= io::profile_detail::derived_rel_tol * expected;
  };
  for (const gemm_point& g : p->gemm)
    if (!agrees(g.tflops,
                2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k) / g.time_s / 1e12))
      fuzz::fail("an accepted GEMM point whose TFLOP/s disagrees with its time");
  for (const bandwidth_point& b : p->memory)
    if (!agrees(b.gb_per_s, b.bytes / b.time_s / 1e9))
      fuzz::fail("an accepted memory point whose GB/s disagrees with its time");
  for (const collective_series& s : p->collectives) {
    const auto op = probe::collective_op_from_name(s.op);
    if (!op) fuzz::fail("an accepted collective with an unknown op");
    for (const collective_point& c : s.points)
      if (!agrees(c.algo_gb_per_s, probe::algo_gb_per_s(c.bytes, c.time_s)) ||
          !agrees(c.bus_gb_per_s, c.algo_gb_per_s * probe::bus_bandwidth_factor(*op, s.group_size)))
        fuzz::fail("an accepted collective point whose bandwidth disagrees with its time");
  }
  fuzz::must_not_throw("profile round trip", [&] {
    const io::json written = io::to_json(*p);
    const probe_profile back = io::parse_profile(io::parse_json_text(written.dump(), "fuzz"), "fuzz");
    if (io::to_json(back) != written) fuzz::fail("profile round trip changed the document: " + written.dump());
  });
  return 0;
}
