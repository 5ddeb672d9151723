// Memory for large arrays (scatter targets of tens of millions of records, the arrays of
// a Network): on Linux backed by transparent huge pages where the system allows them on
// request, so that first touching a 1 GB block costs a few hundred page faults instead of
// a quarter of a million.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <new>

#include "../config.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace downline {
namespace detail {

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

/// Every block of huge_alloc() is preceded by this record (16 bytes, so the block keeps
/// malloc's alignment): how it was obtained, for huge_free().
struct BlockHeader {
  std::size_t mapped;  ///< bytes mapped for it (from its header page on); 0: from malloc
  void* origin;        ///< what malloc or aligned_alloc returned (when mapped == 0)
};
static_assert(sizeof(BlockHeader) == 16, "the header keeps 16-byte alignment");

#if DOWNLINE_MAP_BLOCKS
/// Mapped blocks released lately, kept for the next huge_alloc() of the same size: a
/// block mapped anew is zeroed by the kernel and faulted in (on a VM that hands freed
/// memory back to its host, each 2 MiB page costs a host fault too), and the same sizes
/// come back again and again (a network rebuilt, the results of a rollup per period).
/// At most `capacity` bytes and `slots` blocks are kept, the most recent; they stay
/// resident. The lock is only ever tried: a thread that finds it taken (or a child after
/// fork() whose parent held it) maps and unmaps as if there were no cache.
class BlockCache {
 public:
  static constexpr std::size_t capacity = std::size_t{64} << 20;
  static constexpr int slots = 16;

  static BlockCache& instance() noexcept {
    static BlockCache cache;
    return cache;
  }
  /// A kept block of exactly `mapped` bytes (from its header page on), or null.
  char* take(std::size_t mapped) noexcept {
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return nullptr;
    for (int i = count_; i-- > 0;)
      if (kept_[i].mapped == mapped) {
        char* base = kept_[i].base;
        bytes_ -= mapped;
        for (int j = i + 1; j < count_; ++j) kept_[j - 1] = kept_[j];
        --count_;
        return base;
      }
    return nullptr;
  }
  /// Keeps a block (evicting the oldest as needed); false when it is not kept.
  bool keep(char* base, std::size_t mapped) noexcept {
    if (mapped > capacity) return false;
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    int drop = 0;
    std::size_t freed = 0;
    while (drop < count_ && (count_ - drop == slots || bytes_ - freed + mapped > capacity))
      freed += kept_[drop++].mapped;
    for (int j = 0; j < drop; ++j) (void)munmap(kept_[j].base, kept_[j].mapped);
    for (int j = drop; j < count_; ++j) kept_[j - drop] = kept_[j];
    count_ -= drop;
    bytes_ -= freed;
    kept_[count_++] = Kept{base, mapped};
    bytes_ += mapped;
    return true;
  }
  /// Bytes kept now (for the tests: this one waits for the lock).
  std::size_t bytes() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
  }

 private:
  struct Kept {
    char* base;
    std::size_t mapped;
  };
  std::mutex mutex_;
  Kept kept_[slots] = {};
  int count_ = 0;
  std::size_t bytes_ = 0;
};
#endif

/// Memory for `bytes` bytes, released with huge_free(). Blocks of 2 MiB or more are
/// aligned to 2 MiB and asked for transparent huge pages: touching them first costs one
/// fault per 2 MiB instead of one per 4 KiB, and reading them at random no TLB misses. On
/// Linux they are mapped on their own (taken from malloc they may land in its heap, where
/// they get small pages, and a heap trimmed and grown again faults them all anew; under
/// AddressSanitizer they still come from aligned_alloc, so that it checks them). Smaller
/// blocks come from malloc. Never null (throws std::bad_alloc).
inline void* huge_alloc(std::size_t bytes) {
  constexpr std::size_t huge = std::size_t{1} << 21;  // one transparent huge page
  if (bytes >= huge) {
    if (bytes > std::numeric_limits<std::size_t>::max() / 2 - 2 * huge) throw std::bad_alloc();
    const std::size_t rounded = (bytes + huge - 1) / huge * huge;
#if DOWNLINE_MAP_BLOCKS
    constexpr std::size_t page = 4096;
    if (char* kept = BlockCache::instance().take(rounded + page)) return kept + page;
    const std::size_t total = rounded + huge;  // room for the header page and alignment
    void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    const auto b = reinterpret_cast<std::uintptr_t>(base);
    const std::uintptr_t p = (b + page + huge - 1) / huge * huge;  // p - b <= huge
    if (p - page > b) (void)munmap(base, p - page - b);
    if (b + total > p + rounded)
      (void)munmap(reinterpret_cast<void*>(p + rounded), b + total - (p + rounded));
    advise_huge(reinterpret_cast<void*>(p), rounded);
    auto* h = reinterpret_cast<BlockHeader*>(p - sizeof(BlockHeader));
    *h = BlockHeader{rounded + page, nullptr};
    return reinterpret_cast<void*>(p);
#else
    void* raw = std::aligned_alloc(huge, rounded + huge);  // the block starts 2 MiB in
    if (raw == nullptr) throw std::bad_alloc();
    char* p = static_cast<char*>(raw) + huge;
    advise_huge(p, rounded);
    *(reinterpret_cast<BlockHeader*>(p) - 1) = BlockHeader{0, raw};
    return p;
#endif
  }
  void* raw = std::malloc(bytes + sizeof(BlockHeader));
  if (raw == nullptr) throw std::bad_alloc();
  *static_cast<BlockHeader*>(raw) = BlockHeader{0, raw};
  return static_cast<BlockHeader*>(raw) + 1;
}

/// Releases a block of huge_alloc() (null: nothing).
inline void huge_free(void* p) noexcept {
  if (p == nullptr) return;
  const BlockHeader h = *(static_cast<BlockHeader*>(p) - 1);
#if DOWNLINE_MAP_BLOCKS
  if (h.mapped != 0) {
    char* base = static_cast<char*>(p) - 4096;
    if (!BlockCache::instance().keep(base, h.mapped)) (void)munmap(base, h.mapped);
    return;
  }
#endif
  std::free(h.origin);
}

}  // namespace detail
}  // namespace downline
