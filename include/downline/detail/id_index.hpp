// Index from int64 ids to dense positions: direct addressing when the ids are dense
// (their range at most twice their count, as member numbers usually are), else open
// addressing. The slots hold only the int32 position; a hashed key is read back from the
// caller's id array, so the index costs 4 bytes a slot (at most 2 slots per participant
// when direct, 2 to 4 when hashed).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "../fwd.hpp"
#include "buffer.hpp"
#include "parallel.hpp"

namespace downline::detail {

/// splitmix64 finaliser: a strong, cheap mix so that sequential or strided ids spread.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

class IdIndex {
 public:
  IdIndex() = default;

  /// Empty index for the n keys `keys` (inserted afterwards): direct addressing when
  /// their range is at most 2 n + 16, else a hash table sized for n (load factor <= 1/2).
  IdIndex(const id_type* keys, std::size_t n) {
    if (n > 0) {
      id_type lo = keys[0], hi = keys[0];
      for (std::size_t i = 1; i < n; ++i) {
        lo = keys[i] < lo ? keys[i] : lo;
        hi = keys[i] > hi ? keys[i] : hi;
      }
      const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
      if (range < 2 * static_cast<std::uint64_t>(n) + 16) {
        direct_ = true;
        base_ = lo;
        slots_.assign(static_cast<std::size_t>(range) + 1, npos);
        return;
      }
    }
    int bits = 4;
    while ((std::size_t{1} << bits) < 2 * n) ++bits;
    shift_ = 64 - bits;
    mask_ = (std::size_t{1} << bits) - 1;
    slots_.assign(std::size_t{1} << bits, npos);
  }

  /// Inserts position `pos` for key keys[pos]. Returns the position already stored
  /// for an equal key (a duplicate), or npos when inserted.
  index_t insert(const id_type* keys, index_t pos) noexcept {
    const id_type key = keys[pos];
    if (direct_) {
      index_t& slot = slots_[direct_slot(key)];
      if (slot != npos) return slot;
      slot = pos;
      return npos;
    }
    for (std::size_t s = slot_of(key);; s = (s + 1) & mask_) {
      const index_t cur = slots_[s];
      if (cur == npos) {
        slots_[s] = pos;
        return npos;
      }
      if (keys[cur] == key) return cur;
    }
  }

  /// Inserts positions 0..n-1 for keys[0..n-1] in order, with the slots of later keys
  /// prefetched. Calls on_duplicate(pos) for every key equal to an earlier one.
  template <class OnDuplicate>
  void insert_all(const id_type* keys, index_t n, OnDuplicate on_duplicate) {
    if (direct_) {
      // Slices of the slot range, one per thread, so no slot is written by two threads
      // and the first row of a key always wins.
      const std::size_t parts = parallel_parts(static_cast<std::size_t>(n), std::size_t{1} << 18);
      std::vector<std::vector<index_t>> dups(parts);
      index_t* slots = slots_.data();
      for_each_by_key_slice(
          static_cast<std::size_t>(n), slots_.size(), parts,
          [&](std::size_t r) { return direct_slot(keys[r]); },
          [&](std::uint64_t s) { __builtin_prefetch(slots + s, 1); },
          [&](std::size_t t, std::size_t r, std::uint64_t s) {
            if (slots[s] != npos)
              dups[t].push_back(static_cast<index_t>(r));
            else
              slots[s] = static_cast<index_t>(r);
          });
      std::vector<index_t> all;
      for (const auto& d : dups) all.insert(all.end(), d.begin(), d.end());
      std::sort(all.begin(), all.end());
      for (index_t r : all) on_duplicate(r);
      return;
    }
    constexpr index_t ahead = 16;
    for (index_t r = 0; r < n; ++r) {
      if (r + ahead < n) __builtin_prefetch(&slots_[slot_of(keys[r + ahead])], 1);
      if (r + ahead / 2 < n) {  // its slot is cached by now: fetch the key it points to
        const index_t c = slots_[slot_of(keys[r + ahead / 2])];
        if (c != npos) __builtin_prefetch(&keys[c]);
      }
      if (insert(keys, r) != npos) on_duplicate(r);
    }
  }

