#pragma once
// Plans as short human-readable text for terminals and logs: one line per plan, one line per stage.
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/result.hpp"

namespace cellsched {

/// "[4,4]" for a layout; heterogeneous Cells name each node's type: "[4 a100-40gb, 2 v100-32gb]".
[[nodiscard]] inline std::string layout_text(const cell& c) {
  std::string s = "[";
  for (std::size_t i = 0; i < c.layout.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(c.layout[i]);
    if (!c.node_gpu_types.empty()) s += " " + c.node_gpu_types[i];
  }
  return s + "]";
}

/// "a100-40gb" or, for a heterogeneous Cell, "a100-40gb+v100-32gb".
[[nodiscard]] inline std::string cell_types_text(const cell& c) {
  std::string s = c.gpu_type;
  std::string last = c.gpu_type;
  for (int i = 0; i < c.stages; ++i)
    if (c.stage_gpu_type(i) != last) {
      last = c.stage_gpu_type(i);
      s += "+" + last;
    }
  return s;
}

/// One line: "pp 4, dp 2 x tp 2, 32 micro-batches of 8, 1f1b, layers 9/8/8/9" - with per-stage
/// "(dp x tp)" when stages differ, and "+recompute", "+zero1" when on.
[[nodiscard]] inline std::string plan_summary(const plan& p) {
  if (p.stages.empty()) return "no stages";
  bool uniform = true;
  for (const auto& s : p.stages) uniform = uniform && s.dp == p.stages[0].dp && s.tp == p.stages[0].tp;
  std::string s = "pp " + std::to_string(p.stages.size()) + ", ";
  if (uniform) {
    s += "dp " + std::to_string(p.stages[0].dp) + " x tp " + std::to_string(p.stages[0].tp);
  } else {
    for (std::size_t i = 0; i < p.stages.size(); ++i) {
      if (i) s += ' ';
      s += '(' + std::to_string(p.stages[i].dp) + 'x' + std::to_string(p.stages[i].tp) + ')';
    }
  }
  s += ", " + std::to_string(p.num_micro_batches) + " micro-batches of " + std::to_string(p.micro_batch_samples) +
       ", " + to_string(p.schedule);
  if (p.recompute) s += ", recompute";
  if (p.zero1) s += ", zero1";
  if (!p.recompute && p.selective_recompute) s += ", selective recompute";
  if (p.sequence_parallel) s += ", sequence parallel";
  if (p.overlap_grad_reduce) s += ", overlap grad reduce";
  if (p.virtual_stages > 1) s += ", " + std::to_string(p.virtual_stages) + " virtual stages";
  s += ", layers ";
  for (std::size_t i = 0; i < p.stages.size(); ++i) {
    if (i) s += '/';
    s += std::to_string(p.stages[i].num_layers());
  }
  return s;
}

/// One line per stage: type, layers, dp x tp, per-micro-batch times and peak memory when an estimate is
/// given (its stages must match the plan's).
[[nodiscard]] inline std::vector<std::string> stage_lines(const cell& c, const plan& p,
                                                          const estimate_result* r = nullptr) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < p.stages.size(); ++i) {
    const stage_plan& st = p.stages[i];
    char buf[256];
    std::snprintf(buf, sizeof buf, "stage %zu: %-12s layers [%d, %d)  dp %d x tp %d", i,
                  c.stage_gpu_type(static_cast<int>(i)).c_str(), st.first_layer, st.end_layer, st.dp, st.tp);
    std::string line = buf;
    if (r && i < r->stages.size()) {
      const stage_estimate& e = r->stages[i];
      std::snprintf(buf, sizeof buf, "  fwd %.2f + bwd %.2f ms per micro-batch, peak %.1f GB%s", e.fwd_s * 1e3,
                    e.bwd_s * 1e3, e.peak_mem_bytes / 1e9, e.fits ? "" : " (does not fit)");
      line += buf;
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace cellsched
