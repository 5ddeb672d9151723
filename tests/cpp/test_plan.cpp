// Compensation plans: every column of evaluate() against a brute-force reference written
// straight from the definitions (explicit ancestor walks), on random forests and random
// plans; published worked examples; malformed plans.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "downline/placement.hpp"
#include "downline/plan.hpp"
#include "downline/threads.hpp"
#include "expect.hpp"
#include "forest.hpp"

using namespace downline;

namespace {
using downline::testing::expect_error;
using downline::testing::Forest;
using downline::testing::make_forest;

// ---------------------------------------------------------------- brute force
// Everything by row (input order), from parent rows: no preorder, no accumulators.
struct Brute {
  std::vector<double> gv, capped_next, pv_gap, gv_gap, legs_gap, af_gap;
  std::vector<int> rank, next;
  std::vector<char> active;
  std::vector<double> unilevel, differential, generation, fast_start, total;
  double earned = 0, paid = 0, factor = 1;
};

std::vector<int> ancestors(const std::vector<int>& parent, int v) {  // sponsor first
  std::vector<int> a;
  for (int u = parent[v]; u >= 0; u = parent[u]) a.push_back(u);
  return a;
}

bool in_subtree(const std::vector<int>& parent, int v, int root) {
  for (int u = v; u >= 0; u = parent[u])
    if (u == root) return true;
  return false;
}

// member[v]: in the network in the period (enrolled by its last day, and the whole upline);
// the others have no volume, rank, gap or bonus.
Brute brute_force(const std::vector<int>& parent, const std::vector<char>& member, std::vector<double> pv,
                  std::vector<double> cv, std::vector<double> fs_cv, double sales, const Plan& plan) {
  const int n = static_cast<int>(parent.size());
  const int R = static_cast<int>(plan.ranks.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Brute b;
  for (int v = 0; v < n; ++v)
    if (!member[v]) {
      pv[v] = cv[v] = 0;
      if (!fs_cv.empty()) fs_cv[v] = 0;
    }
  b.gv = pv;
  for (int v = 0; v < n; ++v)
    for (int u : ancestors(parent, v)) b.gv[u] += pv[v];
  b.active.resize(n);
  for (int v = 0; v < n; ++v) b.active[v] = pv[v] >= plan.active_pv;
  std::vector<std::vector<int>> children(n);
  std::vector<int> depth(n, 0);
  for (int v = 0; v < n; ++v) {
    if (parent[v] >= 0) children[parent[v]].push_back(v);
    depth[v] = static_cast<int>(ancestors(parent, v).size());
  }
  // ranks, deepest first
  std::vector<int> order(n);
  for (int v = 0; v < n; ++v) order[v] = v;
  std::stable_sort(order.begin(), order.end(), [&](int a, int c) { return depth[a] > depth[c]; });
  b.rank.assign(n, -1);
  b.next.assign(n, -1);
  b.capped_next.assign(n, nan);
  b.pv_gap.assign(n, nan);
  b.gv_gap.assign(n, nan);
  b.legs_gap.assign(n, nan);
  b.af_gap.assign(n, nan);
  auto capped = [&](int u, int r) {
    const RankRule& q = plan.ranks[r];
    double s = pv[u];
    for (int c : children[u])
      s += (q.gv && q.max_leg_share) ? std::min(b.gv[c], *q.max_leg_share * *q.gv) : b.gv[c];
    return s;
  };
  auto ql = [&](int u, int R_) {
    int count = 0;
    for (int c : children[u]) {
      bool found = false;
      for (int v = 0; v < n && !found; ++v)
        if (in_subtree(parent, v, c) && b.rank[v] >= R_) found = true;
      count += found;
    }
    return count;
  };
  auto af = [&](int u) {
    int count = 0;
    for (int c : children[u]) count += b.active[c];
    return count;
  };
  for (int u : order) {
    if (!member[u]) continue;
    for (int r = R - 1; r >= 0; --r) {
      const RankRule& q = plan.ranks[r];
      bool ok = true;
      if (q.pv && !(pv[u] >= *q.pv)) ok = false;
      if (q.gv && !(capped(u, r) >= *q.gv)) ok = false;
      if (q.active_frontline && af(u) < *q.active_frontline) ok = false;
      for (const LegRequirement& e : q.legs)
        if (ql(u, e.rank) < e.count) ok = false;
      if (ok) {
        b.rank[u] = r;
        break;
      }
    }
    const int nx = b.rank[u] + 1 < R ? b.rank[u] + 1 : -1;
    b.next[u] = nx;
    if (nx >= 0) {
      const RankRule& q = plan.ranks[nx];
      b.capped_next[u] = capped(u, nx);
      b.pv_gap[u] = q.pv ? std::max(0.0, *q.pv - pv[u]) : 0.0;
      b.gv_gap[u] = q.gv ? std::max(0.0, *q.gv - capped(u, nx)) : 0.0;
      double lg = 0;
      for (const LegRequirement& e : q.legs) lg += std::max(0, e.count - ql(u, e.rank));
      b.legs_gap[u] = lg;
      b.af_gap[u] = q.active_frontline ? std::max(0, *q.active_frontline - af(u)) : 0.0;
    }
  }
  b.unilevel.assign(n, 0.0);
  b.differential.assign(n, 0.0);
  b.generation.assign(n, 0.0);
  b.fast_start.assign(n, 0.0);
  b.total.assign(n, 0.0);
  for (int v = 0; v < n; ++v) {
    const std::vector<int> up = ancestors(parent, v);
    // unilevel: walk up from v, counting the (compressed) level
    if (plan.unilevel) {
      const UnilevelBonus& ub = *plan.unilevel;
      int between_active = 0;
      for (std::size_t i = 0; i < up.size(); ++i) {
        const int u = up[i];
        const int level = ub.compression ? 1 + between_active : static_cast<int>(i) + 1;
        int paid_levels = static_cast<int>(ub.rates.size());
        if (ub.levels_by_rank)  // a rank not named, or no rank: 0 levels
          paid_levels = b.rank[u] < 0 || !(*ub.levels_by_rank)[b.rank[u]] ? 0 : *(*ub.levels_by_rank)[b.rank[u]];
        paid_levels = std::min<int>(paid_levels, static_cast<int>(ub.rates.size()));
        if (b.active[u] && level <= paid_levels) b.unilevel[u] += ub.rates[level - 1] * cv[v];
        between_active += b.active[u];
      }
    }
    if (plan.differential) {
      auto d = [&](int w) {
        const auto& rr = plan.differential->rate_by_rank;
        return b.active[w] && b.rank[w] >= 0 && rr[b.rank[w]] ? *rr[b.rank[w]] : 0.0;
      };
      double path_max = 0;  // over v .. u excluded
      std::vector<int> chain{v};
      chain.insert(chain.end(), up.begin(), up.end());
      for (int u : chain) {
        if (b.active[u]) b.differential[u] += cv[v] * std::max(0.0, d(u) - path_max);
        path_max = std::max(path_max, d(u));
      }
    }
    if (plan.generation) {
      const GenerationBonus& g = *plan.generation;
      auto leader = [&](int w) { return b.active[w] && b.rank[w] >= g.rank; };
      int gen = leader(v);  // leaders from u excluded down to v included
      for (int u : up) {
        if (leader(u) && gen >= 1 && gen <= static_cast<int>(g.rates.size())) b.generation[u] += g.rates[gen - 1] * cv[v];
        gen += leader(u);
      }
    }
    if (plan.fast_start && !fs_cv.empty()) {
      const auto& rates = plan.fast_start->rates;
      for (std::size_t k = 0; k < up.size() && k < rates.size(); ++k)
        if (b.active[up[k]]) b.fast_start[up[k]] += rates[k] * fs_cv[v];
    }
  }
  for (int u = 0; u < n; ++u) b.earned += b.unilevel[u] + b.differential[u] + b.generation[u] + b.fast_start[u];
  if (plan.cap && b.earned > plan.cap->share_of_sales * sales)
    b.factor = plan.cap->share_of_sales * sales > 0 ? plan.cap->share_of_sales * sales / b.earned : 0.0;
  for (int u = 0; u < n; ++u) {
    for (auto* a : {&b.unilevel, &b.differential, &b.generation, &b.fast_start}) (*a)[u] *= b.factor;
    b.total[u] = b.unilevel[u] + b.differential[u] + b.generation[u] + b.fast_start[u];
    b.paid += b.total[u];
  }
  return b;
}

bool close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= 1e-9 * std::max({1.0, std::abs(a), std::abs(b)});
}

// A random plan with every requirement kind sometimes present.
Plan random_plan(std::mt19937_64& rng) {
  auto coin = [&](int p) { return static_cast<int>(rng() % 100) < p; };
  auto uni = [&](double lo, double hi) { return lo + (hi - lo) * static_cast<double>(rng() % 10001) / 10000.0; };
  Plan p;
  p.active_pv = uni(1, 60);
  const int R = static_cast<int>(rng() % 6);
  for (int r = 0; r < R; ++r) {
    RankRule q;
    q.name = "R" + std::to_string(r);
    if (coin(70)) q.pv = uni(0, 80);
    if (coin(70)) q.gv = uni(0, 400) * (r + 1);
    if (q.gv && coin(60)) q.max_leg_share = uni(0.2, 1.0);
    if (coin(40)) q.active_frontline = static_cast<int>(rng() % 3);
    if (r > 0 && coin(50)) q.legs.push_back({1 + static_cast<int>(rng() % 3), static_cast<int>(rng() % r)});
    if (r > 1 && coin(30)) q.legs.push_back({1 + static_cast<int>(rng() % 2), static_cast<int>(rng() % R)});
    p.ranks.push_back(q);
  }
  if (coin(80)) {
    UnilevelBonus u;
    for (int k = 0, K = 1 + static_cast<int>(rng() % 6); k < K; ++k) u.rates.push_back(uni(0, 0.1));
    u.compression = coin(50);
    if (coin(50)) {  // (with no ranks: present and empty, nobody is paid)
      u.levels_by_rank.emplace(R);
      for (int r = 0; r < R; ++r)
        if (coin(80)) (*u.levels_by_rank)[r] = static_cast<int>(rng() % 8);
    }
    p.unilevel = u;
  }
  if (R > 0 && coin(70)) {
    DifferentialBonus d;
    d.rate_by_rank.resize(R);
    for (int r = 0; r < R; ++r)
      if (coin(80)) d.rate_by_rank[r] = coin(20) ? 0.05 : uni(0, 0.2);  // ties and non-monotone rates
    p.differential = d;
  }
  if (R > 0 && coin(60)) {
    GenerationBonus g;
    g.rank = static_cast<int>(rng() % R);
    for (int k = 0, K = 1 + static_cast<int>(rng() % 4); k < K; ++k) g.rates.push_back(uni(0, 0.05));
    p.generation = g;
  }
  if (coin(60)) {
    FastStartBonus f;
    f.days = 1 + static_cast<int>(rng() % 90);
    for (int k = 0, K = 1 + static_cast<int>(rng() % 3); k < K; ++k) f.rates.push_back(uni(0, 0.2));
    p.fast_start = f;
  }
  if (coin(60)) p.cap = PayoutCap{uni(0, 0.05)};
  return p;
}

Network with_enrolment(const Forest& f) {
  NetworkInput in;
  in.ids = f.ids.data();
  in.sponsors = f.sponsors.data();
  in.n = f.ids.size();
  in.enrolled_on = f.enrolled.data();
  return Network(in);
}

struct ThreadsReset {
  ~ThreadsReset() { set_num_threads(0); }
};

}  // namespace

