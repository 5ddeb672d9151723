// Activity: orders mapped onto a Network once (participant id -> preorder position),
// then reused for any number of periods, segments and rollups.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "date.hpp"
#include "detail/buffer.hpp"
#include "detail/parallel.hpp"
#include "detail/select.hpp"
#include "error.hpp"
#include "network.hpp"

namespace downline {

/// What to do with orders whose participant is not in the network.
enum class UnknownPolicy {
  raise,  ///< throw InputError(unknown_participant) naming the ids
  drop,   ///< drop them; Activity::dropped_rows() / dropped_ids() report what was dropped
};

/// A named column of per-order values mapped with the volumes (CV and the sales amount
/// next to PV, say): one value per input row, checked finite like the volumes.
struct ValueColumn {
  std::string name;
  const double* values = nullptr;
};

/// The order columns as the caller named them, for messages ("2 order(s) have a NaN or
/// infinite volume, rows: 1, 3, in column 'points'"); empty: not named.
struct OrderNames {
  std::string date;
  std::string volume;
};

/// The orders of a period [start, end): the indices of those orders in ascending order
/// (`index`), or, when the period holds a large share of them (`scan`), every order, to
/// be tested by its day. See Activity::period_orders().
struct PeriodOrders {
  day_t start = 0, end = 0;
  bool scan = true;
  std::vector<std::uint32_t> index;
};

namespace detail {

/// An Activity's orders by day (a stable counting sort): the orders of day lo + j are
/// order[first[j] .. first[j + 1]), in input order. Built on first use, once.
struct OrdersByDay {
  std::once_flag built;
  day_t lo = 0;
  std::vector<std::size_t> first;
  Array<std::uint32_t> order;
};

}  // namespace detail

class Activity {
 public:
  Activity() = default;

  /// Maps n orders. `day_at(i, day_t& d) -> bool` yields the order day (false: missing
  /// or out of range; day numbers are otherwise taken as they are); `pv_at(i) -> double`
  /// its volume. Rows with a bad day or a non-finite volume raise InputError(bad_value)
  /// naming the rows (0-based).
  /// With a window [from, to), only the orders of those days are kept (every row is still
  /// checked: its day, its volume and its participant, so that an unknown participant is
  /// an error, or dropped, whatever the window): the fast path for a single period.
  /// `values`: other per-order columns kept with them (see values()).
  template <class DayAt, class PvAt>
  Activity(const Network& net, const id_type* participant, std::size_t n, DayAt day_at, PvAt pv_at,
           UnknownPolicy policy = UnknownPolicy::raise, day_t from = min_day, day_t to = max_day,
           const std::vector<ValueColumn>& values = {}, const OrderNames& names = {}) {
    map(
        net, IdColumn(participant, n), policy, from, to, values, names,
        [&](std::size_t b, std::size_t e, Slice& out, std::size_t* rows, day_t* days,
            double* vols) {
          std::size_t m = 0;
          for (std::size_t i = b; i < e; ++i) {
            day_t d = 0;
            const bool day_ok = day_at(i, d) && d != max_day;  // max_day: "no end"
            const double v = pv_at(i);
            if (!day_ok) out.bad_day.push_back(static_cast<id_type>(i));
            if (!std::isfinite(v)) out.bad_pv.push_back(static_cast<id_type>(i));
            if (!day_ok || d < from || d >= to) continue;
            rows[m] = i;
            days[m] = d;
            vols[m] = v;
            ++m;
          }
          return m;
        },
        [&](std::size_t i) {
          day_t d = 0;
          return day_at(i, d) && d != max_day ? format_date(d) : std::string("missing");
        });
  }

