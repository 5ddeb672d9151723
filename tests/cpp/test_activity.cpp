// Activity from integer ticks (datetime64 columns): days, window, missing and
// out-of-range dates, non-finite volumes, against dates computed with days_from_civil.
#include <doctest/doctest.h>

#include <cmath>
#include <iterator>
#include <limits>
#include <random>
#include <vector>

#include "downline/activity.hpp"
#include "downline/date.hpp"
#include "downline/detail/select.hpp"
#include "downline/detail/parallel.hpp"
#include "expect.hpp"

using namespace downline;

namespace {
constexpr std::int64_t ns_per_day = 86400LL * 1000000000LL;
constexpr std::int64_t NaT = std::numeric_limits<std::int64_t>::min();

// Ticks of y-m-d at hh:mm:ss in a unit of `per_day` ticks a day (exact for ns and s).
std::int64_t ticks(int y, unsigned m, unsigned d, int seconds_into_day, std::int64_t per_day) {
  return static_cast<std::int64_t>(days_from_civil(y, m, d)) * per_day +
         static_cast<std::int64_t>(seconds_into_day) * (per_day / 86400);
}
}  // namespace

TEST_CASE("ticks: days are floored, before 1970 too, in ns, s and day units") {
  const Network net({7, 8}, {no_sponsor, 7});
  for (std::int64_t per_day : {ns_per_day, std::int64_t{86400}}) {
    CAPTURE(per_day);
    const std::vector<id_type> pid{7, 8, 8, 7};
    const std::vector<std::int64_t> t{ticks(1969, 12, 31, 86399, per_day),
                                      ticks(1970, 1, 1, 0, per_day),
                                      ticks(1900, 3, 1, 3600, per_day),
                                      ticks(2023, 1, 31, 86399, per_day)};
    const std::vector<double> pv{1, 2, 3, 4};
    const Activity act(net, pid.data(), t.data(), per_day, pv.data(), pid.size());
    REQUIRE(act.size() == 4);
    CHECK(act.days()[0] == days_from_civil(1969, 12, 31));
    CHECK(act.days()[1] == 0);
    CHECK(act.days()[2] == days_from_civil(1900, 3, 1));
    CHECK(act.days()[3] == days_from_civil(2023, 1, 31));
    CHECK(act.nodes()[1] == net.at(8));
  }
  const std::vector<std::int64_t> days{-1, 0, 19388};
  const std::vector<id_type> pid{7, 7, 8};
  const std::vector<double> pv{1, 1, 1};
  const Activity act(net, pid.data(), days.data(), 1, pv.data(), 3);
  CHECK(act.days() == std::vector<day_t>{-1, 0, 19388});
}

