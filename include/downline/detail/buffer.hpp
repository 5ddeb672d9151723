// Scratch buffers for large temporary arrays (scatter targets of tens of millions of
// records): uninitialised, and on Linux backed by transparent huge pages where the system
// allows them on request, so that first touching a 1 GB buffer costs a few hundred page
// faults instead of a quarter of a million.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace downline {
namespace detail {

struct FreeDelete {
  void operator()(void* p) const noexcept { std::free(p); }
};

/// An uninitialised array of n trivially copyable T, released with free().
template <class T>
using ScratchBuffer = std::unique_ptr<T[], FreeDelete>;

/// Asks for transparent huge pages for the 2 MiB pages that lie wholly inside
/// [p, p + bytes) (a hint: without them the memory is used as it is). Call it before the
/// memory is first touched.
inline void advise_huge(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge = std::uintptr_t{1} << 21;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = (a + huge - 1) / huge * huge, hi = (a + bytes) / huge * huge;
  if (hi > lo) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

/// A vector of n copies of `value` whose storage (fresh, as large allocations are) is
/// asked for huge pages before it is filled: for the arrays of tens of millions of
/// elements that are then read or written at random, it saves most page faults and TLB
/// misses.
template <class T>
std::vector<T> huge_vector(std::size_t n, const T& value = T()) {
  std::vector<T> v;
  v.reserve(n);
  advise_huge(v.data(), n * sizeof(T));
  v.assign(n, value);
  return v;
}

template <class T>
ScratchBuffer<T> scratch_buffer(std::size_t n) {
  static_assert(std::is_trivially_copyable<T>::value && std::is_trivially_destructible<T>::value,
                "scratch_buffer holds plain records only");
  constexpr std::size_t huge = std::size_t{1} << 21;  // one transparent huge page
  const std::size_t bytes = std::max<std::size_t>(n, 1) * sizeof(T);
  void* p = nullptr;
  if (bytes >= 2 * huge) {
    const std::size_t rounded = (bytes + huge - 1) / huge * huge;
    p = std::aligned_alloc(huge, rounded);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p != nullptr) (void)madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure is harmless
#endif
  } else {
    p = std::malloc(bytes);
  }
  if (p == nullptr) throw std::bad_alloc();
  return ScratchBuffer<T>(static_cast<T*>(p));
}

}  // namespace detail
}  // namespace downline