  /// Maps n orders whose dates are integer ticks since 1970-01-01 (a datetime64 column:
  /// ticks_per_day = 86,400,000,000,000 for nanoseconds, 86,400 for seconds, 1 for days);
  /// `not_a_time` (the int64 minimum, numpy's NaT) marks a missing date. Days are floored,
  /// so times before 1970 fall on the right day. Dates outside the supported range
  /// (1900-01-01 to 2200-12-31, see date.hpp) are errors naming the rows and the dates, as
  /// missing ones are. Errors, drops and the window [from, to)
  /// as for the constructor above; the window is tested on the ticks, so only the orders
  /// inside it are converted to days.
  Activity(const Network& net, const id_type* participant, const std::int64_t* ticks,
           std::int64_t ticks_per_day, const double* pv, std::size_t n,
           UnknownPolicy policy = UnknownPolicy::raise, day_t from = min_day, day_t to = max_day,
           const std::vector<ValueColumn>& values = {}, const OrderNames& names = {})
      : Activity(net, IdColumn(participant, n), ticks, ticks_per_day, pv, policy, from, to, values, names) {}

  /// The same with the participants' ids as a column of int64 ids or strings (a column of
  /// the other kind than the network's ids holds unknown participants only). With string
  /// ids, InputError::ids() and dropped_ids() hold, for each distinct unknown id (in the
  /// order of their bytes), the first row that holds it; the message quotes the ids.
  Activity(const Network& net, const IdColumn& participant, const std::int64_t* ticks,
           std::int64_t ticks_per_day, const double* pv,
           UnknownPolicy policy = UnknownPolicy::raise, day_t from = min_day, day_t to = max_day,
           const std::vector<ValueColumn>& values = {}, const OrderNames& names = {}) {
    if (ticks_per_day <= 0) throw errors::bad_value("ticks_per_day", "must be positive");
    // the common units divide by a compile-time constant (a multiplication)
    detail::with_ticks_per_day(ticks_per_day, [&](auto per_day) {
      map_ticks(net, participant, ticks, per_day, pv, policy, from, to, values, names);
    });
  }

  /// The int64 value that marks a missing date in tick arrays (numpy's NaT).
  static constexpr std::int64_t not_a_time = std::numeric_limits<std::int64_t>::min();

  /// Convenience for day arrays already in days since 1970-01-01.
  Activity(const Network& net, const std::vector<id_type>& participant,
           const std::vector<day_t>& day, const std::vector<double>& pv,
           UnknownPolicy policy = UnknownPolicy::raise)
      : Activity(net, participant.data(), day.data(), pv.data(),
                 checked_size(participant.size(), day.size(), pv.size()), policy) {}
  /// The same for vectors with other allocators (Arrays: the columns of io::OrderTable).
  template <class A1, class A2, class A3>
  Activity(const Network& net, const std::vector<id_type, A1>& participant,
           const std::vector<day_t, A2>& day, const std::vector<double, A3>& pv,
           UnknownPolicy policy = UnknownPolicy::raise)
      : Activity(net, participant.data(), day.data(), pv.data(),
                 checked_size(participant.size(), day.size(), pv.size()), policy) {}
  /// The same for n orders given as pointers.
  Activity(const Network& net, const id_type* participant, const day_t* day, const double* pv,
           std::size_t n, UnknownPolicy policy = UnknownPolicy::raise,
           const std::vector<ValueColumn>& values = {})
      : Activity(
            net, participant, n, [day](std::size_t i, day_t& d) { return d = day[i], true; },
            [pv](std::size_t i) { return pv[i]; }, policy, min_day, max_day, values) {}

  std::size_t size() const noexcept { return node_.size(); }
  /// Network size this activity was mapped to.
  index_t network_size() const noexcept { return n_nodes_; }
  const Array<index_t>& nodes() const noexcept { return node_; }
  const Array<day_t>& days() const noexcept { return day_; }
  const Array<double>& volumes() const noexcept { return pv_; }
  /// The names of the value columns mapped with the orders, in the order given.
  const std::vector<std::string>& value_names() const noexcept { return value_names_; }
  bool has_values(std::string_view name) const noexcept { return value_index(name) < values_.size(); }
  /// The value column `name`, one value per order (as volumes()); InputError naming the
  /// column when the orders were mapped without it.
  const Array<double>& values(std::string_view name) const {
    const std::size_t c = value_index(name);
    if (c == values_.size()) {
      std::string names;
      for (const std::string& v : value_names_) names += (names.empty() ? "'" : ", '") + v + "'";
      throw errors::bad_value("orders", "have no value column '" + std::string(name) + "' (value columns: " +
                                            (names.empty() ? "none" : names) + ")");
    }
    return values_[c];
  }
  /// The day window the orders were kept for ([min_day, max_day) when not windowed).
  day_t window_start() const noexcept { return from_; }
  day_t window_end() const noexcept { return to_; }
  /// Input rows (0-based) dropped under UnknownPolicy::drop, and their distinct ids.
  const std::vector<id_type>& dropped_rows() const noexcept { return dropped_rows_; }
  const std::vector<id_type>& dropped_ids() const noexcept { return dropped_ids_; }

