// Scratch buffers for large temporary arrays (scatter targets of tens of millions of
// records): uninitialised, in memory from huge_alloc() (huge pages where the system gives
// them).
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <type_traits>

#include "../array.hpp"
#include "huge_pages.hpp"
#include "parallel.hpp"

namespace downline {
namespace detail {

/// Releases memory from huge_alloc().
struct FreeDelete {
  void operator()(void* p) const noexcept { huge_free(p); }
};

/// An uninitialised array of n trivially copyable T, released with huge_free().
template <class T>
using ScratchBuffer = std::unique_ptr<T[], FreeDelete>;

/// An uninitialised array of n trivially copyable T (on huge pages when large).
template <class T>
ScratchBuffer<T> scratch_buffer(std::size_t n) {
  static_assert(std::is_trivially_copyable<T>::value && std::is_trivially_destructible<T>::value,
                "scratch_buffer holds plain records only");
  if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_alloc();
  return ScratchBuffer<T>(static_cast<T*>(huge_alloc(n * sizeof(T))));
}

/// A scratch_buffer() of n T filled with `value` in parallel.
template <class T>
ScratchBuffer<T> filled_buffer(std::size_t n, T value) {
  ScratchBuffer<T> a = scratch_buffer<T>(n);
  parallel_for(n, std::size_t{1} << 18, [&](std::size_t, std::size_t b, std::size_t e) {
    std::fill(a.get() + b, a.get() + e, value);
  });
  return a;
}

}  // namespace detail
}  // namespace downline
