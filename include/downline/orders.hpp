// Order columns as callers hold them (ids, datetime64 ticks, amounts), their checks in one
// parallel scan, the orders of unknown customers, per-customer order summaries (the
// result types; segment.hpp computes them) and ticks <-> day numbers of whole columns: the
// one order path of the per-customer analyses (segment.hpp, retention.hpp, cohort.hpp).
// Internals (detail::) of the analyses that read the raw columns: their customers (a
// universe or every id with an order, in the one IdIndex) and the one parallel pass over
// the orders that visits each activity with its customer's key (for_each_activity()).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "array.hpp"
#include "date.hpp"
#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"
#include "ids.hpp"

namespace downline {

/// Order columns as a pandas frame holds them: int64 customer ids, int64 date ticks
/// (`ticks_per_day` a day, as a datetime64 column; NaT, the int64 minimum, is refused
/// with the rows named) and optional amounts. With amounts, rows with an amount <= 0 are
/// refunds: they are not activity (docs/concepts.md).
struct OrderColumns {
  const id_type* id = nullptr;
  const std::int64_t* ticks = nullptr;
  std::int64_t ticks_per_day = 1;
  const double* amount = nullptr;  ///< null: every order is activity
  std::size_t n = 0;
};

/// Orders whose id is not a customer: their distinct ids (ascending) and how many orders
/// they have (whatever their date). The caller decides whether that is an error.
struct UnknownOrders {
  std::vector<id_type> ids;
  std::int64_t orders = 0;
};

/// Per-customer summary of the orders up to an as-of day (inclusive). Customers are dense
/// codes 0..n-1; a customer without an order has zero counts and first = last = min_day.
struct OrderSummary {
  Array<std::int64_t> orders;  ///< order rows
  Array<std::int32_t> days;    ///< distinct order days (the "frequency" of docs/concepts.md)
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

/// Which order rows make a customer active (count as orders and order days).
enum class OrderRows {
  all,       ///< every row (lifetimes' convention)
  positive,  ///< rows with amount > 0; refunds (amount <= 0) count for money only
};

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

/// What scan_orders() finds: rows without a date (NaT), rows whose date is outside the
/// supported range (date.hpp; counted when ticks_per_day is given) and rows whose amount
/// is NaN or infinite, counted.
struct OrderScan {
  std::int64_t missing_dates = 0;
  std::int64_t bad_amounts = 0;
  std::int64_t unsupported_dates = 0;
};

/// Counts the orders without a date (the int64 minimum, as NaT), with ticks_per_day > 0
/// those whose date is outside the supported range (1900-01-01 to 2200-12-31) and, with
/// amounts, those with a NaN or infinite amount, in one parallel pass: the check before
/// any per-order work, which then names the rows only when there are some.
inline OrderScan scan_orders(const std::int64_t* ticks, const double* amount, std::size_t n,
                             std::int64_t ticks_per_day = 0) {
  constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
  constexpr std::size_t grain = std::size_t{1} << 18;
  const bool ranged = ticks_per_day > 0;
  const std::int64_t lo =
      ranged ? first_tick_of_day(first_supported_day, ticks_per_day) : nat;
  const std::int64_t hi_excl =
      ranged ? first_tick_of_day(std::int64_t{last_supported_day} + 1, ticks_per_day)
             : std::numeric_limits<std::int64_t>::max();
  const std::size_t parts = detail::parallel_parts(n, grain);
  std::vector<OrderScan> part(parts);
  detail::parallel_for_parts(n, parts, [&](std::size_t s, std::size_t b, std::size_t e) {
    std::int64_t dates = 0, amounts = 0, outside = 0;
    if (ranged)  // one read of the ticks for both counts
      for (std::size_t i = b; i < e; ++i) {
        const std::int64_t t = ticks[i];
        dates += t == nat;
        outside += ((t < lo) | (t >= hi_excl)) & (t != nat);
      }
    else
      for (std::size_t i = b; i < e; ++i) dates += ticks[i] == nat;
    if (amount != nullptr)
      for (std::size_t i = b; i < e; ++i) amounts += !std::isfinite(amount[i]);
    part[s] = {dates, amounts, outside};
  });
  OrderScan out;
  for (const OrderScan& p : part) {
    out.missing_dates += p.missing_dates;
    out.bad_amounts += p.bad_amounts;
    out.unsupported_dates += p.unsupported_dates;
  }
  return out;
}

/// out[i] = the day of ticks[i] (`ticks_per_day` a day; clamped as clamped_day()), or
/// min_day for a missing date (NaT, the int64 minimum), in parallel; returns how many dates
/// were missing.
inline std::int64_t day_numbers(const std::int64_t* ticks, std::int64_t ticks_per_day,
                                std::size_t n, day_t* out) {
  if (ticks_per_day <= 0) throw errors::bad_value("ticks_per_day", "must be positive");
  constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
  constexpr std::size_t grain = std::size_t{1} << 18;
  const std::size_t parts = detail::parallel_parts(n, grain);
  std::vector<std::int64_t> missing(parts, 0);
  detail::with_ticks_per_day(ticks_per_day, [&](auto per_day) {
    detail::parallel_for_parts(n, parts, [&](std::size_t s, std::size_t b, std::size_t e) {
      std::int64_t m = 0;
      for (std::size_t i = b; i < e; ++i) {
        m += ticks[i] == nat;
        out[i] = ticks[i] == nat ? min_day : clamped_day(ticks[i], per_day);
      }
      missing[s] = m;
    });
  });
  std::int64_t total = 0;
  for (std::int64_t m : missing) total += m;
  return total;
}

/// out[i] = day[i] * ticks_per_day (datetime64 ticks of a day number; NaT, the int64
/// minimum, where `present` is given and present[i] is 0), in parallel.
inline void day_ticks(const day_t* day, const std::uint8_t* present, std::int64_t ticks_per_day,
                      std::size_t n, std::int64_t* out) {
  constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
  detail::parallel_for(n, std::size_t{1} << 18, [&](std::size_t, std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i)
      out[i] = present != nullptr && !present[i] ? nat : std::int64_t{day[i]} * ticks_per_day;
  });
}

namespace detail {

/// The customers and the *key* per-customer work is indexed by. Customers are a universe
/// of distinct ids (InputError naming duplicates) or every id with an order; their ids are
/// held in an IdIndex, the one id table. When it addresses them directly, an id's key is
/// its slot in the index's range: an order then touches one random cache line (its slot's
/// entry), after a test in a bit set of the customers' slots that stays in cache, or none
/// when the entry itself tells (see fill_keys()). Hashed ids have their position as key.
/// Order ids that direct_range() calls dense need no index: every slot of their range is
/// a customer (with or without an order).
class Customers {
 public:
  /// The n ids of `universe` (kept by pointer: it must outlive the customers).
  static Customers of_universe(const id_type* universe, std::size_t n) {
    if (n >= max_keys) throw InputError(ErrorKind::too_large, "more than 2^31 - 2 customers");
    Customers c;
    std::vector<id_type> dups;
    c.index_ = IdIndex(
        IdColumn(universe, n), [&](index_t r) { dups.push_back(universe[r]); },
        IdIndex::BorrowKeys{});
    if (!dups.empty()) throw errors::duplicate_ids("customer", std::move(dups));
    c.keyed_by_index(universe);
    return c;
  }
  /// Every id with an order.
  static Customers of_orders(const OrderColumns& o) {
    Customers c;
    if (o.n == 0) return c;
    const auto [lo, hi] = id_bounds(o.id, o.n);
    const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    if (direct_range(range, o.n) && range < max_keys) {
      c.keys_ = Keys::every_slot;
      c.base_ = static_cast<std::uint64_t>(lo);
      c.size_ = c.span_ = static_cast<std::size_t>(range) + 1;
      return c;
    }
    // the distinct ids sorted (the index is then sized for them, not for the orders)
    c.own_.assign(o.id, o.id + o.n);
    std::sort(c.own_.begin(), c.own_.end());
    c.own_.erase(std::unique(c.own_.begin(), c.own_.end()), c.own_.end());
    if (c.own_.size() >= max_keys)
      throw InputError(ErrorKind::too_large, "more than 2^31 - 2 customers");
    c.index_ = IdIndex(
        IdColumn(c.own_.data(), c.own_.size()), [](index_t) {}, IdIndex::BorrowKeys{});
    c.keyed_by_index(c.own_.data());
    return c;
  }

