// One index from participant or customer ids to positions 0..n-1: int64 ids or strings
// (their UTF-8 bytes, compared as bytes and kept in one arena). Ids in a small range are
// addressed directly (an array over the range, direct_range()); all others are hashed
// (open addressing, linear probing). One hash: mix64 of the id, or of the string's words.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/buffer.hpp"
#include "detail/parallel.hpp"
#include "fwd.hpp"

namespace downline {

/// A column of n strings, only read, in one of three forms: pointers and lengths (each
/// string its own buffer), an arena (string i is bytes[offsets[i], offsets[i + 1])), or
/// objects that hold strings (string i is get(objects[i]): Python str objects read in
/// place, without copying their pointers out). Strings are compared as bytes.
struct StringColumn {
  using Get = std::string_view (*)(const void* object) noexcept;
  const char* const* ptrs = nullptr;      ///< pointers form: string i at ptrs[i] ...
  const std::int64_t* lens = nullptr;     ///< ... of lens[i] bytes
  const std::int64_t* offsets = nullptr;  ///< arena form: n + 1 offsets into bytes
  const char* bytes = nullptr;
  const void* const* objects = nullptr;  ///< objects form: string i is get(objects[i])
  Get get = nullptr;
  std::size_t n = 0;

  static StringColumn pointers(const char* const* p, const std::int64_t* len,
                               std::size_t count) noexcept {
    return {p, len, nullptr, nullptr, nullptr, nullptr, count};
  }
  static StringColumn arena(const std::int64_t* off, const char* data, std::size_t count) noexcept {
    return {nullptr, nullptr, off, data, nullptr, nullptr, count};
  }
  static StringColumn of_objects(const void* const* objs, Get read, std::size_t count) noexcept {
    return {nullptr, nullptr, nullptr, nullptr, objs, read, count};
  }
  std::size_t size() const noexcept { return n; }
  /// Whether a form was given (an empty column of none: no strings at all).
  bool given() const noexcept { return ptrs || offsets || objects; }
  std::string_view operator[](std::size_t i) const noexcept {
    if (ptrs) return {ptrs[i], static_cast<std::size_t>(lens[i])};
    if (objects) return get(objects[i]);
    return {bytes + offsets[i], static_cast<std::size_t>(offsets[i + 1] - offsets[i])};
  }
  /// Asks for the cache line string i starts in (objects: the object's first line).
  void prefetch(std::size_t i) const noexcept {
    __builtin_prefetch(ptrs ? ptrs[i] : objects ? objects[i] : bytes + offsets[i]);
  }
  /// Strings [b, e) as a column (no copy).
  StringColumn slice(std::size_t b, std::size_t e) const noexcept {
    StringColumn c = *this;
    c.n = e - b;
    if (ptrs) {
      c.ptrs = ptrs + b;
      c.lens = lens + b;
    } else if (objects) {
      c.objects = objects + b;
    } else {
      c.offsets = offsets + b;
    }
    return c;
  }
};

/// A column of ids, only read: int64 ids or strings.
struct IdColumn {
  const id_type* ints = nullptr;  ///< int64 ids (when !is_strings)
  StringColumn strings;           ///< string ids (when is_strings)
  std::size_t n = 0;
  bool is_strings = false;

  IdColumn() = default;
  IdColumn(const id_type* ids, std::size_t count) noexcept : ints(ids), n(count) {}
  IdColumn(const StringColumn& s) noexcept : strings(s), n(s.n), is_strings(true) {}  // NOLINT
  std::size_t size() const noexcept { return n; }
  /// Id i as messages show it: 42, or 'M42' (see quoted()).
  std::string show(std::size_t i) const;
};

/// A string as messages show it: in single quotes, with \, ' and control bytes escaped
/// (\\, \', \xNN); other bytes (UTF-8) as they are.
inline std::string quoted(std::string_view s) {
  std::string out = "'";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out + "'";
}

inline std::string IdColumn::show(std::size_t i) const {
  return is_strings ? quoted(strings[i]) : std::to_string(ints[i]);
}

namespace detail {

/// splitmix64 finaliser: a strong, cheap mix (a bijection) so that sequential or strided
/// ids spread.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

/// (smallest, largest) of n > 0 ids, in parallel slices.
inline std::pair<id_type, id_type> id_bounds(const id_type* v, std::size_t n) {
  constexpr std::size_t grain = std::size_t{1} << 20;  // a streaming pass: threads from 2M ids
  std::vector<std::pair<id_type, id_type>> part(parallel_parts(n, grain), {v[0], v[0]});
  parallel_for(n, grain, [&](std::size_t s, std::size_t b, std::size_t e) {
    id_type lo = v[b], hi = v[b];
    for (std::size_t i = b + 1; i < e; ++i) {
      lo = v[i] < lo ? v[i] : lo;
      hi = v[i] > hi ? v[i] : hi;
    }
    part[s] = {lo, hi};
  });
  std::pair<id_type, id_type> out = part[0];
  for (const auto& p : part) out = {std::min(out.first, p.first), std::max(out.second, p.second)};
  return out;
}

/// out[0] = 0, out[i + 1] = out[i] + len(i) for i < n: the offsets of n strings laid end to
/// end, in parallel (per-slice sums, then each slice from its start).
template <class Len>
void exclusive_offsets(std::size_t n, Len len, std::int64_t* out) {
  constexpr std::size_t grain = std::size_t{1} << 16;
  const std::size_t parts = parallel_parts(n, grain);
  std::vector<std::int64_t> sum(parts + 1, 0);
  parallel_for_parts(n, parts, [&](std::size_t t, std::size_t b, std::size_t e) {
    std::int64_t s = 0;
    for (std::size_t i = b; i < e; ++i) s += static_cast<std::int64_t>(len(i));
    sum[t + 1] = s;
  });
  for (std::size_t t = 0; t < parts; ++t) sum[t + 1] += sum[t];
  parallel_for_parts(n, parts, [&](std::size_t t, std::size_t b, std::size_t e) {
    std::int64_t at = sum[t];
    for (std::size_t i = b; i < e; ++i) {
      out[i] = at;
      at += static_cast<std::int64_t>(len(i));
    }
  });
  out[n] = sum[parts];
}

/// The permutation that sorts keys ascending (stable): LSD radix sort on 16-bit digits,
/// skipping the digits every key shares.
inline std::vector<std::uint32_t> sort_permutation(const id_type* keys, std::size_t n) {
  std::vector<std::uint32_t> idx(n), tmp_idx(n);
  std::vector<std::uint64_t> u(n), tmp_u(n);
  for (std::size_t i = 0; i < n; ++i) {
    u[i] = static_cast<std::uint64_t>(keys[i]) ^ (std::uint64_t{1} << 63);
    idx[i] = static_cast<std::uint32_t>(i);
  }
  std::vector<std::size_t> count(65536);
  for (unsigned shift = 0; shift < 64; shift += 16) {
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < n; ++i) ++count[(u[i] >> shift) & 0xFFFF];
    if (n == 0 || count[(u[0] >> shift) & 0xFFFF] == n) continue;  // one digit: order kept
    std::size_t at = 0;
    for (std::size_t& c : count) {
      const std::size_t k = c;
      c = at;
      at += k;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t j = count[(u[i] >> shift) & 0xFFFF]++;
      tmp_u[j] = u[i];
      tmp_idx[j] = idx[i];
    }
    u.swap(tmp_u);
    idx.swap(tmp_idx);
  }
  return idx;
}

}  // namespace detail

