// Array<T>: the arrays a Network and the results hold.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <new>
#include <type_traits>
#include <vector>

#include "detail/huge_pages.hpp"

namespace downline {
namespace detail {

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
  void deallocate(T* p, std::size_t) noexcept { huge_free(p); }
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

}  // namespace downline