  /// Position of `key` or npos.
  index_t find(const id_type* keys, id_type key) const noexcept {
    if (slots_.empty()) return npos;
    if (direct_) {
      const std::uint64_t s = direct_slot(key);
      return s < slots_.size() ? slots_[static_cast<std::size_t>(s)] : npos;
    }
    for (std::size_t s = slot_of(key);; s = (s + 1) & mask_) {
      const index_t cur = slots_[s];
      if (cur == npos || keys[cur] == key) return cur;
    }
  }

  /// out[i] = find(keys, q[i]) for i < n. The probes of a block are software-pipelined:
  /// all its slots are prefetched, then the ids they point to, before any is compared, so
  /// that the cache misses of a block overlap instead of following one another.
  void find_many(const id_type* keys, const id_type* q, std::size_t n,
                 index_t* out) const noexcept {
    if (slots_.empty()) {
      for (std::size_t i = 0; i < n; ++i) out[i] = npos;
      return;
    }
    if (direct_) {  // independent loads: the core overlaps their misses by itself
      const std::uint64_t size = slots_.size();
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t s = direct_slot(q[i]);
        out[i] = s < size ? slots_[static_cast<std::size_t>(s)] : npos;
      }
      return;
    }
    constexpr std::size_t block = 32;
    std::size_t slot[block];
    for (std::size_t base = 0; base < n; base += block) {
      const std::size_t m = n - base < block ? n - base : block;
      for (std::size_t i = 0; i < m; ++i) {
        slot[i] = slot_of(q[base + i]);
        __builtin_prefetch(&slots_[slot[i]]);
      }
      for (std::size_t i = 0; i < m; ++i) {
        const index_t c = slots_[slot[i]];
        if (c != npos) __builtin_prefetch(&keys[c]);
      }
      for (std::size_t i = 0; i < m; ++i) {
        const id_type key = q[base + i];
        for (std::size_t s = slot[i];; s = (s + 1) & mask_) {
          const index_t cur = slots_[s];
          if (cur == npos || keys[cur] == key) {
            out[base + i] = cur;
            break;
          }
        }
      }
    }
  }

  /// Direct addressing only: the slots of keys[b..e) take perm[b..e) (the rows' new
  /// positions). Slices of rows may run on different threads: their slots differ.
  void relabel_direct(const id_type* keys, const index_t* perm, std::size_t b,
                      std::size_t e) noexcept {
    index_t* slots = slots_.data();
    for (std::size_t r = b; r < e; ++r) slots[direct_slot(keys[r])] = perm[r];
  }

  /// Replaces every stored position p by perm[p] (used after relabelling).
  void relabel(const index_t* perm) {
    parallel_for(slots_.size(), std::size_t{1} << 18,
                 [&](std::size_t, std::size_t begin, std::size_t end) {
                   for (std::size_t i = begin; i < end; ++i)
                     if (slots_[i] != npos) slots_[i] = perm[slots_[i]];
                 });
  }

  std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(index_t); }
  bool direct() const noexcept { return direct_; }

 private:
  std::uint64_t direct_slot(id_type key) const noexcept {
    return static_cast<std::uint64_t>(key) - static_cast<std::uint64_t>(base_);
  }
  std::size_t slot_of(id_type key) const noexcept {
    return static_cast<std::size_t>(mix64(static_cast<std::uint64_t>(key)) >> shift_);
  }
  Array<index_t> slots_;
  bool direct_ = false;
  id_type base_ = 0;  // direct: the smallest key
  int shift_ = 60;
  std::size_t mask_ = 15;
};

}  // namespace downline::detail