/// The hash of an id (every bit usable).
inline std::uint64_t hash_id(id_type id) noexcept {
  return detail::mix64(static_cast<std::uint64_t>(id));
}
/// The hash of a string id: its 8-byte words (the last one zero-padded) mixed in turn into
/// a start that depends on the length (so "a" and "a\0" differ).
inline std::uint64_t hash_id(std::string_view s) noexcept {
  const char* p = s.data();
  std::size_t k = s.size();
  std::uint64_t h = 0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(k) + 1);
  for (; k >= 8; p += 8, k -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = detail::mix64(h ^ w);
  }
  std::uint64_t w = 0;
  if (k) std::memcpy(&w, p, k);
  return detail::mix64(h ^ w);
}

namespace detail {
/// What a hashed slot holds of a string: where its probe starts (hash), a word (the
/// string itself, zero-padded, when it has at most 8 bytes, so that it is compared
/// without reading the keys; else its hash) and its length (tag).
struct StrKey {
  std::uint64_t hash, word;
  std::uint32_t tag;
};
inline StrKey str_key(std::string_view s, std::uint64_t hash) noexcept {
  if (s.size() > 8)
    return {hash, hash, static_cast<std::uint32_t>(std::min<std::size_t>(s.size(), 0xffffffffu))};
  std::uint64_t w = 0;
  if (!s.empty()) std::memcpy(&w, s.data(), s.size());
  return {hash, w, static_cast<std::uint32_t>(s.size())};
}
}  // namespace detail

/// The one density rule: n int64 ids whose range (largest - smallest) is below
/// direct_range_per_id * n + direct_range_slack are addressed directly (an array of 4
/// bytes per value in the range); others are hashed.
inline constexpr std::uint64_t direct_range_per_id = 8;  // benchmarks/bench_ids.cpp, README
inline constexpr std::uint64_t direct_range_slack = std::uint64_t{1} << 16;
inline bool direct_range(std::uint64_t range, std::size_t n) noexcept {
  return range < direct_range_per_id * static_cast<std::uint64_t>(n) + direct_range_slack;
}

