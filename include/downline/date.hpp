// Days since 1970-01-01 <-> civil dates (proleptic Gregorian), ISO parsing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <type_traits>

#include "fwd.hpp"

namespace downline {

/// x / d rounded toward minus infinity (d > 0): the day of a tick count before 1970 too.
/// `d` may be a std::integral_constant, so that common units divide by a constant.
template <class Divisor>
constexpr std::int64_t floor_div(std::int64_t x, Divisor d) noexcept {
  const std::int64_t q = x / d;
  return x % d < 0 ? q - 1 : q;
}

/// The first tick of day d (`per_day` > 0 ticks a day), saturated to the int64 range.
template <class Divisor>
constexpr std::int64_t first_tick_of_day(std::int64_t d, Divisor per_day) noexcept {
  const std::int64_t p = per_day;
  constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  return d > 0 && d > hi / p ? hi : d < 0 && d < lo / p ? lo : d * p;
}

namespace detail {
/// Calls f(per_day) with a compile-time constant for the common datetime64 units (so that
/// the floor division by it compiles to a multiplication), else with the runtime value.
template <class F>
decltype(auto) with_ticks_per_day(std::int64_t per_day, F&& f) {
  constexpr std::int64_t s = 86400;
  if (per_day == s * 1000000000) return f(std::integral_constant<std::int64_t, s * 1000000000>{});
  if (per_day == s * 1000000) return f(std::integral_constant<std::int64_t, s * 1000000>{});
  if (per_day == s * 1000) return f(std::integral_constant<std::int64_t, s * 1000>{});
  if (per_day == s) return f(std::integral_constant<std::int64_t, s>{});
  if (per_day == 1) return f(std::integral_constant<std::int64_t, 1>{});
  return f(per_day);
}
}  // namespace detail

/// The day of a tick count (`per_day` ticks a day), clamped to (min_day, max_day]: days
/// beyond the range only ever compare with a cut-off day.
template <class Divisor>
constexpr day_t clamped_day(std::int64_t ticks, Divisor per_day) noexcept {
  const std::int64_t q = floor_div(ticks, per_day);
  return static_cast<day_t>(q < min_day + 1 ? min_day + 1 : q > max_day ? max_day : q);
}

/// Days since 1970-01-01 of the civil date y-m-d (H. Hinnant's algorithm).
constexpr day_t days_from_civil(int y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<day_t>(era * 146097 + static_cast<int>(doe) - 719468);
}

/// The dates downline reads from text (CSV files, ISO strings) and from datetime64 ticks:
/// 1900-01-01 to 2200-12-31. Dates outside are rejected as errors that name the row and the
/// date (a year 0001, 1850 or 9999 in a company's records is a typo or a placeholder, and
/// far years would make month-indexed results such as cohort matrices huge). Day numbers
/// given directly (day_t arrays) are taken as they are.
inline constexpr day_t first_supported_day = days_from_civil(1900, 1, 1);
inline constexpr day_t last_supported_day = days_from_civil(2200, 12, 31);
inline constexpr const char* supported_dates = "1900-01-01 to 2200-12-31";

constexpr bool is_supported_day(day_t d) noexcept {
  return d >= first_supported_day && d <= last_supported_day;
}

struct CivilDate {
  int year;
  unsigned month;
  unsigned day;
};

/// Civil date of a day number.
constexpr CivilDate civil_from_days(day_t z0) noexcept {
  const std::int64_t z = static_cast<std::int64_t>(z0) + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{static_cast<int>(y + (m <= 2)), m, d};
}

constexpr bool is_leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(int y, unsigned m) noexcept {
  constexpr unsigned char t[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29u : t[m - 1];
}

/// Parses "YYYY-MM-DD" (exactly 10 characters, a valid calendar date).
/// Returns false on anything else.
inline bool parse_iso_date(const char* s, std::size_t n, day_t& out) noexcept {
  if (n != 10 || s[4] != '-' || s[7] != '-') return false;
  int v[8];
  const int pos[8] = {0, 1, 2, 3, 5, 6, 8, 9};
  for (int i = 0; i < 8; ++i) {
    const char c = s[pos[i]];
    if (c < '0' || c > '9') return false;
    v[i] = c - '0';
  }
  const int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
  const unsigned m = static_cast<unsigned>(v[4] * 10 + v[5]);
  const unsigned d = static_cast<unsigned>(v[6] * 10 + v[7]);
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
  out = days_from_civil(y, m, d);
  return true;
}

/// "YYYY-MM-DD" of a day number.
inline std::string format_date(day_t day) {
  const CivilDate c = civil_from_days(day);
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
  return std::string(buf, static_cast<std::size_t>(n > 0 ? n : 0));
}

}  // namespace downline
