#pragma once
// A type-erased policy: holds any type modelling `policy<P, Oracle>` behind one value type, so a list
// of differently typed policies can be chosen by name at run time (see policy_registry.hpp).
// It models restartable_policy: a policy with restart hooks saves and loads its own state; a policy
// without them is assumed to keep nothing between calls, saves null and restarts as a copy of itself
// as it was constructed (tests/sim/fault_injection_test.cpp checks that assumption for every registered policy).
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "cellsched/hardware/cluster.hpp"
#include "cellsched/schedule/policy.hpp"
#include "cellsched/schedule/policy_state.hpp"

namespace cellsched::sim {

template <class Oracle>
class any_policy {
 public:
  any_policy() = default;
  template <class P>
  requires(!std::is_same_v<std::decay_t<P>, any_policy> && policy<std::decay_t<P>, Oracle>) explicit any_policy(P&& p)
      : self_(std::make_unique<model<std::decay_t<P>>>(std::forward<P>(p))) {}

  [[nodiscard]] decision decide(const snapshot<Oracle>& s) { return self_->decide(s); }
  [[nodiscard]] std::string name() const { return self_ ? self_->name() : std::string(); }
  [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(self_); }
  /// What the policy carries between calls (null for a policy without restart hooks).
  [[nodiscard]] nlohmann::json save_state() const { return self_ ? self_->save_state() : nlohmann::json(); }
  /// Replaces the policy's carried state with a saved one; throws policy_state_error when it cannot.
  void load_state(const nlohmann::json& j, const cluster& c) {
    if (self_) self_->load_state(j, c);
  }

 private:
  struct concept_base {
    virtual ~concept_base() = default;
    virtual decision decide(const snapshot<Oracle>& s) = 0;
    [[nodiscard]] virtual std::string name() const = 0;
    [[nodiscard]] virtual nlohmann::json save_state() const = 0;
    virtual void load_state(const nlohmann::json& j, const cluster& c) = 0;
  };
  template <class P>
  struct model final : concept_base {
    explicit model(P p) : impl(std::move(p)) {
      if constexpr (!restartable_policy<P> && std::is_copy_constructible_v<P>) as_constructed.emplace(*impl);
    }
    decision decide(const snapshot<Oracle>& s) override { return impl->decide(s); }
    [[nodiscard]] std::string name() const override { return std::string(impl->name()); }
    [[nodiscard]] nlohmann::json save_state() const override {
      if constexpr (restartable_policy<P>)
        return impl->save_state();
      else
        return nlohmann::json();
    }
    void load_state(const nlohmann::json& j, [[maybe_unused]] const cluster& c) override {
      if constexpr (restartable_policy<P>) {
        impl->load_state(j, c);
      } else if constexpr (std::is_copy_constructible_v<P>) {
        if (!j.is_null()) throw policy_state_error(name() + ": a saved state given to a policy that keeps none");
        impl.emplace(*as_constructed);
      } else {
        throw policy_state_error(name() + ": cannot restart (no restart hooks and not copyable)");
      }
    }
    std::optional<P> impl;
    std::optional<P> as_constructed;  ///< kept only for policies without restart hooks
  };
  std::unique_ptr<concept_base> self_;
};

}  // namespace cellsched::sim
