// participant_types() and category_sums() against brute forces over explicit upline
// walks and descendant sets, on random forests of many shapes.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "downline/rollup.hpp"
#include "downline/types.hpp"
#include "forest.hpp"

using namespace downline;
using downline::testing::Forest;
using downline::testing::make_forest;

namespace {

struct Brute {
  std::unordered_map<id_type, id_type> sponsor;
  std::unordered_map<id_type, day_t> enrolled;
  std::unordered_map<id_type, std::set<id_type>> below;  // explicit descendant sets

  explicit Brute(const Forest& f) {
    for (std::size_t r = 0; r < f.ids.size(); ++r) {
      sponsor[f.ids[r]] = f.sponsors[r];
      enrolled[f.ids[r]] = f.enrolled[r];
      below[f.ids[r]];
    }
    for (id_type id : f.ids)
      for (id_type s = sponsor[id]; s != no_sponsor; s = sponsor[s]) below[s].insert(id);
  }
  bool included(id_type id, day_t as_of) const {
    for (id_type x = id; x != no_sponsor; x = sponsor.at(x))
      if (enrolled.at(x) > as_of) return false;
    return true;
  }
};

int calendar_month(day_t d) {
  const CivilDate c = civil_from_days(d);
  return c.year * 12 + static_cast<int>(c.month) - 1;
}

}  // namespace

TEST_CASE("participant types equal a brute force") {
  std::mt19937_64 rng(31);
  for (int n : {1, 5, 40, 300, 1000})
    for (int shape = 0; shape < 5; ++shape) {
      CAPTURE(n);
      CAPTURE(shape);
      const Forest f = make_forest(n, shape, rng);
      const Network net(f.ids, f.sponsors, f.enrolled);
      const Activity act(net, f.o_pid, f.o_day, f.o_pv);
      const Brute b(f);
      TypeOptions opt;
      opt.as_of = static_cast<day_t>(100 + rng() % static_cast<unsigned>(n / 2 + 60));
      opt.lookback_days = 1 + static_cast<int>(rng() % 90);
      opt.subscriber_window = 1 + static_cast<int>(rng() % 4);
      opt.subscriber_months =
          1 + static_cast<int>(rng() % static_cast<unsigned>(opt.subscriber_window));
      opt.leader_downline = 1 + static_cast<index_t>(rng() % 8);
      const std::vector<ParticipantType> got = participant_types(net, act, opt);
      const int last = calendar_month(opt.as_of);
      std::map<id_type, std::set<int>> months;
      std::set<id_type> ordered;
      for (std::size_t j = 0; j < f.o_pid.size(); ++j) {
        if (!(f.o_pv[j] > 0) || f.o_day[j] > opt.as_of) continue;
        if (f.o_day[j] > opt.as_of - opt.lookback_days) ordered.insert(f.o_pid[j]);
        const int m = calendar_month(f.o_day[j]);
        if (m > last - opt.subscriber_window) months[f.o_pid[j]].insert(m);
      }
      int wrong = 0;
      for (std::size_t r = 0; r < f.ids.size(); ++r) {
        const id_type id = f.ids[r];
        ParticipantType want = ParticipantType::inactive;
        long down = 0;
        bool recruited = false;
        for (id_type d : b.below.at(id)) {
          const bool inc = b.included(d, opt.as_of);
          down += inc;
          if (b.sponsor.at(d) == id && inc && b.enrolled.at(d) > opt.as_of - opt.lookback_days)
            recruited = true;
        }
        if (!b.included(id, opt.as_of))
          want = ParticipantType::not_enrolled;
        else if (down >= opt.leader_downline)
          want = ParticipantType::leader;
        else if (recruited)
          want = ParticipantType::builder;
        else if (static_cast<int>(months[id].size()) >= opt.subscriber_months)
          want = ParticipantType::subscriber;
        else if (ordered.count(id))
          want = ParticipantType::consumer;
        wrong += got[static_cast<std::size_t>(net.position_of_row()[r])] != want;
      }
      CHECK(wrong == 0);
    }
}