/// Strings owned in one arena: offsets (n + 1) and bytes, no allocation per string.
class StringArena {
 public:
  StringArena() : offsets_(1, 0) {}
  /// A copy of `col`, made in parallel; with `hashes`, hashes[i] = hash_id(col[i]) on the way.
  /// Each string is read twice: for its length, then to copy and hash it.
  explicit StringArena(const StringColumn& col, std::uint64_t* hashes = nullptr)
      : offsets_(col.n + 1) {
    constexpr std::size_t grain = std::size_t{1} << 14;
    const std::size_t parts = detail::parallel_parts(col.n, grain);
    std::vector<std::int64_t> start(parts + 1, 0);
    std::int64_t* off = offsets_.data();
    detail::parallel_for_parts(col.n, parts, [&](std::size_t t, std::size_t b, std::size_t e) {
      std::int64_t at = 0;  // the slice's offsets from its own start, then shifted below
      for (std::size_t i = b; i < e; ++i) {
        off[i] = at;
        at += static_cast<std::int64_t>(col[i].size());
      }
      start[t + 1] = at;
    });
    for (std::size_t t = 0; t < parts; ++t) start[t + 1] += start[t];
    off[col.n] = start[parts];
    allocate(static_cast<std::size_t>(start[parts]));
    detail::parallel_for_parts(col.n, parts, [&](std::size_t t, std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        off[i] += start[t];
        const std::string_view s = col[i];
        if (!s.empty()) std::memcpy(bytes_.get() + off[i], s.data(), s.size());
        if (hashes) hashes[i] = hash_id(s);
      }
    });
  }
  /// A copy of `strings`.
  explicit StringArena(const std::vector<std::string>& strings) : offsets_(strings.size() + 1) {
    std::vector<const char*> p(strings.size());
    std::vector<std::int64_t> len(strings.size());
    for (std::size_t i = 0; i < strings.size(); ++i) {
      p[i] = strings[i].data();
      len[i] = static_cast<std::int64_t>(strings[i].size());
    }
    *this = StringArena(StringColumn::pointers(p.data(), len.data(), strings.size()));
  }
  StringArena(StringArena&&) noexcept = default;
  StringArena& operator=(StringArena&&) noexcept = default;
  StringArena(const StringArena& o) : offsets_(o.offsets_) {
    allocate(o.bytes_size_);
    if (bytes_size_) std::memcpy(bytes_.get(), o.bytes_.get(), bytes_size_);
  }
  StringArena& operator=(const StringArena& o) {
    if (this != &o) *this = StringArena(o);
    return *this;
  }

  std::size_t size() const noexcept { return offsets_.size() - 1; }
  std::string_view operator[](std::size_t i) const noexcept {
    return {bytes_.get() + offsets_[i], static_cast<std::size_t>(offsets_[i + 1] - offsets_[i])};
  }
  StringColumn column() const noexcept {
    return StringColumn::arena(offsets_.data(), bytes_.get(), size());
  }
  const Array<std::int64_t>& offsets() const noexcept { return offsets_; }
  std::size_t memory_bytes() const noexcept {
    return offsets_.capacity() * sizeof(std::int64_t) + bytes_size_;
  }

  /// The arena with string p moved to to[p] (m strings; p with to[p] == npos left out; the
  /// others a one-to-one map onto 0..m-1), in parallel.
  StringArena moved(const index_t* to, std::size_t m) const {
    StringArena out;
    out.offsets_.resize(m + 1);
    const std::size_t n = size();
    constexpr std::size_t grain = std::size_t{1} << 14;
    detail::ScratchBuffer<std::int64_t> lens = detail::scratch_buffer<std::int64_t>(m);
    detail::parallel_for(n, grain, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t p = b; p < e; ++p)
        if (to[p] != npos) lens[static_cast<std::size_t>(to[p])] = offsets_[p + 1] - offsets_[p];
    });
    detail::exclusive_offsets(
        m, [&](std::size_t i) { return lens[i]; }, out.offsets_.data());
    out.allocate(static_cast<std::size_t>(out.offsets_[m]));
    detail::parallel_for(n, grain, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t p = b; p < e; ++p)
        if (to[p] != npos && offsets_[p + 1] > offsets_[p])
          std::memcpy(out.bytes_.get() + out.offsets_[to[p]], bytes_.get() + offsets_[p],
                      static_cast<std::size_t>(offsets_[p + 1] - offsets_[p]));
    });
    return out;
  }

 private:
  void allocate(std::size_t bytes) {
    bytes_size_ = bytes;
    bytes_ = bytes ? detail::scratch_buffer<char>(bytes) : detail::ScratchBuffer<char>();
  }
  Array<std::int64_t> offsets_;
  detail::ScratchBuffer<char> bytes_;  // null when every string is empty
  std::size_t bytes_size_ = 0;
};

/// How an IdIndex lays out int ids: by direct_range() (automatic), or forced (for the
/// benchmark that chose the rule, and tests). String ids are always hashed.
enum class IdLayout { automatic, direct, hashed };

struct Factorized;
inline Factorized factorize(const IdColumn& keys, bool sorted = false,
                            IdLayout layout = IdLayout::automatic);

/// Index from ids to positions: int64 ids (directly addressed when direct_range() says so,
/// else hashed) or strings (hashed). The index owns a copy of its keys: position p holds
/// int_key(p) or string_key(p). Builds, lookups and relabelling run on every thread; their
/// results do not depend on the thread count.
class IdIndex {
 public:
  IdIndex() = default;

  /// Index of the n ids of `keys` at positions 0..n-1 (row r at position r). A key that
  /// appears more than once keeps its first row; on_duplicate(r) is called for every later
  /// row, in row order (those positions are not found by any lookup).
  template <class OnDuplicate>
  IdIndex(const IdColumn& keys, OnDuplicate on_duplicate) {
    Found found;
    build(keys, IdLayout::automatic, found, false);
    for (const index_t r : found.duplicates()) on_duplicate(r);
  }
  /// The same, duplicates ignored.
  explicit IdIndex(const IdColumn& keys, IdLayout layout = IdLayout::automatic) {
    Found found;
    build(keys, layout, found, false);
  }
  /// Tag of the constructor below.
  struct BorrowKeys {};
  /// The same as the first, but int ids are not copied: the index reads the caller's
  /// array, which must stay unchanged, until relabel() copies them in their new order (a
  /// network build relabels at once; only then is the index complete).
  template <class OnDuplicate>
  IdIndex(const IdColumn& keys, OnDuplicate on_duplicate, BorrowKeys) {
    Found found;
    build(keys, IdLayout::automatic, found, true);
    for (const index_t r : found.duplicates()) on_duplicate(r);
  }

