// How many threads the parallel steps of downline use: one setting for the process.
//
// The default is DOWNLINE_NUM_THREADS from the environment when it holds a whole number
// from 1 to max_threads (plain digits), else every hardware thread (at most max_threads).
// Any other value (a sign, spaces, letters, a number out of range) is ignored with a
// one-line warning on stderr, printed once: the variable is read at the first parallel
// step, inside whatever call comes first, where an error would fail that unrelated call.
// Empty or 0 means unset.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "error.hpp"

namespace downline {

/// The most threads set_num_threads() and DOWNLINE_NUM_THREADS take.
inline constexpr int max_threads = 1024;

namespace detail {
inline std::atomic<int>& thread_setting() noexcept {
  static std::atomic<int> threads{0};
  return threads;
}

/// The thread count a DOWNLINE_NUM_THREADS value asks for: 1..max_threads, 0 for none
/// (unset, empty or "0"), -1 for a value that is not plain digits from 0 to max_threads.
inline int parse_thread_count(const char* s) noexcept {
  if (s == nullptr) return 0;
  int v = 0;
  for (const char* c = s; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') return -1;
    v = v * 10 + (*c - '0');
    if (v > max_threads) return -1;
  }
  return v;
}

/// The default thread count (see the top of this file).
inline int default_threads() noexcept {
  static const int fallback = [] {
    const char* env = std::getenv("DOWNLINE_NUM_THREADS");
    const int asked = parse_thread_count(env);
    if (asked > 0) return asked;
    if (asked < 0)
      std::fprintf(stderr,
                   "downline: DOWNLINE_NUM_THREADS=\"%s\" ignored: expected a whole number from 0 "
                   "to %d; using every hardware thread\n",
                   env, max_threads);
    const unsigned hw = std::thread::hardware_concurrency();  // 0: unknown
    return static_cast<int>(std::min(std::max(hw, 1u), static_cast<unsigned>(max_threads)));
  }();
  return fallback;
}
}  // namespace detail

/// Sets how many threads the parallel parts of downline use (network build, order
/// mapping), from 1 to max_threads; 0 restores the default (DOWNLINE_NUM_THREADS, else
/// every hardware thread). InputError for other values. Results are identical whatever
/// the setting, and a call already running keeps the count it started with.
inline void set_num_threads(int n) {
  if (n < 0 || n > max_threads) throw errors::out_of_range("set_num_threads", n, 0, max_threads);
  detail::thread_setting().store(n);
}

/// Threads the parallel parts use (see set_num_threads).
inline int num_threads() noexcept {
  const int set = detail::thread_setting().load();
  return set > 0 ? set : detail::default_threads();
}

}  // namespace downline