  /// Orders below which a period is scanned, not looked up by day.
  static constexpr std::size_t period_index_min = std::size_t{1} << 16;
  /// A period is looked up by day when it holds at most 1/period_index_share of the
  /// orders (more: one scan reads them faster), and its orders are put back in input
  /// order by a sort when they are fewer than 1/period_sort_share (else by a bitmap).
  static constexpr std::size_t period_index_share = 8, period_sort_share = 1024;

  /// The orders of [start, end): when the period holds few of the orders (at most
  /// 1/period_index_share, and there are many), their indices in ascending order, found
  /// through an index of the orders by day (4 bytes an order, built on the first such
  /// call and shared by copies);
  /// otherwise `scan` (every order is read and tested by its day, the cheaper way then),
  /// also when the period covers the window the orders were kept for (no index is built
  /// then). Without `use_index`, always `scan`.
  PeriodOrders period_orders(day_t start, day_t end, bool use_index = true) const {
    PeriodOrders p;
    p.start = start;
    p.end = end;
    const std::size_t m = node_.size();
    const bool covers_window = start <= from_ && end >= to_;  // every order kept is in the period
    if (!use_index || covers_window || m < period_index_min || m > std::numeric_limits<std::uint32_t>::max() ||
        !by_day_ || start >= end)
      return p;
    const detail::OrdersByDay& ix = by_day();
    if (ix.first.empty()) return p;
    const std::int64_t span = static_cast<std::int64_t>(ix.first.size()) - 1;
    const auto at = [&](day_t d) {
      const std::int64_t j = std::clamp<std::int64_t>(static_cast<std::int64_t>(d) - ix.lo, 0, span);
      return ix.first[static_cast<std::size_t>(j)];
    };
    const std::size_t b = at(start), e = at(end), count = e - b;
    if (count > m / period_index_share) return p;
    p.scan = false;
    p.index.assign(ix.order.begin() + static_cast<std::ptrdiff_t>(b), ix.order.begin() + static_cast<std::ptrdiff_t>(e));
    if (count < m / period_sort_share) {  // few: sorted directly
      std::sort(p.index.begin(), p.index.end());
      return p;
    }
    // many: marked in a bitmap of every order, then read back in order
    std::vector<std::uint64_t> bits((m + 63) / 64, 0);
    for (std::uint32_t i : p.index) bits[i >> 6] |= std::uint64_t{1} << (i & 63);
    std::size_t out = 0;
    for (std::size_t w = 0; w < bits.size(); ++w)
      for (std::uint64_t x = bits[w]; x; x &= x - 1)
        p.index[out++] = static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(__builtin_ctzll(x)));
    return p;
  }

  /// Calls f(i) for the index i of every order of the period, in ascending order.
  template <class F>
  void for_each_order_index(const PeriodOrders& p, F f) const {
    if (!p.scan) {
      for (std::uint32_t i : p.index) f(static_cast<std::size_t>(i));
      return;
    }
    const day_t* day = day_.data();
    for (std::size_t i = 0, m = node_.size(); i < m; ++i)
      if (day[i] >= p.start && day[i] < p.end) f(i);
  }

