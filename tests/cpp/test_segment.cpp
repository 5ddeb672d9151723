// summarize_orders against a brute force over explicit per-customer order lists.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
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

TEST_CASE("summaries grouped by id equal a brute force over a map, every partitioning") {
  std::mt19937_64 rng(123);
  constexpr std::int64_t ns = 86400LL * 1000000000LL;
  // id shapes: dense member numbers (direct range partitions), sparse random ids,
  // clustered ids (one huge cluster: hash partitions and a radix sort), negatives.
  for (int shape = 0; shape < 4; ++shape)
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{300000}})
      for (int threads : {1, 3}) {
        CAPTURE(shape);
        CAPTURE(n);
        CAPTURE(threads);
        set_num_threads(threads);
        const std::size_t customers = n / 8 + 1;
        std::vector<id_type> pool(customers);
        for (std::size_t c = 0; c < customers; ++c)
          pool[c] = shape == 0   ? 5000 + static_cast<id_type>(c)
                    : shape == 1 ? static_cast<id_type>(rng())
                    : shape == 2
                        ? (c % 50 == 0 ? static_cast<id_type>(rng() >> 1) : static_cast<id_type>(c))
                        : -static_cast<id_type>(c) * 7 - 1;
        std::vector<id_type> id(n);
        std::vector<std::int64_t> ticks(n);
        std::vector<double> amount(n);
        for (std::size_t i = 0; i < n; ++i) {
          id[i] = pool[rng() % customers];
          ticks[i] = (static_cast<std::int64_t>(rng() % 400) - 100) * ns +
                     static_cast<std::int64_t>(rng() % ns);
          amount[i] = static_cast<double>(static_cast<int>(rng() % 20000) - 2000) / 100.0;
        }
        const day_t as_of = 250;
        for (OrderRows rows : {OrderRows::all, OrderRows::positive}) {
          // brute force: per id, the rows in input order
          std::map<id_type, std::vector<std::size_t>> by_id;
          for (std::size_t i = 0; i < n; ++i) by_id[id[i]].push_back(i);
          const IdOrderSummary got =
              summarize_by_id(id.data(), ticks.data(), ns, amount.data(), n, as_of, rows);
          REQUIRE(got.ids.size() == by_id.size());
          std::size_t k = 0, bad = 0;
          for (const auto& [key, list] : by_id) {
            bad += got.ids[k] != key;
            std::set<day_t> days;
            std::int64_t orders = 0;
            double total = 0;
            for (std::size_t i : list) {
              const day_t d = static_cast<day_t>(floor_div(ticks[i], ns));
              if (d > as_of) continue;
              total += amount[i];
              if (rows == OrderRows::positive && !(amount[i] > 0)) continue;
              ++orders;
              days.insert(d);
            }
            double first_total = 0;  // every row on the first order day
            for (std::size_t i : list)
              if (!days.empty() && floor_div(ticks[i], ns) == *days.begin())
                first_total += amount[i];
            bad += got.summary.orders[k] != orders;
            bad += got.summary.days[k] != static_cast<std::int32_t>(days.size());
            bad += got.summary.first[k] != (days.empty() ? min_day : *days.begin());
            bad += got.summary.last[k] != (days.empty() ? min_day : *days.rbegin());
            bad += std::abs(got.summary.amount[k] - total) > 1e-9;
            bad += std::abs(got.summary.first_day_amount[k] - first_total) > 1e-9;
            ++k;
          }
          CHECK(bad == 0);
        }
        {  // without amounts: the same orders and days, amounts 0
          const IdOrderSummary with =
              summarize_by_id(id.data(), ticks.data(), ns, amount.data(), n, as_of);
          const IdOrderSummary without =
              summarize_by_id(id.data(), ticks.data(), ns, nullptr, n, as_of);
          CHECK(without.ids == with.ids);
          CHECK(without.summary.orders == with.summary.orders);
          CHECK(without.summary.days == with.summary.days);
          CHECK(without.summary.first == with.summary.first);
          CHECK(without.summary.last == with.summary.last);
          CHECK(std::all_of(without.summary.amount.begin(), without.summary.amount.end(),
                            [](double x) { return x == 0.0; }));
        }
        // universes: the pool's every other id in reverse (dense ids stay dense), and its
        // first half plus the two extreme ids (no orders); the other ids are unknown
        std::vector<id_type> half,
            first_half(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(customers / 2));
        for (std::size_t c = customers; c-- > 0;)
          if (c % 2 == 0) half.push_back(pool[c]);
        first_half.push_back(std::numeric_limits<id_type>::max());
        first_half.push_back(std::numeric_limits<id_type>::min());
        for (const std::vector<id_type>& universe : {half, first_half}) {
          const IdOrderSummary u =
              summarize_by_id(id.data(), ticks.data(), ns, amount.data(), n, as_of, OrderRows::all,
                              universe.data(), universe.size());
          REQUIRE(u.ids == universe);
          std::set<id_type> in(universe.begin(), universe.end()), unknown;
          std::int64_t unknown_orders = 0;
          std::map<id_type, std::int64_t> count;
          for (std::size_t i = 0; i < n; ++i) {
            if (!in.count(id[i])) {
              unknown.insert(id[i]);
              ++unknown_orders;
            } else if (floor_div(ticks[i], ns) <= as_of) {
              ++count[id[i]];
            }
          }
          CHECK(u.unknown_orders == unknown_orders);
          CHECK(u.unknown_ids == std::vector<id_type>(unknown.begin(), unknown.end()));
          std::size_t bad = 0;
          for (std::size_t j = 0; j < universe.size(); ++j)
            bad += u.summary.orders[j] != count[universe[j]];
          CHECK(bad == 0);
        }
      }
  set_num_threads(0);
  const std::vector<id_type> id{4, 5, 4};
  const std::vector<std::int64_t> t{0, std::numeric_limits<std::int64_t>::min(), 1};
  const std::vector<double> a{1, 2, 3};
  CHECK_THROWS_WITH_AS(summarize_by_id(id.data(), t.data(), 1, a.data(), 3, 10),
                       doctest::Contains("at rows 1"), InputError);
  const std::vector<id_type> dup{4, 5, 4};
  const std::vector<std::int64_t> t2{0, 0, 1};
  CHECK_THROWS_WITH_AS(
      summarize_by_id(id.data(), t2.data(), 1, a.data(), 3, 10, OrderRows::all, dup.data(), 3),
      doctest::Contains("more than once: 4"), InputError);
  // the same with sparse ids (a hash table per partition instead of direct addressing)
  const id_type big = id_type{1} << 60;
  const std::vector<id_type> sparse{4, big, 4};
  CHECK_THROWS_WITH_AS(summarize_by_id(sparse.data(), t2.data(), 1, a.data(), 3, 10, OrderRows::all,
                                       sparse.data(), 3),
                       doctest::Contains("more than once: 4"), InputError);
  CHECK_THROWS_WITH_AS(
      summarize_by_id(id.data(), t2.data(), 1, nullptr, 3, 10, OrderRows::positive),
      doctest::Contains("needs amounts"), InputError);
}

