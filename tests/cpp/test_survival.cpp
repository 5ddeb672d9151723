// Kaplan-Meier tables against the definition (DOMAIN.md "Retention") evaluated by brute
// force, a hand-worked example and R's aml values; bad input names the rows.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "downline/detail/parallel.hpp"
#include "downline/survival.hpp"

using namespace downline;

TEST_CASE("Kaplan-Meier by hand: ties, censoring at an event time, S reaching 0") {
  // times 1 1 2 2 3 4, events 1 0 1 1 0 1: at 1, 6 at risk, 1 event, 1 censored
  const std::vector<double> t{2, 1, 4, 1, 3, 2};
  const std::vector<std::uint8_t> e{1, 1, 1, 0, 0, 1};
  const SurvivalTable s = kaplan_meier(t.data(), e.data(), nullptr, nullptr, t.size(), 1);
  CHECK(s.time == std::vector<double>{1, 2, 3, 4});
  CHECK(s.at_risk == std::vector<double>{6, 4, 2, 1});
  CHECK(s.observed == std::vector<double>{1, 2, 0, 1});
  CHECK(s.censored == std::vector<double>{1, 0, 1, 0});
  CHECK(s.survival[0] == doctest::Approx(5.0 / 6));
  CHECK(s.survival[1] == doctest::Approx(5.0 / 6 * 2 / 4));
  CHECK(s.survival[2] == doctest::Approx(5.0 / 12));
  CHECK(s.survival[3] == 0.0);
  CHECK(s.greenwood[1] == doctest::Approx(1.0 / (6 * 5) + 2.0 / (4 * 2)));
  CHECK(std::isinf(s.greenwood[3]));
  CHECK(s.group_start == std::vector<std::int64_t>{0, 4});
}

TEST_CASE("Kaplan-Meier: R's aml, Maintained group (survival package)") {
  const std::vector<double> t{9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161};
  const std::vector<std::uint8_t> e{1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0};
  const SurvivalTable s = kaplan_meier(t.data(), e.data(), nullptr, nullptr, t.size(), 1);
  const std::map<double, double> published{{9, .909},  {13, .818}, {18, .716}, {23, .614},
                                           {31, .491}, {34, .368}, {48, .184}};
  for (std::size_t j = 0; j < s.time.size(); ++j)
    if (s.observed[j] > 0) CHECK(std::abs(s.survival[j] - published.at(s.time[j])) < 5e-4);
  CHECK(std::abs(s.survival[0] * std::sqrt(s.greenwood[0]) - .0867) < 5e-5);  // SE at 9
}

TEST_CASE("Kaplan-Meier intervals equal their definitions on the log and log-log scales") {
  // S and Greenwood's sum: a mid value, no event yet (S = 1), S = 0 (infinite sum), small S
  const std::vector<double> s{5.0 / 6, 1.0, 0.0, 0.25, 0.999};
  const std::vector<double> gw{1.0 / 30, 0.0, std::numeric_limits<double>::infinity(), 0.4, 1e-6};
  const double z = 1.959963984540054;
  const std::size_t n = s.size();
  std::vector<double> se(n), lo(n), hi(n);
  for (KmInterval form : {KmInterval::log, KmInterval::log_log}) {
    km_intervals(s.data(), gw.data(), n, z, form, se.data(), lo.data(), hi.data());
    for (std::size_t i = 0; i < n; ++i) {
      CAPTURE(i);
      if (std::isinf(gw[i]))
        CHECK(std::isnan(se[i]));
      else
        CHECK(se[i] == doctest::Approx(s[i] * std::sqrt(gw[i])).epsilon(1e-14));
      if (s[i] == 0.0) {  // no interval
        CHECK((std::isnan(lo[i]) && std::isnan(hi[i])));
        continue;
      }
      if (s[i] == 1.0) {  // a zero-width interval at 1
        CHECK((lo[i] == 1.0 && hi[i] == 1.0));
        continue;
      }
      // log S +- z sd(log S), sd(log S) = sqrt(gw); log(-log S) -+ z sd(log(-log S)),
      // sd = sqrt(gw) / |log S|: written back from the other scale's bounds
      const double sd = std::sqrt(gw[i]);
      const double want_lo =
          form == KmInterval::log
              ? std::exp(std::log(s[i]) - z * sd)
              : std::exp(-std::exp(std::log(-std::log(s[i])) + z * sd / std::abs(std::log(s[i]))));
      const double want_hi =
          form == KmInterval::log
              ? std::min(1.0, std::exp(std::log(s[i]) + z * sd))
              : std::exp(-std::exp(std::log(-std::log(s[i])) - z * sd / std::abs(std::log(s[i]))));
      CHECK(lo[i] == doctest::Approx(want_lo).epsilon(1e-12));
      CHECK(hi[i] == doctest::Approx(want_hi).epsilon(1e-12));
      CHECK((lo[i] < s[i] && s[i] <= hi[i]));
    }
  }
}