  /// Calls add(k, pv) for every order with start <= day < end, in order (k: its
  /// participant's preorder position): the pass behind the personal volumes below
  /// (for_each_order_ahead, which also prefetches their targets).
  template <class Add>
  void for_each_order(day_t start, day_t end, Add add) const {
    for_each_order(start, end, pv_, add);
  }
  /// The same with the values of `column` (volumes() or one of values()) in place of the
  /// volumes.
  template <class Add>
  void for_each_order(day_t start, day_t end, const Array<double>& column, Add add) const {
    if (column.size() != node_.size()) throw std::logic_error("for_each_order: a column of other orders");
    for_each_order_ahead(
        period_orders(start, end), 0, n_nodes_, [](index_t) {}, add, column.data());
  }

  /// Personal volume for orders with start <= day < end written twice, in preorder
  /// (pv[k]) and at to[k] (with to = Network::row_of_position(): input row order): the
  /// PV column and the input of the GV rollup from one pass. On every thread: each takes
  /// a range of positions and reads every order of the period, so every element is
  /// written by one thread, and each participant's orders are added in input order as in
  /// the serial pass. Both arrays are zeroed first (also on every thread).
  void personal_volume_twice(day_t start, day_t end, const index_t* to, double* pv,
                             double* pv_to) const {
    const std::size_t nn = static_cast<std::size_t>(n_nodes_);
    constexpr std::size_t grain = std::size_t{1} << 16;
    const PeriodOrders period = period_orders(start, end);
    detail::parallel_for(nn, grain, [&](std::size_t, std::size_t b, std::size_t e) {
      std::fill(pv + b, pv + e, 0.0);
      std::fill(pv_to + b, pv_to + e, 0.0);
    });
    detail::parallel_for(nn, grain, [&](std::size_t, std::size_t kb, std::size_t ke) {
      for_each_order_ahead(
          period, static_cast<index_t>(kb), static_cast<index_t>(ke),
          [&](index_t k) {
            __builtin_prefetch(pv + k, 1);
            __builtin_prefetch(to + k);
          },
          [&](index_t k, double v) {
            pv[k] += v;
            pv_to[to[k]] += v;
          });
    });
  }

  /// Personal volume of every participant (preorder) for orders with start <= day < end,
  /// and whether each had an order with pv > 0 in the period (the default "active").
  void personal_volume(day_t start, day_t end, double* pv, std::uint8_t* any_positive) const {
    std::fill(pv, pv + n_nodes_, 0.0);
    auto fetch = [&](index_t k) { __builtin_prefetch(pv + k, 1); };
    const PeriodOrders period = period_orders(start, end);
    if (!any_positive) {
      for_each_order_ahead(period, 0, n_nodes_, fetch, [&](index_t k, double v) { pv[k] += v; });
      return;
    }
    std::fill(any_positive, any_positive + n_nodes_, std::uint8_t{0});
    for_each_order_ahead(period, 0, n_nodes_, fetch, [&](index_t k, double v) {
      pv[k] += v;
      if (v > 0) any_positive[k] = 1;
    });
  }

  /// Personal volume as above, but of participant k written to pv[to[k]]: with
  /// to = Network::row_of_position() it comes in input row order, without gathering a
  /// whole network-sized array (the orders of one period are usually far fewer).
  void personal_volume_to(day_t start, day_t end, const index_t* to, double* pv) const {
    std::fill(pv, pv + n_nodes_, 0.0);
    for_each_order_ahead(
        period_orders(start, end), 0, n_nodes_, [&](index_t k) { __builtin_prefetch(to + k); },
        [&](index_t k, double v) { pv[to[k]] += v; });
  }

  /// Participants x periods matrix (preorder rows, column-major): column j holds the
  /// personal volume in [bounds[j], bounds[j + 1]). One pass over the orders.
  std::vector<double> personal_volume_by_period(const std::vector<day_t>& bounds) const {
    if (bounds.size() < 2) return {};
    for (std::size_t j = 1; j < bounds.size(); ++j)
      if (bounds[j] < bounds[j - 1])
        throw InputError(ErrorKind::bad_value, "period bounds must be increasing");
    const std::size_t periods = bounds.size() - 1;
    std::vector<double> out(periods * static_cast<std::size_t>(n_nodes_), 0.0);
    for (std::size_t i = 0; i < node_.size(); ++i) {
      const day_t d = day_[i];
      if (d < bounds.front() || d >= bounds.back()) continue;
      const std::size_t j =
          static_cast<std::size_t>(std::upper_bound(bounds.begin(), bounds.end(), d) -
                                   bounds.begin()) -
          1;
      out[j * static_cast<std::size_t>(n_nodes_) + static_cast<std::size_t>(node_[i])] += pv_[i];
    }
    return out;
  }