TEST_CASE("ticks: a window keeps [from, to) and still checks every row") {
  const Network net({1, 2}, {no_sponsor, 1});
  const day_t jan = days_from_civil(2023, 1, 1), feb = days_from_civil(2023, 2, 1);
  const std::vector<id_type> pid{1, 2, 1, 2, 99};
  const std::vector<std::int64_t> t{
      ticks(2022, 12, 31, 86399, ns_per_day),  // just before
      ticks(2023, 1, 1, 0, ns_per_day),        // first instant: in
      ticks(2023, 1, 31, 86399, ns_per_day),   // last second: in
      ticks(2023, 2, 1, 0, ns_per_day),        // the end: out
      ticks(2024, 6, 1, 0, ns_per_day)};       // unknown participant, outside the window
  const std::vector<double> pv{1, 2, 3, 4, 5};
  // the unknown participant is one whatever the window (issue 25): an error, or dropped
  CHECK_THROWS_AS(Activity(net, pid.data(), t.data(), ns_per_day, pv.data(), pid.size(),
                           UnknownPolicy::raise, jan, feb),
                  InputError);
  const Activity win(net, pid.data(), t.data(), ns_per_day, pv.data(), pid.size(),
                     UnknownPolicy::drop, jan, feb);
  REQUIRE(win.size() == 2);
  CHECK(win.volumes() == std::vector<double>{2, 3});
  CHECK(win.days() == std::vector<day_t>{jan, feb - 1});
  CHECK(win.dropped_rows() == std::vector<id_type>{4});

  std::vector<std::int64_t> bad = t;
  bad[3] = NaT;
  std::vector<double> badpv = pv;
  badpv[0] = std::numeric_limits<double>::infinity();
  badpv[4] = NAN;
  try {
    Activity(net, pid.data(), bad.data(), ns_per_day, pv.data(), pid.size(), UnknownPolicy::raise,
             jan, feb);
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.kind() == ErrorKind::bad_value);
    CHECK(e.ids() == std::vector<id_type>{3});  // the row, 0-based
  }
  try {
    Activity(net, pid.data(), t.data(), ns_per_day, badpv.data(), pid.size(),
             UnknownPolicy::raise, jan, feb);
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.kind() == ErrorKind::bad_value);
    CHECK(e.ids() == std::vector<id_type>{0, 4});
  }
  // Without a window every order is looked up: participant 99 is unknown.
  CHECK_THROWS_AS(Activity(net, pid.data(), t.data(), ns_per_day, pv.data(), pid.size()),
                  InputError);
  CHECK_THROWS_AS(Activity(net, pid.data(), t.data(), 0, pv.data(), pid.size()), InputError);
}

TEST_CASE("ticks: days outside the day range are bad dates, not wrapped") {
  const Network net({1}, {no_sponsor});
  const std::vector<id_type> pid{1, 1, 1};
  const std::vector<std::int64_t> days{std::int64_t{1} << 40, 5, -(std::int64_t{1} << 40)};
  const std::vector<double> pv{1, 1, 1};
  try {
    Activity(net, pid.data(), days.data(), 1, pv.data(), 3);
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.ids() == std::vector<id_type>{0, 2});
  }
}

TEST_CASE("personal volume straight into input row order equals the sums by participant") {
  // rows: 0 -> id 30 (root), 1 -> id 10 (sponsor 30), 2 -> id 20 (sponsor 30),
  // 3 -> id 40 (sponsor 10): preorder 30, 10, 40, 20 differs from the row order
  const Network net({30, 10, 20, 40}, {no_sponsor, 30, 30, 10});
  const std::vector<id_type> pid{40, 10, 40, 30, 20, 40, 10};
  const std::vector<day_t> day{5, 9, 10, 10, 11, 20, 3};
  const std::vector<double> pv{1.5, 2.0, -0.5, 4.0, 8.0, 16.0, 32.0};
  const Activity act(net, pid, day, pv);
  const std::vector<id_type> row_id{30, 10, 20, 40};
  const day_t start = 5, end = 20;  // [5, 20): drops the orders of days 3 and 20
  std::vector<double> want(4, 0.0);  // by hand, in row order
  for (std::size_t i = 0; i < pid.size(); ++i)
    if (day[i] >= start && day[i] < end)
      for (std::size_t r = 0; r < 4; ++r)
        if (row_id[r] == pid[i]) want[r] += pv[i];
  CHECK(want == std::vector<double>{4.0, 2.0, 8.0, 1.0});
  std::vector<double> got(4, -1.0);
  act.personal_volume_to(start, end, net.row_of_position().data(), got.data());
  CHECK(got == want);
}

namespace {
// Restores the automatic choice of kernels and threads at the end of a test.
struct KernelGuard {
  ~KernelGuard() {
    detail::kernel_override() = 0;
    set_num_threads(0);
  }
};
}  // namespace

