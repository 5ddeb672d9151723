// Segmentation building block: every customer's order history summarised at once
// (order rows, distinct order days, first and last order day, amounts), the input of the
// life-cycle matrix, RFM and lifetimes' summary.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"

namespace downline {

/// Per-customer summary of the orders up to an as-of day (inclusive). Customers are dense
/// codes 0..n-1; a customer without an order has zero counts and first = last = min_day.
struct OrderSummary {
  std::vector<std::int64_t> orders;  ///< order rows
  std::vector<std::int32_t> days;    ///< distinct order days (the "frequency" of DOMAIN.md)
  std::vector<day_t> first, last;    ///< first and last order day
  std::vector<double> amount;        ///< sum of amounts
  /// Sum of amounts on the first order day (lifetimes' monetary value leaves it out).
  std::vector<double> first_day_amount;
};

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
  std::vector<std::int64_t> bad;
  for (std::size_t i = 0; i < n_orders; ++i)
    if (customer[i] < 0 || static_cast<std::uint64_t>(customer[i]) >= n_customers)
      bad.push_back(static_cast<std::int64_t>(i));
  if (!bad.empty()) {
    const std::string msg = std::to_string(bad.size()) + " order(s) have a customer code outside [0, " +
                            std::to_string(n_customers) + "), rows: " + detail::list_values(bad);
    throw InputError(ErrorKind::bad_value, msg, std::move(bad));
  }
  OrderSummary s;
  s.orders.assign(n_customers, 0);
  s.days.assign(n_customers, 0);
  s.first.assign(n_customers, min_day);
  s.last.assign(n_customers, min_day);
  s.amount.assign(n_customers, 0.0);
  s.first_day_amount.assign(n_customers, 0.0);

  // 1. counting sort of the kept orders by customer.
  std::vector<std::int64_t> start(n_customers + 1, 0);
  for (std::size_t i = 0; i < n_orders; ++i)
    if (day[i] <= as_of) ++start[static_cast<std::size_t>(customer[i]) + 1];
  for (std::size_t c = 0; c < n_customers; ++c) start[c + 1] += start[c];
  const std::size_t kept = static_cast<std::size_t>(start[n_customers]);
  std::vector<day_t> d(kept);
  std::vector<double> a(kept);
  {
    std::vector<std::int64_t> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n_orders; ++i) {
      if (day[i] > as_of) continue;
      const std::size_t j = static_cast<std::size_t>(fill[static_cast<std::size_t>(customer[i])]++);
      d[j] = day[i];
      a[j] = amount[i];
    }
  }

  // 2. per customer: day order (stable), distinct days, first and last, sums.
  detail::parallel_for(n_customers, std::size_t{1} << 15, [&](std::size_t, std::size_t b,
                                                               std::size_t e) {
    std::vector<std::pair<day_t, double>> big;
    for (std::size_t c = b; c < e; ++c) {
      const std::size_t lo = static_cast<std::size_t>(start[c]);
      const std::size_t hi = static_cast<std::size_t>(start[c + 1]);
      if (lo == hi) continue;
      day_t* dd = d.data() + lo;
      double* aa = a.data() + lo;
      const std::size_t m = hi - lo;
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
      s.orders[c] = counted;
      s.days[c] = distinct;
      s.first[c] = first;
      s.last[c] = last;
      s.amount[c] = total;
      s.first_day_amount[c] = first_total;
    }
  });
  return s;
}

}  // namespace downline
