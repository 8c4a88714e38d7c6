#pragma once
// The energy and cost options `simulate` and `plan` share (docs/energy-cost.md): --objective,
// --prices FILE (merged under the cluster file's own "prices"), --power-budget-w W.
#include <string>
#include <utility>
#include <vector>

#include <cellsched/estimate/objective.hpp>
#include <cellsched/hardware/cluster.hpp>
#include <cellsched/hardware/power.hpp>
#include <cellsched/hardware/prices.hpp>
#include <cellsched/io/price_json.hpp>
#include <cellsched/sim/energy_meter.hpp>

#include "args.hpp"

namespace cellsched::cli {

/// --objective, or throughput.
[[nodiscard]] inline allocation_objective parse_objective(const args& a) {
  const std::string name = a.get("--objective", "throughput");
  const auto o = objective_from_name(name);
  if (!o) throw usage_error("--objective must be throughput, cost or energy, got '" + name + "'");
  return *o;
}

/// The price file of --prices (types checked against the cluster's catalog) under the cluster's own prices.
[[nodiscard]] inline price_table effective_prices(const args& a, const cluster& c) {
  price_table file;
  if (a.has("--prices")) file = io::load_prices_file(a.get("--prices"), c.catalog());
  return file.merged(c.prices());
}

/// USD per GPU-hour for each GPU type of the cluster that has a price (canonical names).
[[nodiscard]] inline std::vector<std::pair<std::string, double>> cluster_prices(const price_table& prices,
                                                                                 const cluster& c) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& type : c.gpu_types_present())
    if (const gpu_price* p = prices.find(type, c.catalog())) out.emplace_back(type, p->usd_per_gpu_hour);
  return out;
}

/// Checks that the cluster has what the objective and the budget need: board power for every type
/// (energy, budget), a price for every type (cost), a budget at least the cluster's idle power.
inline void check_energy_inputs(allocation_objective o, double budget_w,
                                const std::vector<std::pair<std::string, double>>& prices, const cluster& c) {
  for (const auto& type : c.gpu_types_present()) {
    const gpu_type& t = *c.catalog().find(type);
    if ((o == allocation_objective::energy || budget_w > 0.0) && !has_power(t))
      throw usage_error((o == allocation_objective::energy ? std::string("--objective energy") : std::string("--power-budget-w"))
                            .append(" needs the board power of every GPU type; ")
                            .append(type)
                            .append(" has no tdp_w (give it in the cluster's gpu_types)"));
    if (o == allocation_objective::cost) {
      bool priced = false;
      for (const auto& [name, usd] : prices) priced = priced || name == type;
      if (!priced)
        throw usage_error(std::string("--objective cost needs a price for every GPU type; ")
                              .append(type)
                              .append(" has none (give --prices FILE or a cluster \"prices\" entry)"));
    }
  }
  if (budget_w > 0.0) {
    const double idle = sim::cluster_idle_power_w(c);
    if (budget_w < idle)
      throw usage_error(std::string("--power-budget-w ")
                            .append(std::to_string(budget_w))
                            .append(" is below the cluster's idle power (")
                            .append(std::to_string(idle))
                            .append(" W): no round could keep it"));
  }
}

}  // namespace cellsched::cli
