// Internals of grouping rows by int64 id: hash partitioning into cache-sized partitions,
// a small open-addressing table per partition, and a stable radix sort of int64 keys.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "../date.hpp"
#include "../fwd.hpp"
#include "../ids.hpp"
#include "parallel.hpp"

namespace downline::detail {

/// Fibonacci hashing: the high bits of the product pick the partition, the next bits
/// the slot inside it; consecutive ids spread evenly.
inline std::uint64_t id_hash(id_type id) noexcept {
  return static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull;
}

inline unsigned log2_ceil(std::size_t x) noexcept {
  unsigned b = 0;
  while ((std::size_t{1} << b) < x) ++b;
  return b;
}

/// Where rows go when [0, n) is scattered into 2^bits partitions by `part_of(i)`, slice
/// by slice (the slices of parallel_for(n, grain)): rows keep their input order inside a
/// partition, so results built from partitions do not depend on the thread count.
/// count() then place() with the same n, grain and part_of.
struct Partitioning {
  unsigned bits = 0;
  std::vector<std::size_t> begin;  ///< partition p holds [begin[p], begin[p + 1])

  std::size_t parts() const noexcept { return std::size_t{1} << bits; }

  /// Counts rows per (slice, partition); returns the largest partition's size.
  template <class PartOf>
  std::size_t count(std::size_t n, std::size_t grain, PartOf part_of) {
    const std::size_t P = parts();
    slices_ = parallel_parts(n, grain);
    next_.assign(slices_ * P, 0);
    parallel_for_parts(n, slices_, [&](std::size_t s, std::size_t b, std::size_t e) {
      std::size_t* c = next_.data() + s * P;
      for (std::size_t i = b; i < e; ++i) ++c[part_of(i)];
    });
    begin.assign(P + 1, 0);
    std::size_t at = 0, largest = 0;
    for (std::size_t p = 0; p < P; ++p) {
      begin[p] = at;
      for (std::size_t s = 0; s < slices_; ++s) {
        const std::size_t c = next_[s * P + p];
        next_[s * P + p] = at;
        at += c;
      }
      largest = std::max(largest, at - begin[p]);
    }
    begin[P] = at;
    return largest;
  }
  /// Calls f(slice, pb, pe) for ranges [pb, pe) of the partitions, one per thread, cut
  /// where the rows before are closest to an equal share: partitions by id range can be
  /// empty at the end (or anywhere), so equal counts of partitions need not be equal work.
  /// After count().
  template <class F>
  void for_each_range(F&& f) const {
    const std::size_t P = parts();
    const std::size_t rows = begin[P];
    const std::size_t T = std::min(parallel_parts(rows, std::size_t{1} << 15), P);
    std::vector<std::size_t> cut(T + 1, P);
    cut[0] = 0;
    for (std::size_t t = 1; t < T; ++t) {
      const std::size_t share = rows / T * t + rows % T * t / T;
      cut[t] = static_cast<std::size_t>(
          std::lower_bound(begin.begin(), begin.begin() + static_cast<std::ptrdiff_t>(P), share) -
          begin.begin());
    }
    parallel_for_parts(T, T, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t t = b; t < e; ++t)
        if (cut[t] < cut[t + 1]) f(t, cut[t], cut[t + 1]);
    });
  }
  /// Calls put(i, position) for every row, in the slices count() cut (the grain given
  /// there).
  template <class PartOf, class Put>
  void place(std::size_t n, std::size_t /* grain */, PartOf part_of, Put put) {
    const std::size_t P = parts();
    parallel_for_parts(n, slices_, [&](std::size_t s, std::size_t b, std::size_t e) {
      std::size_t* next = next_.data() + s * P;
      for (std::size_t i = b; i < e; ++i) put(i, next[part_of(i)]++);
    });
  }

 private:
  std::size_t slices_ = 1;
  std::vector<std::size_t> next_;
};

/// Open addressing (linear probing) from id to a small code; grows as keys arrive.
class SmallIdTable {
 public:
  static constexpr std::int32_t empty = -1;

  /// Empties the table, sized for about `expected` keys; slots come from the hash bits
  /// after the first `skip_bits` (those may have picked the partition).
  void reset(std::size_t expected, unsigned skip_bits) {
    skip_ = skip_bits;
    size_ = 0;
    resize(std::max(4u, log2_ceil(expected * 2)));
  }
  /// The code of `id`, inserting it with `code` when absent; `inserted` tells which.
  std::int32_t find_or_insert(id_type id, std::int32_t code, bool& inserted) {
    for (std::size_t slot = slot_of(id);; slot = (slot + 1) & mask_) {
      const std::int32_t c = codes_[slot];
      if (c == empty) {
        keys_[slot] = id;
        codes_[slot] = code;
        inserted = true;
        if (++size_ * 2 > mask_ + 1) grow();
        return code;
      }
      if (keys_[slot] == id) {
        inserted = false;
        return c;
      }
    }
  }

 private:
  std::size_t slot_of(id_type id) const noexcept {
    return static_cast<std::size_t>((id_hash(id) << skip_) >> shift_);
  }
  void resize(unsigned b) {
    shift_ = 64 - b;
    mask_ = (std::size_t{1} << b) - 1;
    keys_.resize(mask_ + 1);
    codes_.assign(mask_ + 1, empty);
  }
  void grow() {
    std::vector<id_type> keys;
    std::vector<std::int32_t> codes;
    keys.swap(keys_);
    codes.swap(codes_);
    resize(static_cast<unsigned>(64 - shift_ + 1));
    for (std::size_t i = 0; i < codes.size(); ++i) {
      if (codes[i] == empty) continue;
      std::size_t slot = slot_of(keys[i]);
      while (codes_[slot] != empty) slot = (slot + 1) & mask_;
      keys_[slot] = keys[i];
      codes_[slot] = codes[i];
    }
  }

  std::vector<id_type> keys_;
  std::vector<std::int32_t> codes_;
  unsigned shift_ = 64, skip_ = 0;
  std::size_t mask_ = 0, size_ = 0;
};

}  // namespace downline::detail
