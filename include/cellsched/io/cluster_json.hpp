#pragma once
// Cluster files (docs/formats/cluster.md):
//   {"kind": "cluster", "name": "...", "gpu_types": [optional user types],
//    "node_groups": [{"gpu_type": "a100", "num_nodes": 80, "gpus_per_node": 4,
//                     optional "intra_link_gb_per_s", "inter_node_gb_per_s"}],
//    optional "prices": [GPU-hour prices that override a price file's, docs/formats/prices.md]}
// Node groups expand, in order, into nodes with contiguous GPU ids. Link figures a group leaves out come
// from its GPU type.
#include <concepts>
#include <cstdint>
#include <string>
#include <vector>

#include "cellsched/hardware/builtin_catalog.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/io/catalog_json.hpp"
#include "cellsched/error.hpp"
#include "cellsched/io/file_kind.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/io/price_json.hpp"

namespace cellsched::io {

/// Guards against typos; gpu_id is an int, and no real cluster comes near either bound.
inline constexpr std::int64_t max_nodes_per_group = 1'000'000;
inline constexpr std::int64_t max_cluster_gpus = 10'000'000;

namespace detail {

/// "a100-40gb, a100-80gb, ..." for error messages about unknown GPU types.
[[nodiscard]] inline std::string known_gpu_type_names(const hardware_catalog& catalog) {
  std::string out;
  for (const auto& n : catalog.names()) out.append(out.empty() ? "" : ", ").append(n);
  return out;
}

}  // namespace detail

/// A cluster document; `origin` names the file in error messages. User types in "gpu_types" are merged
/// into `base` first, so node groups may use them.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] cluster parse_cluster(const Json& doc, const std::string& origin,
                                    const hardware_catalog& base = builtin_catalog()) {
  basic_json_reader<Json> r(doc, origin, "");
  expect_kind<Json>(r, file_kind::cluster);
  const std::string name = r.string("name");
  if (name.empty()) r.fail("name", "a non-empty cluster name");
  hardware_catalog catalog = base;
  if (const Json* types = r.raw_optional("gpu_types"))
    catalog = merge_gpu_types(base, parse_gpu_type_list<Json>(*types, origin, "gpu_types"), origin, "gpu_types");

  cluster c(name, catalog);
  const Json& groups = r.array("node_groups");
  std::int64_t total_gpus = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    basic_json_reader<Json> g(groups[i], origin, r.element_path("node_groups", i));
    const std::string type_name = g.string("gpu_type");
    const gpu_type* t = catalog.find(type_name);
    if (t == nullptr)
      g.fail("gpu_type", "a known GPU type (one of: " + detail::known_gpu_type_names(catalog) +
                             "; aliases such as 'a100' or 'A100-SXM4-80GB' also work, and a \"gpu_types\" "
                             "entry defines new ones), got '" + type_name + "'");
    const auto num_nodes = g.integer("num_nodes", 1, max_nodes_per_group);
    const auto gpus_per_node = g.integer("gpus_per_node", 1, max_gpus_per_node);
    const double intra = g.positive_or("intra_link_gb_per_s", t->intra_link_gb_per_s);
    const double inter = g.positive_or("inter_node_gb_per_s", t->inter_node_gb_per_s);
    g.finish();
    total_gpus += num_nodes * gpus_per_node;
    if (total_gpus > max_cluster_gpus)
      g.fail("num_nodes", "a cluster of at most " + std::to_string(max_cluster_gpus) + " GPUs in all");
    c.add_nodes(t->name, static_cast<int>(num_nodes), static_cast<int>(gpus_per_node), intra, inter);
  }
  if (const Json* prices = r.raw_optional("prices"))
    c.set_prices(parse_price_list<Json>(*prices, origin, "prices", catalog));
  r.finish();
  return c;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] cluster load_cluster_file(const std::string& path, const hardware_catalog& base = builtin_catalog()) {
  return parse_cluster<Json>(load_json_file<Json>(path), path, base);
}

/// The document form of a cluster. Consecutive nodes that agree on type, GPU count and links become one
/// group; link figures equal to the type's defaults are left out; types `base` lacks (or that differ from
/// it) are written under "gpu_types". parse_cluster(to_json(c)) gives c back.
template <std::same_as<nlohmann::json> Json = nlohmann::json>
[[nodiscard]] Json to_json(const cluster& c, const hardware_catalog& base = builtin_catalog()) {
  Json groups = Json::array();
  const auto& nodes = c.nodes();
  for (std::size_t i = 0; i < nodes.size();) {
    const node& n = nodes[i];
    std::size_t j = i + 1;
    while (j < nodes.size() && nodes[j].gpu_type == n.gpu_type && nodes[j].num_gpus == n.num_gpus &&
           nodes[j].intra_link_gb_per_s == n.intra_link_gb_per_s &&
           nodes[j].inter_node_gb_per_s == n.inter_node_gb_per_s)
      ++j;
    Json g{{"gpu_type", n.gpu_type}, {"num_nodes", j - i}, {"gpus_per_node", n.num_gpus}};
    if (const gpu_type* t = c.catalog().find(n.gpu_type)) {
      if (n.intra_link_gb_per_s != t->intra_link_gb_per_s) g["intra_link_gb_per_s"] = n.intra_link_gb_per_s;
      if (n.inter_node_gb_per_s != t->inter_node_gb_per_s) g["inter_node_gb_per_s"] = n.inter_node_gb_per_s;
    } else {
      g["intra_link_gb_per_s"] = n.intra_link_gb_per_s;
      g["inter_node_gb_per_s"] = n.inter_node_gb_per_s;
    }
    groups.push_back(std::move(g));
    i = j;
  }
  Json doc{{"kind", "cluster"}, {"name", c.name()}, {"node_groups", std::move(groups)}};
  const auto user = user_gpu_types(c.catalog(), base);
  if (!user.empty()) {
    Json types = Json::array();
    for (const auto& t : user) types.push_back(to_json<Json>(t));
    doc["gpu_types"] = std::move(types);
  }
  if (!c.prices().empty()) doc["prices"] = price_list_json<Json>(c.prices());
  return doc;
}

template <std::same_as<nlohmann::json> Json = nlohmann::json>
void save_cluster_file(const cluster& c, const std::string& path, const hardware_catalog& base = builtin_catalog()) {
  save_json_file<Json>(to_json<Json>(c, base), path);
}

}  // namespace cellsched::io