  /// Keys held (positions 0..size()-1).
  std::size_t size() const noexcept { return n_; }
  bool strings() const noexcept { return strings_; }
  /// Whether int ids are addressed directly (an array over their range).
  bool direct() const noexcept { return direct_; }
  /// Direct addressing: the smallest key; key k has slot k - direct_base().
  id_type direct_base() const noexcept { return base_; }
  /// Direct addressing: the slots (largest key - smallest + 1); 0 when hashed.
  std::size_t direct_span() const noexcept { return direct_ ? nslots_ : 0; }
  /// The int keys by position (empty for string keys).
  const Array<id_type>& int_keys() const noexcept { return ints_; }
  /// The string key at position p (string keys only).
  std::string_view string_key(index_t p) const noexcept {
    const auto i = static_cast<std::size_t>(p);
    return strs_[at_.empty() ? i : static_cast<std::size_t>(at_[i])];
  }
  /// Key p as messages show it: 42, or 'M42'.
  std::string show(index_t p) const {
    return strings_ ? quoted(string_key(p)) : std::to_string(keys_[static_cast<std::size_t>(p)]);
  }

  /// Position of `key`, or npos (also for a string key in an index of ints).
  index_t find(id_type key) const noexcept {
    if (strings_ || n_ == 0) return npos;
    if (direct_) {
      const std::uint64_t s = static_cast<std::uint64_t>(key) - static_cast<std::uint64_t>(base_);
      return s < nslots_ ? direct_slots_[static_cast<std::size_t>(s)] : npos;
    }
    const std::uint64_t w = static_cast<std::uint64_t>(key);
    for (std::size_t s = home(hash_id(key));; s = next(s)) {
      const Slot& e = table_[s];
      if (e.pos == npos || e.word == w) return e.pos;
    }
  }
  index_t find(std::string_view key) const noexcept {
    if (!strings_ || n_ == 0) return npos;
    const detail::StrKey k = detail::str_key(key, hash_id(key));
    for (std::size_t s = home(k.hash);; s = next(s))
      if (table_[s].pos == npos || same(table_[s], k, key)) return table_[s].pos;
  }

  /// Position of q's id i, or npos.
  index_t find(const IdColumn& q, std::size_t i) const noexcept {
    return q.is_strings ? find(q.strings[i]) : find(q.ints[i]);
  }

  /// Sorts positions by their keys (ints by value, strings by their bytes).
  void sort_by_key(std::vector<index_t>& positions) const {
    const auto key = [](index_t p) { return static_cast<std::size_t>(p); };
    if (strings_)
      std::sort(positions.begin(), positions.end(),
                [&](index_t a, index_t b) { return string_key(a) < string_key(b); });
    else
      std::sort(positions.begin(), positions.end(),
                [&](index_t a, index_t b) { return keys_[key(a)] < keys_[key(b)]; });
  }

  /// out[i] = find(q[i]) for i < m. Hashed probes go in blocks: the block's slots are
  /// prefetched before any is read, so that their cache misses overlap.
  void find_many(const id_type* q, std::size_t m, index_t* out) const noexcept {
    if (strings_ || n_ == 0) {
      std::fill(out, out + m, npos);
    } else if (direct_) {  // independent loads: the core overlaps their misses by itself
      for (std::size_t i = 0; i < m; ++i) {
        const std::uint64_t s =
            static_cast<std::uint64_t>(q[i]) - static_cast<std::uint64_t>(base_);
        out[i] = s < nslots_ ? direct_slots_[static_cast<std::size_t>(s)] : npos;
      }
    } else {
      std::size_t slot[block];
      for (std::size_t at = 0; at < m; at += block) {
        const std::size_t k = std::min(block, m - at);
        for (std::size_t i = 0; i < k; ++i) {
          slot[i] = home(hash_id(q[at + i]));
          __builtin_prefetch(&table_[slot[i]]);
        }
        for (std::size_t i = 0; i < k; ++i) {
          const std::uint64_t w = static_cast<std::uint64_t>(q[at + i]);
          for (std::size_t s = slot[i];; s = next(s)) {
            const Slot& e = table_[s];
            if (e.pos == npos || e.word == w) {
              out[at + i] = e.pos;
              break;
            }
          }
        }
      }
    }
  }
  /// The same for strings: per block, the strings are prefetched, then hashed and their
  /// slots prefetched; strings of more than 8 bytes also have their candidate's bytes
  /// prefetched before they are compared (shorter ones are compared in the slot).
  void find_many(const StringColumn& q, index_t* out) const noexcept {
    if (!strings_ || n_ == 0) {
      std::fill(out, out + q.n, npos);
      return;
    }
    detail::StrKey key[block];
    std::size_t slot[block];
    for (std::size_t at = 0; at < q.n; at += block) {
      const std::size_t k = std::min(block, q.n - at);
      for (std::size_t i = 0; i < k; ++i) q.prefetch(at + i);
      bool longer = false;
      for (std::size_t i = 0; i < k; ++i) {
        const std::string_view s = q[at + i];
        key[i] = detail::str_key(s, hash_id(s));
        slot[i] = home(key[i].hash);
        longer |= key[i].tag > 8;
        __builtin_prefetch(&table_[slot[i]]);
      }
      if (longer)
        for (std::size_t i = 0; i < k; ++i) {
          const index_t p = table_[slot[i]].pos;
          if (key[i].tag > 8 && p != npos) __builtin_prefetch(string_key(p).data());
        }
      for (std::size_t i = 0; i < k; ++i) {
        const std::string_view s = key[i].tag > 8 ? q[at + i] : std::string_view();
        for (std::size_t t = slot[i];; t = next(t))
          if (table_[t].pos == npos || same(table_[t], key[i], s)) {
            out[at + i] = table_[t].pos;
            break;
          }
      }
    }
  }
  void find_many(const IdColumn& q, index_t* out) const noexcept {
    if (q.is_strings)
      find_many(q.strings, out);
    else
      find_many(q.ints, q.n, out);
  }
  /// out[j] = the position of q's id at rows[j], for j < m (the rows gathered a block at a
  /// time).
  void find_rows(const IdColumn& q, const std::size_t* rows, std::size_t m,
                 index_t* out) const noexcept {
    constexpr std::size_t chunk = 256;
    for (std::size_t at = 0; at < m; at += chunk) {
      const std::size_t k = std::min(chunk, m - at);
      if (q.is_strings && q.strings.objects) {
        const void* obj[chunk];
        for (std::size_t j = 0; j < k; ++j) obj[j] = q.strings.objects[rows[at + j]];
        find_many(StringColumn::of_objects(obj, q.strings.get, k), out + at);
      } else if (q.is_strings) {
        const char* p[chunk];
        std::int64_t len[chunk];
        for (std::size_t j = 0; j < k; ++j) {
          const std::string_view s = q.strings[rows[at + j]];
          p[j] = s.data();
          len[j] = static_cast<std::int64_t>(s.size());
        }
        find_many(StringColumn::pointers(p, len, k), out + at);
      } else {
        id_type key[chunk];
        for (std::size_t j = 0; j < k; ++j) key[j] = q.ints[rows[at + j]];
        find_many(key, k, out + at);
      }
    }
  }