 private:
  /// for_each_order for random targets, restricted to participants lo <= k < hi (a
  /// thread's share): a chunk of the period's orders at a time, those of the range listed
  /// without branches, then add(k, v) called in order with fetch(k) called 16 orders
  /// ahead (a prefetch of add's targets), so that their cache misses overlap. `vol`: the
  /// values added (null: the volumes).
  template <class Fetch, class Add>
  void for_each_order_ahead(const PeriodOrders& period, index_t lo, index_t hi, Fetch fetch, Add add,
                            const double* vol = nullptr) const {
    if (!vol) vol = pv_.data();
    constexpr std::size_t chunk = 2048, ahead = 16;
    const std::uint32_t first = static_cast<std::uint32_t>(lo);
    const std::uint32_t span = static_cast<std::uint32_t>(hi - lo);
    const day_t start = period.start, end = period.end;
    index_t ks[chunk];
    double vs[chunk];
    const std::size_t m = period.scan ? node_.size() : period.index.size();
    for (std::size_t base = 0; base < m; base += chunk) {
      const std::size_t stop = std::min(m, base + chunk);
      std::size_t c = 0;
      if (period.scan) {
        for (std::size_t i = base; i < stop; ++i) {
          const day_t d = day_[i];
          const index_t k = node_[i];
          ks[c] = k;
          vs[c] = vol[i];
          c += static_cast<std::size_t>((d >= start) & (d < end) &
                                        (static_cast<std::uint32_t>(k) - first < span));
        }
      } else {
        for (std::size_t j = base; j < stop; ++j) {
          const std::uint32_t i = period.index[j];
          const index_t k = node_[i];
          ks[c] = k;
          vs[c] = vol[i];
          c += static_cast<std::size_t>(static_cast<std::uint32_t>(k) - first < span);
        }
      }
      for (std::size_t j = 0; j < c; ++j) {
        if (j + ahead < c) fetch(ks[j + ahead]);
        add(ks[j], vs[j]);
      }
    }
  }

  /// The index of the orders by day, built on first use (a stable counting sort).
  const detail::OrdersByDay& by_day() const {
    detail::OrdersByDay& ix = *by_day_;
    std::call_once(ix.built, [&] {
      const std::size_t m = day_.size();
      const auto [lo_it, hi_it] = std::minmax_element(day_.begin(), day_.end());
      ix.lo = *lo_it;
      const std::size_t span = static_cast<std::size_t>(static_cast<std::int64_t>(*hi_it) - ix.lo) + 1;
      if (span > std::max(m, std::size_t{1} << 20)) return;  // days far apart (C++ day numbers): no index
      ix.first.assign(span + 1, 0);
      for (std::size_t i = 0; i < m; ++i) ++ix.first[static_cast<std::size_t>(day_[i] - ix.lo) + 1];
      for (std::size_t j = 0; j < span; ++j) ix.first[j + 1] += ix.first[j];
      std::vector<std::size_t> next(ix.first.begin(), ix.first.end() - 1);
      ix.order.resize(m);
      for (std::size_t i = 0; i < m; ++i)
        ix.order[next[static_cast<std::size_t>(day_[i] - ix.lo)]++] = static_cast<std::uint32_t>(i);
    });
    return ix;
  }

  /// What a slice of rows found wrong (the rows of each kind of problem).
  struct Slice {
    std::vector<std::vector<id_type>> bad_values;  ///< per value column
    std::vector<id_type> bad_day, bad_pv, unknown_rows;
  };

  std::size_t value_index(std::string_view name) const noexcept {
    return static_cast<std::size_t>(std::find(value_names_.begin(), value_names_.end(), name) - value_names_.begin());
  }