TEST_CASE("select_ticks: both kernels equal a brute-force selection, edge values included") {
  KernelGuard guard;
  std::mt19937_64 rng(20261201);
  const std::int64_t lo = std::int64_t{first_supported_day} * ns_per_day,  // supported range
      hi = (std::int64_t{last_supported_day} + 1) * ns_per_day;
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  const std::int64_t wlo = 19358 * ns_per_day, whi = 19389 * ns_per_day;  // a month
  const std::int64_t edge_ticks[] = {NaT, std::numeric_limits<std::int64_t>::max(), lo - 1, lo,
                                     hi - 1, hi, wlo - 1, wlo, whi - 1, whi, 0, -1};
  const double inf = std::numeric_limits<double>::infinity();
  const double edge_pv[] = {0.0, -0.0, std::numeric_limits<double>::max(),
                            -std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::denorm_min(), inf, -inf, NAN, -NAN};
  for (int trial = 0; trial < 300; ++trial) {
    CAPTURE(trial);
    const std::size_t len = rng() % (detail::select_chunk + 1);
    const std::size_t b = rng() % 5;  // rows start anywhere in the arrays
    std::vector<std::int64_t> t(b + len);
    std::vector<double> v(b + len);
    const int mode = trial % 4;  // 0: mostly valid, 1: all in the window, 2: edges, 3: sparse bad
    for (std::size_t i = 0; i < t.size(); ++i) {
      const std::uint64_t r = rng();
      t[i] = mode == 1 ? wlo + static_cast<std::int64_t>(r % static_cast<std::uint64_t>(whi - wlo))
             : mode == 2 ? edge_ticks[r % std::size(edge_ticks)]
                         : static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + r % span);
      v[i] = mode == 2 ? edge_pv[(r >> 20) % std::size(edge_pv)] : static_cast<double>(r % 1000) - 500;
      if (mode == 3 && r % 997 == 0) v[i] = NAN;
      if (mode == 3 && r % 991 == 0) t[i] = NaT;
    }
    // brute force: plain signed compares and std::isfinite
    std::vector<std::size_t> want;
    bool want_bad = false;
    for (std::size_t i = b; i < b + len; ++i) {
      want_bad |= t[i] < lo || t[i] >= hi || !std::isfinite(v[i]);
      if (t[i] >= wlo && t[i] < whi) want.push_back(i);
    }
    for (int forced : {0, 1}) {
      CAPTURE(forced);
      detail::kernel_override() = forced;
      std::vector<std::size_t> rows(detail::select_chunk);
      const detail::TickSelection got =
          detail::select_ticks(t.data(), v.data(), b, b + len, {lo, hi, wlo, whi}, rows.data());
      REQUIRE(got.in_window == want.size());
      rows.resize(got.in_window);
      CHECK(rows == want);
      CHECK(got.bad == want_bad);
    }
  }
  // An empty window (from after to) selects nothing.
  const std::vector<std::int64_t> t{wlo, whi};
  const std::vector<double> v{1, 2};
  std::size_t rows[2];
  CHECK(detail::select_ticks(t.data(), v.data(), 0, 2, {lo, hi, whi, wlo}, rows).in_window == 0);
}

TEST_CASE("personal volume twice (preorder and rows) equals the sums by participant, any threads") {
  KernelGuard guard;
  std::mt19937_64 rng(7);
  const std::size_t n = 200000;  // enough positions to give each of 3 threads a range
  std::vector<id_type> ids(n), sponsors(n);
  for (std::size_t i = 0; i < n; ++i) {
    ids[i] = static_cast<id_type>(n - i) * 3;  // rows in another order than preorder
    sponsors[i] = i == 0 ? no_sponsor : ids[rng() % i];
  }
  const Network net(ids, sponsors);
  const std::size_t m = 300000;
  std::vector<id_type> pid(m);
  std::vector<day_t> day(m);
  std::vector<double> pv(m);
  for (std::size_t i = 0; i < m; ++i) {
    pid[i] = ids[rng() % n];
    day[i] = static_cast<day_t>(rng() % 60);
    pv[i] = static_cast<double>(rng() % 100) / 8 - 4;  // exact in binary: sums do not depend on order
  }
  const Activity act(net, pid, day, pv);
  const day_t start = 10, end = 40;
  std::vector<double> want_rows(n, 0.0);  // brute force by id, in row order
  {
    std::vector<std::size_t> row_of_id(3 * n + 1);
    for (std::size_t r = 0; r < n; ++r) row_of_id[static_cast<std::size_t>(ids[r])] = r;
    for (std::size_t i = 0; i < m; ++i)
      if (day[i] >= start && day[i] < end) want_rows[row_of_id[static_cast<std::size_t>(pid[i])]] += pv[i];
  }
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    set_num_threads(threads);
    std::vector<double> pre(n, -7.0), rows(n, -7.0);  // garbage: the call zeroes them
    act.personal_volume_twice(start, end, net.row_of_position().data(), pre.data(), rows.data());
    CHECK(rows == want_rows);
    std::vector<double> pre_want(n);
    for (std::size_t r = 0; r < n; ++r)
      pre_want[static_cast<std::size_t>(net.position_of_row()[r])] = want_rows[r];
    CHECK(pre == pre_want);
  }
}

