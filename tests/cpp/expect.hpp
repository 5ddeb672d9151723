// Test helper: the InputError a call throws, its kind and message checked.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "downline/error.hpp"

namespace downline::testing {

// Expects `f` to throw InputError of `kind` whose message contains every needle; returns it.
template <class F>
InputError expect_error(F f, ErrorKind kind, const std::vector<std::string>& needles) {
  try {
    f();
  } catch (const InputError& e) {
    CHECK(e.kind() == kind);
    for (const auto& s : needles)
      CHECK_MESSAGE(std::string(e.what()).find(s) != std::string::npos, std::string(e.what()));
    return e;
  }
  FAIL("no exception");
  return InputError(kind, "");
}

}  // namespace downline::testing
