#pragma once
// `reference_perf_table`: a `perf_oracle` read from the reference artifact's profile database
// (data/perf/arena-profile-db.json; Arena/Crius artifact, GitHub sjtu-epcc/arena, branch ae-eurosys,
// Apache-2.0). Lookups follow the reference simulator's rules exactly (docs/reference-simulator.md §2):
//   1. the exact (config, device) key;
//   2. else the same GPU count at its best layout, throughput x 0.9^k, k = log2(best per-node / per-node);
//   3. else the same device key with the next larger model sizes of the family, throughput x 1.8^j;
//   4. else, or when the time is not in (0, 300] s, infeasible.
// Throughput = round(batch / time, 3) (then scaled); the iteration time used is round(batch / thr, 3).
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cellsched/detail/reference_arith.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/cell/job.hpp"
#include "cellsched/cell/perf_oracle.hpp"

namespace cellsched {

/// A model family and its sizes from smallest to largest, as the reference lists them
/// (supported_model_cfgs in the artifact's resources/hardware_specs.py; docs/reference-simulator.md).
struct reference_model_family {
  std::string name;
  std::vector<std::string> sizes;
};

[[nodiscard]] inline const std::vector<reference_model_family>& reference_model_families() {
  static const std::vector<reference_model_family> families = {
      {"wide_resnet", {"500M", "1B", "2B", "4B", "6.8B", "13B"}},
      {"bert", {"760M", "1.3B", "2.6B", "6.7B", "15B", "39B"}},
      {"moe", {"690M", "1.3B", "2.4B", "10B", "27B", "70B"}},
  };
  return families;
}

/// Constants of the lookup rules, with the reference simulator's values.
struct reference_table_options {
  double locality_scale = 0.9;     ///< LOCALITY_SCALE_FACTOR, per halving of GPUs per node
  double size_scale = 1.8;         ///< PARAM_NUM_SCALE_FACTOR, per model-size step
  double max_iter_time_s = 300.0;  ///< one scheduling round; longer iterations are infeasible
  double dp_mem_margin = 1.2;      ///< DP memory rule: infeasible if margin * m > fraction * GPU memory
  double dp_mem_fraction = 0.8;    ///< XLA pre-allocation fraction
  int throughput_decimals = 3;     ///< PREC
  /// GPUs per node of each type for rule 2 until bind_cluster() says otherwise: the reference cluster's
  /// (the artifact's node_capacity_gpus_per_node; data/clusters/arena-1280.json has the same nodes).
  std::vector<std::pair<std::string, int>> gpus_per_node = {{"a100", 4}, {"v100", 16}, {"a40", 2}, {"a10", 2}};
};

class reference_perf_table {
 public:
  reference_perf_table() = default;

  /// An empty table; GPU names are resolved through `catalog` (canonical name or alias). Node capacities
  /// start from opts.gpus_per_node; bind_cluster() overrides them. io::load_reference_table() fills a
  /// table from the artifact's profile database (io/reference_table_json.hpp).
  explicit reference_perf_table(const hardware_catalog& catalog, reference_table_options opts = {})
      : opts_(std::move(opts)), catalog_(catalog) {
    for (const auto& [name, cap] : opts_.gpus_per_node)
      if (const gpu_type* g = catalog_.find(name)) node_cap_[g->name] = cap;
    for (const auto& g : catalog_.types()) mem_gb_[g.name] = g.mem_gb;
  }

  /// "<family>_<size>_<global batch>", the reference's configuration key.
  [[nodiscard]] static std::string config_key(const std::string& family, const std::string& size, std::int64_t batch) {
    return family + "_" + size + "_" + std::to_string(batch);
  }

  /// Lists a configuration (possibly with no entries yet).
  void add_config(const std::string& config_name) { (void)configs_[config_name]; }
  /// The measured optimal iteration time of `config` on `nodes` x `per_node` GPUs of `gpu_type` (a name
  /// the catalog resolves); -1 = no feasible plan. Replaces an earlier entry for the same key.
  void set_iter_time(const std::string& config_name, const std::string& gpu_name, int nodes, int per_node,
                     double time_s) {
    const gpu_type* g = catalog_.find(gpu_name);
    const int type = intern_type(g ? g->name : gpu_name);
    auto& times = configs_[config_name].times;
    times.insert_or_assign(device_key{type, nodes, per_node}, time_s);
    ++num_entries_;  // counts entries as listed, as the loader always did
  }
  /// Per-GPU memory of plain data parallelism in GB on 1, 2, 4, ... GPUs (-1 = does not fit, 0 = unknown).
  void set_dp_mem_gb(const std::string& config_name, std::vector<double> gb) {
    configs_[config_name].dp_mem_gb = std::move(gb);
  }