TEST_CASE("evaluate equals the brute-force reference on random forests and plans") {
  ThreadsReset reset;
  std::mt19937_64 rng(24);
  int cases = 0, capped = 0, ranked = 0, outside = 0;
  for (int trial = 0; trial < 120; ++trial) {
    const int n = trial < 100 ? 1 + static_cast<int>(rng() % 60) : 200 + static_cast<int>(rng() % 600);
    const int shape = static_cast<int>(rng() % 5);
    Forest f = make_forest(n, shape, rng);
    const Network net = with_enrolment(f);
    Plan plan = random_plan(rng);
    plan.validate();
    // row-order parents and the period's volumes
    std::vector<int> parent(n, -1);
    for (int r = 0; r < n; ++r)
      if (f.sponsors[r] != no_sponsor)
        parent[r] = static_cast<int>(std::find(f.ids.begin(), f.ids.end(), f.sponsors[r]) - f.ids.begin());
    const day_t start = 100 + static_cast<day_t>(rng() % 30), end = start + 30 + static_cast<day_t>(rng() % 60);
    std::vector<double> cvs(f.o_pv.size());
    for (std::size_t j = 0; j < cvs.size(); ++j) cvs[j] = rng() % 4 == 0 ? f.o_pv[j] * 0.5 : f.o_pv[j];
    std::vector<double> amounts(f.o_pv.size());
    for (std::size_t j = 0; j < amounts.size(); ++j) amounts[j] = f.o_pv[j] * 2 + 1;
    std::vector<double> pv(n, 0.0), cv(n, 0.0), fs(n, 0.0);
    double sales = 0;
    for (std::size_t j = 0; j < f.o_pid.size(); ++j) {
      if (f.o_day[j] < start || f.o_day[j] >= end) continue;
      const int r = static_cast<int>(std::find(f.ids.begin(), f.ids.end(), f.o_pid[j]) - f.ids.begin());
      pv[r] += f.o_pv[j];
      cv[r] += cvs[j];
      sales += amounts[j];
      if (plan.fast_start && f.o_day[j] >= f.enrolled[r] && f.o_day[j] < f.enrolled[r] + plan.fast_start->days)
        fs[r] += cvs[j];
    }
    std::vector<char> member(n);
    for (int r = 0; r < n; ++r) {
      member[r] = 1;
      for (int u = r; u >= 0; u = parent[u])
        if (f.enrolled[u] > end - 1) member[r] = 0;
    }
    const Brute ref = brute_force(parent, member, pv, cv, plan.fast_start ? fs : std::vector<double>{}, sales, plan);
    // CV and the amounts mapped with the orders, as value columns
    const Activity act(net, f.o_pid.data(), f.o_day.data(), f.o_pv.data(), f.o_pid.size(), UnknownPolicy::raise,
                       {{"cv", cvs.data()}, {"amount", amounts.data()}});
    PlanEvaluation first;
    for (int threads : {1, 2, 3}) {
      set_num_threads(threads);
      const PeriodData data = period_data(net, plan, {act, "cv", "amount"}, start, end);
      const PlanEvaluation ev = evaluate(net, plan, data.volumes());
      CHECK(close(ev.totals.sales, sales));
      CHECK(close(ev.totals.earned, ref.earned));
      CHECK(close(ev.totals.paid, ref.paid));
      CHECK(close(ev.totals.cap_factor, ref.factor));
      const index_t* pos = net.position_of_row().data();
      for (int r = 0; r < n; ++r) {
        const index_t k = pos[r];
        INFO("trial " << trial << " row " << r << " n " << n << " shape " << shape);
        CHECK(static_cast<bool>(ev.member[k]) == static_cast<bool>(member[r]));
        CHECK(close(ev.gv[k], ref.gv[r]));
        CHECK(static_cast<bool>(ev.active[k]) == static_cast<bool>(ref.active[r]));
        CHECK(ev.rank[k] == ref.rank[r]);
        CHECK(ev.next_rank[k] == ref.next[r]);
        CHECK(close(ev.capped_gv[k], ref.capped_next[r]));
        CHECK(close(ev.pv_gap[k], ref.pv_gap[r]));
        CHECK(close(ev.gv_gap[k], ref.gv_gap[r]));
        CHECK(close(ev.legs_gap[k], ref.legs_gap[r]));
        CHECK(close(ev.active_frontline_gap[k], ref.af_gap[r]));
        CHECK(close(ev.unilevel[k], ref.unilevel[r]));
        CHECK(close(ev.differential[k], ref.differential[r]));
        CHECK(close(ev.generation[k], ref.generation[r]));
        CHECK(close(ev.fast_start[k], ref.fast_start[r]));
        CHECK(close(ev.total[k], ref.total[r]));
      }
      if (threads == 1) {
        first = ev;
      } else {  // the same bits on any thread count
        CHECK(ev.total == first.total);
        CHECK(ev.rank == first.rank);
      }
      ranked += std::count_if(ev.rank.begin(), ev.rank.end(), [](int x) { return x >= 0; }) > 0;
    }
    capped += ref.factor < 1;
    outside += std::count(member.begin(), member.end(), 0) > 0;
    ++cases;
  }
  CHECK(cases == 120);
  CHECK(outside > 20);  // participants enrolled after the period are left out in many cases
  CHECK(capped > 5);   // the cap binds in some cases ...
  CHECK(ranked > 100);  // ... and ranks are held in most
}

