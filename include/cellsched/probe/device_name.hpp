#pragma once
// Maps the name the CUDA driver reports for a device ("NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-40GB",
// "Tesla V100-SXM2-32GB") to a canonical GPU type of a catalog. Host-only.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cellsched/hardware/catalog.hpp"

namespace cellsched::probe {

/// Names to try in the catalog, most specific first: the driver's name as is, without the vendor and
/// brand words, with spaces as dashes, "<model>-<memory>gb" (tells A100 40 GB from 80 GB),
/// "<model>-pcie"/"<model>-sxm", and the bare model ("h100").
[[nodiscard]] inline std::vector<std::string> device_name_candidates(const std::string& device_name,
                                                                     std::int64_t mem_bytes) {
  const std::string full = lower_ascii(device_name);
  std::vector<std::string> words;
  std::string w;
  for (const char c : full + " ") {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!w.empty() && w != "nvidia" && w != "tesla" && w != "geforce" && w != "quadro") words.push_back(w);
      w.clear();
    } else {
      w += c;
    }
  }
  std::vector<std::string> out{full};
  auto push = [&out](const std::string& s) {
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  std::string spaced, dashed;
  for (const auto& x : words) {
    spaced += (spaced.empty() ? "" : " ") + x;
    dashed += (dashed.empty() ? "" : "-") + x;
  }
  push(spaced);
  push(dashed);
  if (words.empty()) return out;
  // "a100-sxm4-40gb" -> model "a100"; "rtx" "3090" -> model "rtx-3090".
  std::string model = words[0].substr(0, words[0].find('-'));
  if ((model == "rtx" || model == "gtx") && words.size() > 1) model += "-" + words[1];
  if (mem_bytes > 0) {
    // The marketed "80GB"/"40GB" sizes match the reported memory in GiB, rounded: an H100 80GB reports
    // 79.6 GiB, an A100 40GB 39.6 GiB. (An H200 reports 140 GiB for its 141 GB, so the "-sxm" and bare
    // model names are tried as well.)
    const double gib = static_cast<double>(mem_bytes) / double(1 << 30);
    push(model + "-" + std::to_string(std::llround(gib)) + "gb");
  }
  const bool pcie = full.find("pcie") != std::string::npos;
  push(model + (pcie ? "-pcie" : "-sxm"));
  push(model);
  return out;
}

/// The canonical catalog name of a device, or nullopt when no candidate name is known to the catalog.
[[nodiscard]] inline std::optional<std::string> canonical_gpu_type(const hardware_catalog& catalog,
                                                                   const std::string& device_name,
                                                                   std::int64_t mem_bytes) {
  for (const auto& c : device_name_candidates(device_name, mem_bytes))
    if (const gpu_type* t = catalog.find(c)) return t->name;
  return std::nullopt;
}

}  // namespace cellsched::probe