TEST_CASE("value columns ride with the orders: windowed, dropped, on any thread count, checked") {
  // Brute force: for each kept order (input order), the values of its input row.
  std::mt19937_64 rng(11);
  const std::size_t n = 5000, m = 200000;  // several slices of rows, so that threads share them
  std::vector<id_type> ids(n), sponsors(n);
  for (std::size_t i = 0; i < n; ++i) {
    ids[i] = static_cast<id_type>(i) * 2 + 1;
    sponsors[i] = i == 0 ? no_sponsor : ids[rng() % i];
  }
  const Network net(ids, sponsors);
  std::vector<id_type> pid(m);
  std::vector<std::int64_t> day(m);
  std::vector<double> pv(m), cv(m), amount(m);
  for (std::size_t i = 0; i < m; ++i) {
    pid[i] = rng() % 10 == 0 ? 4 : ids[rng() % n];  // even ids: unknown participants
    day[i] = static_cast<std::int64_t>(rng() % 90);
    pv[i] = static_cast<double>(i);
    cv[i] = static_cast<double>(i) * 0.5;
    amount[i] = -static_cast<double>(i);
  }
  const std::vector<ValueColumn> values{{"cv", cv.data()}, {"amount", amount.data()}};
  for (const auto& [from, to] : {std::pair<day_t, day_t>{min_day, max_day}, std::pair<day_t, day_t>{30, 60}}) {
    std::vector<double> want_cv, want_amount, want_pv;
    for (std::size_t i = 0; i < m; ++i)
      if (pid[i] != 4 && day[i] >= from && day[i] < to) {
        want_pv.push_back(pv[i]);
        want_cv.push_back(cv[i]);
        want_amount.push_back(amount[i]);
      }
    for (int threads : {1, 2, 3}) {
      CAPTURE(threads);
      CAPTURE(from);
      set_num_threads(threads);
      const Activity act(net, pid.data(), day.data(), 1, pv.data(), m, UnknownPolicy::drop, from, to, values);
      CHECK(act.value_names() == std::vector<std::string>{"cv", "amount"});
      CHECK(act.has_values("cv"));
      CHECK_FALSE(act.has_values("pv"));
      CHECK(std::vector<double>(act.volumes().begin(), act.volumes().end()) == want_pv);
      CHECK(std::vector<double>(act.values("cv").begin(), act.values("cv").end()) == want_cv);
      CHECK(std::vector<double>(act.values("amount").begin(), act.values("amount").end()) == want_amount);
      double sum = 0, want = 0;
      act.for_each_order(40, 50, act.values("amount"), [&](index_t, double v) { sum += v; });
      for (std::size_t i = 0; i < m; ++i)
        if (pid[i] != 4 && day[i] >= 40 && day[i] < 50) want += amount[i];
      CHECK(sum == want);
    }
  }
  set_num_threads(0);
  const Activity act(net, pid.data(), day.data(), 1, pv.data(), m, UnknownPolicy::drop, min_day, max_day, values);
  testing::expect_error([&] { (void)act.values("pv"); }, ErrorKind::bad_value,
                        {"no value column 'pv'", "'cv', 'amount'"});
  std::vector<double> bad = cv;
  bad[7] = NAN;
  bad[m - 1] = INFINITY;
  const auto e = testing::expect_error(
      [&] { Activity(net, pid.data(), day.data(), 1, pv.data(), m, UnknownPolicy::drop, 30, 60, {{"cv", bad.data()}}); },
      ErrorKind::bad_value, {"NaN or infinite value, rows: 7, 199999, in column 'cv'"});
  CHECK(e.ids() == std::vector<id_type>{7, static_cast<id_type>(m - 1)});  // every row checked, window or not
  testing::expect_error(
      [&] { Activity(net, pid.data(), day.data(), 1, pv.data(), m, UnknownPolicy::drop, min_day, max_day, {{"cv", cv.data()}, {"cv", amount.data()}}); },
      ErrorKind::bad_value, {"values", "'cv' is given twice"});
}