  Customers(Customers&&) noexcept = default;  // the index may read own_'s buffer: no copies
  Customers(const Customers&) = delete;
  Customers& operator=(const Customers&) = delete;

  /// Customers (positions 0..size-1).
  std::size_t size() const noexcept { return size_; }
  /// Keys 0..keys-1 (some may be no customer's).
  std::size_t keys() const noexcept { return span_; }

  /// Whether keys are slots of the id range, found without a lookup (see slots()).
  bool direct() const noexcept { return keys_ != Keys::position; }
  /// out[i] = the key of q[i], or -1 when q[i] is not a customer's id, for i < m.
  void find_block(const id_type* q, std::size_t m, index_t* out) const noexcept {
    if (!direct()) {
      index_.find_many(q, m, out);
      return;
    }
    for (std::size_t i = 0; i < m; ++i) {
      const std::uint64_t s = slots().of(q[i]);
      out[i] = s < span_ && member(static_cast<std::size_t>(s)) ? static_cast<index_t>(s) : npos;
    }
  }
  /// The key of customer position p.
  std::size_t key_of(std::size_t p) const noexcept {
    return keys_ == Keys::slot ? static_cast<std::size_t>(slots().of(ids_[p])) : p;
  }
  /// Slots of ids in the id range (direct() only): `of(id)` is the id's slot, a
  /// customer's key when it is below `span` and member() says so.
  struct Slots {
    std::uint64_t base, span;
    std::uint64_t of(id_type id) const noexcept { return static_cast<std::uint64_t>(id) - base; }
  };
  Slots slots() const noexcept { return {base_, span_}; }
  /// Whether slot/key k (< keys()) is a customer's.
  bool member(std::size_t k) const noexcept {
    return keys_ != Keys::slot || ((member_[k >> 6] >> (k & 63)) & 1);
  }
  /// a[k] = customer for the keys of customers, `other` for the other keys < keys(), in
  /// parallel and in key order (no random access).
  template <class T>
  void fill_keys(T* a, T customer, T other) const {
    parallel_for(span_, std::size_t{1} << 18, [&](std::size_t, std::size_t b, std::size_t e) {
      if (keys_ != Keys::slot) {
        std::fill(a + b, a + e, customer);
        return;
      }
      for (std::size_t k = b; k < e; ++k) a[k] = member(k) ? customer : other;
    });
  }