  /// GPUs per node of a type, used for the "best layout" of rule 2.
  void set_node_capacity(const std::string& gpu_type, int gpus_per_node) { node_cap_[gpu_type] = gpus_per_node; }
  /// Takes node capacities (and GPU memory) from a cluster: the largest node of each type.
  void bind_cluster(const cluster& c) {
    for (const auto& t : c.gpu_types_present()) {
      node_cap_[t] = c.max_gpus_per_node(t);
      if (const gpu_type* g = c.catalog().find(t)) mem_gb_[t] = g->mem_gb;
    }
  }

  [[nodiscard]] std::size_t num_configs() const noexcept { return configs_.size(); }
  [[nodiscard]] std::size_t num_entries() const noexcept { return num_entries_; }
  [[nodiscard]] const reference_table_options& options() const noexcept { return opts_; }

  /// True when the table has a GPU type of this name (canonical or alias).
  [[nodiscard]] bool covers_type(const std::string& gpu_type) const { return type_index(gpu_type) >= 0; }

  /// True when the table has entries for the job's model at its global batch: the model itself or, as
  /// lookup rule 3 allows, a larger size of its family.
  [[nodiscard]] bool covers_model(const job& j) const {
    const auto sep = j.model.find("__");
    if (sep == std::string::npos) return false;
    const std::string family = j.model.substr(0, sep);
    const std::string size = j.model.substr(sep + 2);
    if (configs_.count(config_key(family, size, j.global_batch))) return true;
    const std::vector<std::string>* sizes = family_sizes(family);
    if (!sizes) return false;
    bool larger = false;
    for (const auto& sz : *sizes) {
      if (larger && configs_.count(config_key(family, sz, j.global_batch))) return true;
      larger = larger || sz == size;
    }
    return false;
  }

  /// The oracle query: `j.model` is "<family>__<size>", `gpu_type` a canonical name of the catalog
  /// the table was loaded with, `layout` a uniform list of GPUs per node.
  [[nodiscard]] perf_answer query(const job& j, const std::string& gpu_type, const node_layout& layout) const {
    perf_answer a;
    const auto sep = j.model.find("__");
    if (sep == std::string::npos) return infeasible(a, "model '" + j.model + "' is not <family>__<size>");
    const std::string family = j.model.substr(0, sep);
    const std::string size = j.model.substr(sep + 2);
    if (layout.empty() || layout[0] <= 0) return infeasible(a, "empty layout");
    for (int g : layout)
      if (g != layout[0]) return infeasible(a, "non-uniform layout");
    const int type = type_index(gpu_type);
    if (type < 0) return infeasible(a, "GPU type '" + gpu_type + "' is not in the table");
    const int nodes = static_cast<int>(layout.size());
    const int per_node = layout[0];
    const int num_gpus = nodes * per_node;
    const std::string ckey = config_key(family, size, j.global_batch);
    a.dp_memory_ok = dp_memory_ok(ckey, types_[static_cast<std::size_t>(type)], num_gpus);

    const device_key exact{type, nodes, per_node};
    const double* time = find_time(ckey, exact);
    int locality_steps = 0;
    int size_steps = 0;
    if (!time) {
      const int cap = capacity(types_[static_cast<std::size_t>(type)]);
      if (cap <= 0 || per_node > cap) return infeasible(a, "layout exceeds the node capacity");
      const device_key best = num_gpus <= cap ? device_key{type, 1, num_gpus} : device_key{type, num_gpus / cap, cap};
      time = find_time(ckey, best);
      if (time) {
        locality_steps = floor_log2(best.per_node / per_node);
      } else {
        const std::vector<std::string>* sizes = family_sizes(family);
        if (sizes) {
          std::size_t idx = 0;
          while (idx < sizes->size() && (*sizes)[idx] != size) ++idx;
          for (std::size_t k = idx + 1; k < sizes->size() && idx < sizes->size(); ++k) {
            time = find_time(config_key(family, (*sizes)[k], j.global_batch), exact);
            if (time) {
              size_steps = static_cast<int>(k - idx);
              break;
            }
          }
        }
      }
    }
    if (!time) return infeasible(a, "no entry for " + ckey + " on this allocation");
    // The reference accepts any non-zero time up to one round; -1 (no plan) then gives a negative
    // throughput and is rejected below, exactly as there.
    if (*time == 0.0 || !(*time <= opts_.max_iter_time_s)) return infeasible(a, "iteration time outside (0, round]");
    const double batch = static_cast<double>(j.global_batch);
    double thr = detail::round_decimal(batch / *time, opts_.throughput_decimals);
    if (locality_steps != 0 || size_steps != 0) a.dp_samples_per_s = thr;
    if (locality_steps != 0) thr *= std::pow(opts_.locality_scale, static_cast<double>(locality_steps));
    if (size_steps != 0) thr *= std::pow(opts_.size_scale, static_cast<double>(size_steps));
    if (!(thr > 0)) return infeasible(a, "no feasible plan (out of memory)");
    a.feasible = true;
    a.samples_per_s = thr;
    a.iter_time_s = detail::round_decimal(batch / thr, opts_.throughput_decimals);
    return a;
  }