  /// Moves every key: position p becomes to[p], for the m positions kept (to[p] == npos
  /// drops p: a duplicate row's position, which no lookup finds; the others map one to one
  /// onto 0..m-1). In parallel.
  void relabel(const index_t* to, std::size_t m) {
    if (strings_ && m == n_) {  // a permutation: positions point at the arena's strings
      Array<index_t> at(m);
      detail::parallel_for(n_, grain, [&](std::size_t, std::size_t b, std::size_t e) {
        for (std::size_t p = b; p < e; ++p)
          at[static_cast<std::size_t>(to[p])] = at_.empty() ? static_cast<index_t>(p) : at_[p];
      });
      at_ = std::move(at);
    } else if (strings_) {  // positions dropped: the kept strings copied into a new arena
      if (at_.empty()) {
        strs_ = strs_.moved(to, m);
      } else {
        std::vector<index_t> by_string(strs_.size(), npos);
        for (std::size_t p = 0; p < n_; ++p) by_string[static_cast<std::size_t>(at_[p])] = to[p];
        strs_ = strs_.moved(by_string.data(), m);
        at_ = Array<index_t>();
      }
    } else {
      Array<id_type> keys(m);
      const id_type* old = keys_;
      index_t* slots = direct_ ? direct_slots_.get() : nullptr;
      const std::uint64_t base = static_cast<std::uint64_t>(base_);
      detail::parallel_for(n_, grain, [&](std::size_t, std::size_t b, std::size_t e) {
        for (std::size_t p = b; p < e; ++p) {
          const index_t q = to[p];
          if (q == npos) continue;
          keys[static_cast<std::size_t>(q)] = old[p];
          if (slots)  // a kept position is the one its key's slot holds
            slots[static_cast<std::size_t>(static_cast<std::uint64_t>(old[p]) - base)] = q;
        }
      });
      ints_ = std::move(keys);
      keys_ = ints_.data();
    }
    if (!direct_)
      detail::parallel_for(nslots_, std::size_t{1} << 18,
                           [&](std::size_t, std::size_t b, std::size_t e) {
                             for (std::size_t s = b; s < e; ++s)
                               if (table_[s].pos != npos) table_[s].pos = to[table_[s].pos];
                           });
    n_ = m;
  }

  std::size_t memory_bytes() const noexcept {
    return ints_.capacity() * sizeof(id_type) + (strings_ ? strs_.memory_bytes() : 0) +
           at_.capacity() * sizeof(index_t) + nslots_ * (direct_ ? sizeof(index_t) : sizeof(Slot));
  }

  // (moving keeps ints_'s buffer, so keys_ still points at it)
  IdIndex(IdIndex&&) noexcept = default;
  IdIndex& operator=(IdIndex&&) noexcept = default;
  IdIndex(const IdIndex& o)
      : ints_(o.ints_),
        keys_(ints_.data()),
        strs_(o.strs_),
        at_(o.at_),
        n_(o.n_),
        strings_(o.strings_),
        direct_(o.direct_),
        base_(o.base_),
        nslots_(o.nslots_),
        shift_(o.shift_),
        mask_(o.mask_),
        region_mask_(o.region_mask_),
        seed_(o.seed_) {
    if (direct_) {
      direct_slots_ = detail::scratch_buffer<index_t>(nslots_);
      std::copy(o.direct_slots_.get(), o.direct_slots_.get() + nslots_, direct_slots_.get());
    } else if (nslots_) {
      table_ = detail::scratch_buffer<Slot>(nslots_);
      std::copy(o.table_.get(), o.table_.get() + nslots_, table_.get());
    }
  }
  IdIndex& operator=(const IdIndex& o) {
    if (this != &o) *this = IdIndex(o);
    return *this;
  }

 private:
  /// A hashed slot: the int id itself (or a string's word and length, see
  /// detail::StrKey) and its position (npos: empty).
  struct Slot {
    std::uint64_t word;
    index_t pos;
    std::uint32_t tag;
  };
  /// Whether slot e holds the string of key k (its bytes s, needed when k.tag > 8).
  bool same(const Slot& e, const detail::StrKey& k, std::string_view s) const noexcept {
    return e.word == k.word && e.tag == k.tag && (k.tag <= 8 || string_key(e.pos) == s);
  }
  static constexpr std::size_t block = 32;
  static constexpr unsigned region_bits = 16;  // slots a thread owns while building, at least

