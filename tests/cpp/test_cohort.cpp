// Cohort retention counts straight from order columns, against brute force written here
// (DOMAIN.md "Retention"), with dense, sparse and missing ids, refunds, enrolment cohorts,
// groups, long spans and 1 or 2 threads.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "downline/cohort.hpp"
#include "downline/date.hpp"
#include "downline/detail/parallel.hpp"
#include "order_columns.hpp"

using namespace downline;
using namespace downline::testing;

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
