// Cohort retention (docs/concepts.md "Retention"): the retention matrix of customers by cohort
// month (and group), from one parallel pass over the raw order columns per block of
// customers.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "date.hpp"
#include "detail/buffer.hpp"
#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"
#include "ids.hpp"
#include "orders.hpp"

namespace downline {

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

/// The cohort retention matrix (docs/concepts.md) as its rows with customers: every customer's
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