  template <class PerDay>
  void map_ticks(const Network& net, const IdColumn& participant, const std::int64_t* ticks,
                 PerDay per_day, const double* pv, UnknownPolicy policy, day_t from, day_t to,
                 const std::vector<ValueColumn>& values, const OrderNames& names) {
    // Valid ticks: the supported days. Window: the ticks of days [from, to).
    const std::int64_t valid_lo = first_tick_of_day(first_supported_day, per_day);
    const std::int64_t valid_hi_excl = first_tick_of_day(last_supported_day + 1, per_day);
    const std::int64_t win_lo = std::max(first_tick_of_day(from, per_day), valid_lo);
    const std::int64_t win_hi = std::min(first_tick_of_day(to, per_day), valid_hi_excl);
    map(
        net, participant, policy, from, to, values, names,
        [&](std::size_t b, std::size_t e, Slice& out, std::size_t* rows, day_t* days,
            double* vols) {
          // 1. checks and 2. the rows inside the window, in one pass (detail/select.hpp);
          //    rows are named only if a check fails.
          const detail::TickSelection sel = detail::select_ticks(
              ticks, pv, b, e, detail::TickBounds{valid_lo, valid_hi_excl, win_lo, win_hi}, rows);
          if (sel.bad)
            for (std::size_t i = b; i < e; ++i) {
              if (ticks[i] < valid_lo || ticks[i] >= valid_hi_excl)
                out.bad_day.push_back(static_cast<id_type>(i));
              if (!std::isfinite(pv[i])) out.bad_pv.push_back(static_cast<id_type>(i));
            }
          const std::size_t m = sel.in_window;
          // 3. their days (floor division) and volumes.
          for (std::size_t j = 0; j < m; ++j) {
            days[j] = static_cast<day_t>(floor_div(ticks[rows[j]], per_day));
            vols[j] = pv[rows[j]];
          }
          return m;
        },
        [&](std::size_t i) {
          if (ticks[i] == not_a_time) return std::string("missing");
          const std::int64_t d = floor_div(ticks[i], per_day);
          constexpr std::int64_t far = 365LL * 1000000;  // beyond: not worth printing
          return d < -far || d > far ? std::string("out of range")
                                     : format_date(static_cast<day_t>(d));
        });
  }