TEST_CASE("summaries by id without amounts (4-byte records) and by fields equal a brute force") {
  // Dense ids without amounts are grouped as 32-bit (slot, day) keys when the days from the
  // first order to as_of + 1 number at most 2^14; longer spans take 8-byte records. Both,
  // with and without a universe, on 1-3 threads, as_of before, inside and after the orders;
  // then only some summary arrays asked for: the others are empty.
  std::mt19937_64 rng(99);
  for (const int span_days : {400, 20000})
    for (const std::size_t n : {std::size_t{1}, std::size_t{700}, std::size_t{120000}})
      for (const day_t as_of : {day_t{-150}, day_t{120}, day_t{30000}})
        for (const int threads : {1, 2, 3}) {
          CAPTURE(span_days);
          CAPTURE(n);
          CAPTURE(as_of);
          CAPTURE(threads);
          set_num_threads(threads);
          const std::size_t customers = n / 6 + 1;
          std::vector<id_type> id(n);
          std::vector<std::int64_t> ticks(n);
          for (std::size_t i = 0; i < n; ++i) {
            id[i] = 1000000 + static_cast<id_type>(rng() % customers);
            // about one order in three on a day its customer already has (same-day repeats)
            ticks[i] =
                (static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span_days)) - 100) *
                (rng() % 3 == 0 ? 0 : 1);
          }
          std::map<id_type, std::vector<day_t>> by_id;  // days up to as_of, per id
          std::set<id_type> present(id.begin(), id.end());
          for (std::size_t i = 0; i < n; ++i)
            if (ticks[i] <= as_of) by_id[id[i]].push_back(static_cast<day_t>(ticks[i]));
          const auto check_one = [&](const OrderSummary& s, std::size_t k, id_type key) {
            const auto it = by_id.find(key);
            const std::vector<day_t> none;
            const std::vector<day_t>& d = it == by_id.end() ? none : it->second;
            const std::set<day_t> distinct(d.begin(), d.end());
            std::size_t bad = 0;
            if (!s.orders.empty()) bad += s.orders[k] != static_cast<std::int64_t>(d.size());
            if (!s.days.empty()) bad += s.days[k] != static_cast<std::int32_t>(distinct.size());
            if (!s.first.empty()) bad += s.first[k] != (d.empty() ? min_day : *distinct.begin());
            if (!s.last.empty()) bad += s.last[k] != (d.empty() ? min_day : *distinct.rbegin());
            if (!s.amount.empty()) bad += s.amount[k] != 0.0;
            if (!s.first_day_amount.empty()) bad += s.first_day_amount[k] != 0.0;
            return bad;
          };
          const IdOrderSummary got = summarize_by_id(id.data(), ticks.data(), 1, nullptr, n, as_of);
          REQUIRE(got.ids == std::vector<id_type>(present.begin(), present.end()));
          std::size_t bad = 0;
          for (std::size_t k = 0; k < got.ids.size(); ++k)
            bad += check_one(got.summary, k, got.ids[k]);
          CHECK(bad == 0);
          // a universe: every third id that may have orders, in reverse, and two without
          std::vector<id_type> universe{999999};
          for (std::size_t c = customers; c-- > 0;)
            if (c % 3 == 0) universe.push_back(1000000 + static_cast<id_type>(c));
          universe.push_back(1000000 + static_cast<id_type>(customers) + 5);
          const IdOrderSummary u =
              summarize_by_id(id.data(), ticks.data(), 1, nullptr, n, as_of, OrderRows::all,
                              universe.data(), universe.size());
          REQUIRE(u.ids == universe);
          bad = 0;
          for (std::size_t k = 0; k < universe.size(); ++k)
            bad += check_one(u.summary, k, universe[k]);
          CHECK(bad == 0);
          const std::set<id_type> in(universe.begin(), universe.end());
          std::vector<id_type> unknown;
          std::int64_t unknown_orders = 0;
          for (const id_type x : present)
            if (!in.count(x)) unknown.push_back(x);
          for (const id_type x : id) unknown_orders += !in.count(x);
          CHECK(u.unknown_ids == unknown);
          CHECK(u.unknown_orders == unknown_orders);
          // only some arrays
          for (const unsigned fields :
               {SummaryFields::days | SummaryFields::last, SummaryFields::first,
                SummaryFields::orders | SummaryFields::amount | SummaryFields::first_day_amount}) {
            CAPTURE(fields);
            const IdOrderSummary f = summarize_by_id(id.data(), ticks.data(), 1, nullptr, n, as_of,
                                                     OrderRows::all, nullptr, 0, fields);
            CHECK(f.ids == got.ids);
            const OrderSummary& s = f.summary;
            CHECK(s.orders.size() == ((fields & SummaryFields::orders) ? got.ids.size() : 0));
            CHECK(s.days.size() == ((fields & SummaryFields::days) ? got.ids.size() : 0));
            CHECK(s.first.size() == ((fields & SummaryFields::first) ? got.ids.size() : 0));
            CHECK(s.last.size() == ((fields & SummaryFields::last) ? got.ids.size() : 0));
            CHECK(s.amount.size() == ((fields & SummaryFields::amount) ? got.ids.size() : 0));
            CHECK(s.first_day_amount.size() ==
                  ((fields & SummaryFields::first_day_amount) ? got.ids.size() : 0));
            bad = 0;
            for (std::size_t k = 0; k < f.ids.size(); ++k) bad += check_one(s, k, f.ids[k]);
            CHECK(bad == 0);
          }
        }
  set_num_threads(0);
  // sparse ids (a hash table per partition) with a universe and fields: the same rule
  std::vector<id_type> id{7, -3, 1LL << 60, 7, -3};
  std::vector<std::int64_t> ticks{5, 5, 9, 6, 5};
  std::vector<double> amount{1.0, 2.0, 4.0, 8.0, 16.0};
  const IdOrderSummary f =
      summarize_by_id(id.data(), ticks.data(), 1, amount.data(), 5, 10, OrderRows::all, nullptr, 0,
                      SummaryFields::days | SummaryFields::amount);
  CHECK(f.ids == std::vector<id_type>{-3, 7, 1LL << 60});
  CHECK(f.summary.days == std::vector<std::int32_t>{1, 2, 1});
  CHECK(f.summary.amount == std::vector<double>{18.0, 9.0, 4.0});
  CHECK(f.summary.orders.empty());
  CHECK(f.summary.first.empty());
  CHECK(f.summary.last.empty());
  CHECK(f.summary.first_day_amount.empty());
}