TEST_CASE("a million-level chain evaluates without recursion") {
  const int n = 1000000;
  std::vector<id_type> ids(n), sponsors(n);
  for (int i = 0; i < n; ++i) {
    ids[i] = i;
    sponsors[i] = i == 0 ? no_sponsor : i - 1;
  }
  const Network net(ids, sponsors);
  Plan plan = Plan::parse(R"({"active_pv": 1, "ranks": [{"name": "A", "gv": 10}],
    "unilevel": {"rates": [0.1, 0.1], "compression": true},
    "differential": {"rate_by_rank": {"A": 0.1}}, "generation": {"rank": "A", "rates": [0.01]}})");
  std::vector<double> pv(n, 1.0);
  const PlanEvaluation ev = evaluate(net, plan, PeriodVolumes{pv.data()});
  // everyone active, ranked A from 10 participants up; unilevel: two levels below
  CHECK(ev.gv[0] == n);
  CHECK(ev.rank[n - 10] == 0);
  CHECK(ev.rank[n - 9] == -1);
  CHECK(ev.unilevel[0] == doctest::Approx(0.2));
  CHECK(ev.differential[0] == doctest::Approx(0.1));  // own volume only: everyone below is at 10 % too
}

// ---------------------------------------------------------------- worked examples

namespace {
// A star: root 0 and recruits 1..m, with the given PV and CV per participant.
struct Star {
  Network net;
  explicit Star(int m) {
    std::vector<id_type> ids, sponsors;
    for (int i = 0; i <= m; ++i) {
      ids.push_back(i);
      sponsors.push_back(i == 0 ? no_sponsor : 0);
    }
    net = Network(ids, sponsors);
  }
  std::vector<double> pre(const std::vector<double>& by_id) const {
    std::vector<double> out(by_id.size());
    for (std::size_t i = 0; i < by_id.size(); ++i) out[net.at(static_cast<id_type>(i))] = by_id[i];
    return out;
  }
  double at(const Array<double>& a, int id) const { return a[net.at(id_type{id})]; }
};
}  // namespace

