#include <doctest/doctest.h>

#include <ctime>

#include "downline/date.hpp"

using namespace downline;

TEST_CASE("days_from_civil matches known day numbers") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  CHECK(days_from_civil(2000, 3, 1) == 11017);  // date -d 2000-03-01 +%s / 86400
  CHECK(days_from_civil(2020, 1, 1) == 18262);
  CHECK(days_from_civil(1900, 1, 1) == -25567);
}

TEST_CASE("civil dates round-trip and agree with timegm over 1900..2200") {
  for (day_t d = days_from_civil(1900, 1, 1); d <= days_from_civil(2200, 12, 31); d += 13) {
    const CivilDate c = civil_from_days(d);
    REQUIRE(days_from_civil(c.year, c.month, c.day) == d);
    std::tm tm{};
    tm.tm_year = c.year - 1900;
    tm.tm_mon = static_cast<int>(c.month) - 1;
    tm.tm_mday = static_cast<int>(c.day);
    REQUIRE(static_cast<long long>(timegm(&tm)) == static_cast<long long>(d) * 86400);
  }
}

TEST_CASE("parse_iso_date accepts valid dates only") {
  day_t d = 0;
  CHECK(parse_iso_date("2024-02-29", 10, d));
  CHECK(d == days_from_civil(2024, 2, 29));
  CHECK_FALSE(parse_iso_date("2023-02-29", 10, d));
  CHECK_FALSE(parse_iso_date("2023-13-01", 10, d));
  CHECK_FALSE(parse_iso_date("2023-1-01", 9, d));
  CHECK_FALSE(parse_iso_date("2023/01/01", 10, d));
  CHECK(format_date(days_from_civil(1999, 12, 31)) == "1999-12-31");
}