TEST_CASE("summaries by id over a day range too long to count by day equal summarize_orders") {
  // days as ticks (ticks_per_day = 1) spanning more than 2^20 days: each customer's orders
  // are then sorted per customer instead of counted by day
  std::mt19937_64 rng(7);
  const std::size_t n = 5000, customers = 300;
  std::vector<id_type> id(n);
  std::vector<std::int64_t> code(n), ticks(n);
  std::vector<day_t> day(n);
  std::vector<double> amount(n);
  for (std::size_t i = 0; i < n; ++i) {
    code[i] = static_cast<std::int64_t>(rng() % customers);
    id[i] = 100 + code[i];
    day[i] =
        i % 50 == 0 ? -3000000 + static_cast<day_t>(rng() % 3) : static_cast<day_t>(rng() % 40);
    ticks[i] = day[i];
    amount[i] = static_cast<double>(static_cast<int>(rng() % 2000) - 200) / 8.0;
  }
  for (OrderRows rows : {OrderRows::all, OrderRows::positive}) {
    const OrderSummary want =
        summarize_orders(code.data(), day.data(), amount.data(), n, customers, 30, rows);
    const IdOrderSummary got =
        summarize_by_id(id.data(), ticks.data(), 1, amount.data(), n, 30, rows);
    REQUIRE(got.ids.size() == customers);
    CHECK(got.ids.front() == 100);
    CHECK(got.summary.orders == want.orders);
    CHECK(got.summary.days == want.days);
    CHECK(got.summary.first == want.first);
    CHECK(got.summary.last == want.last);
    CHECK(got.summary.amount == want.amount);  // both sum in day order: bit for bit
    CHECK(got.summary.first_day_amount == want.first_day_amount);
  }
}

