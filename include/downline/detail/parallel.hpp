// A minimal fork-join helper: contiguous slices of an index range, one per thread.
// Every slice writes only its own outputs, so results do not depend on the thread count.
// The slices run on worker threads that are kept between calls (see ThreadPool).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "../threads.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace downline {
namespace detail {

/// The thread count of the call running on this thread (0: no call has pinned one).
inline int& pinned_threads() noexcept {
  static thread_local int n = 0;
  return n;
}

/// Pins the thread count of one call: made first thing in a kernel, it reads the setting
/// once, and every parallel step of that call (on this thread, and inside its slices on
/// other threads) uses that count until it is destroyed, whatever set_num_threads() does
/// meanwhile: per-slice state sized in one step fits the slices of the next. Nested pins
/// keep the outermost count.
class CallThreads {
 public:
  CallThreads() noexcept : outer_(pinned_threads()) {
    if (outer_ == 0) pinned_threads() = num_threads();
  }
  /// Pins `n` (> 0) on this thread: a slice takes its caller's count.
  explicit CallThreads(int n) noexcept : outer_(pinned_threads()) { pinned_threads() = n; }
  ~CallThreads() { pinned_threads() = outer_; }
  CallThreads(const CallThreads&) = delete;
  CallThreads& operator=(const CallThreads&) = delete;

 private:
  int outer_;
};

/// The thread count of the running call (see CallThreads), else the setting.
inline int call_threads() noexcept {
  const int pinned = pinned_threads();
  return pinned > 0 ? pinned : num_threads();
}

/// Number of slices parallel_for cuts [0, n) into: one per thread of the call, each at
/// least `grain`.
inline std::size_t parallel_parts(std::size_t n, std::size_t grain) noexcept {
  const std::size_t t = static_cast<std::size_t>(call_threads());
  const std::size_t by_size = n / std::max<std::size_t>(grain, 1);
  return std::max<std::size_t>(1, std::min(t, by_size));
}

/// First index of slice i when [0, n) is cut into `parts` near-equal contiguous slices.
inline std::size_t slice_begin(std::size_t n, std::size_t parts, std::size_t i) noexcept {
  return n / parts * i + std::min(i, n % parts);
}

/// Pause inside a spin-wait loop.
inline void cpu_relax() noexcept {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_ia32_pause();
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
  asm volatile("yield");
#endif
}

/// Worker threads kept for parallel_for_parts. Starting a thread costs about 100 us
/// on a 2-core VM and waking a sleeping one about 90 us, against 2 ms for a 1,000,000
/// participant rollup and dozens of parallel steps in a network build; so a worker that
/// has finished its slice spins (with a pause instruction) for up to `spin` waiting for
/// the next one, like an OpenMP runtime, and sleeps on a condition variable after that.
/// The caller waits for its workers the same way. After a call with more parts than
/// hardware threads (set_num_threads above the core count) nobody spins: a spinning thread
/// would take the core from one with work. One caller at a time: a call made
/// while the pool is busy (from another thread, or from inside a slice) gets false from
/// try_acquire and starts threads of its own. The pool is never destroyed (its threads
/// sleep through process exit), and a child process after fork() gets a pool of its own.
class ThreadPool {
 public:
  using Task = void (*)(void* context, std::size_t part);
  static constexpr std::chrono::microseconds spin{1000};

  /// The process's pool.
  static ThreadPool& instance() {
    static std::atomic<ThreadPool*> current{nullptr};
    ThreadPool* p = current.load(std::memory_order_acquire);
    if (p && p->pid_ == process_id()) return *p;
    static std::mutex creating;
    std::lock_guard<std::mutex> lock(creating);
    p = current.load(std::memory_order_acquire);
    if (!p || p->pid_ != process_id()) {
      // after fork() the old pool's threads are gone (and its locks may be held): leave
      // it and start afresh
      p = new ThreadPool();
      current.store(p, std::memory_order_release);
    }
    return *p;
  }

  /// Takes the pool for one call; false when another call holds it.
  bool try_acquire() noexcept { return !busy_.test_and_set(std::memory_order_acquire); }
  void release() noexcept { busy_.clear(std::memory_order_release); }

  /// Hands parts 1..k of a call to k workers, k = min(parts - 1, workers it has or can
  /// start), and returns k; the caller runs part 0 and any parts above k, then calls
  /// wait(). Only while acquired.
  std::size_t post(std::size_t parts, Task task, void* context) {
    while (workers_.size() + 1 < parts) {
      try {
        workers_.push_back(std::make_unique<Worker>());
        Worker* w = workers_.back().get();
        w->thread = std::thread([this, w] { loop(*w); });
      } catch (...) {  // no more threads: the caller runs the rest
        if (!workers_.empty() && !workers_.back()->thread.joinable()) workers_.pop_back();
        break;
      }
    }
    const std::size_t k = std::min(parts - 1, workers_.size());
    parts_ = parts;
    pending_.store(k, std::memory_order_seq_cst);
    for (std::size_t i = 0; i < k; ++i) {
      Worker& w = *workers_[i];
      w.task = task;
      w.context = context;
      w.part = i + 1;
      w.parts = parts;
      w.ticket.fetch_add(1, std::memory_order_seq_cst);
    }
    if (k && sleepers_.load(std::memory_order_seq_cst) > 0) {
      { std::lock_guard<std::mutex> lock(mutex_); }
      wake_.notify_all();
    }
    return k;
  }

