// Segmentation building block: every customer's order history summarised at once
// (order rows, distinct order days, first and last order day, amounts), the input of the
// life-cycle matrix, RFM and lifetimes' summary.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "date.hpp"
#include "detail/buffer.hpp"
#include "detail/group.hpp"
#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"

namespace downline {

/// Per-customer summary of the orders up to an as-of day (inclusive). Customers are dense
/// codes 0..n-1; a customer without an order has zero counts and first = last = min_day.
struct OrderSummary {
  Array<std::int64_t> orders;  ///< order rows
  Array<std::int32_t> days;    ///< distinct order days (the "frequency" of DOMAIN.md)
  Array<day_t> first, last;    ///< first and last order day
  Array<double> amount;        ///< sum of amounts
  /// Sum of amounts on the first order day (lifetimes' monetary value leaves it out).
  Array<double> first_day_amount;
};

/// Bit flags naming the arrays of an OrderSummary: summarize_by_id() fills only those asked
/// for and leaves the others empty (less memory to allocate and write: a life-cycle matrix
/// needs `days | last`, 8 bytes a customer instead of 36).
struct SummaryFields {
  static constexpr unsigned orders = 1, days = 2, first = 4, last = 8, amount = 16,
                            first_day_amount = 32, all = 63;
};

namespace detail {

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

}  // namespace detail

/// Which order rows make a customer active (count as orders and order days).
enum class OrderRows {
  all,       ///< every row (lifetimes' convention)
  positive,  ///< rows with amount > 0; refunds (amount <= 0) count for money only
};

/// Summarises n_orders orders of customers `customer[i]` in [0, n_customers) on day
/// `day[i]` for `amount[i]`, keeping the orders with day <= as_of. Customer codes out of
/// range raise InputError(bad_value) naming the rows (0-based). With OrderRows::positive,
/// rows with amount <= 0 (refunds) add to `amount` but are not orders: they do not count
/// in `orders`, `days`, `first`, `last` (DOMAIN.md: refunds count for volumes, not for
/// activity); `first_day_amount` is then the sum of every row on the first order day.
///
/// Orders are grouped by customer with a counting sort (input order kept), each
/// customer's orders are put in day order (stable), and amounts are summed in that order,
/// so results do not depend on the thread count.
template <class Code>
OrderSummary summarize_orders(const Code* customer, const day_t* day, const double* amount,
                              std::size_t n_orders, std::size_t n_customers, day_t as_of,
                              OrderRows rows = OrderRows::all) {
  const bool positive_only = rows == OrderRows::positive;
  std::vector<id_type> bad;
  for (std::size_t i = 0; i < n_orders; ++i)
    if (customer[i] < 0 || static_cast<std::uint64_t>(customer[i]) >= n_customers)
      bad.push_back(static_cast<id_type>(i));
  if (!bad.empty())
    throw errors::listed(
        ErrorKind::bad_value,
        "order(s) have a customer code outside [0, " + std::to_string(n_customers) + "), rows:",
        std::move(bad));
  OrderSummary s;
  detail::resize_summary(s, n_customers);

  // 1. counting sort of the kept orders by customer.
  std::vector<std::int64_t> start;
  std::vector<day_t> d;
  std::vector<double> a;
  detail::group_orders(
      n_orders, n_customers, as_of, [&](std::size_t i) { return customer[i]; },
      [&](std::size_t i) { return day[i]; }, [&](std::size_t i) { return amount[i]; }, start, d, a);

  // 2. per customer: day order (stable), distinct days, first and last, sums.
  detail::parallel_for(n_customers, std::size_t{1} << 15,
                       [&](std::size_t, std::size_t b, std::size_t e) {
                         std::vector<std::pair<day_t, double>> big;
                         for (std::size_t c = b; c < e; ++c) {
                           const std::size_t lo = static_cast<std::size_t>(start[c]);
                           const std::size_t hi = static_cast<std::size_t>(start[c + 1]);
                           if (lo < hi)
                             detail::summarize_group(d.data() + lo, a.data() + lo, hi - lo,
                                                     positive_only, big, s, c);
                         }
                       });
  return s;
}

/// Order summaries keyed by the customers' own int64 ids (see summarize_by_id()).
struct IdOrderSummary {
  /// The customers: every distinct id of the orders in ascending order, or the universe
  /// in its given order.
  Array<id_type> ids;
  OrderSummary summary;  ///< entry i describes ids[i]
  /// With a universe: distinct order ids outside it (ascending) and how many orders they have.
  std::vector<id_type> unknown_ids;
  std::int64_t unknown_orders = 0;
};

namespace detail {

/// One partition's results in summarize_by_id().
struct IdPart {
  std::vector<id_type> ids;  ///< without a universe: the partition's customers, ascending
  OrderSummary s;
  std::vector<id_type> unknown, duplicate;
  std::int64_t unknown_orders = 0;
};

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
void summarize_dense(std::size_t n, const std::int64_t* ticks, std::int64_t ticks_per_day,
                     day_t as_of, bool positive_only, Partitioning& orders_part,
                     const Partitioning& uni_part,
                     const std::vector<std::pair<id_type, std::int64_t>>& uni, std::uint64_t lo_id,
                     unsigned shift, bool has_universe, IdOrderSummary& out,
                     std::vector<IdPart>& parts, unsigned fields, Codec codec, PartOf part_of,
                     Make make) {
  constexpr bool packed = std::is_same<Rec, std::uint32_t>::value;
  constexpr std::size_t grain = std::size_t{1} << 16;
  constexpr std::uint64_t sign = std::uint64_t{1} << 63;
  const std::size_t span = std::size_t{1} << shift;
  detail::ScratchBuffer<Rec> rec = detail::scratch_buffer<Rec>(n);
  with_ticks_per_day(ticks_per_day, [&](auto per_day) {
    orders_part.place(n, grain, part_of, [&](std::size_t i, std::size_t at) {
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

}  // namespace detail

/// Groups n orders by customer id and summarises them as summarize_orders() does, without
/// a separate id -> code mapping: orders are hash-partitioned into cache-sized partitions
/// (one streaming scatter), and each partition is grouped with a small table that stays in
/// cache, on every thread. Dates are int64 ticks (`ticks_per_day` per day; a datetime64
/// column) and must not be NaT (the int64 minimum: InputError naming the rows). Orders
/// after as_of still make their customer appear (with zero counts).
///
/// With a `universe` (n_universe distinct ids), the customers are the universe in its
/// order; orders of other ids are left out and reported in unknown_ids / unknown_orders
/// (the caller decides whether that is an error). Duplicate universe ids raise InputError.
/// Results are identical to summarize_orders() on the same grouping, whatever the thread
/// count. `amount` may be null (no money column: amounts are 0).
///
/// Dense ids (a partition's id range at most about 4 times its share of rows, as
/// consecutive member numbers give) are grouped by direct addressing inside each
/// partition. Its records pack a slot and a day into 32 bits when the days from the first
/// order to as_of + 1 (at most 2^14 of them) and the slots fit: 4 bytes an order, 12 with
/// amounts (else 8 and 16); other ids with a small hash table per
/// partition. `fields` (SummaryFields flags) names the summary arrays to fill; the others
/// are left empty.
inline IdOrderSummary summarize_by_id(const id_type* id, const std::int64_t* ticks,
                                      std::int64_t ticks_per_day, const double* amount,
                                      std::size_t n, day_t as_of, OrderRows rows = OrderRows::all,
                                      const id_type* universe = nullptr, std::size_t n_universe = 0,
                                      unsigned fields = SummaryFields::all) {
  const detail::CallThreads threads;
  constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
  if (ticks_per_day <= 0) throw errors::bad_value("ticks_per_day", "must be positive");
  if (amount == nullptr && n > 0 && rows == OrderRows::positive)
    throw InputError(
        ErrorKind::bad_value,
        "summarize_by_id: OrderRows::positive needs amounts (refunds are amounts <= 0)");
  if (n >= (std::size_t{1} << 31) || n_universe >= (std::size_t{1} << 31))
    throw InputError(ErrorKind::bad_value,
                     "summarize_by_id: at most 2^31 - 1 orders and customers");
  const bool positive_only = rows == OrderRows::positive;
  const bool has_universe = universe != nullptr;
  // About 32K orders per partition: its table and its orders stay in L2.
  const unsigned bits =
      std::min(11u, detail::log2_ceil(std::max<std::size_t>(1, (n + n_universe) >> 15)));
  const std::size_t P = std::size_t{1} << bits;
  constexpr std::size_t grain = std::size_t{1} << 16;

  // 1. Partitions by id range (then every partition's customers, sorted, follow the
  //    previous partition's: no global sort), unless the ids are so clustered that a
  //    partition would hold more than 8 times its share; then by hash, and one radix sort
  //    of the customers at the end.
  std::uint64_t lo_id = ~std::uint64_t{0}, hi_id = 0;  // ids shifted to unsigned order
  std::int64_t min_ticks = std::numeric_limits<std::int64_t>::max();  // the first order's
  {
    const std::size_t slices = detail::parallel_parts(n, grain);
    std::vector<std::uint64_t> lo(slices, ~std::uint64_t{0});
    std::vector<std::uint64_t> hi(lo.size(), 0);
    std::vector<char> no_date(lo.size(), 0);
    std::vector<std::int64_t> tlo(lo.size(), std::numeric_limits<std::int64_t>::max());
    detail::parallel_for_parts(n, slices, [&](std::size_t sl, std::size_t b, std::size_t e) {
      std::uint64_t l = lo[sl], h = hi[sl];
      std::int64_t t = tlo[sl];
      bool bad = false;
      for (std::size_t i = b; i < e; ++i) {
        const std::uint64_t u = static_cast<std::uint64_t>(id[i]) ^ (std::uint64_t{1} << 63);
        l = std::min(l, u);
        h = std::max(h, u);
        bad |= ticks[i] == nat;
        t = std::min(t, ticks[i]);
      }
      lo[sl] = l;
      hi[sl] = h;
      tlo[sl] = t;
      no_date[sl] = bad;
    });
    for (const std::int64_t t : tlo) min_ticks = std::min(min_ticks, t);
    if (std::find(no_date.begin(), no_date.end(), 1) != no_date.end()) {
      std::vector<id_type> rows_bad;
      for (std::size_t i = 0; i < n; ++i)
        if (ticks[i] == nat) rows_bad.push_back(static_cast<id_type>(i));
      throw errors::missing_dates(std::move(rows_bad));
    }
    for (std::size_t i = 0; i < lo.size(); ++i) {
      lo_id = std::min(lo_id, lo[i]);
      hi_id = std::max(hi_id, hi[i]);
    }
    for (std::size_t i = 0; i < n_universe; ++i) {
      const std::uint64_t u = static_cast<std::uint64_t>(universe[i]) ^ (std::uint64_t{1} << 63);
      lo_id = std::min(lo_id, u);
      hi_id = std::max(hi_id, u);
    }
  }
  unsigned range_shift = 0;
  if (n + n_universe > 0)
    while (range_shift < 64 && ((hi_id - lo_id) >> range_shift) >= P) ++range_shift;
  bool by_value = true;
  auto part_of_id = [&](id_type x) -> std::size_t {
    if (bits == 0) return 0;
    if (by_value)
      return static_cast<std::size_t>(
          ((static_cast<std::uint64_t>(x) ^ (std::uint64_t{1} << 63)) - lo_id) >> range_shift);
    return static_cast<std::size_t>(detail::id_hash(x) >> (64 - bits));
  };
  detail::Partitioning orders_part, uni_part;
  orders_part.bits = uni_part.bits = bits;
  {
    const std::size_t fair = std::max<std::size_t>((n + P - 1) / P, 1) * 8 + 4096;
    const std::size_t largest =
        orders_part.count(n, grain, [&](std::size_t i) { return part_of_id(id[i]); });
    if (largest > fair) {
      by_value = false;
      orders_part.count(n, grain, [&](std::size_t i) { return part_of_id(id[i]); });
    }
  }
  // Dense ids (the usual member numbers): a partition's id range is small enough to
  // address directly, so a row needs only its slot in that range (no hash table, no sort).
  // ids per partition, by value (range_shift reaches 64 when the ids span the whole int64
  // range: no direct addressing then, and no shift by 64)
  const std::size_t span = range_shift < 32 ? std::size_t{1} << range_shift : 0;
  const bool direct = by_value && span != 0 && span <= 4 * ((n + n_universe) / P + 1) + 4096;

  // The universe, partitioned like the orders, with each id's position.
  std::vector<std::pair<id_type, std::int64_t>> uni(n_universe);
  if (has_universe) {
    auto part_u = [&](std::size_t i) { return part_of_id(universe[i]); };
    uni_part.count(n_universe, grain, part_u);
    uni_part.place(n_universe, grain, part_u, [&](std::size_t i, std::size_t at) {
      uni[at] = {universe[i], static_cast<std::int64_t>(i)};
    });
  }

  IdOrderSummary out;
  if (has_universe) {
    out.ids.assign(universe, universe + n_universe);
    detail::resize_summary(out.summary, n_universe, fields);
  }
  std::vector<detail::IdPart> parts(P);
  if (direct) {
    const auto slot_of = [&](id_type x) {
      return static_cast<std::uint32_t>(
          ((static_cast<std::uint64_t>(x) ^ (std::uint64_t{1} << 63)) - lo_id) & (span - 1));
    };
    const auto part_of = [&](std::size_t i) { return part_of_id(id[i]); };
    // Without amounts, days from `base` (the first order's day, or as_of + 1 if later) to
    // as_of + 1 (every order after as_of) and a slot fit in 32 bits in nearly every case;
    // at most 2^14 day values (44 years), so that a partition's count per day stays small.
    const std::int64_t first_day =
        n == 0 ? std::int64_t{as_of} + 1
               : detail::with_ticks_per_day(ticks_per_day, [&](auto per_day) -> std::int64_t {
                   return clamped_day(min_ticks, per_day);
                 });
    const std::int64_t base = std::min<std::int64_t>(first_day, std::int64_t{as_of} + 1);
    const unsigned day_bits = detail::log2_ceil(
        static_cast<std::size_t>(std::int64_t{as_of} + 2 - base));  // values 0..as_of+1-base
    const bool packs = as_of < max_day && range_shift + day_bits <= 32 && day_bits <= 14;
    const detail::PackedDays codec{day_bits, static_cast<day_t>(base),
                                   static_cast<std::uint32_t>(std::int64_t{as_of} + 1 - base)};
    if (packs && amount != nullptr) {
      detail::summarize_dense<detail::PackedDayAmount>(
          n, ticks, ticks_per_day, as_of, positive_only, orders_part, uni_part, uni, lo_id,
          range_shift, has_universe, out, parts, fields, codec, part_of,
          [&](std::size_t i, day_t d) {
            return detail::PackedDayAmount{codec.key(slot_of(id[i]), d), amount[i]};
          });
    } else if (packs) {
      detail::summarize_dense<std::uint32_t>(
          n, ticks, ticks_per_day, as_of, positive_only, orders_part, uni_part, uni, lo_id,
          range_shift, has_universe, out, parts, fields, codec, part_of,
          [&](std::size_t i, day_t d) { return codec.key(slot_of(id[i]), d); });
    } else if (amount != nullptr)
      detail::summarize_dense<detail::SlotDayAmount>(
          n, ticks, ticks_per_day, as_of, positive_only, orders_part, uni_part, uni, lo_id,
          range_shift, has_universe, out, parts, fields, detail::PlainDays{}, part_of,
          [&](std::size_t i, day_t d) {
            return detail::SlotDayAmount{slot_of(id[i]), d, amount[i]};
          });
    else
      detail::summarize_dense<detail::SlotDay>(
          n, ticks, ticks_per_day, as_of, positive_only, orders_part, uni_part, uni, lo_id,
          range_shift, has_universe, out, parts, fields, detail::PlainDays{}, part_of,
          [&](std::size_t i, day_t d) {
            return detail::SlotDay{slot_of(id[i]), d};
          });
  } else {
    // Orders as (id, amount, day) records, days floored on the way (no zero-filling first).
    struct Rec {
      id_type id;
      double amount;
      day_t day;
    };
    detail::ScratchBuffer<Rec> rec = detail::scratch_buffer<Rec>(n);
    detail::with_ticks_per_day(ticks_per_day, [&](auto per_day) {
      orders_part.place(
          n, grain, [&](std::size_t i) { return part_of_id(id[i]); },
          [&](std::size_t i, std::size_t at) {
            rec[at] = Rec{id[i], amount ? amount[i] : 0.0, clamped_day(ticks[i], per_day)};
          });
    });

    // 2. Every partition on its own: ids -> local codes, counting sort, per-customer pass.
    const unsigned skip = by_value ? 0 : bits;
    orders_part.for_each_range([&](std::size_t, std::size_t pb, std::size_t pe) {
      detail::SmallIdTable table;
      std::vector<std::int32_t> code, rank;
      std::vector<std::int64_t> start, target;
      std::vector<std::pair<id_type, std::int32_t>> sorted;
      std::vector<day_t> dd;
      std::vector<double> aa;
      std::vector<std::pair<day_t, double>> big;
      for (std::size_t p = pb; p < pe; ++p) {
        detail::IdPart& part = parts[p];
        const Rec* r = rec.get() + orders_part.begin[p];
        const std::size_t m = orders_part.begin[p + 1] - orders_part.begin[p];
        const std::size_t mu = has_universe ? uni_part.begin[p + 1] - uni_part.begin[p] : 0;
        const auto* u = has_universe ? uni.data() + uni_part.begin[p] : nullptr;
        table.reset(mu + m / 4 + 16, skip);
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
          const std::int32_t c = table.find_or_insert(r[i].id, has_universe ? -2 : k, inserted);
          if (inserted) {
            if (has_universe) {
              part.unknown.push_back(r[i].id);
            } else {
              part.ids.push_back(r[i].id);
              ++k;
            }
          }
          part.unknown_orders += c == -2;
          code[i] = c;
        }
        const std::size_t kk = static_cast<std::size_t>(k);
        // Without a universe, by id range: local codes renumbered in id order.
        const bool renumber = !has_universe && by_value;
        if (renumber) {
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
        detail::group_orders(
            m, kk, as_of, [&](std::size_t i) { return code[i]; },
            [&](std::size_t i) { return r[i].day; }, [&](std::size_t i) { return r[i].amount; },
            start, dd, aa);
        OrderSummary& s = has_universe ? out.summary : part.s;
        if (!has_universe) detail::resize_summary(s, kk, fields);
        for (std::size_t c = 0; c < kk; ++c) {
          const std::size_t lo = static_cast<std::size_t>(start[c]);
          const std::size_t hi = static_cast<std::size_t>(start[c + 1]);
          if (lo < hi) {
            const std::size_t at = has_universe ? static_cast<std::size_t>(target[c]) : c;
            detail::summarize_group(dd.data() + lo, aa.data() + lo, hi - lo, positive_only, big, s,
                                    at);
          }
        }
      }
    });
  }

  // 3. Reports, and without a universe the customers in ascending id order.
  std::vector<id_type> duplicate;
  for (detail::IdPart& part : parts) {
    duplicate.insert(duplicate.end(), part.duplicate.begin(), part.duplicate.end());
    out.unknown_ids.insert(out.unknown_ids.end(), part.unknown.begin(), part.unknown.end());
    out.unknown_orders += part.unknown_orders;
  }
  if (!duplicate.empty()) throw errors::duplicate_ids("customer", std::move(duplicate));
  std::sort(out.unknown_ids.begin(), out.unknown_ids.end());
  if (has_universe || direct) return out;  // direct: written in place, in id order

  std::vector<std::size_t> offset(P + 1, 0);
  for (std::size_t p = 0; p < P; ++p) offset[p + 1] = offset[p] + parts[p].ids.size();
  const std::size_t K = offset[P];
  out.ids.resize(K);
  OrderSummary& s = out.summary;
  detail::resize_summary(s, K, fields);
  auto put = [&](std::size_t i, const detail::IdPart& part, std::size_t j) {
    out.ids[i] = part.ids[j];
    const OrderSummary& ps = part.s;
    detail::put_summary(s, i, ps.orders.empty() ? 0 : ps.orders[j],
                        ps.days.empty() ? 0 : ps.days[j], ps.first.empty() ? min_day : ps.first[j],
                        ps.last.empty() ? min_day : ps.last[j],
                        ps.amount.empty() ? 0.0 : ps.amount[j],
                        ps.first_day_amount.empty() ? 0.0 : ps.first_day_amount[j]);
  };
  if (by_value) {  // partitions in order, each sorted: a concatenation
    detail::parallel_for(P, 1, [&](std::size_t, std::size_t pb, std::size_t pe) {
      for (std::size_t p = pb; p < pe; ++p)
        for (std::size_t j = 0; j < parts[p].ids.size(); ++j) put(offset[p] + j, parts[p], j);
    });
  } else {
    std::vector<id_type> ids(K);
    std::vector<std::uint32_t> from_part(K);
    for (std::size_t p = 0; p < P; ++p) {
      std::copy(parts[p].ids.begin(), parts[p].ids.end(),
                ids.begin() + static_cast<std::ptrdiff_t>(offset[p]));
      std::fill(from_part.begin() + static_cast<std::ptrdiff_t>(offset[p]),
                from_part.begin() + static_cast<std::ptrdiff_t>(offset[p + 1]),
                static_cast<std::uint32_t>(p));
    }
    const std::vector<std::uint32_t> order = detail::sort_permutation(ids.data(), K);
    detail::parallel_for(K, std::size_t{1} << 16, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        const std::size_t g = order[i];
        put(i, parts[from_part[g]], g - offset[from_part[g]]);
      }
    });
  }
  return out;
}

/// Every customer's life-cycle cell (DOMAIN.md "Customer life-cycle matrix").
template <class Code = std::int16_t>
struct LifecycleCodesOf {
  Array<std::int64_t> recency;  ///< days from the last order day to as_of (0: no order)
  Array<Code> frequency_tier, recency_tier;  ///< -1 without an order
  Array<Code> segment;                       ///< frequency_tier * recency tiers + recency_tier
  std::vector<std::int64_t> counts;          ///< customers per segment (frequency-major)
};
/// Life-cycle codes as int16 (up to 32,767 segments).
using LifecycleCodes = LifecycleCodesOf<std::int16_t>;

/// Life-cycle tiers of n customers from their distinct order days and last order day as of
/// `as_of`. Frequency tier t holds frequencies from f_lo[t] (increasing, f_lo[0] = 1);
/// recency tier t holds recencies up to r_hi[t] (increasing, the last one the int64
/// maximum: no limit). Customers without an order (days == 0) get no tier. Codes are `Code`
/// (int16 by default; int8, as pandas keeps the codes of fewer than 127 categories, when
/// the segments are that few: InputError when the last segment's code does not fit).
template <class Code = std::int16_t>
LifecycleCodesOf<Code> lifecycle_codes(const std::int32_t* days, const day_t* last, std::size_t n,
                                       day_t as_of, const std::vector<std::int64_t>& f_lo,
                                       const std::vector<std::int64_t>& r_hi) {
  static_assert(std::is_signed<Code>::value && sizeof(Code) <= 2, "int8 or int16 codes");
  const bool ok = !f_lo.empty() && !r_hi.empty() && f_lo.front() == 1 &&
                  r_hi.back() == std::numeric_limits<std::int64_t>::max() &&
                  std::is_sorted(f_lo.begin(), f_lo.end()) &&
                  std::is_sorted(r_hi.begin(), r_hi.end()) && f_lo.size() * r_hi.size() < 32768;
  if (!ok)
    throw InputError(ErrorKind::bad_value,
                     "life-cycle tiers: frequency bounds must start at 1 and recency bounds end "
                     "without a limit, both increasing");
  if (f_lo.size() * r_hi.size() - 1 > static_cast<std::size_t>(std::numeric_limits<Code>::max()))
    throw InputError(ErrorKind::bad_value, "life-cycle tiers: too many segments for the codes");
  LifecycleCodesOf<Code> out;
  out.recency.resize(n);
  out.frequency_tier.resize(n);
  out.recency_tier.resize(n);
  out.segment.resize(n);
  const std::size_t nr = r_hi.size(), cells = f_lo.size() * nr;
  // per slice: customers per segment, the last entry those without an order
  const std::size_t slices = detail::parallel_parts(n, std::size_t{1} << 16);
  std::vector<std::vector<std::int64_t>> counts(slices, std::vector<std::int64_t>(cells + 1, 0));
  detail::parallel_for_parts(n, slices, [&](std::size_t sl, std::size_t b, std::size_t e) {
    std::int64_t* c = counts[sl].data();
    for (std::size_t i = b; i < e; ++i) {
      const bool buyer = days[i] > 0;
      const std::int64_t rec = buyer ? static_cast<std::int64_t>(as_of) - last[i] : 0;
      std::size_t f = 0, r = 0;
      while (f + 1 < f_lo.size() && f_lo[f + 1] <= days[i]) ++f;
      while (r_hi[r] < rec) ++r;  // the last bound has no limit
      const std::size_t cell = buyer ? f * nr + r : cells;
      out.recency[i] = rec;
      out.frequency_tier[i] = static_cast<Code>(buyer ? static_cast<int>(f) : -1);
      out.recency_tier[i] = static_cast<Code>(buyer ? static_cast<int>(r) : -1);
      out.segment[i] = static_cast<Code>(buyer ? static_cast<int>(cell) : -1);
      ++c[cell];
    }
  });
  out.counts.assign(cells, 0);
  for (const auto& c : counts)
    for (std::size_t k = 0; k < cells; ++k) out.counts[k] += c[k];
  return out;
}

}  // namespace downline
