// RFM scores: the quantile tie rule, cut points and rule tables against brute force.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "downline/rfm.hpp"

using namespace downline;

namespace {

// score = 1 + floor(5 w / n), w = values strictly worse, counted pair by pair
template <class T>
std::vector<std::int64_t> brute_scores(const std::vector<T>& v, Better better) {
  const std::size_t n = v.size();
  std::vector<std::int64_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t w = 0;
    for (std::size_t j = 0; j < n; ++j) w += better == Better::higher ? v[j] < v[i] : v[j] > v[i];
    out[i] = 1 + static_cast<std::int64_t>(5 * w / n);
  }
  return out;
}

}  // namespace

TEST_CASE("quantile scores follow the tie rule: equal values, equal scores") {
  // a hand-worked case: 10 values; for 7 (higher is better) w = 6 values below -> 1 + 30/10 = 4
  const std::vector<std::int64_t> v{1, 1, 1, 2, 3, 3, 7, 9, 9, 9};
  std::vector<std::int64_t> got(v.size());
  quantile_scores(v.data(), v.size(), Better::higher, got.data());
  CHECK(got == std::vector<std::int64_t>{1, 1, 1, 2, 3, 3, 4, 4, 4, 4});
  quantile_scores(v.data(), v.size(), Better::lower, got.data());  // w = values above
  CHECK(got == std::vector<std::int64_t>{4, 4, 4, 4, 3, 3, 2, 1, 1, 1});

  std::mt19937_64 rng(5);
  for (std::size_t n : {1, 2, 3, 4, 5, 6, 7, 11, 100, 1001}) {
    for (int spread : {1, 3, 50, 1000000}) {
      std::vector<std::int64_t> iv(n);
      std::vector<double> dv(n);
      for (std::size_t i = 0; i < n; ++i) {
        iv[i] = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(spread)) - spread / 2;
        dv[i] = static_cast<double>(iv[i]) / 7.0;
        if (iv[i] == 0 && (i % 2)) dv[i] = -0.0;  // -0.0 equals 0.0
      }
      for (Better b : {Better::higher, Better::lower}) {
        CAPTURE(n);
        CAPTURE(spread);
        std::vector<std::int64_t> gi(n), gd(n);
        quantile_scores(iv.data(), n, b, gi.data());
        quantile_scores(dv.data(), n, b, gd.data());
        CHECK(gi == brute_scores(iv, b));
        CHECK(gd == brute_scores(dv, b));
      }
    }
  }
}

TEST_CASE("cut scores and rule tables") {
  const std::vector<double> v{-1, 2, 2.5, 3, 5, 8, 100};
  std::vector<std::int64_t> got(v.size());
  cut_scores(v.data(), v.size(), {2, 3, 5, 8}, Better::higher,
             got.data());  // 1 below 2, 2 from 2..
  CHECK(got == std::vector<std::int64_t>{1, 2, 2, 3, 4, 5, 5});
  cut_scores(v.data(), v.size(), {2, 3, 5, 8}, Better::lower,
             got.data());  // 5 up to 2, 4 up to 3..
  CHECK(got == std::vector<std::int64_t>{5, 5, 4, 4, 3, 2, 1});
  CHECK_THROWS_AS(cut_scores(v.data(), v.size(), {2, 2, 5, 8}, Better::higher, got.data()),
                  InputError);

  // customers: days, last order day, amount; as of day 100. Two set-ups: a tenth without
  // an order, F by cut points; and everyone with an order (no gathering), R by cut points.
  for (const bool everyone : {false, true}) {
    CAPTURE(everyone);
    std::mt19937_64 rng(everyone ? 10 : 9);
    const std::size_t n = 3000;
    std::vector<std::int32_t> days(n);
    std::vector<day_t> last(n);
    std::vector<double> amount(n);
    for (std::size_t i = 0; i < n; ++i) {
      days[i] = i % 10 == 0 && !everyone ? 0 : static_cast<std::int32_t>(1 + rng() % 6);
      last[i] = days[i] ? static_cast<day_t>(rng() % 101) : min_day;
      amount[i] = static_cast<double>(rng() % 400) / 4.0 - 5.0;
    }
    const std::array<double, 4> f_cuts{2, 3, 4, 5}, r_cuts{7, 30, 60, 90};
    RfmOptions opt;
    if (everyone)
      opt.cuts[0] = r_cuts;  // R by cut points, F and M by quantiles
    else
      opt.cuts[1] = f_cuts;  // F by cut points, R and M by quantiles
    RfmRule champions, frequent, lapsed;
    champions.lo = {5, 4, 1};
    frequent.lo = {1, 4, 1};  // overlaps champions: champions first
    lapsed.hi = {2, 5, 2};
    opt.rules = {champions, frequent, lapsed};
    const RfmScores got_s = rfm_scores(days.data(), last.data(), amount.data(), n, 100, opt);

    std::vector<std::int64_t> rec, freq;
    std::vector<double> money;
    std::vector<std::size_t> who;
    for (std::size_t i = 0; i < n; ++i)
      if (days[i] > 0) {
        who.push_back(i);
        rec.push_back(100 - last[i]);
        freq.push_back(days[i]);
        money.push_back(amount[i]);
      }
    const auto by_cuts = [](double x, const std::array<double, 4>& e, bool higher) {
      std::int64_t k = 0;
      for (double c : e) k += higher ? c <= x : c < x;
      return higher ? 1 + k : 5 - k;
    };
    const auto rq = brute_scores(rec, Better::lower), fq = brute_scores(freq, Better::higher);
    const auto m = brute_scores(money, Better::higher);
    std::size_t bad = 0, k = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (days[i] == 0) {
        bad += got_s.r[i] != 0 || got_s.f[i] != 0 || got_s.m[i] != 0 || got_s.score[i] != -1 ||
               got_s.segment[i] != -1;
        continue;
      }
      const std::int64_t r = everyone ? by_cuts(static_cast<double>(rec[k]), r_cuts, false) : rq[k];
      const std::int64_t f = everyone ? fq[k] : by_cuts(static_cast<double>(freq[k]), f_cuts, true);
      bad += got_s.recency[i] != rec[k];
      bad += got_s.r[i] != r || got_s.f[i] != f || got_s.m[i] != m[k];
      bad += got_s.score[i] != (r - 1) * 25 + (f - 1) * 5 + (m[k] - 1);
      const int seg = r == 5 && f >= 4 ? 0 : f >= 4 ? 1 : r <= 2 && m[k] <= 2 ? 2 : 3;
      bad += got_s.segment[i] != seg;
      ++k;
    }
    CHECK(k == who.size());
    CHECK(bad == 0);
  }
}
