// Internals of grouping orders by customer: the engine of summarize_orders() and
// summarize_by_id() (segment.hpp). Orders are scattered into cache-sized partitions of
// their ids (by id range, or by hash when the ids are clustered), and every partition is
// grouped on its own: by direct addressing (slot and day records, packed into 32 bits when
// they fit) when its ids are dense, else with a small table (SmallIdTable); then each
// customer's orders are put in day order and summarised (OrderSummary, orders.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "../date.hpp"
#include "../error.hpp"
#include "../fwd.hpp"
#include "../ids.hpp"
#include "../orders.hpp"
#include "buffer.hpp"
#include "parallel.hpp"

namespace downline::detail {

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

/// The grouping engine's scratch table of one partition (summarize_hashed()): open
/// addressing (linear probing) from id to a small code, on ids.hpp's hash_id(), that grows
/// as keys arrive. Not an IdIndex: one per partition, sized for the partition's orders and
/// built in several passes, was 15-56 % slower (benchmarks/README.md).
class SmallIdTable {
 public:
  static constexpr std::int32_t empty = -1;
  /// Slots per key, at least: the table is at most half full (it grows past that).
  static constexpr std::size_t slots_per_key = 2;

  /// Empties the table, sized for about `expected` keys; slots come from the hash bits
  /// after the first `skip_bits` (those may have picked the partition).
  void reset(std::size_t expected, unsigned skip_bits) {
    skip_ = skip_bits;
    size_ = 0;
    resize(std::max(4u, log2_ceil(expected * slots_per_key)));
  }
  /// The code of `id`, inserting it with `code` when absent; `inserted` tells which.
  std::int32_t find_or_insert(id_type id, std::int32_t code, bool& inserted) {
    for (std::size_t slot = slot_of(id);; slot = (slot + 1) & mask_) {
      const std::int32_t c = codes_[slot];
      if (c == empty) {
        keys_[slot] = id;
        codes_[slot] = code;
        inserted = true;
        if (++size_ * slots_per_key > mask_ + 1) grow();
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
    return static_cast<std::size_t>((hash_id(id) << skip_) >> shift_);
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

/// Writes customer c's entry into the arrays the summary holds (see SummaryFields).
inline void put_summary(OrderSummary& s, std::size_t c, std::int64_t orders, std::int32_t days,
                        day_t first, day_t last, double amount, double first_day_amount) {
  if (!s.orders.empty()) s.orders[c] = orders;
  if (!s.days.empty()) s.days[c] = days;
  if (!s.first.empty()) s.first[c] = first;
  if (!s.last.empty()) s.last[c] = last;
  if (!s.amount.empty()) s.amount[c] = amount;
  if (!s.first_day_amount.empty()) s.first_day_amount[c] = first_day_amount;
}

/// Customer c's entry of the summary from its m >= 1 orders already in day order.
inline void summarize_sorted(const day_t* dd, const double* aa, std::size_t m, bool positive_only,
                             OrderSummary& s, std::size_t c) {
  std::int32_t distinct = 0;
  std::int64_t counted = 0;
  day_t first = min_day, last = min_day;
  double total = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    total += aa[i];
    if (positive_only && !(aa[i] > 0.0)) continue;
    if (counted == 0 || dd[i] != last) ++distinct;
    if (counted == 0) first = dd[i];
    last = dd[i];
    ++counted;
  }
  double first_total = 0.0;
  if (counted > 0)
    for (std::size_t i = 0; i < m && dd[i] <= first; ++i)
      if (dd[i] == first) first_total += aa[i];
  put_summary(s, c, counted, distinct, first, last, total, first_total);
}

/// One customer's orders (days dd, amounts aa, m >= 1 of them, in input order): puts them
/// in day order (stable) and writes the customer's entry c of the summary. Amounts are
/// summed in that order, so results do not depend on how customers were grouped.
inline void summarize_group(day_t* dd, double* aa, std::size_t m, bool positive_only,
                            std::vector<std::pair<day_t, double>>& big, OrderSummary& s,
                            std::size_t c) {
  if (m <= 32) {  // insertion sort: stable, fast for the usual handful of orders
    for (std::size_t i = 1; i < m; ++i) {
      const day_t x = dd[i];
      const double y = aa[i];
      std::size_t j = i;
      for (; j > 0 && dd[j - 1] > x; --j) {
        dd[j] = dd[j - 1];
        aa[j] = aa[j - 1];
      }
      dd[j] = x;
      aa[j] = y;
    }
  } else {
    big.clear();
    for (std::size_t i = 0; i < m; ++i) big.emplace_back(dd[i], aa[i]);
    std::stable_sort(big.begin(), big.end(),
                     [](const auto& p, const auto& q) { return p.first < q.first; });
    for (std::size_t i = 0; i < m; ++i) {
      dd[i] = big[i].first;
      aa[i] = big[i].second;
    }
  }
  summarize_sorted(dd, aa, m, positive_only, s, c);
}

/// n customers without orders in the arrays named by `fields`; the others empty.
inline void resize_summary(OrderSummary& s, std::size_t n, unsigned fields = SummaryFields::all) {
  const auto fill = [&](auto& a, unsigned f, auto v) {
    if (fields & f) {
      a.assign(n, v);
    } else {
      a.clear();
      a.shrink_to_fit();
    }
  };
  fill(s.orders, SummaryFields::orders, std::int64_t{0});
  fill(s.days, SummaryFields::days, std::int32_t{0});
  fill(s.first, SummaryFields::first, min_day);
  fill(s.last, SummaryFields::last, min_day);
  fill(s.amount, SummaryFields::amount, 0.0);
  fill(s.first_day_amount, SummaryFields::first_day_amount, 0.0);
}

/// Counting sort of the orders [0, m) with day <= as_of by code (0..k-1; a negative code
/// is left out), input order kept: customer c's days and amounts end up in
/// dd/aa[start[c], start[c + 1]).
template <class CodeOf, class DayOf, class AmountOf>
void group_orders(std::size_t m, std::size_t k, day_t as_of, CodeOf code_of, DayOf day_of,
                  AmountOf amount_of, std::vector<std::int64_t>& start, std::vector<day_t>& dd,
                  std::vector<double>& aa) {
  start.assign(k + 1, 0);
  for (std::size_t i = 0; i < m; ++i)
    if (code_of(i) >= 0 && day_of(i) <= as_of) ++start[static_cast<std::size_t>(code_of(i)) + 1];
  for (std::size_t c = 0; c < k; ++c) start[c + 1] += start[c];
  dd.resize(static_cast<std::size_t>(start[k]));
  aa.resize(dd.size());
  for (std::size_t i = 0; i < m; ++i) {
    if (code_of(i) < 0 || day_of(i) > as_of) continue;
    const std::size_t j = static_cast<std::size_t>(start[static_cast<std::size_t>(code_of(i))]++);
    dd[j] = day_of(i);
    aa[j] = amount_of(i);
  }
  // start[c] is now the end of c's orders: shift back to the beginnings
  for (std::size_t c = k; c > 0; --c) start[c] = start[c - 1];
  start[0] = 0;
}

/// One partition's results in summarize_by_id().
struct IdPart {
  std::vector<id_type> ids;  ///< without a universe: the partition's customers, ascending
  OrderSummary s;
  std::vector<id_type> unknown, duplicate;
  std::int64_t unknown_orders = 0;
};

/// Rows per slice of summarize_by_id()'s streaming passes, at least.
constexpr std::size_t summary_grain = std::size_t{1} << 16;
/// About 2^15 orders per partition (its table and its orders stay in L2), in at most
/// 2^11 partitions.
constexpr unsigned partition_rows_log2 = 15, max_partition_bits = 11;
/// A partition by id range may hold this many times its share of the orders (plus the
/// slack) before the ids are partitioned by hash instead.
constexpr std::size_t fair_share_factor = 8, fair_share_slack = 4096;
/// Partitions by id range are addressed directly up to this many slots per row of their
/// share, plus the slack (see IdPartitions::direct()).
constexpr std::size_t direct_span_factor = 4, direct_span_slack = 4096;
/// Packed records have at most 2^14 day values (44 years), so that a partition's count
/// per day stays small.
constexpr unsigned max_packed_day_bits = 14;
/// A partition's SmallIdTable starts sized for its universe ids and one id per this many
/// of its orders (plus the slack); it grows when there are more.
constexpr std::size_t table_orders_per_id = 4, table_slack = 16;

/// An id in unsigned order (the sign bit flipped), as id ranges are measured.
inline std::uint64_t unsigned_order(id_type x) noexcept {
  return static_cast<std::uint64_t>(x) ^ (std::uint64_t{1} << 63);
}

/// What summarize_by_id() reads first: the range of the order and universe ids (in
/// unsigned order) and the first order's ticks.
struct OrderIdRange {
  std::uint64_t lo_id = ~std::uint64_t{0}, hi_id = 0;
  std::int64_t min_ticks = std::numeric_limits<std::int64_t>::max();
};

/// The ids' range and the first ticks in one parallel pass; InputError naming the rows
/// without a date (NaT, the int64 minimum).
inline OrderIdRange order_id_range(const id_type* id, const std::int64_t* ticks, std::size_t n,
                                   const id_type* universe, std::size_t n_universe) {
  constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
  const std::size_t slices = parallel_parts(n, summary_grain);
  std::vector<OrderIdRange> part(slices);
  std::vector<char> no_date(slices, 0);
  parallel_for_parts(n, slices, [&](std::size_t sl, std::size_t b, std::size_t e) {
    OrderIdRange r;
    bool bad = false;
    for (std::size_t i = b; i < e; ++i) {
      const std::uint64_t u = unsigned_order(id[i]);
      r.lo_id = std::min(r.lo_id, u);
      r.hi_id = std::max(r.hi_id, u);
      bad |= ticks[i] == nat;
      r.min_ticks = std::min(r.min_ticks, ticks[i]);
    }
    part[sl] = r;
    no_date[sl] = bad;
  });
  if (std::find(no_date.begin(), no_date.end(), 1) != no_date.end()) {
    std::vector<id_type> rows_bad;
    for (std::size_t i = 0; i < n; ++i)
      if (ticks[i] == nat) rows_bad.push_back(static_cast<id_type>(i));
    throw errors::missing_dates(std::move(rows_bad));
  }
  OrderIdRange out;
  for (const OrderIdRange& r : part) {
    out.lo_id = std::min(out.lo_id, r.lo_id);
    out.hi_id = std::max(out.hi_id, r.hi_id);
    out.min_ticks = std::min(out.min_ticks, r.min_ticks);
  }
  for (std::size_t i = 0; i < n_universe; ++i) {
    out.lo_id = std::min(out.lo_id, unsigned_order(universe[i]));
    out.hi_id = std::max(out.hi_id, unsigned_order(universe[i]));
  }
  return out;
}

/// How summarize_by_id() splits ids into 2^bits partitions: by id range (partition p
/// holds the ids lo_id + (p << range_shift) + slot, slot < 2^range_shift, in unsigned
/// order), or by the high bits of hash_id().
struct IdPartitions {
  unsigned bits = 0;
  std::uint64_t lo_id = 0;
  unsigned range_shift = 0;  ///< 64 when the ids span the whole int64 range
  bool by_value = true;

  std::size_t count() const noexcept { return std::size_t{1} << bits; }
  std::size_t of(id_type x) const noexcept {
    if (bits == 0) return 0;
    if (by_value) return static_cast<std::size_t>((unsigned_order(x) - lo_id) >> range_shift);
    return static_cast<std::size_t>(hash_id(x) >> (64 - bits));
  }
  /// By id range: the ids a partition spans, when a slot fits 32 bits (else 0).
  std::size_t span() const noexcept {
    return by_value && range_shift < 32 ? std::size_t{1} << range_shift : 0;
  }
  /// Whether partitions by id range are addressed directly: a partition spans at most
  /// direct_span_factor times its share of the `rows` (plus direct_span_slack). Not
  /// direct_range(): a slot here costs several per-partition arrays, not one 4-byte
  /// entry, and that rule was slower for sparse ids (benchmarks/README.md).
  bool direct(std::size_t rows) const noexcept {
    return span() != 0 && span() <= direct_span_factor * (rows / count() + 1) + direct_span_slack;
  }
  /// An id's slot in its partition's range (span() > 0 only).
  std::uint32_t slot(id_type x) const noexcept {
    return static_cast<std::uint32_t>((unsigned_order(x) - lo_id) & (span() - 1));
  }
};

/// The partitions of n orders and n_universe universe ids in `range`, by id range unless
/// the ids are so clustered that a partition would hold more than fair_share_factor times
/// its share; `orders_part` counted accordingly.
inline IdPartitions partition_orders(const id_type* id, std::size_t n, std::size_t n_universe,
                                     const OrderIdRange& range, Partitioning& orders_part) {
  IdPartitions parts;
  parts.bits =
      std::min(max_partition_bits,
               log2_ceil(std::max<std::size_t>(1, (n + n_universe) >> partition_rows_log2)));
  parts.lo_id = range.lo_id;
  const std::size_t P = parts.count();
  if (n + n_universe > 0)
    while (parts.range_shift < 64 && ((range.hi_id - range.lo_id) >> parts.range_shift) >= P)
      ++parts.range_shift;
  orders_part.bits = parts.bits;
  const auto part_of = [&](std::size_t i) { return parts.of(id[i]); };
  const std::size_t fair =
      std::max<std::size_t>((n + P - 1) / P, 1) * fair_share_factor + fair_share_slack;
  if (orders_part.count(n, summary_grain, part_of) > fair) {
    parts.by_value = false;
    orders_part.count(n, summary_grain, part_of);
  }
  return parts;
}

/// The universe partitioned like the orders, each id with its position.
inline std::vector<std::pair<id_type, std::int64_t>> partition_universe(const id_type* universe,
                                                                        std::size_t n_universe,
                                                                        const IdPartitions& parts,
                                                                        Partitioning& uni_part) {
  std::vector<std::pair<id_type, std::int64_t>> uni(n_universe);
  uni_part.bits = parts.bits;
  if (universe == nullptr) return uni;
  const auto part_u = [&](std::size_t i) { return parts.of(universe[i]); };
  uni_part.count(n_universe, summary_grain, part_u);
  uni_part.place(n_universe, summary_grain, part_u, [&](std::size_t i, std::size_t at) {
    uni[at] = {universe[i], static_cast<std::int64_t>(i)};
  });
  return uni;
}

/// The partitions' reports in `out`: unknown ids (ascending) and their orders; InputError
/// naming duplicate universe ids.
inline void collect_reports(const std::vector<IdPart>& parts, IdOrderSummary& out) {
  std::vector<id_type> duplicate;
  for (const IdPart& part : parts) {
    duplicate.insert(duplicate.end(), part.duplicate.begin(), part.duplicate.end());
    out.unknown_ids.insert(out.unknown_ids.end(), part.unknown.begin(), part.unknown.end());
    out.unknown_orders += part.unknown_orders;
  }
  if (!duplicate.empty()) throw errors::duplicate_ids("customer", std::move(duplicate));
  std::sort(out.unknown_ids.begin(), out.unknown_ids.end());
}

/// The partitions' customers (summarize_hashed() without a universe) in `out`, in
/// ascending id order: a concatenation when partitions are by id range (each sorted),
/// else one radix sort.
inline void concatenate_parts(const std::vector<IdPart>& parts, bool by_value, unsigned fields,
                              IdOrderSummary& out) {
  const std::size_t P = parts.size();
  std::vector<std::size_t> offset(P + 1, 0);
  for (std::size_t p = 0; p < P; ++p) offset[p + 1] = offset[p] + parts[p].ids.size();
  const std::size_t K = offset[P];
  out.ids.resize(K);
  OrderSummary& s = out.summary;
  resize_summary(s, K, fields);
  auto put = [&](std::size_t i, const IdPart& part, std::size_t j) {
    out.ids[i] = part.ids[j];
    const OrderSummary& ps = part.s;
    put_summary(s, i, ps.orders.empty() ? 0 : ps.orders[j], ps.days.empty() ? 0 : ps.days[j],
                ps.first.empty() ? min_day : ps.first[j], ps.last.empty() ? min_day : ps.last[j],
                ps.amount.empty() ? 0.0 : ps.amount[j],
                ps.first_day_amount.empty() ? 0.0 : ps.first_day_amount[j]);
  };
  if (by_value) {
    parallel_for(P, 1, [&](std::size_t, std::size_t pb, std::size_t pe) {
      for (std::size_t p = pb; p < pe; ++p)
        for (std::size_t j = 0; j < parts[p].ids.size(); ++j) put(offset[p] + j, parts[p], j);
    });
    return;
  }
  std::vector<id_type> ids(K);
  std::vector<std::uint32_t> from_part(K);
  for (std::size_t p = 0; p < P; ++p) {
    std::copy(parts[p].ids.begin(), parts[p].ids.end(),
              ids.begin() + static_cast<std::ptrdiff_t>(offset[p]));
    std::fill(from_part.begin() + static_cast<std::ptrdiff_t>(offset[p]),
              from_part.begin() + static_cast<std::ptrdiff_t>(offset[p + 1]),
              static_cast<std::uint32_t>(p));
  }
  const std::vector<std::uint32_t> order = sort_permutation(ids.data(), K);
  parallel_for(K, summary_grain, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const std::size_t g = order[i];
      put(i, parts[from_part[g]], g - offset[from_part[g]]);
    }
  });
}

/// An order in a partition of dense ids: its slot in the partition's id range and its day
/// (and amount, when there is an amount column).
struct SlotDay {
  std::uint32_t slot;
  day_t day;
};
struct SlotDayAmount {
  std::uint32_t slot;
  day_t day;
  double amount;
};
/// An order with an amount in a partition of dense ids: PackedDays' 32-bit key and the
/// amount, 12 bytes (4-byte aligned) instead of SlotDayAmount's 16.
#pragma pack(push, 4)
struct PackedDayAmount {
  std::uint32_t key;
  double amount;
};
#pragma pack(pop)
static_assert(sizeof(PackedDayAmount) == 12, "12-byte records");

inline double amount_of(const SlotDay&) noexcept { return 0.0; }
inline double amount_of(const SlotDayAmount& r) noexcept { return r.amount; }
inline double amount_of(const PackedDayAmount& r) noexcept { return r.amount; }

/// An order in a partition of dense ids without amounts, packed in 32 bits: its slot in the
/// high bits, its day minus `base` in the low `day_bits` (orders after as_of all carry
/// as_of + 1). Half the bytes of SlotDay to scatter and group; used when both fit.
struct PackedDays {
  unsigned day_bits = 0;
  day_t base = 0;
  std::uint32_t after = 0;  ///< the offset of as_of + 1 (every order after as_of)
  std::uint32_t slot(std::uint32_t r) const noexcept { return r >> day_bits; }
  std::uint32_t offset(std::uint32_t r) const noexcept {
    return r & ((std::uint32_t{1} << day_bits) - 1);
  }
  day_t day(std::uint32_t r) const noexcept { return static_cast<day_t>(offset(r)) + base; }
  /// The key of an order in `slot` on day d >= base (days after as_of become as_of + 1).
  std::uint32_t key(std::uint32_t slot, day_t d) const noexcept {
    return (slot << day_bits) |
           static_cast<std::uint32_t>(std::min<std::int64_t>(std::int64_t{d} - base, after));
  }
  std::uint32_t slot(const PackedDayAmount& r) const noexcept { return slot(r.key); }
  day_t day(const PackedDayAmount& r) const noexcept { return day(r.key); }
};
/// The same accessors for the unpacked records.
struct PlainDays {
  template <class Rec>
  std::uint32_t slot(const Rec& r) const noexcept {
    return r.slot;
  }
  template <class Rec>
  day_t day(const Rec& r) const noexcept {
    return r.day;
  }
};

/// summarize_by_id() when ids are dense: partition p holds the ids whose unsigned-shifted
/// value is lo_id + (p << shift) + slot, slot < 2^shift, so every partition is grouped by
/// direct addressing (no table, no sort: slots are in id order). part_of(i) is order i's
/// partition, make(i, day) its record.
template <class Rec, class Codec, class PartOf, class Make>
void summarize_direct(std::size_t n, const std::int64_t* ticks, std::int64_t ticks_per_day,
                      day_t as_of, bool positive_only, Partitioning& orders_part,
                      const Partitioning& uni_part,
                      const std::vector<std::pair<id_type, std::int64_t>>& uni, std::uint64_t lo_id,
                      unsigned shift, bool has_universe, IdOrderSummary& out,
                      std::vector<IdPart>& parts, unsigned fields, Codec codec, PartOf part_of,
                      Make make) {
  constexpr bool packed = std::is_same<Rec, std::uint32_t>::value;
  constexpr std::uint64_t sign = std::uint64_t{1} << 63;
  const std::size_t span = std::size_t{1} << shift;
  detail::ScratchBuffer<Rec> rec = detail::scratch_buffer<Rec>(n);
  with_ticks_per_day(ticks_per_day, [&](auto per_day) {
    orders_part.place(n, summary_grain, part_of, [&](std::size_t i, std::size_t at) {
      rec[at] = make(i, clamped_day(ticks[i], per_day));
    });
  });
  // Without a universe the customers are the distinct ids in ascending order: partition p's
  // come after those of the partitions before it, so one counting pass over the (already
  // partitioned) records gives every partition's first output row, and results are written
  // straight into the final arrays (no per-partition arrays, no concatenation).
  std::vector<std::size_t> first_row(parts.size() + 1, 0);
  if (!has_universe) {
    orders_part.for_each_range([&](std::size_t, std::size_t pb, std::size_t pe) {
      std::vector<std::uint8_t> present(span);
      for (std::size_t p = pb; p < pe; ++p) {
        std::fill(present.begin(), present.end(), std::uint8_t{0});
        for (std::size_t i = orders_part.begin[p]; i < orders_part.begin[p + 1]; ++i)
          present[codec.slot(rec[i])] = 1;
        first_row[p + 1] =
            static_cast<std::size_t>(std::count(present.begin(), present.end(), std::uint8_t{1}));
      }
    });
    for (std::size_t p = 0; p < parts.size(); ++p) first_row[p + 1] += first_row[p];
    out.ids.resize(first_row.back());
    resize_summary(out.summary, first_row.back(), fields);
  }
  // Per partition (in cache): rows counted per slot, then two stable counting sorts, by
  // day and then by slot, so that every customer's rows are in day order (ties in input
  // order, as summarize_group() would leave them) without a sort per customer.
  constexpr std::size_t max_day_range = std::size_t{1} << 20;
  orders_part.for_each_range([&](std::size_t, std::size_t pb, std::size_t pe) {
    std::vector<std::int32_t> seen(span);
    std::vector<std::int64_t> code(span), owner, start(span + 1), next;
    std::vector<std::int32_t> by_day;
    std::vector<Rec> tmp, keys;
    if constexpr (packed) by_day.resize((std::size_t{1} << codec.day_bits) + 1);
    std::vector<day_t> dd;
    std::vector<double> aa;
    std::vector<std::pair<day_t, double>> big;
    for (std::size_t p = pb; p < pe; ++p) {
      IdPart& part = parts[p];
      const Rec* r = rec.get() + orders_part.begin[p];
      const std::size_t m = orders_part.begin[p + 1] - orders_part.begin[p];
      const std::uint64_t base = lo_id + (static_cast<std::uint64_t>(p) << shift);
      const auto id_at = [&](std::size_t slot) {
        return static_cast<id_type>((base + slot) ^ sign);
      };
      std::fill(seen.begin(), seen.end(), 0);
      std::fill(start.begin(), start.end(), 0);
      day_t dlo = std::numeric_limits<day_t>::max(), dhi = std::numeric_limits<day_t>::min();
      if constexpr (packed) {  // every row counted by slot and by day, in one pass
        std::fill(by_day.begin(), by_day.end(), 0);
        for (std::size_t i = 0; i < m; ++i) {
          ++seen[codec.slot(r[i])];
          ++by_day[codec.offset(r[i]) + 1];
        }
      } else {
        for (std::size_t i = 0; i < m; ++i) {
          const std::uint32_t slot = codec.slot(r[i]);
          const day_t day = codec.day(r[i]);
          ++seen[slot];
          if (day <= as_of) {
            ++start[slot + 1];
            dlo = std::min(dlo, day);
            dhi = std::max(dhi, day);
          }
        }
      }
      OrderSummary& s = out.summary;
      if (has_universe) {
        // the universe position of each slot, -1 for none
        owner.assign(span, -1);
        for (std::size_t j = uni_part.begin[p]; j < uni_part.begin[p + 1]; ++j) {
          const std::size_t slot =
              static_cast<std::size_t>((static_cast<std::uint64_t>(uni[j].first) ^ sign) - base);
          if (owner[slot] >= 0)
            part.duplicate.push_back(uni[j].first);
          else
            owner[slot] = uni[j].second;
        }
        for (std::size_t slot = 0; slot < span; ++slot)
          if (seen[slot] > 0 && owner[slot] < 0) {
            part.unknown.push_back(id_at(slot));
            part.unknown_orders += seen[slot];
          }
      } else {  // customers in slot (= id) order from the partition's first output row
        std::int64_t k = static_cast<std::int64_t>(first_row[p]);
        for (std::size_t slot = 0; slot < span; ++slot)
          if (seen[slot] > 0) {
            out.ids[static_cast<std::size_t>(k)] = id_at(slot);
            code[slot] = k++;
          }
      }
      if constexpr (packed)  // rows after as_of sort last among their customer's
        for (std::size_t slot = 0; slot < span; ++slot) start[slot + 1] = start[slot] + seen[slot];
      else
        for (std::size_t slot = 0; slot < span; ++slot) start[slot + 1] += start[slot];
      const std::size_t kept = static_cast<std::size_t>(start[span]);
      if (kept == 0) continue;
      next.assign(start.begin(), start.end() - 1);
      const bool by_days = static_cast<std::size_t>(dhi - dlo) < max_day_range;
      if constexpr (packed) {
        // Packed keys sort by (slot, day) as plain integers: a counting sort by day, then
        // one by slot (both stable), leaves every customer's days in order, those after
        // as_of (the largest day value) last.
        for (std::size_t d = 1; d < by_day.size(); ++d) by_day[d] += by_day[d - 1];
        tmp.resize(m);
        keys.resize(m);
        for (std::size_t i = 0; i < m; ++i) tmp[by_day[codec.offset(r[i])]++] = r[i];
        for (const Rec& t : tmp) keys[static_cast<std::size_t>(next[codec.slot(t)]++)] = t;
        for (std::size_t slot = 0; slot < span; ++slot) {
          const std::size_t lo = static_cast<std::size_t>(start[slot]);
          std::size_t hi = static_cast<std::size_t>(start[slot + 1]);
          while (hi > lo && codec.offset(keys[hi - 1]) == codec.after) --hi;
          if (lo == hi) continue;
          const std::int64_t at = has_universe ? owner[slot] : code[slot];
          if (at < 0) continue;
          std::int32_t distinct = 1;
          for (std::size_t i = lo + 1; i < hi; ++i) distinct += keys[i] != keys[i - 1];
          put_summary(s, static_cast<std::size_t>(at), static_cast<std::int64_t>(hi - lo), distinct,
                      codec.day(keys[lo]), codec.day(keys[hi - 1]), 0.0, 0.0);
        }
      } else {
        dd.resize(kept);
        aa.resize(kept);
        if (by_days) {  // rows in day order first (stable), then by slot (stable)
          by_day.assign(static_cast<std::size_t>(dhi - dlo) + 2, 0);
          for (std::size_t i = 0; i < m; ++i)
            if (codec.day(r[i]) <= as_of)
              ++by_day[static_cast<std::size_t>(codec.day(r[i]) - dlo) + 1];
          for (std::size_t d = 1; d < by_day.size(); ++d) by_day[d] += by_day[d - 1];
          tmp.resize(kept);
          for (std::size_t i = 0; i < m; ++i)
            if (codec.day(r[i]) <= as_of) {
              const std::size_t d = static_cast<std::size_t>(codec.day(r[i]) - dlo);
              tmp[static_cast<std::size_t>(by_day[d]++)] = r[i];
            }
          for (const Rec& t : tmp) {
            const std::size_t j = static_cast<std::size_t>(next[codec.slot(t)]++);
            dd[j] = codec.day(t);
            aa[j] = amount_of(t);
          }
        } else {  // a very long history: rows by slot, then a sort per customer
          for (std::size_t i = 0; i < m; ++i) {
            if (codec.day(r[i]) > as_of) continue;
            const std::size_t j = static_cast<std::size_t>(next[codec.slot(r[i])]++);
            dd[j] = codec.day(r[i]);
            aa[j] = amount_of(r[i]);
          }
        }
        for (std::size_t slot = 0; slot < span; ++slot) {
          const std::size_t lo = static_cast<std::size_t>(start[slot]);
          const std::size_t hi = static_cast<std::size_t>(start[slot + 1]);
          if (lo == hi) continue;
          const std::int64_t at = has_universe ? owner[slot] : code[slot];
          if (at < 0) continue;
          if (by_days)
            summarize_sorted(dd.data() + lo, aa.data() + lo, hi - lo, positive_only, s,
                             static_cast<std::size_t>(at));
          else
            summarize_group(dd.data() + lo, aa.data() + lo, hi - lo, positive_only, big, s,
                            static_cast<std::size_t>(at));
        }
      }
    }
  });
}

/// An order in summarize_hashed(): its id, amount (0 without amounts) and day.
struct IdDayAmount {
  id_type id;
  double amount;
  day_t day;
};

/// summarize_by_id() when ids are not dense: every partition's ids mapped to local codes
/// by a small table that grows as ids arrive (the universe's first, then the orders'; an
/// IdIndex per partition, sized for its orders, was slower: see benchmarks/README.md),
/// then its orders grouped by a counting sort and each customer summarised.
inline void summarize_hashed(const id_type* id, const std::int64_t* ticks,
                             std::int64_t ticks_per_day, const double* amount, std::size_t n,
                             day_t as_of, bool positive_only, Partitioning& orders_part,
                             const Partitioning& uni_part,
                             const std::vector<std::pair<id_type, std::int64_t>>& uni,
                             bool has_universe, const IdPartitions& ip, IdOrderSummary& out,
                             std::vector<IdPart>& parts, unsigned fields) {
  // Orders as records, days floored on the way (no zero-filling first).
  ScratchBuffer<IdDayAmount> rec = scratch_buffer<IdDayAmount>(n);
  with_ticks_per_day(ticks_per_day, [&](auto per_day) {
    orders_part.place(
        n, summary_grain, [&](std::size_t i) { return ip.of(id[i]); },
        [&](std::size_t i, std::size_t at) {
          rec[at] = IdDayAmount{id[i], amount ? amount[i] : 0.0, clamped_day(ticks[i], per_day)};
        });
  });
  // partitions by hash took the hash's first bits: the table's slots come from the next
  const unsigned skip = ip.by_value ? 0 : ip.bits;
  constexpr std::int32_t unknown = -2;  // the code of an order id outside the universe
  orders_part.for_each_range([&](std::size_t, std::size_t pb, std::size_t pe) {
    SmallIdTable table;
    std::vector<std::int32_t> code, rank;
    std::vector<std::int64_t> start, target;
    std::vector<std::pair<id_type, std::int32_t>> sorted;
    std::vector<day_t> dd;
    std::vector<double> aa;
    std::vector<std::pair<day_t, double>> big;
    for (std::size_t p = pb; p < pe; ++p) {
      IdPart& part = parts[p];
      const IdDayAmount* r = rec.get() + orders_part.begin[p];
      const std::size_t m = orders_part.begin[p + 1] - orders_part.begin[p];
      const std::size_t mu = has_universe ? uni_part.begin[p + 1] - uni_part.begin[p] : 0;
      const auto* u = has_universe ? uni.data() + uni_part.begin[p] : nullptr;
      table.reset(mu + m / table_orders_per_id + table_slack, skip);
      std::int32_t k = 0;
      bool inserted = false;
      target.clear();  // with a universe: the position of each local code
      for (std::size_t j = 0; j < mu; ++j) {
        table.find_or_insert(u[j].first, k, inserted);
        if (!inserted) {
          part.duplicate.push_back(u[j].first);
          continue;
        }
        target.push_back(u[j].second);
        ++k;
      }
      code.resize(m);
      for (std::size_t i = 0; i < m; ++i) {
        const std::int32_t c = table.find_or_insert(r[i].id, has_universe ? unknown : k, inserted);
        if (inserted) {
          if (has_universe) {
            part.unknown.push_back(r[i].id);
          } else {
            part.ids.push_back(r[i].id);
            ++k;
          }
        }
        part.unknown_orders += c == unknown;
        code[i] = c;
      }
      const std::size_t kk = static_cast<std::size_t>(k);
      // Without a universe, by id range: local codes renumbered in id order.
      if (!has_universe && ip.by_value) {
        sorted.resize(kk);
        for (std::size_t c = 0; c < kk; ++c)
          sorted[c] = {part.ids[c], static_cast<std::int32_t>(c)};
        std::sort(sorted.begin(), sorted.end());
        rank.resize(kk);
        for (std::size_t j = 0; j < kk; ++j) {
          rank[static_cast<std::size_t>(sorted[j].second)] = static_cast<std::int32_t>(j);
          part.ids[j] = sorted[j].first;
        }
        for (std::size_t i = 0; i < m; ++i) code[i] = rank[static_cast<std::size_t>(code[i])];
      }
      group_orders(
          m, kk, as_of, [&](std::size_t i) { return code[i]; },
          [&](std::size_t i) { return r[i].day; }, [&](std::size_t i) { return r[i].amount; },
          start, dd, aa);
      OrderSummary& s = has_universe ? out.summary : part.s;
      if (!has_universe) resize_summary(s, kk, fields);
      for (std::size_t c = 0; c < kk; ++c) {
        const std::size_t lo = static_cast<std::size_t>(start[c]);
        const std::size_t hi = static_cast<std::size_t>(start[c + 1]);
        if (lo == hi) continue;
        const std::size_t at = has_universe ? static_cast<std::size_t>(target[c]) : c;
        summarize_group(dd.data() + lo, aa.data() + lo, hi - lo, positive_only, big, s, at);
      }
    }
  });
}

/// summarize_by_id() when the ids are dense and partitioned by id range: its records
/// chosen, then summarize_direct(). Without amounts, days from `base` (the first order's
/// day, or as_of + 1 if later) to as_of + 1 (every order after as_of) and a slot fit in
/// 32 bits in nearly every case: 4 bytes an order, 12 with amounts (else 8 and 16).
inline void summarize_direct_orders(const id_type* id, const std::int64_t* ticks,
                                    std::int64_t ticks_per_day, const double* amount, std::size_t n,
                                    day_t as_of, bool positive_only, std::int64_t min_ticks,
                                    const IdPartitions& ip, Partitioning& orders_part,
                                    const Partitioning& uni_part,
                                    const std::vector<std::pair<id_type, std::int64_t>>& uni,
                                    bool has_universe, IdOrderSummary& out,
                                    std::vector<IdPart>& parts, unsigned fields) {
  const auto part_of = [&](std::size_t i) { return ip.of(id[i]); };
  const std::int64_t first_day =
      n == 0 ? std::int64_t{as_of} + 1
             : with_ticks_per_day(ticks_per_day, [&](auto per_day) -> std::int64_t {
                 return clamped_day(min_ticks, per_day);
               });
  const std::int64_t base = std::min<std::int64_t>(first_day, std::int64_t{as_of} + 1);
  const unsigned day_bits = log2_ceil(
      static_cast<std::size_t>(std::int64_t{as_of} + 2 - base));  // values 0..as_of+1-base
  const bool packs =
      as_of < max_day && ip.range_shift + day_bits <= 32 && day_bits <= max_packed_day_bits;
  const PackedDays codec{day_bits, static_cast<day_t>(base),
                         static_cast<std::uint32_t>(std::int64_t{as_of} + 1 - base)};
  const auto run = [&](auto record, auto days, auto make) {
    summarize_direct<decltype(record)>(n, ticks, ticks_per_day, as_of, positive_only, orders_part,
                                       uni_part, uni, ip.lo_id, ip.range_shift, has_universe, out,
                                       parts, fields, days, part_of, make);
  };
  if (packs && amount != nullptr)
    run(PackedDayAmount{}, codec, [&](std::size_t i, day_t d) {
      return PackedDayAmount{codec.key(ip.slot(id[i]), d), amount[i]};
    });
  else if (packs)
    run(std::uint32_t{}, codec,
        [&](std::size_t i, day_t d) { return codec.key(ip.slot(id[i]), d); });
  else if (amount != nullptr)
    run(SlotDayAmount{}, PlainDays{}, [&](std::size_t i, day_t d) {
      return SlotDayAmount{ip.slot(id[i]), d, amount[i]};
    });
  else
    run(SlotDay{}, PlainDays{}, [&](std::size_t i, day_t d) { return SlotDay{ip.slot(id[i]), d}; });
}

}  // namespace downline::detail
