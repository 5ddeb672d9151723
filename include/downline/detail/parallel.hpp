// A minimal fork-join helper: contiguous slices of an index range, one per thread.
// Every slice writes only its own outputs, so results do not depend on the thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

namespace downline {
namespace detail {
inline std::atomic<int>& thread_setting() noexcept {
  static std::atomic<int> threads{0};
  return threads;
}
}  // namespace detail

/// Sets how many threads the parallel parts of downline use (network build, order
/// mapping). 0 restores the default: DOWNLINE_NUM_THREADS from the environment when set,
/// else every hardware thread. Results are identical whatever the setting.
inline void set_num_threads(int n) noexcept { detail::thread_setting().store(n < 0 ? 0 : n); }

/// Threads the parallel parts use (see set_num_threads).
inline int num_threads() noexcept {
  const int set = detail::thread_setting().load();
  if (set > 0) return set;
  static const int fallback = [] {
    if (const char* env = std::getenv("DOWNLINE_NUM_THREADS")) {
      const int v = std::atoi(env);
      if (v > 0) return v;
    }
    const unsigned hw = std::thread::hardware_concurrency();
    return hw ? static_cast<int>(hw) : 1;
  }();
  return fallback;
}

namespace detail {

/// Number of slices parallel_for cuts [0, n) into: one per thread, each at least `grain`.
inline std::size_t parallel_parts(std::size_t n, std::size_t grain) noexcept {
  const std::size_t t = static_cast<std::size_t>(num_threads());
  const std::size_t by_size = n / std::max<std::size_t>(grain, 1);
  return std::max<std::size_t>(1, std::min(t, by_size));
}

/// First index of slice i when [0, n) is cut into `parts` near-equal contiguous slices.
inline std::size_t slice_begin(std::size_t n, std::size_t parts, std::size_t i) noexcept {
  return n / parts * i + std::min(i, n % parts);
}

/// Calls f(part, begin, end) for `parts` (>= 1) near-equal slices of [0, n), one thread
/// each, the first on the calling thread. For callers that sized per-slice state
/// beforehand: the count cannot change under them (set_num_threads() from another thread).
/// An exception thrown by a slice is rethrown (the lowest slice's) after every thread has
/// finished.
template <class F>
void parallel_for_parts(std::size_t n, std::size_t parts, F&& f) {
  if (parts <= 1) {
    f(std::size_t{0}, std::size_t{0}, n);
    return;
  }
  std::vector<std::exception_ptr> errors(parts);
  std::vector<std::thread> threads;
  threads.reserve(parts - 1);
  auto run = [&](std::size_t i) {
    try {
      f(i, slice_begin(n, parts, i), slice_begin(n, parts, i + 1));
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  std::size_t started = 1;
  for (; started < parts; ++started) {
    try {
      threads.emplace_back(run, started);
    } catch (...) {  // no more threads available: run the remaining slices here
      break;
    }
  }
  for (std::size_t i = started; i < parts; ++i) run(i);
  run(0);
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

/// Calls f(part, begin, end) for the parallel_parts(n, grain) slices of [0, n), as
/// parallel_for_parts().
template <class F>
void parallel_for(std::size_t n, std::size_t grain, F&& f) {
  parallel_for_parts(n, parallel_parts(n, grain), std::forward<F>(f));
}

/// Rows 0..n-1 carry keys in [0, key_count) (key_of(r) returns a std::uint64_t; any
/// value >= key_count means "no key"). The key range is cut into `parts` slices, one per
/// thread; thread t calls visit(t, r, key) for the rows whose key is in its slice, in row
/// order, so no key is visited by two threads. Each thread reads every row, keeping its
/// own a chunk at a time without branches (a branch per row would be mispredicted half the
/// time), and calls prefetch(key) a few rows before visiting the row with that key.
template <class KeyOf, class Prefetch, class Visit>
void for_each_by_key_slice(std::size_t n, std::uint64_t key_count, std::size_t parts, KeyOf key_of,
                           Prefetch prefetch, Visit visit) {
  parallel_for_parts(n, parts, [&](std::size_t t, std::size_t, std::size_t) {
    const std::uint64_t lo = slice_begin(key_count, parts, t);
    const std::uint64_t width = slice_begin(key_count, parts, t + 1) - lo;
    constexpr std::size_t chunk = 2048, ahead = 16;
    std::size_t rows[chunk];
    std::uint64_t keys[chunk];
    for (std::size_t base = 0; base < n; base += chunk) {
      const std::size_t stop = n - base < chunk ? n : base + chunk;
      std::size_t m = 0;
      for (std::size_t r = base; r < stop; ++r) {
        const std::uint64_t k = key_of(r);
        rows[m] = r;
        keys[m] = k;
        m += static_cast<std::size_t>(k - lo < width);  // k < lo wraps to a huge value
      }
      for (std::size_t j = 0; j < m; ++j) {
        if (j + ahead < m) prefetch(keys[j + ahead]);
        visit(t, rows[j], keys[j]);
      }
    }
  });
}

}  // namespace detail
}  // namespace downline
