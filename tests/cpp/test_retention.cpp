// Last activity and cohort retention counts straight from order columns, against brute
// force written here (DOMAIN.md "Retention"), with dense, sparse and missing ids, refunds,
// enrolment cohorts, groups and 1 or 2 threads.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "downline/cohort.hpp"
#include "downline/date.hpp"
#include "downline/detail/parallel.hpp"
#include "downline/retention.hpp"

using namespace downline;

namespace {

constexpr std::int64_t ns_per_day = std::int64_t{86400} * 1000000000;

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
Orders random_orders(std::mt19937_64& rng, const std::vector<id_type>& ids, std::size_t n,
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

std::int64_t month_of(day_t d) {
  const CivilDate c = civil_from_days(d);
  return (c.year - 1970) * 12 + static_cast<std::int64_t>(c.month) - 1;
}

day_t day_of(std::int64_t ticks) { return static_cast<day_t>(floor_div(ticks, ns_per_day)); }

}  // namespace

TEST_CASE("last_activity equals brute force: dense and sparse ids, refunds, strangers, threads") {
  std::mt19937_64 rng(3);
  for (bool sparse : {false, true}) {
    std::vector<id_type> ids;
    // dense: 500.. with a hole every 6th id (505, 511, ...), where strangers also order
    for (id_type k = 0; k < 3000; ++k)
      ids.push_back(sparse ? k * 1000003 + 17 : 500 + k / 5 * 6 + k % 5);
    std::shuffle(ids.begin(), ids.end(), rng);
    const Orders o = random_orders(rng, ids, 20000, true);
    const day_t as_of = days_from_civil(2023, 6, 30);
    for (bool with_amount : {false, true}) {
      std::map<id_type, day_t> want;
      std::set<id_type> unknown;
      std::int64_t unknown_orders = 0;
      const std::set<id_type> known(ids.begin(), ids.end());
      for (std::size_t i = 0; i < o.id.size(); ++i) {
        if (!known.count(o.id[i])) {
          unknown.insert(o.id[i]);
          ++unknown_orders;
          continue;
        }
        const day_t d = day_of(o.ticks[i]);
        if (d > as_of || (with_amount && o.amount[i] <= 0)) continue;
        want[o.id[i]] = std::max(want.count(o.id[i]) ? want[o.id[i]] : min_day, d);
      }
      for (int threads : {1, 2}) {
        set_num_threads(threads);
        const LastActivity got =
            last_activity(o.columns(with_amount), ids.data(), ids.size(), as_of);
        REQUIRE(got.last.size() == ids.size());
        std::size_t bad = 0;
        for (std::size_t c = 0; c < ids.size(); ++c)
          bad += got.last[c] != (want.count(ids[c]) ? want[ids[c]] : min_day);
        CHECK(bad == 0);
        CHECK(got.unknown.ids == std::vector<id_type>(unknown.begin(), unknown.end()));
        CHECK(got.unknown.orders == unknown_orders);
        // churn (DOMAIN.md): activity = enrolment and order days; churned after 60 days
        std::vector<day_t> enrolled(ids.size());
        for (std::size_t c = 0; c < ids.size(); ++c)
          enrolled[c] = days_from_civil(2021, 6, 1) + static_cast<day_t>(c % 700);
        const ChurnStatus st = churn_status(o.columns(with_amount), ids.data(), enrolled.data(),
                                            ids.size(), as_of, 60);
        std::size_t wrong = 0;
        for (std::size_t c = 0; c < ids.size(); ++c) {
          const day_t last = std::max(enrolled[c], want.count(ids[c]) ? want[ids[c]] : min_day);
          const bool churned = as_of - last > 60;
          wrong += st.last[c] != last || (st.churned[c] != 0) != churned;
          wrong += st.duration[c] != (churned ? last - enrolled[c] : as_of - enrolled[c]);
        }
        CHECK(wrong == 0);
        CHECK(st.unknown.orders == unknown_orders);
      }
    }
  }
  set_num_threads(0);
}

TEST_CASE("cohort_counts equals brute force: first-order and enrolment cohorts, groups, threads") {
  std::mt19937_64 rng(8);
  for (bool sparse : {false, true}) {
    std::vector<id_type> ids;
    for (id_type k = 0; k < 800; ++k)
      ids.push_back(sparse ? k * 999983 - 4000 : 500 + k / 5 * 6 + k % 5);
    std::shuffle(ids.begin(), ids.end(), rng);
    const Orders o = random_orders(rng, ids, 6000, true);
    const std::set<id_type> in_orders(o.id.begin(), o.id.end());
    const day_t as_of = days_from_civil(2023, 5, 14);
    std::vector<day_t> enrol(ids.size());
    std::vector<std::int32_t> group(ids.size());
    for (std::size_t c = 0; c < ids.size(); ++c) {
      enrol[c] = days_from_civil(2021, 11, 1) + static_cast<day_t>(rng() % 600);
      group[c] = static_cast<std::int32_t>(rng() % 3);
    }
    for (bool with_amount : {false, true})
      for (bool by_enrolment : {false, true})
        for (bool grouped : {false, true})
          for (bool universe : {false, true}) {
            if (!universe && (by_enrolment || grouped)) continue;  // those need the universe
            // brute force: (group, cohort month) -> size; (group, cohort, k) -> count
            std::map<id_type, std::set<std::int64_t>> months;
            for (std::size_t i = 0; i < o.id.size(); ++i) {
              const day_t d = day_of(o.ticks[i]);
              if (d > as_of || (with_amount && o.amount[i] <= 0)) continue;
              months[o.id[i]].insert(month_of(d));
            }
            std::map<std::pair<int, std::int64_t>, std::int64_t> size;
            std::map<std::tuple<int, std::int64_t, std::int64_t>, std::int64_t> cell;
            // the customers: the universe, or every id with an order (strangers too)
            const std::vector<id_type> who =
                universe ? ids : std::vector<id_type>(in_orders.begin(), in_orders.end());
            std::int64_t strange = 0;
            for (id_type x : o.id) strange += universe && !std::count(ids.begin(), ids.end(), x);
            for (std::size_t c = 0; c < who.size(); ++c) {
              std::int64_t cohort;
              if (by_enrolment) {
                if (enrol[c] > as_of) continue;
                cohort = month_of(enrol[c]);
              } else {
                if (months[who[c]].empty()) continue;
                cohort = *months[who[c]].begin();
              }
              const int g = grouped ? group[c] : 0;
              ++size[{g, cohort}];
              for (std::int64_t m : months[who[c]])
                if (m >= cohort) ++cell[{g, cohort, m - cohort}];
            }
            std::int64_t lo = month_of(as_of);
            for (const auto& [key, v] : size) lo = std::min(lo, key.second);
            const std::size_t m = static_cast<std::size_t>(month_of(as_of) - lo) + 1;
            for (int threads : {1, 2}) {
              set_num_threads(threads);
              const CohortCounts got = cohort_counts(
                  o.columns(with_amount), universe ? ids.data() : nullptr,
                  universe ? ids.size() : 0, as_of, by_enrolment ? enrol.data() : nullptr,
                  grouped ? group.data() : nullptr, 3);
              const std::size_t G = grouped ? 3 : 1;
              REQUIRE(got.months == m);
              CHECK(got.first_month == lo);
              REQUIRE(got.sizes.size() == G * m);
              REQUIRE(got.counts.size() == G * m * m);
              std::size_t bad = 0;
              for (std::size_t g = 0; g < G; ++g)
                for (std::size_t c = 0; c < m; ++c) {
                  const std::int64_t cohort = lo + static_cast<std::int64_t>(c);
                  const auto s = size.find({static_cast<int>(g), cohort});
                  bad += got.sizes[g * m + c] != (s == size.end() ? 0 : s->second);
                  for (std::size_t k = 0; k < m; ++k) {
                    const auto x =
                        cell.find({static_cast<int>(g), cohort, static_cast<std::int64_t>(k)});
                    bad += got.counts[(g * m + c) * m + k] != (x == cell.end() ? 0 : x->second);
                  }
                }
              CHECK(bad == 0);
              CHECK(got.ungrouped.empty());
              CHECK(got.unknown.orders == strange);
            }
          }
  }
  set_num_threads(0);
}

TEST_CASE("cohort_counts and last_activity: bad input is named") {
  const std::vector<id_type> ids{5, 6, 5};
  Orders o;
  o.id = {5, 6, 9, 9};
  o.ticks = {ns_per_day * 19000, ns_per_day * 19001, ns_per_day * 19002, ns_per_day * 19003};
  o.amount = {1, 1, 1, 1};
  try {
    (void)last_activity(o.columns(false), ids.data(), ids.size(), 19100);
    FAIL("no error");
  } catch (const InputError& err) {
    CHECK(err.kind() == ErrorKind::duplicate_id);
    CHECK(err.ids() == std::vector<id_type>{5});
  }
  const std::vector<id_type> two{5, 6};
  const LastActivity got = last_activity(o.columns(false), two.data(), two.size(), 19100);
  CHECK(got.unknown.ids == std::vector<id_type>{9});
  CHECK(got.unknown.orders == 2);
  o.ticks[1] = std::numeric_limits<std::int64_t>::min();  // NaT
  try {
    (void)cohort_counts(o.columns(false), two.data(), two.size(), 19100, nullptr, nullptr, 1);
    FAIL("no error");
  } catch (const InputError& err) {
    CHECK(err.ids() == std::vector<id_type>{1});
  }
  o.ticks[1] = ns_per_day * 19001;
  const std::vector<std::int32_t> group{0, -1};
  const CohortCounts c =
      cohort_counts(o.columns(false), two.data(), two.size(), 19100, nullptr, group.data(), 1);
  CHECK(c.ungrouped == std::vector<std::int64_t>{1});  // customer 6 has a cohort, no group
  // dates in seconds (as datetime64[s]): an order about 1,100 years before as_of
  std::vector<std::int64_t> seconds{std::int64_t{-400000} * 86400, 19001 * 86400, 19002 * 86400,
                                    19003 * 86400};
  OrderColumns in_seconds = o.columns(false);
  in_seconds.ticks = seconds.data();
  in_seconds.ticks_per_day = 86400;
  try {
    (void)cohort_counts(in_seconds, two.data(), two.size(), 19100, nullptr, nullptr, 1);
    FAIL("no error");
  } catch (const InputError& err) {
    CHECK(std::string(err.what()).find("1,000 years") != std::string::npos);
  }
}

TEST_CASE("scan_orders, day_numbers and day_ticks equal a plain loop") {
  std::mt19937_64 rng(21);
  constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
  const double inf = std::numeric_limits<double>::infinity();
  for (std::size_t n : {std::size_t{0}, std::size_t{5}, std::size_t{300000}}) {
    std::vector<std::int64_t> ticks(n);
    std::vector<double> amount(n);
    std::int64_t want_nat = 0, want_bad = 0;
    std::vector<day_t> want_day(n);
    for (std::size_t i = 0; i < n; ++i) {
      // days from 1900 to 2100, some before 1970, at any time of day
      ticks[i] =
          static_cast<std::int64_t>(rng() % (73000 * static_cast<std::uint64_t>(ns_per_day))) -
          25567 * ns_per_day;
      amount[i] = static_cast<double>(rng() % 100) - 20.0;
      const unsigned pick = static_cast<unsigned>(rng() % 1000);
      if (pick == 0) ticks[i] = nat;
      if (pick == 1) amount[i] = std::nan("");
      if (pick == 2) amount[i] = -inf;
      want_nat += ticks[i] == nat;
      want_bad += !std::isfinite(amount[i]);
      // the day by hand: floor division toward minus infinity
      std::int64_t q = ticks[i] / ns_per_day;
      if (ticks[i] % ns_per_day < 0) --q;
      want_day[i] = ticks[i] == nat ? min_day : static_cast<day_t>(q);
    }
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      const OrderScan got = scan_orders(ticks.data(), amount.data(), n);
      CHECK(got.missing_dates == want_nat);
      CHECK(got.bad_amounts == want_bad);
      CHECK(scan_orders(ticks.data(), nullptr, n).bad_amounts == 0);
      std::vector<day_t> day(n);
      CHECK(day_numbers(ticks.data(), ns_per_day, n, day.data()) == want_nat);
      CHECK(day == want_day);
      // and back to whole-day ticks, NaT where a day is not present
      std::vector<std::uint8_t> present(n);
      std::vector<std::int64_t> back(n), want_back(n);
      for (std::size_t i = 0; i < n; ++i) {
        present[i] = ticks[i] != nat;
        want_back[i] = present[i] ? static_cast<std::int64_t>(want_day[i]) * ns_per_day : nat;
      }
      day_ticks(day.data(), present.data(), ns_per_day, n, back.data());
      CHECK(back == want_back);
    }
  }
  set_num_threads(0);
}