  std::size_t home(std::uint64_t hash) const noexcept {
    return static_cast<std::size_t>((seed_ ? detail::mix64(hash ^ seed_) : hash) >> shift_);
  }
  /// The next slot of a probe: linear, wrapping round inside the home slot's region.
  std::size_t next(std::size_t s) const noexcept {
    return (s & ~region_mask_) | ((s + 1) & region_mask_);
  }

  /// Where the inserts record what they find: first[r] for every row (factorize), or else
  /// the rows whose key came earlier, per thread.
  struct Found {
    index_t* first = nullptr;
    std::vector<std::vector<index_t>> dups;
    void record(std::size_t t, std::size_t r, index_t earlier) {
      if (first)
        first[r] = earlier == npos ? static_cast<index_t>(r) : earlier;
      else if (earlier != npos)
        dups[t].push_back(static_cast<index_t>(r));
    }
    /// The rows whose key came earlier, in row order.
    std::vector<index_t> duplicates() const {
      std::vector<index_t> all;
      for (const auto& d : dups) all.insert(all.end(), d.begin(), d.end());
      std::sort(all.begin(), all.end());
      return all;
    }
  };

  /// Copies the keys (int ids: unless `borrow`), sizes the table and inserts every row.
  void build(const IdColumn& keys, IdLayout layout, Found& found, bool borrow) {
    constexpr std::size_t limit = static_cast<std::size_t>(std::numeric_limits<index_t>::max()) - 1;
    if (keys.n > limit)
      throw std::length_error("IdIndex: more than 2^31 - 2 keys");  // callers check first
    n_ = keys.n;
    strings_ = keys.is_strings;
    detail::ScratchBuffer<std::uint64_t> hashes;
    if (strings_) {
      hashes = detail::scratch_buffer<std::uint64_t>(n_);
      strs_ = StringArena(keys.strings, hashes.get());
    } else {
      if (!borrow) ints_.assign(keys.ints, keys.ints + n_);
      keys_ = borrow ? keys.ints : ints_.data();
      if (n_ > 0) {
        const auto [lo, hi] = detail::id_bounds(keys.ints, n_);
        const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
        const bool direct =
            layout == IdLayout::automatic ? direct_range(range, n_) : layout == IdLayout::direct;
        if (direct && range >= std::uint64_t{1} << 40)
          throw std::length_error("IdIndex: ids too far apart to address directly");
        if (direct) {
          direct_ = true;
          base_ = lo;
          nslots_ = static_cast<std::size_t>(range) + 1;
          direct_slots_ = detail::filled_buffer<index_t>(nslots_, npos);
          insert_direct(found);
          return;
        }
      }
    }
    unsigned bits = 4;
    while (7 * (std::size_t{1} << bits) < 10 * n_) ++bits;  // at most 70 % full
    nslots_ = std::size_t{1} << bits;
    shift_ = 64 - bits;
    mask_ = nslots_ - 1;
    table_ = detail::filled_buffer<Slot>(nslots_, Slot{0, npos, 0});
    // Regions of 2^region_bits slots, each owned by one thread: a probe wraps round inside
    // its region. Should a region fill up (ids chosen against the hash), the table is
    // refilled as one region on one thread, the hashes mixed again with a seed.
    region_mask_ = std::min(mask_, (std::size_t{1} << region_bits) - 1);
    if (!insert_hashed(hashes.get(), found)) {
      region_mask_ = mask_;
      seed_ = 0x2545f4914f6cdd1dULL;
      std::fill(table_.get(), table_.get() + nslots_, Slot{0, npos, 0});
      insert_hashed(hashes.get(), found);
    }
  }

  /// Direct addressing: slices of the slot range, one per thread, so no slot is written by
  /// two threads and the first row of a key always wins.
  void insert_direct(Found& found) {
    const std::size_t parts = detail::parallel_parts(n_, grain);
    found.dups.assign(parts, {});
    index_t* slots = direct_slots_.get();
    const id_type* keys = keys_;
    const std::uint64_t base = static_cast<std::uint64_t>(base_);
    detail::for_each_by_key_slice(
        n_, nslots_, parts,
        [&](std::size_t r) { return static_cast<std::uint64_t>(keys[r]) - base; },
        [&](std::uint64_t s) { __builtin_prefetch(slots + s, 1); },
        [&](std::size_t t, std::size_t r, std::uint64_t s) {
          const index_t p = slots[s];
          if (p == npos) slots[s] = static_cast<index_t>(r);
          found.record(t, r, p);
        });
  }

