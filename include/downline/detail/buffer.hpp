// Scratch buffers for large temporary arrays (scatter targets of tens of millions of
// records): uninitialised, and on Linux backed by transparent huge pages where the system
// allows them on request, so that first touching a 1 GB buffer costs a few hundred page
// faults instead of a quarter of a million.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

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
