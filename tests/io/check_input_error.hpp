#pragma once
// Shared by the io tests: run a loader on bad input and check the input_error names the file, the exact
// field path and what was expected.
#include <catch2/catch.hpp>

#include <string>

#include <cellsched/error.hpp>

namespace cellsched::test {

template <class Load>
void check_input_error(Load&& load, const std::string& file, const std::string& field, const std::string& expected) {
  try {
    load();
    FAIL("no input_error thrown");
  } catch (const input_error& e) {
    INFO(e.what());
    CHECK(e.file() == file);
    CHECK(e.field() == field);
    CHECK_THAT(e.what(), Catch::Contains(expected));
  }
}

}  // namespace cellsched::test