  /// Hashing: the rows of each region inserted in row order by the thread that owns the
  /// region (so the table does not depend on the thread count). False when a region would
  /// be more than 7/8 full or a probe longer than max_probe (ids crowded by the hash); the
  /// last try, one region with a seed, has no limits.
  bool insert_hashed(const std::uint64_t* hashes, Found& found) {
    const std::size_t region = region_mask_ + 1;
    const std::size_t regions = nslots_ / region;
    const std::size_t parts = std::min(detail::parallel_parts(n_, grain), regions);
    found.dups.assign(parts, {});
    std::vector<std::size_t> filled(regions, 0);
    std::vector<std::uint8_t> full(parts, 0);
    const bool limited = seed_ == 0;
    constexpr std::size_t max_probe = 1024;
    Slot* table = table_.get();
    const id_type* keys = keys_;
    detail::for_each_by_key_slice(
        n_, nslots_, parts,
        [&](std::size_t r) { return home(strings_ ? hashes[r] : hash_id(keys[r])); },
        [&](std::uint64_t s) { __builtin_prefetch(table + s, 1); },
        [&](std::size_t t, std::size_t r, std::uint64_t h) {
          if (full[t]) return;  // made again anyway
          const std::string_view str = strings_ ? strs_[r] : std::string_view();
          const detail::StrKey k = strings_
                                       ? detail::str_key(str, hashes[r])
                                       : detail::StrKey{0, static_cast<std::uint64_t>(keys[r]), 0};
          std::size_t probe = 0;
          for (std::size_t s = static_cast<std::size_t>(h);; s = next(s), ++probe) {
            Slot& e = table[s];
            if (limited && probe > max_probe) {
              full[t] = 1;
              return;
            }
            if (e.pos == npos) {
              std::size_t& f = filled[s / region];
              if (limited && 8 * (f + 1) > 7 * region) {
                full[t] = 1;
                return;
              }
              ++f;
              e = Slot{k.word, static_cast<index_t>(r), k.tag};
              found.record(t, r, npos);
              return;
            }
            if (strings_ ? same(e, k, str) : e.word == k.word) {
              found.record(t, r, e.pos);
              return;
            }
          }
        },
        region);
    return std::find(full.begin(), full.end(), 1) == full.end();
  }

  static constexpr std::size_t grain = std::size_t{1} << 16;  // rows per thread, at least

  Array<id_type> ints_;
  const id_type* keys_ = nullptr;  // the int keys: ints_, or the caller's until relabel()
  StringArena strs_;
  Array<index_t> at_;  // strings: at_[p] is the arena's string at position p (empty: p)
  std::size_t n_ = 0;
  bool strings_ = false;
  bool direct_ = false;
  id_type base_ = 0;                             // direct: the smallest key
  detail::ScratchBuffer<index_t> direct_slots_;  // direct: the position of key base_ + s
  detail::ScratchBuffer<Slot> table_;            // hashed
  std::size_t nslots_ = 0;
  unsigned shift_ = 60;
  std::size_t mask_ = 15, region_mask_ = 15;
  std::uint64_t seed_ = 0;  // 0, or the seed hashes are mixed with again (see build())

  friend Factorized factorize(const IdColumn& keys, bool sorted, IdLayout layout);
};

/// Each row's code and the distinct keys: what factorize() returns.
struct Factorized {
  Array<index_t> codes;       ///< codes[r]: the code of row r's key
  Array<index_t> first_rows;  ///< first_rows[c]: the first row holding code c's key
  IdIndex keys;               ///< the distinct keys, the key of code c at position c
};

namespace detail {
/// Sorts v by `less` on every thread: slices sorted, then merged pairwise (for distinct
/// keys, as here, the result is the one sorted order whatever the thread count).
template <class T, class Less>
void parallel_sort(std::vector<T>& v, Less less) {
  const std::size_t n = v.size();
  const std::size_t parts = parallel_parts(n, std::size_t{1} << 15);
  const auto at = [&](std::size_t part) {
    return v.begin() + static_cast<std::ptrdiff_t>(slice_begin(n, parts, std::min(part, parts)));
  };
  parallel_for_parts(n, parts, [&](std::size_t, std::size_t b, std::size_t e) {
    std::sort(v.begin() + static_cast<std::ptrdiff_t>(b),
              v.begin() + static_cast<std::ptrdiff_t>(e), less);
  });
  for (std::size_t width = 1; width < parts; width *= 2) {
    const std::size_t pairs = (parts + 2 * width - 1) / (2 * width);
    parallel_for_parts(pairs, pairs, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i)
        std::inplace_merge(at(2 * width * i), at(2 * width * i + width), at(2 * width * (i + 1)),
                           less);
    });
  }
}
}  // namespace detail

