// summarize_orders against a brute force over explicit per-customer order lists.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>

#include "downline/segment.hpp"

using namespace downline;

TEST_CASE("order summaries equal a brute force, on 1 and 3 threads") {
  std::mt19937_64 rng(99);
  const std::size_t customers = 40000, n = 200000;  // big enough for several slices
  std::vector<std::int64_t> who(n);
  std::vector<day_t> day(n);
  std::vector<double> amount(n);
  for (std::size_t i = 0; i < n; ++i) {
    who[i] = static_cast<std::int64_t>(rng() % (customers - 100));  // the last 100: no orders
    day[i] = static_cast<day_t>(rng() % 300) - 50;                  // before 1970 too
    amount[i] = static_cast<double>(static_cast<int>(rng() % 20000) - 2000) / 100.0;
  }
  for (std::size_t i = 0; i < 100; ++i) who[i] = 7;  // one customer with many orders (> 32)
  const day_t as_of = 200;
  struct Ref {
    std::int64_t orders = 0;
    std::set<day_t> days;
    std::map<day_t, double> per_day;
    double amount = 0;
  };
  for (int threads : {1, 3})
    for (OrderRows rows : {OrderRows::all, OrderRows::positive}) {
      CAPTURE(threads);
      CAPTURE(static_cast<int>(rows));
      // refunds (amount <= 0) are not orders under OrderRows::positive, but count as money
      std::vector<Ref> ref(customers);
      for (std::size_t i = 0; i < n; ++i) {
        if (day[i] > as_of) continue;
        Ref& r = ref[static_cast<std::size_t>(who[i])];
        r.amount += amount[i];
        if (rows == OrderRows::positive && !(amount[i] > 0)) continue;
        ++r.orders;
        r.days.insert(day[i]);
      }
      for (std::size_t i = 0; i < n; ++i) {  // every row on the first order day
        Ref& r = ref[static_cast<std::size_t>(who[i])];
        if (day[i] <= as_of && !r.days.empty() && day[i] == *r.days.begin())
          r.per_day[day[i]] += amount[i];
      }
      set_num_threads(threads);
      const OrderSummary s =
          summarize_orders(who.data(), day.data(), amount.data(), n, customers, as_of, rows);
      std::size_t bad = 0;
      for (std::size_t c = 0; c < customers; ++c) {
        const Ref& r = ref[c];
        bad += s.orders[c] != r.orders;
        bad += s.days[c] != static_cast<std::int32_t>(r.days.size());
        bad += s.first[c] != (r.days.empty() ? min_day : *r.days.begin());
        bad += s.last[c] != (r.days.empty() ? min_day : *r.days.rbegin());
        bad += std::abs(s.amount[c] - r.amount) > 1e-9;
        const double first = r.per_day.empty() ? 0.0 : r.per_day.begin()->second;
        bad += std::abs(s.first_day_amount[c] - first) > 1e-9;
      }
      CHECK(bad == 0);
      CHECK(s.orders[customers - 1] == 0);
    }
  set_num_threads(0);
  std::vector<std::int64_t> wrong{0, 5, -1};
  std::vector<day_t> d3{1, 1, 1};
  std::vector<double> a3{1, 1, 1};
  try {
    summarize_orders(wrong.data(), d3.data(), a3.data(), 3, 5, 10);
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(e.ids() == std::vector<id_type>{1, 2});
  }
}
