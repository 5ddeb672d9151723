// Scratch buffers for large temporary arrays (scatter targets of tens of millions of
// records): uninitialised, and on Linux backed by transparent huge pages where the system
// allows them on request, so that first touching a 1 GB buffer costs a few hundred page
// faults instead of a quarter of a million.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
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

/// Memory for `bytes` bytes: blocks of 2 MiB or more are aligned to 2 MiB and asked for
/// transparent huge pages (so that every page of them can be a huge one: touching them
/// first costs a few faults instead of one per 4 KiB, and reading them at random no TLB
/// misses), smaller ones come from malloc. Released with free(); never null (throws).
inline void* huge_alloc(std::size_t bytes) {
  constexpr std::size_t huge = std::size_t{1} << 21;  // one transparent huge page
  void* p = nullptr;
  if (bytes >= huge) {
    if (bytes > std::numeric_limits<std::size_t>::max() - huge) throw std::bad_alloc();
    const std::size_t rounded = (bytes + huge - 1) / huge * huge;
    p = std::aligned_alloc(huge, rounded);
    if (p != nullptr) advise_huge(p, rounded);
  } else {
    p = std::malloc(std::max<std::size_t>(bytes, 1));
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

/// A standard allocator over huge_alloc(): the arrays of a Network (tens of millions of
/// elements, read at random) live on huge pages where the system gives them on request.
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: conversion by design
  T* allocate(std::size_t n) {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(huge_alloc(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const HugePageAllocator<U>&) const noexcept {
    return false;
  }
};

/// An Array equals a std::vector (or another vector) with the same elements, as vectors
/// with the same allocator do (found by argument-dependent lookup).
template <class T, class A, class = std::enable_if_t<!std::is_same<A, HugePageAllocator<T>>::value>>
bool operator==(const std::vector<T, HugePageAllocator<T>>& a, const std::vector<T, A>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}
template <class T, class A, class = std::enable_if_t<!std::is_same<A, HugePageAllocator<T>>::value>>
bool operator==(const std::vector<T, A>& a, const std::vector<T, HugePageAllocator<T>>& b) {
  return b == a;
}
template <class T, class A, class = std::enable_if_t<!std::is_same<A, HugePageAllocator<T>>::value>>
bool operator!=(const std::vector<T, HugePageAllocator<T>>& a, const std::vector<T, A>& b) {
  return !(a == b);
}
template <class T, class A, class = std::enable_if_t<!std::is_same<A, HugePageAllocator<T>>::value>>
bool operator!=(const std::vector<T, A>& a, const std::vector<T, HugePageAllocator<T>>& b) {
  return !(b == a);
}

}  // namespace detail

/// The arrays a Network and the results hold: a std::vector whose storage is on
/// transparent huge pages when it is large (see detail::huge_alloc). Use it as a vector:
/// data(), size(), indexing, iteration.
template <class T>
using Array = std::vector<T, detail::HugePageAllocator<T>>;

namespace detail {

/// An uninitialised array of n trivially copyable T (on huge pages when large).
template <class T>
ScratchBuffer<T> scratch_buffer(std::size_t n) {
  static_assert(std::is_trivially_copyable<T>::value && std::is_trivially_destructible<T>::value,
                "scratch_buffer holds plain records only");
  if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_alloc();
  return ScratchBuffer<T>(static_cast<T*>(huge_alloc(n * sizeof(T))));
}

}  // namespace detail
}  // namespace downline