namespace {

/// Rows of the table that differ from the definition evaluated by brute force for the
/// subjects `members` (indices into t, e, w; w null: 1 each) as group k.
std::size_t km_mismatches(const SurvivalTable& out, std::size_t k,
                          const std::vector<std::size_t>& members, const std::vector<double>& t,
                          const std::vector<std::uint8_t>& e, const double* w) {
  std::set<double> times;
  for (std::size_t i : members) times.insert(t[i]);
  std::size_t row = static_cast<std::size_t>(out.group_start[k]), bad = 0;
  bad += static_cast<std::size_t>(out.group_start[k + 1]) - row != times.size();
  double s = 1.0, gw = 0.0;
  for (double x : times) {
    double at_risk = 0, d = 0, c = 0;
    for (std::size_t i : members) {
      const double wi = w ? w[i] : 1.0;
      if (t[i] >= x) at_risk += wi;
      if (t[i] == x) (e[i] ? d : c) += wi;
    }
    if (d > 0) {
      s *= 1.0 - d / at_risk;
      gw += d / (at_risk * (at_risk - d));
    }
    bad += out.group[row] != static_cast<std::int32_t>(k) || out.time[row] != x;
    bad += out.at_risk[row] != at_risk || out.observed[row] != d || out.censored[row] != c;
    bad += std::abs(out.survival[row] - s) > 1e-12 || std::abs(out.greenwood[row] - gw) > 1e-12;
    ++row;
  }
  return bad;
}

/// Rows whose time code does not give back their time, plus 1 when the table's distinct
/// times are not the sorted distinct times of its rows.
std::size_t timeline_mismatches(const SurvivalTable& out) {
  const std::set<double> times(out.time.begin(), out.time.end());
  std::size_t bad = std::vector<double>(times.begin(), times.end()) != out.distinct_time;
  bad += out.time_code.size() != out.time.size();
  for (std::size_t r = 0; r < out.time.size() && r < out.time_code.size(); ++r) {
    const auto c = static_cast<std::size_t>(out.time_code[r]);
    bad += c >= out.distinct_time.size() || out.distinct_time[c] != out.time[r];
  }
  return bad;
}

}  // namespace

TEST_CASE("Kaplan-Meier equals the definition on random groups, weights and 1 or 2 threads") {
  std::mt19937_64 rng(5);
  const std::size_t n = 20000, G = 7;
  std::vector<double> t(n), days(n), w(n);
  std::vector<std::uint8_t> e(n);
  std::vector<std::int32_t> g(n);
  for (std::size_t i = 0; i < n; ++i) {
    t[i] = static_cast<double>(rng() % 60) / 2.0;  // ties, half days: sorted
    days[i] = static_cast<double>(rng() % 400);    // whole days: counted when unweighted
    e[i] = rng() % 3 != 0;
    g[i] = static_cast<std::int32_t>(rng() % (G - 1));  // the last group stays empty
    w[i] = 1.0 + static_cast<double>(rng() % 3);
  }
  // (times, weights): weighted and sorted, unweighted and sorted, unweighted and counted
  const std::vector<std::pair<const std::vector<double>*, const double*>> cases{
      {&t, w.data()}, {&t, nullptr}, {&days, nullptr}};
  for (const auto& [times, weight] : cases) {
    set_num_threads(1);
    const SurvivalTable one = kaplan_meier(times->data(), e.data(), g.data(), weight, n, G);
    set_num_threads(2);
    const SurvivalTable two = kaplan_meier(times->data(), e.data(), g.data(), weight, n, G);
    set_num_threads(0);
    CHECK(one.survival == two.survival);
    CHECK(one.greenwood == two.greenwood);
    CHECK(one.at_risk == two.at_risk);
    REQUIRE(one.group_start.size() == G + 1);
    CHECK(one.group_start[G] == one.group_start[G - 1]);  // the empty group has no rows
    std::size_t bad = 0;
    for (std::size_t k = 0; k < G; ++k) {
      std::vector<std::size_t> members;
      for (std::size_t i = 0; i < n; ++i)
        if (static_cast<std::size_t>(g[i]) == k) members.push_back(i);
      bad += km_mismatches(one, k, members, *times, e, weight);
    }
    CHECK(bad == 0);
    CHECK(timeline_mismatches(one) == 0);
  }
  // whole days as int32 (churn durations), counted without a conversion, and weighted (sorted)
  std::vector<std::int32_t> days32(days.begin(), days.end());
  for (const double* weight :
       {static_cast<const double*>(nullptr), static_cast<const double*>(w.data())}) {
    const SurvivalTable s = kaplan_meier(days32.data(), e.data(), g.data(), weight, n, G);
    std::size_t bad = 0;
    for (std::size_t k = 0; k < G; ++k) {
      std::vector<std::size_t> members;
      for (std::size_t i = 0; i < n; ++i)
        if (static_cast<std::size_t>(g[i]) == k) members.push_back(i);
      bad += km_mismatches(s, k, members, days, e, weight);
    }
    CHECK(bad == 0);
    CHECK(timeline_mismatches(s) == 0);
  }
  // whole days far apart (a span much larger than the rows: the times are sorted)
  std::vector<std::int32_t> sparse(n);
  for (std::size_t i = 0; i < n; ++i) sparse[i] = static_cast<std::int32_t>(rng() % 50) * 40000000;
  const SurvivalTable far = kaplan_meier(sparse.data(), e.data(), g.data(), nullptr, n, G);
  CHECK(far.distinct_time.size() == 50);
  CHECK(timeline_mismatches(far) == 0);
  const std::vector<std::int32_t> negative{3, -1, 4};
  CHECK_THROWS_AS((void)kaplan_meier(negative.data(), e.data(), nullptr, nullptr, 3, 1),
                  InputError);
}