  /// The mapping shared by the constructors. `select(b, e, slice, rows, days, vols)`
  /// checks rows [b, e) (recording bad ones in the slice) and writes the rows inside the
  /// window [from, to) with their days and volumes, returning how many; the value columns
  /// are checked and kept for the same rows here. `date_of(i)` shows a bad row's date in
  /// the error ("missing", "1850-01-01").
  template <class Select, class DateOf>
  void map(const Network& net, const IdColumn& participant, UnknownPolicy policy, day_t from,
           day_t to, const std::vector<ValueColumn>& values, const OrderNames& names, Select select,
           DateOf date_of) {
    const std::size_t n = participant.size();
    const std::size_t nv = values.size();
    for (std::size_t c = 0; c < nv; ++c) {
      const std::string& name = values[c].name;
      if (name.empty()) throw errors::bad_value("values", "a value column needs a name");
      for (std::size_t o = 0; o < c; ++o)
        if (values[o].name == name) throw errors::bad_value("values", "the column '" + name + "' is given twice");
      if (!values[c].values && n > 0) throw errors::bad_value("values", "the column '" + name + "' has no data");
      value_names_.push_back(name);
    }
    values_.assign(nv, Array<double>{});
    const detail::CallThreads threads;
    const bool windowed = from != min_day || to != max_day;
    // Slices of rows are mapped on every thread. Unwindowed, each slice writes its
    // orders at their own rows (npos for an unknown participant) and the arrays are
    // compacted afterwards only if some were unknown; windowed, each slice's orders in
    // the window are counted first (the checks of days and volumes recorded then), and
    // the slices write them at their offsets in row order. Either way the result does
    // not depend on the number of threads.
    const std::size_t parts = detail::parallel_parts(n, slice_grain);
    std::vector<Slice> slices(parts);
    constexpr std::size_t chunk = detail::select_chunk;
    std::vector<std::size_t> offset(parts + 1, 0);  // windowed: where each slice's orders go
    if (windowed) {
      detail::parallel_for_parts(n, parts, [&](std::size_t part, std::size_t b, std::size_t e) {
        std::size_t rows[chunk];
        day_t days[chunk];
        double vols[chunk];
        for (std::size_t base = b; base < e; base += chunk)
          offset[part + 1] += select(base, e - base < chunk ? e : base + chunk, slices[part], rows, days, vols);
      });
      for (std::size_t part = 0; part < parts; ++part) offset[part + 1] += offset[part];
    }
    const std::size_t kept_rows = windowed ? offset[parts] : n;
    node_.resize(kept_rows);
    day_.resize(kept_rows);
    pv_.resize(kept_rows);
    for (Array<double>& v : values_) v.resize(kept_rows);
    detail::parallel_for_parts(n, parts, [&](std::size_t part, std::size_t b, std::size_t e) {
      Slice& out = slices[part];
      Slice checked;  // windowed: the checks were recorded when counting
      out.bad_values.resize(nv);
      std::size_t at = offset[part];
      std::size_t rows[chunk];
      index_t found[chunk];
      day_t days[chunk];
      double vols[chunk];
      for (std::size_t base = b; base < e; base += chunk) {
        const std::size_t stop = e - base < chunk ? e : base + chunk;
        const std::size_t m = select(base, stop, windowed ? checked : out, rows, days, vols);
        checked.bad_day.clear();
        checked.bad_pv.clear();
        if (windowed) {
          // every row's participant is looked up, in the window or not: an unknown one is
          // an error (or dropped) whatever the period
          std::size_t all[chunk];
          index_t found_all[chunk];
          for (std::size_t i = base; i < stop; ++i) all[i - base] = i;
          net.index().find_rows(participant, all, stop - base, found_all);
          for (std::size_t i = base; i < stop; ++i)
            if (found_all[i - base] == npos) out.unknown_rows.push_back(static_cast<id_type>(i));
          for (std::size_t j = 0; j < m; ++j) found[j] = found_all[rows[j] - base];
        } else {
          net.index().find_rows(participant, rows, m, found);
          for (std::size_t j = 0; j < m; ++j)
            if (found[j] == npos) out.unknown_rows.push_back(static_cast<id_type>(rows[j]));
        }
        if (windowed) {
          std::copy(found, found + m, node_.begin() + static_cast<std::ptrdiff_t>(at));
          std::copy(days, days + m, day_.begin() + static_cast<std::ptrdiff_t>(at));
          std::copy(vols, vols + m, pv_.begin() + static_cast<std::ptrdiff_t>(at));
        } else {
          // Every row with a valid date is in the (unbounded) window; a row with a bad
          // date (an error is coming) is left unset.
          for (std::size_t j = 0; j < m; ++j) {
            node_[rows[j]] = found[j];
            day_[rows[j]] = days[j];
            pv_[rows[j]] = vols[j];
          }
        }
        for (std::size_t c = 0; c < nv; ++c) {  // every row checked, the selected ones kept
          const double* col = values[c].values;
          bool bad = false;
          for (std::size_t i = base; i < stop; ++i) bad |= !std::isfinite(col[i]);
          if (bad)
            for (std::size_t i = base; i < stop; ++i)
              if (!std::isfinite(col[i])) out.bad_values[c].push_back(static_cast<id_type>(i));
          if (windowed) {
            for (std::size_t j = 0; j < m; ++j) values_[c][at + j] = col[rows[j]];
          } else {
            for (std::size_t j = 0; j < m; ++j) values_[c][rows[j]] = col[rows[j]];
          }
        }
        at += m;
      }
    });
    std::vector<id_type> bad_day, bad_pv, unknown_rows;
    std::vector<std::vector<id_type>> bad_values(nv);
    for (Slice& sl : slices) {
      bad_day.insert(bad_day.end(), sl.bad_day.begin(), sl.bad_day.end());
      bad_pv.insert(bad_pv.end(), sl.bad_pv.begin(), sl.bad_pv.end());
      for (std::size_t c = 0; c < nv; ++c)
        bad_values[c].insert(bad_values[c].end(), sl.bad_values[c].begin(), sl.bad_values[c].end());
      unknown_rows.insert(unknown_rows.end(), sl.unknown_rows.begin(), sl.unknown_rows.end());
    }
    // the columns as the caller named them, at the end: ", in column 'pv'"
    const auto in = [](const std::string& column) { return column.empty() ? std::string() : ", in column '" + column + "'"; };
    if (!bad_day.empty())
      throw errors::listed_with(
          ErrorKind::bad_value, "order(s) have a missing or out-of-range date, rows:", std::move(bad_day),
          [&](std::string& s, id_type r) {
            s += std::to_string(r) + " (" + date_of(static_cast<std::size_t>(r)) + ")";
          },
          " (supported dates: " + std::string(supported_dates) + ")" + in(names.date));
    if (!bad_pv.empty())
      throw errors::listed(ErrorKind::bad_value, "order(s) have a NaN or infinite volume, rows:", std::move(bad_pv),
                           in(names.volume));
    for (std::size_t c = 0; c < nv; ++c)
      if (!bad_values[c].empty())
        throw errors::listed(ErrorKind::bad_value, "order(s) have a NaN or infinite value, rows:",
                             std::move(bad_values[c]), in(values[c].name));
    if (!unknown_rows.empty()) {
      // the distinct ids in order; string ids are named by the first row holding each
      std::vector<id_type> ids;
      if (participant.is_strings) {
        ids = unknown_rows;
        const auto at = [&](id_type r) { return participant.strings[static_cast<std::size_t>(r)]; };
        std::stable_sort(ids.begin(), ids.end(),
                         [&](id_type a, id_type b) { return at(a) < at(b); });
        ids.erase(std::unique(ids.begin(), ids.end(),
                              [&](id_type a, id_type b) { return at(a) == at(b); }),
                  ids.end());
      } else {
        ids.reserve(unknown_rows.size());
        for (id_type r : unknown_rows) ids.push_back(participant.ints[r]);
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      }
      if (policy == UnknownPolicy::raise)
        throw errors::unknown_participants(unknown_rows.size(), std::move(ids), [&](id_type x) {
          return participant.is_strings ? participant.show(static_cast<std::size_t>(x))
                                        : std::to_string(x);
        });
      dropped_rows_ = std::move(unknown_rows);
      dropped_ids_ = std::move(ids);
    }
    if (!dropped_rows_.empty()) {  // drop the orders of unknown participants
      std::size_t kept = 0;
      for (std::size_t i = 0; i < node_.size(); ++i) {
        if (node_[i] == npos) continue;
        node_[kept] = node_[i];
        day_[kept] = day_[i];
        pv_[kept] = pv_[i];
        for (Array<double>& v : values_) v[kept] = v[i];
        ++kept;
      }
      node_.resize(kept);
      day_.resize(kept);
      pv_.resize(kept);
      node_.shrink_to_fit();
      day_.shrink_to_fit();
      pv_.shrink_to_fit();
      for (Array<double>& v : values_) {
        v.resize(kept);
        v.shrink_to_fit();
      }
    }
    n_nodes_ = net.size();
    from_ = from;
    to_ = to;
  }

  static constexpr std::size_t slice_grain = std::size_t{1} << 16;  // rows per thread, at least

  static std::size_t checked_size(std::size_t participants, std::size_t days, std::size_t pvs) {
    if (participants != days || participants != pvs)
      throw InputError(ErrorKind::bad_value, "order columns differ in length");
    return participants;
  }

  Array<index_t> node_;
  Array<day_t> day_;
  Array<double> pv_;
  std::vector<std::string> value_names_;
  std::vector<Array<double>> values_;  ///< parallel to value_names_
  std::vector<id_type> dropped_rows_, dropped_ids_;
  std::shared_ptr<detail::OrdersByDay> by_day_ = std::make_shared<detail::OrdersByDay>();  ///< shared by copies
  index_t n_nodes_ = 0;
  day_t from_ = min_day, to_ = max_day;
};

}  // namespace downline
