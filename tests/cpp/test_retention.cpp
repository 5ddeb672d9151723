// Last activity straight from order columns, against brute force written here
// (DOMAIN.md "Retention"), with dense, sparse and missing ids, refunds and 1 or 2 threads;
// the named errors of churn and cohorts; the order column conversions.
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
#include "order_columns.hpp"

using namespace downline;
using namespace downline::testing;

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