TEST_CASE("Kaplan-Meier of nested subject ranges equals the definition for each range") {
  std::mt19937_64 rng(9);
  const std::size_t n = 5000;
  std::vector<double> days(n), half(n), w(n);
  std::vector<std::uint8_t> e(n);
  for (std::size_t i = 0; i < n; ++i) {
    days[i] = static_cast<double>(rng() % 300);
    half[i] = static_cast<double>(rng() % 300) / 2.0;
    e[i] = rng() % 2;
    w[i] = 1.0 + static_cast<double>(rng() % 4);
  }
  // nested and overlapping ranges, a one-subject range and an empty one
  const std::vector<std::int64_t> begin{0, 10, 10, 4000, 2500, 77, 3000};
  const std::vector<std::int64_t> end{5000, 4000, 60, 4999, 4100, 78, 3000};
  const std::vector<std::pair<const std::vector<double>*, const double*>> cases{
      {&days, nullptr}, {&half, nullptr}, {&days, w.data()}};
  for (const auto& [times, weight] : cases) {
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      const SurvivalTable out = kaplan_meier_ranges(times->data(), e.data(), weight, n,
                                                    begin.data(), end.data(), begin.size());
      std::size_t bad = 0;
      for (std::size_t k = 0; k < begin.size(); ++k) {
        std::vector<std::size_t> members;
        for (std::int64_t i = begin[k]; i < end[k]; ++i)
          members.push_back(static_cast<std::size_t>(i));
        bad += km_mismatches(out, k, members, *times, e, weight);
      }
      CHECK(bad == 0);
      CHECK(timeline_mismatches(out) == 0);
    }
  }
  set_num_threads(0);
  const std::vector<std::int64_t> bad_begin{0, 5}, bad_end{5001, 4};
  try {
    (void)kaplan_meier_ranges(days.data(), e.data(), nullptr, n, bad_begin.data(), bad_end.data(),
                              2);
    FAIL("no error");
  } catch (const InputError& err) {
    CHECK(err.ids() == std::vector<id_type>{0, 1});
  }
}

TEST_CASE("Kaplan-Meier: bad durations, weights and groups name their rows") {
  const std::vector<double> t{1, -1, NAN, 2};
  const std::vector<std::uint8_t> e{1, 1, 1, 0};
  try {
    (void)kaplan_meier(t.data(), e.data(), nullptr, nullptr, t.size(), 1);
    FAIL("no error");
  } catch (const InputError& err) {
    CHECK(err.ids() == std::vector<id_type>{1, 2});
  }
  const std::vector<double> ok{1, 2, 3, 4}, w{1, 0, 1, INFINITY};
  const std::vector<std::int32_t> g{0, 1, 2, 1};
  try {
    (void)kaplan_meier(ok.data(), e.data(), nullptr, w.data(), ok.size(), 1);
    FAIL("no error");
  } catch (const InputError& err) {
    CHECK(err.ids() == std::vector<id_type>{1, 3});
  }
  try {
    (void)kaplan_meier(ok.data(), e.data(), g.data(), nullptr, ok.size(), 2);
    FAIL("no error");
  } catch (const InputError& err) {
    CHECK(err.ids() == std::vector<id_type>{2});
  }
}

TEST_CASE("drop_empty_groups: the table of the groups with subjects, renumbered") {
  // groups 0, 2 and 4 of 5 have subjects; fitted with 5 groups then dropped, the table
  // must equal the one fitted on the codes 0, 1, 2 directly
  const std::vector<double> t{3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
  const std::vector<std::uint8_t> e{1, 0, 1, 1, 0, 1, 1, 0, 1, 1};
  const std::vector<std::int32_t> sparse{0, 2, 4, 0, 2, 4, 4, 0, 2, 0};
  std::vector<std::int32_t> dense(sparse.size());
  for (std::size_t i = 0; i < sparse.size(); ++i) dense[i] = sparse[i] / 2;
  SurvivalTable s = kaplan_meier(t.data(), e.data(), sparse.data(), nullptr, t.size(), 5);
  const SurvivalTable want = kaplan_meier(t.data(), e.data(), dense.data(), nullptr, t.size(), 3);
  CHECK(drop_empty_groups(s) == std::vector<std::int64_t>{0, 2, 4});
  CHECK(s.group == want.group);
  CHECK(s.group_start == want.group_start);
  CHECK(s.time == want.time);
  CHECK(s.survival == want.survival);
  // nothing to drop: unchanged
  CHECK(drop_empty_groups(s) == std::vector<std::int64_t>{0, 1, 2});
  CHECK(s.group_start == want.group_start);
}