TEST_CASE("stairstep differential: Amway's brochure example") {
  // Amway Sales and Marketing Plan brochure: a participant at 21 % with own volume 60,000
  // and frontline groups of 120,000 (12 %), 120,000 (12 %), 60,000 (9 %) and 240,000
  // (15 %) earns 126,000 - 14,400 - 14,400 - 5,400 - 36,000 = 55,800.
  const Star s(4);
  const Plan plan = Plan::parse(R"({"active_pv": 1, "ranks": [
      {"name": "9%", "gv": 60000}, {"name": "12%", "gv": 120000},
      {"name": "15%", "gv": 240000}, {"name": "21%", "gv": 600000}],
    "differential": {"rate_by_rank": {"9%": 0.09, "12%": 0.12, "15%": 0.15, "21%": 0.21}}})");
  const std::vector<double> pv = s.pre({60000, 120000, 120000, 60000, 240000});
  const PlanEvaluation ev = evaluate(s.net, plan, PeriodVolumes{pv.data()});
  CHECK(s.at(ev.differential, 0) == doctest::Approx(55800));
  CHECK(s.at(ev.differential, 1) == doctest::Approx(14400));
  CHECK(s.at(ev.differential, 2) == doctest::Approx(14400));
  CHECK(s.at(ev.differential, 3) == doctest::Approx(5400));
  CHECK(s.at(ev.differential, 4) == doctest::Approx(36000));
}

TEST_CASE("differential of 15 % over a 12 % team of 1,000 pays 30") {
  const Star s(1);
  const Plan plan = Plan::parse(R"({"active_pv": 1, "ranks": [
      {"name": "Team", "pv": 1000}, {"name": "Leader", "gv": 1100}],
    "differential": {"rate_by_rank": {"Team": 0.12, "Leader": 0.15}}})");
  const std::vector<double> pv = s.pre({100, 1000}), cv = s.pre({0, 1000});  // the leader's own CV: none
  const PlanEvaluation ev = evaluate(s.net, plan, PeriodVolumes{pv.data(), cv.data()});
  CHECK(s.at(ev.differential, 0) == doctest::Approx(30));
  CHECK(s.at(ev.differential, 1) == doctest::Approx(120));
}

