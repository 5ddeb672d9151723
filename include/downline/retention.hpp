// Per-customer activity from raw order columns, for churn and cohort retention
// (DOMAIN.md "Retention"): the last activity day of every customer, and the cohort
// retention matrix, each in one parallel pass over the orders.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
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
#include "ids.hpp"
#include "orders.hpp"

namespace downline {

/// Every customer's last activity day up to as_of (min_day: none).
struct LastActivity {
  Array<day_t> last;
  UnknownOrders unknown;
};

/// The rows of a cohort retention matrix that have customers: (group, cohort) rows, each
/// with its counts for the months from the cohort's to as_of's (see cohort_rows()). Cohort
/// c is the calendar month first_month + c; count k of a row is k months after its cohort
/// month.
struct CohortRows {
  std::int64_t first_month = 0;  ///< months since 1970-01 of cohort 0: the earliest non-empty
  std::size_t months = 0;        ///< cohorts up to as_of's month
  std::size_t groups = 0;
  /// Row r (ordered by group, then cohort) is cohort cohort[r] of group group[r], with
  /// sizes[r] customers; its counts for k = 0 .. months - 1 - cohort[r] are
  /// counts[start[r] .. start[r + 1]): the customers active in month cohort + k.
  std::vector<std::int32_t> group, cohort;
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> start;  ///< rows + 1 offsets into counts
  std::vector<std::int64_t> counts;
  UnknownOrders unknown;
  std::vector<std::int64_t> ungrouped;  ///< positions of customers in a cohort with group < 0
};

/// A cohort retention matrix of customers split into groups, dense. Cohort c is the
/// calendar month first_month + c; column k is k months after the cohort month.
struct CohortCounts {
  std::int64_t first_month = 0;  ///< months since 1970-01 of cohort 0: the earliest non-empty
  std::size_t months = 0;        ///< cohorts up to as_of's month; also the columns k
  std::size_t groups = 0;
  /// [group][cohort][k]: customers of the cohort with an activity in month cohort + k
  /// (0 for cells after as_of's month, which the caller marks missing).
  std::vector<std::int64_t> counts;
  std::vector<std::int64_t> sizes;  ///< [group][cohort]: customers in the cohort
  UnknownOrders unknown;
  std::vector<std::int64_t> ungrouped;  ///< positions of customers in a cohort with group < 0
};

namespace detail {

/// Months since 1970-01 of a day number.
constexpr std::int64_t month_of_day(day_t day) noexcept {
  const CivilDate c = civil_from_days(day);
  return (static_cast<std::int64_t>(c.year) - 1970) * 12 + static_cast<std::int64_t>(c.month) - 1;
}

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

/// The latest activity day up to as_of of every key (min_day: none; max_day: the key is
/// no customer's).
struct LastByKey {
  ScratchBuffer<day_t> last;
  UnknownOrders unknown;
};

/// One array per slice of the orders while they are read (plain stores: a locked
/// instruction would stop the core from overlapping its cache misses), then their maximum
/// in one streaming pass, so that the customers' entries are then read from one array.
inline LastByKey last_by_key(const OrderColumns& o, const Customers& customers, day_t as_of) {
  // Entries of keys that are no customer's hold max_day, which no order writes (days
  // after as_of are not written, and as_of < max_day), so the entry an order updates
  // also says whether its id is a customer's.
  constexpr day_t other = max_day;
  as_of = std::min<day_t>(as_of, max_day - 1);
  std::vector<ScratchBuffer<day_t>> slices(activity_visitors(o));
  for (auto& m : slices) {
    m = scratch_buffer<day_t>(customers.keys());
    customers.fill_keys(m.get(), min_day, other);
  }
  struct Visitor {
    day_t* last;
    const day_t* target(std::size_t k) const noexcept { return last + k; }
    bool member(std::size_t k) const noexcept { return last[k] != other; }
    void visit(std::size_t k, day_t day) const noexcept { last[k] = day > last[k] ? day : last[k]; }
  };
  LastByKey out;
  out.unknown = for_each_activity(o, customers, as_of, slices.size(),
                                  [&](std::size_t s) { return Visitor{slices[s].get()}; });
  if (slices.size() > 1)
    parallel_for(customers.keys(), std::size_t{1} << 16,
                 [&](std::size_t, std::size_t b, std::size_t e) {
                   day_t* to = slices[0].get();
                   for (std::size_t s = 1; s < slices.size(); ++s) {
                     const day_t* from = slices[s].get();
                     for (std::size_t k = b; k < e; ++k) to[k] = std::max(to[k], from[k]);
                   }
                 });
  out.last = std::move(slices[0]);
  return out;
}

/// Calls f(p, last) for every customer position p, in parallel.
template <class F>
void for_each_last(const Customers& customers, const LastByKey& last, F f) {
  const day_t* l = last.last.get();
  parallel_for(customers.size(), std::size_t{1} << 16,
               [&](std::size_t, std::size_t b, std::size_t e) {
                 constexpr std::size_t ahead = 16;
                 for (std::size_t p = b; p < e; ++p) {
                   if (p + ahead < e) __builtin_prefetch(l + customers.key_of(p + ahead));
                   f(p, l[customers.key_of(p)]);
                 }
               });
}

}  // namespace detail

/// Every customer's last activity day up to `as_of` (inclusive): the latest order day
/// with, when there are amounts, an amount > 0. Customers are the `universe` ids (n_universe
/// distinct ids, in that order); orders of other ids are left out and reported. One
/// parallel pass over the orders (a maximum per customer and slice of the orders, then the
/// maximum of the slices), so the result does not depend on the thread count.
inline LastActivity last_activity(const OrderColumns& o, const id_type* universe,
                                  std::size_t n_universe, day_t as_of) {
  const detail::CallThreads threads;
  const detail::Customers customers = detail::Customers::of_universe(universe, n_universe);
  detail::LastByKey last = detail::last_by_key(o, customers, as_of);
  LastActivity out;
  out.last.resize(customers.size());
  detail::for_each_last(customers, last, [&](std::size_t p, day_t day) { out.last[p] = day; });
  out.unknown = std::move(last.unknown);
  return out;
}

/// Every participant's churn status at `as_of` (DOMAIN.md "Retention").
struct ChurnStatus {
  Array<day_t> last;             ///< the enrolment day or a later order day
  Array<std::int32_t> duration;  ///< days from enrolment to last, or to as_of if censored
  Array<std::uint8_t> churned;   ///< 1: more than churn_after days since `last`
  UnknownOrders unknown;
};

/// The churn status of the participants `universe` (n distinct ids) enrolled on
/// `enrolled[p]`, written to last[p], duration[p] and churned[p] (arrays of n the caller
/// owns, such as numpy arrays): activity days are the enrolment day and the order days up
/// to as_of (see last_activity()); churned when as_of - last > churn_after, the duration
/// is then last - enrolled, else as_of - enrolled (censored). Participants enrolled after
/// as_of get a negative duration: the caller leaves them out. Returns the orders of ids
/// that are not participants.
inline UnknownOrders churn_status(const OrderColumns& o, const id_type* universe,
                                  const day_t* enrolled, std::size_t n, day_t as_of,
                                  std::int32_t churn_after, day_t* last, std::int32_t* duration,
                                  std::uint8_t* churned) {
  if (churn_after < 0) throw errors::bad_value("churn_after", "must be >= 0 days");
  const detail::CallThreads threads;
  const detail::Customers customers = detail::Customers::of_universe(universe, n);
  detail::LastByKey by_key = detail::last_by_key(o, customers, as_of);
  detail::for_each_last(customers, by_key, [&](std::size_t p, day_t day) {
    const day_t l = std::max(day, enrolled[p]);
    const bool gone = static_cast<std::int64_t>(as_of) - l > churn_after;
    last[p] = l;
    churned[p] = gone;
    duration[p] = static_cast<std::int32_t>((gone ? l : as_of) - enrolled[p]);
  });
  return std::move(by_key.unknown);
}

/// The same, into a ChurnStatus.
inline ChurnStatus churn_status(const OrderColumns& o, const id_type* universe,
                                const day_t* enrolled, std::size_t n, day_t as_of,
                                std::int32_t churn_after) {
  ChurnStatus out;
  out.last.resize(n);
  out.duration.resize(n);
  out.churned.resize(n);
  out.unknown = churn_status(o, universe, enrolled, n, as_of, churn_after, out.last.data(),
                             out.duration.data(), out.churned.data());
  return out;
}

namespace detail {

/// Cohort months span at most 1,000 years (12,000 months): more means wrong dates.
constexpr std::size_t cohort_max_months = 12000;
/// Activity bits held at once, in 64-bit words (1 GiB): keys beyond are done in blocks.
constexpr std::size_t cohort_bit_words = std::size_t{1} << 27;
/// Customers per slice of the pass over the customers, at least.
constexpr std::size_t cohort_slice_grain = std::size_t{1} << 14;

/// The months cohort_rows() counts: bit m of a customer's `words` words is month lo + m,
/// for the `span` months from lo to as_of's.
struct MonthGrid {
  std::int64_t lo = 0;  ///< months since 1970-01 of bit 0
  std::size_t span = 1, words = 1;
  day_t lo_day = 0;                       ///< the first day of month lo
  std::vector<std::uint16_t> bit_of_day;  ///< [day - lo_day], up to as_of: the day's bit
};

/// The earliest month (since 1970-01) that can hold a cohort: of the cohort days up to
/// as_of, or of the first activity (the first order with a date, and an amount > 0 when
/// there are amounts) when there are none; the int64 maximum when there is none.
inline std::int64_t earliest_cohort_month(const OrderColumns& o, std::size_t n_customers,
                                          day_t as_of, const day_t* cohort_day) {
  constexpr std::int64_t none_yet = std::numeric_limits<std::int64_t>::max();
  std::int64_t lo = none_yet;
  if (cohort_day != nullptr) {
    for (std::size_t c = 0; c < n_customers; ++c)
      if (cohort_day[c] <= as_of) lo = std::min(lo, month_of_day(cohort_day[c]));
    return lo;
  }
  // the day of the earliest tick (days are monotonic in ticks: no division per order)
  constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
  const std::size_t parts = parallel_parts(o.n, activity_grain);
  std::vector<std::int64_t> first(parts, none_yet);
  parallel_for_parts(o.n, parts, [&](std::size_t s, std::size_t b, std::size_t e) {
    std::int64_t f = none_yet;
    if (o.amount == nullptr) {
      for (std::size_t i = b; i < e; ++i) {
        const std::int64_t t = o.ticks[i] == nat ? none_yet : o.ticks[i];
        f = t < f ? t : f;
      }
    } else {
      for (std::size_t i = b; i < e; ++i) {
        const bool skip = o.ticks[i] == nat || !(o.amount[i] > 0.0);
        const std::int64_t t = skip ? none_yet : o.ticks[i];
        f = t < f ? t : f;
      }
    }
    first[s] = f;
  });
  const std::int64_t earliest = *std::min_element(first.begin(), first.end());
  if (earliest == none_yet) return lo;
  const day_t f = with_ticks_per_day(o.ticks_per_day,
                                     [&](auto per_day) { return clamped_day(earliest, per_day); });
  return f <= as_of ? month_of_day(f) : lo;
}

/// The months from `lo` (none: the int64 maximum, then as_of's month alone) to as_of's.
inline MonthGrid month_grid(std::int64_t lo, day_t as_of) {
  const std::int64_t last_month = month_of_day(as_of);
  MonthGrid g;
  if (lo <= last_month) {
    g.span = static_cast<std::size_t>(last_month - lo) + 1;
    if (g.span > cohort_max_months)
      throw InputError(ErrorKind::bad_value,
                       "cohort_counts: the cohorts from year " +
                           std::to_string(1970 + floor_div(lo, std::int64_t{12})) +
                           " to as_of span more than 1,000 years: check the dates");
  }
  g.lo = std::min(lo, last_month);
  g.words = (g.span + 63) / 64;
  const std::int64_t year = floor_div(g.lo, std::int64_t{12});
  g.lo_day = days_from_civil(static_cast<int>(1970 + year),
                             static_cast<unsigned>(g.lo - 12 * year) + 1, 1);
  g.bit_of_day.resize(static_cast<std::size_t>(std::max(as_of - g.lo_day + 1, 0)));
  for (std::size_t d = 0; d < g.bit_of_day.size(); ++d)
    g.bit_of_day[d] = static_cast<std::uint16_t>(
        month_of_day(static_cast<day_t>(g.lo_day + static_cast<day_t>(d))) - g.lo);
  return g;
}

/// Keys [c0, c1) of the customers: those whose activity bits are held at once.
struct KeyBlock {
  std::size_t c0, c1;
  bool holds(std::size_t key) const noexcept { return key >= c0 && key < c1; }
};

/// Every block key's active months up to as_of: bits[s] holds order slice s's (plain
/// stores, no locked instructions; OR-ed when read), key c0 + i at words i * words.
/// Returns the orders of ids that are no customer's.
inline UnknownOrders active_months(const OrderColumns& o, const Customers& customers, day_t as_of,
                                   const MonthGrid& grid, KeyBlock block,
                                   std::vector<ScratchBuffer<std::uint64_t>>& bits) {
  for (auto& b : bits) b = filled_buffer<std::uint64_t>((block.c1 - block.c0) * grid.words, 0);
  struct Visitor {
    std::uint64_t* bits;
    const MonthGrid* grid;
    const Customers* customers;
    KeyBlock block;
    const std::uint64_t* target(std::size_t c) const noexcept {
      return bits + (block.holds(c) ? (c - block.c0) * grid->words : 0);
    }
    bool member(std::size_t c) const noexcept { return customers->member(c); }
    void visit(std::size_t c, day_t day) const noexcept {
      if (!block.holds(c)) return;
      if (day < grid->lo_day) return;  // before the earliest cohort (enrolment cohorts)
      const unsigned m = grid->bit_of_day[static_cast<std::size_t>(day - grid->lo_day)];
      bits[(c - block.c0) * grid->words + (m >> 6)] |= std::uint64_t{1} << (m & 63);
    }
  };
  return for_each_activity(o, customers, as_of, bits.size(), [&](std::size_t s) {
    return Visitor{bits[s].get(), &grid, &customers, block};
  });
}

/// What a cohort_rows() pass needs of the customers beyond their ids.
struct CohortInputs {
  day_t as_of;
  const day_t* cohort_day;    ///< null: the month of the first activity
  const std::int32_t* group;  ///< null: one group
  std::size_t n_groups;
};

/// The customers of a slice (and key block) that are in a cohort and a group: each one's
/// row key (group * span + cohort), cohort and active months (`words` words each).
struct SliceCohorts {
  std::vector<std::int64_t> row_key, cohort;
  std::vector<std::uint64_t> months;
  std::vector<std::int64_t> ungrouped;  ///< positions of customers in a cohort, no group
};

/// Customers [b, e) whose key is in the block: their active months (the order slices'
/// bits OR-ed) and cohorts; those without a cohort are left out.
inline SliceCohorts slice_cohorts(const Customers& customers,
                                  const std::vector<ScratchBuffer<std::uint64_t>>& bits,
                                  const MonthGrid& grid, KeyBlock block, const CohortInputs& in,
                                  std::size_t b, std::size_t e) {
  constexpr std::size_t ahead = 16;  // customers whose bits are prefetched ahead
  const std::size_t words = grid.words;
  SliceCohorts out;
  std::vector<std::uint64_t> w(words);
  for (std::size_t c = b; c < e; ++c) {
    const std::size_t key = customers.key_of(c);
    if (!block.holds(key)) continue;
    if (c + ahead < e) {
      const std::size_t next = customers.key_of(c + ahead);
      if (block.holds(next))
        for (const auto& bs : bits) __builtin_prefetch(bs.get() + (next - block.c0) * words);
    }
    const std::size_t i = key - block.c0;
    for (std::size_t k = 0; k < words; ++k) {
      std::uint64_t v = bits[0][i * words + k];
      for (std::size_t t = 1; t < bits.size(); ++t) v |= bits[t][i * words + k];
      w[k] = v;
    }
    std::int64_t cohort = -1;
    if (in.cohort_day != nullptr) {
      if (in.cohort_day[c] > in.as_of) continue;
      cohort = month_of_day(in.cohort_day[c]) - grid.lo;
    } else {
      for (std::size_t k = 0; k < words; ++k)
        if (w[k] != 0) {
          cohort = static_cast<std::int64_t>(k * 64) + __builtin_ctzll(w[k]);
          break;
        }
      if (cohort < 0) continue;  // no activity up to as_of
    }
    const std::int64_t g = in.group != nullptr ? in.group[c] : 0;
    if (g < 0 || static_cast<std::size_t>(g) >= in.n_groups) {
      out.ungrouped.push_back(static_cast<std::int64_t>(c));
      continue;
    }
    out.row_key.push_back(g * static_cast<std::int64_t>(grid.span) + cohort);
    out.cohort.push_back(cohort);
    out.months.insert(out.months.end(), w.begin(), w.end());
  }
  return out;
}

/// The (group, cohort) rows a slice of the customers meets, by ascending row key, each
/// with its customers (size) and its span - cohort counts at counts[start[r] ..).
struct SliceRows {
  std::vector<std::int64_t> key, size, start, counts;
};

/// The slice's rows (its row keys indexed in key order) and their counts: each customer
/// adds 1 to its row's count k for every active month cohort + k.
inline SliceRows slice_rows(const SliceCohorts& sc, const MonthGrid& grid) {
  const std::size_t n = sc.row_key.size();
  const Factorized rows = factorize(IdColumn(sc.row_key.data(), n), true);
  const Array<id_type>& keys = rows.keys.int_keys();
  SliceRows out;
  out.key.assign(keys.begin(), keys.end());
  out.size.assign(keys.size(), 0);
  out.start.assign(keys.size() + 1, 0);
  const auto span = static_cast<std::int64_t>(grid.span);
  for (std::size_t r = 0; r < keys.size(); ++r)
    out.start[r + 1] = out.start[r] + span - keys[r] % span;
  out.counts.assign(static_cast<std::size_t>(out.start.back()), 0);
  for (std::size_t j = 0; j < n; ++j) {
    const auto r = static_cast<std::size_t>(rows.codes[j]);
    const std::int64_t cohort = sc.cohort[j];
    const std::uint64_t* w = sc.months.data() + j * grid.words;
    ++out.size[r];
    std::int64_t* cells = out.counts.data() + out.start[r];
    const std::size_t first_word = static_cast<std::size_t>(cohort) >> 6;
    for (std::size_t k = first_word; k < grid.words; ++k) {
      std::uint64_t v = w[k];
      if (k == first_word) v &= ~std::uint64_t{0} << (cohort & 63);
      while (v != 0) {
        const std::int64_t m = static_cast<std::int64_t>(k * 64) + __builtin_ctzll(v);
        ++cells[m - cohort];
        v &= v - 1;
      }
    }
  }
  return out;
}

/// The rows of every slice, by group then cohort, their sizes and counts summed; cohorts
/// from the earliest non-empty one (over all groups) to as_of's month.
inline void merge_rows(const std::vector<SliceRows>& slices, const MonthGrid& grid,
                       CohortRows& out) {
  std::vector<std::int64_t> keys;
  for (const SliceRows& r : slices) keys.insert(keys.end(), r.key.begin(), r.key.end());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  if (keys.empty()) {  // no customer in any cohort: months = 0
    out.first_month = grid.lo + static_cast<std::int64_t>(grid.span) - 1;
    out.start.assign(1, 0);
    return;
  }
  const auto span = static_cast<std::int64_t>(grid.span);
  std::int64_t first = span;
  for (std::int64_t k : keys) first = std::min(first, k % span);
  out.first_month = grid.lo + first;
  out.months = grid.span - static_cast<std::size_t>(first);
  const std::size_t rows = keys.size();
  out.group.resize(rows);
  out.cohort.resize(rows);
  out.sizes.assign(rows, 0);
  out.start.assign(rows + 1, 0);
  for (std::size_t r = 0; r < rows; ++r) {
    out.group[r] = static_cast<std::int32_t>(keys[r] / span);
    out.cohort[r] = static_cast<std::int32_t>(keys[r] % span - first);
    out.start[r + 1] = out.start[r] + span - keys[r] % span;
  }
  out.counts.assign(static_cast<std::size_t>(out.start[rows]), 0);
  for (const SliceRows& sr : slices)
    for (std::size_t j = 0; j < sr.key.size(); ++j) {
      const auto r = static_cast<std::size_t>(
          std::lower_bound(keys.begin(), keys.end(), sr.key[j]) - keys.begin());
      out.sizes[r] += sr.size[j];
      const std::int64_t* from = sr.counts.data() + sr.start[j];
      std::int64_t* to = out.counts.data() + out.start[r];
      for (std::int64_t k = 0; k < out.start[r + 1] - out.start[r]; ++k) to[k] += from[k];
    }
}

}  // namespace detail

/// The cohort retention matrix (DOMAIN.md) as its rows with customers: every customer's
/// active months up to as_of's month as bits (one parallel pass over the orders), then
/// one pass over the customers. Memory is in the rows that exist (a row of a cohort has
/// a count per month from it to as_of's), not groups x months x months.
///
/// Customers are the `universe` ids (distinct; orders of other ids are left out and
/// reported) or, when it is null, every id with an order. A customer's cohort is the
/// month of `cohort_day[c]` (for example enrolment; customers with cohort_day > as_of
/// are left out, and orders before the cohort month do not count) or, when cohort_day is
/// null, the month of the first activity up to as_of (customers without one are left
/// out). `group[c]` in [0, n_groups) splits the cohorts (null: one group); customers in a
/// cohort with a negative group are listed in `ungrouped` and not counted. Counts are
/// integers, so the result does not depend on the thread count.
///
/// Phases: the earliest cohort month, the month grid from it to as_of's, then per block
/// of keys (their activity bits at most cohort_bit_words) the active months of the
/// block's keys and, per slice of the customers, their cohorts and rows; at the end the
/// slices' rows merged.
inline CohortRows cohort_rows(const OrderColumns& o, const id_type* universe,
                              std::size_t n_universe, day_t as_of, const day_t* cohort_day,
                              const std::int32_t* group, std::size_t n_groups) {
  const detail::CallThreads threads;
  if (universe == nullptr && (cohort_day != nullptr || group != nullptr))
    throw InputError(ErrorKind::bad_value,
                     "cohort_counts: cohort days and groups need the universe they describe");
  if (group == nullptr) n_groups = 1;
  if (n_groups == 0 || n_groups >= (std::size_t{1} << 31))
    throw InputError(ErrorKind::bad_value, "cohort_counts: between 1 and 2^31 - 1 groups");
  const detail::Customers customers = universe == nullptr
                                          ? detail::Customers::of_orders(o)
                                          : detail::Customers::of_universe(universe, n_universe);
  const std::size_t nc = customers.size();
  const detail::MonthGrid grid =
      detail::month_grid(detail::earliest_cohort_month(o, nc, as_of, cohort_day), as_of);
  const detail::CohortInputs in{as_of, cohort_day, group, n_groups};

  const std::size_t nk = customers.keys();
  std::vector<detail::ScratchBuffer<std::uint64_t>> bits(detail::activity_visitors(o));
  const std::size_t keys_per_block =
      std::max<std::size_t>(1, detail::cohort_bit_words / (grid.words * bits.size()));
  const std::size_t slices = detail::parallel_parts(nc, detail::cohort_slice_grain);
  std::vector<detail::SliceRows> rows;  // per block and slice
  std::vector<std::vector<std::int64_t>> ungrouped(slices);
  CohortRows out;
  out.groups = n_groups;
  for (std::size_t c0 = 0; c0 < nk || (c0 == 0 && nk == 0); c0 += keys_per_block) {
    const detail::KeyBlock block{c0, std::min(nk, c0 + keys_per_block)};
    UnknownOrders unknown = detail::active_months(o, customers, as_of, grid, block, bits);
    if (c0 == 0) out.unknown = std::move(unknown);
    std::vector<detail::SliceRows> block_rows(slices);
    detail::parallel_for_parts(nc, slices, [&](std::size_t s, std::size_t b, std::size_t e) {
      const detail::CallThreads one(1);  // a slice of a parallel step: no nested threads
      detail::SliceCohorts sc = detail::slice_cohorts(customers, bits, grid, block, in, b, e);
      ungrouped[s].insert(ungrouped[s].end(), sc.ungrouped.begin(), sc.ungrouped.end());
      block_rows[s] = detail::slice_rows(sc, grid);
    });
    for (auto& r : block_rows) rows.push_back(std::move(r));
    if (nk == 0) break;
  }
  bits.clear();
  for (const auto& u : ungrouped) out.ungrouped.insert(out.ungrouped.end(), u.begin(), u.end());
  std::sort(out.ungrouped.begin(), out.ungrouped.end());
  detail::merge_rows(rows, grid, out);
  return out;
}

/// The same matrix dense (groups x months x months counts, groups x months sizes): for
/// short spans and few groups; cohort_rows() holds only the rows that exist.
inline CohortCounts cohort_counts(const OrderColumns& o, const id_type* universe,
                                  std::size_t n_universe, day_t as_of, const day_t* cohort_day,
                                  const std::int32_t* group, std::size_t n_groups) {
  CohortRows rows = cohort_rows(o, universe, n_universe, as_of, cohort_day, group, n_groups);
  CohortCounts out;
  out.first_month = rows.first_month;
  out.months = rows.months;
  out.groups = rows.groups;
  out.unknown = std::move(rows.unknown);
  out.ungrouped = std::move(rows.ungrouped);
  const std::size_t m = rows.months;
  out.counts.assign(out.groups * m * m, 0);
  out.sizes.assign(out.groups * m, 0);
  for (std::size_t r = 0; r < rows.sizes.size(); ++r) {
    const std::size_t at =
        static_cast<std::size_t>(rows.group[r]) * m + static_cast<std::size_t>(rows.cohort[r]);
    out.sizes[at] = rows.sizes[r];
    std::copy(rows.counts.begin() + rows.start[r], rows.counts.begin() + rows.start[r + 1],
              out.counts.begin() + static_cast<std::ptrdiff_t>(at * m));
  }
  return out;
}

}  // namespace downline
