#pragma once
// The contract every libFuzzer target checks: for any input bytes a parser returns a value or throws
// cellsched::input_error; anything else (another exception, a crash, a sanitizer report) is a bug.
// Round trips (parse -> write -> parse) run outside that allowance: there every exception is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>

#include "cellsched/cell/perf_oracle.hpp"
#include "cellsched/error.hpp"

namespace cellsched::fuzz {

/// A performance oracle for targets that need one and test no figures: every job runs everywhere at 1 s
/// per iteration.
struct unit_oracle {
  [[nodiscard]] perf_answer query(const job&, const std::string&, const node_layout&) const {
    perf_answer a;
    a.feasible = true;
    a.iter_time_s = 1.0;
    return a;
  }
};

/// Stops the run with a message libFuzzer shows beside the crashing input.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "\n*** fuzz contract broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

[[nodiscard]] inline std::string as_text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// The parser's value, or nullopt when it threw the allowed exception `Allowed` (input_error unless
/// told otherwise). Any other exception aborts.
template <class Allowed = input_error, class Fn>
[[nodiscard]] auto value_or_rejected(Fn&& parse) -> std::optional<decltype(parse())> {
  try {
    return std::forward<Fn>(parse)();
  } catch (const Allowed&) {
    return std::nullopt;
  } catch (const std::exception& e) {
    fail(std::string("unexpected exception ") + typeid(e).name() + ": " + e.what());
  } catch (...) {
    fail("unexpected exception that is not a std::exception");
  }
}

/// Runs a check that must not throw at all (round trips of accepted values).
template <class Fn>
void must_not_throw(const char* what, Fn&& check) {
  try {
    std::forward<Fn>(check)();
  } catch (const std::exception& e) {
    fail(std::string(what) + ": exception " + typeid(e).name() + ": " + e.what());
  } catch (...) {
    fail(std::string(what) + ": exception that is not a std::exception");
  }
}

}  // namespace cellsched::fuzz
