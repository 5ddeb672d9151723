// Random order columns for the brute-force tests of churn and cohorts (test helper).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "downline/date.hpp"
#include "downline/fwd.hpp"
#include "downline/orders.hpp"

namespace downline::testing {

inline constexpr std::int64_t ns_per_day = std::int64_t{86400} * 1000000000;

struct Orders {
  std::vector<id_type> id;
  std::vector<std::int64_t> ticks;
  std::vector<double> amount;
  OrderColumns columns(bool with_amount) const {
    OrderColumns o;
    o.id = id.data();
    o.ticks = ticks.data();
    o.ticks_per_day = ns_per_day;
    o.amount = with_amount ? amount.data() : nullptr;
    o.n = id.size();
    return o;
  }
};

/// n orders of the customers `ids` (and, with `strangers`, of ids outside them: below every
/// id, or in the holes 505 + 6j of the dense ids below) over about two years from
/// 2022-01-01, at any time of day; about 1 in 6 is a refund.
inline Orders random_orders(std::mt19937_64& rng, const std::vector<id_type>& ids, std::size_t n,
                     bool strangers) {
  Orders o;
  const day_t d0 = days_from_civil(2022, 1, 1);
  for (std::size_t i = 0; i < n; ++i) {
    id_type x = ids[rng() % ids.size()];
    if (strangers && rng() % 50 == 0)
      x = rng() % 2 ? -7 - static_cast<id_type>(rng() % 3)
                    : 505 + 6 * static_cast<id_type>(rng() % 500);
    o.id.push_back(x);
    const std::int64_t day = d0 + static_cast<std::int64_t>(rng() % 760);
    o.ticks.push_back(day * ns_per_day + static_cast<std::int64_t>(rng() % ns_per_day));
    o.amount.push_back(rng() % 6 == 0 ? -5.0 : 10.0);
  }
  return o;
}

inline std::int64_t month_of(day_t d) {
  const CivilDate c = civil_from_days(d);
  return (c.year - 1970) * 12 + static_cast<std::int64_t>(c.month) - 1;
}

inline day_t day_of(std::int64_t ticks) { return static_cast<day_t>(floor_div(ticks, ns_per_day)); }

}  // namespace downline::testing