/// Codes 0..k-1 for the k distinct ids of a column, in the order of their first row, and
/// the distinct ids indexed (what grouping rows by id needs). With `sorted`, the codes
/// follow the ids' ascending order instead: ints by value, strings by their bytes (for
/// UTF-8, the order of their code points, as Python sorts str). In parallel; the result
/// does not depend on the thread count.
namespace detail {
/// About how many distinct values among n words (HyperLogLog, 2^14 registers: within a
/// few percent), in one parallel pass; the same answer whatever the thread count.
inline double estimate_distinct(const std::uint64_t* v, std::size_t n) {
  constexpr unsigned bits = 14;
  constexpr std::size_t m = std::size_t{1} << bits;
  const std::size_t parts = parallel_parts(n, std::size_t{1} << 18);
  std::vector<std::vector<std::uint8_t>> regs(parts, std::vector<std::uint8_t>(m, 0));
  parallel_for_parts(n, parts, [&](std::size_t t, std::size_t b, std::size_t e) {
    std::uint8_t* reg = regs[t].data();
    for (std::size_t i = b; i < e; ++i) {
      const std::uint64_t h = mix64(v[i]);
      const std::uint64_t rest = (h << bits) | (std::uint64_t{1} << (bits - 1));
      const auto rank = static_cast<std::uint8_t>(__builtin_clzll(rest) + 1);
      std::uint8_t& r = reg[h >> (64 - bits)];
      r = rank > r ? rank : r;
    }
  });
  double sum = 0;
  std::size_t zeros = 0;
  for (std::size_t j = 0; j < m; ++j) {
    std::uint8_t r = 0;
    for (const auto& reg : regs) r = reg[j] > r ? reg[j] : r;
    sum += std::ldexp(1.0, -static_cast<int>(r));
    zeros += r == 0;
  }
  const double md = static_cast<double>(m);
  const double e = 0.7213 / (1 + 1.079 / md) * md * md / sum;
  // few values: linear counting is the better estimate
  return e < 2.5 * md && zeros > 0 ? md * std::log(md / static_cast<double>(zeros)) : e;
}

/// factorize() of string objects through their identity: rows that hold the same object
/// hold the same string, so the objects are factorized first (their addresses, hashed: no
/// string read) and only the distinct objects' strings after. Empty when most objects are
/// distinct (then reading every row's string directly is the cheaper way).
inline std::optional<Factorized> factorize_by_object(const StringColumn& s, bool sorted) {
  const std::size_t n = s.n;
  static_assert(sizeof(const void*) == sizeof(id_type));
  if (2 * estimate_distinct(reinterpret_cast<const std::uint64_t*>(s.objects), n) >
      static_cast<double>(n))
    return std::nullopt;
  const Factorized objects =
      factorize(IdColumn(reinterpret_cast<const id_type*>(s.objects), n), false, IdLayout::hashed);
  const std::size_t k = objects.first_rows.size();
  if (2 * k > n) return std::nullopt;
  std::vector<const char*> ptrs(k);  // the distinct objects' strings, read once each
  std::vector<std::int64_t> lens(k);
  for (std::size_t c = 0; c < k; ++c) {
    const std::string_view v = s.get(s.objects[static_cast<std::size_t>(objects.first_rows[c])]);
    ptrs[c] = v.data();
    lens[c] = static_cast<std::int64_t>(v.size());
  }
  Factorized strings = factorize(StringColumn::pointers(ptrs.data(), lens.data(), k), sorted);
  // a row's code: its object's string's; a string's first row: its first object's
  Factorized out;
  out.codes.resize(n);
  parallel_for(n, std::size_t{1} << 16, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r)
      out.codes[r] = strings.codes[static_cast<std::size_t>(objects.codes[r])];
  });
  out.first_rows.resize(strings.first_rows.size());
  for (std::size_t c = 0; c < out.first_rows.size(); ++c)
    out.first_rows[c] = objects.first_rows[static_cast<std::size_t>(strings.first_rows[c])];
  out.keys = std::move(strings.keys);
  return out;
}
}  // namespace detail

inline Factorized factorize(const IdColumn& keys, bool sorted, IdLayout layout) {
  if (keys.is_strings && keys.strings.objects != nullptr && keys.n > 1) {
    std::optional<Factorized> f = detail::factorize_by_object(keys.strings, sorted);
    if (f) return std::move(*f);
  }
  Factorized out;
  IdIndex& index = out.keys;
  detail::ScratchBuffer<index_t> first = detail::scratch_buffer<index_t>(keys.n);
  IdIndex::Found found;
  found.first = first.get();
  index.build(keys, layout, found, false);
  const std::size_t n = keys.n;
  out.codes.resize(n);
  index_t* code = out.codes.data();
  index_t* to = first.get();
  // 1. codes of the first rows, counted in row order; 2. every later row takes its first
  //    row's code; 3. a first row's position moves to its code, the others are dropped.
  const std::size_t parts = detail::parallel_parts(n, IdIndex::grain);
  std::vector<index_t> count(parts + 1, 0);
  detail::parallel_for_parts(n, parts, [&](std::size_t t, std::size_t b, std::size_t e) {
    index_t c = 0;
    for (std::size_t r = b; r < e; ++r) c += first[r] == static_cast<index_t>(r);
    count[t + 1] = c;
  });
  for (std::size_t t = 0; t < parts; ++t) count[t + 1] += count[t];
  detail::parallel_for_parts(n, parts, [&](std::size_t t, std::size_t b, std::size_t e) {
    index_t c = count[t];
    for (std::size_t r = b; r < e; ++r)
      if (first[r] == static_cast<index_t>(r)) code[r] = c++;
  });
  detail::parallel_for_parts(n, parts, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r)
      if (first[r] != static_cast<index_t>(r)) code[r] = code[first[r]];
  });
  detail::parallel_for_parts(n, parts, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r) to[r] = to[r] == static_cast<index_t>(r) ? code[r] : npos;
  });
  const std::size_t k = static_cast<std::size_t>(count[parts]);
  out.first_rows.resize(k);
  detail::parallel_for_parts(n, parts, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r)
      if (to[r] != npos) out.first_rows[static_cast<std::size_t>(to[r])] = static_cast<index_t>(r);
  });
  index.relabel(to, k);
  if (!sorted || k < 2) return out;
  // the codes in key order: rank[c] is code c's place
  std::vector<index_t> order(k), rank(k);
  if (index.strings()) {
    for (std::size_t c = 0; c < k; ++c) order[c] = static_cast<index_t>(c);
    detail::parallel_sort(
        order, [&](index_t a, index_t b) { return index.string_key(a) < index.string_key(b); });
  } else {
    const std::vector<std::uint32_t> perm = detail::sort_permutation(index.int_keys().data(), k);
    for (std::size_t j = 0; j < k; ++j) order[j] = static_cast<index_t>(perm[j]);
  }
  for (std::size_t j = 0; j < k; ++j)
    rank[static_cast<std::size_t>(order[j])] = static_cast<index_t>(j);
  detail::parallel_for(n, IdIndex::grain, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t r = b; r < e; ++r) code[r] = rank[static_cast<std::size_t>(code[r])];
  });
  Array<index_t> first_sorted(k);
  for (std::size_t c = 0; c < k; ++c)
    first_sorted[static_cast<std::size_t>(rank[c])] = out.first_rows[c];
  out.first_rows = std::move(first_sorted);
  index.relabel(rank.data(), k);
  return out;
}

}  // namespace downline