  /// Returns once every part handed out by post() has finished.
  void wait() {
    const auto until = std::chrono::steady_clock::now() + spin_time(parts_);
    for (unsigned i = 0; pending_.load(std::memory_order_acquire) != 0; ++i) {
      cpu_relax();
      if (i % 64 == 63 && std::chrono::steady_clock::now() > until) {
        std::unique_lock<std::mutex> lock(mutex_);
        caller_sleeping_.store(true, std::memory_order_seq_cst);
        while (pending_.load(std::memory_order_seq_cst) != 0) done_.wait(lock);
        caller_sleeping_.store(false, std::memory_order_relaxed);
        return;
      }
    }
  }

 private:
  struct Worker {
    std::atomic<std::uint64_t> ticket{0};  // one more for each part handed over
    Task task = nullptr;                   // the part: written before the ticket
    void* context = nullptr;
    std::size_t part = 0;
    std::size_t parts = 0;
    std::thread thread;
  };

  static long process_id() noexcept {
#if defined(__unix__) || defined(__APPLE__)
    return static_cast<long>(::getpid());
#else
    return 0;
#endif
  }

  ThreadPool() : pid_(process_id()) {}

  /// How long to spin before sleeping after a call of `parts` parts: `spin`, or nothing
  /// when its threads outnumbered the hardware threads.
  static std::chrono::microseconds spin_time(std::size_t parts) noexcept {
    static const std::size_t hardware = std::max(1u, std::thread::hardware_concurrency());
    return parts > hardware ? std::chrono::microseconds{0} : spin;
  }

  void loop(Worker& w) {
    std::uint64_t seen = 0;
    std::size_t parts = 0;  // of the last call this worker took part in
    for (;;) {
      const auto until = std::chrono::steady_clock::now() + spin_time(parts);
      std::uint64_t t;
      for (unsigned i = 0; (t = w.ticket.load(std::memory_order_acquire)) == seen; ++i) {
        cpu_relax();
        if (i % 64 == 63 && std::chrono::steady_clock::now() > until) {
          std::unique_lock<std::mutex> lock(mutex_);
          sleepers_.fetch_add(1, std::memory_order_seq_cst);
          while ((t = w.ticket.load(std::memory_order_seq_cst)) == seen) wake_.wait(lock);
          sleepers_.fetch_sub(1, std::memory_order_relaxed);
          break;
        }
      }
      seen = t;
      parts = w.parts;
      w.task(w.context, w.part);  // never throws: parallel_for_parts catches per part
      if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
          caller_sleeping_.load(std::memory_order_seq_cst)) {
        { std::lock_guard<std::mutex> lock(mutex_); }
        done_.notify_all();
      }
    }
  }

  const long pid_;
  std::atomic_flag busy_ = ATOMIC_FLAG_INIT;
  std::vector<std::unique_ptr<Worker>> workers_;  // only grows, only while acquired
  std::size_t parts_ = 0;                         // of the current call (the caller's)
  std::atomic<std::size_t> pending_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::mutex mutex_;
  std::condition_variable wake_, done_;
};

/// Calls f(part, begin, end) for `parts` (>= 1) near-equal slices of [0, n), one thread
/// each, the first on the calling thread, the others on the ThreadPool's workers (or on
/// threads started for the call when the pool is busy). For callers that sized
/// per-slice state beforehand. Each slice runs under the caller's thread count (see
/// CallThreads). An exception thrown by a slice is rethrown (the lowest slice's)
/// after every thread has finished.
template <class F>
void parallel_for_parts(std::size_t n, std::size_t parts, F&& f) {
  if (parts <= 1) {
    f(std::size_t{0}, std::size_t{0}, n);
    return;
  }
  std::vector<std::exception_ptr> errors(parts);
  const int count = call_threads();  // the slices' parallel steps use the caller's count
  auto run = [&](std::size_t i) noexcept {
    const CallThreads pin(count);
    try {
      f(i, slice_begin(n, parts, i), slice_begin(n, parts, i + 1));
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  using Run = decltype(run);
  ThreadPool& pool = ThreadPool::instance();
  if (pool.try_acquire()) {
    struct Release {
      ThreadPool& p;
      ~Release() { p.release(); }
    } release{pool};
    const std::size_t k = pool.post(
        parts, [](void* c, std::size_t i) { (*static_cast<Run*>(c))(i); }, &run);
    for (std::size_t i = k + 1; i < parts; ++i) run(i);
    run(0);
    pool.wait();
  } else {
    std::vector<std::thread> threads;
    threads.reserve(parts - 1);
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
  }
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
/// With `unit` > 1 the slices are cut at multiples of it (key_count a multiple of unit), so
/// that blocks of `unit` keys (a hash table's regions) are never split between threads.
template <class KeyOf, class Prefetch, class Visit>
void for_each_by_key_slice(std::size_t n, std::uint64_t key_count, std::size_t parts, KeyOf key_of,
                           Prefetch prefetch, Visit visit, std::uint64_t unit = 1) {
  const std::uint64_t units = key_count / unit;
  parallel_for_parts(n, parts, [&](std::size_t t, std::size_t, std::size_t) {
    const std::uint64_t lo = slice_begin(units, parts, t) * unit;
    const std::uint64_t width = slice_begin(units, parts, t + 1) * unit - lo;
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