TEST_CASE("a period's orders through the index by day: the same orders, in input order, as a scan") {
  // Brute force: each participant's orders of the period summed in input order (the same
  // bits as the library must give), for periods that take each path: a few orders
  // (sorted), many (bitmap), most (scan), none, and bounds outside the orders' days.
  std::mt19937_64 rng(5);
  const std::size_t n = 3000, m = 400000;
  std::vector<id_type> ids(n), sponsors(n);
  for (std::size_t i = 0; i < n; ++i) {
    ids[i] = static_cast<id_type>(i);
    sponsors[i] = i == 0 ? no_sponsor : static_cast<id_type>(rng() % i);
  }
  const Network net(ids, sponsors);
  std::vector<id_type> pid(m);
  std::vector<day_t> day(m);
  std::vector<double> pv(m);
  for (std::size_t i = 0; i < m; ++i) {
    pid[i] = static_cast<id_type>(rng() % n);
    day[i] = static_cast<day_t>(1000 + rng() % 4000);
    pv[i] = std::ldexp(static_cast<double>(rng() % 1000000), -7) - 3.1;  // sums depend on their order
  }
  const Activity act(net, pid, day, pv);
  const Activity copy = act;  // shares the index once built
  const std::vector<std::pair<day_t, day_t>> periods{
      {1500, 1501}, {1500, 1503}, {1500, 1530}, {1000, 1200}, {2900, 3500}, {1000, 3000}, {0, 5000},
      {-10, 1001},  {4999, 5000}, {5000, 6000}, {0, 10},     {1700, 1700}, {1800, 1600}};
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    for (const auto& [start, end] : periods) {
      CAPTURE(start);
      CAPTURE(end);
      std::vector<double> want(n, 0.0);
      std::vector<std::uint32_t> want_index;
      for (std::size_t i = 0; i < m; ++i)
        if (day[i] >= start && day[i] < end) {
          want[net.position_of_row()[static_cast<std::size_t>(pid[i])]] += pv[i];
          want_index.push_back(static_cast<std::uint32_t>(i));
        }
      std::vector<std::uint32_t> got_index;
      const PeriodOrders p = (threads == 2 ? copy : act).period_orders(start, end);
      act.for_each_order_index(p, [&](std::size_t i) { got_index.push_back(static_cast<std::uint32_t>(i)); });
      CHECK(got_index == want_index);
      if (!p.scan) CHECK(p.index == want_index);
      std::vector<double> got(n, -1.0), twice(n, -1.0), rows(n, -1.0);
      act.personal_volume(start, end, got.data(), nullptr);
      CHECK(got == want);
      if (start < end) {
        act.personal_volume_twice(start, end, net.row_of_position().data(), twice.data(), rows.data());
        CHECK(twice == want);
      }
    }
  }
  set_num_threads(0);
  // every path is taken
  CHECK(act.period_orders(1500, 1503).index.size() < m / Activity::period_sort_share);  // sorted (three days)
  CHECK(act.period_orders(1500, 1530).index.size() > m / Activity::period_sort_share);  // bitmap
  CHECK(act.period_orders(1000, 3000).scan);                     // scan
}