 private:
  struct device_key {
    int type = 0;
    int nodes = 0;
    int per_node = 0;
    friend bool operator<(const device_key& a, const device_key& b) {
      return std::tie(a.type, a.nodes, a.per_node) < std::tie(b.type, b.nodes, b.per_node);
    }
  };
  struct config {
    std::map<device_key, double> times;
    std::vector<double> dp_mem_gb;  ///< index i = 2^i GPUs; empty = not listed
  };

  static perf_answer& infeasible(perf_answer& a, std::string why) {
    a.feasible = false;
    a.reason = std::move(why);
    return a;
  }
  static int floor_log2(int v) {
    int k = 0;
    while (v > 1) {
      v /= 2;
      ++k;
    }
    return k;
  }
  static const std::vector<std::string>* family_sizes(const std::string& family) {
    for (const auto& f : reference_model_families())
      if (f.name == family) return &f.sizes;
    return nullptr;
  }

  int intern_type(const std::string& canonical) {
    for (std::size_t i = 0; i < types_.size(); ++i)
      if (types_[i] == canonical) return static_cast<int>(i);
    types_.push_back(canonical);
    return static_cast<int>(types_.size() - 1);
  }
  [[nodiscard]] int type_index(const std::string& name) const {
    for (std::size_t i = 0; i < types_.size(); ++i)
      if (types_[i] == name) return static_cast<int>(i);
    const gpu_type* g = catalog_.find(name);
    if (!g) return -1;
    for (std::size_t i = 0; i < types_.size(); ++i)
      if (types_[i] == g->name) return static_cast<int>(i);
    return -1;
  }
  [[nodiscard]] int capacity(const std::string& canonical) const {
    auto it = node_cap_.find(canonical);
    return it == node_cap_.end() ? 0 : it->second;
  }
  [[nodiscard]] const double* find_time(const std::string& ckey, const device_key& d) const {
    auto c = configs_.find(ckey);
    if (c == configs_.end()) return nullptr;
    auto t = c->second.times.find(d);
    return t == c->second.times.end() ? nullptr : &t->second;
  }
  /// Reference DP out-of-memory rule (docs/reference-simulator.md §2): infeasible if m = -1 or margin*m >
  /// fraction*memory; a configuration without DP memory data does not fit; m = 0 means unknown and passes.
  [[nodiscard]] bool dp_memory_ok(const std::string& ckey, const std::string& canonical, int num_gpus) const {
    auto c = configs_.find(ckey);
    if (c == configs_.end() || c->second.dp_mem_gb.empty()) return false;
    if (num_gpus <= 0 || (num_gpus & (num_gpus - 1)) != 0) return false;
    const auto idx = static_cast<std::size_t>(floor_log2(num_gpus));
    if (idx >= c->second.dp_mem_gb.size()) return false;
    const double m = c->second.dp_mem_gb[idx];
    auto mem = mem_gb_.find(canonical);
    const double gpu_mem = mem == mem_gb_.end() ? 0.0 : mem->second;
    return !(m != 0.0 && (m == -1.0 || m * opts_.dp_mem_margin > gpu_mem * opts_.dp_mem_fraction));
  }

  reference_table_options opts_;
  hardware_catalog catalog_;  ///< resolves aliases in queries
  std::unordered_map<std::string, config> configs_;
  std::vector<std::string> types_;        ///< canonical GPU type names in the table
  std::map<std::string, int> node_cap_;   ///< canonical type -> GPUs per node
  std::map<std::string, double> mem_gb_;  ///< canonical type -> GPU memory, GB
  std::size_t num_entries_ = 0;
};

static_assert(perf_oracle<reference_perf_table>);

}  // namespace cellsched