TEST_CASE("life-cycle codes equal tier-by-tier brute force") {
  std::mt19937_64 rng(17);
  const std::size_t n = 20000;
  std::vector<std::int32_t> days(n);
  std::vector<day_t> last(n);
  for (std::size_t i = 0; i < n; ++i) {
    days[i] = i % 7 == 0 ? 0 : static_cast<std::int32_t>(1 + rng() % 9);
    last[i] = days[i] ? static_cast<day_t>(rng() % 400) : min_day;
  }
  const std::int64_t none = std::numeric_limits<std::int64_t>::max();
  const std::vector<std::int64_t> f_lo{1, 2, 4, 8}, r_hi{0, 30, 90, none};  // tier 0: same day
  const LifecycleCodes got = lifecycle_codes(days.data(), last.data(), n, 399, f_lo, r_hi);
  std::vector<std::int64_t> counts(16, 0);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (days[i] == 0) {
      bad += got.segment[i] != -1 || got.frequency_tier[i] != -1 || got.recency[i] != 0;
      continue;
    }
    const std::int64_t rec = 399 - last[i];
    const int f = days[i] >= 8 ? 3 : days[i] >= 4 ? 2 : days[i] >= 2 ? 1 : 0;
    const int r = rec <= 0 ? 0 : rec <= 30 ? 1 : rec <= 90 ? 2 : 3;
    bad += got.recency[i] != rec || got.frequency_tier[i] != f || got.recency_tier[i] != r;
    bad += got.segment[i] != f * 4 + r;
    ++counts[static_cast<std::size_t>(f * 4 + r)];
  }
  CHECK(bad == 0);
  CHECK(got.counts == counts);
  CHECK_THROWS_AS(lifecycle_codes(days.data(), last.data(), n, 399, {2, 4}, r_hi), InputError);
  CHECK_THROWS_AS(lifecycle_codes(days.data(), last.data(), n, 399, f_lo, {30, 90}), InputError);
  // int8 codes (what pandas keeps for fewer than 128 categories): the same values
  const LifecycleCodesOf<std::int8_t> narrow =
      lifecycle_codes<std::int8_t>(days.data(), last.data(), n, 399, f_lo, r_hi);
  bad = 0;
  for (std::size_t i = 0; i < n; ++i)
    bad += narrow.segment[i] != got.segment[i] ||
           narrow.frequency_tier[i] != got.frequency_tier[i] ||
           narrow.recency_tier[i] != got.recency_tier[i] || narrow.recency[i] != got.recency[i];
  CHECK(bad == 0);
  CHECK(narrow.counts == got.counts);
  // 16 x 8 = 128 segments fit int8 codes (the last is 127); 17 x 8 = 136 do not
  std::vector<std::int64_t> many_f(16), many_r{1, 2, 3, 4, 5, 6, 7, none};
  for (std::size_t k = 0; k < many_f.size(); ++k) many_f[k] = static_cast<std::int64_t>(k) + 1;
  const auto wide = lifecycle_codes(days.data(), last.data(), n, 399, many_f, many_r);
  const auto small = lifecycle_codes<std::int8_t>(days.data(), last.data(), n, 399, many_f, many_r);
  CHECK(small.counts == wide.counts);
  CHECK(std::equal(small.segment.begin(), small.segment.end(), wide.segment.begin(),
                   wide.segment.end()));
  many_f.push_back(17);
  CHECK_THROWS_AS(lifecycle_codes<std::int8_t>(days.data(), last.data(), n, 399, many_f, many_r),
                  InputError);
  CHECK(lifecycle_codes(days.data(), last.data(), n, 399, many_f, many_r).counts.size() == 136);
}
