#pragma once
// The set of known GPU types, looked up by canonical name or alias (case-insensitive).
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "cellsched/hardware/gpu_type.hpp"

namespace cellsched {

[[nodiscard]] inline std::string lower_ascii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class hardware_catalog {
 public:
  hardware_catalog() = default;
  explicit hardware_catalog(std::vector<gpu_type> types) {
    for (auto& t : types) add(std::move(t));
  }

  /// Adds or replaces a type (matched by canonical name).
  void add(gpu_type t) {
    t.name = lower_ascii(t.name);
    for (auto& a : t.aliases) a = lower_ascii(a);
    for (auto& existing : types_) {
      if (existing.name == t.name) {
        existing = std::move(t);
        return;
      }
    }
    types_.push_back(std::move(t));
  }

  /// The type called `name` (canonical or alias, any case), or nullptr.
  [[nodiscard]] const gpu_type* find(const std::string& name) const {
    const std::string key = lower_ascii(name);
    for (const auto& t : types_)
      if (t.name == key) return &t;
    for (const auto& t : types_)
      for (const auto& a : t.aliases)
        if (a == key) return &t;
    return nullptr;
  }
  [[nodiscard]] bool contains(const std::string& name) const { return find(name) != nullptr; }
  [[nodiscard]] const std::vector<gpu_type>& types() const noexcept { return types_; }
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& t : types_) out.push_back(t.name);
    return out;
  }

 private:
  std::vector<gpu_type> types_;
};

}  // namespace cellsched
