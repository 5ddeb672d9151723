// Order columns as callers hold them (ids, datetime64 ticks, amounts), their checks in one
// parallel scan, the orders of unknown customers, and ticks <-> day numbers of whole columns:
// the one order path of the per-customer analyses (segment.hpp, retention.hpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "date.hpp"
#include "detail/parallel.hpp"
#include "error.hpp"
#include "fwd.hpp"

namespace downline {

/// Order columns as a pandas frame holds them: int64 customer ids, int64 date ticks
/// (`ticks_per_day` a day, as a datetime64 column; NaT, the int64 minimum, is refused
/// with the rows named) and optional amounts. With amounts, rows with an amount <= 0 are
/// refunds: they are not activity (DOMAIN.md).
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

}  // namespace downline
