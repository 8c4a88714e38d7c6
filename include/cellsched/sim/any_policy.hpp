#pragma once
// A type-erased policy: holds any type modelling `policy<P, Oracle>` behind one value type, so a list
// of differently typed policies can be chosen by name at run time (see policy_registry.hpp).
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "cellsched/schedule/policy.hpp"

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

 private:
  struct concept_base {
    virtual ~concept_base() = default;
    virtual decision decide(const snapshot<Oracle>& s) = 0;
    [[nodiscard]] virtual std::string name() const = 0;
  };
  template <class P>
  struct model final : concept_base {
    explicit model(P p) : impl(std::move(p)) {}
    decision decide(const snapshot<Oracle>& s) override { return impl.decide(s); }
    [[nodiscard]] std::string name() const override { return std::string(impl.name()); }
    P impl;
  };
  std::unique_ptr<concept_base> self_;
};

}  // namespace cellsched::sim
