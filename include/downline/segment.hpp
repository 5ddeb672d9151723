// Segmentation: every customer's order history summarised at once (order rows, distinct
// order days, first and last order day, amounts; OrderSummary, orders.hpp), the input of
// the life-cycle matrix, RFM and lifetimes' summary, and the life-cycle tiers. The grouping
// engine behind the summaries is detail/grouping.hpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "array.hpp"
#include "detail/grouping.hpp"
#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"
#include "orders.hpp"

namespace downline {

/// Summarises n_orders orders of customers `customer[i]` in [0, n_customers) on day
/// `day[i]` for `amount[i]`, keeping the orders with day <= as_of. Customer codes out of
/// range raise InputError(bad_value) naming the rows (0-based). With OrderRows::positive,
/// rows with amount <= 0 (refunds) add to `amount` but are not orders: they do not count
/// in `orders`, `days`, `first`, `last` (docs/concepts.md: refunds count for volumes, not for
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
/// amounts (else 8 and 16); other ids with a small hash table per partition. `fields`
/// (SummaryFields flags) names the summary arrays to fill; the others are left empty.
inline IdOrderSummary summarize_by_id(const id_type* id, const std::int64_t* ticks,
                                      std::int64_t ticks_per_day, const double* amount,
                                      std::size_t n, day_t as_of, OrderRows rows = OrderRows::all,
                                      const id_type* universe = nullptr, std::size_t n_universe = 0,
                                      unsigned fields = SummaryFields::all) {
  const detail::CallThreads threads;
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

  // 1. The ids' range; partitions by id range (then every partition's customers, sorted,
  //    follow the previous partition's: no global sort) or, when clustered, by hash.
  //    Dense ids (as member numbers give) are addressed directly inside each partition:
  //    a row needs only its slot in the partition's range (no table, no sort); other ids
  //    with a small hash table per partition.
  const detail::OrderIdRange range = detail::order_id_range(id, ticks, n, universe, n_universe);
  detail::Partitioning orders_part, uni_part;
  const detail::IdPartitions ip = detail::partition_orders(id, n, n_universe, range, orders_part);
  const std::vector<std::pair<id_type, std::int64_t>> uni =
      detail::partition_universe(universe, n_universe, ip, uni_part);
  const bool direct = ip.direct(n + n_universe);

  // 2. Every partition on its own.
  IdOrderSummary out;
  if (has_universe) {
    out.ids.assign(universe, universe + n_universe);
    detail::resize_summary(out.summary, n_universe, fields);
  }
  std::vector<detail::IdPart> parts(ip.count());
  if (direct)
    detail::summarize_direct_orders(id, ticks, ticks_per_day, amount, n, as_of, positive_only,
                                    range.min_ticks, ip, orders_part, uni_part, uni, has_universe,
                                    out, parts, fields);
  else
    detail::summarize_hashed(id, ticks, ticks_per_day, amount, n, as_of, positive_only, orders_part,
                             uni_part, uni, has_universe, ip, out, parts, fields);

  // 3. Reports, and without a universe the customers in ascending id order (the direct
  //    path writes them in place, in id order).
  detail::collect_reports(parts, out);
  if (!has_universe && !direct) detail::concatenate_parts(parts, ip.by_value, fields, out);
  return out;
}

/// Every customer's life-cycle cell (docs/concepts.md "Customer life-cycle matrix").
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
