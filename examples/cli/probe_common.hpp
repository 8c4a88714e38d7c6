#pragma once
// Helpers shared by `cellsched probe` (cmd_probe.hpp) and its --cell mode (probe_cell.hpp).
#include <algorithm>
#include <cstdint>
#include <ctime>
#include <ostream>
#include <stdexcept>
#include <string>

#include <cellsched/estimate/profile.hpp>
#include <cellsched/hardware/catalog.hpp>
#include <cellsched/probe/device_name.hpp>
#include <cellsched/probe/sweep.hpp>

#include "args.hpp"

namespace cellsched::cli {

namespace probe_detail {

/// Current UTC time as ISO 8601, e.g. 2025-01-31T12:00:00Z.
[[nodiscard]] inline std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// "2025-01-31T12:00:00Z" -> "20250131T120000Z", for file names.
[[nodiscard]] inline std::string compact_date(const std::string& iso) {
  std::string out;
  for (const char c : iso)
    if (c != '-' && c != ':') out += c;
  return out;
}

/// The catalog's canonical name for --gpu-type, or a usage error naming the known types.
[[nodiscard]] inline std::string resolve_gpu_type_flag(const hardware_catalog& cat, const std::string& name) {
  if (const gpu_type* t = cat.find(name)) return t->name;
  std::string known;
  for (const auto& n : cat.names()) known += (known.empty() ? "" : ", ") + n;
  throw usage_error("--gpu-type: unknown GPU type '" + name + "' (known: " + known + ")");
}

/// The catalog type named by --gpu-type, else the one matching the device's name; throws when neither
/// names a known type.
[[nodiscard]] inline std::string detected_gpu_type(const hardware_catalog& cat, const std::string& device_name,
                                                   std::int64_t mem_bytes, const args& a) {
  if (a.has("--gpu-type")) return resolve_gpu_type_flag(cat, a.get("--gpu-type"));
  if (auto t = probe::canonical_gpu_type(cat, device_name, mem_bytes)) return *t;
  throw std::runtime_error("device '" + device_name + "' matches no GPU type of the catalog; name one with --gpu-type");
}

/// One line per dtype: best measured TFLOP/s against the datasheet peak, and the same for memory.
inline void print_profile_summary(std::ostream& os, const probe_profile& p, const gpu_type* t) {
  for (const dtype d : probe::gemm_sweep_dtypes) {
    double best = 0.0;
    for (const auto& g : p.gemm)
      if (g.type == d) best = std::max(best, g.tflops);
    if (best <= 0.0) continue;
    os << "  GEMM " << to_string(d) << ": best " << best << " TFLOP/s";
    if (t && t->peak_tflops(d) > 0.0)
      os << " = " << 100.0 * best / t->peak_tflops(d) << " % of the datasheet's dense peak " << t->peak_tflops(d);
    os << "\n";
  }
  for (const char* k : {"copy", "triad"}) {
    double best = 0.0;
    for (const auto& b : p.memory)
      if (b.kernel == k) best = std::max(best, b.gb_per_s);
    if (best <= 0.0) continue;
    os << "  memory " << k << ": " << best << " GB/s";
    if (t && t->mem_bw_gb_per_s > 0.0)
      os << " = " << 100.0 * best / t->mem_bw_gb_per_s << " % of " << t->mem_bw_gb_per_s;
    os << "\n";
  }
  for (const auto& s : p.collectives) {
    double best = 0.0;
    for (const auto& c : s.points) best = std::max(best, c.bus_gb_per_s);
    os << "  " << s.op << " x" << s.group_size << " (" << s.num_nodes << " node" << (s.num_nodes > 1 ? "s" : "")
       << "): peak bus bandwidth " << best << " GB/s\n";
  }
}

}  // namespace probe_detail
}  // namespace cellsched::cli
