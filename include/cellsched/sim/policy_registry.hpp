#pragma once
// Policies by name. default_policy_registry() lists every policy the simulator and the command line
// offer; adding one is one line there: add<its_type>(name, summary, re-tuning costs).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cellsched/schedule/policy.hpp"
#include "cellsched/sim/any_policy.hpp"

namespace cellsched::sim {

using cellsched::guided_tuning_costs;  // schedule/policy.hpp
using cellsched::unguided_tuning_costs;

template <class Oracle>
struct policy_entry {
  std::string name;
  std::string summary;
  cost_options costs;  ///< what the simulator charges for (re)placing a job
  bool available = true;
  std::string unavailable_reason;            ///< e.g. "built without COIN-OR CBC"
  std::function<any_policy<Oracle>()> make;  ///< a fresh policy object (policies keep state across rounds)
};

template <class Oracle>
class policy_registry {
 public:
  /// Registers a default-constructible policy type.
  template <class P>
  policy_registry& add(std::string name, std::string summary, cost_options costs) {
    return add_factory(std::move(name), std::move(summary), costs, [] { return any_policy<Oracle>(P{}); });
  }
  /// Registers a policy made by a factory (for policies with options).
  policy_registry& add_factory(std::string name, std::string summary, cost_options costs,
                               std::function<any_policy<Oracle>()> make) {
    entries_.push_back({std::move(name), std::move(summary), costs, true, {}, std::move(make)});
    return *this;
  }
  /// Lists a policy that this build cannot run, with the reason.
  policy_registry& add_unavailable(std::string name, std::string summary, std::string reason) {
    entries_.push_back({std::move(name), std::move(summary), {}, false, std::move(reason), {}});
    return *this;
  }

  [[nodiscard]] const policy_entry<Oracle>* find(const std::string& name) const {
    for (const auto& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }
  [[nodiscard]] const std::vector<policy_entry<Oracle>>& entries() const noexcept { return entries_; }
  [[nodiscard]] std::vector<std::string> available_names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_)
      if (e.available) out.push_back(e.name);
    return out;
  }

 private:
  std::vector<policy_entry<Oracle>> entries_;
};

}  // namespace cellsched::sim
