// How many threads the parallel steps of downline use: one setting for the process.
#pragma once

#include <atomic>
#include <cstdlib>
#include <thread>

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

}  // namespace downline
