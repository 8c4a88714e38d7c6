#pragma once
// A cluster: nodes, each with one GPU type and a GPU count; global GPU ids are contiguous per node.
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/hardware/catalog.hpp"
#include "cellsched/hardware/prices.hpp"

namespace cellsched {

using gpu_id = int;
using node_id = int;

struct node {
  node_id id = 0;
  std::string gpu_type;              ///< canonical name in the cluster's catalog
  int num_gpus = 0;
  double intra_link_gb_per_s = 0.0;  ///< per-GPU bandwidth inside the node, GB/s
  double inter_node_gb_per_s = 0.0;  ///< network bandwidth of the node, GB/s
  gpu_id first_gpu = 0;              ///< GPUs of this node are [first_gpu, first_gpu + num_gpus)
};

class cluster {
 public:
  cluster() = default;
  cluster(std::string name, hardware_catalog catalog) : name_(std::move(name)), catalog_(std::move(catalog)) {}

  /// Appends `count` nodes of a type already in the catalog. Link figures <= 0 take the type's defaults.
  void add_nodes(const std::string& type_name, int count, int gpus_per_node, double intra_link_gb_per_s = 0.0,
                 double inter_node_gb_per_s = 0.0) {
    const gpu_type* t = catalog_.find(type_name);
    const std::string canonical = t ? t->name : lower_ascii(type_name);
    for (int i = 0; i < count; ++i) {
      node n;
      n.id = static_cast<node_id>(nodes_.size());
      n.gpu_type = canonical;
      n.num_gpus = gpus_per_node;
      n.intra_link_gb_per_s = intra_link_gb_per_s > 0 ? intra_link_gb_per_s : (t ? t->intra_link_gb_per_s : 0.0);
      n.inter_node_gb_per_s = inter_node_gb_per_s > 0 ? inter_node_gb_per_s : (t ? t->inter_node_gb_per_s : 0.0);
      n.first_gpu = total_gpus_;
      total_gpus_ += gpus_per_node;
      nodes_.push_back(std::move(n));
    }
  }

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const hardware_catalog& catalog() const noexcept { return catalog_; }
  [[nodiscard]] const std::vector<node>& nodes() const noexcept { return nodes_; }
  [[nodiscard]] const node& node_at(node_id id) const { return nodes_.at(static_cast<std::size_t>(id)); }
  [[nodiscard]] int total_gpus() const noexcept { return total_gpus_; }

  /// The node that holds a global GPU id.
  [[nodiscard]] node_id node_of(gpu_id g) const {
    // Nodes are sorted by first_gpu: binary search.
    std::size_t lo = 0, hi = nodes_.size();
    while (hi - lo > 1) {
      const std::size_t mid = (lo + hi) / 2;
      if (nodes_[mid].first_gpu <= g) lo = mid; else hi = mid;
    }
    return nodes_.at(lo).id;
  }
  [[nodiscard]] bool same_node(gpu_id a, gpu_id b) const { return node_of(a) == node_of(b); }

  /// GPU type names present, in first-appearance order.
  [[nodiscard]] std::vector<std::string> gpu_types_present() const {
    std::vector<std::string> out;
    for (const auto& n : nodes_) {
      bool seen = false;
      for (const auto& s : out) seen = seen || s == n.gpu_type;
      if (!seen) out.push_back(n.gpu_type);
    }
    return out;
  }
  [[nodiscard]] int total_gpus_of(const std::string& type_name) const {
    int sum = 0;
    for (const auto& n : nodes_) sum += n.gpu_type == type_name ? n.num_gpus : 0;
    return sum;
  }
  /// Largest GPU count of any node of a type (0 if the type is absent).
  [[nodiscard]] int max_gpus_per_node(const std::string& type_name) const {
    int m = 0;
    for (const auto& n : nodes_) if (n.gpu_type == type_name && n.num_gpus > m) m = n.num_gpus;
    return m;
  }
  [[nodiscard]] const gpu_type& type_of(const node& n) const { return *catalog_.find(n.gpu_type); }

  /// The cluster's own GPU-hour prices (a cluster file's "prices"); they override a price file's.
  [[nodiscard]] const price_table& prices() const noexcept { return prices_; }
  void set_prices(price_table p) { prices_ = std::move(p); }

 private:
  std::string name_;
  hardware_catalog catalog_;
  std::vector<node> nodes_;
  int total_gpus_ = 0;
  price_table prices_;
};

}  // namespace cellsched