TEST_CASE("fast start of 20 % on first-60-day orders of 132, 78 and 147") {
  // Orders inside the recruits' first 60 days pay their sponsor 26.40, 15.60 and 29.40.
  std::vector<id_type> ids{0, 1, 2, 3}, sponsors{no_sponsor, 0, 0, 0};
  std::vector<day_t> enrolled{0, 10, 20, 30};
  NetworkInput in;
  in.ids = ids.data();
  in.sponsors = sponsors.data();
  in.n = 4;
  in.enrolled_on = enrolled.data();
  const Network net(in);
  const Plan plan = Plan::parse(R"({"active_pv": 50, "fast_start": {"days": 60, "rates": [0.20]}})");
  // the sponsor's own order (active); each recruit's order on day 69 (inside 60 days for
  // all three: 59, 49, 39 days after enrolment) and one on day 95 (outside for 1 and 2)
  std::vector<id_type> who{0, 1, 2, 3, 1, 2};
  std::vector<day_t> day{69, 69, 69, 69, 95, 95};
  std::vector<double> vol{50, 132, 78, 147, 500, 500};
  const Activity act(net, who, day, vol);
  const PeriodData d = period_data(net, plan, act, 60, 120);
  const PlanEvaluation ev = evaluate(net, plan, d.volumes());
  CHECK(ev.fast_start[net.at(id_type{0})] == doctest::Approx(71.40));
  CHECK(d.fast_start_cv[net.at(id_type{1})] == doctest::Approx(132));
  CHECK(d.fast_start_cv[net.at(id_type{2})] == doctest::Approx(78));
  CHECK(d.fast_start_cv[net.at(id_type{3})] == doctest::Approx(147));
}

TEST_CASE("a leg cap of 80 % on 20,000 counts a 19,000 leg as 16,000") {
  const Star s(1);
  const Plan plan = Plan::parse(R"({"active_pv": 1, "ranks": [{"name": "Director", "gv": 20000, "max_leg_share": 0.8}]})");
  const std::vector<double> pv = s.pre({0, 19000});
  const PlanEvaluation ev = evaluate(s.net, plan, PeriodVolumes{pv.data()});
  CHECK(ev.rank[s.net.at(id_type{0})] == -1);
  CHECK(s.at(ev.capped_gv, 0) == doctest::Approx(16000));
  CHECK(s.at(ev.gv_gap, 0) == doctest::Approx(4000));
}

TEST_CASE("a payout cap of 900 over earnings of 900 and 450 pays 600 and 300") {
  // two sponsors (0 and 2), each with one recruit; unilevel 10 % of the first level
  std::vector<id_type> ids{0, 1, 2, 3}, sponsors{no_sponsor, 0, no_sponsor, 2};
  const Network net(ids, sponsors);
  const Plan plan = Plan::parse(R"({"active_pv": 1, "unilevel": {"rates": [0.1]}, "cap": {"share_of_sales": 0.1}})");
  std::vector<double> pv(4);
  pv[net.at(id_type{0})] = 1;
  pv[net.at(id_type{1})] = 9000;
  pv[net.at(id_type{2})] = 1;
  pv[net.at(id_type{3})] = 4500;
  const PlanEvaluation ev = evaluate(net, plan, PeriodVolumes{pv.data(), nullptr, nullptr, 9000});
  CHECK(ev.totals.earned == doctest::Approx(900 + 450 + 0.1 * 0));
  CHECK(ev.total[net.at(id_type{0})] == doctest::Approx(600));
  CHECK(ev.total[net.at(id_type{2})] == doctest::Approx(300));
  CHECK(ev.totals.cap_factor == doctest::Approx(900.0 / 1350.0));
  CHECK(ev.totals.payout_ratio == doctest::Approx(0.1));
}