 private:
  /// every_slot: every id of the range is a customer, its slot the key (no index);
  /// slot: the index addresses ids directly, keys are their slots; position: hashed.
  enum class Keys { every_slot, slot, position };
  /// Keys are index_t values 0..max_keys - 1 (so at most 2^31 - 2 customers, who need
  /// a key each, and slots too).
  static constexpr std::size_t max_keys =
      static_cast<std::size_t>(std::numeric_limits<index_t>::max());

  Customers() = default;
  /// Keys from index_, whose position p holds ids[p].
  void keyed_by_index(const id_type* ids) {
    ids_ = ids;
    size_ = index_.size();
    if (index_.direct() && index_.direct_span() <= max_keys) {
      keys_ = Keys::slot;
      base_ = static_cast<std::uint64_t>(index_.direct_base());
      span_ = index_.direct_span();
      member_.assign((span_ + 63) / 64, 0);
      for (std::size_t p = 0; p < size_; ++p) {
        const std::uint64_t s = slots().of(ids[p]);
        member_[static_cast<std::size_t>(s >> 6)] |= std::uint64_t{1} << (s & 63);
      }
    } else {
      keys_ = Keys::position;
      span_ = size_;
    }
  }

  Keys keys_ = Keys::every_slot;
  std::uint64_t base_ = 0;
  std::size_t size_ = 0, span_ = 0;
  std::vector<std::uint64_t> member_;  // slot: bit per slot, set for the customers' slots
  const id_type* ids_ = nullptr;       // slot: the id of every position
  std::vector<id_type> own_;           // of_orders(): the distinct ids when hashed
  IdIndex index_;
};

constexpr std::size_t activity_grain = std::size_t{1} << 16;

/// How many visitors (and target arrays) for_each_activity() asks for: one per parallel
/// slice of the orders.
inline std::size_t activity_visitors(const OrderColumns& o) noexcept {
  return parallel_parts(o.n, activity_grain);
}

/// Rows of the orders without a date (NaT), for the error that names them.
inline std::vector<id_type> missing_date_rows(const OrderColumns& o) {
  std::vector<id_type> rows;
  for (std::size_t i = 0; i < o.n; ++i)
    if (o.ticks[i] == std::numeric_limits<std::int64_t>::min())
      rows.push_back(static_cast<id_type>(i));
  return rows;
}

/// The distinct ids (ascending) of the orders whose id is no customer's, found in
/// parallel slices of the orders.
inline std::vector<id_type> unknown_ids(const OrderColumns& o, const Customers& customers) {
  const std::size_t parts = parallel_parts(o.n, activity_grain);
  std::vector<std::vector<id_type>> part(parts);
  parallel_for_parts(o.n, parts, [&](std::size_t s, std::size_t b, std::size_t e) {
    constexpr std::size_t block = 256;
    index_t pos[block];
    std::vector<id_type>& ids = part[s];
    for (std::size_t at = b; at < e; at += block) {
      const std::size_t m = std::min(block, e - at);
      customers.find_block(o.id + at, m, pos);
      for (std::size_t j = 0; j < m; ++j)
        if (pos[j] < 0) ids.push_back(o.id[at + j]);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  });
  std::vector<id_type> out;
  for (const auto& ids : part) out.insert(out.end(), ids.begin(), ids.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Calls `v.visit(key, day)` for every order that is activity up to as_of (amount > 0
/// when there are amounts), in `parts` parallel slices of the orders (the caller's count
/// of visitors, such as activity_visitors()), where `v = make(slice)` is the slice's
/// visitor; orders of ids that are not customers are left
/// out and reported. Missing dates raise InputError naming the rows. A visitor also has
/// `v.target(key)`, the address its visit will update (prefetched ahead), and, for direct
/// keys, `v.member(key)`: whether a key in the id range is a customer's (a visitor whose
/// entries already tell, with a value no order writes, saves a second random access per
/// order). A visitor is a small value holding plain pointers, so the compiler keeps them
/// in registers. Direct keys are prefetched a steady distance ahead; hashed ids go in
/// blocks (the block's keys found, then its targets prefetched, then visited), so that
/// the cache misses overlap.
template <class MakeVisitor>
UnknownOrders for_each_activity(const OrderColumns& o, const Customers& customers, day_t as_of,
                                std::size_t parts, MakeVisitor make) {
  constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
  if (o.ticks_per_day <= 0) throw errors::bad_value("ticks_per_day", "must be positive");
  constexpr std::size_t block = 64;
  UnknownOrders out;
  std::int64_t missing = 0;
  std::vector<std::int64_t> unknown(parts, 0), no_date(parts, 0);
  with_ticks_per_day(o.ticks_per_day, [&](auto per_day) {
    parallel_for_parts(o.n, parts, [&](std::size_t s, std::size_t b, std::size_t e) {
      auto v = make(s);
      const id_type* id = o.id;
      const std::int64_t* ticks = o.ticks;
      const double* amount = o.amount;
      std::int64_t u = 0, bad = 0;
      auto one = [&](std::size_t i, index_t key) {
        if (key < 0) {
          ++u;
          return;
        }
        if (ticks[i] == nat) {
          ++bad;
          return;
        }
        const day_t day = clamped_day(ticks[i], per_day);
        if (day > as_of || (amount != nullptr && !(amount[i] > 0.0))) return;
        v.visit(static_cast<std::size_t>(key), day);
      };
      if (customers.direct()) {
        // a rolling prefetch `ahead` orders in front: a steady number of misses in flight
        constexpr std::size_t ahead = 48;
        const Customers::Slots slots = customers.slots();
        for (std::size_t i = b; i < e; ++i) {
          if (i + ahead < e) {
            const std::uint64_t k = slots.of(id[i + ahead]);
            if (k < slots.span) __builtin_prefetch(v.target(static_cast<std::size_t>(k)), 1);
          }
          const std::uint64_t k = slots.of(id[i]);
          one(i, k < slots.span && v.member(static_cast<std::size_t>(k)) ? static_cast<index_t>(k)
                                                                         : npos);
        }
      } else {
        // hashed ids: a block's keys are probed together, then its targets prefetched
        index_t pos[block];
        for (std::size_t at = b; at < e; at += block) {
          const std::size_t m = std::min(block, e - at);
          customers.find_block(id + at, m, pos);
          for (std::size_t j = 0; j < m; ++j)
            if (pos[j] >= 0) __builtin_prefetch(v.target(static_cast<std::size_t>(pos[j])), 1);
          for (std::size_t j = 0; j < m; ++j) one(at + j, pos[j]);
        }
      }
      unknown[s] = u;
      no_date[s] = bad;
    });
  });
  for (std::int64_t b : no_date) missing += b;
  for (std::int64_t u : unknown) out.orders += u;
  if (missing > 0) throw errors::missing_dates(missing_date_rows(o));
  if (out.orders > 0) out.ids = unknown_ids(o, customers);
  return out;
}

}  // namespace detail

}  // namespace downline