TEST_CASE("cohort_rows over 300 years and 40 groups: the rows that exist, against brute force") {
  // issue 23: the dense matrix was groups x months x months (40 x 3612^2 counts here)
  std::mt19937_64 rng(12);
  const day_t d0 = days_from_civil(1900, 1, 1), d1 = days_from_civil(2200, 12, 31);
  std::vector<id_type> ids;
  std::vector<std::int32_t> group;
  Orders o;
  for (id_type c = 0; c < 80; ++c) {
    ids.push_back(1000 + 7 * c);
    group.push_back(static_cast<std::int32_t>(rng() % 40));
    const day_t first =
        c == 0 ? d0 : d0 + static_cast<day_t>(rng() % static_cast<unsigned>(d1 - d0));
    for (int j = 0; j < 6; ++j) {
      const day_t d = j == 0 ? first : first + static_cast<day_t>(rng() % 4000);
      o.id.push_back(ids.back());
      o.ticks.push_back(std::int64_t{std::min(d, d1)} * ns_per_day + 5);
      o.amount.push_back(1.0);
    }
  }
  const day_t as_of = d1;
  // brute force: (group, cohort month) -> size; (group, cohort, k) -> count
  std::map<id_type, std::set<std::int64_t>> months;
  for (std::size_t i = 0; i < o.id.size(); ++i)
    months[o.id[i]].insert(month_of(day_of(o.ticks[i])));
  std::map<std::pair<int, std::int64_t>, std::int64_t> size;
  std::map<std::tuple<int, std::int64_t, std::int64_t>, std::int64_t> cell;
  for (std::size_t c = 0; c < ids.size(); ++c) {
    const std::int64_t cohort = *months[ids[c]].begin();
    ++size[{group[c], cohort}];
    for (std::int64_t m : months[ids[c]]) ++cell[{group[c], cohort, m - cohort}];
  }
  const std::int64_t lo = month_of(d0), hi = month_of(as_of);
  const CohortRows got =
      cohort_rows(o.columns(false), ids.data(), ids.size(), as_of, nullptr, group.data(), 40);
  CHECK(got.first_month == lo);
  REQUIRE(got.months == static_cast<std::size_t>(hi - lo + 1));  // 3612
  REQUIRE(got.sizes.size() == size.size());  // only the rows with customers, in key order
  std::size_t r = 0, bad = 0, cells = 0;
  for (const auto& [key, n] : size) {
    bad += got.group[r] != key.first || lo + got.cohort[r] != key.second || got.sizes[r] != n;
    const std::int64_t len = hi - key.second + 1;  // months from the cohort's to as_of's
    bad += got.start[r + 1] - got.start[r] != len;
    for (std::int64_t k = 0; k < len; ++k) {
      const auto x = cell.find({key.first, key.second, k});
      bad += got.counts[static_cast<std::size_t>(got.start[r] + k)] !=
             (x == cell.end() ? 0 : x->second);
    }
    cells += static_cast<std::size_t>(len);
    ++r;
  }
  CHECK(bad == 0);
  CHECK(got.counts.size() == cells);  // no cell beyond the ones that exist
  CHECK(got.ungrouped.empty());
}
