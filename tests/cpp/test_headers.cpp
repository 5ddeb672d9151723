// The umbrella header leaves no internal macro behind, and the public headers that hold
// Array and the thread setting are usable on their own (each also compiled alone: see
// CMakeLists.txt).
#include <doctest/doctest.h>

#include <type_traits>
#include <vector>

#include "downline/downline.hpp"

#if defined(DOWNLINE_X86_DISPATCH) || defined(DOWNLINE_ALWAYS_INLINE) || \
    defined(DOWNLINE_NOINLINE) || defined(DOWNLINE_UNROLL)
#error "downline.hpp leaves an internal macro defined"
#endif
#if !defined(DOWNLINE_MAP_BLOCKS)
#error "DOWNLINE_MAP_BLOCKS is a setting the user can read: it stays defined"
#endif

TEST_CASE("Array is a vector on huge-page memory that equals a plain vector") {
  static_assert(std::is_same<downline::Array<int>::value_type, int>::value, "");
  downline::Array<int> a{1, 2, 3};
  const std::vector<int> v{1, 2, 3};
  CHECK(a == v);
  CHECK(v == a);
  a[1] = 5;
  CHECK(a != v);
}