TEST_CASE("malformed plans name the field and value") {
  const auto bad = [](const std::string& text, const std::vector<std::string>& needles) {
    expect_error([&] { Plan::parse(text); }, ErrorKind::bad_value, needles);
  };
  bad(R"({"ranks": []})", {"active_pv", "missing"});
  bad(R"({"active_pv": 0})", {"active_pv", "= 0", "> 0"});
  bad(R"({"active_pv": -5})", {"active_pv", "-5"});
  bad(R"({"active_pv": 50, "bonus": 1})", {"bonus", "not a field"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A", "gvv": 1}]})", {"ranks[0].gvv", "not a field"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A"}, {"name": "A"}]})", {"ranks[1].name", "\"A\"", "unique"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A", "max_leg_share": 1.5, "gv": 10}]})",
      {"ranks[0].max_leg_share", "1.5", "(0, 1]"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A", "max_leg_share": 0}]})", {"ranks[0].max_leg_share", "= 0"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A", "legs": [{"count": 2, "rank": "B"}]}]})",
      {"ranks[0].legs[0].rank", "\"B\"", "not a rank"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A"}], "unilevel": {"rates": [0.1], "levels_by_rank": {"Z": 1}}})",
      {"unilevel.levels_by_rank.Z", "not a rank"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A"}], "differential": {"rate_by_rank": {"Q": 0.1}}})",
      {"differential.rate_by_rank.Q", "not a rank"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A"}], "generation": {"rank": "Gold", "rates": [0.1]}})",
      {"generation.rank", "\"Gold\"", "not a rank"});
  bad(R"({"active_pv": 50, "unilevel": {"rates": [0.1, -0.2]}})", {"unilevel.rates[1]", "-0.2", ">= 0"});
  bad(R"({"active_pv": 50, "unilevel": {"rates": []}})", {"unilevel.rates", "empty"});
  bad(R"({"active_pv": 50, "fast_start": {"days": 60, "rates": []}})", {"fast_start.rates", "empty"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A"}], "generation": {"rank": "A", "rates": []}})",
      {"generation.rates", "empty"});
  bad(R"({"active_pv": 50, "cap": {"share_of_sales": -1}})", {"cap.share_of_sales", "-1"});
  bad(R"({"active_pv": "fifty"})", {"active_pv", "\"fifty\"", "number"});
  bad(R"({"active_pv": 50, "active_pv": 200})", {"\"active_pv\"", "twice"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A", "pv": 10, "pv": 1000}]})", {"\"pv\"", "twice"});
  bad(R"({"active_pv": 50, "ranks": [{"name": "A", "max_leg_share": 0.5}]})",
      {"ranks[0].max_leg_share", "needs a gv"});
  expect_error([] { Plan::parse("{not json"); }, ErrorKind::parse, {"plan", "not a JSON document"});
  // built in code: non-finite rates
  Plan p;
  p.active_pv = 10;
  p.unilevel = UnilevelBonus{{0.1, std::nan("")}, false, {}};
  expect_error([&] { p.validate(); }, ErrorKind::bad_value, {"unilevel.rates[1]", "nan"});
  p.unilevel->rates[1] = std::numeric_limits<double>::infinity();
  expect_error([&] { p.validate(); }, ErrorKind::bad_value, {"unilevel.rates[1]", "inf"});
  // more ranks than the 8-bit rank codes hold
  Plan many;
  many.active_pv = 10;
  for (int r = 0; r < 101; ++r) many.ranks.push_back(RankRule{"R" + std::to_string(r), {}, {}, {}, {}, {}});
  expect_error([&] { many.validate(); }, ErrorKind::bad_value, {"ranks", "101 ranks", "at most 100"});
  many.ranks.pop_back();
  many.validate();  // 100 ranks: fine
}

TEST_CASE("degenerate plans evaluate; to_json round-trips") {
  const Star s(3);
  const std::vector<double> pv = s.pre({10, 20, 0, 5});
  for (const char* text : {R"({"active_pv": 1})", R"({"active_pv": 1, "ranks": [{"name": "Only"}]})",
                           R"({"active_pv": 1, "ranks": []})",
                           // levels by rank given, but no rank: no one is paid a level
                           R"({"active_pv": 1, "unilevel": {"rates": [0.5], "levels_by_rank": {}}})"}) {
    const Plan p = Plan::parse(text);
    const PlanEvaluation ev = evaluate(s.net, p, PeriodVolumes{pv.data()});
    CHECK(ev.totals.paid == 0);
    CHECK(s.at(ev.gv, 0) == 35);
    CHECK(Plan::from_json(p.to_json()).to_json() == p.to_json());
    if (p.unilevel) CHECK(p.to_json()["unilevel"].contains("levels_by_rank"));
  }
  // without levels by rank, every active participant is paid every level
  const Plan all = Plan::parse(R"({"active_pv": 1, "unilevel": {"rates": [0.5]}})");
  CHECK(evaluate(s.net, all, PeriodVolumes{pv.data()}).totals.paid == 0.5 * (20 + 0 + 5));
  const Plan example = Plan::parse(R"({"name": "Example", "active_pv": 50,
 "ranks": [
   {"name": "Associate", "pv": 50},
   {"name": "Bronze",  "pv": 50,  "gv": 500, "active_frontline": 2},
   {"name": "Silver",  "pv": 100, "gv": 2000,  "max_leg_share": 0.6, "legs": [{"count": 2, "rank": "Bronze"}]},
   {"name": "Gold",    "pv": 100, "gv": 8000,  "max_leg_share": 0.5, "legs": [{"count": 3, "rank": "Silver"}]},
   {"name": "Diamond", "pv": 100, "gv": 30000, "max_leg_share": 0.4,
    "legs": [{"count": 3, "rank": "Gold"}, {"count": 5, "rank": "Bronze"}]}],
 "unilevel": {"rates": [0.05, 0.05, 0.04, 0.03, 0.02, 0.01], "compression": true,
              "levels_by_rank": {"Associate": 1, "Bronze": 2, "Silver": 4, "Gold": 5, "Diamond": 6}},
 "differential": {"rate_by_rank": {"Bronze": 0.03, "Silver": 0.06, "Gold": 0.09, "Diamond": 0.12}},
 "generation": {"rank": "Gold", "rates": [0.03, 0.02, 0.01]},
 "fast_start": {"days": 60, "rates": [0.20, 0.10, 0.05]},
 "cap": {"share_of_sales": 0.45}})");
  CHECK(example.ranks.size() == 5);
  CHECK(example.ranks[4].legs[1].rank == 1);
  CHECK(Plan::from_json(example.to_json()).to_json() == example.to_json());
  CHECK(example.to_json()["unilevel"]["levels_by_rank"]["Gold"] == 5);
}

TEST_CASE("a run's table has the same bits on 1, 2 and 3 threads (members put in row order on every thread)") {
  ThreadsReset reset;
  std::mt19937_64 rng(31);
  Forest f = make_forest(150000, 4, rng);  // more members than one thread's share of rows
  const Network net = with_enrolment(f);
  const Plan plan = random_plan(rng);
  const Activity act(net, f.o_pid, f.o_day, f.o_pv);
  const std::vector<day_t> bounds{60000, 67000, 75200};  // (enrolments and orders span days 100 to ~75,000)
  set_num_threads(1);
  const PlanRunTable one = run_table(net, plan, act, bounds);
  REQUIRE(one.offsets[1] > (std::size_t{1} << 16));
  const auto same_bytes = [](const auto& a, const auto& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0);
  };
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    PlanRunTable t = run_table(net, plan, act, bounds);
    CHECK(same_bytes(t.rows, one.rows));
    t.columns.for_each_column([&](const auto& c, const auto& field) {
      INFO("column " << c.name << " threads " << threads);
      using Field = std::remove_reference_t<decltype(field)>;
      CHECK(same_bytes(field, one.columns.*static_cast<Field PlanEvaluation::*>(c.field)));
    });
    CHECK(t.totals[1].paid == one.totals[1].paid);
  }
}

TEST_CASE("a run equals one evaluation per period, its titles are running maxima; a plan compared with itself") {
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 20; ++trial) {
    Forest f = make_forest(1 + static_cast<int>(rng() % 200), static_cast<int>(rng() % 5), rng);
    const Network net = with_enrolment(f);
    const Plan plan = random_plan(rng);
    const Activity act(net, f.o_pid, f.o_day, f.o_pv);
    std::vector<day_t> bounds;
    for (int m = 0; m <= 12; ++m) bounds.push_back(static_cast<day_t>(100 + 10 * m));
    const PlanRun r = run(net, plan, act, bounds);
    REQUIRE(r.periods.size() == 12);
    const PlanRunTable table = run_table(net, plan, act, bounds);
    REQUIRE(table.offsets.size() == 13);
    // a table of some columns: the same figures in those, the others not kept, the same totals
    const PlanRunTable some = run_table(net, plan, act, bounds, {"gv", "title", "total"});
    CHECK(some.columns.gv == table.columns.gv);
    CHECK(some.columns.title == table.columns.title);
    CHECK(some.columns.total == table.columns.total);
    CHECK(some.columns.rank == table.columns.rank);  // always kept
    CHECK(some.columns.pv.empty());
    CHECK(some.columns.unilevel.empty());
    CHECK(some.columns.next_rank.empty());
    CHECK(some.columns.active.empty());
    CHECK(some.rows == table.rows);
    for (std::size_t i = 0; i < 12; ++i) CHECK(some.totals[i].paid == table.totals[i].paid);
    std::vector<int> best(f.ids.size(), -1);
    for (std::size_t i = 0; i < 12; ++i) {
      const PeriodData d = period_data(net, plan, act, bounds[i], bounds[i + 1]);
      const PlanEvaluation one = evaluate(net, plan, d.volumes());
      CHECK(one.total == r.periods[i].total);
      CHECK(one.rank == r.periods[i].rank);
      CHECK(one.totals.paid == r.periods[i].totals.paid);
      for (std::size_t k = 0; k < best.size(); ++k) {
        best[k] = std::max(best[k], static_cast<int>(one.rank[k]));
        CHECK(r.periods[i].title[k] == best[k]);
      }
      // the members in input row order: evaluate_members() and the run's table hold the
      // preorder evaluation's figures, bit for bit
      const PlanEvaluation mem = evaluate_members(net, plan, d.volumes());
      std::vector<index_t> rows;
      for (index_t row = 0; row < net.size(); ++row)
        if (one.member[net.position_of_row()[row]]) rows.push_back(row);
      REQUIRE(std::vector<index_t>(mem.rows.begin(), mem.rows.end()) == rows);
      REQUIRE(table.offsets[i + 1] - table.offsets[i] == rows.size());
      const auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
      CHECK(same(mem.totals.paid, one.totals.paid));
      CHECK(same(table.totals[i].paid, one.totals.paid));
      CHECK(table.rank_counts[i] == one.rank_counts);
      for (std::size_t e = 0; e < rows.size(); ++e) {
        const index_t k = net.position_of_row()[rows[e]];
        const std::size_t t = table.offsets[i] + e;
        CHECK(table.rows[t] == rows[e]);
        for (const auto& column : PlanEvaluation::real_columns) {
          const auto col = column.field;
          if (col == &PlanEvaluation::capped_gv) continue;  // not kept in a run's table
          if ((one.*col).empty()) {  // the binary bonus's columns, for a plan without one
            CHECK(PlanEvaluation::is_binary_column(column.name));
            CHECK((mem.*col).empty());
            CHECK((table.columns.*col).empty());
            continue;
          }
          CHECK(same((mem.*col)[e], (one.*col)[k]));
          CHECK(same((table.columns.*col)[t], (one.*col)[k]));
        }
        CHECK(same(mem.capped_gv[e], one.capped_gv[k]));
        CHECK(mem.active[e] == one.active[k]);
        CHECK(table.columns.active[t] == one.active[k]);
        for (auto col : {&PlanEvaluation::rank, &PlanEvaluation::next_rank}) {
          CHECK((mem.*col)[e] == (one.*col)[k]);
          CHECK((table.columns.*col)[t] == (one.*col)[k]);
        }
        CHECK(table.columns.title[t] == best[static_cast<std::size_t>(k)]);
      }
      const PlanComparison c = compare(net, plan, plan, d.volumes());
      CHECK(c.gain == 0);
      CHECK(c.lose == 0);
      CHECK(c.equal == std::count(one.member.begin(), one.member.end(), 1));
    }
  }
  const Network net(std::vector<id_type>{1}, std::vector<id_type>{no_sponsor});
  const Activity none(net, std::vector<id_type>{}, std::vector<day_t>{}, std::vector<double>{});
  expect_error([&] { run(net, Plan::parse(R"({"active_pv": 1})"), none, {5, 5}); },
               ErrorKind::bad_value, {"bounds must increase"});
  expect_error([&] { run_table(net, Plan::parse(R"({"active_pv": 1})"), none, {5, 6}, {"gv", "rnak"}); },
               ErrorKind::bad_value, {"columns", "\"rnak\" is not a column"});
}

TEST_CASE("binary: the published example, two months on a placement tree with carries") {
  // left legs of 100,000 + 10,000 + 50,000, right legs of 10,000 + 90,000, at 8 %: 8,000
  // paid, 60,000 carried on the left; a second month adding 100,000 on the right pays
  // 4,800 and carries 40,000 on the right
  const std::vector<id_type> ids{1, 2, 3, 4, 5, 6}, sponsors{0, 1, 1, 1, 1, 1}, parents{0, 1, 1, 2, 2, 3};
  const std::vector<std::uint8_t> has{0, 1, 1, 1, 1, 1}, side{0, 'L', 'R', 'L', 'R', 'L'};
  const Network net(testing::tree_input(ids, sponsors, has));
  PlacementInput in;
  in.tree = testing::tree_input(ids, parents, has);
  in.side = side.data();
  const Placement placement(in);
  const Plan plan = Plan::parse(R"({"active_pv": 50, "binary": {"rate": 0.08}})");
  const std::vector<id_type> who{1, 2, 4, 5, 3, 6, 1, 6};
  const std::vector<day_t> day{9, 9, 9, 9, 9, 9, 40, 40};
  const std::vector<double> vol{100, 100000, 10000, 50000, 10000, 90000, 100, 100000};
  const Activity act(net, who, day, vol);
  const PlanRun r = run(net, plan, act, {0, 31, 59}, BinaryPlacement{&placement.tree(), &placement.sides()});
  const index_t u = net.at(id_type{1});
  CHECK(r.periods[0].binary[u] == doctest::Approx(8000));
  CHECK(r.periods[0].carry_left[u] == doctest::Approx(60000));
  CHECK(r.periods[0].carry_right[u] == 0);
  CHECK(r.periods[1].binary[u] == doctest::Approx(4800));
  CHECK(r.periods[1].carry_left[u] == 0);
  CHECK(r.periods[1].carry_right[u] == doctest::Approx(40000));
  CHECK(r.periods[1].totals.binary == doctest::Approx(4800));
  // without the placement tree: an error naming it
  CHECK_THROWS_WITH_AS(run(net, plan, act, {0, 31}), doctest::Contains("placement tree"), InputError);
}

TEST_CASE("binary: a position whose participant left the network passes its subtree's volume on") {
  // the published example's January with participant 2 terminated: their left position
  // stays empty, 4 and 5 below it still count on 1's left (60,000 against 100,000 on the
  // right: 8 % of 60,000 paid, 40,000 carried on the right)
  const std::vector<id_type> ids{1, 2, 3, 4, 5, 6}, parents{0, 1, 1, 2, 2, 3};
  const std::vector<std::uint8_t> has{0, 1, 1, 1, 1, 1}, side{0, 'L', 'R', 'L', 'R', 'L'};
  PlacementInput in;
  in.tree = testing::tree_input(ids, parents, has);
  in.side = side.data();
  const Placement placement(in);
  const std::vector<id_type> kept{1, 3, 4, 5, 6}, sponsors{0, 1, 1, 1, 1};
  const std::vector<std::uint8_t> kept_has{0, 1, 1, 1, 1};
  const Network net(testing::tree_input(kept, sponsors, kept_has));
  const std::vector<index_t> tree_rows{0, 2, 3, 4, 5};
  const Plan plan = Plan::parse(R"({"active_pv": 50, "binary": {"rate": 0.08}})");
  const std::vector<id_type> who{1, 4, 5, 3, 6};
  const std::vector<day_t> day{9, 9, 9, 9, 9};
  const std::vector<double> vol{100, 10000, 50000, 10000, 90000};
  const Activity act(net, who, day, vol);
  BinaryPlacement placed{&placement.tree(), &placement.sides()};
  placed.tree_rows = tree_rows.data();
  const PlanRun r = run(net, plan, act, {0, 31}, placed);
  const index_t u = net.at(id_type{1});
  CHECK(r.periods[0].binary_left[u] == doctest::Approx(60000));
  CHECK(r.periods[0].binary_right[u] == doctest::Approx(100000));
  CHECK(r.periods[0].binary[u] == doctest::Approx(4800));
  CHECK(r.periods[0].carry_right[u] == doctest::Approx(40000));
  const std::vector<index_t> twice{0, 2, 3, 3, 5};
  placed.tree_rows = twice.data();
  expect_error([&] { run(net, plan, act, {0, 31}, placed); }, ErrorKind::bad_value, {"tree_rows[3] = 3", "twice"});
  placed.tree_rows = nullptr;
  expect_error([&] { run(net, plan, act, {0, 31}, placed); }, ErrorKind::bad_value,
               {"placement tree has 6 participants, the network 5"});
}
