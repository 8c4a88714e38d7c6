#pragma once
// Price files (docs/formats/prices.md): USD per GPU-hour per GPU type, each figure with its date and
// source. {"kind": "prices", "currency": "USD", "prices": [{"gpu_type", "usd_per_gpu_hour", "date",
// "source"}]}. A cluster file may carry the same "prices" array; its entries override a price file's.
#include <concepts>
#include <cstddef>
#include <string>
#include <vector>

#include "cellsched/error.hpp"
#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/hardware/prices.hpp"
#include "cellsched/io/file_kind.hpp"
#include "cellsched/io/json_reader.hpp"

namespace cellsched::io {

namespace detail {

/// True for an ISO 8601 calendar date at day, month or year precision: YYYY-MM-DD, YYYY-MM or YYYY
/// (month 1-12, day within the month, leap years counted). A price recalled by month need not invent a day.
[[nodiscard]] inline bool is_iso_date(const std::string& s) {
  if (s.size() != 4 && s.size() != 7 && s.size() != 10) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return false;
  }
  if (s.size() == 4) return true;
  const int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2));
  if (m < 1 || m > 12) return false;
  if (s.size() == 7) return true;
  const int d = std::stoi(s.substr(8, 2));
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d >= 1 && d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

}  // namespace detail

/// A "prices" array; `path` names it. Every type must be known to `catalog` (stored by its canonical
/// name) and appear once.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] price_table parse_price_list(const Json& arr, const std::string& file, const std::string& path,
                                           const hardware_catalog& catalog) {
  if (!arr.is_array())
    throw input_error(file, path, std::string("an array of prices, got ") + json_type_name<Json>(arr));
  price_table out;
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    basic_json_reader<Json> r(arr[i], file, path + "[" + std::to_string(i) + "]");
    gpu_price p;
    const std::string type = r.string("gpu_type");
    const gpu_type* t = catalog.find(type);
    if (t == nullptr) r.fail("gpu_type", "a known GPU type (or one a \"gpu_types\" entry defines), got '" + type + "'");
    for (std::size_t k = 0; k < seen.size(); ++k)
      if (seen[k] == t->name)
        r.fail("gpu_type", "a type priced once (" + path + "[" + std::to_string(k) + "] prices " + t->name + ")");
    seen.push_back(t->name);
    p.gpu_type = t->name;
    p.usd_per_gpu_hour = r.positive("usd_per_gpu_hour");
    p.date = r.string("date");
    if (!detail::is_iso_date(p.date))
      r.fail("date", "a date written YYYY-MM-DD, YYYY-MM or YYYY, got \"" + p.date + "\"");
    p.source = r.string("source");
    if (detail::trim_ascii(p.source).empty()) r.fail("source", "where the figure comes from (provider, offer, URL)");
    r.finish();
    out.add(std::move(p));
  }
  return out;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const gpu_price& p) {
  return Json{
      {"gpu_type", p.gpu_type}, {"usd_per_gpu_hour", p.usd_per_gpu_hour}, {"date", p.date}, {"source", p.source}};
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json price_list_json(const price_table& t) {
  Json arr = Json::array();
  for (const auto& p : t.entries()) arr.push_back(to_json<Json>(p));
  return arr;
}

/// A {"kind": "prices", "currency": "USD", "prices": [...]} document.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] price_table parse_prices(const Json& doc, const std::string& origin,
                                       const hardware_catalog& catalog = builtin_catalog()) {
  basic_json_reader<Json> r(doc, origin, "");
  expect_kind<Json>(r, file_kind::prices);
  const std::string currency = r.string("currency");
  if (currency != "USD") r.fail("currency", "\"USD\" (the only currency prices are kept in), got \"" + currency + "\"");
  price_table t = parse_price_list<Json>(r.array("prices"), origin, "prices", catalog);
  r.finish();
  return t;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] price_table load_prices_file(const std::string& path,
                                           const hardware_catalog& catalog = builtin_catalog()) {
  return parse_prices<Json>(load_json_file<Json>(path), path, catalog);
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json prices_to_json(const price_table& t) {
  return Json{{"kind", "prices"}, {"currency", "USD"}, {"prices", price_list_json<Json>(t)}};
}

}  // namespace cellsched::io
