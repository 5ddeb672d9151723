// Churn (docs/concepts.md "Retention"): every customer's last activity day and every
// participant's churn status, each in one parallel pass over the raw order columns.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "array.hpp"
#include "detail/buffer.hpp"
#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"
#include "orders.hpp"

namespace downline {

/// Every customer's last activity day up to as_of (min_day: none).
struct LastActivity {
  Array<day_t> last;
  UnknownOrders unknown;
};

namespace detail {

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

/// Every participant's churn status at `as_of` (docs/concepts.md "Retention").
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

}  // namespace downline