TEST_CASE("participant types reject missing enrolment and bad thresholds") {
  const Network plain({1, 2}, {no_sponsor, 1});
  const Activity none(plain, std::vector<id_type>{}, std::vector<day_t>{}, std::vector<double>{});
  CHECK_THROWS_AS(participant_types(plain, none, TypeOptions{}), InputError);
  const Network net({1, 2}, {no_sponsor, 1}, {0, 0});
  const Activity act(net, std::vector<id_type>{}, std::vector<day_t>{}, std::vector<double>{});
  TypeOptions opt;
  opt.subscriber_months = 4;  // more than the 3-month window
  CHECK_THROWS_AS(participant_types(net, act, opt), InputError);
}

TEST_CASE("category sums equal explicit descendant sets") {
  std::mt19937_64 rng(5);
  for (int n : {1, 7, 200, 1500})
    for (int shape = 0; shape < 5; ++shape) {
      CAPTURE(n);
      CAPTURE(shape);
      const Forest f = make_forest(n, shape, rng);
      const Network net(f.ids, f.sponsors);
      const Brute b(f);
      const int cats = 1 + static_cast<int>(rng() % 5);
      std::vector<std::int64_t> code(f.ids.size());
      std::vector<double> w(f.ids.size());
      std::unordered_map<id_type, std::size_t> row;
      for (std::size_t r = 0; r < f.ids.size(); ++r) {
        code[r] =
            static_cast<std::int64_t>(rng() % static_cast<unsigned>(cats + 1)) - 1;  // -1: none
        w[r] = static_cast<double>(rng() % 1000) / 8.0;  // exact in binary: sums are exact
        row[f.ids[r]] = r;
      }
      const std::size_t c = static_cast<std::size_t>(cats);
      std::vector<std::int64_t> counts(f.ids.size() * c);
      std::vector<double> sums(f.ids.size() * c);
      category_sums(net, code.data(), nullptr, cats, false, counts.data());
      category_sums(net, code.data(), w.data(), cats, true, sums.data());
      int wrong = 0;
      for (std::size_t r = 0; r < f.ids.size(); ++r) {
        std::vector<std::int64_t> want_count(c, 0);
        std::vector<double> want_sum(c, 0.0);
        if (code[r] >= 0) want_sum[static_cast<std::size_t>(code[r])] += w[r];
        for (id_type d : b.below.at(f.ids[r])) {
          const std::size_t rd = row[d];
          if (code[rd] < 0) continue;
          ++want_count[static_cast<std::size_t>(code[rd])];
          want_sum[static_cast<std::size_t>(code[rd])] += w[rd];
        }
        for (std::size_t j = 0; j < c; ++j) {
          wrong += counts[r * c + j] != want_count[j];
          wrong += sums[r * c + j] != want_sum[j];
        }
      }
      CHECK(wrong == 0);
    }
  const Network net({1, 2}, {no_sponsor, 1});
  const std::int64_t bad[] = {0, 3};
  std::vector<std::int64_t> out(6);
  CHECK_THROWS_WITH_AS(category_sums(net, bad, nullptr, 3, true, out.data()),
                       doctest::Contains("1 category code(s) >= 3 at rows 1"), InputError);
}

TEST_CASE("participant types read the money column when named: refunds are not orders") {
  // 1 sponsors 2 and 3 (enrolled on day 0); as of day 40, lookback 30 days. 2's only row in
  // the window is a refund with positive points; 3 buys.
  const Network net({1, 2, 3}, {no_sponsor, 1, 1}, {0, 0, 0});
  const std::vector<id_type> pid{2, 3};
  const std::vector<day_t> day{35, 36};
  const std::vector<double> pv{5.0, 5.0}, amount{-12.0, 20.0};
  const Activity act(net, pid.data(), day.data(), pv.data(), pid.size(), UnknownPolicy::raise,
                     {{"amount", amount.data()}});
  TypeOptions opt;
  opt.as_of = 40;
  opt.lookback_days = 30;
  auto type_of = [&](id_type id, const std::vector<ParticipantType>& t) {
    return t[static_cast<std::size_t>(net.find(id))];
  };
  const std::vector<ParticipantType> by_pv = participant_types(net, act, opt);
  CHECK(type_of(2, by_pv) == ParticipantType::consumer);  // pv 5 > 0
  opt.order_value = "amount";
  const std::vector<ParticipantType> by_money = participant_types(net, act, opt);
  CHECK(type_of(2, by_money) == ParticipantType::inactive);  // a refund: no order
  CHECK(type_of(3, by_money) == ParticipantType::consumer);
  opt.order_value = "cv";
  CHECK_THROWS_AS(participant_types(net, act, opt), InputError);  // no such value column
}
