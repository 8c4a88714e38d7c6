#pragma once
// What a GPU-hour costs, per GPU type (docs/energy-cost.md, docs/formats/prices.md). Every figure
// carries its date and source; prices come only from files (io/price_json.hpp) or from the host.
#include <string>
#include <utility>
#include <vector>

#include "cellsched/hardware/catalog.hpp"

namespace cellsched {

struct gpu_price {
  std::string gpu_type;           ///< as written; resolved against a catalog when used
  double usd_per_gpu_hour = 0.0;  ///< > 0
  std::string date;               ///< when the figure was published: YYYY-MM-DD, YYYY-MM or YYYY
  std::string source;             ///< where it comes from (provider, offer, URL)
  friend bool operator==(const gpu_price&, const gpu_price&) = default;
};

/// Prices by GPU type; a later entry for the same type replaces an earlier one.
class price_table {
 public:
  price_table() = default;
  explicit price_table(std::vector<gpu_price> entries) {
    for (auto& e : entries) add(std::move(e));
  }
  void add(gpu_price p) {
    p.gpu_type = lower_ascii(p.gpu_type);
    for (auto& e : entries_)
      if (e.gpu_type == p.gpu_type) {
        e = std::move(p);
        return;
      }
    entries_.push_back(std::move(p));
  }
  /// `overrides` on top of this table (a cluster's own prices over a price file).
  [[nodiscard]] price_table merged(const price_table& overrides) const {
    price_table out = *this;
    for (const auto& e : overrides.entries_) out.add(e);
    return out;
  }
  /// The price of a type: its canonical name or any alias in `catalog` matches an entry; nullptr if none.
  [[nodiscard]] const gpu_price* find(const std::string& type_name, const hardware_catalog& catalog) const {
    const gpu_type* t = catalog.find(type_name);
    for (const auto& e : entries_) {
      if (e.gpu_type == lower_ascii(type_name)) return &e;
      if (t != nullptr && catalog.find(e.gpu_type) == t) return &e;
    }
    return nullptr;
  }
  [[nodiscard]] const std::vector<gpu_price>& entries() const noexcept { return entries_; }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  friend bool operator==(const price_table&, const price_table&) = default;

 private:
  std::vector<gpu_price> entries_;
};

}  // namespace cellsched
