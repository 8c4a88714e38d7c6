#pragma once
// Saving what a policy carries between decide() calls, so a scheduler can restart from JSON and go on
// deciding exactly as if it had never stopped (docs/fault-injection.md).
//
// A policy that keeps state models `restartable_policy`: save_state() returns that state as JSON and
// load_state(state, cluster) makes the object behave as a fresh one that had lived through the saved
// calls. A policy that keeps nothing between calls (FCFS, ElasticFlow-LS) needs neither: the
// host restarts it as a fresh copy. Caches whose answers do not change with time (memoised oracle
// answers) are not state; load_state drops them.
//
// The library's policies write both hooks as templates of the one JSON type
// (`template <std::same_as<nlohmann::json> Json>`): GCC instantiates every nlohmann::json conversion an
// inline function names, called or not, so as plain members they cost every translation unit that
// includes a policy; as templates only one that saves or restores a policy (bench/compile_times.sh).
#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cellsched/error.hpp"
#include "cellsched/hardware/cluster.hpp"

namespace cellsched {

template <class P>
concept restartable_policy = requires(P& p, const P& cp, const nlohmann::json& j, const cluster& c) {
  { cp.save_state() } -> std::same_as<nlohmann::json>;
  p.load_state(j, c);
};

/// Thrown by load_state on a document it cannot use (wrong policy, missing or mistyped field).
struct policy_state_error : error {
  using error::error;
};

namespace policy_state_detail {

/// j[key] as T, or policy_state_error naming the policy and the key.
template <class T>
[[nodiscard]] T get(const nlohmann::json& j, const char* key, const std::string& policy) {
  if (!j.is_object() || !j.contains(key))
    throw policy_state_error(policy + " state: missing field '" + std::string(key) + "'");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw policy_state_error(policy + " state: field '" + std::string(key) + "': " + e.what());
  }
}

/// Checks the "policy" tag a save_state() writes.
template <std::same_as<nlohmann::json> Json>
void expect_policy(const Json& j, const std::string& policy) {
  if (get<std::string>(j, "policy", policy) != policy)
    throw policy_state_error(policy + " state: saved by policy '" + j.at("policy").template get<std::string>() + "'");
}

}  // namespace policy_state_detail

}  // namespace cellsched
