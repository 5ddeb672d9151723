// Kaplan-Meier tables against the definition (DOMAIN.md "Retention") evaluated by brute
// force, a hand-worked example and R's aml values; bad input names the rows.
#include <doctest/doctest.h>

#include <cmath>
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

TEST_CASE("Kaplan-Meier equals the definition on random groups, weights and 1 or 2 threads") {
  std::mt19937_64 rng(5);
  const std::size_t n = 20000, G = 7;
  std::vector<double> t(n), w(n);
  std::vector<std::uint8_t> e(n);
  std::vector<std::int32_t> g(n);
  for (std::size_t i = 0; i < n; ++i) {
    t[i] = static_cast<double>(rng() % 60) / 2.0;  // ties
    e[i] = rng() % 3 != 0;
    g[i] = static_cast<std::int32_t>(rng() % (G - 1));  // the last group stays empty
    w[i] = 1.0 + static_cast<double>(rng() % 3);
  }
  set_num_threads(1);
  const SurvivalTable one = kaplan_meier(t.data(), e.data(), g.data(), w.data(), n, G);
  set_num_threads(2);
  const SurvivalTable two = kaplan_meier(t.data(), e.data(), g.data(), w.data(), n, G);
  set_num_threads(0);
  CHECK(one.survival == two.survival);
  CHECK(one.greenwood == two.greenwood);
  REQUIRE(one.group_start.size() == G + 1);
  CHECK(one.group_start[G] == one.group_start[G - 1]);  // the empty group has no rows
  std::size_t bad = 0;
  for (std::size_t k = 0; k < G; ++k) {
    std::set<double> times;
    for (std::size_t i = 0; i < n; ++i)
      if (static_cast<std::size_t>(g[i]) == k) times.insert(t[i]);
    std::size_t row = static_cast<std::size_t>(one.group_start[k]);
    CHECK(static_cast<std::size_t>(one.group_start[k + 1]) - row == times.size());
    double s = 1.0, gw = 0.0;
    for (double x : times) {
      double at_risk = 0, d = 0, c = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (static_cast<std::size_t>(g[i]) != k) continue;
        if (t[i] >= x) at_risk += w[i];
        if (t[i] == x) (e[i] ? d : c) += w[i];
      }
      if (d > 0) {
        s *= 1.0 - d / at_risk;
        gw += d / (at_risk * (at_risk - d));
      }
      bad += one.group[row] != static_cast<std::int32_t>(k) || one.time[row] != x;
      bad += one.at_risk[row] != at_risk || one.observed[row] != d || one.censored[row] != c;
      bad += std::abs(one.survival[row] - s) > 1e-12 || std::abs(one.greenwood[row] - gw) > 1e-12;
      ++row;
    }
  }
  CHECK(bad == 0);
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
